"""The sandbox's mechanics: isolation detection and refusal, limits, streams, the warm pool.

Hostile programs live in ``test_hostile.py``; this file checks the machinery they rely on.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from backends import Sandbox, registry
from backends.base import Backend
from backends.outcome import to_exec_result
from backends.pyrun import python_worker, run_python_program
from backends.result import ErrorKind, ExecResult, Limits
from backends.sandbox import RawRun, isolation, minimal_env
from backends.sandbox import bwrap as bwrap_module
from backends.sandbox.bwrap import SANDBOX_UID, readonly_paths, scratch_entries
from backends.sandbox.environment import resolve_interpreter
from backends.sandbox.pool import WarmPool, WarmWorker
from reasoner.cli import main

FAST = Limits(wall_seconds=3, cpu_seconds=2)
MODES = [pytest.param(True, id="warm"), pytest.param(False, id="cold")]


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A PATH without bubblewrap, with the isolation probe forgotten before and after."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    isolation.reset()
    yield
    isolation.reset()


@pytest.fixture(scope="module", autouse=True)
def _sandbox() -> Iterator[None]:
    """The sandbox the module's runs use unless a test makes its own."""
    with Sandbox() as sandbox:
        SANDBOXES.append(sandbox)
        yield
        SANDBOXES.clear()


SANDBOXES: list[Sandbox] = []


def run(
    program: str, warm: bool, limits: Limits = FAST, sandbox: Sandbox | None = None,
    **kwargs: object,
) -> ExecResult:
    box = sandbox or SANDBOXES[-1]
    return run_python_program(box, program, limits, warm=warm, **kwargs)  # type: ignore[arg-type]


def run_isolated(
    argv: list[str], stdin: bytes, limits: Limits, env: dict[str, str] | None = None,
    ro_paths: list[str] | tuple[str, ...] = (),
) -> RawRun:
    return SANDBOXES[-1].run(argv, stdin, limits, env=env, ro_paths=ro_paths)


# --------------------------------------------------------------------------- detection


def test_this_machine_has_full_isolation() -> None:
    iso = isolation.detect()
    assert iso.complete, iso.problems
    assert iso.level == "bwrap+seccomp+rlimits"
    assert iso.refusal() is None


def test_refuses_without_bubblewrap_and_names_the_fix(no_bwrap: None) -> None:
    iso = isolation.detect()
    assert iso.bwrap is None and iso.level == "seccomp+rlimits"
    for warm in (True, False):
        result = run("answer = 1", warm)
        assert result.error is not None and result.error.kind is ErrorKind.unavailable
        assert not result.error.recoverable
        assert "apt-get install bubblewrap" in result.error.message
        assert "REASONER_SANDBOX=weak" in result.error.message


@pytest.mark.parametrize("warm", MODES)
def test_weak_mode_is_an_explicit_opt_in(
    no_bwrap: None, monkeypatch: pytest.MonkeyPatch, warm: bool
) -> None:
    monkeypatch.setenv("REASONER_SANDBOX", "weak")
    with Sandbox() as sandbox:
        ok = run("import os\nopen('f', 'w').close()\nanswer = os.getcwd()", warm, sandbox=sandbox)
        assert ok.ok, ok.error
        assert ok.value and "reasoner-run-" in ok.value
        assert not os.path.exists(ok.value) or os.listdir(ok.value) == []  # wiped
        forked = run("import os\nos.fork()", warm, sandbox=sandbox)  # seccomp still works without bwrap
        assert forked.error is not None and forked.error.kind is ErrorKind.denied
    assert not os.path.exists(ok.value)


def test_refuses_without_seccomp_and_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(**_: object) -> bytes:
        raise ImportError("No module named 'pyseccomp'")

    monkeypatch.setattr(isolation, "seccomp_filter", missing)
    isolation.reset()
    try:
        iso = isolation.detect()
        assert not iso.seccomp and iso.level == "bwrap+rlimits"
        refusal = iso.refusal()
        assert refusal is not None and "pip install pyseccomp" in refusal
    finally:
        isolation.reset()


def test_unknown_sandbox_mode_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REASONER_SANDBOX", "off")
    with pytest.raises(ValueError, match=r"strict.*weak"):
        isolation.detect()


def test_seccomp_filters_are_compiled_bpf() -> None:
    strict = isolation.seccomp_filter(allow_fork=False, allow_exec=False, protect_pids=(1, 2))
    loose = isolation.seccomp_filter(allow_fork=True, allow_exec=True)
    assert len(strict) % 8 == 0 and len(loose) % 8 == 0  # struct sock_filter is 8 bytes
    assert len(strict) > len(loose)


# --------------------------------------------------------------------------- what a program sees


@pytest.mark.parametrize("warm", MODES)
def test_a_program_sees_a_private_readonly_world(warm: bool, tmp_path: Path) -> None:
    (tmp_path / "host-file").write_text("host")
    program = f"""
import os
status = open('/proc/self/status').read()
answer = {{
    'uid': os.getuid(), 'cwd': os.getcwd(), 'cwd_files': os.listdir('.'),
    'env': sorted(os.environ), 'host_tmp': os.path.exists({str(tmp_path)!r}),
    'root': sorted(os.listdir('/')), 'caps': [l for l in status.splitlines()
                                             if l.startswith('CapEff')][0].split()[1],
    'pids': sorted(p for p in os.listdir('/proc') if p.isdigit()),
    'home': os.path.exists('/home/') and os.listdir('/home'),
}}
"""
    result = run(program, warm)
    assert result.ok, result.error
    seen = eval(result.value or "")  # the test's own repr of plain data
    assert seen["uid"] == SANDBOX_UID
    # Empty, but for the read-only mount points of a checkout or venv under /tmp (some CI).
    assert seen["cwd"] == "/tmp" and seen["cwd_files"] == [Path(p).name for p in scratch_entries()]
    assert set(seen["env"]) == {*minimal_env(), "HOME", "TMPDIR", "PWD"}  # PWD: bwrap's
    assert seen["host_tmp"] is False
    assert seen["caps"] == "0000000000000000"
    assert seen["home"] is False
    standard = {"etc", "usr", "tmp", "proc", "dev", "bin", "sbin", "lib", "lib32", "lib64"}
    bound = {Path(p).parts[1] for p in readonly_paths()}  # e.g. the venv's top directory
    assert {"etc", "usr", "tmp", "proc", "dev"} <= set(seen["root"]) <= standard | bound
    assert "home" not in seen["root"] and "var" not in seen["root"]
    assert len(seen["pids"]) <= 3  # bwrap's reaper, (the supervisor,) the program


@pytest.mark.parametrize("warm", MODES)
def test_files_do_not_survive_into_the_next_program(warm: bool) -> None:
    wrote = run("open('note.txt', 'w').write('x')\nanswer = 1", warm)
    assert wrote.ok, wrote.error
    after = run("import os\nanswer = sorted(os.listdir('.'))", warm)
    assert after.value == repr([Path(p).name for p in scratch_entries()])


@pytest.mark.parametrize("warm", MODES)
def test_printing_cannot_forge_the_answer(warm: bool) -> None:
    program = 'print(\'{"value": "999"}\')\nprint("answer = 999")\nanswer = 1'
    result = run(program, warm)
    assert result.ok and result.value == "1"
    assert "999" in result.stdout


@pytest.mark.parametrize("warm", MODES)
def test_output_is_capped_exactly(warm: bool) -> None:
    limits = FAST.model_copy(update={"output_bytes": 1000})
    result = run("import sys\nsys.stdout.write('x' * 5000)\nanswer = 1", warm, limits)
    assert result.error is not None and result.error.kind is ErrorKind.output_limit
    assert result.stdout == "x" * 1000


@pytest.mark.parametrize("warm", MODES)
def test_a_traceback_shows_the_failing_lines_of_the_program_only(warm: bool) -> None:
    # The model repairs from this message: which statement failed, not just "line 5".
    program = "def pick(items):\n    return items[5]\n\nchosen = pick([1, 2])\nanswer = chosen"
    result = run(program, warm)
    assert result.error is not None and result.error.kind is ErrorKind.runtime
    message = result.error.message
    assert "chosen = pick([1, 2])" in message and "return items[5]" in message
    assert message.endswith("IndexError: list index out of range")
    assert "_pyharness" not in message and "exec(" not in message
    bare_assert = run("import linecache\nlinecache.cache.clear()\nassert 1 + 1 == 3\nanswer = 1", warm)
    assert bare_assert.error is not None and "assert 1 + 1 == 3" in bare_assert.error.message


@pytest.mark.parametrize("warm", MODES)
def test_stdin_is_empty(warm: bool) -> None:
    result = run("import sys\nanswer = repr(sys.stdin.read())", warm)
    assert result.value == "''"


@pytest.mark.parametrize("warm", MODES)
def test_cpu_and_wall_limits_are_told_apart(warm: bool) -> None:
    limits = Limits(wall_seconds=2.5, cpu_seconds=1)
    spin = run("while True:\n    pass", warm, limits)
    assert spin.error is not None and spin.error.kind is ErrorKind.timeout
    assert "CPU" in spin.error.message or "wall" in spin.error.message  # CPU unless starved
    sleep = run("import time\ntime.sleep(30)", warm, limits)
    assert sleep.error is not None and sleep.error.kind is ErrorKind.timeout
    assert "2.5 s wall-clock" in sleep.error.message
    assert 2000 < sleep.elapsed_ms < 6000


@pytest.mark.parametrize("warm", MODES)
def test_output_before_a_timeout_is_kept(warm: bool) -> None:
    result = run("print('step 1')\nimport time\ntime.sleep(30)", warm, Limits(wall_seconds=1))
    assert result.error is not None and result.error.kind is ErrorKind.timeout
    assert result.stdout == "step 1\n"


@pytest.mark.parametrize("warm", MODES)
def test_memory_limit_counts_the_interpreter(warm: bool) -> None:
    limits = FAST.model_copy(update={"memory_mb": 200})
    small = run("x = bytearray(50 * 2**20)\nanswer = len(x)", warm, limits)
    assert small.ok, small.error
    big = run("x = bytearray(300 * 2**20)\nanswer = len(x)", warm, limits)
    assert big.error is not None and big.error.kind is ErrorKind.memory


@pytest.mark.parametrize("warm", MODES)
def test_a_large_program_streams_through(warm: bool) -> None:
    blob = "a" * 400_000
    result = run(f"s = {blob!r}\nanswer = len(s)", warm)
    assert result.value == "400000"


def test_a_failing_prelude_is_terminal() -> None:
    result = run_python_program(SANDBOXES[-1], "answer = 1", FAST, prelude="import no_such_module_xyz\n")
    assert result.error is not None and result.error.kind is ErrorKind.unavailable
    assert "no_such_module_xyz" in result.error.message


# --------------------------------------------------------------------------- non-Python engines


BASH = "/bin/bash"  # dash cannot redirect to descriptors above 9


def test_run_isolated_runs_any_engine_with_a_report_channel() -> None:
    script = 'read line; echo "got $line"; echo "{\\"value\\": \\"7\\"}" >&$REASONER_REPORT_FD'
    raw = run_isolated([BASH, "-c", script], b"hello\n", FAST, minimal_env())
    result = to_exec_result(raw, FAST)
    assert result.ok and result.value == "7"
    assert result.stdout == "got hello\n"


def test_run_isolated_engines_cannot_start_processes() -> None:
    script = '/bin/true && echo "{\\"value\\": \\"forked\\"}" >&$REASONER_REPORT_FD'
    raw = run_isolated([BASH, "-c", script], b"", FAST, minimal_env())
    result = to_exec_result(raw, FAST)
    assert not result.ok and result.value is None
    assert result.error is not None and result.error.kind is ErrorKind.crash


def test_run_isolated_applies_the_cpu_limit() -> None:
    limits = Limits(wall_seconds=4, cpu_seconds=1)
    raw = run_isolated([BASH, "-c", "while :; do :; done"], b"", limits, minimal_env())
    result = to_exec_result(raw, limits)
    assert result.error is not None and result.error.kind is ErrorKind.timeout


def test_extra_readonly_paths_are_opt_in(tmp_path: Path) -> None:
    data = tmp_path / "state.bin"
    data.write_text("engine state\n")
    # Builtins only: the engine cannot fork a `cat`.
    script = (
        f'IFS= read -r line < {data} && echo -n "$line" && '
        'echo "{\\"value\\": \\"read\\"}" >&$REASONER_REPORT_FD'
    )
    hidden = to_exec_result(run_isolated([BASH, "-c", script], b"", FAST), FAST)
    assert not hidden.ok
    shown = to_exec_result(
        run_isolated([BASH, "-c", script], b"", FAST, ro_paths=[str(data)]), FAST
    )
    assert shown.ok and shown.stdout == "engine state"


def test_a_path_bound_under_tmp_leaves_nothing_beside_it_writable(tmp_path: Path) -> None:
    """A checkout or venv under /tmp (some CI) is bound after the private /tmp; the
    directories around it must not become writable, shared-looking space."""
    assert str(tmp_path).startswith("/tmp/"), "pytest's tmp_path is expected under /tmp"
    venv = tmp_path / "checkout" / ".venv"
    venv.mkdir(parents=True)
    (venv / "lib.txt").write_text("library\n")
    top = "/tmp/" + tmp_path.relative_to("/tmp").parts[0]
    targets = [venv / "new", tmp_path / "checkout" / "new", tmp_path / "new", Path(top) / "new"]
    # Builtins only: the engine cannot fork.
    script = (
        f"IFS= read -r line < {venv}/lib.txt && echo \"$line\"; "
        + "".join(f"{{ echo x > {t}; }} 2>/dev/null && echo wrote {t}; " for t in targets)
        + "echo /tmp/*; echo scratch > /tmp/mine && echo wrote scratch; "
        'echo "{\\"value\\": \\"done\\"}" >&$REASONER_REPORT_FD'
    )
    result = to_exec_result(run_isolated([BASH, "-c", script], b"", FAST, ro_paths=[str(venv)]), FAST)
    assert result.ok, result.error
    lines = result.stdout.splitlines()
    assert lines[0] == "library"
    assert not [line for line in lines if line.startswith("wrote /tmp/pytest")]
    assert "wrote scratch" in lines  # the scratch directory itself stays writable
    assert lines[1].split() == sorted({top, *scratch_entries()})  # /tmp, before the program's own file
    assert not any(t.exists() for t in targets)


# --------------------------------------------------------------------------- result mapping


@pytest.mark.parametrize(
    ("returncode", "cpu", "kind"),
    [
        (-signal.SIGXCPU, 2.0, ErrorKind.timeout),
        (-signal.SIGKILL, 2.0, ErrorKind.timeout),
        (-signal.SIGKILL, 0.01, ErrorKind.crash),
        (-signal.SIGXFSZ, 0.1, ErrorKind.output_limit),
        (-signal.SIGSYS, 0.1, ErrorKind.denied),
        (-signal.SIGSEGV, 0.1, ErrorKind.crash),
        (0, 0.1, ErrorKind.crash),
    ],
)
def test_deaths_without_a_report_map_to_kinds(returncode: int, cpu: float, kind: ErrorKind) -> None:
    raw = RawRun(returncode=returncode, stdout="", stderr="", report=None, cpu_seconds=cpu)
    result = to_exec_result(raw, Limits(cpu_seconds=2))
    assert result.error is not None and result.error.kind is kind


# --------------------------------------------------------------------------- warm pool


@pytest.fixture
def small() -> Iterator[Sandbox]:
    """A sandbox with a small pool: two workers per key, three runs per worker."""
    with Sandbox(max_workers=2, max_runs=3) as sandbox:
        yield sandbox


def _worker_pids(pool: WarmPool) -> set[int]:
    return {w.pid for w in pool.workers()}


def test_pool_recycles_after_max_runs(small: Sandbox) -> None:
    seen = []
    for _ in range(4):
        assert run("answer = 1", warm=True, sandbox=small).ok
        seen.append(_worker_pids(small.pool))
    assert seen[0] == seen[1]
    assert seen[2] != seen[1]  # the third run retired the worker; a new one waits
    assert seen[3] == seen[2]


def test_pool_recycles_after_a_crash(small: Sandbox) -> None:
    assert run("answer = 1", warm=True, sandbox=small).ok
    before = _worker_pids(small.pool)
    crashed = run("import ctypes\nctypes.string_at(0)", warm=True, sandbox=small)
    assert crashed.error is not None and crashed.error.kind is ErrorKind.crash
    assert _worker_pids(small.pool).isdisjoint(before)
    assert run("answer = 2", warm=True, sandbox=small).value == "2"


def test_pool_restarts_a_dead_supervisor(small: Sandbox) -> None:
    assert run("answer = 1", warm=True, sandbox=small).ok
    for worker in small.pool.workers():
        os.killpg(worker.pid, signal.SIGKILL)
        worker.launched.proc.wait()
    result = run("answer = 2", warm=True, sandbox=small)
    assert result.ok and result.value == "2"


def test_pool_runs_in_parallel_threads(small: Sandbox) -> None:
    results: list[ExecResult] = []

    def work(n: int) -> None:
        results.append(run(f"import time\ntime.sleep(0.2)\nanswer = {n}", warm=True, sandbox=small))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.value or "" for r in results) == [str(n) for n in range(6)]
    assert len(small.pool.workers()) <= small.pool.max_workers


def test_missing_warm_import_falls_back_to_cold(small: Sandbox) -> None:
    result = run("answer = 3", warm=True, warm_imports=("no_such_module_xyz",), sandbox=small)
    assert result.ok and result.value == "3"
    assert any("no_such_module_xyz" in why for why in small.pool.failures().values())


def test_supervisor_refuses_to_fork_with_threads(small: Sandbox) -> None:
    starts_thread = (
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"
    )
    result = run("answer = 4", warm=True, warmup=starts_thread, sandbox=small)
    assert result.ok and result.value == "4"  # ran cold instead
    assert any("thread" in why for why in small.pool.failures().values())


def test_a_forked_host_gets_its_own_workers(small: Sandbox) -> None:
    import multiprocessing

    assert run("answer = 1", warm=True, sandbox=small).ok
    parent_workers = _worker_pids(small.pool)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()

    def child() -> None:
        value = run("answer = 2", warm=True, sandbox=small).value
        queue.put((value, _worker_pids(small.pool)))

    process = ctx.Process(target=child)
    process.start()
    value, child_workers = queue.get(timeout=60)
    process.join(timeout=60)
    assert value == "2" and child_workers.isdisjoint(parent_workers)
    assert run("answer = 3", warm=True, sandbox=small).value == "3"
    assert _worker_pids(small.pool) == parent_workers


def test_worker_reports_its_import_time() -> None:
    iso = isolation.detect()
    worker = WarmWorker(python_worker(("json",)), scratch_size_mb=64, iso=iso,
                        interpreter=resolve_interpreter())
    try:
        raw = worker.run({"program": "answer = 5", "prelude": ""}, FAST)
        assert to_exec_result(raw, FAST).value == "5"
        assert worker.import_ms is not None and worker.import_ms >= 0
    finally:
        worker.close()
    assert worker.launched.proc.poll() is not None


# --------------------------------------------------------------------------- CLI


class _NeedsThing(Backend):
    name = "needsthing"
    description = "A test backend whose engine is missing."
    languages = ("thing",)

    def availability(self) -> str | None:
        return "install thing-engine"

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        raise AssertionError("never run when unavailable")


@pytest.fixture
def needs_thing() -> Iterator[None]:
    registry.register("needsthing", lambda: _NeedsThing)
    yield
    registry.unregister("needsthing")


def test_cli_exec_json(tmp_path: Path) -> None:
    source = tmp_path / "prog.py"
    source.write_text("print('hi')\nanswer = 6 * 7\n")
    done = CliRunner().invoke(main, ["exec", "python", str(source), "--json"])
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output)
    assert {"ok", "value", "stdout", "stderr", "error", "elapsed_ms"} <= set(payload)
    assert payload["ok"] is True and payload["value"] == "42" and payload["error"] is None
    assert payload["stdout"] == "hi\n"


def test_cli_exec_stdin_timeout_and_exit_code() -> None:
    done = CliRunner().invoke(
        main, ["exec", "python", "-", "--json", "--timeout", "1"], input="while True:\n    pass\n"
    )
    assert done.exit_code == 1
    assert json.loads(done.output)["error"]["kind"] == "timeout"


def test_cli_exec_memory_option() -> None:
    program = "x = bytearray(400 * 2**20)\nanswer = 1\n"
    done = CliRunner().invoke(main, ["exec", "python", "-", "--memory", "256"], input=program)
    assert done.exit_code == 1
    assert "memory" in done.output


def test_cli_exec_human_output() -> None:
    done = CliRunner().invoke(main, ["exec", "python", "-"], input="print('out')\nanswer = 'x'\n")
    assert done.exit_code == 0
    assert "answer: x" in done.output and "out" in done.output


def test_cli_exec_unknown_backend_suggests() -> None:
    done = CliRunner().invoke(main, ["exec", "pyton", "-"], input="answer = 1")
    assert done.exit_code == 2
    assert "Did you mean 'python'" in done.output


def test_cli_exec_unavailable_backend(needs_thing: None) -> None:
    done = CliRunner().invoke(main, ["exec", "needsthing", "-", "--json"], input="x")
    assert done.exit_code == 1
    error = json.loads(done.output)["error"]
    assert error["kind"] == "unavailable" and "install thing-engine" in error["message"]


def test_cli_backends_lists_availability_and_isolation(needs_thing: None) -> None:
    done = CliRunner().invoke(main, ["backends", "--json"])
    assert done.exit_code == 0
    rows = {row["name"]: row for row in map(json.loads, done.output.splitlines())}
    assert set(rows) >= {"python", "needsthing"}
    assert rows["python"]["status"] == "available"
    assert rows["python"]["isolation"] == "bwrap+seccomp+rlimits"
    assert rows["needsthing"]["status"] == "unavailable — install thing-engine"
    table = CliRunner().invoke(main, ["backends"])
    assert "needsthing" in table.output and "sandbox: bwrap+seccomp+rlimits" in table.output


def test_cli_backends_shows_the_refusal(no_bwrap: None) -> None:
    done = CliRunner().invoke(main, ["backends"])
    assert done.exit_code == 0
    assert "refusing to run programs" in done.output


def test_a_python_installed_under_tmp_stays_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    """A checkout or venv under /tmp (as in some CI) is bound above the private /tmp tmpfs."""
    monkeypatch.setattr(bwrap_module, "readonly_paths", lambda: ("/usr", "/tmp/ci/.venv"))
    args = bwrap_module.bwrap_command("bwrap", ["python"], scratch_mb=8)
    tmpfs = args.index("--tmpfs")
    venv_bind = max(i for i, a in enumerate(args) if a == "/tmp/ci/.venv") - 2
    assert args[venv_bind] == "--ro-bind" and venv_bind > tmpfs
    assert args.index("/usr") < tmpfs


# --------------------------------------------------------------------------- the interpreter


@pytest.mark.parametrize("warm", MODES)
def test_a_venv_reached_through_a_symlink_runs(warm: bool, tmp_path: Path) -> None:
    """``bwrap: execvp .../python: No such file`` came from a venv under a symlinked path:
    the sandbox binds resolved paths only, so it must run the resolved interpreter."""
    import sys

    link = tmp_path / "venv-link"
    link.symlink_to(Path(sys.prefix).resolve(), target_is_directory=True)
    interpreter = link / Path(sys.executable).relative_to(sys.prefix)
    assert interpreter.exists() and interpreter.parent.is_symlink() is False
    assert str(interpreter).startswith(str(link))
    with Sandbox(interpreter=str(interpreter)) as sandbox:
        result = run("import json\nanswer = json.dumps([1, 2])", warm, sandbox=sandbox)
        assert result.ok, result.error
        assert result.value == "[1, 2]"


@pytest.mark.parametrize("warm", MODES)
def test_an_interpreter_the_sandbox_cannot_start_is_unavailable(warm: bool, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-venv" / "bin" / "python"
    with Sandbox(interpreter=str(missing)) as sandbox:
        result = run("answer = 1", warm, sandbox=sandbox)
    assert result.error is not None and result.error.kind is ErrorKind.unavailable, result
    assert not result.error.recoverable
    assert "no-such-venv" in result.error.message


def test_an_interpreter_hidden_from_the_sandbox_is_unavailable_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When bubblewrap cannot exec the interpreter, the worker never starts: terminal."""
    from backends.sandbox import box

    hidden = tmp_path / "hidden" / "python"  # under the host's /tmp: not in the sandbox
    hidden.parent.mkdir()
    hidden.symlink_to(resolve_interpreter())
    monkeypatch.setattr(box, "resolve_interpreter", lambda path=None: str(hidden))
    monkeypatch.setattr(box, "usable_interpreter", lambda path=None: str(hidden))
    with Sandbox(warm=False) as sandbox:
        result = run("answer = 1", False, sandbox=sandbox)
    assert result.error is not None and result.error.kind is ErrorKind.unavailable, result
    assert "execvp" in result.error.message and "No such file" in result.error.message


def test_a_harness_that_fails_to_start_is_unavailable(tmp_path: Path) -> None:
    """A worker that dies before it gets control is the sandbox's failure, not the program's."""
    from backends.sandbox import Worker

    broken = tmp_path / "broken_worker.py"
    broken.write_text("def start(args):\n    raise RuntimeError('cannot start')\n")
    raw = SANDBOXES[-1].run_cold(Worker(str(broken)), {}, FAST)
    result = to_exec_result(raw, FAST)
    assert result.error is not None and result.error.kind is ErrorKind.unavailable, result
    assert "cannot start" in result.error.message

"""Run one untrusted program in a separate, limited, isolated process; collect what it did.

The program never runs in the calling process. With the isolation that
``backends.isolation.detect()`` found (refusing to run with less unless
``REASONER_SANDBOX=weak``), each run gets:

* **bubblewrap**: new user, network, pid, ipc, uts and cgroup namespaces, so no
  network at all and no view of the host's processes; an allow-listed read-only view
  of the filesystem (``/usr``, the Python installation and its library path, this
  package, a copy of a few ``/etc`` entries, ``/dev/{null,zero,urandom}``; not
  ``/home``, ``/root``, ``/tmp``, the project checkout or the rest of ``/etc``) with the
  root itself read-only; a private tmpfs at ``/tmp`` capped in size, which is the
  working directory and vanishes with the sandbox; uid 65534 and no capabilities; no
  new user namespaces; a new session; killed when the caller dies. The program is pid
  2 of its namespace (bwrap's reaper is pid 1), so ``SIGXCPU`` still reaches it.
* **seccomp**: no new processes, no exec (Python programs), no sockets but AF_UNIX,
  no ptrace/mount/unshare/bpf/io_uring (see ``isolation.seccomp_filter``).
* **rlimits** on CPU time, address space, file size, open files and core dumps.
* an environment holding only what the interpreter needs; stdout and stderr read as
  streams with a hard cap; a wall-clock limit that kills the whole sandbox.

The answer comes back on a dedicated pipe named by ``REASONER_REPORT_FD``, never by
scanning stdout, so printing cannot forge it.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backends.isolation import Isolation, detect, seccomp_filter
from backends.result import Limits

REPORT_FD_ENV = "REASONER_REPORT_FD"
SCRATCH = "/tmp"
"""The working directory inside bubblewrap: a private tmpfs."""
SANDBOX_UID = 65534
HARNESS = str(Path(__file__).with_name("_pyharness.py"))
_MAX_REPORT_BYTES = 1_000_000
_ETC_FILES = (
    "alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
    "passwd", "group", "hosts", "os-release",
)
_DEVICES = ("null", "zero", "urandom")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here; the message says what to install."""


@dataclass
class RawRun:
    """What the sandbox observed; a backend turns it into an ExecResult."""

    returncode: int | None
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    timed_out: bool = False
    output_overflow: bool = False
    elapsed_ms: float = 0.0
    notes: list[str] = field(default_factory=list)
    cpu_seconds: float | None = None
    """CPU time the program used, when the sandbox could measure it."""

    @property
    def signal(self) -> int | None:
        rc = self.returncode
        return -rc if rc is not None and rc < 0 else None


def minimal_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with nothing from the caller but what an interpreter needs."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.update(extra or {})
    return env


def scratch_mb(limits: Limits) -> int:
    """Size of the private tmpfs: room for a few files of the largest allowed size."""
    return max(64, 4 * limits.file_mb)


def limits_payload(limits: Limits) -> dict[str, float]:
    """The limits the harness applies to itself, as plain JSON."""
    return {
        "cpu_seconds": limits.cpu_seconds,
        "memory_mb": limits.memory_mb,
        "file_mb": limits.file_mb,
        "wall_seconds": limits.wall_seconds,
    }


def python_path() -> list[str]:
    """The caller's library path, handed to harnesses started with ``-I -S`` (no site).

    Only the interpreter's own directories and installed packages: never the current
    directory or a project checkout, which may hold secrets (``.env`` files, tokens).
    """
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    kept = []
    for entry in sys.path:
        if not entry or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        parts = Path(real).parts
        if "site-packages" in parts or "dist-packages" in parts or any(
            real == root or real.startswith(root.rstrip("/") + "/") for root in roots
        ):
            kept.append(entry)
    return kept


# --------------------------------------------------------------------------- bubblewrap


@functools.cache
def _readonly_paths() -> tuple[str, ...]:
    """Directories the sandbox sees, read-only: the OS's and this Python's, nothing else."""
    wanted = {"/usr", "/opt/conda"} if os.path.isdir("/opt/conda") else {"/usr"}
    exe = os.path.realpath(sys.executable)
    wanted |= {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(exe).parent.parent)}
    wanted |= set(python_path())
    # This package (the harness, the Prolog runner and its compiled state), not the
    # checkout around it.
    wanted.add(str(Path(__file__).resolve().parent))
    real = sorted({os.path.realpath(p) for p in wanted if os.path.exists(p)})
    kept: list[str] = []
    for path in real:
        if path == "/" or any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            continue
        kept.append(path)
    return tuple(kept)


_etc_lock = threading.Lock()
_etc_dir: str | None = None


def _etc_copy() -> str:
    """A private copy of the few /etc entries programs need, bound as the sandbox's /etc.

    One bind instead of one per file (a mount costs time on every run), and nothing else
    of /etc (``shadow``, keys, service credentials) is there to read. Made once per host
    process, so it follows changes such as a new ``ld.so.cache``; removed at exit.
    """
    global _etc_dir
    with _etc_lock:
        if _etc_dir is not None and os.path.isdir(_etc_dir):
            return _etc_dir
        target = tempfile.mkdtemp(prefix="reasoner-etc-")
        os.chmod(target, 0o755)
        for name in _ETC_FILES:
            source = f"/etc/{name}"
            dest = os.path.join(target, name)
            if os.path.islink(source):
                os.symlink(os.readlink(source), dest)
            elif os.path.isdir(source):
                shutil.copytree(source, dest, symlinks=True)
            elif os.path.isfile(source):
                shutil.copy2(source, dest)
        atexit.register(shutil.rmtree, target, ignore_errors=True)
        _etc_dir = target
        return target


def _top_level_links() -> list[str]:
    """Recreate /bin, /lib, ... as on the host: symlinks into /usr on merged-usr systems."""
    args: list[str] = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = f"/{name}"
        if os.path.islink(host):
            args += ["--symlink", os.readlink(host), host]
        elif os.path.isdir(host):
            args += ["--ro-bind", host, host]
    return args


def scratch_entries(paths: Sequence[str] | None = None) -> list[str]:
    """The top directories under ``/tmp`` that hold bound paths (by default this Python's).

    The only entries a program finds in its otherwise empty working directory.
    """
    prefix = SCRATCH + "/"
    paths = _readonly_paths() if paths is None else paths
    return sorted({prefix + p[len(prefix):].split("/", 1)[0] for p in paths if p.startswith(prefix)})


def _binds_after_scratch(paths: Sequence[str]) -> list[str]:
    """Read-only binds made after the private ``/tmp``, so that paths under it work too.

    A checkout or venv under ``/tmp`` (as in some CI) would otherwise be hidden by the
    tmpfs. Its top directory (``/tmp/checkout``) gets a tiny tmpfs of its own that is
    made read-only once the binds are in, so the program can neither write beside the
    bound paths nor mistake the directory for scratch space.
    """
    tops = [top for top in scratch_entries(paths) if top not in paths]  # a bound top is read-only already
    args: list[str] = []
    for top in tops:
        args += ["--size", str(1024 * 1024), "--perms", "0755", "--tmpfs", top]
    for path in paths:
        args += ["--ro-bind", path, path]
    for top in tops:
        args += ["--remount-ro", top]
    return args


def bwrap_command(
    bwrap: str, argv: Sequence[str], *, scratch_mb: int, seccomp_fd: int | None = None,
    env: Mapping[str, str] | None = None, ro_paths: Sequence[str] = (),
    die_with_parent: bool = True,
) -> list[str]:
    """The bubblewrap command line that runs ``argv`` isolated, ``/tmp`` as its cwd.

    ``ro_paths`` adds files or directories the engine needs beyond the defaults (e.g. a
    compiled Prolog state under the user's cache), read-only, at the same path.
    ``die_with_parent`` ties the sandbox to the *thread* that starts it (Linux's parent
    death signal follows the thread), right for a run the thread waits for; long-lived
    pool workers end instead when the host's end of their socket closes.
    """
    args = [
        bwrap,
        "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--disable-userns",
        "--new-session", "--cap-drop", "ALL",
        "--hostname", "sandbox",
    ]
    if die_with_parent:
        args.append("--die-with-parent")
    # Paths under /tmp (a checkout or venv there, as in some CI) are bound after the
    # private tmpfs below, which would otherwise hide them.
    readonly = _readonly_paths()
    in_scratch = [p for p in readonly if p == SCRATCH or p.startswith(SCRATCH + "/")]
    for path in readonly:
        if path not in in_scratch:
            args += ["--ro-bind", path, path]
    args += _top_level_links()
    args += ["--ro-bind", _etc_copy(), "/etc", "--proc", "/proc"]
    # A few device nodes rather than bwrap's --dev (a tmpfs with /dev/shm, ptys and a
    # dozen mounts): each mount costs time on every run, and /dev stays read-only.
    for name in _DEVICES:
        args += ["--dev-bind", f"/dev/{name}", f"/dev/{name}"]
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        args += ["--symlink", target, f"/dev/{name}"]
    args += ["--size", str(scratch_mb * 1024 * 1024), "--perms", "0700", "--tmpfs", SCRATCH]
    args += _binds_after_scratch([*in_scratch, *(os.path.realpath(p) for p in ro_paths)])
    args += [
        "--remount-ro", "/",
        "--chdir", SCRATCH,
        "--clearenv",
    ]
    for key, value in (env or {}).items():
        args += ["--setenv", key, value]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    return [*args, "--", *argv]


def seccomp_pipe(bpf: bytes) -> int:
    """A readable descriptor holding ``bpf``, for ``bwrap --seccomp FD``."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, bpf)  # a filter is a few hundred bytes: far below the pipe size
    finally:
        os.close(write_end)
    return read_end


# --------------------------------------------------------------------------- launching


@dataclass
class Launched:
    """A started sandbox: its outermost process and what to clean up after it."""

    proc: subprocess.Popen[bytes]
    scratch: str | None
    """Host directory used as the working directory (weak mode only), wiped by cleanup."""
    strict: bool

    def kill(self) -> None:
        """Kill the whole sandbox: its process group, and in bwrap the pid namespace."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def cleanup(self) -> None:
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)


def supervisor_pids(iso: Isolation, *others: int) -> tuple[int, ...]:
    """Pids a program must not signal: bwrap's reaper inside a namespace, else the host."""
    if iso.bwrap:
        return (1, *others)
    return (os.getpid(), *others)


def launch(
    argv: Sequence[str],
    *,
    iso: Isolation,
    env: Mapping[str, str],
    scratch_size_mb: int,
    allow_fork: bool = False,
    long_lived: bool = False,
    pass_fds: Sequence[int] = (),
    stdin: int = subprocess.PIPE,
    stdout: int = subprocess.PIPE,
    stderr: int = subprocess.PIPE,
    ro_paths: Sequence[str] = (),
) -> Launched:
    """Start ``argv`` inside the strongest sandbox ``iso`` allows; limits are the caller's job.

    No ``preexec_fn``: the caller may have threads, and forking with a Python callback
    then can deadlock. Rlimits are applied inside the sandbox instead (by the harness
    or by ``prlimit``).
    """
    refusal = iso.refusal()
    if refusal:
        raise SandboxUnavailable(refusal)
    fds = list(pass_fds)
    seccomp_fd: int | None = None
    scratch: str | None = None
    if iso.bwrap:
        if iso.seccomp:
            seccomp_fd = seccomp_pipe(
                seccomp_filter(allow_fork=allow_fork, allow_exec=True)
            )
            fds.append(seccomp_fd)
        work = SCRATCH
        full_env = {**env, "HOME": work, "TMPDIR": work}
        command = bwrap_command(
            iso.bwrap, argv, scratch_mb=scratch_size_mb, seccomp_fd=seccomp_fd, env=full_env,
            ro_paths=ro_paths, die_with_parent=not long_lived,
        )
        cwd = "/"
    else:
        scratch = tempfile.mkdtemp(prefix="reasoner-run-")
        work = scratch
        full_env = {**env, "HOME": work, "TMPDIR": work}
        command = list(argv)
        cwd = scratch
    try:
        proc = subprocess.Popen(
            command, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd,
            env=full_env, start_new_session=True, pass_fds=fds, close_fds=True,
        )
    except OSError as exc:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
        raise SandboxUnavailable(f"could not start {command[0]}: {exc}") from exc
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)
    return Launched(proc=proc, scratch=scratch, strict=bool(iso.bwrap))


def limiter_prefix(limits: Limits, iso: Isolation) -> list[str]:
    """A command prefix that applies ``limits`` (and, without bwrap, seccomp) then execs.

    Inside bwrap, bwrap itself has loaded the no-fork filter, so util-linux ``prlimit``
    (a small C program) is enough. Otherwise the Python harness does both.
    """
    cpu = max(1, int(limits.cpu_seconds + 0.999))
    prlimit = shutil.which("prlimit")
    if iso.bwrap and prlimit and os.path.realpath(prlimit).startswith("/usr/"):
        mem, fsize = limits.memory_mb * 1024 * 1024, limits.file_mb * 1024 * 1024
        return [
            prlimit, f"--cpu={cpu}:{cpu + 1}", f"--as={mem}", f"--fsize={fsize}",
            "--core=0", "--nofile=256", "--",
        ]
    bpf = None
    if iso.seccomp and not iso.bwrap:
        raw = seccomp_filter(allow_fork=False, allow_exec=True, protect_pids=supervisor_pids(iso))
        bpf = base64.b64encode(raw).decode()
    spec = json.dumps({"limits": limits_payload(limits), "bpf": bpf})
    return [sys.executable, "-I", "-S", HARNESS, "--exec", spec, "--"]


# --------------------------------------------------------------------------- streams


class StreamPump:
    """Reads several pipes at once, each up to a cap, and feeds one pipe's input.

    Output past a cap is dropped and flagged (``overflow``) so the caller can kill the
    program instead of buffering without end. Descriptors added with ``watch`` are not
    read: their readiness is returned to the caller (the warm pool's control socket).
    """

    def __init__(self, caps: Mapping[int, int], stdin: tuple[int, bytes] | None = None) -> None:
        self._sel = selectors.DefaultSelector()
        self.buffers: dict[int, bytearray] = {fd: bytearray() for fd in caps}
        self._caps = dict(caps)
        self.overflow = False
        self.overflowed: set[int] = set()
        self._reading = set(caps)
        for fd in caps:
            os.set_blocking(fd, False)
            self._sel.register(fd, selectors.EVENT_READ)
        self._stdin_fd: int | None = None
        self._stdin = memoryview(b"")
        if stdin is not None:
            self._stdin_fd, data = stdin
            self._stdin = memoryview(data)
            os.set_blocking(self._stdin_fd, False)
            self._sel.register(self._stdin_fd, selectors.EVENT_WRITE)
            if not data:
                self._close_stdin()

    def watch(self, fd: int) -> None:
        self._sel.register(fd, selectors.EVENT_READ)

    def unwatch(self, fd: int) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._sel.unregister(fd)

    @property
    def reading(self) -> bool:
        """True while some output pipe has not reached end of file."""
        return bool(self._reading)

    def step(self, timeout: float) -> list[int]:
        """Wait up to ``timeout`` s, move the data that is ready; return ready watched fds."""
        ready: list[int] = []
        if not self._sel.get_map():
            time.sleep(max(0.0, timeout))
            return ready
        for key, _ in self._sel.select(timeout=max(0.0, timeout)):
            fd = int(key.fd)
            if fd == self._stdin_fd:
                self._feed()
            elif fd in self._reading:
                self._drain(fd)
            else:
                ready.append(fd)
        return ready

    def _feed(self) -> None:
        assert self._stdin_fd is not None
        try:
            written = os.write(self._stdin_fd, self._stdin[:65536])
        except BlockingIOError:
            return
        except OSError:  # the program closed its stdin or died: nothing more to give
            written = len(self._stdin)
        self._stdin = self._stdin[written:]
        if not self._stdin:
            self._close_stdin()

    def _close_stdin(self) -> None:
        assert self._stdin_fd is not None
        self.unwatch(self._stdin_fd)
        with contextlib.suppress(OSError):
            os.close(self._stdin_fd)
        self._stdin_fd = None

    def _drain(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._reading.discard(fd)
            self.unwatch(fd)
            return
        buf = self.buffers[fd]
        room = self._caps[fd] - len(buf)
        if len(chunk) > room:
            buf.extend(chunk[: max(0, room)])
            self.overflow = True
            self.overflowed.add(fd)
        else:
            buf.extend(chunk)

    def close(self) -> None:
        if self._stdin_fd is not None:
            self._close_stdin()
        self._sel.close()


# --------------------------------------------------------------------------- cold runs


def run_isolated(
    argv: Sequence[str],
    stdin_data: bytes,
    limits: Limits,
    env: Mapping[str, str] | None = None,
    *,
    self_limiting: bool = False,
    ro_paths: Sequence[str] = (),
) -> RawRun:
    """Run ``argv`` in a fresh sandbox with ``stdin_data`` on stdin; collect output and report.

    The report descriptor is passed as ``REASONER_REPORT_FD``. Unless ``self_limiting``
    (the Python harness applies limits itself), ``argv`` is prefixed by a limiter.
    ``ro_paths`` are extra paths the engine must read (see ``bwrap_command``).
    Raises ``SandboxUnavailable`` when the isolation required is missing.
    """
    iso = detect()
    if not self_limiting:
        argv = [*limiter_prefix(limits, iso), *argv]
    report_r, report_w = os.pipe()
    started = time.monotonic()
    try:
        launched = launch(
            argv, iso=iso, env={**(env or minimal_env()), REPORT_FD_ENV: str(report_w)},
            scratch_size_mb=scratch_mb(limits), pass_fds=(report_w,), ro_paths=ro_paths,
        )
    except BaseException:
        os.close(report_r)
        raise
    finally:
        os.close(report_w)
    try:
        return _collect(launched, stdin_data, report_r, limits, started)
    finally:
        launched.cleanup()
        with contextlib.suppress(OSError):
            os.close(report_r)


def _collect(
    launched: Launched, stdin_data: bytes, report_r: int, limits: Limits, started: float
) -> RawRun:
    proc = launched.proc
    assert proc.stdin and proc.stdout and proc.stderr
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    caps = {out_fd: limits.output_bytes, err_fd: limits.output_bytes, report_r: _MAX_REPORT_BYTES}
    pump = StreamPump(caps, stdin=(os.dup(proc.stdin.fileno()), stdin_data))
    proc.stdin.close()
    deadline = started + limits.wall_seconds
    timed_out = False
    try:
        while pump.reading and not pump.overflow:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            pump.step(min(remaining, 1.0))
    finally:
        pump.close()
    if timed_out or pump.overflow:
        launched.kill()
    reaped = _reap(proc, deadline)
    if reaped is None:
        timed_out = True
        launched.kill()
        reaped = _reap(proc, None)
    assert reaped is not None
    rc, cpu = reaped
    return RawRun(
        returncode=_program_status(launched, rc),
        cpu_seconds=cpu,
        stdout=pump.buffers[out_fd].decode("utf-8", "replace"),
        stderr=pump.buffers[err_fd].decode("utf-8", "replace"),
        report=parse_report(bytes(pump.buffers[report_r])),
        timed_out=timed_out,
        output_overflow=bool(pump.overflowed & {out_fd, err_fd}),
        elapsed_ms=(time.monotonic() - started) * 1000,
        notes=["report longer than the cap"] if report_r in pump.overflowed else [],
    )


def _reap(proc: subprocess.Popen[bytes], deadline: float | None) -> tuple[int, float] | None:
    """Wait for the sandbox (until ``deadline``), returning its status and the CPU time used.

    ``wait4`` reports the CPU time of the whole sandbox, since bwrap reaps the program:
    how a SIGKILL from the hard CPU limit is told apart from any other.
    """
    while True:
        pid, status, usage = os.wait4(proc.pid, 0 if deadline is None else os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.001)


def _program_status(launched: Launched, rc: int | None) -> int | None:
    """The program's own status: bwrap reports a signal death as exit code 128 + signal."""
    if launched.strict and rc is not None and 128 < rc < 128 + 65:
        return -(rc - 128)
    return rc


def parse_report(data: bytes) -> dict[str, Any] | None:
    """Exactly one JSON object is a valid report; anything else is treated as none."""
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) != 1:
        return None
    try:
        parsed = json.loads(lines[0])
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None

"""Hostile programs against every backend: each must fail safely, in the right way.

Every case asserts the error kind (or the harmless answer), and then that the host is
fine (same descriptors, same working directory), that nothing was written outside the
sandbox (canary paths), that no process was left behind, that neither the secret
environment variable nor the secret file leaked into anything the run returned, that
nothing reached the test's listeners, and that the next program in the same backend
works. Python cases run both warm (pool) and cold (fresh process).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import backends
from backends import Backend, Sandbox, load_backend
from backends.result import ErrorKind, ExecResult, Limits

SECRET = f"reasoner-secret-{uuid.uuid4().hex}"
TAG = uuid.uuid4().hex[:12]
LIMITS = Limits(wall_seconds=2, cpu_seconds=1)
PROJECT = Path(backends.__file__).resolve().parent.parent

T, M, D, R = ErrorKind.timeout, ErrorKind.memory, ErrorKind.denied, ErrorKind.runtime
C, OUT = ErrorKind.crash, ErrorKind.output_limit


@dataclass(frozen=True)
class Case:
    backend: str
    name: str
    program: str
    kind: ErrorKind | None
    """Expected error kind; None when the program must end normally (harmlessly)."""
    value: str | None = None
    then: tuple[str, str] | None = None
    """A follow-up program and its value, when the case tests state leaking between runs."""
    memory_mb: int | None = None
    """A smaller memory limit, where reaching the default would only cost time."""
    seconds: float | None = None
    """A longer time limit, where the case is about another limit being reached first."""
    modes: tuple[bool, ...] = (True, False)
    """Python only: warm (pool) and/or cold; some attacks only make sense on a pool."""


LIBC = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
RAISE_ERRNO = "    raise OSError(ctypes.get_errno(), 'failed')\n"

PYTHON = [
    Case("python", "infinite-loop", "while True:\n    pass", T),
    Case("python", "sleep-past-wall", "import time\ntime.sleep(60)", T),
    Case("python", "sigxcpu-ignored",
         "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass", T),
    Case("python", "raise-own-limits",
         "import resource\nresource.setrlimit(resource.RLIMIT_CPU, (10**6, 10**6))", R),
    Case("python", "memory-bomb", "x = bytearray(10**11)", M),
    Case("python", "memory-creep", "chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))", M,
         memory_mb=256),
    Case("python", "fork-bomb", "import os\nwhile True:\n    os.fork()", D),
    Case("python", "fork-via-ctypes", f"{LIBC}if libc.fork() < 0:\n{RAISE_ERRNO}", D),
    Case("python", "os-system", "import os\nanswer = os.system('touch @CANARY_TMP@')", D),
    Case("python", "subprocess",
         "import subprocess\nanswer = subprocess.check_output(['cat', '@SECRET_FILE@'])", D),
    Case("python", "execv", "import os\nos.execv('/bin/sh', ['sh', '-c', 'touch @CANARY_TMP@'])", D),
    Case("python", "execv-via-ctypes",
         f"{LIBC}argv = (ctypes.c_char_p * 2)(b'/bin/true', None)\n"
         f"if libc.execv(b'/bin/true', argv) < 0:\n{RAISE_ERRNO}", D),
    Case("python", "unshare-user-ns", f"{LIBC}if libc.unshare(0x10000000) != 0:\n{RAISE_ERRNO}", D),
    Case("python", "ptrace-attach", f"{LIBC}if libc.ptrace(16, 1, 0, 0) != 0:\n{RAISE_ERRNO}", D),
    Case("python", "write-root", "open('/escape-@TAG@', 'w').write('x')", D),
    Case("python", "write-project", "open('@PROJECT_CANARY@', 'w').write('x')", D),
    Case("python", "write-dev", "open('/dev/escape-@TAG@', 'w').write('x')", D),
    Case("python", "write-dev-shm", "open('/dev/shm/escape-@TAG@', 'w').write('x')", R),
    Case("python", "write-host-tmp", "open('@HOST_TMP_CANARY@', 'w').write('x')", R),
    Case("python", "symlink-out",
         "import os\nos.symlink('@HOST_TMP_DIR@', 'link')\nopen('link/escape.txt', 'w').write('x')", R),
    Case("python", "big-file", "open('big.bin', 'wb').write(b'x' * (64 * 2**20))", OUT),
    Case("python", "fill-scratch",
         "for i in range(20):\n    open(f'f{i}', 'wb').write(b'x' * (15 * 2**20))", OUT),
    Case("python", "read-secret-file", "answer = open('@SECRET_FILE@').read()", R),
    Case("python", "read-secret-env", "import os\nanswer = os.environ['REASONER_TEST_SECRET']", R),
    Case("python", "read-shadow", "answer = open('/etc/shadow').read()", R),
    Case("python", "scan-proc-environ",
         "import os\nfound = []\nfor pid in os.listdir('/proc'):\n    try:\n"
         "        found.append(open(f'/proc/{pid}/environ', 'rb').read().decode())\n"
         "    except OSError:\n        pass\nanswer = '|'.join(found)", None),
    Case("python", "tcp-to-host-listener",
         "import socket\nsocket.create_connection(('127.0.0.1', @PORT@), timeout=1).sendall(b'x')", D),
    Case("python", "unix-abstract-listener",
         "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('\\0@ABSTRACT@')", R),
    Case("python", "steal-supervisor-socket",
         "import os\nppid = os.getppid()\n"
         "answer = [open(f'/proc/{ppid}/fd/{fd}', 'rb') for fd in os.listdir(f'/proc/{ppid}/fd')]",
         D, modes=(True,)),
    Case("python", "read-supervisor-memory",
         "import os\nanswer = open(f'/proc/{os.getppid()}/mem', 'rb').read(64)", D, modes=(True,)),
    Case("python", "thread-bomb",
         "import threading, time\nwhile True:\n"
         "    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()", R),
    Case("python", "renice", "import os\nos.nice(-10)", D),
    Case("python", "compiler-bomb", "x = " + "(" * 100_000 + ")" * 100_000, ErrorKind.syntax),
    Case("python", "segfault-ctypes", "import ctypes\nctypes.string_at(0)", C),
    Case("python", "os-exit", "import os\nprint('bye')\nos._exit(0)", C),
    Case("python", "self-sigkill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", C),
    Case("python", "kill-supervisor",
         "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nanswer = 'alive'", D),
    Case("python", "kill-everything", "import os, signal\nos.kill(-1, signal.SIGKILL)", D),
    Case("python", "huge-stdout", "while True:\n    print('x' * 1000)", OUT),
    Case("python", "huge-stderr", "import sys\nsys.stderr.write('e' * 10**7)", OUT),
    Case("python", "deep-recursion", "def f(n):\n    return f(n + 1)\nf(0)", R),
    Case("python", "c-stack-overflow",
         "import gc, pickle, sys\ngc.disable()\nsys.setrecursionlimit(10**7)\nx = []\n"
         "for _ in range(200_000):\n    x = [x]\nanswer = pickle.dumps(x)", C),
    Case("python", "fake-answer-then-fail",
         "print('{\"value\": \"42\"}')\nprint('answer = 42')\nanswer = 42\nraise RuntimeError('no')", R),
    Case("python", "forge-report-descriptor",
         "import os\nfor fd in range(3, 64):\n    try:\n"
         "        os.write(fd, b'{\"value\": \"forged\"}\\n')\n    except OSError:\n        pass\n"
         "raise SystemExit(3)", C),
    Case("python", "atexit-loop-after-print",
         "import atexit\natexit.register(lambda: [None for _ in iter(int, 1)])\n"
         "print('done')\nanswer = 1", None, "1"),
    Case("python", "thread-left-running",
         "import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()\n"
         "answer = 1", None, "1"),
    Case("python", "poison-modules",
         "import sys, builtins\nbuiltins.len = None\nsys.modules['math'] = None\nanswer = 1",
         None, "1", then=("import math\nanswer = math.factorial(5) + len([1])", "121")),
]

SYMPY = [
    Case("sympy", "huge-expansion", "x = symbols('x')\nanswer = expand((x + 1)**100000)", T),
    Case("sympy", "sympify-shell",
         "answer = sympify(\"__import__('os').system('touch @CANARY_TMP@')\")", D),
    Case("sympy", "parse-expr-subprocess",
         "from sympy.parsing.sympy_parser import parse_expr\n"
         "answer = parse_expr(\"__import__('subprocess').getoutput('cat @SECRET_FILE@')\")", D),
    Case("sympy", "poison-solve", "import sympy\nsympy.solve = None\nanswer = 1", None, "1",
         then=("x = symbols('x')\nanswer = solve(x - 2, x)", "[2]")),
]

PROLOG = [
    Case("prolog", "halt-directive", ":- halt.\nsolve(1).", D),
    Case("prolog", "halt-goal", "solve(X) :- halt.", D),
    Case("prolog", "shell", "solve(X) :- shell('touch @CANARY_TMP@', X).", D),
    Case("prolog", "file-write",
         "solve(ok) :- open('@CANARY_TMP@', write, S), write(S, x), close(S).", D),
    Case("prolog", "load-time-directive",
         ":- initialization(shell('touch @CANARY_TMP@')).\nsolve(1).", D),
    Case("prolog", "read-secret-file", "solve(X) :- read_file_to_string('@SECRET_FILE@', X, []).", D),
    Case("prolog", "getenv", "solve(X) :- getenv('REASONER_TEST_SECRET', X).", D),
    Case("prolog", "infinite-loop", "loop :- loop.\nsolve(1) :- loop.", T),
    Case("prolog", "infinite-recursion", "p(X) :- p(s(X)).\nsolve(X) :- p(X).", M, seconds=8),
    Case("prolog", "assert-leak", ":- dynamic secret/1.\nsolve(ok) :- assertz(secret(1)).", None,
         "ok", then=(":- dynamic secret/1.\nsolve(X) :- (secret(_) -> X = leaked ; X = clean).",
                     "clean")),
]

SMT = [
    Case("smt", "nonlinear-no-timeout",
         "set_param('timeout', 0)\nx, y, z = Ints('x y z')\ns = Solver()\ns.set('timeout', 0)\n"
         "s.add(x**3 + y**3 == z**3, x > 0, y > 0, z > 0)\nanswer = s.check()", T),
    Case("smt", "nonlinear-default-budget",
         "x, y, z = Ints('x y z')\ns = Solver()\n"
         "s.add(x**3 + y**3 == z**3, x > 0, y > 0, z > 0)\nanswer = s.check()", ErrorKind.unknown),
    Case("smt", "bad-smtlib", "(declare-const x Int)\n(assert (> x)\n(check-sat)", ErrorKind.syntax),
    Case("smt", "model-after-unsat",
         "x = Int('x')\ns = Solver()\ns.add(x > 1, x < 0)\ns.check()\nanswer = s.model()",
         ErrorKind.unsat),
    Case("smt", "smtlib-model-after-unsat",
         "(declare-const x Int)\n(assert (> x 1))\n(assert (< x 0))\n(check-sat)\n(get-model)",
         ErrorKind.unsat),
]

SAT = [
    Case("sat", "hard-pigeonhole",
         "from pysat.examples.genhard import PHP\n"
         "with Solver(name='minisat22', bootstrap_with=PHP(11).clauses) as s:\n"
         "    answer = s.solve()", ErrorKind.unknown),
    Case("sat", "literal-zero", "with Solver(bootstrap_with=[[1, 0, 2]]) as s:\n    answer = s.solve()", R),
    Case("sat", "bad-dimacs", "p cnf 2 1\n1 x 0\n", ErrorKind.syntax),
]

NEXT = {
    "python": ("answer = 6 * 7", "42"),
    "sympy": ("answer = Rational(1, 3) + Rational(1, 6)", "1/2"),
    "prolog": ("solve(X) :- X is 6 * 7.", "42"),
    "smt": ("x = Int('x')\ns = Solver()\ns.add(6 * x == 42)\ns.check()\nanswer = s.model()[x]", "7"),
    "sat": ("p cnf 1 1\n1 0\n", "SAT: 1"),
}

CASES = [
    *(pytest.param(case, warm, id=f"python-{case.name}-{'warm' if warm else 'cold'}")
      for case in PYTHON for warm in case.modes),
    *(pytest.param(case, None, id=f"{case.backend}-{case.name}")
      for case in (*SYMPY, *PROLOG, *SMT, *SAT)),
]


# --------------------------------------------------------------------------- the world

SANDBOXES: list[Sandbox] = []
LOADED: dict[str, Backend] = {}


@pytest.fixture(scope="module", autouse=True)
def _sandbox() -> Iterator[None]:
    """One sandbox for the module, as a long-lived owner keeps one; closed at the end."""
    with Sandbox() as sandbox:
        SANDBOXES.append(sandbox)
        yield
        for loaded in LOADED.values():
            loaded.close()
        LOADED.clear()
        SANDBOXES.clear()


def get_backend(name: str) -> Backend:
    if name not in LOADED:
        LOADED[name] = load_backend(name, SANDBOXES[-1])
    return LOADED[name]



@dataclass
class World:
    tmp: Path
    secret_file: Path
    tcp: socket.socket
    unix: socket.socket
    canaries: list[Path]
    substitutions: dict[str, str]

    def fill(self, program: str) -> str:
        for key, value in self.substitutions.items():
            program = program.replace(f"@{key}@", value)
        return program


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("hostile")
    secret_file = tmp / "secret.txt"
    secret_file.write_text(SECRET)
    tcp = socket.create_server(("127.0.0.1", 0))
    tcp.setblocking(False)
    abstract = f"reasoner-test-{TAG}"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(f"\0{abstract}")
    unix.listen()
    unix.setblocking(False)
    canaries = [
        tmp / "escape.txt",
        Path(f"/tmp/reasoner-escape-{TAG}"),
        PROJECT / f"escape-{TAG}",
        Path(f"/dev/shm/escape-{TAG}"),
        Path(f"/dev/escape-{TAG}"),
        Path(f"/escape-{TAG}"),
    ]
    substitutions = {
        "SECRET_FILE": str(secret_file), "PORT": str(tcp.getsockname()[1]),
        "ABSTRACT": abstract, "TAG": TAG, "HOST_TMP_DIR": str(tmp),
        "HOST_TMP_CANARY": str(canaries[0]), "CANARY_TMP": str(canaries[1]),
        "PROJECT_CANARY": str(canaries[2]),
    }
    saved = {k: os.environ.get(k) for k in ("REASONER_TEST_SECRET", "OPENAI_API_KEY")}
    os.environ["REASONER_TEST_SECRET"] = SECRET
    os.environ["OPENAI_API_KEY"] = SECRET
    try:
        yield World(tmp, secret_file, tcp, unix, canaries, substitutions)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tcp.close()
        unix.close()
        for canary in canaries:
            canary.unlink(missing_ok=True)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def stray_processes() -> list[int]:
    """Descendants of this process that are not a warm supervisor's own sandbox.

    A worker is bwrap (our child), bwrap's reaper and the supervisor below it; anything
    deeper is a program's process and must be gone once its run has returned.
    """
    tree = _children()
    allowed: set[int] = set()
    for worker in SANDBOXES[-1].pool.workers():
        allowed.add(worker.pid)
        for reaper in tree.get(worker.pid, []):
            allowed.add(reaper)
            allowed.update(tree.get(reaper, []))
    stray, frontier = [], list(tree.get(os.getpid(), []))
    while frontier:
        pid = frontier.pop()
        if pid not in allowed:
            stray.append(pid)
        frontier.extend(tree.get(pid, []))
    return stray


def _plain_fds() -> set[str]:
    """This process's descriptors other than sockets (pool workers each hold one)."""
    kept = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if not target.startswith("socket:"):
            kept.add(f"{fd}->{target}")
    return kept


def _texts(result: ExecResult) -> list[str]:
    texts = [result.value or "", result.stdout, result.stderr, *result.extra.values()]
    if result.error is not None:
        texts.append(result.error.message)
    return texts


# --------------------------------------------------------------------------- the suite


def test_the_suite_covers_every_backend_with_forty_cases() -> None:
    assert len(PYTHON) + len(SYMPY) + len(PROLOG) + len(SMT) + len(SAT) >= 40
    assert {case.backend for case in (*PYTHON, *SYMPY, *PROLOG, *SMT, *SAT)} == set(NEXT)


@pytest.mark.parametrize(("case", "warm"), CASES)
def test_hostile(
    case: Case, warm: bool | None, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    if warm is not None:
        monkeypatch.setenv("REASONER_POOL", "1" if warm else "0")
    backend = get_backend(case.backend)
    assert backend.availability() is None, backend.availability()
    fds, cwd = _plain_fds(), os.getcwd()

    limits = LIMITS.model_copy(update={
        "memory_mb": case.memory_mb or LIMITS.memory_mb,
        "wall_seconds": case.seconds or LIMITS.wall_seconds,
        "cpu_seconds": case.seconds or LIMITS.cpu_seconds,
    })
    result = backend.run(world.fill(case.program), limits)

    # The error kind (or the harmless answer).
    if case.kind is None:
        assert result.ok, result.error
        if case.value is not None:
            assert result.value == case.value
    else:
        assert result.error is not None, f"expected {case.kind.value}, got {result}"
        assert result.error.kind is case.kind, result.error
        assert result.value is None
    # The host is fine: nothing leaked into or out of this process.
    assert os.getcwd() == cwd
    assert _plain_fds() == fds
    # Nothing written outside the sandbox.
    assert [c for c in world.canaries if c.exists()] == []
    assert sorted(p.name for p in world.tmp.iterdir()) == ["secret.txt"]
    # No process left behind.
    assert stray_processes() == []
    # No secret leaked, nothing reached the listeners.
    assert not any(SECRET in text for text in _texts(result))
    for listener in (world.tcp, world.unix):
        with pytest.raises(BlockingIOError):
            listener.accept()
    # The next program works.
    program, value = case.then or NEXT[case.backend]
    after = backend.run(program, LIMITS)
    assert after.ok, after.error
    assert after.value == value

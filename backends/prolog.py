"""SWI-Prolog: rules and facts, family trees, rule bases answered True/False/Unknown, CLP(FD).

Each program runs in its own process inside the sandbox, never in an engine embedded in
the host (pyswip's ``halt.`` kills its host and ``assert`` leaks between queries).
``_prolog_runner.pl`` loads the program with ``sandboxed(true)``, checks the goal with
``safe_goal/1`` and reports on the report descriptor.

Warm by default (as the Python backends, ``REASONER_POOL=0`` turns it off): a warm
worker (``_prolog_warm.py``) embeds SWI-Prolog once, loads the runner and its
libraries, and the sandbox forks a child per program that applies the rlimits and seccomp before the
program is read; the child exits after one program, so assertions, flags and ``halt``
cannot reach the next. Cold, or when the pool cannot start: a fresh ``swipl`` per
program, from a saved state of the runner and the libraries a program may use (clpfd is
slow to load), so a run costs one small process start.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import platformdirs

from backends._prolog_slips import join_multiword_names
from backends.base import Backend
from backends.outcome import to_exec_result
from backends.result import ErrorKind, ExecResult, Limits
from backends.sandbox import (
    PoolError,
    PoolStartError,
    Sandbox,
    SandboxUnavailable,
    Worker,
    minimal_env,
)

RUNNER = Path(__file__).with_name("_prolog_runner.pl")
WARM_MODULE = Path(__file__).with_name("_prolog_warm.py")
INSTALL_HINT = (
    "install SWI-Prolog: apt-get install swi-prolog-core swi-prolog-core-packages "
    "(the second carries library(time))"
)
_STACK_BYTES = 64 * 1024 * 1024
_built: dict[str, Path] = {}


class PrologUnavailable(RuntimeError):
    """swipl is missing, or the runner state cannot be built with it."""


def swipl_path() -> str | None:
    return shutil.which("swipl")


@cache
def _swipl_version(swipl: str) -> str:
    done = subprocess.run([swipl, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


@cache
def _runtime(swipl: str) -> tuple[str, str] | None:
    """(libswipl path, SWI home) of this swipl, for embedding it; None if it does not say."""
    try:
        done = subprocess.run([swipl, "--dump-runtime-variables"], capture_output=True,
                              text=True, timeout=30, env=minimal_env())
    except (OSError, subprocess.SubprocessError):
        return None
    found = dict(re.findall(r'^(\w+)="(.*)";$', done.stdout, re.MULTILINE))
    library, home = found.get("PLLIBSWIPL", ""), found.get("PLBASE", "")
    if not (library and home and os.path.isfile(library) and os.path.isdir(home)):
        return None
    return library, home


def warm_worker(library: str, home: str, state: Path) -> Worker:
    """The warm worker that embeds this SWI-Prolog with the runner's ``state``."""
    args = {"library": library, "home": home, "state": str(state), "runner": str(RUNNER)}
    return Worker(str(WARM_MODULE), args, ro_paths=(str(state), str(RUNNER)))


def _state_dirs() -> list[Path]:
    """Where the state may live, best first.

    Next to the runner (in ``__pycache__``, like compiled Python) when writable, since the
    sandbox must already see this package; else under the reasoner home.
    """
    home = os.environ.get("REASONER_HOME")
    base = Path(home) if home else Path(platformdirs.user_cache_dir("reasoner"))
    return [RUNNER.parent / "__pycache__", base / "prolog"]


def runner_state() -> Path:
    """The saved state of the runner for this swipl, built on first use.

    Keyed by the runner's source and the swipl version, so editing either rebuilds it.
    Remembered per process, so tests that move ``REASONER_HOME`` do not rebuild it.
    """
    swipl = swipl_path()
    if swipl is None:
        raise PrologUnavailable(f"swipl was not found on PATH; {INSTALL_HINT}")
    key = hashlib.sha256(
        RUNNER.read_bytes() + _swipl_version(swipl).encode() + os.path.realpath(swipl).encode()
    ).hexdigest()[:16]
    known = _built.get(key)
    if known is not None and known.is_file():
        return known
    name = f"prolog-runner-{key}.state"
    for directory in _state_dirs():
        target = directory / name
        if target.is_file():
            break
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(directory, os.W_OK):
            _build_state(swipl, target)
            break
    else:
        target = Path(tempfile.mkdtemp(prefix="reasoner-prolog-")) / name
        _build_state(swipl, target)
    _built[key] = target
    return target


def _build_state(swipl: str, target: Path) -> None:
    """Compile the runner (trusted code) into a state; atomic, so racing builds are safe."""
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    goal = (
        f"qsave_program({str(partial)!r}, [goal(reasoner_prolog_runner:main), "
        "toplevel(halt(2)), foreign(no_save)])"
    )
    argv = [swipl, "-q", "--no-packs", "-f", "none", "-F", "none", "-g", goal, "-t", "halt",
            str(RUNNER)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=minimal_env())
    if done.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PrologUnavailable(
            f"could not prepare the Prolog runner ({' | '.join(detail)}); {INSTALL_HINT}"
        )
    os.replace(partial, target)
    for stale in target.parent.glob("prolog-runner-*.state"):
        if stale != target:  # left by an older runner or swipl
            stale.unlink(missing_ok=True)


def goal_seconds(limits: Limits) -> float:
    """Prolog's own time limit: inside the sandbox's, so a timeout is reported cleanly."""
    budget = min(limits.wall_seconds, limits.cpu_seconds)
    return round(max(0.1, budget * 0.9 - 0.2), 3)


class PrologBackend(Backend):
    name = "prolog"
    description = (
        "SWI-Prolog for facts and if-then rules with a query: family relations, ontologies "
        "('every X is a Y'), rule bases answered True/False/Unknown, graph reachability."
    )
    languages = ("prolog", "pl", "swi-prolog")
    answer_checks = ("undetermined_between_true_and_false",)
    """A program over facts and rules that leaves a True-or-False statement undetermined lost a link."""
    convention = (
        "Write SWI-Prolog clauses and define `solve(Answer)`; the first solution's "
        "`Answer` is the result. Put `:- all_solutions.` on a line of its own to get the "
        "list of every `Answer` instead. Use `:- table p/2.` for recursive rules that "
        "could loop (e.g. transitive closure). Available without loading: lists, apply, "
        "aggregate, clpfd (`:- use_module(library(clpfd)).` is allowed), yall. No file, "
        "shell or flag access. If solve/1 fails the run reports `no_answer`, so for a "
        "yes/no question let solve/1 succeed with the value itself (e.g. `solve(false)`). "
        "For a rule base, write one fact per sentence, `holds(Subject, Property, true)` or "
        "`holds(Subject, Property, false)`, where Subject is an individual, a class "
        "(`holds(cat, animal, true)`: every cat is an animal) or a list of conditions "
        "(`holds([big, not(red)], strong, true)`); holds/3 then also answers everything "
        "that follows from the facts, so do not write the inheritance rules yourself."
    )

    def availability(self) -> str | None:
        try:
            runner_state()
        except (PrologUnavailable, OSError, subprocess.SubprocessError) as exc:
            return str(exc)
        return None

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        super().__init__(sandbox)
        self._warm_broken = False
        """Set once a warm worker could not start Prolog: later runs go cold at once."""

    def prepare(self, program: str) -> str:
        """``holds(bald eagle, cold, true)`` reads as ``holds(bald_eagle, cold, true)``."""
        return join_multiword_names(program)

    def run(self, program: str, limits: Limits | None = None) -> ExecResult:
        limits = limits or Limits()
        try:
            state = runner_state()
        except (PrologUnavailable, OSError, subprocess.SubprocessError) as exc:
            return ExecResult.failure(ErrorKind.unavailable, str(exc))
        swipl = swipl_path()
        assert swipl is not None
        stack = min(_STACK_BYTES, limits.memory_mb * 1024 * 1024 // 4)
        if self.sandbox.warm and not self._warm_broken:
            result = self._run_warm(swipl, state, program, stack, limits)
            if result is not None:
                return result
        argv = [
            swipl, "-x", str(state), "-q", "--no-threads", "--no-packs", "--no-tty",
            "-f", "none", "-F", "none", "--",
            f"time={goal_seconds(limits)}", f"stack={stack}", f"tables={stack}",
        ]
        try:
            raw = self.sandbox.run(
                argv, program.encode(), limits, env=minimal_env(), ro_paths=(str(state),)
            )
        except RuntimeError as exc:
            return ExecResult.failure(ErrorKind.unavailable, str(exc))
        return to_exec_result(raw, limits)

    def _run_warm(
        self, swipl: str, state: Path, program: str, stack: int, limits: Limits
    ) -> ExecResult | None:
        """Run in a warm worker's child; None when there is none, so the caller runs cold."""
        runtime = _runtime(swipl)
        if runtime is None:
            self._warm_broken = True
            return None
        payload = {"text": program, "seconds": goal_seconds(limits), "stack": stack,
                   "tables": stack}
        try:
            raw = self.sandbox.run_warm(warm_worker(*runtime, state), payload, limits)
        except PoolStartError:
            self._warm_broken = True
            return None
        except PoolError:
            return None
        except SandboxUnavailable as exc:
            return ExecResult.failure(ErrorKind.unavailable, str(exc))
        return to_exec_result(raw, limits)

"""What crosses the sandbox's interface: a worker's description, what a run observed.

Plain data, so that languages and the sandbox share nothing but these.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Worker:
    """A language's code in the sandbox: a trusted module file, standard library only.

    The sandbox loads ``file`` by path (never from source text) and calls its
    ``start(args)`` once, then ``run(payload)`` in a process locked down for one run
    (rlimits, seccomp without fork and exec, scratch directory as cwd, stdin empty).
    ``run`` writes one JSON line to descriptor 3 and exits. An optional
    ``prepare(payload) -> payload`` runs in the warm supervisor before each fork, for
    trusted work worth keeping (e.g. compiling a trusted prelude); it must not touch
    the program's text beyond passing it on. ``args`` must be plain JSON. ``ro_paths``
    are files the worker reads beyond the interpreter's installation (the worker file
    itself is always visible).
    """

    file: str
    args: Mapping[str, Any] = field(default_factory=dict)
    ro_paths: tuple[str, ...] = ()

    def key(self) -> str:
        """Workers with equal keys are interchangeable (one pool serves them)."""
        return json.dumps([self.file, self.args, list(self.ro_paths)], sort_keys=True)


@dataclass
class RawRun:
    """What the sandbox observed; the language turns it into an ExecResult."""

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
    unavailable: str | None = None
    """Set when the sandbox, not the program, failed: the worker never got control, or
    bubblewrap could not start the command. Terminal: nothing a program can fix."""

    @property
    def signal(self) -> int | None:
        rc = self.returncode
        return -rc if rc is not None and rc < 0 else None


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

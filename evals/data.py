"""Where a task's data file comes from: a data directory, the cache, or its original source.

Lookup order for a built-in task's file (``relpath`` such as ``gsm8k/test.jsonl``):

1. ``--data-dir`` / ``$REASONER_DATA_DIR``: used as is when the file is there (its
   sha256 is recorded in the run header, with whether it matches the pin);
2. the cache, ``<reasoner home>/datasets/<relpath>``, verified against the pin;
3. a download from the original source (a raw GitHub file at a pinned commit), with a
   progress bar, into a temporary file beside the cache entry; it is moved into place
   only when its sha256 matches the pin, so a bad download never enters the cache.

``$REASONER_DATA_BASE_URL`` replaces the original hosts with a mirror laid out like the
data directory (``<base>/gsm8k/test.jsonl``); tests point it at a server on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from reasoner import paths
from reasoner._download import HashingWriter, Meter

DATA_DIR_ENV = "REASONER_DATA_DIR"
BASE_URL_ENV = "REASONER_DATA_BASE_URL"
TIMEOUT_S = 30.0


class DataError(ValueError):
    """Data that cannot be found, fetched or parsed; the message names the file (and line)."""


class DataFile(BaseModel):
    """One pinned file of a built-in task."""

    model_config = ConfigDict(frozen=True)

    relpath: str
    """Path inside a data directory, as in ``SOURCES.md``."""
    repo: str
    commit: str
    path: str
    """Path inside the source repository."""
    sha256: str

    @property
    def url(self) -> str:
        base = os.environ.get(BASE_URL_ENV)
        if base:
            return f"{base.rstrip('/')}/{self.relpath}"
        return f"https://raw.githubusercontent.com/{self.repo}/{self.commit}/{self.path}"


class ResolvedFile(BaseModel):
    """Where a file was found, and whether it is the pinned one: recorded in run headers."""

    path: Path
    origin: str
    """'data-dir', 'cache' or 'download'."""
    sha256: str
    pinned: str | None = None

    @property
    def matches_pin(self) -> bool | None:
        return None if self.pinned is None else self.sha256 == self.pinned


def sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


def data_dir(explicit: Path | str | None = None) -> Path | None:
    """The directory given with ``--data-dir`` or ``$REASONER_DATA_DIR``, if any."""
    value = explicit or os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser() if value else None


def cache_path(file: DataFile) -> Path:
    return paths.data_dir() / file.relpath


def resolve(file: DataFile, explicit_dir: Path | str | None = None, progress: bool = True) -> ResolvedFile:
    """The local path of ``file``, downloading it once into the cache if needed."""
    directory = data_dir(explicit_dir)
    if directory is not None:
        candidate = directory / file.relpath
        if candidate.is_file():
            return ResolvedFile(path=candidate, origin="data-dir", sha256=sha256_file(candidate), pinned=file.sha256)
    cached = cache_path(file)
    if cached.is_file():
        sha = sha256_file(cached)
        if sha == file.sha256:
            return ResolvedFile(path=cached, origin="cache", sha256=sha, pinned=file.sha256)
        cached.unlink()  # a stale or damaged cache entry: fetch it again
    try:
        download(file, cached, progress=progress)
    except DataError as exc:
        where = f" and not in {directory}" if directory is not None else ""
        raise DataError(
            f"{exc}. The file {file.relpath} is not in the cache{where}; "
            f"pass --data-dir DIR or set {DATA_DIR_ENV} to a directory that holds it."
        ) from None
    return ResolvedFile(path=cached, origin="download", sha256=file.sha256, pinned=file.sha256)


def download(file: DataFile, dest: Path, progress: bool = True) -> None:
    """Fetch ``file`` into ``dest`` atomically; refuse it unless its sha256 is the pinned one."""
    url = file.url
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, Meter(progress) as meter:
            try:
                with urllib.request.urlopen(url, timeout=TIMEOUT_S) as resp:
                    length = resp.headers.get("Content-Length")
                    meter.task(f"download {file.relpath}", total=int(length) if length else None)
                    writer = HashingWriter(out, meter)
                    writer.copy_from(resp)
            except urllib.error.HTTPError as exc:
                raise DataError(f"HTTP {exc.code} {exc.reason} from {url}") from None
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                raise DataError(f"cannot download {url}: {reason}") from None
        got = writer.hexdigest()
        if got != file.sha256:
            raise DataError(
                f"checksum mismatch for {url}: sha256 {got}, expected {file.sha256}; refusing the file"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None

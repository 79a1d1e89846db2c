"""Prefix states on disk: what one process saves, the next restores, and nothing but an
intact state for exactly the same tokens is ever handed back."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reasoner import paths
from reasoner.cli import main
from reasoner.models.state_store import StateStore, clear, namespace, survey

MODEL = namespace("model.gguf", 1234, 5678, "0.3.0")


def store(root: Path, max_bytes: int = 1 << 20, name: str = MODEL) -> StateStore:
    return StateStore(root, name, max_bytes)


def test_a_state_saved_by_one_store_is_read_by_the_next(tmp_path: Path) -> None:
    state = bytes(range(256)) * 40
    assert store(tmp_path).put([1, 2, 3], state)
    reader = store(tmp_path)  # a new process, as far as the store can tell
    assert reader.get([1, 2, 3]) == state
    assert reader.get([1, 2]) is None and reader.get([1, 2, 3, 4]) is None
    assert (reader.stats.hits, reader.stats.misses) == (1, 2)


def test_other_model_builds_do_not_see_the_state(tmp_path: Path) -> None:
    store(tmp_path).put([1, 2, 3], b"kv")
    other = namespace("model.gguf", 1234, 9999, "0.3.0")  # same file name, replaced in place
    assert store(tmp_path, name=other).get([1, 2, 3]) is None


def test_a_torn_file_is_rejected_and_removed(tmp_path: Path) -> None:
    writer = store(tmp_path)
    writer.put([7, 8], b"x" * 1000)
    path = writer.path([7, 8])
    path.write_bytes(path.read_bytes()[:-10])
    reader = store(tmp_path)
    assert reader.get([7, 8]) is None
    assert reader.stats.rejected == 1 and not path.exists()


def test_a_file_under_another_prefix_name_is_rejected(tmp_path: Path) -> None:
    writer = store(tmp_path)
    writer.put([1, 2, 3], b"state of 1 2 3")
    writer.folder.joinpath(writer.path([1, 2, 4]).name).write_bytes(writer.path([1, 2, 3]).read_bytes())
    assert writer.get([1, 2, 4]) is None
    assert writer.get([1, 2, 3]) == b"state of 1 2 3"


def test_garbage_and_flipped_bytes_are_rejected(tmp_path: Path) -> None:
    writer = store(tmp_path)
    writer.put([5], b"abcdef" * 100)
    blob = bytearray(writer.path([5]).read_bytes())
    blob[-1] ^= 0xFF
    writer.path([5]).write_bytes(bytes(blob))
    assert writer.get([5]) is None
    writer.path([6]).write_bytes(b"not a state at all")
    assert writer.get([6]) is None
    assert writer.stats.rejected == 2


def test_least_recently_used_files_go_first(tmp_path: Path) -> None:
    state = b"s" * 1000
    bounded = store(tmp_path, max_bytes=2600)  # room for two files with their headers
    bounded.put([1], state)
    bounded.put([2], state)
    old = 1_000_000_000
    os.utime(bounded.path([1]), (old, old))
    os.utime(bounded.path([2]), (old + 1, old + 1))
    assert bounded.get([1]) == state  # used now: [2] is the oldest
    bounded.put([3], state)
    assert bounded.get([2]) is None
    assert bounded.get([1]) == state and bounded.get([3]) == state
    assert bounded.stats.evictions == 1


def test_the_bound_covers_every_model_folder(tmp_path: Path) -> None:
    state = b"s" * 1000
    store(tmp_path, name="old-model").put([1], state)
    path = store(tmp_path, name="old-model").path([1])
    os.utime(path, (1, 1))
    store(tmp_path, max_bytes=1500, name="new-model").put([1], state)
    assert not path.exists()


def test_an_oversized_state_is_not_saved(tmp_path: Path) -> None:
    tiny = store(tmp_path, max_bytes=100)
    assert not tiny.put([1], b"x" * 200)
    assert tiny.get([1]) is None


def test_a_disk_that_refuses_writes_costs_nothing_but_the_state(tmp_path: Path) -> None:
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the store's folder should be")
    broken = store(root)
    assert not broken.put([1], b"kv")
    assert broken.stats.errors == 1
    assert broken.get([1]) is None


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    writer = store(tmp_path)
    writer.put([1], b"kv")
    writer.put([1], b"kv again")  # replacing a state in place
    assert [p.name for p in writer.folder.iterdir()] == [writer.path([1]).name]
    assert writer.get([1]) == b"kv again"


def test_a_killed_writers_temporary_file_is_cleared_later(tmp_path: Path) -> None:
    writer = store(tmp_path)
    writer.put([1], b"kv")
    stale, fresh = writer.folder / ".abc.tmp", writer.folder / ".def.tmp"
    stale.write_bytes(b"half a state")
    fresh.write_bytes(b"being written now")
    os.utime(stale, (1, 1))
    writer.put([2], b"kv")
    assert not stale.exists() and fresh.exists()


def test_bounds_must_leave_room(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        StateStore(tmp_path, MODEL, 0)


def test_survey_names_each_model_build_and_counts_its_states(tmp_path: Path) -> None:
    small = StateStore(tmp_path, namespace("small.gguf"), 1 << 20, about={"model": "/m/small.gguf"})
    large = StateStore(tmp_path, namespace("large.gguf"), 1 << 20, about={"model": "/m/large.gguf"})
    small.put([1], b"a" * 100)
    large.put([1], b"b" * 100)
    large.put([2], b"c" * 300)
    os.utime(small.path([1]), (1, 1))  # used long ago
    builds = survey(tmp_path)
    assert [b.about["model"] for b in builds] == ["/m/large.gguf", "/m/small.gguf"]
    assert [b.states for b in builds] == [2, 1]
    assert builds[0].size > 400 > builds[1].size > 100  # headers and build.json included
    assert builds[1].last_used == 1


def test_a_folder_saved_before_build_json_is_described_at_its_next_use(tmp_path: Path) -> None:
    StateStore(tmp_path, MODEL, 1 << 20).put([1, 2], b"kv")  # no description, as older stores
    assert survey(tmp_path)[0].about == {}
    described = StateStore(tmp_path, MODEL, 1 << 20, about={"model": "/m/x.gguf"})
    assert described.get([1, 2]) == b"kv"
    assert survey(tmp_path)[0].about == {"model": "/m/x.gguf"}


def test_clear_deletes_every_build_and_says_how_much(tmp_path: Path) -> None:
    root = tmp_path / "prefix-states"
    store(root).put([1], b"x" * 5000)
    store(root, name=namespace("other")).put([1], b"y" * 5000)
    freed = clear(root)
    assert freed > 10_000 and not root.exists()
    assert survey(root) == [] and clear(root) == 0
    assert store(root).put([1], b"again")  # the store is made again as needed


def test_models_states_command_lists_and_clears(_isolated_home: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(main, ["models", "states"])
    assert empty.exit_code == 0 and "no prefix states saved" in empty.output
    StateStore(paths.state_store(), MODEL, 1 << 20, about={"model": "/m/qwen.gguf", "llama_cpp": "0.3.9"}).put(
        [1, 2, 3], b"z" * 2000)
    listed = runner.invoke(main, ["models", "states"], env={"COLUMNS": "120"})
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if "qwen.gguf" in line)
    assert "0.3.9" in row and " 1 " in row and "KB" in row
    cleared = runner.invoke(main, ["models", "states", "--clear"])
    assert cleared.exit_code == 0 and "freed" in cleared.output
    assert not paths.state_store().exists()

"""``open``: the project's own questions, of the kinds people ask and the benchmarks lack.

Divisors and remainders, arrangements and probability, dates, units, geometry, small
optimisations, systems of equations, calculus, knights and knaves, seating, assignment
puzzles, colouring and placement counts, kinship, syllogisms, truth tables, and riddles
that need no program. Each line of ``evals/data/open.jsonl`` (shipped with the package)
has the ``jsonl:`` task's fields plus ``type``; ``route`` is the backend that should
answer it, or ``direct``. Every answer was computed by a program written apart from the
pipeline (``evals/data/open_checks/``, one per type) or, for the riddles, checked by hand.
The file is frozen: ``OPEN_SHA256`` pins it, so examples written later cannot drift
towards it unnoticed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evals.data import DataError, sha256_file
from evals.records import DataFileInfo
from evals.tasks.base import LoadedTask, Task
from evals.tasks.user import parse_user_file

OPEN_SHA256 = "1edf297996916efd17c1f46bf268fa84833f00b91b9b45a7cf865ceb62caa3ee"
"""sha256 of ``evals/data/open.jsonl`` as frozen; a change to the set is a new set."""


def open_path() -> Path:
    return Path(str(resources.files("evals") / "data" / "open.jsonl"))


def item_type(item_id: str) -> str:
    """An open item's problem type: its id is ``<type>-NN``."""
    return item_id.rsplit("-", 1)[0]


class OpenTask(Task):
    """The file ships with the package: nothing to resolve or download."""

    def load(self, data_dir: Path | str | None = None, progress: bool = True) -> LoadedTask:
        path = open_path()
        if not path.is_file():
            raise DataError(f"{path}: the open set is missing from this installation")
        info = DataFileInfo(path=str(path), origin="package", sha256=sha256_file(path), pinned_sha256=OPEN_SHA256)
        info.matches_pin = info.sha256 == OPEN_SHA256
        return LoadedTask(self, self.parse([path]), [info])


TASKS = [
    OpenTask(
        name="open", family="open", answer_format="text", files=(), parse=parse_user_file,
        description="The project's open problem set: 20+ kinds of everyday math and logic questions",
    ),
]

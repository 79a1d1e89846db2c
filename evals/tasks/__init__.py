"""The built-in tasks, and ``jsonl:PATH`` for a user's own file.

>>> sorted(t for t in task_names() if t.startswith("gsm"))
['gsm8k', 'gsm_system']
"""

from __future__ import annotations

from backends.registry import unknown_message
from evals.data import DataError
from evals.tasks import bigbench, logic, math, open_set
from evals.tasks.base import LoadedTask, Task, select
from evals.tasks.user import PREFIX as USER_PREFIX
from evals.tasks.user import user_task

__all__ = ["BUILTIN", "LoadedTask", "Task", "UnknownTaskError", "get_task", "select", "task_names"]

BUILTIN: dict[str, Task] = {t.name: t for t in [*math.TASKS, *logic.TASKS, *bigbench.TASKS, *open_set.TASKS]}


class UnknownTaskError(DataError, LookupError):
    pass


def task_names() -> list[str]:
    return list(BUILTIN)


def get_task(name: str) -> Task:
    """A built-in task by name, or ``jsonl:PATH``; unknown names get a did-you-mean."""
    if name.startswith(USER_PREFIX):
        if not name[len(USER_PREFIX):].strip():
            raise UnknownTaskError("jsonl: needs a path, e.g. jsonl:questions.jsonl")
        return user_task(name)
    if name in BUILTIN:
        return BUILTIN[name]
    raise UnknownTaskError(unknown_message("task", name, [*BUILTIN, f"{USER_PREFIX}PATH"]))

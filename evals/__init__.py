"""The eval harness: tasks (loader + scorer), strategies, resumable runs, reports.

Command line: ``reasoner eval``, ``reasoner rescore``, ``reasoner compare``.
"""

from __future__ import annotations

from evals.records import Item, RunHeader, RunSummary, SampleRecord
from evals.run import EvalConfig, EvalError, EvalResult, RunDir, rescore, run_eval, summaries_for
from evals.strategies import parse_strategies
from evals.tasks import get_task, task_names

__all__ = [
    "EvalConfig",
    "EvalError",
    "EvalResult",
    "Item",
    "RunDir",
    "RunHeader",
    "RunSummary",
    "SampleRecord",
    "get_task",
    "parse_strategies",
    "rescore",
    "run_eval",
    "summaries_for",
    "task_names",
]

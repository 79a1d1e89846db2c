"""reasoner: answer math and logic questions by having a language model write programs and
running them, isolated, in the symbolic engine that fits.

>>> from reasoner import Reasoner
>>> from reasoner.models.mock import MockEngine
>>> Reasoner(model=MockEngine("calculator")).solve("What is 6 * 7?").answer
'42'
"""

from __future__ import annotations

__version__ = "0.1.0"

from backends import ErrorKind, ExecError, ExecResult, Limits, UnknownNameError
from reasoner.models import MissingExtraError, ModelError
from reasoner.pipeline import Reasoner
from reasoner.types import Attempt, Route, Solution, SolutionError, SolutionErrorKind

__all__ = [
    "Attempt",
    "ErrorKind",
    "ExecError",
    "ExecResult",
    "Limits",
    "MissingExtraError",
    "ModelError",
    "Reasoner",
    "Route",
    "Solution",
    "SolutionError",
    "SolutionErrorKind",
    "UnknownNameError",
    "__version__",
]

"""reasoner: tool-augmented reasoning with symbolic engines."""

from __future__ import annotations

__version__ = "0.1.0"

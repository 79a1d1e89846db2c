"""A run viewer: one self-contained HTML page for one or more run directories.

The page holds the runs' summaries, the accuracy plot (a base64 PNG, when matplotlib is
installed) and every sample, as one JSON blob in a ``<script type="application/json">``
element; ``page.js`` renders it (summary tables, a filtered list of samples, an item's
strategies side by side) and ``page.css`` styles it. Both are inlined, so the page loads
nothing from anywhere: it works from a file, offline, or served by ``reasoner view``.
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from evals import report
from evals.records import RunSummary, SampleRecord
from evals.run import EvalError, load_run

__all__ = ["DATA_ELEMENT_ID", "build_data", "build_page", "embed_json", "plot_png"]

DATA_ELEMENT_ID = "viewer-data"
"""The id of the ``<script type="application/json">`` element holding the data."""


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _sample(run: int, record: SampleRecord) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude={"finished_at"})
    data["run"] = run
    data["error_kind"] = record.error.kind if record.error is not None else None
    data["agreement_bin"] = report.agreement_bin(record.agreement) if record.agreement is not None else None
    return data


def plot_png(summaries: Sequence[tuple[str, RunSummary]]) -> str | None:
    """``report.plot`` of the runs as a ``data:`` URL, or None without matplotlib (or samples)."""
    with tempfile.TemporaryDirectory(prefix="reasoner-view-") as tmp:
        try:
            path = report.plot(summaries, Path(tmp) / "accuracy.png")
        except (ImportError, ValueError):
            return None
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def build_data(run_dirs: Sequence[Path | str], *, plot: bool = True) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-ready values."""
    if not run_dirs:
        raise EvalError("no run directory given")
    dirs = [Path(p) for p in run_dirs]
    runs: list[dict[str, Any]] = []
    samples: list[dict[str, Any]] = []
    summaries: list[tuple[str, RunSummary]] = []
    for index, (label, path) in enumerate(zip(report.run_labels(dirs), dirs, strict=True)):
        header, records = load_run(path)
        summary = report.summarize(path, header, records)
        if records:
            summaries.append((label, summary))
        runs.append({
            "label": label,
            "path": str(path),
            "model": summary.model,
            "samples": summary.samples,
            "expected": summary.expected,
            "strategies": header.strategies,
            "tasks": [t.name for t in header.tasks],
            "started_at": header.started_at.isoformat(),
            "elapsed_seconds": summary.elapsed_seconds,
            "summary": summary.model_dump(mode="json"),
        })
        samples.extend(_sample(index, r) for r in records)
    return {
        "runs": runs,
        "samples": samples,
        "plot": plot_png(summaries) if plot and summaries else None,
    }


def embed_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` can end it
    or open a comment (each becomes a ``\\u`` escape, which JSON.parse reads back)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_PLACEHOLDER = re.compile(r"\{\{(title|data_id|data|css|js)\}\}")


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_page(run_dirs: Sequence[Path | str], *, plot: bool = True) -> str:
    """The viewer page for ``run_dirs``, as one HTML document with everything inline."""
    data = build_data(run_dirs, plot=plot)
    title = "reasoner runs: " + ", ".join(r["label"] for r in data["runs"])
    values = {
        "title": _html_text(title),
        "data_id": DATA_ELEMENT_ID,
        "data": embed_json(data),
        "css": _asset("page.css").replace("</style", "<\\/style"),
        "js": _asset("page.js").replace("</script", "<\\/script"),
    }
    # one pass, so text inside a substituted value is never taken for a placeholder
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("page.html"))

"""The ``{runtime}`` role: a notebook's run time on 2 CPU cores, from the benchmark's saved results.

Pages never type a run time from one run. ``make benchmark`` records the
last few runs of every notebook in ``book/_data/benchmark.json``
(``scripts/run_notebooks.py --save``); this role writes their range::

    The notebook runs in {runtime}`book/text/pytorch` on 2 cores.

renders as "53–66 s" (or "58 s" when the saved runs agree to the second).
A notebook with no saved run is a build warning, so an error under ``-W``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util import logging

RESULTS = Path(__file__).resolve().parent.parent / "book" / "_data" / "benchmark.json"
logger = logging.getLogger(__name__)


def runtime_text(notebook: str, results: dict[str, Any]) -> str | None:
    """'53–66 s' for the saved runs of ``notebook`` (a path from the repository root, with or without .ipynb)."""
    key = notebook if notebook.endswith(".ipynb") else f"{notebook}.ipynb"
    runs = results.get("notebooks", {}).get(key)
    if not runs:
        return None
    low, high = (round(f(run["seconds"] for run in runs)) for f in (min, max))
    return f"{low} s" if low == high else f"{low}–{high} s"


def runtime_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    rendered = runtime_text(text.strip(), results)
    if rendered is None:
        location = inliner.reporter.get_source_and_line(lineno)
        logger.warning(
            f"{{runtime}}`{text}`: no saved benchmark run of this notebook in {RESULTS.name} (run make benchmark)",
            location=location,
        )
        rendered = "(not benchmarked)"
    return [nodes.inline(rawtext, rendered, classes=["runtime"])], []


def setup(app) -> dict[str, Any]:
    app.add_role("runtime", runtime_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The benchmark keeps its last runs per notebook, and the {runtime} role quotes their range."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark import RESULTS, runtime_text
from run_notebooks import RUNS_KEPT, save_results, toc_notebooks

ROOT = Path(__file__).resolve().parent.parent


def test_saved_runs_keep_the_last_few_with_the_reference_time(tmp_path):
    path = tmp_path / "benchmark.json"
    for seconds in range(RUNS_KEPT + 2):
        save_results({"book/a.ipynb": (50.0 + seconds, 1.0)}, reference=1.2, path=path)
    runs = json.loads(path.read_text())["notebooks"]["book/a.ipynb"]
    assert [run["seconds"] for run in runs] == [50.0 + s for s in range(2, RUNS_KEPT + 2)]
    assert all(run["reference_s"] == 1.2 and run["cores"] >= 1 for run in runs)


def test_runtime_is_the_range_of_the_saved_runs():
    results = {
        "notebooks": {
            "book/a.ipynb": [{"seconds": 52.6}, {"seconds": 65.9}],
            "book/b.ipynb": [{"seconds": 40.2}, {"seconds": 39.8}],
        }
    }
    assert runtime_text("book/a", results) == "53–66 s"
    assert runtime_text("book/b.ipynb", results) == "40 s"
    assert runtime_text("book/c", results) is None


def test_every_notebook_has_saved_benchmark_runs():
    saved = json.loads(RESULTS.read_text())["notebooks"]
    missing = [str(p.relative_to(ROOT)) for p in toc_notebooks() if str(p.relative_to(ROOT)) not in saved]
    assert not missing, f"run make benchmark: no saved run of {missing}"

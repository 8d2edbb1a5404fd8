"""Results of the experiments that are too long for a notebook, shipped with the course.

A claim the book makes from runs longer than a notebook's budget (a sweep of
learning rates over several seeds, an ablation table) is reproduced by a
script in ``scripts/experiments/``. The script saves its results with
:func:`save_experiment` into ``course_lib/data/experiments/NAME.json``,
together with the command that made them, how long it took, when, and on
what machine and versions. The notebook loads them with
:func:`load_experiment`, shows them, asserts what the text concludes from
them, and glues the numbers it quotes.

Example
-------
>>> from course_lib.experiments import available_experiments, load_experiment
>>> "cnn_vs_rnn_sweep" in available_experiments()
True
>>> record = load_experiment("cnn_vs_rnn_sweep")
>>> sorted(record)[:4]
['command', 'date', 'machine', 'name']
>>> load_experiment("cnn_vs_rnn_sweeps")
Traceback (most recent call last):
...
ValueError: no shipped experiment 'cnn_vs_rnn_sweeps'; did you mean 'cnn_vs_rnn_sweep'? Shipped: ...
"""

from __future__ import annotations

import datetime
import difflib
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

EXPERIMENTS_DIR = Path(__file__).parent / "data" / "experiments"
_REQUIRED = ("name", "command", "seconds", "date", "machine", "versions", "results")


def available_experiments() -> list[str]:
    """Names of the experiments whose results ship with the course, sorted."""
    return sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.json"))


def load_experiment(name: str) -> dict[str, Any]:
    """The saved record of the experiment ``name``: its ``results`` and how they were made.

    Keys: ``name``, ``command`` (to reproduce it, from the repository root),
    ``seconds`` (its run time), ``date``, ``machine``, ``versions`` and
    ``results`` (what the script measured).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"experiment name must be a non-empty string, got {name!r}")
    path = EXPERIMENTS_DIR / f"{name}.json"
    if not path.is_file():
        shipped = available_experiments()
        close = difflib.get_close_matches(name, shipped, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"no shipped experiment {name!r}; {hint}Shipped: {shipped}")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON ({error}); rerun its script") from None
    missing = [key for key in _REQUIRED if key not in record]
    if missing:
        raise ValueError(f"{path} lacks {missing}; rerun its script: it was not written by save_experiment")
    return record


def machine_description() -> dict[str, Any]:
    """The processor, the cores this process may use, and the operating system."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": cpu, "cores": cores, "system": platform.platform(terse=True)}


def library_versions() -> dict[str, str]:
    """Versions of Python and of the frameworks this process has imported."""
    versions = {"python": platform.python_version()}
    for module in ("numpy", "torch", "tensorflow", "keras"):
        if module in sys.modules:
            versions[module] = getattr(sys.modules[module], "__version__", "unknown")
    return versions


def save_experiment(
    name: str, results: dict[str, Any], command: str, started: float, directory: Path | None = None
) -> Path:
    """Save ``results`` of the experiment ``name`` with its provenance; return the file written.

    ``started`` is ``time.time()`` when the experiment began; ``command``
    reproduces it from the repository root. ``results`` must be JSON-serialisable.
    """
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict of what the experiment measured")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"experiment name must be letters, digits and underscores, got {name!r}")
    record = {
        "name": name,
        "command": command,
        "seconds": round(time.time() - started, 1),
        "date": datetime.date.today().isoformat(),
        "machine": machine_description(),
        "versions": library_versions(),
        "results": results,
    }
    text = json.dumps(record, indent=1, sort_keys=True)  # raises TypeError on what JSON cannot hold
    directory = EXPERIMENTS_DIR if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(text + "\n", encoding="utf-8")
    return path

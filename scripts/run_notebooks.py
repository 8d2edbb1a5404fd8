"""Execute the course's notebooks on the CPU profile, time them, and check the budgets.

Each notebook runs top to bottom in a fresh kernel restricted to two CPU cores
(where the machine has more), with the network-free settings the tests use.
The script prints a Markdown table of wall time and the kernel's peak memory,
and exits with status 1 if any notebook, or the whole book, is over budget.

    python scripts/run_notebooks.py                 # benchmark every notebook in _toc.yml
    python scripts/run_notebooks.py --write         # ... and store the fresh outputs in place
    python scripts/run_notebooks.py book/setup_and_data.ipynb
    python scripts/run_notebooks.py --save          # ... and record the times in book/_data/benchmark.json

Our 2-core machines differ in speed by up to 2x, so every run also times a
fixed reference workload (a small convolutional network's training steps in
PyTorch on 2 threads) and prints it beside the table. ``--save`` keeps the
last few runs of each notebook, with the reference time, in
``book/_data/benchmark.json``; the pages quote a notebook's run time from
there (the ``{runtime}`` role, ``_ext/benchmark.py``), as a range over the
saved runs, never typed from one run. Save only from a quiet machine.

Budgets (from the course's design): 120 s and 1.5 GB per notebook, 20 minutes for the book.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from course_tools.toc import toc_notebooks

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SECONDS = 120.0
NOTEBOOK_MEMORY_GB = 1.5
BOOK_SECONDS = 20 * 60.0
RESULTS = ROOT / "book" / "_data" / "benchmark.json"
RUNS_KEPT = 5  # runs of each notebook kept in RESULTS: the pages quote their range

# A fixed workload whose time says how fast this machine is: 30 training steps of
# a small CNN on 64 MNIST-sized images, PyTorch on 2 threads; the best of 3 repeats.
REFERENCE_WORKLOAD = """
import time, torch
from torch import nn
torch.manual_seed(0); torch.set_num_threads(2)
model = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(64 * 7 * 7, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
times = []
for repeat in range(3):
    start = time.perf_counter()
    for step in range(30):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    times.append(time.perf_counter() - start)
print(min(times))
"""


def peak_rss_gb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in GB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def run_notebook(path: Path, write: bool) -> tuple[float, float]:
    """Execute one notebook in a fresh kernel; return (seconds, peak GB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        memory = peak_rss_gb(pid)
    seconds = time.perf_counter() - start
    if write:
        for cell in nb.cells:  # per-cell timestamps would make every re-run a diff
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)
    return seconds, memory


def reference_seconds() -> float:
    """Seconds this machine takes for REFERENCE_WORKLOAD (lower is faster)."""
    out = subprocess.run(
        [sys.executable, "-c", REFERENCE_WORKLOAD],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env={**os.environ, "GOMP_SPINCOUNT": "10000"},
    )
    return float(out.stdout.strip().splitlines()[-1])


def save_results(runs: dict[str, tuple[float, float]], reference: float, path: Path = RESULTS) -> None:
    """Add this run's (seconds, peak GB) per notebook to the saved results, keeping the last RUNS_KEPT."""
    saved = json.loads(path.read_text()) if path.exists() else {}
    notebooks = saved.setdefault("notebooks", {})
    date = datetime.date.today().isoformat()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for name, (seconds, memory) in runs.items():
        entry = {
            "date": date,
            "seconds": round(seconds, 1),
            "peak_gb": round(memory, 2),
            "reference_s": round(reference, 2),
            "cores": cores,
        }
        notebooks[name] = (notebooks.get(name, []) + [entry])[-RUNS_KEPT:]
    saved["reference_workload"] = "30 training steps of a small CNN on 64 28x28 images, PyTorch, 2 threads (best of 3)"
    saved["notebooks"] = dict(sorted(notebooks.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(saved, indent=1) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    parser.add_argument("--write", action="store_true", help="save the executed notebooks in place")
    parser.add_argument(
        "--save",
        action="store_true",
        help=f"record the times in {RESULTS.relative_to(ROOT)} (from a quiet machine only)",
    )
    args = parser.parse_args()

    os.environ.update(COURSE_PROFILE="cpu", COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2")
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])  # kernels inherit this
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    notebooks = [p.resolve() for p in args.notebooks] or toc_notebooks()
    reference = reference_seconds()
    print(f"Machine speed: the reference workload took {reference:.2f} s (lower is faster).\n", flush=True)
    print("| notebook | time (s) | peak memory (GB) | within budget |\n|---|---:|---:|---|", flush=True)
    total, failures, runs = 0.0, 0, {}
    for path in notebooks:
        seconds, memory = run_notebook(path, args.write)
        runs[str(path.relative_to(ROOT))] = (seconds, memory)
        ok = seconds <= NOTEBOOK_SECONDS and memory <= NOTEBOOK_MEMORY_GB
        failures += not ok
        total += seconds
        print(f"| {path.relative_to(ROOT)} | {seconds:.1f} | {memory:.2f} | {'yes' if ok else 'NO'} |", flush=True)
    book_ok = total <= BOOK_SECONDS
    print(f"| **all {len(notebooks)} notebooks** | {total:.1f} | | {'yes' if book_ok else 'NO'} |")
    print(
        f"\n{cores} CPU cores, budgets: {NOTEBOOK_SECONDS:.0f} s and {NOTEBOOK_MEMORY_GB} GB a notebook, "
        f"{BOOK_SECONDS / 60:.0f} min for the book. Reference workload: {reference:.2f} s."
    )
    if args.save:
        save_results(runs, reference)
        print(f"Saved to {RESULTS.relative_to(ROOT)}.")
    return 0 if failures == 0 and book_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Execute the course's notebooks on the CPU profile, time them, and check the budgets.

Each notebook runs top to bottom in a fresh kernel restricted to two CPU cores
(where the machine has more), with the network-free settings the tests use.
The script prints a Markdown table of wall time and the kernel's peak memory,
and exits with status 1 if any notebook, or the whole book, is over budget.

    python scripts/run_notebooks.py                 # benchmark every notebook in _toc.yml
    python scripts/run_notebooks.py --write         # ... and store the fresh outputs in place
    python scripts/run_notebooks.py book/setup_and_data.ipynb

Budgets (from the course's design): 120 s and 1.5 GB per notebook, 20 minutes for the book.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_SECONDS = 120.0
NOTEBOOK_MEMORY_GB = 1.5
BOOK_SECONDS = 20 * 60.0


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every file named in the table of contents (without extension), in reading order."""
    toc = yaml.safe_load(toc_path.read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            files.extend([node["file"]] if "file" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def toc_notebooks(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """Every notebook listed in the table of contents, in reading order."""
    paths = [ROOT / f"{name}.ipynb" for name in toc_files(toc_path)]
    return [p for p in paths if p.exists()]


def peak_rss_gb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a running process, in GB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def run_notebook(path: Path, write: bool) -> tuple[float, float]:
    """Execute one notebook in a fresh kernel; return (seconds, peak GB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in _toc.yml")
    parser.add_argument("--write", action="store_true", help="save the executed notebooks in place")
    args = parser.parse_args()

    os.environ.update(COURSE_PROFILE="cpu", COURSE_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="2")
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 2:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])  # kernels inherit this
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    notebooks = [p.resolve() for p in args.notebooks] or toc_notebooks()
    print(f"| notebook | time (s) | peak memory (GB) | within budget |\n|---|---:|---:|---|", flush=True)
    total, failures = 0.0, 0
    for path in notebooks:
        seconds, memory = run_notebook(path, args.write)
        ok = seconds <= NOTEBOOK_SECONDS and memory <= NOTEBOOK_MEMORY_GB
        failures += not ok
        total += seconds
        print(f"| {path.relative_to(ROOT)} | {seconds:.1f} | {memory:.2f} | {'yes' if ok else 'NO'} |", flush=True)
    book_ok = total <= BOOK_SECONDS
    print(f"| **all {len(notebooks)} notebooks** | {total:.1f} | | {'yes' if book_ok else 'NO'} |")
    print(f"\n{cores} CPU cores, budgets: {NOTEBOOK_SECONDS:.0f} s and {NOTEBOOK_MEMORY_GB} GB a notebook, "
          f"{BOOK_SECONDS / 60:.0f} min for the book.")
    return 0 if failures == 0 and book_ok else 1


if __name__ == "__main__":
    sys.exit(main())

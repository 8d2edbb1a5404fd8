import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest
from filelock import FileLock

matplotlib.use("Agg")  # no display in tests
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def book_build(tmp_path_factory, worker_id) -> tuple[Path, str]:
    """Build the website once per test run; return (its html folder, the build log).

    Built with Sphinx's warnings as errors, like ``make book``, into a
    temporary folder (the repository's own ``_build`` is left alone). Under
    pytest-xdist the workers share one build: the first to ask builds it while
    holding a lock, the others wait and reuse it.
    """
    if worker_id == "master":  # not running in parallel
        return _build_book(tmp_path_factory.mktemp("book"))
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this run
    with FileLock(shared / "book.lock"):
        return _build_book(shared / "book")


def _build_book(out: Path) -> tuple[Path, str]:
    """Build the book into ``out`` unless a build is already there; fail with the log's end if it failed."""
    log_file, code_file = out / "build.log", out / "build.returncode"
    if not code_file.is_file():
        out.mkdir(parents=True, exist_ok=True)
        jupyter_book = Path(sys.executable).parent / "jupyter-book"
        result = subprocess.run(
            [str(jupyter_book), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        log_file.write_text(result.stdout + result.stderr)
        code_file.write_text(str(result.returncode))
    log = log_file.read_text()
    assert code_file.read_text() == "0", log[-5000:]
    return out / "_build" / "html", log

"""The order of the test suite, chosen for parallel runs (``make test`` runs ``pytest -n auto``).

pytest-xdist runs tests in several worker processes. With ``--dist loadscope``
(set in ``pyproject.toml``) a test file is never split between workers: the
cells of a notebook are nbval tests that share one kernel and must run in
order on one worker. The files are handed out in collection order, so this
hook puts **the longest files first** (longest-processing-time-first
scheduling): no worker is left with a two-minute notebook when the others
are done. A notebook's expected time is its latest run in
``book/_data/benchmark.json``. ``tests/test_book.py`` goes first of all: it
builds the website, which the browser test, kept among the quick unit tests
at the end, reuses (see the ``book_build`` fixture in ``tests/conftest.py``).

Without ``-n`` the tests run one after another in this order.
"""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def expected_seconds() -> dict[str, float]:
    """Each test file's expected run time: the notebooks' latest benchmark times; the book build first."""
    saved = json.loads((ROOT / "book" / "_data" / "benchmark.json").read_text())["notebooks"]
    seconds = {path: runs[-1]["seconds"] for path, runs in saved.items() if runs}
    seconds["tests/test_book.py"] = float("inf")
    return seconds


def file_of(item: pytest.Item) -> str:
    """The file of a test, relative to the repository."""
    try:
        return item.path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a test collected from outside the repository
        return str(item.path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seconds = expected_seconds()
    # A stable sort keeps each file's tests (a notebook's cells) in their order.
    items.sort(key=lambda item: -seconds.get(file_of(item), 0.0))

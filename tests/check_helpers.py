"""Shared helpers for the unit tests of course_lib.checks (tests/test_checks_*.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def run_check(capsys: Any, check: Callable, *answer: Any) -> tuple[Any, str]:
    """Run a check on an answer; return its result and what it printed (never a traceback)."""
    result = check(*answer)
    printed = capsys.readouterr().out
    assert "Traceback" not in printed and 'File "' not in printed, printed
    assert printed.strip() == result.report(), "the check must print its report, and only that"
    return result, printed


def not_written(*args: Any, **kwargs: Any) -> Any:
    """The placeholder of a student copy."""
    # YOUR CODE HERE
    raise NotImplementedError()


def crashing(*args: Any, **kwargs: Any) -> Any:
    """Learner code with a bug that raises."""
    return {}["W1"]

"""The reporting machinery shared by every chapter's checks.

A check runs a learner's function or model, tests what it *does* (shapes, a
gradient that matches finite differences, an accuracy reached), and prints a
short report: a headline, what is right (✔), what is wrong (✘) and a hint.
It never raises: an exception in the learner's code becomes a one-line
report, and ``NotImplementedError`` (the placeholder of a student copy)
reads "not done yet". The returned :class:`CheckResult` is truthy only when
every part passed, so tests and autograders can assert on it.

Set the environment variable ``COURSE_CHECKS_STRICT=1`` to make a check that
did not pass raise ``AssertionError`` after printing its report (the
convention of nbgrader's and otter-grader's autograders, where a test cell
fails by raising).

Example
-------
>>> def q0(fn):
...     with Check("Exercise 0", "double") as check:
...         check.require(callable(fn), "double is not a function", hint="define it with def")
...         check.expect(fn(2) == 4, "double(2) is 4", f"double(2) returned {fn(2)!r}, not 4")
...     return check.result
>>> result = q0(lambda x: 2 * x)
✔ Exercise 0 (double): passed
  ✔ double(2) is 4
>>> bool(result)
True
>>> def not_written(x):
...     raise NotImplementedError()
>>> bool(q0(not_written))
… Exercise 0 (double): not done yet
  Replace `raise NotImplementedError()` by your code, run that cell, then run this check again.
False
>>> bool(q0(lambda x: x + "1"))
✘ Exercise 0 (double): your code raised an error
  ✘ TypeError: unsupported operand type(s) for +: 'int' and 'str' (in <lambda>, line 1)
  Hint: fix the error, run that cell again, then run this check again.
False
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

PASSED, FAILED, NOT_DONE, ERROR = "passed", "not passed yet", "not done yet", "your code raised an error"
_CHECKS_DIR = str(Path(__file__).resolve().parent)


class _Stop(Exception):
    """Raised inside a check to skip its remaining parts (their inputs are already wrong)."""


@dataclass
class CheckResult:
    """The outcome of one check: truthy when it passed.

    Attributes
    ----------
    name
        The exercise, for example ``"Exercise 2"``.
    status
        ``"passed"``, ``"not passed yet"``, ``"not done yet"`` or ``"your code raised an error"``.
    right, wrong
        One sentence per part that passed, or failed.
    hints
        What to try next, one sentence each.
    """

    name: str
    status: str = PASSED
    right: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.status == PASSED

    @property
    def not_done(self) -> bool:
        """True when the learner's code is still the placeholder."""
        return self.status == NOT_DONE

    def report(self) -> str:
        """The text the check printed."""
        mark = {PASSED: "✔", NOT_DONE: "…"}.get(self.status, "✘")
        lines = [f"{mark} {self.name}: {self.status}"]
        lines += [f"  ✔ {text}" for text in self.right]
        lines += [f"  ✘ {text}" for text in self.wrong]
        if self.status == NOT_DONE:
            lines.append(
                "  Replace `raise NotImplementedError()` by your code, run that cell, then run this check again."
            )
        lines += [f"  Hint: {text}" for text in dict.fromkeys(self.hints)]  # unique, in order
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<CheckResult {self.name}: {self.status}>"

    def _ipython_display_(self) -> None:
        """Show nothing when a notebook displays the result: the check has printed its report."""


def _where_in_learner_code(tb: TracebackType | None) -> str:
    """' (in fn, line n)' for the innermost frame outside course_lib.checks, or ''."""
    frames = [f for f in traceback.extract_tb(tb) if not f.filename.startswith(_CHECKS_DIR)]
    if not frames:
        return ""
    frame = frames[-1]
    return f" (in {frame.name}, line {frame.lineno})" if frame.name != "<module>" else ""


class Check:
    """Context manager that collects the parts of one check and prints its report.

    Use :meth:`expect` for a part that may fail and :meth:`require` for a part
    without which the rest makes no sense. Exceptions raised inside the
    ``with`` block (by the learner's code) end the check with a one-line
    report instead of a traceback.

    Parameters
    ----------
    exercise
        The exercise's name, for example ``"Exercise 1"``.
    subject
        What is checked, usually the name of the learner's function.
    """

    def __init__(self, exercise: str, subject: str = "") -> None:
        self.result = CheckResult(f"{exercise} ({subject})" if subject else exercise)

    def ok(self, text: str) -> None:
        """Record a part that is right."""
        self.result.right.append(text)

    def fail(self, text: str, hint: str | None = None) -> None:
        """Record a part that is wrong, with an optional hint."""
        self.result.wrong.append(text)
        if hint:
            self.result.hints.append(hint)

    def expect(self, condition: object, right: str, wrong: str, hint: str | None = None) -> bool:
        """Record ``right`` if ``condition`` holds, else ``wrong`` (and the hint); return the condition."""
        if condition:
            self.ok(right)
        else:
            self.fail(wrong, hint)
        return bool(condition)

    def require(self, condition: object, wrong: str, hint: str | None = None) -> None:
        """Stop the check with ``wrong`` (and the hint) unless ``condition`` holds."""
        if not condition:
            self.fail(wrong, hint)
            raise _Stop

    def stop(self, wrong: str, hint: str | None = None) -> None:
        """Stop the check with a failure."""
        self.require(False, wrong, hint)

    def __enter__(self) -> Check:
        return self

    def __exit__(self, kind: type | None, error: BaseException | None, tb: TracebackType | None) -> bool:
        result = self.result
        if kind is not None and issubclass(kind, NotImplementedError):
            result.status, result.right, result.wrong, result.hints = NOT_DONE, [], [], []
        elif kind is not None and not issubclass(kind, _Stop):
            if not issubclass(kind, Exception):
                return False  # KeyboardInterrupt and friends: let the learner stop a long check
            message = str(error).strip().splitlines()[0] if str(error).strip() else ""
            result.status = ERROR
            result.wrong.append(f"{kind.__name__}: {message}{_where_in_learner_code(tb)}".rstrip(": "))
            result.hints.append("fix the error, run that cell again, then run this check again.")
        elif result.wrong:
            result.status = FAILED
        print(result.report())
        if not result and os.environ.get("COURSE_CHECKS_STRICT") == "1":
            raise AssertionError(f"{result.name}: {result.status}")
        return True

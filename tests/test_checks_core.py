"""The reporting machinery of course_lib.checks: never raises, says 'not done yet', one-line errors."""

import importlib
import pkgutil

import pytest
from check_helpers import crashing, not_written, run_check

import course_lib.checks
from course_lib.checks import Check


def q0(fn):
    with Check("Exercise 0", "double") as check:
        check.require(callable(fn), "pass a function")
        check.expect(fn(2) == 4, "double(2) is 4", "double(2) is not 4", hint="multiply by 2")
        check.expect(fn(-1) == -2, "double(-1) is -2", "double(-1) is not -2", hint="multiply by 2")
    return check.result


def test_a_right_answer_passes(capsys):
    result, printed = run_check(capsys, q0, lambda x: 2 * x)
    assert result and result.status == "passed" and printed.startswith("✔ Exercise 0 (double): passed")
    assert "✔ double(2) is 4" in printed and "✘" not in printed


def test_a_wrong_answer_lists_what_is_right_and_wrong_with_a_hint_once(capsys):
    result, printed = run_check(capsys, q0, lambda x: x + 2)
    assert not result and result.status == "not passed yet"
    assert "✔ double(2) is 4" in printed and "✘ double(-1) is not -2" in printed
    assert printed.count("Hint: multiply by 2") == 1


def test_the_placeholder_reads_not_done_yet(capsys):
    result, printed = run_check(capsys, q0, not_written)
    assert not result and result.not_done
    assert printed.splitlines()[0] == "… Exercise 0 (double): not done yet"


def test_an_error_in_learner_code_is_one_line(capsys):
    result, printed = run_check(capsys, q0, crashing)
    assert not result and result.status == "your code raised an error"
    line = next(line for line in printed.splitlines() if "✘" in line and "KeyError" in line)
    assert "KeyError: 'W1' (in crashing, line" in line


def test_require_stops_the_check(capsys):
    result, printed = run_check(capsys, q0, 42)
    assert not result and "✘ pass a function" in printed and "double(2)" not in printed


def test_strict_mode_raises_for_autograders(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_CHECKS_STRICT", "1")
    assert q0(lambda x: 2 * x)
    with pytest.raises(AssertionError, match="Exercise 0"):
        q0(lambda x: x + 2)
    assert "not passed yet" in capsys.readouterr().out


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted(x):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        q0(interrupted)


# Every exercise check of every chapter module (course_lib.checks.feedforward, .cnn, ...), found by name,
# so a new chapter's checks are covered too.
CHAPTER_CHECKS = {
    f"{module.name}.{name}": getattr(importlib.import_module(f"course_lib.checks.{module.name}"), name)
    for module in pkgutil.iter_modules(course_lib.checks.__path__)
    if not module.name.startswith("_")
    for name in ("q1", "q2", "q3")
}


def test_every_chapter_module_has_three_checks():
    chapters = {key.split(".")[0] for key in CHAPTER_CHECKS}
    assert {"feedforward", "cnn", "rnn", "gan", "vae", "text"} <= chapters, chapters


@pytest.mark.parametrize("q", CHAPTER_CHECKS.values(), ids=CHAPTER_CHECKS.keys())
def test_every_check_reports_not_done_and_learner_errors(capsys, q):
    result, printed = run_check(capsys, q, not_written)
    assert result.not_done and "not done yet" in printed
    result, printed = run_check(capsys, q, crashing)
    assert result.status == "your code raised an error" and "KeyError: 'W1' (in crashing" in printed

"""Automatic checks for the exercises at the end of each chapter.

Each chapter has a module with one function per checked exercise::

    from course_lib.checks import feedforward as check
    check.q1(mlp_parameter_count)

A check tests what the learner's code does (shapes, gradients against finite
differences, a loss that falls, an accuracy reached), not the text of an
answer. It prints what is right, what is wrong and a hint, never a
traceback, and returns a :class:`CheckResult` that is truthy when it passed.
The chapter modules import their frameworks only when a check needs them.
"""

from course_lib.checks._core import Check, CheckResult

__all__ = ["Check", "CheckResult"]

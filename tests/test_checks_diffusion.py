"""Unit tests of course_lib.checks.diffusion: right answers pass, typical mistakes get their message."""

import pytest
import torch
from check_helpers import crashing, not_written, run_check

from course_lib.checks import diffusion as check

# --- q1: the forward process -------------------------------------------------------------------


def noisy(x, noise, t):
    t = t.view(-1, 1, 1, 1)
    return (1 - t) * noise + t * x


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, noisy)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda x, noise, t: noisy(noise, x, t), "swapped"),
        (lambda x, noise, t: torch.sqrt(1 - t.view(-1, 1, 1, 1)) * noise + torch.sqrt(t.view(-1, 1, 1, 1)) * x, "DDPM"),
        (lambda x, noise, t: (1 - t) * noise + t * x, "RuntimeError"),  # t not reshaped: cannot broadcast
        (lambda x, noise, t: noisy(x, noise, t)[0], "shape"),
        (lambda x, noise, t: noisy(x, noise, t**2), "between t = 0 and t = 1"),
        (lambda x, noise, t: noisy(x, noise, t).numpy(), "not a tensor"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q2: classifier-free guidance --------------------------------------------------------------


def test_q2_right(capsys):
    result, _ = run_check(capsys, check.q2, lambda vc, vu, w: vu + w * (vc - vu))
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda vc, vu, w: vc + w * (vc - vu), "extrapolates beyond"),
        (lambda vc, vu, w: w * vc, "guidance 0"),
        (lambda vc, vu, w: vu + (vc - vu), "guidance 3"),
        (lambda vc, vu, w: vc[0], "shape"),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed


# --- q3: the Euler sampler ---------------------------------------------------------------------


def euler(velocity, x, steps):
    for i in range(steps):
        x = x + velocity(x, torch.full((len(x),), i / steps)) / steps
    return x


def test_q3_right(capsys):
    result, _ = run_check(capsys, check.q3, euler)
    assert result


def late_times(velocity, x, steps):
    for i in range(steps):
        x = x + velocity(x, torch.full((len(x),), (i + 1) / steps)) / steps
    return x


def no_step_size(velocity, x, steps):
    for i in range(steps):
        x = x + velocity(x, torch.full((len(x),), i / steps))
    return x


def scalar_time(velocity, x, steps):
    for i in range(steps):
        x = x + velocity(x, i / steps) / steps
    return x


@pytest.mark.parametrize(
    "wrong, message",
    [
        (late_times, "expected [0, 0.25, 0.5, 0.75]"),
        (no_step_size, "the result is wrong"),
        (scalar_time, "one time per image"),
        (lambda velocity, x, steps: euler(velocity, x, steps + 1), "called 5 times"),
    ],
)
def test_q3_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q3, wrong)
    assert not result and message in printed and "Hint:" in printed


@pytest.mark.parametrize("question", [check.q1, check.q2, check.q3])
def test_unwritten_and_crashing_answers_are_reported(capsys, question):
    result, printed = run_check(capsys, question, not_written)
    assert result.not_done
    result, printed = run_check(capsys, question, crashing)
    assert not result and "KeyError" in printed

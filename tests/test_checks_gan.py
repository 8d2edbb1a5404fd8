"""Unit tests of course_lib.checks.gan: right answers pass, typical mistakes get their message."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from check_helpers import run_check

from course_lib.checks import gan as check

# --- q1: class coverage ------------------------------------------------------------------------


def present(probabilities, min_fraction=0.05, strict=False, threshold=True, soft=False):
    counts = probabilities.sum(axis=0) if soft else np.bincount(probabilities.argmax(axis=1), minlength=10)
    limit = min_fraction * len(probabilities) if threshold else 0
    return int(np.sum(counts > limit) if strict or not threshold else np.sum(counts >= limit))


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, present)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda p, min_fraction=0.05: present(p, min_fraction, strict=True), "exactly 5%"),
        (lambda p, min_fraction=0.05: present(p, min_fraction, threshold=False), "every class with at least one digit"),
        (lambda p, min_fraction=0.05: present(p, min_fraction, soft=True), "from summed probabilities"),
        (lambda p, min_fraction=0.05: present(p), "expected 4"),  # ignores the min_fraction argument
        (lambda p, min_fraction=0.05: float(present(p, min_fraction)), "not a whole number"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q2: one-sided label smoothing -------------------------------------------------------------


def smoothed(real, fake, smoothing=0.1):
    return ((1 - smoothing) * F.softplus(-real) + smoothing * F.softplus(real)).mean() + F.softplus(fake).mean()


def naive(real, fake, smoothing=0.1):
    p, q = torch.sigmoid(real), torch.sigmoid(fake)
    return (-(1 - smoothing) * torch.log(p) - smoothing * torch.log(1 - p)).mean() - torch.log(1 - q).mean()


def clamped(real, fake, smoothing=0.1):
    p, q = torch.sigmoid(real).clamp(1e-7, 1 - 1e-7), torch.sigmoid(fake).clamp(1e-7, 1 - 1e-7)
    return (-(1 - smoothing) * torch.log(p) - smoothing * torch.log(1 - p)).mean() - torch.log(1 - q).mean()


def test_q2_right(capsys):
    result, printed = run_check(capsys, check.q2, smoothed)
    assert result and "stable at logits of +-50" in printed

    # BCE with soft targets is the same loss
    def bce(r, f, smoothing=0.1):
        return F.binary_cross_entropy_with_logits(
            r, torch.full_like(r, 1 - smoothing)
        ) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))

    assert run_check(capsys, check.q2, bce)[0]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda r, f, smoothing=0.1: smoothed(r, f, 0.0), "the loss without label smoothing"),
        (
            lambda r, f, smoothing=0.1: smoothed(r, f, smoothing) + 0.1 * (F.softplus(-f) - F.softplus(f)).mean(),
            "two-sided",
        ),
        (
            lambda r, f, smoothing=0.1: ((1 - smoothing) * F.softplus(-r)).mean() + F.softplus(f).mean(),
            "term for target 0 on the real images is missing",
        ),
        (lambda r, f, smoothing=0.1: smoothed(r, f, 1 - smoothing), "targets are swapped"),
        (
            lambda r, f, smoothing=0.1: (
                len(r) * ((1 - smoothing) * F.softplus(-r) + smoothing * F.softplus(r)).mean() + F.softplus(f).sum()
            ),
            "summed over the batches",
        ),
        (lambda r, f, smoothing=0.1: smoothed(r, f), "with smoothing=0.3 the loss is wrong"),
        (lambda r, f, smoothing=0.1: torch.tensor(smoothed(r, f, smoothing).item()), "no gradient"),
        (
            lambda r, f, smoothing=0.1: (
                smoothed(r, f, smoothing) * 0
                + smoothed(r, f, smoothing).detach()
                + 0.01 * r.sum() * 0
                + 1e-3 * (r**2).mean()
            ),
            "on random logits it returned",
        ),
        (naive, "inf or nan"),
        (clamped, "at logits of +-50 it returned"),
        (lambda r, f, smoothing=0.1: torch.stack([smoothed(r, f, smoothing)] * 2), "not a one-number tensor"),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed


# --- q3: the truncation trick ------------------------------------------------------------------


def truncated(n, dim, threshold, generator=None, rounds=None, use_generator=True):
    gen = generator if use_generator else None
    z = torch.randn(n, dim, generator=gen)
    outside, done = z.abs() >= threshold, 0
    while outside.any() and (rounds is None or done < rounds):
        z[outside] = torch.randn(int(outside.sum()), generator=gen)
        outside, done = z.abs() >= threshold, done + 1
    return z


def test_q3_right(capsys):
    result, _ = run_check(capsys, check.q3, truncated)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n, d, t, g=None: truncated(n, d, t, g, rounds=1), "of the values are outside"),
        (lambda n, d, t, g=None: torch.randn(n, d, generator=g).clamp(-t, t), "they were clamped"),
        (lambda n, d, t, g=None: (2 * torch.rand(n, d, generator=g) - 1) * t * 0.999, "look uniform"),
        (lambda n, d, t, g=None: torch.randn(n, d, generator=g).tanh() * t, "a truncated normal has"),
        (lambda n, d, t, g=None: truncated(n, d, t, g, use_generator=False), "do not follow the seed"),
        (lambda n, d, t, g=None: truncated(n, d, t, g).T, "expected (20000, 8)"),
        (lambda n, d, t, g=None: truncated(n, d, t, g).numpy(), "not a tensor"),
    ],
)
def test_q3_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q3, wrong)
    assert not result and message in printed and "Hint:" in printed

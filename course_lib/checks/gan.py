"""Checks for the exercises of the GAN chapter (book/gan/pytorch.ipynb).

>>> import numpy as np
>>> from course_lib.checks import gan as check
>>> def classes_present(probabilities, min_fraction=0.05):
...     counts = np.bincount(np.argmax(probabilities, axis=1), minlength=probabilities.shape[1])
...     return int(np.sum(counts >= min_fraction * len(probabilities)))
>>> result = check.q1(classes_present)
✔ Exercise 1 (classes_present): passed
  ✔ right for 3 batches of judged digits, including a class at exactly the threshold
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.checks._core import Check, CheckResult
from course_lib.checks._numerics import softmax

__all__ = ["q1", "q2", "q3"]


# --- q1: class coverage --------------------------------------------------------------------------


def _judged_batch(counts: list[int], seed: int) -> np.ndarray:
    """Class probabilities (N, 10) of a judge whose most probable class is class c for counts[c] rows."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(counts)), counts)
    logits = rng.normal(size=(len(labels), len(counts)))
    logits[np.arange(len(labels)), labels] = logits.max(axis=1) + 2.0  # the label is the most probable class
    probabilities = softmax(logits, axis=1)
    return probabilities[rng.permutation(len(labels))]


def q1(classes_present: Callable[..., int]) -> CheckResult:
    """Check ``classes_present(probabilities, min_fraction=0.05)``: how many classes the judge sees often enough."""
    with Check("Exercise 1", "classes_present") as check:
        check.require(callable(classes_present), "pass your function itself, not its result")
        cases = [
            ([40, 40, 30, 30, 20, 20, 10, 6, 3, 1], 0.05),  # class 6 has exactly 5%
            ([20] * 10, 0.05),
            ([50, 50, 40, 30, 15, 8, 7, 0, 0, 0], 0.1),
        ]
        for number, (counts, min_fraction) in enumerate(cases):
            probabilities = _judged_batch(counts, seed=number)
            n = len(probabilities)
            if min_fraction == 0.05:
                got = classes_present(probabilities.copy())
            else:
                got = classes_present(probabilities.copy(), min_fraction=min_fraction)
            check.require(
                isinstance(got, (int, np.integer)) and not isinstance(got, bool),
                f"it returned {got!r}, not a whole number",
                hint="return the number of classes, for example int(np.sum(...))",
            )
            hard = np.bincount(probabilities.argmax(axis=1), minlength=10)
            want = int(np.sum(hard >= min_fraction * n))
            if got == want:
                continue
            where = f"for {n} digits with min_fraction={min_fraction}"
            soft = probabilities.sum(axis=0)
            if got == int(np.sum(hard > min_fraction * n)):
                check.stop(
                    f"{where}: {got}, leaving out a class with exactly {min_fraction:.0%} of the digits",
                    hint="a class is present with *at least* min_fraction of the digits: use >=",
                )
            if got == int(np.sum(hard > 0)):
                check.stop(
                    f"{where}: {got}, every class with at least one digit",
                    hint="count only the classes with at least min_fraction of the digits",
                )
            if got == int(np.sum(soft >= min_fraction * n)):
                check.stop(
                    f"{where}: {got}, from summed probabilities",
                    hint="count each digit once, for its most probable class (argmax over axis 1)",
                )
            check.stop(
                f"{where}: {got} classes present, expected {want}",
                hint="take each digit's most probable class, count the digits per class, and "
                "count the classes with at least min_fraction * N digits",
            )
        check.ok(f"right for {len(cases)} batches of judged digits, including a class at exactly the threshold")
    return check.result


# --- q2: one-sided label smoothing ----------------------------------------------------------------


def _smoothed_loss(real: Any, fake: Any, smoothing: float, fake_smoothing: float = 0.0) -> Any:
    import torch.nn.functional as F

    return ((1 - smoothing) * F.softplus(-real) + smoothing * F.softplus(real)).mean() + (
        (1 - fake_smoothing) * F.softplus(fake) + fake_smoothing * F.softplus(-fake)
    ).mean()


def q2(smoothed_discriminator_loss: Callable[..., Any]) -> CheckResult:
    """Check ``smoothed_discriminator_loss(real_logits, fake_logits, smoothing=0.1)``.

    The discriminator's loss with one-sided label smoothing: binary cross-entropy
    from logits, with target 1 - smoothing for the real images and 0 for the fakes,
    averaged over each batch.
    """
    import torch
    import torch.nn.functional as F

    with Check("Exercise 2", "smoothed_discriminator_loss") as check:
        check.require(callable(smoothed_discriminator_loss), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(0)
        real, fake = 3 * torch.randn(16, generator=generator), 3 * torch.randn(24, generator=generator)
        real.requires_grad_(True)
        got = smoothed_discriminator_loss(real, fake.clone())
        shape = f" of shape {tuple(got.shape)}" if isinstance(got, torch.Tensor) else ""
        check.require(
            isinstance(got, torch.Tensor) and got.numel() == 1,
            f"it returned {type(got).__name__}{shape}, not a one-number tensor",
            hint="average over each batch: the loss is a single number",
        )
        value = float(got.detach())
        r = real.detach()
        want = float(_smoothed_loss(r, fake, 0.1))
        variants = {
            "the smoothing is missing: this is the loss without label smoothing": (
                "give the real images the target 1 - smoothing",
                float(_smoothed_loss(r, fake, 0.0)),
            ),
            "the fakes are smoothed too (two-sided smoothing)": (
                "smooth only the targets of the real images; the fakes keep the target 0",
                float(_smoothed_loss(r, fake, 0.1, 0.1)),
            ),
            "the term for target 0 on the real images is missing": (
                "a target of 0.9 means 0.9 of -log sigmoid(D(x)) plus 0.1 of -log(1 - sigmoid(D(x)))",
                float((0.9 * F.softplus(-r)).mean() + F.softplus(fake).mean()),
            ),
            "the targets are swapped: the real images have target 0.1, not 0.9": (
                "the real images' target is 1 - smoothing",
                float(_smoothed_loss(r, fake, 0.9)),
            ),
            "it is summed over the batches, not averaged": (
                "take the mean over each batch, as in discriminator_loss",
                float((0.9 * F.softplus(-r) + 0.1 * F.softplus(r)).sum() + F.softplus(fake).sum()),
            ),
        }
        if math.isclose(value, want, rel_tol=1e-5):
            check.ok("right on random logits")
        else:
            for message, (hint, variant) in variants.items():
                if math.isclose(value, variant, rel_tol=1e-5):
                    check.stop(message, hint=hint)
            check.stop(
                f"on random logits it returned {value:.5f}, expected {want:.5f}",
                hint="(1 - smoothing) * softplus(-real) + smoothing * softplus(real), averaged, "
                "plus softplus(fake), averaged",
            )
        check.require(
            got.requires_grad,
            "the loss has no gradient with respect to the logits",
            hint="compute it with torch operations on the logits, without .item(), .detach() or NumPy",
        )
        (grad,) = torch.autograd.grad(got, real)
        (want_grad,) = torch.autograd.grad(_smoothed_loss(real, fake, 0.1), real)
        check.expect(
            torch.allclose(grad, want_grad, rtol=1e-4, atol=1e-7),
            "its gradient is right",
            "its gradient with respect to the real logits is wrong",
        )
        other = float(smoothed_discriminator_loss(real.detach(), fake, smoothing=0.3))
        check.expect(
            math.isclose(other, float(_smoothed_loss(r, fake, 0.3)), rel_tol=1e-5),
            "it uses the smoothing argument",
            "with smoothing=0.3 the loss is wrong",
            hint="use the argument smoothing, not a fixed 0.1",
        )
        extreme = torch.tensor([50.0, -50.0, 0.0], requires_grad=True)
        loss = smoothed_discriminator_loss(extreme, extreme.detach().clone())
        finite = bool(torch.isfinite(loss).all())
        if finite and loss.requires_grad:
            (grad,) = torch.autograd.grad(loss, extreme)
            finite = bool(torch.isfinite(grad).all())
        want_extreme = float(_smoothed_loss(extreme.detach(), extreme.detach(), 0.1))
        if not finite:
            check.fail(
                "at logits of +-50 the loss or its gradient is inf or nan",
                hint="sigmoid(50) rounds to 1 and log(1 - 1) = -inf: write -log sigmoid(t) as "
                "F.softplus(-t) and -log(1 - sigmoid(t)) as F.softplus(t)",
            )
        else:
            check.expect(
                math.isclose(float(loss.detach()), want_extreme, rel_tol=1e-4),
                "stable at logits of +-50",
                f"at logits of +-50 it returned {float(loss.detach()):.3f}, expected {want_extreme:.3f}",
                hint="clamping the probabilities caps the loss; use F.softplus on the logits instead",
            )
    return check.result


# --- q3: the truncation trick ---------------------------------------------------------------------


def _phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _Phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _truncated_variance(t: float) -> float:
    """Variance of a standard normal conditioned on |z| < t."""
    return 1 - 2 * t * _phi(t) / (_Phi(t) - _Phi(-t))


def q3(truncated_normal: Callable[..., Any]) -> CheckResult:
    """Check ``truncated_normal(n, dim, threshold, generator)``: N(0, 1) noise conditioned on |z| < threshold."""
    import torch

    with Check("Exercise 3", "truncated_normal") as check:
        check.require(callable(truncated_normal), "pass your function itself, not its result")
        n, dim = 20_000, 8
        for threshold in (1.0, 2.0):
            z = truncated_normal(n, dim, threshold, torch.Generator().manual_seed(0))
            check.require(
                isinstance(z, torch.Tensor),
                f"it returned {type(z).__name__}, not a tensor",
                hint="return a torch tensor of shape (n, dim)",
            )
            check.require(
                tuple(z.shape) == (n, dim),
                f"it returned shape {tuple(z.shape)}, expected ({n}, {dim})",
                hint="one row of dim numbers for each of the n codes",
            )
            z = z.detach().double()
            outside = float((z.abs() > threshold).double().mean())
            check.require(
                outside == 0,
                f"with threshold {threshold:g}, {outside:.1%} of the values are outside "
                f"(-{threshold:g}, {threshold:g})",
                hint="resample the values outside, again and again, until none is left",
            )
            at_edge = float((z.abs() > threshold - 1e-6).double().mean())
            check.require(
                at_edge < 0.01,
                f"with threshold {threshold:g}, {at_edge:.0%} of the values are exactly "
                f"+-{threshold:g}: they were clamped",
                hint="clamping piles the tail onto the edges; resample the values outside instead",
            )
            variance, want = float(z.var()), _truncated_variance(threshold)
            inner = float((z.abs() < threshold / 2).double().mean())
            want_inner = (_Phi(threshold / 2) - _Phi(-threshold / 2)) / (_Phi(threshold) - _Phi(-threshold))
            if abs(variance - threshold**2 / 3) < 0.01 and abs(want - threshold**2 / 3) > 0.02:
                check.stop(
                    f"with threshold {threshold:g} the values look uniform in (-{threshold:g}, {threshold:g}) "
                    f"(variance {variance:.3f}, expected {want:.3f})",
                    hint="draw from the normal distribution (torch.randn) and keep the values inside",
                )
            check.require(
                abs(variance - want) < 0.015 and abs(inner - want_inner) < 0.015,
                f"with threshold {threshold:g}: variance {variance:.3f} and {inner:.1%} of the values within "
                f"+-{threshold / 2:g}; a truncated normal has {want:.3f} and {want_inner:.1%}",
                hint="draw with torch.randn, then redraw each value outside the threshold until it is inside",
            )
        check.ok("the values are normal, restricted to |z| < threshold, and none is clamped (thresholds 1 and 2)")
        again = truncated_normal(100, dim, 1.0, torch.Generator().manual_seed(5))
        same = truncated_normal(100, dim, 1.0, torch.Generator().manual_seed(5))
        other = truncated_normal(100, dim, 1.0, torch.Generator().manual_seed(6))
        check.expect(
            torch.equal(again, same) and not torch.equal(again, other),
            "the same generator seed gives the same codes",
            "the codes do not follow the seed of the generator argument",
            hint="pass generator=generator to every torch.randn call",
        )
    return check.result

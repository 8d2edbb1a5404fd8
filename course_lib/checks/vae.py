"""Checks for the exercises of the VAE chapter (book/vae/pytorch.ipynb).

>>> import torch
>>> from course_lib.checks import vae as check
>>> def bernoulli_nll(logits, x):
...     return (torch.nn.functional.softplus(logits) - x * logits).flatten(1).sum(dim=1)
>>> result = check.q3(bernoulli_nll)
✔ Exercise 3 (bernoulli_nll): passed
  ✔ one value per image, summed over the pixels, right on random logits and grey pixels
  ✔ finite and right at logits of +-50, and so is its gradient
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from course_lib.checks._core import Check, CheckResult

__all__ = ["q1", "q2", "q3"]


# --- q1: KL divergence between two diagonal Gaussians ---------------------------------------------


def _kl(mu_q: Any, logvar_q: Any, mu_p: Any, logvar_p: Any) -> Any:
    """KL(N(mu_q, exp(logvar_q)) || N(mu_p, exp(logvar_p))) per row, summed over the columns."""
    return 0.5 * (logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1).sum(dim=1)


def q1(kl_diag_gaussians: Callable[..., Any]) -> CheckResult:
    """Check ``kl_diag_gaussians(mu_q, logvar_q, mu_p, logvar_p)``: one KL divergence per example, in nats."""
    import torch

    with Check("Exercise 1", "kl_diag_gaussians") as check:
        check.require(callable(kl_diag_gaussians), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(0)
        n, d = 5, 4
        mu_q, logvar_q, mu_p, logvar_p = (torch.randn(n, d, generator=generator, dtype=torch.float64) for _ in range(4))
        got = kl_diag_gaussians(mu_q.clone(), logvar_q.clone(), mu_p.clone(), logvar_p.clone())
        check.require(
            isinstance(got, torch.Tensor),
            f"it returned {type(got).__name__}, not a tensor",
            hint="compute it with torch operations",
        )
        got = got.detach().double()
        want = _kl(mu_q, logvar_q, mu_p, logvar_p)
        if got.numel() == 1 and n > 1:
            total = float(got)
            check.stop(
                f"it returned one number ({total:.3f}) for a batch of {n} examples"
                + (
                    ", their sum"
                    if math.isclose(total, float(want.sum()), rel_tol=1e-6)
                    else ", their mean"
                    if math.isclose(total, float(want.mean()), rel_tol=1e-6)
                    else ""
                ),
                hint="return one KL per example: sum over the latent dimensions only (dim=1)",
            )
        check.require(
            tuple(got.shape) == (n,),
            f"it returned shape {tuple(got.shape)} for inputs of shape ({n}, {d}); expected ({n},)",
            hint="sum over the latent dimensions (dim=1): one KL per example",
        )
        if torch.allclose(got, want, rtol=1e-6):
            check.ok(
                f"right for {n} pairs of Gaussians in {d} dimensions (the same as torch.distributions.kl_divergence)"
            )
        else:
            variants = {
                "it is twice the KL: the factor 1/2 is missing": (
                    "KL = 1/2 * sum(log var_p - log var_q + (var_q + (mu_q - mu_p)^2) / var_p - 1)",
                    2 * want,
                ),
                "it treats logvar as log sigma, not as the log-variance": (
                    "the variance is exp(logvar), the standard deviation exp(logvar / 2)",
                    _kl(mu_q, 2 * logvar_q, mu_p, 2 * logvar_p),
                ),
                "it is KL(p || q), the divergence the other way round": (
                    "the KL is not symmetric: it is the expectation under q of log q - log p",
                    _kl(mu_p, logvar_p, mu_q, logvar_q),
                ),
                "it averages over the latent dimensions instead of summing": (
                    "the KL of independent dimensions is the sum of their KLs",
                    want / d,
                ),
                "the squared difference of the means is not divided by the prior's variance": (
                    "(mu_q - mu_p)^2 is divided by var_p, like var_q",
                    0.5 * (logvar_p - logvar_q + logvar_q.exp() / logvar_p.exp() + (mu_q - mu_p) ** 2 - 1).sum(1),
                ),
            }
            for message, (hint, variant) in variants.items():
                if torch.allclose(got, variant, rtol=1e-6):
                    check.stop(message, hint=hint)
            check.stop(
                f"for the first example it returned {float(got[0]):.4f}, expected {float(want[0]):.4f}",
                hint="KL = 1/2 * sum(log var_p - log var_q + (var_q + (mu_q - mu_p)^2) / var_p - 1)",
            )
        standard = kl_diag_gaussians(
            mu_q.clone(),
            logvar_q.clone(),
            torch.zeros(n, d, dtype=torch.float64),
            torch.zeros(n, d, dtype=torch.float64),
        )
        closed = 0.5 * (mu_q**2 + logvar_q.exp() - 1 - logvar_q).sum(dim=1)
        check.expect(
            torch.allclose(torch.as_tensor(standard).detach().double(), closed, rtol=1e-6),
            "with the prior N(0, I) it gives the notebook's kl_divergence",
            "with mu_p = 0 and logvar_p = 0 it does not give the notebook's kl_divergence",
        )
        same = kl_diag_gaussians(mu_q.clone(), logvar_q.clone(), mu_q.clone(), logvar_q.clone())
        check.expect(
            torch.allclose(torch.as_tensor(same).detach().double(), torch.zeros(n, dtype=torch.float64), atol=1e-9),
            "it is 0 when q and p are the same",
            "it is not 0 when q and p are the same distribution",
        )
    return check.result


# --- q2: several reparameterised samples ----------------------------------------------------------


def q2(sample_latents: Callable[..., Any]) -> CheckResult:
    """Check ``sample_latents(mu, logvar, k)``: k reparameterised samples of z per example, shape (k, N, D)."""
    import torch

    with Check("Exercise 2", "sample_latents") as check:
        check.require(callable(sample_latents), "pass your function itself, not its result")
        mu = torch.tensor([[0.0, 2.0, -1.0], [0.5, 0.0, 3.0]], requires_grad=True)
        logvar = torch.tensor([[0.0, -2.0, 1.0], [2.0, -4.0, 0.0]], requires_grad=True)
        k = 20_000
        with torch.random.fork_rng(devices=[]):  # a fixed seed, without changing the learner's random state
            torch.manual_seed(0)
            z = sample_latents(mu, logvar, k)
        check.require(
            isinstance(z, torch.Tensor),
            f"it returned {type(z).__name__}, not a tensor",
            hint="return a torch tensor, computed with torch operations",
        )
        check.require(
            tuple(z.shape) == (k, 2, 3),
            f"it returned shape {tuple(z.shape)} for mu of shape (2, 3) and k={k}; expected ({k}, 2, 3)",
            hint="draw eps with shape (k, N, D): torch.randn(k, *mu.shape)",
        )
        values = z.detach().double()
        std = torch.exp(0.5 * logvar.detach().double())
        spread = values.std(dim=0)
        check.require(
            float(spread.min()) > 0,
            "the k samples of an example are all the same",
            hint="draw a new eps for every sample: torch.randn(k, *mu.shape), not torch.randn_like(mu)",
        )
        mean_error = ((values.mean(dim=0) - mu.detach()) / std).abs().max()
        moments_ok = check.expect(
            float(mean_error) < 0.05,
            "the samples have mean mu",
            f"the samples' mean is off by up to {float(mean_error):.2f} standard deviations from mu",
            hint="z = mu + std * eps, with eps from torch.randn",
        )
        ratio = spread / std
        if torch.allclose(spread, torch.exp(logvar.detach().double()), rtol=0.05):
            check.fail(
                "the samples' standard deviation is exp(logvar), the variance",
                hint="the standard deviation is exp(logvar / 2)",
            )
            moments_ok = False
        else:
            moments_ok &= check.expect(
                float((ratio - 1).abs().max()) < 0.05,
                "the samples have standard deviation exp(logvar / 2)",
                f"the samples' standard deviation is between {float(ratio.min()):.2f} and "
                f"{float(ratio.max()):.2f} times exp(logvar / 2)",
                hint="z = mu + exp(logvar / 2) * eps",
            )
        check.require(
            z.requires_grad,
            "no gradient reaches mu and logvar: z does not depend on them for autograd",
            hint="build z from mu and logvar with torch operations (no .detach(), .item(), NumPy or torch.normal)",
        )
        grad_mu, grad_logvar = torch.autograd.grad(z.sum(), (mu, logvar), allow_unused=True)
        no_mu = grad_mu is None or float(grad_mu.abs().sum()) == 0
        no_logvar = grad_logvar is None or float(grad_logvar.abs().sum()) == 0
        if no_mu and no_logvar:
            check.stop(
                "no gradient reaches mu or logvar",
                hint="torch.normal(mu, std) has no gradient: write z = mu + std * eps yourself",
            )
        if no_logvar:
            check.stop(
                "no gradient reaches logvar",
                hint="compute the standard deviation from logvar with torch operations, without .detach()",
            )
        if no_mu:
            check.stop("no gradient reaches mu", hint="add mu itself, not a detached copy: z = mu + std * eps")
        if moments_ok:  # the gradients of wrong samples cannot match; the report above says what is wrong
            want_logvar = 0.5 * (values - mu.detach().double()).sum(dim=0)
            check.expect(
                torch.allclose(grad_mu.double(), torch.full_like(values[0], k), rtol=1e-4)
                and torch.allclose(grad_logvar.double(), want_logvar, rtol=1e-3, atol=1e-2),
                "gradients flow to mu (dz/dmu = 1) and to logvar (dz/dlogvar = std * eps / 2)",
                "the gradients with respect to mu and logvar are not those of z = mu + exp(logvar / 2) * eps",
                hint="eps must not depend on mu or logvar; compute std from logvar inside autograd",
            )
    return check.result


# --- q3: the Bernoulli reconstruction term --------------------------------------------------------


def _nll(logits: Any, x: Any) -> Any:
    import torch.nn.functional as F

    return (F.softplus(logits) - x * logits).flatten(1).sum(dim=1)


def q3(bernoulli_nll: Callable[..., Any]) -> CheckResult:
    """Check ``bernoulli_nll(logits, x)``: -log p(x|z) of Bernoulli pixels from logits, one value per image."""
    import torch

    with Check("Exercise 3", "bernoulli_nll") as check:
        check.require(callable(bernoulli_nll), "pass your function itself, not its result")
        generator = torch.Generator().manual_seed(0)
        logits = 3 * torch.randn(4, 1, 5, 5, generator=generator)
        x = torch.rand(4, 1, 5, 5, generator=generator)  # grey pixels, like MNIST
        got = bernoulli_nll(logits.clone(), x.clone())
        check.require(
            isinstance(got, torch.Tensor),
            f"it returned {type(got).__name__}, not a tensor",
            hint="return a torch tensor, computed with torch operations",
        )
        got = got.detach()
        want = _nll(logits, x)
        if got.numel() == 1:
            check.stop(
                "it returned one number for a batch of 4 images",
                hint="sum over the pixels of each image only: .flatten(1).sum(dim=1)",
            )
        check.require(
            tuple(got.shape) == (4,),
            f"it returned shape {tuple(got.shape)} for 4 images of shape (1, 5, 5); expected (4,)",
            hint="sum over every pixel of each image: .flatten(1).sum(dim=1)",
        )
        if not torch.allclose(got, want, rtol=1e-4):
            pixels = 25
            if torch.allclose(got, want / pixels, rtol=1e-4):
                check.stop(
                    "it averages over the pixels: that is 1/784 of the log-likelihood of a digit",
                    hint="sum over the pixels (nats per image), as reconstruction_nll does",
                )
            if torch.allclose(got, -want, rtol=1e-4):
                check.stop(
                    "it has the wrong sign: that is log p(x|z), not -log p(x|z)",
                    hint="the negative log-likelihood is positive: softplus(logit) - x * logit",
                )
            check.stop(
                f"for the first image it returned {float(got[0]):.4f}, expected {float(want[0]):.4f}",
                hint="-[x log sigmoid(l) + (1 - x) log(1 - sigmoid(l))] = softplus(l) - x * l",
            )
        check.ok("one value per image, summed over the pixels, right on random logits and grey pixels")
        extreme = torch.tensor([[50.0, -50.0, 50.0, -50.0, 0.0, 20.0]], requires_grad=True)
        target = torch.tensor([[0.0, 1.0, 1.0, 0.0, 0.5, 0.3]])
        loss = bernoulli_nll(extreme, target)
        want_extreme = float(_nll(extreme.detach(), target)[0])
        values = torch.as_tensor(loss).detach()
        finite = bool(torch.isfinite(values).all())
        grad = None
        if finite and isinstance(loss, torch.Tensor) and loss.requires_grad:
            (grad,) = torch.autograd.grad(loss.sum(), extreme)
            finite = bool(torch.isfinite(grad).all())
        if not finite:
            check.fail(
                "at logits of +-50 the loss or its gradient is inf or nan",
                hint="sigmoid(50) rounds to 1 and log(1 - 1) = -inf: write the loss with the logits, "
                "softplus(l) - x * l, never through log(sigmoid(l))",
            )
        elif not math.isclose(float(values.sum()), want_extreme, rel_tol=1e-4):
            check.fail(
                f"at logits of +-50 it returned {float(values.sum()):.2f}, expected {want_extreme:.2f}",
                hint="clamping the probabilities caps the loss of a confident mistake; use softplus(l) - x * l",
            )
        else:
            want_grad = torch.sigmoid(extreme.detach()) - target
            check.expect(
                grad is not None and torch.allclose(grad, want_grad, atol=1e-5),
                "finite and right at logits of +-50, and so is its gradient",
                "at logits of +-50 the gradient is not sigmoid(l) - x",
                hint="compute the loss with torch operations on the logits, so autograd can differentiate it",
            )
    return check.result

"""Unit tests of course_lib.checks.vae: right answers pass, typical mistakes get their message."""

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from check_helpers import run_check

from course_lib.checks import vae as check
from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "vae" / "pytorch.ipynb"
VAE = exec_tagged_cells(NOTEBOOK, "model")  # kl_divergence, reparameterize, reconstruction_nll


# --- q1: KL between two diagonal Gaussians ----------------------------------------------------


def kl(mu_q, logvar_q, mu_p, logvar_p, half=0.5, dims="sum"):
    terms = logvar_p - logvar_q + (logvar_q.exp() + (mu_q - mu_p) ** 2) / logvar_p.exp() - 1
    return half * (terms.sum(dim=1) if dims == "sum" else terms.mean(dim=1) if dims == "mean" else terms.sum())


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, kl)
    assert result

    def by_torch(mq, lq, mp, lp):
        return torch.distributions.kl_divergence(
            torch.distributions.Normal(mq, (0.5 * lq).exp()), torch.distributions.Normal(mp, (0.5 * lp).exp())
        ).sum(1)

    assert run_check(capsys, check.q1, by_torch)[0]
    assert torch.allclose(
        VAE["kl_divergence"](torch.ones(2, 3), torch.zeros(2, 3)),
        kl(torch.ones(2, 3), torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3)),
    )


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: kl(*a, half=1.0), "the factor 1/2 is missing"),
        (lambda mq, lq, mp, lp: kl(mq, 2 * lq, mp, 2 * lp), "treats logvar as log sigma"),
        (lambda mq, lq, mp, lp: kl(mp, lp, mq, lq), "KL(p || q)"),
        (lambda *a: kl(*a, dims="mean"), "averages over the latent dimensions"),
        (lambda *a: kl(*a, dims="all"), "their sum"),
        (lambda *a: kl(*a).mean(), "their mean"),
        (lambda mq, lq, mp, lp: 0.5 * (lp - lq + lq.exp() / lp.exp() + (mq - mp) ** 2 - 1).sum(1), "not divided by"),
        (lambda *a: kl(*a)[:, None], "expected (5,)"),
        (lambda *a: kl(*a) + 0.1, "for the first example it returned"),
        (lambda *a: kl(*a).tolist(), "not a tensor"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q2: k reparameterised samples -------------------------------------------------------------


def samples(mu, logvar, k):
    return mu + torch.exp(0.5 * logvar) * torch.randn(k, *mu.shape)


def test_q2_right(capsys):
    result, _ = run_check(capsys, check.q2, samples)
    assert result

    def with_notebook(mu, logvar, k):
        return VAE["reparameterize"](mu.expand(k, *mu.shape), logvar.expand(k, *mu.shape))

    assert run_check(capsys, check.q2, with_notebook)[0]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda mu, lv, k: mu + torch.exp(lv) * torch.randn(k, *mu.shape), "is exp(logvar), the variance"),
        (lambda mu, lv, k: mu + torch.exp(0.5 * lv) * torch.randn(k, *mu.shape) * 1.3, "times exp(logvar / 2)"),
        (lambda mu, lv, k: (mu + torch.exp(0.5 * lv) * torch.randn_like(mu)).expand(k, *mu.shape), "all the same"),
        (
            lambda mu, lv, k: torch.normal(mu.expand(k, *mu.shape), torch.exp(0.5 * lv).expand(k, *mu.shape)),
            "torch.normal(mu, std) has no gradient",
        ),
        (lambda mu, lv, k: samples(mu, lv, k).detach(), "no gradient reaches mu and logvar"),
        (lambda mu, lv, k: samples(mu, lv, k) + 1.0, "off by up to"),
        (lambda mu, lv, k: samples(mu, lv, k).transpose(0, 1), "expected (20000, 2, 3)"),
        (lambda mu, lv, k: mu + torch.exp(0.5 * lv).detach() * torch.randn(k, *mu.shape), "no gradient reaches logvar"),
        (lambda mu, lv, k: mu.detach() + torch.exp(0.5 * lv) * torch.randn(k, *mu.shape), "no gradient reaches mu\n"),
        (
            lambda mu, lv, k: (
                mu
                + torch.exp(0.5 * lv) * torch.randn(k, *mu.shape) * (1 + 0 * mu.sum() ** 2).detach()
                + 1e-3 * (lv - lv.detach()) ** 2
                + 0.3 * (lv - lv.detach())
            ),
            "gradients with respect",
        ),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q3: Bernoulli reconstruction term from logits ---------------------------------------------


def nll(logits, x):
    return (F.softplus(logits) - x * logits).flatten(1).sum(dim=1)


def naive(logits, x):
    p = torch.sigmoid(logits)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(dim=1)


def clamped(logits, x):
    p = torch.sigmoid(logits).clamp(1e-6, 1 - 1e-6)
    return -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(dim=1)


def test_q3_right(capsys):
    result, _ = run_check(capsys, check.q3, nll)
    assert result
    assert run_check(capsys, check.q3, VAE["reconstruction_nll"])[0]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda logits, x: nll(logits, x) / 25, "averages over the pixels"),
        (lambda logits, x: -nll(logits, x), "wrong sign"),
        (lambda logits, x: nll(logits, x).sum(), "one number for a batch"),
        (lambda logits, x: (F.softplus(logits) - x * logits).flatten(2).sum(dim=2), "expected (4,)"),
        (lambda logits, x: (F.softplus(-logits) - x * logits).flatten(1).sum(dim=1), "for the first image it returned"),
        (naive, "inf or nan"),
        (clamped, "at logits of +-50 it returned"),
        (lambda logits, x: nll(logits.detach(), x), "the gradient is not"),
    ],
)
def test_q3_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q3, wrong)
    assert not result and message in printed and "Hint:" in printed


def test_q2_wrong_spread_is_reported_once(capsys):
    def wrong(mu, lv, k):
        return mu + torch.exp(lv) * torch.randn(k, *mu.shape)

    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and "the variance" in printed and "gradients with respect" not in printed


def test_q2_keeps_the_learners_random_state(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    run_check(capsys, check.q2, samples)
    assert torch.equal(torch.rand(3), expected)

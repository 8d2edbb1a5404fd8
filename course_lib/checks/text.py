"""Checks for the exercises of the text chapter (book/text/pytorch.ipynb).

>>> import math
>>> from course_lib.checks import text as check
>>> result = check.q1(lambda nats: (nats / math.log(2), math.exp(nats)))
✔ Exercise 1 (bits_and_perplexity): passed
  ✔ right for 4 losses, from a perfect model (0 nats) to uniform guessing among 65 characters
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.checks._core import Check, CheckResult
from course_lib.checks._numerics import softmax

__all__ = ["q1", "q2", "q3"]


# --- q1: units ------------------------------------------------------------------------------------


def q1(bits_and_perplexity: Callable[[float], tuple]) -> CheckResult:
    """Check ``bits_and_perplexity(nats) -> (bits per character, perplexity)``."""
    with Check("Exercise 1", "bits_and_perplexity") as check:
        check.require(callable(bits_and_perplexity), "pass your function itself, not its result")
        losses = [1.58, 1.692, 0.0, math.log(65)]
        for nats in losses:
            output = bits_and_perplexity(nats)
            check.require(
                isinstance(output, tuple) and len(output) == 2,
                f"it returned {output!r}, not a pair (bits, perplexity)",
                hint="return bits, perplexity",
            )
            bits, perplexity = (float(v) for v in output)
            want_bits, want_perplexity = nats / math.log(2), math.exp(nats)
            if not math.isclose(bits, want_bits, rel_tol=1e-6, abs_tol=1e-12):
                if math.isclose(bits, nats * math.log(2), rel_tol=1e-6):
                    check.stop(
                        f"for {nats:.3f} nats it gives {bits:.3f} bits: multiplied by ln 2 instead of dividing",
                        hint="a bit is ln 2 = 0.693 nats, so there are more bits than nats: divide by ln 2",
                    )
                if math.isclose(bits, nats / math.log(10), rel_tol=1e-6) or math.isclose(bits, nats / 10, rel_tol=1e-6):
                    check.stop(
                        f"for {nats:.3f} nats it gives {bits:.3f} bits, with the wrong logarithm",
                        hint="bits = nats / ln 2 (math.log(2), the natural logarithm of 2)",
                    )
                check.stop(
                    f"for {nats:.3f} nats it gives {bits:.4f} bits per character, expected {want_bits:.4f}",
                    hint="bits = nats / ln 2",
                )
            if not math.isclose(perplexity, want_perplexity, rel_tol=1e-6):
                if math.isclose(perplexity, 2**nats, rel_tol=1e-6):
                    check.stop(
                        f"for {nats:.3f} nats the perplexity is {perplexity:.3f}, 2 to the power of the nats",
                        hint="the perplexity is e^nats, or equally 2^bits",
                    )
                if math.isclose(perplexity, math.exp(want_bits), rel_tol=1e-6):
                    check.stop(
                        f"for {nats:.3f} nats the perplexity is {perplexity:.3f}, e to the power of the bits",
                        hint="the perplexity is e^nats, or equally 2^bits",
                    )
                check.stop(
                    f"for {nats:.3f} nats the perplexity is {perplexity:.4f}, expected {want_perplexity:.4f}",
                    hint="the perplexity is e^nats: the number of equally likely choices with that loss",
                )
        check.ok(
            f"right for {len(losses)} losses, from a perfect model (0 nats) to uniform guessing among 65 characters"
        )
    return check.result


# --- q2: sampling with a temperature --------------------------------------------------------------


def q2(sample_with_temperature: Callable[..., Any]) -> CheckResult:
    """Check ``sample_with_temperature(logits, temperature, generator)``: one index per row of (B, V) logits."""
    import torch

    with Check("Exercise 2", "sample_with_temperature") as check:
        check.require(callable(sample_with_temperature), "pass your function itself, not its result")
        z = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
        n = 40_000
        logits = torch.tensor(z, dtype=torch.float32).repeat(n, 1)
        for tau in (1.0, 0.5, 2.0):
            drawn = sample_with_temperature(logits.clone(), tau, torch.Generator().manual_seed(0))
            check.require(
                isinstance(drawn, torch.Tensor),
                f"it returned {type(drawn).__name__}, not a tensor",
                hint="return a torch tensor, computed with torch operations",
            )
            check.require(
                tuple(drawn.shape) == (n,),
                f"for logits of shape ({n}, 5) it returned shape {tuple(drawn.shape)}, expected ({n},)",
                hint="one index per row; torch.multinomial(p, 1) has shape (B, 1): add .squeeze(1)",
            )
            counts = np.bincount(drawn.numpy().astype(int), minlength=len(z))
            check.require(
                len(counts) == len(z) and drawn.min() >= 0,
                "it returned indices outside 0..V-1",
                hint="return character indices, not probabilities",
            )
            freq = counts / n
            want = softmax(z / tau)
            if np.abs(freq - want).max() < 0.01:
                continue
            where = f"at temperature {tau:g} the frequencies are {np.round(freq, 2).tolist()}"
            if np.abs(freq - softmax(z * tau)).max() < 0.01:
                check.stop(
                    f"{where}: the logits were multiplied by the temperature",
                    hint="divide the logits by the temperature: softmax(logits / temperature)",
                )
            if np.abs(freq - softmax(z)).max() < 0.01:
                check.stop(
                    f"{where}: the temperature has no effect",
                    hint="divide the logits by the temperature before the softmax; dividing the "
                    "probabilities changes nothing once they are normalised",
                )
            if counts.max() == n:
                check.stop(
                    f"{where}: it always takes the most likely character",
                    hint="draw at random from the probabilities, for example with torch.multinomial",
                )
            check.stop(
                f"{where}, expected {np.round(want, 2).tolist()} (softmax(logits / temperature))",
                hint="p = torch.softmax(logits / temperature, dim=-1), then torch.multinomial(p, 1)",
            )
        check.ok("the samples follow softmax(logits / temperature) at temperatures 0.5, 1 and 2")
        cold = sample_with_temperature(logits[:1000].clone(), 0.01, torch.Generator().manual_seed(0))
        check.expect(
            bool((cold == 0).all()),
            "at temperature 0.01 it always takes the most likely character",
            "at temperature 0.01 it does not always take the most likely character",
            hint="check for overflow: softmax is stable for large logits / temperature",
        )
        first = sample_with_temperature(logits[:200].clone(), 1.0, torch.Generator().manual_seed(3))
        again = sample_with_temperature(logits[:200].clone(), 1.0, torch.Generator().manual_seed(3))
        check.expect(
            torch.equal(first, again),
            "the same generator seed gives the same samples",
            "the samples do not follow the seed of the generator argument",
            hint="pass generator=generator to torch.multinomial",
        )
        bad = {}
        for tau in (0.0, -1.0):
            try:
                sample_with_temperature(logits[:10].clone(), tau, torch.Generator().manual_seed(0))
                bad[tau] = "no error"
            except ValueError:
                pass
            except NotImplementedError:
                raise
            except Exception as error:  # noqa: BLE001 - reporting the learner's error is the point
                bad[tau] = type(error).__name__
        check.expect(
            not bad,
            "a temperature of 0 or below raises ValueError",
            "a temperature of " + ", ".join(f"{t:g} gave {what}" for t, what in bad.items()) + ", not a ValueError",
            hint='start with: if temperature <= 0: raise ValueError(f"temperature must be > 0, got {temperature}")',
        )
    return check.result


# --- q3: an add-k smoothed bigram model -----------------------------------------------------------


def _bigram_loss(
    train: str,
    val: str,
    vocab: list[str],
    k: float,
    context_counts: str = "followed",
    size: int | None = None,
    log: Callable[[float], float] = math.log,
    skip_first: bool = True,
    add_v: bool = True,
) -> float:
    pairs = Counter(zip(train, train[1:]))
    if context_counts == "followed":
        context = Counter(train[:-1])
    else:
        context = Counter(train)
    v = len(vocab) if size is None else size
    total = 0.0
    for h, c in zip(val, val[1:]):
        total -= log((pairs[(h, c)] + k) / (context[h] + (k * v if add_v else k)))
    return total / (len(val) - 1 if skip_first else len(val))


_TRAIN = "abracadabra, cabaret bar a bard barracuda"
_VAL = "a brace of cobras read a card"


def q3(add_k_bigram_loss: Callable[..., float]) -> CheckResult:
    """Check ``add_k_bigram_loss(train_text, val_text, vocab, k)``: mean -ln p over val_text[1:], in nats."""
    with Check("Exercise 3", "add_k_bigram_loss") as check:
        check.require(callable(add_k_bigram_loss), "pass your function itself, not its result")
        vocab = sorted(set(_TRAIN + _VAL + "xyz"))  # some characters never occur in the training text
        for k in (1.0, 0.1):
            got = add_k_bigram_loss(_TRAIN, _VAL, list(vocab), k)
            check.require(
                isinstance(got, (float, int, np.floating)) and not isinstance(got, bool),
                f"it returned {type(got).__name__}, not a number",
                hint="return the mean loss as a float",
            )
            got, want = float(got), _bigram_loss(_TRAIN, _VAL, vocab, k)
            if math.isclose(got, want, rel_tol=1e-9):
                continue
            where = f"with k={k:g}: {got:.4f} nats/char, expected {want:.4f}"
            variants = [
                (
                    dict(add_v=False),
                    "the denominator adds k once, not k * V: the probabilities do not sum to 1",
                    "p(c | h) = (N(hc) + k) / (N(h) + k V), with V the size of the vocabulary",
                ),
                (
                    dict(size=len(set(_TRAIN))),
                    "V is the number of characters in the training text, not of the vocabulary",
                    "characters that never occur in the training text also get probability: V = len(vocab)",
                ),
                (
                    dict(context_counts="all"),
                    "N(h) counts the last character of the training text, which no character follows",
                    "N(h) is the number of times h is followed by a character: count train_text[:-1]",
                ),
                (dict(log=math.log2), "that is in bits, not nats", "use the natural logarithm, math.log"),
                (
                    dict(skip_first=False),
                    "it divides by len(val_text), but only len(val_text) - 1 characters are predicted",
                    "the first character has no context: average over the len(val_text) - 1 others",
                ),
            ]
            for changes, message, hint in variants:
                if math.isclose(got, _bigram_loss(_TRAIN, _VAL, vocab, k, **changes), rel_tol=1e-9):
                    check.stop(f"{where}: {message}", hint=hint)
            check.stop(
                where,
                hint="average -ln p(c | h) over the pairs (h, c) of consecutive characters of "
                "val_text, with p(c | h) = (N(hc) + k) / (N(h) + k V)",
            )
        check.ok("right on a small corpus with k = 1 and k = 0.1, with characters unseen in training")
        huge = float(add_k_bigram_loss(_TRAIN, _VAL, list(vocab), 1e9))
        check.expect(
            math.isclose(huge, math.log(len(vocab)), rel_tol=1e-4),
            f"with a huge k it tends to ln V = {math.log(len(vocab)):.3f}, uniform guessing",
            f"with a huge k it returns {huge:.3f}, not ln V = {math.log(len(vocab)):.3f}",
            hint="as k grows, every probability tends to 1 / V",
        )
    return check.result

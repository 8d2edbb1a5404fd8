"""Unit tests of course_lib.checks.text: right answers pass, typical mistakes get their message."""

import math
from collections import Counter

import pytest
import torch
from check_helpers import run_check

from course_lib.checks import text as check

# --- q1: bits per character and perplexity -----------------------------------------------------


def test_q1_right(capsys):
    assert run_check(capsys, check.q1, lambda nats: (nats / math.log(2), math.exp(nats)))[0]
    assert run_check(capsys, check.q1, lambda nats: (math.log2(math.e) * nats, 2 ** (nats / math.log(2))))[0]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda n: (n * math.log(2), math.exp(n)), "multiplied by ln 2 instead of dividing"),
        (lambda n: (n / math.log(10), math.exp(n)), "wrong logarithm"),
        (lambda n: (n / math.log(2), 2**n), "2 to the power of the nats"),
        (lambda n: (n / math.log(2), math.exp(n / math.log(2))), "e to the power of the bits"),
        (lambda n: (n / math.log(2), math.exp(n) + 1), "expected 4.8550"),
        (lambda n: (n / 0.7, math.exp(n)), "expected 2.2795"),
        (lambda n: n / math.log(2), "not a pair"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q2: sampling with a temperature -----------------------------------------------------------


def sample(logits, temperature, generator=None):
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    p = torch.softmax(logits / temperature, dim=-1)
    return torch.multinomial(p, 1, generator=generator).squeeze(1)


def test_q2_right(capsys):
    result, printed = run_check(capsys, check.q2, sample)
    assert result and "raises ValueError" in printed


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda z, t, g=None: sample(z * t * t, t, g), "multiplied by the temperature"),
        (lambda z, t, g=None: sample(z * t, t, g), "the temperature has no effect"),
        (lambda z, t, g=None: z.argmax(dim=-1), "always takes the most likely"),
        (lambda z, t, g=None: sample(z, t, g) if t != 2.0 else sample(z, 1.5, g), "expected"),
        (lambda z, t, g=None: sample(z, t, g)[:, None], "add .squeeze(1)"),
        (lambda z, t, g=None: torch.multinomial(torch.softmax(z / t, -1), 1, generator=g).squeeze(1), "gave"),
        (lambda z, t, g=None: sample(z, t), "do not follow the seed"),
        (lambda z, t, g=None: sample(z, t, g).numpy(), "not a tensor"),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed and "Hint:" in printed


def test_q2_reports_the_wrong_error_for_a_bad_temperature(capsys):
    def no_check(logits, temperature, generator=None):
        if temperature == 0:
            return 1 / 0
        return sample(logits, abs(temperature), generator)

    result, printed = run_check(capsys, check.q2, no_check)
    assert not result and "0 gave ZeroDivisionError, -1 gave no error, not a ValueError" in printed


# --- q3: an add-k smoothed bigram model --------------------------------------------------------


def bigram(train, val, vocab, k, followed=True, size=None, log=math.log, n=None, add_v=True):
    pairs = Counter(zip(train, train[1:]))
    context = Counter(train[:-1] if followed else train)
    v = len(vocab) if size is None else size
    total = -sum(log((pairs[h, c] + k) / (context[h] + (k * v if add_v else k))) for h, c in zip(val, val[1:]))
    return total / (len(val) - 1 if n is None else n)


def test_q3_right(capsys):
    result, _ = run_check(capsys, check.q3, bigram)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda t, v, voc, k: bigram(t, v, voc, k, add_v=False), "adds k once, not k * V"),
        (lambda t, v, voc, k: bigram(t, v, voc, k, size=len(set(t))), "V is the number of characters in the training"),
        (lambda t, v, voc, k: bigram(t, v, voc, k, followed=False), "counts the last character"),
        (lambda t, v, voc, k: bigram(t, v, voc, k, log=math.log2), "in bits, not nats"),
        (lambda t, v, voc, k: bigram(t, v, voc, k, n=len(v)), "divides by len(val_text)"),
        (lambda t, v, voc, k: bigram(t, v, voc, 1.0), "with k=0.1"),
        (lambda t, v, voc, k: str(bigram(t, v, voc, k)), "not a number"),
    ],
)
def test_q3_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q3, wrong)
    assert not result and message in printed and "Hint:" in printed


def test_q3_huge_k(capsys):
    def capped(t, v, voc, k):
        return bigram(t, v, voc, min(k, 1e3))

    result, printed = run_check(capsys, check.q3, capped)
    assert not result and "with a huge k" in printed

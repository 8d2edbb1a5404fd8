"""Unit tests of course_lib.checks.rnn: right answers pass, typical mistakes get their message."""

from pathlib import Path

import numpy as np
import pytest
from check_helpers import run_check

from course_lib.checks import rnn as check
from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "rnn" / "from_scratch.ipynb"
RNN = exec_tagged_cells(NOTEBOOK, "numpy-rnn")  # init_rnn, rnn_forward, rnn_backward, softmax_cross_entropy


# --- q1: parameter count -----------------------------------------------------------------------


def count(n_in, h, n_out, T):
    return h * (n_in + h + 1) + n_out * (h + 1)


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, count)
    assert result
    params = RNN["init_rnn"](14, 32, 14, np.random.default_rng(0))
    assert sum(p.size for p in params.values()) == count(14, 32, 14, T=50)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda i, h, o, T: T * count(i, h, o, T), "changes with the sequence length T"),
        (lambda i, h, o, T: count(i, h, o, T) - h - o, "without the biases"),
        (lambda i, h, o, T: count(i, h, o, T) - h * h, "without the recurrent weights W_hh"),
        (lambda i, h, o, T: count(i, h, o, T) + h, "two hidden bias vectors"),
        (lambda i, h, o, T: count(i, h, o, T) + 1, "expected"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


# --- q2: mean loss over time -------------------------------------------------------------------


def mean_loss(ys, targets, loss_scale=None, grad_scale=None):
    loss, dys = RNN["softmax_cross_entropy"](ys, targets)
    T = len(targets)
    return loss / (T if loss_scale is None else loss_scale), dys / (T if grad_scale is None else grad_scale)


def test_q2_right(capsys):
    result, _ = run_check(capsys, check.q2, mean_loss)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda ys, t: mean_loss(ys, t, grad_scale=1), "T = 7 times too large"),
        (lambda ys, t: mean_loss(ys, t, loss_scale=1, grad_scale=1), "the sum over the 7 steps, not the mean"),
        (lambda ys, t: mean_loss(ys, t, grad_scale=-len(t)), "wrong sign"),
        (lambda ys, t: (mean_loss(ys, t)[0], mean_loss(ys, t)[1][:, :-1]), "dys has shape (7, 3)"),
        (lambda ys, t: mean_loss(ys, t)[0], "not a pair (loss, dys)"),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed


# --- q3: a sine-wave regressor -----------------------------------------------------------------


def train(steps=300, n_hidden=16, lr=0.01, n_in=1):
    t = np.arange(60)
    xs, zs = np.sin(0.3 * t)[:, None], np.sin(0.3 * (t + 1))[:, None]
    params = RNN["init_rnn"](n_in, n_hidden, 1, np.random.default_rng(0))
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    for step in range(1, steps + 1):
        hs, ys = RNN["rnn_forward"](params, np.repeat(xs, n_in, axis=1), np.zeros(n_hidden))
        grads, _ = RNN["rnn_backward"](params, np.repeat(xs, n_in, axis=1), hs, ys - zs)
        for k in params:  # Adam
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            params[k] -= lr * (m[k] / (1 - 0.9**step)) / (np.sqrt(v[k] / (1 - 0.999**step)) + 1e-8)
    return params


def test_q3_right(capsys):
    result, _ = run_check(capsys, check.q3, train)
    assert result


def test_q3_untrained(capsys):
    result, printed = run_check(capsys, check.q3, lambda: train(steps=0))
    assert not result and "looks untrained" in printed


def test_q3_undertrained(capsys):
    result, printed = run_check(capsys, check.q3, lambda: train(steps=30))
    assert not result and "not 10 times below" in printed and "few hundred Adam steps" in printed


def test_q3_wrong_sizes_and_return_values(capsys):
    result, printed = run_check(capsys, check.q3, lambda: train(steps=0, n_in=2))
    assert not result and "one input and one output expected" in printed
    result, printed = run_check(capsys, check.q3, lambda: None)
    assert not result and "a dict with keys" in printed

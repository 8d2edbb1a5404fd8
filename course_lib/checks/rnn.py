"""Checks for the exercises of the recurrent chapter (book/rnn/from_scratch.ipynb).

>>> from course_lib.checks import rnn as check
>>> result = check.q1(lambda n_in, n_hidden, n_out, T: n_hidden * (n_in + n_hidden + 1) + n_out * (n_hidden + 1))
✔ Exercise 1 (rnn_parameter_count): passed
  ✔ right for 3 networks, and the same for every sequence length T
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks._core import Check, CheckResult
from course_lib.checks._numerics import cross_entropy, numerical_gradient, relative_error

__all__ = ["q1", "q2", "q3"]


def _count(n_in: int, n_hidden: int, n_out: int) -> int:
    return n_hidden * n_in + n_hidden * n_hidden + n_hidden + n_out * n_hidden + n_out


def q1(rnn_parameter_count: Callable[[int, int, int, int], int]) -> CheckResult:
    """Check ``rnn_parameter_count(n_in, n_hidden, n_out, T)`` for a simple RNN read over T steps."""
    with Check("Exercise 1", "rnn_parameter_count") as check:
        check.require(callable(rnn_parameter_count), "pass your function itself, not its result")
        cases = [(14, 32, 14), (3, 5, 2), (1, 16, 1)]
        for n_in, h, n_out in cases:
            counts = {T: rnn_parameter_count(n_in, h, n_out, T) for T in (10, 50)}
            check.require(
                all(isinstance(c, (int, np.integer)) for c in counts.values()),
                f"it returned {counts[10]!r}, not an integer",
                hint="return a whole number",
            )
            got, want = counts[10], _count(n_in, h, n_out)
            sizes = f"n_in={n_in}, n_hidden={h}, n_out={n_out}"
            if counts[10] != counts[50]:
                check.stop(
                    f"for {sizes} the count changes with the sequence length T ({counts[10]:,} for T=10, "
                    f"{counts[50]:,} for T=50)",
                    hint="the same weights are used at every step: T does not appear in the count",
                )
            if got == want:
                continue
            diff = want - got
            if diff == h + n_out:
                check.stop(
                    f"for {sizes}: {got:,}, the weights without the biases b_h and b_y",
                    hint="add one bias per hidden unit and one per output",
                )
            if diff == h * h:
                check.stop(
                    f"for {sizes}: {got:,}, without the recurrent weights W_hh",
                    hint="W_hh maps the previous state (n_hidden) to the new one (n_hidden)",
                )
            if diff == -h:
                check.stop(
                    f"for {sizes}: {got:,}, with two hidden bias vectors, like PyTorch's nn.RNN",
                    hint="our RNN has one hidden bias b_h",
                )
            check.stop(
                f"for {sizes}: {got:,} parameters, expected {want:,}",
                hint="count W_xh (n_hidden x n_in), W_hh, b_h, W_hy (n_out x n_hidden) and b_y",
            )
        check.ok(f"right for {len(cases)} networks, and the same for every sequence length T")
    return check.result


def q2(mean_softmax_cross_entropy: Callable) -> CheckResult:
    """Check ``mean_softmax_cross_entropy(ys, targets) -> (loss, dys)``: the loss averaged over time."""
    with Check("Exercise 2", "mean_softmax_cross_entropy") as check:
        check.require(callable(mean_softmax_cross_entropy), "pass your function itself, not its result")
        rng = np.random.default_rng(0)
        T, K = 7, 4
        ys, targets = rng.normal(size=(T, K)), rng.integers(0, K, size=T)
        output = mean_softmax_cross_entropy(ys.copy(), targets.copy())
        check.require(
            isinstance(output, tuple) and len(output) == 2,
            f"it returned {type(output).__name__}, not a pair (loss, dys)",
            hint="return loss, dys",
        )
        loss, dys = output
        want = cross_entropy(ys, targets)
        if np.isclose(loss, T * want, rtol=1e-9):
            check.fail(f"the loss is the sum over the {T} steps, not the mean", hint="divide the summed loss by T")
        else:
            check.expect(
                np.isclose(loss, want, rtol=1e-9),
                "the loss is the mean cross-entropy over time",
                f"the loss is {float(loss):.6f}, expected {want:.6f}",
                hint="the mean over the steps of -log p[t, targets[t]]",
            )
        dys = np.asarray(dys, dtype=float)
        check.require(
            dys.shape == ys.shape,
            f"dys has shape {dys.shape}, but ys has shape {ys.shape}",
            hint="one gradient per logit: dys has the shape of ys",
        )
        numeric = numerical_gradient(lambda p: cross_entropy(p["ys"], targets), {"ys": ys.copy()})["ys"]
        if relative_error(dys, numeric) < 1e-6:
            check.ok("dys matches finite differences of the mean loss")
        elif relative_error(dys / T, numeric) < 1e-6:
            check.fail(
                f"dys is T = {T} times too large: it is the gradient of the summed loss",
                hint="divide the gradient by T too, not only the loss",
            )
        elif relative_error(-dys, numeric) < 1e-6:
            check.fail("dys has the wrong sign", hint="the gradient is (p - one_hot(target)) / T")
        else:
            check.fail(
                f"dys does not match finite differences (relative error {relative_error(dys, numeric):.1e})",
                hint="the gradient is (p - one_hot(target)) / T, with p the softmax of each row",
            )
    return check.result


def _forward(params: dict, xs: np.ndarray) -> np.ndarray:
    h = np.zeros(params["W_hh"].shape[0])
    ys = []
    for x in xs:
        h = np.tanh(params["W_xh"] @ x + params["W_hh"] @ h + params["b_h"])
        ys.append(params["W_hy"] @ h + params["b_y"])
    return np.array(ys)


def q3(train_sine_rnn: Callable[[], dict]) -> CheckResult:
    """Check ``train_sine_rnn() -> params``: an RNN that predicts the next value of a sine wave.

    The check runs the returned RNN on a sine wave of a phase it has not seen, sin(0.3 t + 1),
    and compares its mean squared error after a warm-up of 10 steps with the error of
    repeating the input (about 0.045). It must be at least 10 times smaller.
    """
    with Check("Exercise 3", "train_sine_rnn") as check:
        check.require(callable(train_sine_rnn), "pass your function itself, not its result")
        params = train_sine_rnn()
        names = ["W_xh", "W_hh", "b_h", "W_hy", "b_y"]
        check.require(
            isinstance(params, dict) and all(name in params for name in names),
            f"it should return the RNN's parameters, a dict with keys {names}",
            hint="return the params dict that init_rnn created and training updated",
        )
        shapes = {name: np.shape(params[name]) for name in names}
        check.require(
            shapes["W_xh"][1:] == (1,) and shapes["W_hy"][:1] == (1,),
            f"W_xh has shape {shapes['W_xh']} and W_hy {shapes['W_hy']}: one input and one output expected",
            hint="init_rnn(1, n_hidden, 1, rng)",
        )
        t = np.arange(100)
        xs, targets = np.sin(0.3 * t + 1.0)[:, None], np.sin(0.3 * (t + 1) + 1.0)[:, None]
        with np.errstate(all="ignore"):
            ys = _forward({name: np.asarray(params[name], dtype=float) for name in names}, xs)
        mse = float(np.mean((ys[10:] - targets[10:]) ** 2))
        baseline = float(np.mean((xs[10:] - targets[10:]) ** 2))
        check.expect(
            mse < baseline / 10,
            "on a new stretch of the wave its error is more than 10 times below repeating the input",
            f"mean squared error {mse:.3g} on a new stretch of the wave, not 10 times below the "
            f"{baseline:.3f} of repeating the input",
            hint="train on the squared error (dys = ys - targets) for a few hundred Adam steps"
            if mse < 2 * baseline
            else "the network looks untrained: update params with adam_step, using dys = ys - targets",
        )
    return check.result

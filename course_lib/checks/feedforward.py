"""Checks for the exercises of the feed-forward chapter (book/feedforward/from_scratch.ipynb).

>>> from course_lib.checks import feedforward as check
>>> result = check.q1(lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes[1:])))
✔ Exercise 1 (mlp_parameter_count): passed
  ✔ right for all 4 networks, from [2, 16, 2] (82) to [784, 256, 10] (203,530)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from course_lib.checks._core import Check, CheckResult
from course_lib.checks._numerics import log_softmax, numerical_gradient, relative_error

__all__ = ["q1", "q2", "q3"]

# --- q1: counting parameters ------------------------------------------------------------------


def _count(sizes: list[int], biases: bool = True, input_biases: bool = False) -> int:
    weights = sum(a * b for a, b in zip(sizes, sizes[1:]))
    return weights + (sum(sizes[1:]) if biases else 0) + (sizes[0] if input_biases else 0)


def q1(mlp_parameter_count: Callable[[list[int]], int]) -> CheckResult:
    """Check a function that counts the parameters of an MLP with the given layer sizes."""
    with Check("Exercise 1", "mlp_parameter_count") as check:
        check.require(
            callable(mlp_parameter_count),
            "pass your function itself, not its result",
            hint="call check.q1(mlp_parameter_count), without parentheses after the name",
        )
        cases = [[2, 16, 2], [4, 6, 3], [3, 5, 5, 1], [784, 256, 10]]
        for sizes in cases:
            got, want = mlp_parameter_count(list(sizes)), _count(sizes)
            check.require(
                isinstance(got, (int, np.integer)),
                f"for sizes {sizes} it returned {got!r}, not an integer",
                hint="return a whole number, for example with int(...)",
            )
            if got == want:
                continue
            if got == _count(sizes, biases=False):
                check.stop(
                    f"for sizes {sizes}: {got:,}, which counts the weights but not the biases",
                    hint="each layer also has one bias per output unit",
                )
            if got == _count(sizes, input_biases=True):
                check.stop(
                    f"for sizes {sizes}: {got:,}, which gives the input units biases too",
                    hint="the input is data, not a layer: it has no biases",
                )
            check.stop(
                f"for sizes {sizes}: {got:,} parameters, expected {want:,}",
                hint="a dense layer from n_in to n_out units has n_in * n_out weights and n_out biases",
            )
        check.ok(f"right for all {len(cases)} networks, from [2, 16, 2] (82) to [784, 256, 10] (203,530)")
    return check.result


# --- q2: gradients of a network with sigmoid hidden units -------------------------------------


def _mlp_loss(params: dict, X: np.ndarray, y: np.ndarray, activation: Callable) -> float:
    S = activation(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return float(-log_softmax(S)[np.arange(len(y)), y].mean())


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _random_problem(seed: int = 0) -> tuple[dict, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.normal(size=(4, 6)),
        "b1": rng.normal(size=6),
        "W2": rng.normal(size=(6, 3)) / 2,
        "b2": rng.normal(size=3),
    }
    return params, rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)


def q2(loss_and_grads_sigmoid: Callable) -> CheckResult:
    """Check ``loss_and_grads_sigmoid(params, X, y) -> (loss, grads)`` against finite differences."""
    with Check("Exercise 2", "loss_and_grads_sigmoid") as check:
        check.require(callable(loss_and_grads_sigmoid), "pass your function itself, not its result")
        params, X, y = _random_problem()
        output = loss_and_grads_sigmoid({k: v.copy() for k, v in params.items()}, X.copy(), y.copy())
        check.require(
            isinstance(output, tuple) and len(output) == 2,
            f"it returned {type(output).__name__}, not a pair (loss, grads)",
            hint="end with `return loss, grads`, as loss_and_grads does",
        )
        loss, grads = output
        want = _mlp_loss(params, X, y, _sigmoid)
        if np.isclose(loss, _mlp_loss(params, X, y, _relu), rtol=1e-9):
            check.fail("the loss is the one of the ReLU network", hint="use sigmoid, not relu, in the forward pass")
        else:
            check.expect(
                np.isclose(loss, want, rtol=1e-9),
                "the loss is the cross-entropy of the sigmoid network",
                f"the loss is {float(loss):.6f}, expected {want:.6f}",
                hint="hidden layer sigmoid(X @ W1 + b1), then the same logits and cross-entropy as before",
            )
        check.require(
            isinstance(grads, dict) and set(grads) == set(params),
            f"grads should be a dict with keys {sorted(params)}",
            hint="return the gradients in a dictionary keyed like params",
        )
        for name in ("W1", "b1", "W2", "b2"):
            g = np.asarray(grads[name], dtype=float)
            check.require(
                g.shape == params[name].shape,
                f"grads[{name!r}] has shape {g.shape}, but {name} has shape {params[name].shape}",
                hint="a gradient has the shape of what it is the gradient of",
            )
        numeric = numerical_gradient(lambda p: _mlp_loss(p, X, y, _sigmoid), {k: v.copy() for k, v in params.items()})
        for name in ("W2", "b2", "W1", "b1"):
            g, n = np.asarray(grads[name], dtype=float), numeric[name]
            if relative_error(g, n) < 1e-6:
                check.ok(f"grads[{name!r}] matches finite differences")
            elif relative_error(-g, n) < 1e-6:
                check.fail(f"grads[{name!r}] has the wrong sign", hint="dS = (P - Y) / N, not (Y - P) / N")
            elif relative_error(g / len(y), n) < 1e-6:
                check.fail(
                    f"grads[{name!r}] is N = {len(y)} times too large",
                    hint="the loss is a mean over the examples: divide dS by N",
                )
            else:
                hint = (
                    "between the layers, multiply by the sigmoid's derivative at Z1: sigmoid_grad(Z1)"
                    if name in ("W1", "b1")
                    else "dW2 = H.T @ dS and db2 = dS.sum(axis=0), with H = sigmoid(Z1)"
                )
                check.fail(
                    f"grads[{name!r}] does not match finite differences (relative error {relative_error(g, n):.1e})",
                    hint=hint,
                )
    return check.result


# --- q3: mini-batch gradient descent ----------------------------------------------------------


def _mlp_loss_and_grads(params: dict, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    Z1 = X @ params["W1"] + params["b1"]
    H = _relu(Z1)
    log_p = log_softmax(H @ params["W2"] + params["b2"])
    dS = np.exp(log_p)
    dS[np.arange(len(y)), y] -= 1
    dS /= len(y)
    dZ1 = (dS @ params["W2"].T) * (Z1 > 0)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dS, "b2": dS.sum(axis=0)}
    return float(-log_p[np.arange(len(y)), y].mean()), grads


def q3(minibatch_gradient_descent: Callable) -> CheckResult:
    """Check ``minibatch_gradient_descent(loss_and_grads, params, X, y, lr, steps, batch_size, rng)``.

    It trains the moons MLP with it and checks the batches, the losses and the test accuracy.
    """
    from sklearn.datasets import make_moons

    with Check("Exercise 3", "minibatch_gradient_descent") as check:
        check.require(callable(minibatch_gradient_descent), "pass your function itself, not its result")
        X, y = make_moons(n_samples=600, noise=0.15, random_state=1)
        X_train, y_train, X_test, y_test = X[:400], y[:400], X[400:], y[400:]
        rng = np.random.default_rng(0)
        params = {
            "W1": rng.normal(0, 1, size=(2, 16)),
            "b1": np.zeros(16),
            "W2": rng.normal(0, 0.25, size=(16, 2)),
            "b2": np.zeros(2),
        }
        seen: list[np.ndarray] = []

        def recording_loss_and_grads(p: dict, X_batch: np.ndarray, y_batch: np.ndarray) -> tuple[float, dict]:
            seen.append(np.asarray(X_batch)[:, 0].copy())
            return _mlp_loss_and_grads(p, X_batch, y_batch)

        steps, batch_size = 500, 32
        with np.errstate(all="ignore"):  # a diverging run is reported below, without warnings
            losses = minibatch_gradient_descent(
                recording_loss_and_grads,
                params,
                X_train,
                y_train,
                lr=0.5,
                steps=steps,
                batch_size=batch_size,
                rng=np.random.default_rng(1),
            )
        check.require(
            len(seen) == steps,
            f"loss_and_grads was called {len(seen)} times for steps={steps}",
            hint="call loss_and_grads once per step",
        )
        sizes = sorted({len(batch) for batch in seen})
        check.expect(
            sizes == [batch_size],
            f"every step uses a batch of {batch_size} examples",
            f"the steps used batches of {sizes} examples, not {batch_size}",
            hint="pick batch_size random indices with rng.choice(len(X), batch_size, replace=False)",
        )
        distinct = len({batch.tobytes() for batch in seen})
        check.expect(
            distinct > steps // 2,
            "the batches change from step to step",
            f"only {distinct} different batches in {steps} steps",
            hint="draw a new random batch at every step",
        )
        check.require(
            losses is not None and len(losses) == steps,
            f"it returned {'nothing' if losses is None else f'{len(losses)} losses'}, not one loss per step",
            hint="append each step's loss to a list and return it",
        )
        losses = np.asarray(losses, dtype=float)
        falls = bool(np.mean(losses[-100:]) < 0.5 * np.mean(losses[:10]))
        check.expect(
            falls,
            "the loss falls during training",
            f"the loss did not fall: {np.mean(losses[:10]):.3g} at the start, {np.mean(losses[-100:]):.3g} at the end",
            hint="update every parameter in place against the gradient: params[name] -= lr * grads[name]",
        )
        with np.errstate(all="ignore"):
            logits = _relu(X_test @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
        accuracy = float(np.mean(logits.argmax(axis=1) == y_test))
        check.expect(
            accuracy >= 0.95,
            "the trained network reaches at least 95% test accuracy on new moons",
            f"test accuracy {accuracy:.1%}, below 95%",
            hint="update the arrays of the params dict that was passed in (in place), do not build a new dict"
            if falls
            else None,
        )
    return check.result

"""Unit tests of course_lib.checks.feedforward: right answers pass, typical mistakes get their message."""

import numpy as np
import pytest
from check_helpers import run_check

from course_lib.checks import feedforward as check

# --- q1: parameter count -----------------------------------------------------------------------


def count(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, count)
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), "not the biases"),
        (lambda sizes: count(sizes) + sizes[0], "input units biases"),
        (lambda sizes: count(sizes[:2]), "expected"),
        (lambda sizes: float(count(sizes)), "not an integer"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


def test_q1_not_a_function(capsys):
    result, printed = run_check(capsys, check.q1, 82)
    assert not result and "pass your function itself" in printed


# --- q2: gradients with sigmoid hidden units ---------------------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_net(params, X, y, derivative=lambda Z1, H: H * (1 - H), activation=sigmoid, scale=1.0):
    Z1 = X @ params["W1"] + params["b1"]
    H = activation(Z1)
    S = H @ params["W2"] + params["b2"]
    shifted = S - S.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = len(y)
    dS = scale * (np.exp(log_p) - np.eye(S.shape[1])[y]) / N
    dZ1 = (dS @ params["W2"].T) * derivative(Z1, H)
    grads = {"W1": X.T @ dZ1, "b1": dZ1.sum(axis=0), "W2": H.T @ dS, "b2": dS.sum(axis=0)}
    return -log_p[np.arange(N), y].mean(), grads


def test_q2_right(capsys):
    result, printed = run_check(capsys, check.q2, sigmoid_net)
    assert result and printed.count("matches finite differences") == 4


def test_q2_sign_error(capsys):
    result, printed = run_check(capsys, check.q2, lambda p, X, y: sigmoid_net(p, X, y, scale=-1.0))
    assert not result and "wrong sign" in printed and "(P - Y) / N" in printed


def test_q2_forgot_the_mean(capsys):
    result, printed = run_check(capsys, check.q2, lambda p, X, y: sigmoid_net(p, X, y, scale=float(len(y))))
    assert not result and "N = 8 times too large" in printed


def test_q2_relu_derivative_left_in_backward(capsys):
    def wrong(p, X, y):
        return sigmoid_net(p, X, y, derivative=lambda Z1, H: (Z1 > 0).astype(float))

    result, printed = run_check(capsys, check.q2, wrong)
    assert not result
    assert "grads['W2'] matches" in printed and "grads['W1'] does not match" in printed
    assert "sigmoid_grad(Z1)" in printed


def test_q2_still_relu_in_forward(capsys):
    def relu_net(p, X, y):
        return sigmoid_net(
            p, X, y, activation=lambda z: np.maximum(z, 0), derivative=lambda Z1, H: (Z1 > 0).astype(float)
        )

    result, printed = run_check(capsys, check.q2, relu_net)
    assert not result and "the loss is the one of the ReLU network" in printed


def test_q2_wrong_gradient_shape(capsys):
    def transposed(p, X, y):
        loss, grads = sigmoid_net(p, X, y)
        return loss, {**grads, "W1": grads["W1"].T}

    result, printed = run_check(capsys, check.q2, transposed)
    assert not result and "grads['W1'] has shape (6, 4)" in printed


def test_q2_returns_only_the_loss(capsys):
    result, printed = run_check(capsys, check.q2, lambda p, X, y: sigmoid_net(p, X, y)[0])
    assert not result and "not a pair (loss, grads)" in printed


# --- q3: mini-batch gradient descent -----------------------------------------------------------


def sgd(
    loss_and_grads,
    params,
    X,
    y,
    lr,
    steps,
    batch_size=32,
    rng=None,
    full_batch=False,
    sign=1.0,
    same_batch=False,
    new_dict=False,
):
    losses = []
    fixed = rng.choice(len(X), size=batch_size, replace=False)
    for _ in range(steps):
        batch = (
            np.arange(len(X)) if full_batch else fixed if same_batch else rng.choice(len(X), batch_size, replace=False)
        )
        loss, grads = loss_and_grads(params, X[batch], y[batch])
        if new_dict:
            params = {name: params[name] - lr * grads[name] for name in params}
        else:
            for name in params:
                params[name] -= sign * lr * grads[name]
        losses.append(loss)
    return losses


def test_q3_right(capsys):
    result, printed = run_check(capsys, check.q3, sgd)
    assert result and "95% test accuracy" in printed


@pytest.mark.parametrize(
    "options, message",
    [
        ({"full_batch": True}, "batches of [400] examples, not 32"),
        ({"same_batch": True}, "only 1 different batches"),
        ({"sign": -1.0}, "the loss did not fall"),
        ({"new_dict": True}, "update the arrays of the params dict"),
    ],
)
def test_q3_wrong(capsys, options, message):
    result, printed = run_check(capsys, check.q3, lambda *args, **kwargs: sgd(*args, **kwargs, **options))
    assert not result and message in printed


def test_q3_forgot_to_return_the_losses(capsys):
    result, printed = run_check(capsys, check.q3, lambda *args, **kwargs: sgd(*args, **kwargs) and None)
    assert not result and "returned nothing" in printed

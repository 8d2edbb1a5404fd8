"""The numerics the chapters' checks share: a stable softmax, cross-entropy and finite differences.

The checks compare a learner's answer with a reference computed here, in
float64 NumPy, so that a disagreement is the learner's and not ours.

Example
-------
>>> import numpy as np
>>> logits = np.array([[2.0, 0.0, 0.0], [1000.0, 0.0, 0.0]])  # the second row would overflow a naive softmax
>>> softmax(logits).round(3)
array([[0.787, 0.107, 0.107],
       [1.   , 0.   , 0.   ]])
>>> round(cross_entropy(logits, np.array([0, 0])), 4)  # mean of -log p[label] over the rows
0.1198
>>> grads = numerical_gradient(lambda p: float((p["w"] ** 2).sum()), {"w": np.array([1.0, -2.0])})
>>> grads["w"].round(6)  # d/dw of sum(w^2) is 2w
array([ 2., -4.])
>>> relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
0.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax along ``axis``, shifted by the maximum so that large logits do not overflow."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Probabilities along ``axis``: ``exp(log_softmax(logits))``."""
    return np.exp(log_softmax(logits, axis))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the rows of ``-log softmax(logits)[row, labels[row]]``, in nats; logits are (N, classes)."""
    return float(-log_softmax(logits, axis=1)[np.arange(len(labels)), labels].mean())


def numerical_gradient(f: Callable[[dict], float], params: dict, eps: float = 1e-6) -> dict:
    """Central differences of ``f(params)`` with respect to every entry of every array in ``params``.

    The arrays are changed in place while ``f`` is evaluated and restored after.
    """
    grads = {}
    for name, value in params.items():
        grad = np.zeros_like(value, dtype=float)
        for index in np.ndindex(value.shape):
            original = value[index]
            value[index] = original + eps
            plus = f(params)
            value[index] = original - eps
            minus = f(params)
            value[index] = original
            grad[index] = (plus - minus) / (2 * eps)
        grads[name] = grad
    return grads


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / (|a| + |b|)`` with Euclidean norms: 0 for equal arrays, 1 for opposite ones."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))

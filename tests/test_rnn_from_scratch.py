"""The NumPy RNN of book/rnn/from_scratch.ipynb: its BPTT gradients are right.

The notebook tags the cells that define the RNN (``init_rnn``,
``rnn_forward``, ``softmax_cross_entropy``, ``rnn_backward``,
``rnn_loss_and_grads``, ``numerical_gradient``, ``clip_by_global_norm``) with
``numpy-rnn``. These tests run only those cells and check backpropagation
through time against central finite differences, in float64, on random
networks, sequences and targets of several sizes.
"""

from pathlib import Path

import numpy as np
import pytest

from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "rnn" / "from_scratch.ipynb"


@pytest.fixture(scope="module")
def rnn():
    return exec_tagged_cells(NOTEBOOK, "numpy-rnn")


def random_problem(rnn, seed, n_in, n_hidden, n_out, steps):
    rng = np.random.default_rng(seed)
    params = rnn["init_rnn"](n_in, n_hidden, n_out, rng, recurrent_scale=rng.uniform(0.5, 1.5))
    for name in ("b_h", "b_y"):  # non-zero biases, so every term of the gradient is exercised
        params[name] = params[name] + 0.1 * rng.normal(size=params[name].shape)
    xs = rng.normal(size=(steps, n_in))
    targets = rng.integers(0, n_out, size=steps)
    h0 = 0.5 * rng.normal(size=n_hidden)
    return params, xs, targets, h0


def central_difference(f, array, eps=1e-5):
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        old = array[i]
        array[i] = old + eps
        plus = f()
        array[i] = old - eps
        minus = f()
        array[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def test_the_cells_define_the_rnn(rnn):
    for name in (
        "init_rnn",
        "rnn_forward",
        "softmax_cross_entropy",
        "rnn_backward",
        "rnn_loss_and_grads",
        "clip_by_global_norm",
    ):
        assert callable(rnn.get(name)), f"the numpy-rnn cells do not define {name}()"


def test_forward_shapes_with_distinct_input_hidden_and_output_sizes(rnn):
    params = rnn["init_rnn"](3, 5, 2, np.random.default_rng(0))
    assert {k: v.shape for k, v in params.items()} == {
        "W_xh": (5, 3),
        "W_hh": (5, 5),
        "b_h": (5,),
        "W_hy": (2, 5),
        "b_y": (2,),
    }
    hs, ys = rnn["rnn_forward"](params, np.ones((7, 3)), np.zeros(5))
    assert hs.shape == (8, 5) and ys.shape == (7, 2)
    assert np.all(hs[0] == 0) and np.all(np.abs(hs) < 1)


def test_recurrent_scale_sets_every_singular_value(rnn):
    params = rnn["init_rnn"](2, 16, 1, np.random.default_rng(0), recurrent_scale=0.7)
    assert np.allclose(np.linalg.svd(params["W_hh"], compute_uv=False), 0.7)


@pytest.mark.parametrize(
    "seed, sizes",
    [
        (0, (4, 6, 3, 8)),
        (1, (1, 3, 2, 1)),  # a single step: no recurrence yet
        (2, (5, 4, 7, 15)),
        (3, (3, 10, 3, 25)),  # more steps than hidden units
    ],
)
def test_bptt_matches_finite_differences(rnn, seed, sizes):
    params, xs, targets, h0 = random_problem(rnn, seed, *sizes)
    loss = lambda: rnn["rnn_loss_and_grads"](params, xs, targets, h0)[0]  # noqa: E731
    _, grads, _ = rnn["rnn_loss_and_grads"](params, xs, targets, h0)
    for name in params:
        numeric = central_difference(loss, params[name])
        assert relative_error(numeric, grads[name]) < 1e-6, name


def test_hidden_state_gradients_match_finite_differences(rnn):
    # dL/dh0, as returned by rnn_backward in dhs[0], is the gradient of the loss with respect to the initial state.
    params, xs, targets, h0 = random_problem(rnn, 4, 3, 5, 4, 9)
    hs, ys = rnn["rnn_forward"](params, xs, h0)
    _, dys = rnn["softmax_cross_entropy"](ys, targets)
    _, dhs = rnn["rnn_backward"](params, xs, hs, dys)
    loss = lambda: rnn["rnn_loss_and_grads"](params, xs, targets, h0)[0]  # noqa: E731
    assert dhs.shape == hs.shape
    assert relative_error(central_difference(loss, h0), dhs[0]) < 1e-6


def test_loss_is_summed_over_time(rnn):
    ys = np.random.default_rng(0).normal(size=(5, 3))
    targets = np.array([0, 2, 1, 1, 0])
    total, _ = rnn["softmax_cross_entropy"](ys, targets)
    per_step = sum(rnn["softmax_cross_entropy"](ys[t : t + 1], targets[t : t + 1])[0] for t in range(5))
    assert total == pytest.approx(per_step)


def test_clip_by_global_norm(rnn):
    clip = rnn["clip_by_global_norm"]
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0, 4.0]])}  # joint norm 5
    clipped, norm = clip(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert np.sqrt(sum(np.sum(g**2) for g in clipped.values())) == pytest.approx(1.0)
    assert np.allclose(clipped["a"], [0.6, 0.0]) and np.allclose(clipped["b"], [[0.0, 0.8]])  # same direction
    unchanged, _ = clip(grads, 10.0)
    assert all(np.array_equal(unchanged[k], grads[k]) for k in grads)
    zeros, norm = clip({"a": np.zeros(3)}, 1.0)
    assert norm == 0 and np.all(zeros["a"] == 0)

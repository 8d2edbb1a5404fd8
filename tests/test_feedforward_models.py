"""The feed-forward chapter (book/feedforward): matched models and hand-written backpropagation.

The Keras and PyTorch notebooks tag the cells that define ``build_mlp()`` and
``build_label_to_image()`` with ``model``. These tests run only those cells and
compare the two frameworks' models layer by layer: kinds of layer, output
shapes on a dummy batch, parameter counts and dropout rates.

``from_scratch.ipynb`` tags the cells that define its NumPy network
(activations, forward pass, loss, backward pass) with ``numpy-mlp``; the tests
check its gradients against central finite differences on random problems.
"""

from pathlib import Path

import numpy as np
import pytest

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_lib.checks._numerics import numerical_gradient, relative_error
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "book" / "feedforward"
KERAS_NB = CHAPTER / "keras.ipynb"
TORCH_NB = CHAPTER / "pytorch.ipynb"
SCRATCH_NB = CHAPTER / "from_scratch.ipynb"

# A dense layer from n_in to n_out units has n_in * n_out weights and n_out biases.
# build_mlp(): 784 -> 256 -> 10.
MLP_PARAMETERS = (784 * 256 + 256) + (256 * 10 + 10)  # = 203,530
# build_label_to_image(): 10 (one-hot label) -> 256 -> 784 pixels.
LABEL_TO_IMAGE_PARAMETERS = (10 * 256 + 256) + (256 * 784 + 784)  # = 204,304

# Each builder, the shape of one input (without the batch axis), and the expected total.
MODELS = {
    "build_mlp": ((28, 28), MLP_PARAMETERS),
    "build_label_to_image": ((10,), LABEL_TO_IMAGE_PARAMETERS),
}

# Keras layer class -> the PyTorch module class that plays the same role.
SAME_KIND = {
    "Flatten": "Flatten",
    "Dense": "Linear",
    "ReLU": "ReLU",
    "Dropout": "Dropout",
    "Activation": "Sigmoid",  # checked below to be a sigmoid activation
    "Reshape": "Unflatten",
}


def test_expected_counts_by_formula():
    assert MLP_PARAMETERS == 203_530
    assert LABEL_TO_IMAGE_PARAMETERS == 204_304


@pytest.fixture(scope="module")
def keras_builders():
    return exec_tagged_cells(KERAS_NB, "model")


@pytest.fixture(scope="module")
def torch_builders():
    return exec_tagged_cells(TORCH_NB, "model")


def torch_layers(model):
    """The leaf modules of a PyTorch model, in the order they were defined."""
    return [m for m in model.modules() if not list(m.children())]


@pytest.mark.parametrize("builder", sorted(MODELS))
def test_same_parameter_count(builder, keras_builders, torch_builders):
    keras_model, torch_model = keras_builders[builder](), torch_builders[builder]()
    n_torch = sum(p.numel() for p in torch_model.parameters())
    assert keras_model.count_params() == n_torch == MODELS[builder][1]


@pytest.mark.parametrize("builder", sorted(MODELS))
def test_same_layers_and_shapes(builder, keras_builders, torch_builders):
    import torch

    keras_model, torch_model = keras_builders[builder](), torch_builders[builder]().eval()
    k_layers, t_layers = keras_model.layers, torch_layers(torch_model)
    k_kinds = [SAME_KIND.get(type(layer).__name__, type(layer).__name__) for layer in k_layers]
    assert k_kinds == [type(m).__name__ for m in t_layers]

    input_shape, _ = MODELS[builder]
    x = np.random.default_rng(0).random((3, *input_shape), dtype=np.float32)
    h_keras, h_torch = x, torch.from_numpy(x.copy())
    with torch.no_grad():
        for k_layer, t_layer in zip(k_layers, t_layers):
            h_keras, h_torch = k_layer(h_keras, training=False), t_layer(h_torch)
            assert tuple(h_keras.shape) == tuple(h_torch.shape), (
                f"{k_layer.name} gives {tuple(h_keras.shape)}, {type(t_layer).__name__} gives {tuple(h_torch.shape)}"
            )
            n_torch = sum(p.numel() for p in t_layer.parameters())
            assert k_layer.count_params() == n_torch, f"{k_layer.name}: {k_layer.count_params()} vs {n_torch}"
            if type(t_layer).__name__ == "Dropout":
                assert k_layer.rate == pytest.approx(t_layer.p)
            if type(k_layer).__name__ == "Activation":
                assert k_layer.activation.__name__ == "sigmoid"


def test_label_to_image_outputs_pixels_and_takes_noise(keras_builders, torch_builders):
    import torch

    onehot = np.eye(10, dtype=np.float32)[[0, 3, 9]]
    keras_out = np.asarray(keras_builders["build_label_to_image"]()(onehot, training=False))
    with torch.no_grad():
        torch_out = torch_builders["build_label_to_image"]()(torch.from_numpy(onehot)).numpy()
    for out in (keras_out, torch_out):
        assert out.shape == (3, 28, 28)
        assert np.all((out > 0) & (out < 1)), "a sigmoid output keeps every pixel in (0, 1)"
    # With noise_dim extra inputs, only the first layer grows: by noise_dim * 256 weights.
    build = keras_builders["build_label_to_image"]
    assert build(noise_dim=16).count_params() - build().count_params() == 16 * 256
    build = torch_builders["build_label_to_image"]
    n_torch = [sum(p.numel() for p in build(noise_dim=k).parameters()) for k in (0, 16)]
    assert n_torch[1] - n_torch[0] == 16 * 256


# ---------------------------------------------------------------------------
# from_scratch.ipynb: the NumPy network and its hand-written gradients
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch():
    return exec_tagged_cells(SCRATCH_NB, "numpy-mlp")


@pytest.mark.parametrize("seed, n, d, hidden, classes", [(0, 8, 4, 6, 3), (1, 20, 2, 16, 2), (2, 5, 7, 3, 10)])
def test_hand_written_backprop_matches_finite_differences(scratch, seed, n, d, hidden, classes):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, classes, size=n)
    params = scratch["init_mlp"](d, hidden, classes, rng)
    params = {name: value + rng.normal(0, 0.1, size=value.shape) for name, value in params.items()}  # nonzero biases
    _, (_, Z1, _) = scratch["forward"](params, X)
    assert np.abs(Z1).min() > 1e-4, "a pre-activation sits on ReLU's kink; pick another seed"

    loss, grads = scratch["loss_and_grads"](params, X, y)
    numeric = numerical_gradient(lambda p: scratch["loss_and_grads"](p, X, y)[0], params)
    assert set(grads) == set(params)
    for name in params:
        assert grads[name].shape == params[name].shape
        error = relative_error(grads[name], numeric[name])
        assert error < 1e-6, f"{name}: relative error {error:.1e}"


def test_loss_is_cross_entropy_and_stable(scratch):
    S = np.array([[2.0, 0.0, -1.0], [1000.0, 0.0, 0.0]])
    y = np.array([0, 1])
    loss, P = scratch["cross_entropy"](S, y)
    assert np.allclose(P.sum(axis=1), 1) and np.all(np.isfinite(P))
    expected_first = -np.log(np.exp(2.0) / (np.exp(2.0) + 1 + np.exp(-1.0)))
    assert loss == pytest.approx((expected_first + 1000.0) / 2)


def test_activation_derivatives(scratch):
    z = np.linspace(-4, 4, 81)
    z = z[np.abs(z) > 1e-3]  # away from ReLU's kink
    eps = 1e-6
    for f, f_grad in [
        (scratch["sigmoid"], scratch["sigmoid_grad"]),
        (np.tanh, scratch["tanh_grad"]),
        (scratch["relu"], scratch["relu_grad"]),
    ]:
        assert np.allclose(f_grad(z), (f(z + eps) - f(z - eps)) / (2 * eps), atol=1e-7)

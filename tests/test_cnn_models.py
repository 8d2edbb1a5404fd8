"""The Keras and PyTorch digit classifiers of book/cnn are the same network.

Both notebooks tag the cell that defines ``build_classifier()`` with ``model``.
This test runs only those cells and compares the two models layer by layer:
kinds of layer, output shapes on a dummy batch, parameter counts and dropout
rates. The architecture is also the course's digit judge, so it must not drift
in one framework only.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import channels_last

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "cnn" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "cnn" / "pytorch.ipynb"
EXPECTED_PARAMETERS = 421_642

# Keras layer class -> the PyTorch module class that plays the same role.
SAME_KIND = {
    "Conv2D": "Conv2d",
    "ReLU": "ReLU",
    "MaxPooling2D": "MaxPool2d",
    "Flatten": "Flatten",
    "Dropout": "Dropout",
    "Dense": "Linear",
}


@pytest.fixture(scope="module")
def keras_model():
    return exec_tagged_cells(KERAS_NB, "model")["build_classifier"]()


@pytest.fixture(scope="module")
def torch_model():
    return exec_tagged_cells(TORCH_NB, "model")["build_classifier"]().eval()


def torch_layers(model):
    """The leaf modules of a PyTorch model, in the order they were defined."""
    return [m for m in model.modules() if not list(m.children())]


def test_same_parameter_count(keras_model, torch_model):
    n_torch = sum(p.numel() for p in torch_model.parameters())
    assert keras_model.count_params() == n_torch == EXPECTED_PARAMETERS


def test_same_layers_and_shapes(keras_model, torch_model):
    import torch

    k_layers, t_layers = keras_model.layers, torch_layers(torch_model)
    k_kinds = [SAME_KIND.get(type(layer).__name__, type(layer).__name__) for layer in k_layers]
    assert k_kinds == [type(m).__name__ for m in t_layers]

    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    h_keras, h_torch = x, torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        for k_layer, t_layer in zip(k_layers, t_layers):
            h_keras, h_torch = k_layer(h_keras, training=False), t_layer(h_torch)
            assert tuple(h_keras.shape) == (3, *channels_last(tuple(h_torch.shape[1:]))), (
                f"{k_layer.name} gives {tuple(h_keras.shape)}, {type(t_layer).__name__} gives {tuple(h_torch.shape)}"
            )
            n_torch = sum(p.numel() for p in t_layer.parameters())
            assert k_layer.count_params() == n_torch, f"{k_layer.name}: {k_layer.count_params()} vs {n_torch}"
            if type(t_layer).__name__ == "Dropout":
                assert k_layer.rate == pytest.approx(t_layer.p)
        assert tuple(torch_model(h_torch.new_zeros(3, 1, 28, 28)).shape) == (3, 10)
    assert tuple(keras_model(x, training=False).shape) == (3, 10)

"""The Keras and PyTorch forecasters of book/timeseries are the same networks.

Both notebooks tag the cell that defines ``build_forecaster(horizon, kind,
hidden)`` with ``model``. This test runs only those cells and builds the
one-step and the direct (12-output) forecasters, GRU and LSTM, in both
frameworks: the same output shapes, layer by layer, for windows of any
length, and the parameter counts of the formulas in the notebooks. The GRU
counts are equal (Keras's default ``reset_after=True`` GRU has two bias
vectors per gate, like PyTorch's); PyTorch's LSTM has one more bias vector
per gate than Keras's, so its count is larger by exactly ``4 * hidden``.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import GATES, dense_parameters, recurrent_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "timeseries" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "timeseries" / "pytorch.ipynb"
HIDDEN = 32  # the notebooks' default


def expected_count(framework, kind, horizon, h=HIDDEN, inputs=1):
    return recurrent_parameters(framework, kind, inputs, h) + dense_parameters(h, horizon)


@pytest.fixture(scope="module")
def keras_ns():
    return exec_tagged_cells(KERAS_NB, "model")


@pytest.fixture(scope="module")
def torch_ns():
    return exec_tagged_cells(TORCH_NB, "model")


def test_hard_coded_counts():
    # The counts printed in both notebooks for the GRU forecasters.
    assert expected_count("torch", "gru", 1) == expected_count("keras", "gru", 1) == 3_393
    assert expected_count("torch", "gru", 12) == expected_count("keras", "gru", 12) == 3_756


@pytest.mark.parametrize("kind", ["gru", "lstm"])
@pytest.mark.parametrize("horizon", [1, 12])
@pytest.mark.parametrize("lags", [24, 7])
def test_same_shapes_and_expected_parameter_counts(kind, horizon, lags, keras_ns, torch_ns):
    import torch

    keras_model = keras_ns["build_forecaster"](horizon, kind=kind)
    torch_model = torch_ns["build_forecaster"](horizon, kind=kind).eval()
    x = np.random.default_rng(0).normal(size=(3, lags)).astype(np.float32)  # any window length

    with torch.no_grad():
        out_torch = torch_model(torch.from_numpy(x))
    out_keras = keras_model.predict_on_batch(x)
    assert tuple(out_keras.shape) == tuple(out_torch.shape) == (3, horizon)
    assert np.isfinite(out_keras).all() and torch.isfinite(out_torch).all()

    # Layer by layer: the recurrent layer's final state and the head.
    assert keras_model.get_layer("steps").output.shape[-1] == 1
    assert tuple(keras_model.get_layer("recurrent").output.shape) == (None, HIDDEN)
    with torch.no_grad():
        sequence, _ = torch_model.recurrent(torch.from_numpy(x).unsqueeze(-1))
    assert tuple(sequence[:, -1].shape) == (3, HIDDEN)
    assert torch_model.head.in_features == HIDDEN and torch_model.head.out_features == horizon

    n_keras = keras_model.count_params()
    n_torch = sum(p.numel() for p in torch_model.parameters())
    assert n_keras == expected_count("keras", kind, horizon)
    assert n_torch == expected_count("torch", kind, horizon)
    assert n_torch - n_keras == (0 if kind == "gru" else GATES[kind] * HIDDEN)
    for keras_layer, torch_module in (("recurrent", torch_model.recurrent), ("head", torch_model.head)):
        difference = (
            sum(p.numel() for p in torch_module.parameters()) - keras_model.get_layer(keras_layer).count_params()
        )
        assert difference == (GATES[kind] * HIDDEN if keras_layer == "recurrent" and kind == "lstm" else 0)


def test_hidden_size_is_honoured(keras_ns, torch_ns):
    keras_model = keras_ns["build_forecaster"](12, hidden=8)
    torch_model = torch_ns["build_forecaster"](12, hidden=8)
    assert (
        keras_model.count_params()
        == sum(p.numel() for p in torch_model.parameters())
        == expected_count("keras", "gru", 12, h=8)
    )


def test_unknown_kind_is_refused(keras_ns, torch_ns):
    for namespace in (keras_ns, torch_ns):
        with pytest.raises(ValueError, match="kind must be 'gru' or 'lstm'"):
            namespace["build_forecaster"](1, kind="transformer")

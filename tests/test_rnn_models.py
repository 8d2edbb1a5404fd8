"""The Keras and PyTorch recurrent classifiers of book/rnn are the same networks.

Both notebooks tag the cell that defines ``build_recurrent_classifier(kind)``
with ``model``. This test runs only those cells and builds the simple RNN,
LSTM and GRU classifiers in both frameworks: same output shapes on a dummy
batch, and the parameter counts of the formulas in the notebooks. The GRU
counts are equal; PyTorch's simple RNN and LSTM have one more bias vector
per gate than Keras's (``bias_ih`` and ``bias_hh``), so they differ by
exactly ``gates * hidden``.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import GATES, dense_parameters, recurrent_parameters, torch_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "rnn" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "rnn" / "pytorch.ipynb"
KINDS = ["simple", "lstm", "gru"]
INPUTS, HIDDEN, CLASSES = 2, 32, 2

# i = 2 inputs, h = 32 units, dense head 32 * 2 + 2 = 66 parameters.
EXPECTED_PARAMETERS = {
    # Keras: SimpleRNN h(i+h) + h = 1,120; LSTM 4[h(i+h) + h] = 4,480; GRU (reset_after=True) 3[h(i+h) + 2h] = 3,456.
    "keras": {"simple": 1_186, "lstm": 4_546, "gru": 3_522},
    # PyTorch: RNN h(i+h) + 2h = 1,152; LSTM 4[h(i+h) + 2h] = 4,608; GRU 3[h(i+h) + 2h] = 3,456.
    "torch": {"simple": 1_218, "lstm": 4_674, "gru": 3_522},
}


@pytest.fixture(scope="module")
def keras_build():
    return exec_tagged_cells(KERAS_NB, "model")["build_recurrent_classifier"]


@pytest.fixture(scope="module")
def torch_build():
    return exec_tagged_cells(TORCH_NB, "model")["build_recurrent_classifier"]


def test_formulas_match_the_hard_coded_counts():
    for framework in ("keras", "torch"):
        for kind in KINDS:
            assert EXPECTED_PARAMETERS[framework][kind] == recurrent_parameters(
                framework, kind, INPUTS, HIDDEN
            ) + dense_parameters(HIDDEN, CLASSES)


@pytest.mark.parametrize("kind", KINDS)
def test_same_shapes_and_expected_parameter_counts(kind, keras_build, torch_build):
    import torch

    keras_model = keras_build(kind)
    torch_model = torch_build(kind).eval()
    x = np.random.default_rng(0).normal(size=(3, 17, INPUTS)).astype(np.float32)  # any sequence length
    with torch.no_grad():
        out_torch = torch_model(torch.from_numpy(x))
    out_keras = keras_model(x)
    assert tuple(out_keras.shape) == tuple(out_torch.shape) == (3, CLASSES)
    assert np.isfinite(np.asarray(out_keras)).all() and torch.isfinite(out_torch).all()

    n_keras, n_torch = keras_model.count_params(), torch_parameters(torch_model)
    assert n_keras == EXPECTED_PARAMETERS["keras"][kind]
    assert n_torch == EXPECTED_PARAMETERS["torch"][kind]
    # The only difference: PyTorch's second bias vector per gate, absent from Keras's SimpleRNN and LSTM.
    assert n_torch - n_keras == (0 if kind == "gru" else GATES[kind] * HIDDEN)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_memory_gate_starts_open_in_both_frameworks(kind, keras_build, torch_build):
    # Both frameworks start the forget (LSTM) or update (GRU) gate with the same bias, the rest at zero.
    keras_bias = np.asarray(keras_build(kind, gate_bias=3.0).get_layer("recurrent").get_weights()[2])
    torch_model = torch_build(kind, gate_bias=3.0)
    torch_bias = (torch_model.recurrent.bias_ih_l0 + torch_model.recurrent.bias_hh_l0).detach().numpy()
    h = HIDDEN
    if kind == "lstm":  # Keras and PyTorch: gates i, f, g, o
        keras_gates, torch_gates = keras_bias.reshape(4, h), torch_bias.reshape(4, h)
        expected = np.array([0.0, 3.0, 0.0, 0.0])
        assert np.allclose(keras_gates, expected[:, None]) and np.allclose(torch_gates, expected[:, None])
    else:  # Keras gates z, r, h with (input, recurrent) biases; PyTorch gates r, z, n, biases summed
        keras_gates = keras_bias.sum(axis=0).reshape(3, h)
        assert np.allclose(keras_gates, np.array([3.0, 0.0, 0.0])[:, None])
        assert np.allclose(torch_bias.reshape(3, h), np.array([0.0, 3.0, 0.0])[:, None])


def test_unknown_kind_is_refused(keras_build, torch_build):
    for build in (keras_build, torch_build):
        with pytest.raises(ValueError, match="kind must be"):
            build("transformer")

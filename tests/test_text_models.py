"""The Keras and PyTorch character models of book/text are the same network.

Both notebooks tag the cell that defines ``build_char_model`` with ``model``.
This test runs only those cells and builds the character LSTM and GRU in both
frameworks: embedding, recurrent layer and output layer give the same output
shapes layer by layer, and the parameter counts are those of the formulas in
the notebooks. The GRU counts are equal (Keras's default ``reset_after=True``
GRU has two bias vectors per gate, like PyTorch's); PyTorch's LSTM has one
more bias vector per gate (``bias_ih`` and ``bias_hh``) than Keras's, so its
count is larger by exactly ``4 * hidden``.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import dense_parameters, recurrent_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "text" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "text" / "pytorch.ipynb"
V, E, H = 65, 64, 256  # vocabulary, embedding size, hidden units (the notebooks' defaults)


def expected_count(framework, kind, v=V, e=E, h=H):
    # embedding + recurrent layer + dense head
    return v * e + recurrent_parameters(framework, kind, e, h) + dense_parameters(h, v)


@pytest.fixture(scope="module")
def keras_ns():
    return exec_tagged_cells(KERAS_NB, "model")


@pytest.fixture(scope="module")
def torch_ns():
    return exec_tagged_cells(TORCH_NB, "model")


def test_hard_coded_counts():
    # The LSTM counts printed in the notebooks, and the formula's known value.
    assert expected_count("torch", "lstm") == 350_593
    assert expected_count("keras", "lstm") == 350_593 - 4 * H


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_same_layer_shapes_and_expected_parameter_counts(kind, keras_ns, torch_ns):
    import torch

    keras_model = keras_ns["build_char_model"](V, kind)
    torch_model = torch_ns["build_char_model"](V, kind).eval()
    tokens = np.random.default_rng(0).integers(0, V, size=(3, 17)).astype(np.int32)  # any length

    # Layer by layer: embedding (3, 17, E), recurrent outputs (3, 17, H), logits (3, 17, V).
    k_emb = keras_model.get_layer("embedding")(tokens)
    k_rec = keras_model.get_layer("recurrent")(k_emb)[0]
    k_out = keras_model.get_layer("logits")(k_rec)
    with torch.no_grad():
        t_emb = torch_model.embedding(torch.from_numpy(tokens).long())
        t_rec, _ = torch_model.recurrent(t_emb)
        t_out = torch_model.logits(t_rec)
        t_full, _ = torch_model(torch.from_numpy(tokens).long())
    expected_shapes = [(3, 17, E), (3, 17, H), (3, 17, V)]
    assert [tuple(a.shape) for a in (k_emb, k_rec, k_out)] == expected_shapes
    assert [tuple(a.shape) for a in (t_emb, t_rec, t_out)] == expected_shapes
    assert tuple(keras_model(tokens).shape) == tuple(t_full.shape) == (3, 17, V)
    assert np.isfinite(np.asarray(k_out)).all() and torch.isfinite(t_full).all()

    n_keras = keras_model.count_params()
    n_torch = sum(p.numel() for p in torch_model.parameters())
    assert n_keras == expected_count("keras", kind)
    assert n_torch == expected_count("torch", kind)
    # The only difference: PyTorch's second LSTM bias vector per gate.
    assert n_torch - n_keras == (4 * H if kind == "lstm" else 0)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_state_carrying_matches_one_pass(kind, keras_ns, torch_ns):
    # Reading a text in two chunks with the state carried gives the same logits as one pass, in both frameworks.
    import torch

    tokens = np.random.default_rng(1).integers(0, V, size=(2, 12)).astype(np.int32)
    torch_model = torch_ns["build_char_model"](V, kind, hidden=16).eval()
    with torch.no_grad():
        t = torch.from_numpy(tokens).long()
        whole, _ = torch_model(t)
        first, state = torch_model(t[:, :5])
        second, _ = torch_model(t[:, 5:], state)
    assert torch.allclose(whole, torch.cat([first, second], dim=1), atol=1e-5)

    keras_model = keras_ns["build_char_model"](V, kind, hidden=16)
    stepper = keras_ns["build_char_stepper"](keras_model)
    zeros = [np.zeros((2, 16), dtype=np.float32) for _ in stepper.inputs[1:]]
    whole_k = np.asarray(keras_model(tokens))
    first_k, *state_k = stepper.predict_on_batch([tokens[:, :5], *zeros])
    second_k, *_ = stepper.predict_on_batch([tokens[:, 5:], *state_k])
    assert np.allclose(whole_k, np.concatenate([first_k, second_k], axis=1), atol=1e-5)

    # A stateful Keras model (as trained in the notebook) carries its state between calls, and
    # reset_states() starts it afresh; with the same weights it computes what the stateless model does.
    stateful = keras_ns["build_char_model"](V, kind, hidden=16, stateful=True, batch_size=2)
    stateful.set_weights(keras_model.get_weights())
    first_s, second_s = np.asarray(stateful(tokens[:, :5])), np.asarray(stateful(tokens[:, 5:]))
    assert np.allclose(whole_k, np.concatenate([first_s, second_s], axis=1), atol=1e-5)
    stateful.get_layer("recurrent").reset_states()
    assert np.allclose(np.asarray(stateful(tokens[:, :5])), first_s, atol=1e-6)
    assert not np.allclose(np.asarray(stateful(tokens[:, :5])), first_s, atol=1e-3)  # state carried again


def test_unknown_kind_is_refused(keras_ns, torch_ns):
    for build in (keras_ns["build_char_model"], torch_ns["build_char_model"]):
        with pytest.raises(ValueError, match="kind must be"):
            build(V, "transformer")

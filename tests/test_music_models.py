"""The Keras and PyTorch melody models of book/music are the same network.

Both notebooks tag the cell that defines ``build_melody_model`` with
``model``. This test runs only those cells and builds the next-note LSTM and
GRU in both frameworks: embedding, recurrent layer and output layer give the
same output shapes layer by layer, and the parameter counts are those of the
formulas in the notebooks. The GRU counts are equal (Keras's default
``reset_after=True`` GRU has two bias vectors per gate, like PyTorch's);
PyTorch's LSTM has one more bias vector per gate than Keras's, so its count is
larger by exactly ``4 * hidden``. It also checks that the Keras stepper
(used for sampling) computes what the full model computes, and that PyTorch's
model carries its state the same way.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import dense_parameters, recurrent_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
KERAS_NB = ROOT / "book" / "music" / "keras.ipynb"
TORCH_NB = ROOT / "book" / "music" / "pytorch.ipynb"
V, E, H = 377, 32, 128  # vocabulary (47 pitches x 8 durations + END), embedding size, hidden units


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
    # The counts printed in the notebooks.
    assert expected_count("torch", "lstm") == 143_641
    assert expected_count("keras", "lstm") == 143_641 - 4 * H == 143_129


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_same_layer_shapes_and_expected_parameter_counts(kind, keras_ns, torch_ns):
    import torch

    keras_model = keras_ns["build_melody_model"](V, kind)
    torch_model = torch_ns["build_melody_model"](V, kind).eval()
    tokens = np.random.default_rng(0).integers(0, V, size=(3, 17)).astype(np.int32)

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
    assert n_torch - n_keras == (4 * H if kind == "lstm" else 0)


def test_dropout_is_active_only_in_training(keras_ns, torch_ns):
    import torch

    tokens = np.random.default_rng(2).integers(0, V, size=(2, 9)).astype(np.int32)
    keras_model = keras_ns["build_melody_model"](V)
    assert np.allclose(keras_model(tokens, training=False), keras_model(tokens, training=False))
    assert not np.allclose(keras_model(tokens, training=True), keras_model(tokens, training=False))
    torch_model = torch_ns["build_melody_model"](V)
    t = torch.from_numpy(tokens).long()
    with torch.no_grad():
        train_out = torch_model.train()(t)[0]
        eval_out = torch_model.eval()(t)[0]
        assert not torch.allclose(train_out, eval_out)
        assert torch.allclose(eval_out, torch_model(t)[0])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_stepping_with_the_state_matches_one_pass(kind, keras_ns, torch_ns):
    # The samplers feed one note at a time and carry the state: that must give the full model's logits.
    import torch

    tokens = np.random.default_rng(1).integers(0, V, size=(2, 12)).astype(np.int32)
    torch_model = torch_ns["build_melody_model"](V, kind, hidden=16).eval()
    with torch.no_grad():
        t = torch.from_numpy(tokens).long()
        whole, _ = torch_model(t)
        first, state = torch_model(t[:, :5])
        second, _ = torch_model(t[:, 5:], state)
    assert torch.allclose(whole, torch.cat([first, second], dim=1), atol=1e-5)

    keras_model = keras_ns["build_melody_model"](V, kind, hidden=16)
    stepper = keras_ns["build_melody_stepper"](keras_model)
    assert stepper.count_params() == keras_model.count_params()  # the same layers, shared
    state_k = [np.zeros((2, 16), dtype=np.float32) for _ in stepper.inputs[1:]]
    whole_k = np.asarray(keras_model(tokens, training=False))
    steps = []
    for i in range(tokens.shape[1]):
        logits, *state_k = stepper.predict_on_batch([tokens[:, i : i + 1], *state_k])
        steps.append(logits)
    assert np.allclose(whole_k, np.concatenate(steps, axis=1), atol=1e-5)


def test_unknown_kind_is_refused(keras_ns, torch_ns):
    for build in (keras_ns["build_melody_model"], torch_ns["build_melody_model"]):
        with pytest.raises(ValueError, match="kind must be"):
            build(V, "transformer")

"""The four sequence classifiers of book/cnn_vs_rnn, in PyTorch and in Keras, are the same networks.

The notebook tags the cells defining ``build_model(kind)`` (PyTorch) and
``build_keras_model(kind)`` (Keras) with ``model``; this test runs only those
cells. For the causal dilated CNN, the simple RNN, the LSTM and the GRU it
checks the output shapes on sequences of two lengths and the parameter counts
against formulas, and it measures the CNN's receptive field by impulse
response in both frameworks: the last output must change when an input within
R = 1 + (k - 1) * sum(dilations) steps of the end changes, and never otherwise.
"""

from pathlib import Path

import numpy as np
import pytest
from parity import dense_parameters, recurrent_parameters, torch_parameters

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "cnn_vs_rnn" / "measured.ipynb"
KINDS = ["cnn", "rnn", "lstm", "gru"]


def expected_parameters(kind, framework, i=1, n_classes=10):
    """Parameter counts by hand, for i input features and n_classes logits."""
    if kind == "cnn":  # Conv1d: k * c_in * c_out + c_out, 5 layers of 36 channels, kernel 3; then Dense 36 -> classes
        k, c = 3, 36
        return (k * i * c + c) + 4 * (k * c * c + c) + (c * n_classes + n_classes)  # 16,210 for i=1, 10 classes
    h = {"rnn": 120, "lstm": 64, "gru": 72}[kind]
    return recurrent_parameters(framework, kind, i, h) + dense_parameters(h, n_classes)


# The hand-computed numbers the notebook prints (i = 1 input feature, 10 classes).
PRINTED = {
    "torch": {"cnn": 16_210, "rnn": 15_970, "lstm": 17_802, "gru": 16_930},
    "keras": {"cnn": 16_210, "rnn": 15_850, "lstm": 17_546, "gru": 16_930},
}


@pytest.fixture(scope="module")
def cells():
    return exec_tagged_cells(NOTEBOOK, "model")


def test_formulas_give_the_printed_counts():
    for framework, counts in PRINTED.items():
        for kind, count in counts.items():
            assert expected_parameters(kind, framework) == count, (framework, kind)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n_inputs,n_classes", [(1, 10), (2, 2)])  # MNIST-1D and the memory task
def test_same_shapes_and_expected_parameter_counts(cells, kind, n_inputs, n_classes):
    import torch

    torch_model = cells["build_model"](kind, n_inputs=n_inputs, n_classes=n_classes).eval()
    keras_model = cells["build_keras_model"](kind, n_inputs=n_inputs, n_classes=n_classes)
    for length in (40, 100):  # any sequence length
        x = np.random.default_rng(length).normal(size=(3, length, n_inputs)).astype(np.float32)
        with torch.no_grad():
            out_torch = torch_model(torch.from_numpy(x))
        out_keras = np.asarray(keras_model(x))
        assert tuple(out_torch.shape) == out_keras.shape == (3, n_classes)
        assert torch.isfinite(out_torch).all() and np.isfinite(out_keras).all()
    assert torch_parameters(torch_model) == expected_parameters(kind, "torch", n_inputs, n_classes)
    assert keras_model.count_params() == expected_parameters(kind, "keras", n_inputs, n_classes)


def impulse_response(last_output, length=100, seed=0):
    """Which inputs change the last output: perturb each time step of a random sequence in turn."""
    x = np.random.default_rng(seed).normal(size=(1, length, 1)).astype(np.float32)
    base = last_output(x)
    changed = []
    for t in range(length):
        bumped = x.copy()
        bumped[0, t, 0] += 1.0
        changed.append(np.abs(last_output(bumped) - base).max() > 1e-6)
    return np.array(changed)


def test_receptive_field_formula_matches_the_impulse_response(cells):
    import torch

    kernel_size, dilations = cells["KERNEL_SIZE"], cells["DILATIONS"]
    r = 1 + (kernel_size - 1) * sum(dilations)
    assert r == 63
    torch.manual_seed(0)
    cnn = cells["build_model"]("cnn").eval()
    assert cnn.receptive_field == r

    def torch_last(x):
        with torch.no_grad():
            return cnn(torch.from_numpy(x)).numpy()

    keras_cnn = cells["build_keras_model"]("cnn")
    for last_output in (torch_last, lambda x: np.asarray(keras_cnn(x))):
        changed = impulse_response(last_output, length=100)
        assert changed.tolist() == [t >= 100 - r for t in range(100)]  # exactly the last R steps


def test_unknown_kind_is_refused(cells):
    for build in (cells["build_model"], cells["build_keras_model"]):
        with pytest.raises(ValueError, match="kind must be"):
            build("transformer")


def test_the_sweep_script_trains_every_model_with_the_notebooks_training_cells():
    """scripts/experiments/cnn_vs_rnn_sweep.py runs the notebook's `model` and `training` cells: a tiny run."""
    import importlib.util

    import torch

    script = NOTEBOOK.parents[2] / "scripts" / "experiments" / "cnn_vs_rnn_sweep.py"
    spec = importlib.util.spec_from_file_location("cnn_vs_rnn_sweep", script)
    sweep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sweep)
    namespace = sweep.notebook_namespace()
    generator = torch.Generator().manual_seed(0)
    data = (
        torch.randn(32, 40, 1, generator=generator),
        torch.randint(0, 10, (32,), generator=generator),
        torch.randn(16, 40, 1, generator=generator),
        torch.randint(0, 10, (16,), generator=generator),
    )
    for kind in KINDS:
        model, curve = namespace["train_timed"](kind, data, steps=2, lr=1e-3, seed=1, eval_every=1)
        assert len(curve) == 2 and all(seconds > 0 and 0 <= accuracy <= 1 for seconds, accuracy in curve)
    assert 0 <= namespace["memory_accuracy"]("gru", 5, steps=1, batch=4, lr=3e-3, seed=1) <= 1

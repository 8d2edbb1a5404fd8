"""The Keras and PyTorch next-frame predictors of book/hybrid are the same network.

book/hybrid/next_frame.ipynb tags the cells that define
``build_frame_predictor`` (PyTorch) and ``build_keras_frame_predictor``
(Keras, a ``keras.Model`` subclass) with ``model``. This test runs only those cells and checks that both
map a (batch, time, height, width) batch of frames to logits of the same
shape, layer by layer the same sizes, the same number of parameters up to
two documented differences, and that their motion decoders (the last frame
convolved with a predicted kernel) move a frame the same way:

- PyTorch's ``nn.LSTM`` has two bias vectors per gate (``bias_ih`` and
  ``bias_hh``), Keras's ``LSTM`` one: PyTorch has 4 x hidden more parameters
  (as in tests/test_rnn_models.py);
- Keras counts batch normalisation's running mean and variance as
  (non-trainable) weights; PyTorch keeps them as buffers, outside
  ``parameters()``.
"""

from pathlib import Path

import numpy as np
import pytest

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "hybrid" / "next_frame.ipynb"
HIDDEN = 128
# encoder: convolutions 80 + 1,168 + 2,320, batch norms 16 + 32 + 32, dense 256 * 128 + 128 = 32,896
# LSTM (PyTorch): 4 [128 (128 + 128) + 2 * 128] = 132,096
# decoder: dense 128 * 81 + 81 = 10,449 (the logits of a 9 x 9 motion kernel)
TORCH_PARAMETERS = 36_544 + 132_096 + 10_449
BATCH_NORM_CHANNELS = 8 + 16 + 16
KERNEL = 9


@pytest.fixture(scope="module")
def namespace():
    return exec_tagged_cells(NOTEBOOK, "model")


@pytest.fixture(scope="module")
def torch_model(namespace):
    return namespace["build_frame_predictor"]().eval()


@pytest.fixture(scope="module")
def keras_model(namespace):
    return namespace["build_keras_frame_predictor"]()


@pytest.mark.parametrize("frames", [1, 9, 13])
def test_same_output_shape_for_any_number_of_frames(torch_model, keras_model, frames):
    import torch

    x = np.random.default_rng(0).uniform(size=(3, frames, 32, 32)).astype(np.float32)
    with torch.no_grad():
        logits, (h, c) = torch_model(torch.from_numpy(x))
    keras_logits = np.asarray(keras_model(x))
    assert tuple(logits.shape) == keras_logits.shape == x.shape
    assert tuple(h.shape) == tuple(c.shape) == (1, 3, HIDDEN)
    assert np.isfinite(keras_logits).all() and torch.isfinite(logits).all()


def test_same_intermediate_shapes(torch_model, keras_model):
    import torch

    x = np.zeros((2, 32, 32), dtype=np.float32)
    with torch.no_grad():
        torch_code = torch_model.encoder(torch.from_numpy(x[:, None]))
        torch_kernel = torch_model.decoder(torch_code)
    keras_code = np.asarray(keras_model.encoder(x[..., None]))
    keras_kernel = np.asarray(keras_model.decoder(keras_code))
    assert tuple(torch_code.shape) == keras_code.shape == (2, HIDDEN)
    assert tuple(torch_kernel.shape) == keras_kernel.shape == (2, KERNEL * KERNEL)


def test_both_motion_decoders_move_frames_the_same_way(namespace):
    import torch

    rng = np.random.default_rng(1)
    frames = rng.uniform(size=(5, 32, 32)).astype(np.float32)
    kernel_logits = rng.normal(scale=3.0, size=(5, KERNEL * KERNEL)).astype(np.float32)
    torch_logits = namespace["move_frames"](torch.from_numpy(frames), torch.from_numpy(kernel_logits)).numpy()
    keras_logits = np.asarray(namespace["keras_move_frames"](frames[..., None], kernel_logits))
    assert torch_logits.shape == keras_logits.shape == (5, 32, 32)
    assert np.allclose(1 / (1 + np.exp(-torch_logits)), 1 / (1 + np.exp(-keras_logits)), atol=1e-5)


def test_a_one_hot_kernel_shifts_the_frame(namespace):
    import torch

    frames = np.random.default_rng(2).uniform(0.1, 0.9, size=(1, 32, 32)).astype(np.float32)
    kernel_logits = np.full((1, KERNEL * KERNEL), -50.0, dtype=np.float32)
    kernel_logits[0, 6 * KERNEL + 4] = 50.0  # kernel row 6, column 4: output(i, j) = input(i + 2, j), two rows up
    moved = 1 / (
        1 + np.exp(-namespace["move_frames"](torch.from_numpy(frames), torch.from_numpy(kernel_logits)).numpy())
    )
    assert np.allclose(moved[0, :-2], frames[0, 2:], atol=1e-5) and np.allclose(moved[0, -2:], 1e-4)


def test_parameter_counts_differ_only_by_the_lstm_biases(torch_model, keras_model):
    n_torch = sum(p.numel() for p in torch_model.parameters())
    trainable = sum(int(np.prod(w.shape)) for w in keras_model.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in keras_model.non_trainable_weights)
    assert n_torch == TORCH_PARAMETERS
    assert trainable == n_torch - 4 * HIDDEN  # Keras: one LSTM bias per gate
    assert frozen == 2 * BATCH_NORM_CHANNELS  # running mean and variance of every batch norm
    assert keras_model.count_params() == trainable + frozen
    running = sum(b.numel() for name, b in torch_model.named_buffers() if "running" in name)
    assert running == frozen


def test_batch_norm_uses_pytorch_conventions_in_keras(keras_model):
    norms = [layer for layer in keras_model.encoder.layers if "batch_normalization" in layer.name]
    assert len(norms) == 3
    assert all(norm.momentum == 0.9 and norm.epsilon == 1e-5 for norm in norms)


def test_a_canvas_that_cannot_be_halved_three_times_is_refused(namespace):
    for build in (namespace["build_frame_predictor"], namespace["build_keras_frame_predictor"]):
        with pytest.raises(ValueError, match="multiple of 8"):
            build(size=30)

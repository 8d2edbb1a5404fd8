"""The Keras and PyTorch ESPCN of book/super_resolution are the same network.

The notebook tags the cells that define ``build_espcn`` (PyTorch) and
``build_espcn_keras`` (Keras) with ``model``. These tests run only those
cells and check: the same output shapes (PyTorch is channels-first,
``(N, C, H, W)``; Keras channels-last, ``(N, H, W, C)``), the same parameter
counts, and the same function once the weights are copied across.

Pixel shuffle orders channels differently in the two frameworks. For ``C``
output channels and scale ``r``, the value for sub-pixel ``(i, j)`` of
channel ``c`` is read from

- channel ``c * r**2 + i * r + j`` by ``torch.nn.PixelShuffle`` (channels-first);
- channel ``(i * r + j) * C + c`` by ``tf.nn.depth_to_space`` and
  ``keras.ops.depth_to_space`` (channels-last).

They agree for one channel (the notebook's luminance network); for RGB the
last convolution's output channels must be permuted, and the tests check
that permutation.
"""

from pathlib import Path

import numpy as np
import pytest

import course_lib  # noqa: F401  (before TensorFlow: quiets its start-up logging)
from course_tools.notebook_cells import exec_tagged_cells

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "book" / "super_resolution" / "super_resolution.ipynb"


def espcn_parameters(scale: int, channels: int) -> int:
    """Conv 5x5 (C -> 64), 3x3 (64 -> 32), 3x3 (32 -> C r^2), each with biases."""
    layers = [(5, channels, 64), (3, 64, 32), (3, 32, channels * scale**2)]
    return sum(k * k * c_in * c_out + c_out for k, c_in, c_out in layers)


def torch_channel_for_tf_channel(scale: int, channels: int) -> np.ndarray:
    """``perm[k]``: the PyTorch (channels-first) channel that TensorFlow's channel ``k`` must hold."""
    r2 = scale * scale
    # TensorFlow channel (sub * C + c) <- PyTorch channel (c * r^2 + sub), sub = i * r + j
    return np.array([c * r2 + sub for sub in range(r2) for c in range(channels)])


@pytest.fixture(scope="module")
def cells():
    return exec_tagged_cells(NOTEBOOK, "model")


def test_parameter_formula():
    assert espcn_parameters(3, 1) == 1_664 + 18_464 + 2_601 == 22_729  # the count printed in the notebook
    assert espcn_parameters(2, 1) == 21_284
    assert espcn_parameters(3, 3) == 31_131


@pytest.mark.parametrize("scale, channels", [(3, 1), (2, 1), (3, 3)])
def test_same_shapes_and_parameter_counts(cells, scale, channels):
    import torch

    torch_model = cells["build_espcn"](scale, channels).eval()
    keras_model = cells["build_espcn_keras"](scale, channels)
    x = np.random.default_rng(0).random((2, channels, 11, 7), dtype=np.float32)  # any image size
    with torch.no_grad():
        out_torch = torch_model(torch.from_numpy(x)).numpy()
    out_keras = np.asarray(keras_model(x.transpose(0, 2, 3, 1)))
    assert out_torch.shape == (2, channels, 11 * scale, 7 * scale)  # NCHW
    assert out_keras.shape == (2, 11 * scale, 7 * scale, channels)  # NHWC
    n_torch = sum(p.numel() for p in torch_model.parameters())
    assert n_torch == keras_model.count_params() == espcn_parameters(scale, channels)


def copy_torch_weights_to_keras(torch_model, keras_model, scale: int, channels: int) -> None:
    from keras import layers
    from torch import nn

    torch_convs = [m for m in torch_model.body if isinstance(m, nn.Conv2d)]
    keras_convs = [layer for layer in keras_model.layers if isinstance(layer, layers.Conv2D)]
    assert len(torch_convs) == len(keras_convs) == 3
    for index, (conv_t, conv_k) in enumerate(zip(torch_convs, keras_convs)):
        kernel = conv_t.weight.detach().permute(2, 3, 1, 0).numpy()  # (out, in, kh, kw) -> (kh, kw, in, out)
        bias = conv_t.bias.detach().numpy()
        if index == 2:  # the last convolution feeds pixel shuffle: reorder its output channels
            perm = torch_channel_for_tf_channel(scale, channels)
            kernel, bias = kernel[..., perm], bias[perm]
        conv_k.set_weights([kernel, bias])


@pytest.mark.parametrize("scale, channels", [(3, 1), (3, 3)])
def test_same_function_with_copied_weights(cells, scale, channels):
    import torch

    torch.manual_seed(0)
    torch_model = cells["build_espcn"](scale, channels).eval()
    keras_model = cells["build_espcn_keras"](scale, channels)
    copy_torch_weights_to_keras(torch_model, keras_model, scale, channels)
    x = np.random.default_rng(1).random((1, channels, 9, 10), dtype=np.float32)
    with torch.no_grad():
        out_torch = torch_model(torch.from_numpy(x)).numpy()
    out_keras = np.asarray(keras_model(x.transpose(0, 2, 3, 1))).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out_keras, out_torch, atol=1e-5)


def test_one_channel_needs_no_reordering():
    assert list(torch_channel_for_tf_channel(3, 1)) == list(range(9))
    assert list(torch_channel_for_tf_channel(2, 3)) == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]


@pytest.mark.parametrize("scale, channels", [(2, 1), (3, 1), (2, 3), (3, 2)])
def test_pixel_shuffle_orders(scale, channels):
    import keras
    import tensorflow as tf
    import torch

    x = np.arange(2 * channels * scale**2 * 3 * 4, dtype=np.float32).reshape(2, channels * scale**2, 3, 4)  # NCHW
    shuffled = torch.nn.PixelShuffle(scale)(torch.from_numpy(x)).numpy()  # (N, C, rH, rW)
    # The formula of the notebook: y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]
    for c, i, j in [(0, 0, 0), (channels - 1, scale - 1, 0), (channels - 1, 1, scale - 1)]:
        assert shuffled[1, c, 2 * scale + i, 3 * scale + j] == x[1, c * scale**2 + i * scale + j, 2, 3]

    nhwc = x.transpose(0, 2, 3, 1)
    tf_out = tf.nn.depth_to_space(nhwc, scale).numpy()
    keras_out = np.asarray(keras.ops.depth_to_space(nhwc, scale))
    np.testing.assert_array_equal(keras_out, tf_out)  # Keras's op is TensorFlow's rearrangement
    expected = shuffled.transpose(0, 2, 3, 1)
    if channels == 1:
        np.testing.assert_array_equal(tf_out, expected)  # the same rearrangement
    else:
        assert not np.array_equal(tf_out, expected)  # different channel orders ...
        reordered = nhwc[..., torch_channel_for_tf_channel(scale, channels)]
        np.testing.assert_array_equal(
            tf.nn.depth_to_space(reordered, scale).numpy(), expected
        )  # ... up to this permutation


def test_keras_depth_to_space_layer(cells):
    layer = cells["DepthToSpace"](3)
    x = np.random.default_rng(2).random((1, 4, 5, 9), dtype=np.float32)
    assert np.asarray(layer(x)).shape == (1, 12, 15, 1)
    assert cells["DepthToSpace"].from_config(layer.get_config()).block_size == 3


def test_bad_scale_is_refused(cells):
    for build in (cells["build_espcn"], cells["build_espcn_keras"]):
        with pytest.raises(ValueError, match="scale must be an integer"):
            build(1)
        with pytest.raises(ValueError, match="scale must be an integer"):
            build(2.5)

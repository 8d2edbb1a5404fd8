"""Checks for the exercises of the convolutional chapter (book/cnn/convolution.ipynb).

>>> import numpy as np
>>> from course_lib.checks import cnn as check
>>> result = check.q1(lambda w: np.transpose(w, (2, 3, 1, 0)))
✔ Exercise 1 (torch_to_keras_kernel): passed
  ✔ shape (kh, kw, C_in, C_out) for non-square kernels
  ✔ a channels-last convolution with your kernel equals the channels-first one with the original
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from course_lib.checks._core import Check, CheckResult
from course_lib.checks._numerics import cross_entropy

__all__ = ["q1", "q2", "q3"]


# --- q1: from PyTorch's kernel layout to Keras's ----------------------------------------------


def _conv_channels_first(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """'Valid' convolution, x (N, C_in, H, W), w (C_out, C_in, kh, kw) -> (N, C_out, H', W')."""
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("ncijuv,ocuv->noij", windows, w)


def _conv_channels_last(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """'Valid' convolution, x (N, H, W, C_in), w (kh, kw, C_in, C_out) -> (N, H', W', C_out)."""
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape[:2], axis=(1, 2))
    return np.einsum("nijcuv,uvco->nijo", windows, w)


def q1(torch_to_keras_kernel: Callable[[np.ndarray], np.ndarray]) -> CheckResult:
    """Check a function that converts a conv kernel from (C_out, C_in, kh, kw) to (kh, kw, C_in, C_out)."""
    with Check("Exercise 1", "torch_to_keras_kernel") as check:
        check.require(callable(torch_to_keras_kernel), "pass your function itself, not its result")
        rng = np.random.default_rng(0)
        w = rng.normal(size=(5, 2, 3, 4))
        got = np.asarray(torch_to_keras_kernel(w.copy()))
        check.require(
            got.shape == (3, 4, 2, 5),
            f"a (5, 2, 3, 4) kernel became {got.shape}, expected (3, 4, 2, 5) = (kh, kw, C_in, C_out)",
            hint="np.transpose(w, axes) puts axis axes[i] of w at position i",
        )
        square = rng.normal(size=(5, 2, 3, 3))
        got_square = np.asarray(torch_to_keras_kernel(square.copy()))
        if np.array_equal(got, w.reshape(3, 4, 2, 5)) or np.array_equal(got_square, square.reshape(3, 3, 2, 5)):
            check.stop(
                "the shape is right but the numbers are scrambled: reshape keeps the memory order",
                hint="use np.transpose, which moves axes, not reshape, which only relabels them",
            )
        check.require(
            np.array_equal(got_square, square.transpose(2, 3, 1, 0)) or np.array_equal(got_square.shape, (3, 3, 2, 5)),
            f"a (5, 2, 3, 3) kernel became {got_square.shape}, expected (3, 3, 2, 5)",
        )
        if np.array_equal(got_square, square.transpose(3, 2, 1, 0)):
            check.stop(
                "on a square kernel, rows and columns are swapped: the kernel is mirrored on its diagonal",
                hint="keep kh before kw: the spatial axes 2 and 3 go to positions 0 and 1, in that order",
            )
        check.ok("shape (kh, kw, C_in, C_out) for non-square kernels")
        x = rng.normal(size=(2, 2, 7, 6))
        same = all(
            np.allclose(
                _conv_channels_last(x.transpose(0, 2, 3, 1), k_last),
                _conv_channels_first(x, k_first).transpose(0, 2, 3, 1),
            )
            for k_first, k_last in [(w, got), (square, got_square)]
        )
        check.expect(
            same,
            "a channels-last convolution with your kernel equals the channels-first one with the original",
            "a channels-last convolution with your kernel gives other numbers than the original",
            hint="axis 0 of w (C_out) goes last, axis 1 (C_in) third: np.transpose(w, (2, 3, 1, 0))",
        )
    return check.result


# --- q2: a true convolution -------------------------------------------------------------------


def q2(true_convolution: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> CheckResult:
    """Check a 'valid' true convolution of a 2-D image with a 2-D kernel (the kernel flipped)."""
    from scipy.signal import convolve2d, correlate2d

    with Check("Exercise 2", "true_convolution") as check:
        check.require(callable(true_convolution), "pass your function itself, not its result")
        rng = np.random.default_rng(0)
        image, kernel = rng.normal(size=(7, 9)), rng.normal(size=(3, 4))
        got = np.asarray(true_convolution(image.copy(), kernel.copy()), dtype=float)
        check.require(
            got.shape == (5, 6),
            f"a 7x9 image and a 3x4 kernel gave shape {got.shape}, expected (5, 6)",
            hint="no padding ('valid'): the output is (7 - 3 + 1, 9 - 4 + 1)",
        )
        check.ok("output shape (5, 6) for a 7x9 image and a 3x4 kernel")
        if np.allclose(got, correlate2d(image, kernel, mode="valid")):
            check.stop(
                "this is the cross-correlation, what conv2d computes: the kernel is not flipped",
                hint="flip the kernel in both axes first: kernel[::-1, ::-1]",
            )
        if np.allclose(got, correlate2d(image, kernel[::-1], mode="valid")) or np.allclose(
            got, correlate2d(image, kernel[:, ::-1], mode="valid")
        ):
            check.stop("the kernel is flipped along one axis only", hint="flip both: kernel[::-1, ::-1]")
        check.expect(
            np.allclose(got, convolve2d(image, kernel, mode="valid")),
            "equals scipy.signal.convolve2d(image, kernel, mode='valid')",
            "the values differ from a true convolution (scipy.signal.convolve2d)",
            hint="y[i, j] = sum over u, v of kernel[kh-1-u, kw-1-v] * image[i+u, j+v]",
        )
    return check.result


# --- q3: a fully convolutional classifier, in PyTorch or Keras --------------------------------

MAX_PARAMETERS = 20_000
TRAIN_STEPS, BATCH = 100, 32


def _framework(model: Any) -> str | None:
    if "torch" in sys.modules and isinstance(model, sys.modules["torch"].nn.Module):
        return "torch"
    if "keras" in sys.modules and isinstance(model, sys.modules["keras"].Model):
        return "keras"
    return None


def _predict(model: Any, framework: str, images: np.ndarray) -> np.ndarray:
    """Logits for images (N, H, W), as a NumPy array."""
    if framework == "torch":
        import torch

        model.eval()
        with torch.no_grad():
            return model(torch.from_numpy(images[:, None].astype(np.float32))).numpy()
    return np.asarray(model(images[..., None].astype(np.float32), training=False))


def _train(model: Any, framework: str, x: np.ndarray, y: np.ndarray) -> None:
    """TRAIN_STEPS steps of Adam (learning rate 3e-3) on random batches of BATCH images."""
    order = np.random.default_rng(0).integers(0, len(x), size=(TRAIN_STEPS, BATCH))
    if framework == "torch":
        import torch

        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        model.train()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # small models train faster on one thread (restored below)
        try:
            for batch in order:
                loss = torch.nn.functional.cross_entropy(
                    model(torch.from_numpy(x[batch, None])), torch.from_numpy(y[batch])
                )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        finally:
            torch.set_num_threads(threads)
    else:
        import keras

        model.compile(
            optimizer=keras.optimizers.Adam(3e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        )
        batches = order.reshape(-1)
        model.fit(x[batches, ..., None], y[batches], batch_size=BATCH, epochs=1, shuffle=False, verbose=0)


def q3(build_classifier: Callable[[], Any]) -> CheckResult:
    """Check ``build_classifier()``: a PyTorch module or Keras model with at most 20,000 parameters
    that maps digit images of any size to 10 logits, and learns.

    The check builds the model (with seed 0), feeds it 28x28, 40x40 and 56x56 images (channels
    first for PyTorch, channels last for Keras), then trains it for 100 steps of Adam on
    MNIST-5k digits and checks that the training loss falls.
    """
    import course_lib

    with Check("Exercise 3", "build_classifier") as check:
        check.require(
            callable(build_classifier),
            "pass your function itself, not its result",
            hint="call check.q3(build_classifier), without parentheses",
        )
        course_lib.set_seed(0)
        model = build_classifier()
        framework = _framework(model)
        check.require(
            framework is not None,
            f"it returned a {type(model).__name__}, not a PyTorch nn.Module or a Keras Model",
            hint="end build_classifier with `return model`",
        )
        if framework == "torch":
            n_params = sum(p.numel() for p in model.parameters())
        else:
            model.build((None, None, None, 1)) if not model.built else None
            n_params = model.count_params()
        check.expect(
            n_params <= MAX_PARAMETERS,
            f"{n_params:,} parameters, within the {MAX_PARAMETERS:,} allowed",
            f"{n_params:,} parameters, more than the {MAX_PARAMETERS:,} allowed",
            hint="fewer channels, or a 1x1 convolution to 10 channels instead of a dense layer",
        )
        rng = np.random.default_rng(0)
        for size in (28, 40, 56):
            try:
                out = _predict(model, framework, rng.random((2, size, size)))
            except Exception as error:  # the typical failure: Flatten + Dense on a new size
                first_line = (str(error).strip().splitlines() or [""])[0][:120]
                check.stop(
                    f"it fails on {size}x{size} images ({type(error).__name__}: {first_line})",
                    hint="Flatten + Dense needs one input size; end with a 1x1 convolution to 10 "
                    "channels and a global pooling over height and width",
                )
            check.require(
                out.shape == (2, 10),
                f"{size}x{size} images give output shape {out.shape}, expected (2, 10)",
                hint="pool over height and width and drop those axes (e.g. flatten after a global pooling)",
            )
        check.ok("10 logits per image for 28x28, 40x40 and 56x56 inputs")
        check.require(not check.result.wrong, "not trained yet: the check trains the model once the parts above pass")
        (x_train, y_train), _ = course_lib.load_mnist_5k(normalize=True)
        x_train, y_train = x_train.astype(np.float32), y_train.astype(np.int64)
        start = cross_entropy(_predict(model, framework, x_train[:500]), y_train[:500])
        _train(model, framework, x_train, y_train)
        end = cross_entropy(_predict(model, framework, x_train[:500]), y_train[:500])
        check.expect(
            end < 0.9 * start,
            f"its training loss falls by more than 10% over {TRAIN_STEPS} steps of Adam",
            f"its training loss fell by less than 10% over {TRAIN_STEPS} steps of Adam ({start:.2f} at the start, "
            f"{end:.2f} at the end)",
            hint="ReLU after each 3x3 convolution, and output logits (no softmax at the end)",
        )
    return check.result

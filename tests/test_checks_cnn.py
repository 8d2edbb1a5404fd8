"""Unit tests of course_lib.checks.cnn: right answers pass, typical mistakes get their message."""

import keras
import numpy as np
import pytest
import torch
from check_helpers import run_check
from scipy.signal import convolve2d, correlate2d
from torch import nn

from course_lib.checks import cnn as check

# --- q1: kernel layouts ------------------------------------------------------------------------


def test_q1_right(capsys):
    result, _ = run_check(capsys, check.q1, lambda w: np.transpose(w, (2, 3, 1, 0)))
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda w: w.transpose(3, 2, 1, 0), "expected (3, 4, 2, 5)"),
        (lambda w: w.reshape(w.shape[2], w.shape[3], w.shape[1], w.shape[0]), "reshape keeps the memory order"),
        (lambda w: w.transpose(2, 3, 0, 1), "expected (3, 4, 2, 5)"),
    ],
)
def test_q1_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q1, wrong)
    assert not result and message in printed and "Hint:" in printed


def test_q1_spatial_axes_swapped_on_square_kernels(capsys):
    def swapped_when_square(w):  # right for the non-square kernel, mirrored for the square one
        return w.transpose(3, 2, 1, 0) if w.shape[2] == w.shape[3] else w.transpose(2, 3, 1, 0)

    result, printed = run_check(capsys, check.q1, swapped_when_square)
    assert not result and "rows and columns are swapped" in printed


# --- q2: true convolution ----------------------------------------------------------------------


def test_q2_right(capsys):
    result, _ = run_check(capsys, check.q2, lambda image, kernel: convolve2d(image, kernel, mode="valid"))
    assert result


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda image, kernel: correlate2d(image, kernel, mode="valid"), "the kernel is not flipped"),
        (lambda image, kernel: correlate2d(image, kernel[::-1], mode="valid"), "along one axis only"),
        (lambda image, kernel: convolve2d(image, kernel, mode="same"), "expected (5, 6)"),
        (lambda image, kernel: convolve2d(image, kernel, mode="valid") + 1, "differ from a true convolution"),
    ],
)
def test_q2_wrong(capsys, wrong, message):
    result, printed = run_check(capsys, check.q2, wrong)
    assert not result and message in printed


# --- q3: a fully convolutional classifier ------------------------------------------------------


def torch_fcn(head=()):
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 10, 1),
        nn.AdaptiveMaxPool2d(1),
        *head,
    )


def test_q3_right_in_pytorch(capsys):
    result, printed = run_check(capsys, check.q3, lambda: torch_fcn([nn.Flatten()]))
    assert result and "6,218 parameters" in printed and "loss falls" in printed


def test_q3_right_in_keras(capsys):
    def build():
        return keras.Sequential(
            [
                keras.Input((None, None, 1)),
                keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                keras.layers.MaxPooling2D(),
                keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                keras.layers.Conv2D(10, 1),
                keras.layers.GlobalMaxPooling2D(),
            ]
        )

    result, _ = run_check(capsys, check.q3, build)
    assert result


def test_q3_flatten_and_dense_fails_on_other_sizes(capsys):
    def classic():
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(8 * 7 * 7, 10)
        )

    result, printed = run_check(capsys, check.q3, classic)
    assert not result and "fails on 40x40 images" in printed and "global pooling" in printed


def test_q3_too_many_parameters(capsys):
    def big():
        return nn.Sequential(
            nn.Conv2d(1, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 10, 1),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )

    result, printed = run_check(capsys, check.q3, big)
    assert not result and "more than the 20,000 allowed" in printed and "not trained yet" in printed


def test_q3_output_not_flattened(capsys):
    result, printed = run_check(capsys, check.q3, torch_fcn)
    assert not result and "output shape (2, 10, 1, 1), expected (2, 10)" in printed


def test_q3_softmax_output_does_not_learn(capsys):
    result, printed = run_check(capsys, check.q3, lambda: torch_fcn([nn.Flatten(), nn.Softmax(dim=1)]))
    assert not result and "fell by less than 10%" in printed and "no softmax" in printed


def test_q3_not_a_model(capsys):
    result, printed = run_check(capsys, check.q3, lambda: torch.zeros(3))
    assert not result and "not a PyTorch nn.Module or a Keras Model" in printed

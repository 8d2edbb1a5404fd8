"""The moving-digits videos of course_lib: shapes, determinism, conserved ink, motion, errors."""

import numpy as np
import pytest

from course_lib.moving_digits import make_moving_digits


@pytest.fixture(scope="module")
def digits():
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, size=(6, 28, 28)).astype(np.float32)
    images[:, :4] = 0.0  # blank rows, like MNIST's margins
    return images


def test_shape_dtype_and_range(digits):
    videos = make_moving_digits(digits, 7, frames=5, size=24, seed=3)
    assert videos.shape == (7, 5, 24, 24) and videos.dtype == np.float32
    assert videos.min() >= 0.0 and videos.max() <= 1.0


def test_same_seed_same_videos_other_seed_other_videos(digits):
    a = make_moving_digits(digits, 5, seed=1)
    assert np.array_equal(a, make_moving_digits(digits, 5, seed=1))
    assert not np.array_equal(a, make_moving_digits(digits, 5, seed=2))


def test_ink_is_conserved_and_stays_on_the_canvas(digits):
    videos = make_moving_digits(digits, 50, frames=30, size=32, seed=0, speed=(3.0, 6.0))
    ink = videos.sum(axis=(2, 3))
    # 30 frames at 3-6 pixels per frame on a canvas with 18 pixels of room: every video bounces
    assert np.allclose(ink, ink[:, :1], rtol=1e-5)
    # the frame holds the whole shrunk digit: its ink equals the digit's mean over 2 x 2 blocks
    digit_ink = digits.reshape(6, 14, 2, 14, 2).mean(axis=(2, 4)).sum(axis=(1, 2))
    assert np.isin(np.round(ink[:, 0], 3), np.round(digit_ink, 3)).all()


def test_the_digit_moves_at_constant_speed_between_bounces():
    square = np.zeros((1, 4, 4), dtype=np.float32)
    square[0] = 1.0  # a 4 x 4 block of ink: its top-left corner is easy to find
    videos = make_moving_digits(square, 20, frames=12, size=16, seed=0, downscale=1, speed=(1.0, 2.0))
    corners = np.array([[np.argwhere(frame)[0] for frame in video] for video in videos])  # (20, 12, 2)
    steps = np.abs(np.diff(corners, axis=1))
    assert steps.max() <= 3  # |velocity| <= 2 per axis, plus rounding
    assert (corners >= 0).all() and (corners <= 12).all()
    assert (steps.sum(axis=2) > 0).mean() > 0.9  # it moves in (almost) every frame


def test_a_uint8_image_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="divide uint8 images by 255"):
        make_moving_digits(np.full((2, 28, 28), 255, dtype=np.uint8), 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": np.zeros((28, 28))}, r"shape \(n, height, width\)"),
        ({"images": np.zeros((0, 28, 28))}, "empty"),
        ({"n_sequences": 0}, "n_sequences must be an integer of at least 1"),
        ({"frames": 1}, "frames must be an integer of at least 2"),
        ({"frames": 2.5}, "frames must be an integer"),
        ({"downscale": 3}, "divisible by downscale=3"),
        ({"size": 14}, "must be smaller than the canvas"),
        ({"speed": (3.0, 1.0)}, "low <= high"),
        ({"speed": (1.0, 30.0)}, "room the digit has to move"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    arguments = {"images": np.zeros((2, 28, 28)), "n_sequences": 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_moving_digits(**arguments)


def test_labels_name_the_digit_of_each_video_and_do_not_change_the_videos():
    digits = np.zeros((3, 28, 28), dtype=np.float32)
    for k in range(3):
        digits[k, 8:16, 8:16] = (k + 1) / 3  # digit k has ink (k + 1) / 3 per lit pixel
    videos, labels = make_moving_digits(digits, 20, frames=3, seed=4, labels=np.array([10, 11, 12]))
    assert np.array_equal(videos, make_moving_digits(digits, 20, frames=3, seed=4))
    which = np.rint(videos[:, 0].max(axis=(1, 2)) * 3).astype(int) - 1  # the digit shown, from its ink
    assert labels.shape == (20,) and np.array_equal(labels, which + 10)


def test_labels_of_the_wrong_length_are_refused(digits):
    with pytest.raises(ValueError, match="one entry per image"):
        make_moving_digits(digits, 5, labels=np.arange(5))

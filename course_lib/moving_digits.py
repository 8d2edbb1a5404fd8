"""Moving digits: short videos of one digit gliding and bouncing on a small canvas.

A toy video data set in the spirit of Moving MNIST (Srivastava et al., 2015),
made from any stack of digit images: each sequence shows one digit, shrunk by
block averaging, moving at a constant velocity and bouncing off the walls.
The digit is pasted at whole-pixel positions, so every frame holds exactly the
same ink and the digit never leaves the canvas.

Example
-------
>>> import numpy as np
>>> from course_lib.moving_digits import make_moving_digits
>>> digits = np.zeros((3, 28, 28), dtype=np.float32)
>>> digits[:, 10:18, 12:16] = 1.0  # three "digits": a bar of 8 x 4 ink
>>> videos = make_moving_digits(digits, 5, frames=6, size=32, seed=0)
>>> videos.shape, videos.dtype
((5, 6, 32, 32), dtype('float32'))
>>> videos.sum(axis=(2, 3))[0].tolist()  # the ink of each frame: 2 x 4 x 1 after halving
[8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
"""

from __future__ import annotations

import numpy as np


def _bounce(position: np.ndarray, velocity: np.ndarray, limit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of motion in [0, limit], reflecting off both walls (elementwise)."""
    position = position + velocity
    low, high = position < 0, position > limit
    position = np.where(low, -position, np.where(high, 2 * limit - position, position))
    velocity = np.where(low | high, -velocity, velocity)
    return position, velocity


def make_moving_digits(
    images: np.ndarray,
    n_sequences: int,
    frames: int = 10,
    size: int = 32,
    seed: int = 0,
    downscale: int = 2,
    speed: tuple[float, float] = (2.0, 3.5),
    labels: np.ndarray | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Videos of one digit moving at constant velocity and bouncing off the walls.

    Parameters
    ----------
    images:
        Digit images of shape ``(n, height, width)`` with values in [0, 1], for
        example ``load_mnist_5k(normalize=True)[0][0]``. Each sequence shows
        one of them, drawn at random.
    n_sequences:
        Number of videos to make.
    frames:
        Frames per video (at least 2).
    size:
        Side of the square canvas in pixels.
    seed:
        Seed of the random choices (digit, start position, direction, speed):
        the same seed gives the same videos.
    downscale:
        The digits are shrunk by averaging blocks of ``downscale`` x
        ``downscale`` pixels (28 x 28 MNIST digits become 14 x 14 with the
        default 2); 1 keeps them as they are.
    speed:
        Range ``(low, high)`` of the speed in pixels per frame; each video
        draws a speed uniformly in this range and a uniformly random direction.
    labels:
        Optional labels of ``images``, one per image. If given, the label of
        the digit shown in each video is returned too.

    Returns
    -------
    ``float32`` array of shape ``(n_sequences, frames, size, size)`` with
    values in [0, 1]; with ``labels``, the pair ``(videos, video_labels)``
    where ``video_labels`` has shape ``(n_sequences,)``. The videos do not
    depend on whether ``labels`` is given.

    >>> make_moving_digits(np.zeros((2, 28, 28)), 4, frames=3, size=20).shape
    (4, 3, 20, 20)
    >>> make_moving_digits(np.zeros((2, 28, 28)), 4, size=12)
    Traceback (most recent call last):
    ...
    ValueError: the digits (14 x 14 after downscaling by 2) must be smaller than the canvas (12 x 12)
    >>> videos, video_labels = make_moving_digits(np.zeros((2, 28, 28)), 4, labels=np.array([7, 3]))
    >>> video_labels.shape, set(video_labels.tolist()) <= {3, 7}
    ((4,), True)
    """
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (n, height, width), got shape {images.shape}")
    if len(images) == 0:
        raise ValueError("images is empty")
    if not np.issubdtype(images.dtype, np.number) or images.min() < 0 or images.max() > 1:
        raise ValueError("images must hold numbers in [0, 1]; divide uint8 images by 255 first")
    for name, value, least in (
        ("n_sequences", n_sequences, 1),
        ("frames", frames, 2),
        ("size", size, 1),
        ("downscale", downscale, 1),
    ):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < least:
            raise ValueError(f"{name} must be an integer of at least {least}, got {value!r}")
    n, height, width = images.shape
    if height % downscale or width % downscale:
        raise ValueError(f"the digits ({height} x {width}) must be divisible by downscale={downscale}")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(f"labels must have one entry per image, shape ({n},), got shape {labels.shape}")
    low_speed, high_speed = speed
    if not 0 <= low_speed <= high_speed:
        raise ValueError(f"speed must be a range (low, high) with 0 <= low <= high, got {speed!r}")

    h, w = height // downscale, width // downscale
    if h >= size or w >= size:
        raise ValueError(
            f"the digits ({h} x {w} after downscaling by {downscale}) must be smaller than the canvas ({size} x {size})"
        )
    if high_speed > min(size - h, size - w):
        raise ValueError(
            f"speed must stay below the room the digit has to move ({min(size - h, size - w)} pixels), got {speed!r}"
        )
    digits = images.astype(np.float32).reshape(n, h, downscale, w, downscale).mean(axis=(2, 4))

    rng = np.random.default_rng(seed)
    which = rng.integers(0, n, size=n_sequences)
    limit = np.array([size - h, size - w])  # largest top-left corner, per axis
    position = rng.uniform(0, 1, size=(n_sequences, 2)) * limit
    angle = rng.uniform(0, 2 * np.pi, size=n_sequences)
    velocity = rng.uniform(low_speed, high_speed, size=n_sequences)[:, None] * np.stack(
        [np.sin(angle), np.cos(angle)], axis=1
    )

    videos = np.zeros((n_sequences, frames, size, size), dtype=np.float32)
    for t in range(frames):
        top_left = np.clip(np.rint(position).astype(int), 0, limit)
        for i, (row, col) in enumerate(top_left):
            videos[i, t, row : row + h, col : col + w] = digits[which[i]]
        position, velocity = _bounce(position, velocity, limit)
    return videos if labels is None else (videos, labels[which])

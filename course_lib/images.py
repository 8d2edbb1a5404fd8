"""Photographs and textures for the image chapters (style transfer, super-resolution).

The images ship inside scikit-image (``skimage.data``), so they load with no
network. All of them are public domain or CC0; :data:`IMAGES` records where
each comes from, and the book's credits page lists them.

Example
-------
>>> from course_lib.images import load_image
>>> image = load_image("chelsea", size=64)
>>> image.shape, image.dtype, float(image.min()) >= 0.0, float(image.max()) <= 1.0
((64, 64, 3), dtype('float32'), True, True)
"""

from __future__ import annotations

import difflib

import numpy as np

# name -> (what it shows, credit and licence, as given in scikit-image's docstrings)
IMAGES: dict[str, tuple[str, str]] = {
    "astronaut": ("portrait of astronaut Eileen Collins", "NASA; public domain"),
    "camera": ("a man with a camera on a tripod", "Lav Varshney; CC0"),
    "chelsea": ("Chelsea the cat", "Stefan van der Walt; CC0"),
    "coffee": ("a cup of coffee", "Rachel Michetti (Pikolo Espresso Bar); CC0"),
    "rocket": ("launch of DSCOVR on a Falcon 9", "SpaceX; public domain"),
    "horse": ("silhouette of a horse", "Andreas Preuss; CC0"),
    "text": ("photograph of handwritten text", "public domain"),
    "brick": ("a brick wall (texture)", "CC0Textures, Bricks25; CC0"),
    "grass": ("grass (texture)", "CC0Textures; CC0"),
    "gravel": ("gravel (texture)", "CC0Textures, Gravel04; CC0"),
}


def available_images() -> list[str]:
    """Names accepted by :func:`load_image`.

    >>> available_images()[:3]
    ['astronaut', 'brick', 'camera']
    """
    return sorted(IMAGES)


def _center_square(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    return image[top : top + side, left : left + side]


def load_image(name: str, size: int | None = None, gray: bool = False) -> np.ndarray:
    """Load one of scikit-image's bundled images as float32 in [0, 1].

    Parameters
    ----------
    name:
        One of :func:`available_images`.
    size:
        If given, crop the central square and resize it to ``size`` x ``size``
        pixels (area averaging when shrinking, bicubic when enlarging);
        otherwise return the full image.
    gray:
        Return a single-channel ``(H, W)`` image (ITU-R 601 luma) instead of
        ``(H, W, 3)`` RGB. Gray images asked for in colour are repeated over
        three channels.

    >>> load_image("camera", size=32, gray=True).shape
    (32, 32)
    >>> load_image("chelsey")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown image 'chelsey'; did you mean 'chelsea'? Available: astronaut, brick, camera, chelsea, ..., text
    """
    if name not in IMAGES:
        close = difflib.get_close_matches(name, IMAGES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(f"unknown image {name!r}{hint} Available: {', '.join(available_images())}")
    if size is not None and (not isinstance(size, (int, np.integer)) or size < 8):
        raise ValueError(f"size must be an integer of at least 8 pixels, got {size!r}")

    from skimage import data, transform  # imported here: scikit-image is slow to import

    image = np.asarray(getattr(data, name)())
    if image.dtype == bool:  # the horse is a binary silhouette
        image = image.astype(np.float32)
    elif image.dtype != np.float32:
        image = image.astype(np.float32) / 255.0
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]

    if size is not None:
        image = _center_square(image)
        order = 3 if size > image.shape[0] else 1
        image = transform.resize(image, (size, size), order=order, anti_aliasing=size < image.shape[0])

    if gray and image.ndim == 3:
        image = image @ np.array([0.299, 0.587, 0.114])
    elif not gray and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.clip(image, 0.0, 1.0).astype(np.float32)

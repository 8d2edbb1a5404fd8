"""course_lib.images: scikit-image's bundled photographs, loaded offline."""

from pathlib import Path

import pytest

from course_lib.images import IMAGES, available_images, load_image

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", available_images())
def test_every_image_loads_in_range(name):
    image = load_image(name, size=64)
    assert image.shape == (64, 64, 3)
    assert image.dtype == "float32"
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.std() > 0.01, f"{name} came back flat"


def test_full_size_and_gray():
    assert load_image("coffee").shape == (400, 600, 3)
    gray = load_image("coffee", gray=True)
    assert gray.shape == (400, 600)
    # A gray image asked for in colour is repeated over three identical channels.
    camera = load_image("camera", size=32)
    assert (camera[..., 0] == camera[..., 2]).all()


def test_enlarging_and_shrinking_keep_the_picture():
    small = load_image("astronaut", size=32, gray=True)
    big = load_image("astronaut", size=64, gray=True)
    # Averaging 2x2 blocks of the larger image gives back roughly the smaller one.
    pooled = big.reshape(32, 2, 32, 2).mean(axis=(1, 3))
    assert abs(pooled - small).mean() < 0.05


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "chelsey"}, "did you mean 'chelsea'"),
        ({"name": "lena"}, "unknown image 'lena'"),
        ({"name": "camera", "size": 4}, "at least 8 pixels"),
        ({"name": "camera", "size": 32.5}, "must be an integer"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_image(**kwargs)


def test_credits_page_lists_every_image():
    credits = (ROOT / "book" / "credits.md").read_text(encoding="utf-8")
    missing = [name for name in IMAGES if f"`{name}`" not in credits]
    assert not missing, f"book/credits.md does not credit: {missing}"

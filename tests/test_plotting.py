import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.plotting import image_grid, plot_history, set_style, to_numpy_images


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((4, 28, 28), (4, 28, 28)),
        ((4, 28, 28, 1), (4, 28, 28)),
        ((4, 1, 28, 28), (4, 28, 28)),
        ((4, 3, 8, 8), (4, 8, 8, 3)),
        ((4, 8, 8, 3), (4, 8, 8, 3)),
        ((4, 64), (4, 8, 8)),
    ],
)
def test_layouts(shape, expected):
    assert to_numpy_images(np.zeros(shape)).shape == expected


def test_torch_tensor_is_accepted():
    torch = pytest.importorskip("torch")
    images = torch.zeros(2, 1, 5, 5, requires_grad=True)
    assert to_numpy_images(images).shape == (2, 5, 5)


@pytest.mark.parametrize("shape", [(4, 63), (28, 28, 5, 5), (4, 2, 8, 8), (4,)])
def test_bad_shapes_are_named(shape):
    with pytest.raises(ValueError, match=r"got shape"):
        to_numpy_images(np.zeros(shape))


def test_image_grid_layout_and_labels():
    set_style()
    fig = image_grid(np.random.rand(7, 8, 8), labels=list("abcdefg"), ncols=3)
    assert len(fig.axes) == 7
    assert [ax.get_title() for ax in fig.axes] == list("abcdefg")
    plt.close(fig)


def test_image_grid_errors():
    with pytest.raises(ValueError, match="3 images but 2 labels"):
        image_grid(np.zeros((3, 4, 4)), labels=[1, 2])
    with pytest.raises(ValueError, match="at least one image"):
        image_grid(np.zeros((0, 4, 4)))


def test_plot_history_pairs_validation_curves():
    fig = plot_history({"loss": [3, 2, 1], "val_loss": [3, 2.5, 2], "accuracy": [0.1, 0.5, 0.9]})
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 1
    plt.close(fig)


def test_plot_history_errors():
    with pytest.raises(ValueError, match="non-empty mapping"):
        plot_history({})
    with pytest.raises(ValueError, match=r"\['acc'\] are not in the history"):
        plot_history({"loss": [1]}, metrics=["acc"])

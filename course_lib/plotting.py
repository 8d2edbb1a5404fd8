"""Figures used throughout the course: image grids and training curves.

Example
-------
>>> import numpy as np
>>> from course_lib.plotting import image_grid
>>> fig = image_grid(np.zeros((12, 28, 28)), ncols=6)
>>> len(fig.axes)
12
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "image.cmap": "gray",
}


def set_style() -> None:
    """Apply the course's matplotlib style (light grid, no top/right spines, grey images)."""
    plt.rcParams.update(STYLE)


def to_numpy_images(images: Any) -> np.ndarray:
    """Turn a batch of images into a float array of shape ``(n, h, w)`` or ``(n, h, w, 3)``.

    Accepts NumPy arrays, PyTorch or TensorFlow tensors, channels-first
    ``(n, c, h, w)`` or channels-last ``(n, h, w, c)`` with one or three
    channels, and a flat ``(n, side*side)`` batch of square images.

    >>> to_numpy_images(np.zeros((5, 1, 28, 28))).shape
    (5, 28, 28)
    >>> to_numpy_images(np.zeros((5, 784))).shape
    (5, 28, 28)
    """
    if hasattr(images, "detach"):  # torch.Tensor
        images = images.detach().cpu().numpy()
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(f"a 2-D batch must hold flattened square images, got shape {arr.shape}")
        return arr.reshape(-1, side, side)
    if arr.ndim == 3:
        return arr
    if arr.ndim == 4:
        if arr.shape[-1] in (1, 3):
            return arr[..., 0] if arr.shape[-1] == 1 else arr
        if arr.shape[1] in (1, 3):
            return arr[:, 0] if arr.shape[1] == 1 else arr.transpose(0, 2, 3, 1)
    raise ValueError(
        "images must have shape (n, h, w), (n, h, w, c) or (n, c, h, w) with c in {1, 3}, "
        f"or (n, side*side); got shape {arr.shape}"
    )


def image_grid(
    images: Any,
    labels: Sequence[Any] | None = None,
    ncols: int = 10,
    size: float = 1.0,
    title: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> plt.Figure:
    """Show a batch of images in a grid, optionally with a label above each.

    Parameters
    ----------
    images
        A batch in any layout :func:`to_numpy_images` accepts.
    labels
        One label per image, or ``None``.
    ncols
        Images per row.
    size
        Inches per image.
    vmin, vmax
        Grey-level range; by default each image is scaled to its own range.
    """
    arr = to_numpy_images(images)
    n = len(arr)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    if ncols < 1:
        raise ValueError(f"ncols must be at least 1, got {ncols}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    label_room = 0.25 if labels is not None else 0.0
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * (size + label_room)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            fig.delaxes(ax)
            continue
        ax.imshow(arr[i], cmap="gray" if arr.ndim == 3 else None, vmin=vmin, vmax=vmax)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.2)
    return fig


def plot_history(
    history: Any,
    metrics: Sequence[str] | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Plot training curves, one panel per metric, with ``val_`` curves beside their twin.

    Parameters
    ----------
    history
        A mapping of metric name to a list of values per epoch (or step), or
        a Keras ``History`` object (its ``.history`` is used).
    metrics
        Which metrics to plot (without the ``val_`` prefix); all by default.

    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]})
    >>> [ax.get_title() for ax in fig.axes]
    ['loss']
    """
    record: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    if not isinstance(record, Mapping) or not record:
        raise ValueError("history must be a non-empty mapping of metric name to values, or a Keras History")
    names = list(metrics) if metrics is not None else [k for k in record if not k.startswith("val_")]
    missing = [m for m in names if m not in record]
    if missing:
        raise ValueError(f"metrics {missing} are not in the history; it has {sorted(record)}")
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
    for ax, name in zip(axes.flat, names):
        steps = np.arange(1, len(record[name]) + 1)
        ax.plot(steps, record[name], label="train")
        if f"val_{name}" in record:
            ax.plot(np.arange(1, len(record[f"val_{name}"]) + 1), record[f"val_{name}"], label="validation")
            ax.legend()
        ax.set_title(name)
        ax.set_xlabel("epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig

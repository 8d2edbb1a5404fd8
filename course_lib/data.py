"""Offline-first datasets for the course.

Every loader here works with no network: the data either ships inside
``course_lib`` (``course_lib/data/``) or inside a package the course depends
on (scikit-learn). Splits are fixed: the same call returns the same arrays on
every machine, whatever global seed a notebook has set.

Datasets (see :func:`available_datasets`):

``mnist_5k``
    5,000 real MNIST digits, 500 per class. Fixed stratified split:
    4,000 train / 1,000 test (100 test digits per class).
``digits``
    scikit-learn's 1,797 8x8 handwritten digits. Fixed stratified split:
    1,437 train / 360 test.
``tiny_shakespeare``
    1,115,394 characters of Shakespeare. Fixed contiguous split: the first
    90% for training, the last 10% for validation.
``mnist``, ``fashion_mnist``
    The full 70,000-image sets. These need a network the first time; see
    :mod:`course_lib.download`.

Example
-------
>>> from course_lib.data import load_mnist_5k
>>> (x_train, y_train), (x_test, y_test) = load_mnist_5k()
>>> x_train.shape, x_train.dtype, y_test.shape
((4000, 28, 28), dtype('uint8'), (1000,))
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

from course_lib.download import DataIntegrityError, load_fashion_mnist, load_full_mnist, sha256_of

DATA_DIR = Path(__file__).parent / "data"

# sha256 of every file bundled in course_lib/data (see data/README.md).
BUNDLED_SHA256 = {
    "mnist_5k.npz": "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4",
    "tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    # Weights of the GAN chapter's generator (scripts/train_gan.py).
    "gan_generator.npz": "5670659ee07e382acbf6407b122cf8ef889dceacb7dfa33632bf78fce5a99f3b",
}

# The split seed is fixed and independent of any seed a notebook sets, so that
# "the test set" means the same 1,000 digits everywhere in the course.
_SPLIT_SEED = 20240601

ArrayPair = tuple[np.ndarray, np.ndarray]


def bundled_path(filename: str) -> Path:
    """Path of a file bundled with course_lib, checked against its sha256.

    Raises :class:`DataIntegrityError` if the file is missing or corrupted,
    so a damaged installation is reported instead of producing wrong results.
    """
    if filename not in BUNDLED_SHA256:
        raise ValueError(
            f"{filename!r} is not a bundled data file; bundled files are {sorted(BUNDLED_SHA256)}"
        )
    path = DATA_DIR / filename
    if not path.is_file():
        raise DataIntegrityError(
            f"bundled data file {path} is missing; reinstall course_lib (pip install -e .)"
        )
    actual = sha256_of(path)
    if actual != BUNDLED_SHA256[filename]:
        raise DataIntegrityError(
            f"bundled data file {path} is corrupted (sha256 {actual[:12]}..., expected "
            f"{BUNDLED_SHA256[filename][:12]}...); restore it with `git checkout -- {path.name}` "
            "in course_lib/data or reinstall course_lib"
        )
    return path


def stratified_split(labels: np.ndarray, test_per_class: int, seed: int = _SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a stratified train/test split with ``test_per_class`` test items per class.

    Both index arrays come in a fixed shuffled order, so any slice of the
    result (``x_train[:1000]``) holds every class in about equal measure,
    even when the data on disk is sorted by class, as MNIST-5k is.

    >>> train_idx, test_idx = stratified_split(np.array([0, 0, 1, 1, 1]), test_per_class=1)
    >>> len(train_idx), len(test_idx)
    (3, 2)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, got shape {labels.shape}")
    rng = np.random.default_rng(seed)
    test = []
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        if len(members) <= test_per_class:
            raise ValueError(
                f"class {cls} has {len(members)} items, too few for {test_per_class} test items"
            )
        test.append(rng.choice(members, size=test_per_class, replace=False))
    test_idx = np.concatenate(test)
    train_idx = np.setdiff1d(np.arange(len(labels)), test_idx)
    return rng.permutation(train_idx), rng.permutation(test_idx)


def _as_float(images: np.ndarray, scale: float) -> np.ndarray:
    return (images.astype(np.float32) / scale).astype(np.float32)


@lru_cache(maxsize=1)
def _mnist_5k_arrays() -> ArrayPair:
    with np.load(bundled_path("mnist_5k.npz")) as data:
        return data["images"], data["labels"]


def load_mnist_5k(normalize: bool = False) -> tuple[ArrayPair, ArrayPair]:
    """The course's MNIST subset with its fixed 4,000 / 1,000 split.

    Parameters
    ----------
    normalize
        ``False`` (default): images are ``uint8`` in 0..255.
        ``True``: images are ``float32`` in [0, 1].

    Returns
    -------
    ``(x_train, y_train), (x_test, y_test)`` with images of shape
    ``(n, 28, 28)`` and ``uint8`` labels of shape ``(n,)``, 400 train and
    100 test images per class.

    >>> (x_train, y_train), (x_test, y_test) = load_mnist_5k(normalize=True)
    >>> float(x_train.max()), x_train.dtype
    (1.0, dtype('float32'))
    """
    images, labels = _mnist_5k_arrays()
    train_idx, test_idx = stratified_split(labels, test_per_class=100)
    x = _as_float(images, 255.0) if normalize else images.copy()
    return (x[train_idx], labels[train_idx].copy()), (x[test_idx], labels[test_idx].copy())


def load_digits(normalize: bool = False) -> tuple[ArrayPair, ArrayPair]:
    """scikit-learn's 8x8 digits with a fixed 1,437 / 360 split (36 test images per class).

    Parameters
    ----------
    normalize
        ``False`` (default): ``float64`` pixel intensities in 0..16, as
        scikit-learn ships them. ``True``: ``float32`` in [0, 1].

    Returns
    -------
    ``(x_train, y_train), (x_test, y_test)``, images of shape ``(n, 8, 8)``,
    integer labels of shape ``(n,)``.

    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_test.shape
    ((1437, 8, 8), (360, 8, 8))
    """
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images, labels = bunch.images, bunch.target
    train_idx, test_idx = stratified_split(labels, test_per_class=36)
    x = _as_float(images, 16.0) if normalize else images
    return (x[train_idx], labels[train_idx]), (x[test_idx], labels[test_idx])


@lru_cache(maxsize=1)
def _shakespeare_text() -> str:
    return bundled_path("tinyshakespeare.txt").read_text(encoding="utf-8")


def load_tiny_shakespeare(split: str = "all") -> str:
    """Tiny Shakespeare as one string.

    Parameters
    ----------
    split
        ``"all"`` (1,115,394 characters), ``"train"`` (the first 90%) or
        ``"val"`` (the last 10%). The split is contiguous, so validation text
        is a passage the model has never seen, not shuffled lines.

    >>> text = load_tiny_shakespeare()
    >>> len(text), len(set(text))
    (1115394, 65)
    >>> text[:14]
    'First Citizen:'
    """
    text = _shakespeare_text()
    cut = int(0.9 * len(text))
    splits = {"all": text, "train": text[:cut], "val": text[cut:]}
    if split not in splits:
        raise ValueError(f"split must be one of {list(splits)}, got {split!r}")
    return splits[split]


_LOADERS: dict[str, Callable[..., Any]] = {
    "mnist_5k": load_mnist_5k,
    "digits": load_digits,
    "tiny_shakespeare": load_tiny_shakespeare,
    # These two download on first use (see course_lib.download).
    "mnist": load_full_mnist,
    "fashion_mnist": load_fashion_mnist,
}


def available_datasets() -> list[str]:
    """Names accepted by :func:`load_dataset`.

    >>> available_datasets()
    ['digits', 'fashion_mnist', 'mnist', 'mnist_5k', 'tiny_shakespeare']
    """
    return sorted(_LOADERS)


def register_dataset(name: str, loader: Callable[..., Any]) -> None:
    """Make ``loader`` available as ``load_dataset(name)``.

    Chapters that add a dataset (a time series, a music corpus) register it
    here so it is found by name like the built-in ones.
    """
    if not name.isidentifier():
        raise ValueError(f"dataset names must be identifiers, got {name!r}")
    if name in _LOADERS and _LOADERS[name] is not loader:
        raise ValueError(f"a dataset called {name!r} is already registered")
    _LOADERS[name] = loader


def load_dataset(name: str, **kwargs: Any) -> Any:
    """Load a dataset by name; ``kwargs`` go to its loader.

    >>> (x_train, y_train), _ = load_dataset("mnist_5k")
    >>> x_train.shape
    (4000, 28, 28)
    >>> load_dataset("mnist5k")
    Traceback (most recent call last):
    ...
    ValueError: unknown dataset 'mnist5k'; did you mean 'mnist_5k'? Available: digits, fashion_mnist, mnist, mnist_5k, tiny_shakespeare
    """
    if name not in _LOADERS:
        close = difflib.get_close_matches(name, _LOADERS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(
            f"unknown dataset {name!r}{hint} Available: {', '.join(available_datasets())}"
        )
    return _LOADERS[name](**kwargs)

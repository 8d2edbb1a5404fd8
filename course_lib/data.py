"""Offline-first datasets for the course.

Every loader here works with no network: the data either ships inside
``course_lib`` (``course_lib/data/``) or inside a package the course depends
on (scikit-learn, statsmodels). Splits are fixed: the same call returns the same arrays on
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
``co2``, ``sunspots``
    Two real time series shipped with statsmodels: 526 monthly means of
    CO2 at Mauna Loa (1958-2001) and 309 yearly sunspot numbers (1700-2008),
    each split by time into training, validation and a held-out test tail.
``bach_chorales``
    The soprano melodies of 346 Bach chorales (music21's corpus): MIDI
    pitches, durations in sixteenths, fermatas, key. Fixed split by hymn
    tune: 275 train / 35 validation / 36 test chorales.
``mnist1d``
    MNIST-1D (Greydanus 2020): 5,000 one-dimensional "digits", sequences of
    40 numbers, built locally by the ``mnist1d`` package with its fixed seed.
    Its fixed split: 4,000 train / 1,000 test.
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
import random
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from course_lib.download import DataIntegrityError, load_fashion_mnist, load_full_mnist, sha256_of

DATA_DIR = Path(__file__).parent / "data"

# sha256 of every file bundled in course_lib/data (see data/README.md).
BUNDLED_SHA256 = {
    "mnist_5k.npz": "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4",
    "tinyshakespeare.txt": "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
    # Weights of the GAN chapter's generator (scripts/train_gan.py).
    "gan_generator.npz": "5670659ee07e382acbf6407b122cf8ef889dceacb7dfa33632bf78fce5a99f3b",
    # Weights of the VAE chapter's model, encoder and decoder (scripts/train_vae.py).
    "vae_model.npz": "14d66e88df0fc24a036cb6bb34cc05672ed0071965bb18ac27c52c35c194987e",
    # Soprano melodies of Bach's chorales (scripts/extract_chorales.py).
    "bach_chorales.npz": "4b208399cd342ed80ce09439fb6e2f76f026881a35f7909ea987910706aac360",
    # Weights and reference statistics of the digit judge (scripts/train_judge.py).
    "digit_judge.npz": "d2df76ffdd2f6d8c05473143ebbcc99e2584730e673f95321fe28f313dd5c210",
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
        raise ValueError(f"{filename!r} is not a bundled data file; bundled files are {sorted(BUNDLED_SHA256)}")
    path = DATA_DIR / filename
    if not path.is_file():
        raise DataIntegrityError(f"bundled data file {path} is missing; reinstall course_lib (pip install -e .)")
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
            raise ValueError(f"class {cls} has {len(members)} items, too few for {test_per_class} test items")
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
    ['bach_chorales', 'co2', 'digits', 'fashion_mnist', 'mnist', 'mnist1d', 'mnist_5k', 'sunspots', 'tiny_shakespeare']
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
    >>> load_dataset("mnist5k")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown dataset 'mnist5k'; did you mean 'mnist_5k'? Available: bach_chorales, co2, ..., tiny_shakespeare
    """
    if name not in _LOADERS:
        close = difflib.get_close_matches(name, _LOADERS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else "."
        raise ValueError(f"unknown dataset {name!r}{hint} Available: {', '.join(available_datasets())}")
    return _LOADERS[name](**kwargs)


# Time series. Both ship inside statsmodels (a course dependency), so they load
# offline. Their splits are by time: training, then validation, then a held-out
# test tail, so every model is scored on a future it has never seen.

_SERIES_SPLITS = ("all", "train", "val", "test")


def _time_split(dates: np.ndarray, values: np.ndarray, split: str, val_start: str, test_start: str) -> ArrayPair:
    if split not in _SERIES_SPLITS:
        raise ValueError(f"split must be one of {list(_SERIES_SPLITS)}, got {split!r}")
    val, test = np.datetime64(val_start), np.datetime64(test_start)
    masks = {
        "all": np.ones(len(dates), dtype=bool),
        "train": dates < val,
        "val": (dates >= val) & (dates < test),
        "test": dates >= test,
    }
    keep = masks[split]
    return dates[keep].copy(), values[keep].copy()


def _check_series(name: str, dates: np.ndarray, values: np.ndarray, length: int, first: str, last: str) -> None:
    if len(values) != length or str(dates[0]) != first or str(dates[-1]) != last or not np.isfinite(values).all():
        raise DataIntegrityError(
            f"the {name} series from statsmodels is not the expected one ({len(values)} values from "
            f"{dates[0] if len(dates) else None} to {dates[-1] if len(dates) else None}, expected {length} "
            f"from {first} to {last}, all finite); reinstall statsmodels (pip install 'statsmodels>=0.14')"
        )


@lru_cache(maxsize=1)
def _co2_monthly() -> ArrayPair:
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]  # weekly means in ppm, 59 missing weeks
    monthly = weekly.resample("MS").mean().interpolate(method="linear")  # 5 months with no data: interpolated
    dates = monthly.index.to_numpy().astype("datetime64[M]")
    values = monthly.to_numpy(dtype=np.float64)
    _check_series("CO2", dates, values, 526, "1958-03", "2001-12")
    return dates, values


def load_co2(split: str = "all") -> ArrayPair:
    """Monthly mean atmospheric CO2 at Mauna Loa, March 1958 to December 2001.

    The weekly record shipped with statsmodels (``statsmodels.datasets.co2``:
    flask air samples of the Scripps network, Keeling and Whorf 2004, public
    domain) averaged by calendar month. Five months with no weekly value at all (June and October 1958,
    February to April 1964) are filled by linear interpolation between their
    neighbours.

    Parameters
    ----------
    split
        ``"all"`` (526 months), ``"train"`` (March 1958 to December 1989, 382
        months), ``"val"`` (1990 to 1995, 72 months) or ``"test"`` (1996 to
        2001, 72 months). The split is by time, so the test part is a future
        no model has seen.

    Returns
    -------
    ``(dates, ppm)``: ``datetime64[M]`` months and ``float64`` CO2 mole
    fractions in parts per million, both of shape ``(n,)``.

    >>> dates, ppm = load_co2()
    >>> len(dates), str(dates[0]), str(dates[-1]), round(float(ppm[0]), 1)
    (526, '1958-03', '2001-12', 316.1)
    >>> [len(load_co2(split)[1]) for split in ("train", "val", "test")]
    [382, 72, 72]
    """
    dates, values = _co2_monthly()
    return _time_split(dates, values, split, val_start="1990-01", test_start="1996-01")


@lru_cache(maxsize=1)
def _sunspots_yearly() -> ArrayPair:
    from statsmodels.datasets import sunspots

    table = sunspots.load_pandas().data
    dates = np.array([str(int(year)) for year in table["YEAR"]], dtype="datetime64[Y]")
    values = table["SUNACTIVITY"].to_numpy(dtype=np.float64)
    _check_series("sunspots", dates, values, 309, "1700", "2008")
    return dates, values


def load_sunspots(split: str = "all") -> ArrayPair:
    """Yearly mean sunspot numbers, 1700 to 2008, as shipped with statsmodels.

    ``statsmodels.datasets.sunspots``: yearly sunspot numbers from NOAA's
    National Geophysical Data Center (public domain), with their irregular
    cycle of about 11 years.

    Parameters
    ----------
    split
        ``"all"`` (309 years), ``"train"`` (1700 to 1948, 249 years), ``"val"``
        (1949 to 1978, 30 years) or ``"test"`` (1979 to 2008, 30 years), split
        by time.

    Returns
    -------
    ``(years, sunspots)``: ``datetime64[Y]`` years and ``float64`` sunspot
    numbers, both of shape ``(n,)``.

    >>> years, spots = load_sunspots("test")
    >>> len(years), str(years[0]), str(years[-1])
    (30, '1979', '2008')
    """
    dates, values = _sunspots_yearly()
    return _time_split(dates, values, split, val_start="1949", test_start="1979")


register_dataset("co2", load_co2)
register_dataset("sunspots", load_sunspots)


# Bach chorales: the soprano melodies of music21's corpus, extracted once by
# scripts/extract_chorales.py (music21 is not needed to load them).


class Chorale(NamedTuple):
    """One chorale melody: ``n`` notes as three arrays of shape ``(n,)`` and the chorale's key and metre."""

    chorale_id: str  # music21's corpus name, e.g. "bwv269"
    pitch: np.ndarray  # uint8 MIDI pitches (60 = middle C), 0 for a rest
    duration: np.ndarray  # uint8 durations in sixteenth notes (4 = a quarter note)
    fermata: np.ndarray  # bool, True on a note with a fermata (the end of a phrase)
    tonic: int  # pitch class of the key's tonic, 0 = C ... 11 = B
    mode: int  # 0 major, 1 minor
    meter: int  # beats per bar (4 for 4/4, 3 for 3/4)


_CHORALE_SPLITS = ("all", "train", "val", "test")


@lru_cache(maxsize=1)
def _chorale_arrays() -> dict[str, np.ndarray]:
    with np.load(bundled_path("bach_chorales.npz")) as data:
        return {name: data[name] for name in data.files}


def _chorale_split_of_tunes(tunes: np.ndarray, seed: int = _SPLIT_SEED) -> np.ndarray:
    # Split label per chorale (0 train, 1 val, 2 test): whole tunes in shuffled order go to
    # the test set until it holds 10% of the chorales, then to validation until 10%, the rest to training.
    order = np.random.default_rng(seed).permutation(np.unique(tunes))
    label = np.zeros(len(tunes), dtype=np.int8)
    target, filled = round(0.1 * len(tunes)), {2: 0, 1: 0}
    for tune in order:
        members = tunes == tune
        for part in (2, 1):
            if filled[part] < target:
                label[members] = part
                filled[part] += int(members.sum())
                break
    return label


def load_bach_chorales(split: str = "train", transpose: bool = True) -> list[Chorale]:
    """Soprano melodies of 346 Bach chorales, with a fixed split by tune.

    J. S. Bach's four-part chorales as shipped in music21's corpus (see
    ``scripts/extract_chorales.py``): for each, the melody of the soprano
    part, one entry per note (tied notes merged, rests kept as pitch 0), and
    the chorale's key from music21's key analysis.

    Parameters
    ----------
    split
        ``"train"`` (275 chorales), ``"val"`` (35), ``"test"`` (36) or
        ``"all"`` (346, in Riemenschneider order). Bach set many hymn tunes
        more than once; the split keeps all settings of a tune (chorales whose
        melodies open with the same 8 intervals) in the same part, so no
        validation melody is a copy of a training melody.
    transpose
        ``True`` (default): shift each melody by -6 to +5 semitones so that its
        key is C major or C minor (``tonic`` becomes 0); ``False``: the
        original keys.

    Returns
    -------
    A list of :class:`Chorale` named tuples ``(chorale_id, pitch, duration,
    fermata, tonic, mode, meter)``; ``pitch`` (``uint8``, MIDI, 0 = rest),
    ``duration`` (``uint8``, sixteenth notes) and ``fermata`` (``bool``) have
    shape ``(n,)`` with ``n`` between 22 and 219 notes.

    >>> train = load_bach_chorales("train")
    >>> len(train), len(load_bach_chorales("val")), len(load_bach_chorales("test"))
    (275, 35, 36)
    >>> first = load_bach_chorales("all", transpose=False)[0]
    >>> first.chorale_id, first.pitch[:4].tolist(), first.duration[:4].tolist(), first.tonic, first.mode
    ('bwv269', [67, 67, 74, 71], [4, 8, 4, 6], 7, 0)
    >>> load_bach_chorales("all")[0].pitch[:4].tolist()   # G major moved up a fourth to C major
    [72, 72, 79, 76]
    """
    if split not in _CHORALE_SPLITS:
        raise ValueError(f"split must be one of {list(_CHORALE_SPLITS)}, got {split!r}")
    data = _chorale_arrays()
    label = _chorale_split_of_tunes(data["tune"])
    wanted = {"all": (0, 1, 2), "train": (0,), "val": (1,), "test": (2,)}[split]
    starts = data["starts"]
    chorales = []
    for i, chorale_id in enumerate(data["chorale_id"]):
        if label[i] not in wanted:
            continue
        notes = slice(starts[i], starts[i + 1])
        pitch, tonic = data["pitch"][notes].copy(), int(data["tonic"][i])
        if transpose:
            shift = -tonic if tonic <= 6 else 12 - tonic  # the nearer way to C: -6..+5 semitones
            pitch[pitch > 0] = (pitch[pitch > 0].astype(np.int16) + shift).astype(np.uint8)
            tonic = 0
        chorales.append(
            Chorale(
                str(chorale_id),
                pitch,
                data["duration"][notes].copy(),
                data["fermata"][notes].copy(),
                tonic,
                int(data["mode"][i]),
                int(data["meter"][i]),
            )
        )
    return chorales


register_dataset("bach_chorales", load_bach_chorales)


# MNIST-1D: built, not downloaded. The mnist1d package draws it from ten templates
# with its own fixed seed, so every machine gets the same arrays.


@lru_cache(maxsize=1)
def _mnist1d_arrays() -> tuple[ArrayPair, ArrayPair]:
    from mnist1d.data import get_dataset_args, make_dataset

    # make_dataset seeds Python's and NumPy's global generators; put them back afterwards,
    # so that loading the data does not change the random numbers a notebook draws next.
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(get_dataset_args())
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
    arrays = [np.asarray(data[key]) for key in ("x", "y", "x_test", "y_test")]
    shapes = [a.shape for a in arrays]
    if shapes != [(4000, 40), (4000,), (1000, 40), (1000,)] or not np.isfinite(arrays[0]).all():
        raise DataIntegrityError(
            f"mnist1d built arrays of shapes {shapes}, expected (4000, 40), (4000,), (1000, 40), (1000,) "
            "with finite values; reinstall it (pip install 'mnist1d>=0.0.2')"
        )
    x_train, y_train, x_test, y_test = arrays
    return (
        (x_train.astype(np.float32), y_train.astype(np.int64)),
        (x_test.astype(np.float32), y_test.astype(np.int64)),
    )


def load_mnist1d() -> tuple[ArrayPair, ArrayPair]:
    """MNIST-1D, Greydanus's one-dimensional stand-in for MNIST, with its fixed split.

    Each example is one of ten fixed 1-D templates (the "digits"), padded,
    translated, scaled, sheared and given correlated and white noise, then
    resampled to 40 points and standardised over the whole set (Greydanus,
    *Scaling down deep learning*, 2020). The ``mnist1d`` package builds the
    set locally in about a second with its default arguments and seed 42, so
    no download is needed.

    Returns
    -------
    ``(x_train, y_train), (x_test, y_test)``: ``float32`` sequences of shape
    ``(n, 40)`` and ``int64`` labels 0..9 of shape ``(n,)``, 4,000 for
    training and 1,000 for testing (about 100 test sequences per class).

    >>> (x_train, y_train), (x_test, y_test) = load_mnist1d()
    >>> x_train.shape, x_train.dtype, y_test.shape, y_test.dtype
    ((4000, 40), dtype('float32'), (1000,), dtype('int64'))
    """
    (x_train, y_train), (x_test, y_test) = _mnist1d_arrays()
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


register_dataset("mnist1d", load_mnist1d)

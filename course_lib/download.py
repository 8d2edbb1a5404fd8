"""Optional downloads of the full MNIST and Fashion-MNIST, for readers who are online.

Nothing in the course needs these: every chapter runs on the bundled data
(:mod:`course_lib.data`). A download is cached, verified by sha256 before it
is used, and fails with a :class:`DownloadError` that says what to do when
there is no network.

Set ``COURSE_OFFLINE=1`` to forbid downloads from anywhere but this machine
(the test suite does, so no notebook can depend on the network by accident).

The cache lives in ``$COURSE_DATA_CACHE`` if set, otherwise
``~/.cache/course_lib``. ``$COURSE_DATA_MIRROR`` (or the ``base_url``
argument) points the downloader at a mirror that serves the same file names.

Example
-------
>>> from course_lib.download import load_fashion_mnist
>>> (x_train, y_train), (x_test, y_test) = load_fashion_mnist()  # doctest: +SKIP
>>> x_train.shape  # doctest: +SKIP
(60000, 28, 28)
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ArrayPair = tuple[np.ndarray, np.ndarray]
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class DownloadError(RuntimeError):
    """A file could not be downloaded (no network, server error, wrong URL)."""


class DataIntegrityError(RuntimeError):
    """A data file exists but its content is not what it should be."""


def sha256_of(path: str | Path) -> str:
    """Return the hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Folder where downloads are kept: ``$COURSE_DATA_CACHE`` or ``~/.cache/course_lib``."""
    return Path(os.environ.get("COURSE_DATA_CACHE", Path.home() / ".cache" / "course_lib"))


def download_file(url: str, dest: str | Path, sha256: str, timeout: float = 30.0) -> Path:
    """Download ``url`` to ``dest`` unless a verified copy is already there.

    A cached file whose sha256 does not match (a broken earlier download, a
    file edited by hand) is reported with a warning, removed and fetched
    again. A freshly downloaded file that does not match is discarded and
    raises :class:`DataIntegrityError`.

    Raises :class:`DownloadError` when the server cannot be reached.
    """
    dest = Path(dest)
    if dest.exists():
        actual = sha256_of(dest)
        if actual == sha256:
            return dest
        warnings.warn(
            f"cached file {dest} is corrupted (sha256 {actual[:12]}..., expected {sha256[:12]}...); "
            "removing it and downloading it again",
            stacklevel=2,
        )
        dest.unlink()
    if os.environ.get("COURSE_OFFLINE") == "1" and urllib.parse.urlsplit(url).hostname not in _LOOPBACK:
        raise DownloadError(
            f"not downloading {url}: COURSE_OFFLINE=1 allows only this machine (127.0.0.1). "
            "Use the bundled data (course_lib.data.load_mnist_5k()) or pass offline_fallback=True."
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as err:
        tmp.unlink(missing_ok=True)
        raise DownloadError(
            f"could not download {url} ({err}). If you are offline, use the bundled data instead "
            "(course_lib.data.load_mnist_5k()), or pass offline_fallback=True."
        ) from None
    actual = sha256_of(tmp)
    if actual != sha256:
        tmp.unlink()
        raise DataIntegrityError(
            f"{url} sent a file with sha256 {actual[:12]}..., expected {sha256[:12]}...; "
            "it was not kept. The server or mirror is serving a different file."
        )
    os.replace(tmp, dest)
    return dest


def _read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (the MNIST file format) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise DataIntegrityError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataIntegrityError(f"{path} holds {data.size} values, its header says {dims}")
    return data.reshape(dims)


def _parse_idx_set(paths: dict[str, Path]) -> tuple[ArrayPair, ArrayPair]:
    return (
        (_read_idx(paths["train-images-idx3-ubyte.gz"]), _read_idx(paths["train-labels-idx1-ubyte.gz"])),
        (_read_idx(paths["t10k-images-idx3-ubyte.gz"]), _read_idx(paths["t10k-labels-idx1-ubyte.gz"])),
    )


def _parse_keras_npz(paths: dict[str, Path]) -> tuple[ArrayPair, ArrayPair]:
    with np.load(paths["mnist.npz"], allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


@dataclass(frozen=True)
class RemoteDataset:
    """Where a dataset lives online, the sha256 of each file, and how to read them."""

    base_url: str
    files: dict[str, str]  # file name -> sha256
    parse: Callable[[dict[str, Path]], tuple[ArrayPair, ArrayPair]]


REMOTE_DATASETS: dict[str, RemoteDataset] = {
    # The copy Keras uses (keras.datasets.mnist), with the sha256 Keras checks.
    "mnist": RemoteDataset(
        base_url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        files={"mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"},
        parse=_parse_keras_npz,
    ),
    # Zalando's own files (github.com/zalandoresearch/fashion-mnist), MIT licence.
    "fashion_mnist": RemoteDataset(
        base_url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        files={
            "train-images-idx3-ubyte.gz": "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
            "train-labels-idx1-ubyte.gz": "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
            "t10k-images-idx3-ubyte.gz": "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
            "t10k-labels-idx1-ubyte.gz": "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
        },
        parse=_parse_idx_set,
    ),
}


def load_remote(
    name: str,
    base_url: str | None = None,
    offline_fallback: bool = False,
    timeout: float = 30.0,
) -> tuple[ArrayPair, ArrayPair]:
    """Download (once), verify and load a dataset from :data:`REMOTE_DATASETS`.

    Parameters
    ----------
    name
        ``"mnist"`` (70,000 digits) or ``"fashion_mnist"`` (70,000 clothing images).
    base_url
        A mirror serving the same file names; defaults to ``$COURSE_DATA_MIRROR``
        or the dataset's original address.
    offline_fallback
        If the download fails, warn and return the bundled MNIST-5k split
        instead of raising :class:`DownloadError`.

    Returns
    -------
    ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(n, 28, 28)``
    and ``uint8`` labels ``(n,)``.
    """
    if name not in REMOTE_DATASETS:
        raise ValueError(f"unknown remote dataset {name!r}; choose one of {sorted(REMOTE_DATASETS)}")
    remote = REMOTE_DATASETS[name]
    base = base_url or os.environ.get("COURSE_DATA_MIRROR") or remote.base_url
    base = base if base.endswith("/") else base + "/"
    try:
        paths = {
            fname: download_file(base + fname, cache_dir() / name / fname, sha, timeout=timeout)
            for fname, sha in remote.files.items()
        }
    except DownloadError as err:
        if not offline_fallback:
            raise
        warnings.warn(f"{err}\nFalling back to the bundled MNIST-5k digits.", stacklevel=2)
        from course_lib.data import load_mnist_5k

        return load_mnist_5k()
    return remote.parse(paths)


def load_full_mnist(**kwargs) -> tuple[ArrayPair, ArrayPair]:
    """All 70,000 MNIST digits (60,000 train / 10,000 test); see :func:`load_remote`."""
    return load_remote("mnist", **kwargs)


def load_fashion_mnist(**kwargs) -> tuple[ArrayPair, ArrayPair]:
    """Fashion-MNIST (60,000 train / 10,000 test); see :func:`load_remote`."""
    return load_remote("fashion_mnist", **kwargs)

"""The optional downloader, tested against a server on 127.0.0.1 (never the internet)."""

import gzip
import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest

import course_lib.download as download
from course_lib.download import DataIntegrityError, DownloadError, download_file, load_remote


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format, gzipped, as MNIST ships it."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


@pytest.fixture
def fixture_set(tmp_path):
    """A miniature Fashion-MNIST: 6 train and 4 test images in IDX files."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": np.arange(6, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": np.arange(4, dtype=np.uint8),
    }
    served = tmp_path / "served"
    served.mkdir()
    for name, array in arrays.items():
        (served / name).write_bytes(idx_bytes(array))
    return served, arrays


@pytest.fixture
def server(fixture_set):
    """Serve the fixture folder on 127.0.0.1 on a free port; yields the base URL."""
    served, _ = fixture_set
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local_fashion(fixture_set, tmp_path, monkeypatch):
    """Point the registry's fashion_mnist entry at the fixture's checksums and a private cache."""
    served, _ = fixture_set
    checksums = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in served.iterdir()}
    remote = download.REMOTE_DATASETS["fashion_mnist"]
    patched = download.RemoteDataset(base_url="http://example.invalid/", files=checksums, parse=remote.parse)
    monkeypatch.setitem(download.REMOTE_DATASETS, "fashion_mnist", patched)
    monkeypatch.setenv("COURSE_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")  # only 127.0.0.1 may be reached
    return tmp_path / "cache" / "fashion_mnist", checksums


def test_download_verify_and_parse(server, fixture_set, local_fashion):
    base_url, _ = server
    _, arrays = fixture_set
    (x_train, y_train), (x_test, y_test) = load_remote("fashion_mnist", base_url=base_url)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])
    assert x_test.shape == (4, 28, 28) and y_train.dtype == np.uint8


def test_second_call_uses_the_cache_without_network(server, local_fashion):
    base_url, httpd = server
    load_remote("fashion_mnist", base_url=base_url)
    httpd.shutdown()
    httpd.server_close()
    (x_train, _), _ = load_remote("fashion_mnist", base_url=base_url)
    assert x_train.shape == (6, 28, 28)


def test_corrupted_cache_is_replaced(server, local_fashion):
    base_url, _ = server
    cache, checksums = local_fashion
    load_remote("fashion_mnist", base_url=base_url)
    victim = cache / "train-labels-idx1-ubyte.gz"
    victim.write_bytes(b"not what was downloaded")
    with pytest.warns(UserWarning, match="is corrupted"):
        (_, y_train), _ = load_remote("fashion_mnist", base_url=base_url)
    assert y_train.tolist() == list(range(6))
    assert hashlib.sha256(victim.read_bytes()).hexdigest() == checksums[victim.name]


def test_wrong_file_from_server_is_rejected_and_not_kept(server, tmp_path):
    base_url, _ = server
    dest = tmp_path / "x.gz"
    with pytest.raises(DataIntegrityError, match="sent a file with sha256"):
        download_file(base_url + "train-labels-idx1-ubyte.gz", dest, sha256="0" * 64)
    assert not dest.exists() and not list(tmp_path.glob("*.part"))


def test_unreachable_server_gives_a_clear_error(local_fashion):
    with pytest.raises(DownloadError, match="could not download .*offline"):
        load_remote("fashion_mnist", base_url="http://127.0.0.1:9/", timeout=2)


def test_offline_mode_refuses_non_local_urls(local_fashion):
    with pytest.raises(DownloadError, match="COURSE_OFFLINE=1"):
        load_remote("fashion_mnist")  # the registry's own, non-local address


def test_offline_fallback_returns_the_bundled_digits(local_fashion):
    with pytest.warns(UserWarning, match="Falling back to the bundled MNIST-5k"):
        (x_train, _), (x_test, _) = load_remote("fashion_mnist", offline_fallback=True)
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)


def test_unknown_remote_dataset():
    with pytest.raises(ValueError, match="unknown remote dataset 'cifar10'"):
        load_remote("cifar10")


def test_truncated_idx_file_is_reported(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"abc"))
    with pytest.raises(DataIntegrityError, match="holds 3 values"):
        download._read_idx(path)

import numpy as np
import pytest

import course_lib.data as data
from course_lib.data import (
    DataIntegrityError,
    available_datasets,
    load_dataset,
    load_digits,
    load_mnist_5k,
    load_tiny_shakespeare,
    register_dataset,
    stratified_split,
)


def test_mnist_5k_shapes_dtypes_and_balance():
    (x_train, y_train), (x_test, y_test) = load_mnist_5k()
    assert x_train.shape == (4000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert x_train.max() == 255 and x_train.min() == 0


def test_mnist_5k_split_is_disjoint_and_covers_everything():
    (x_train, _), (x_test, _) = load_mnist_5k()
    train_rows = {row.tobytes() for row in x_train}
    test_rows = {row.tobytes() for row in x_test}
    assert not train_rows & test_rows
    images, _ = data._mnist_5k_arrays()
    assert len(train_rows | test_rows) == len({row.tobytes() for row in images})


def test_split_does_not_depend_on_the_global_seed():
    np.random.seed(1)
    _, (first, _) = load_mnist_5k()
    np.random.seed(2)
    np.random.rand(100)
    _, (second, _) = load_mnist_5k()
    np.testing.assert_array_equal(first, second)


def test_any_slice_holds_every_class():
    (_, y_train), (_, y_test) = load_mnist_5k()
    assert np.bincount(y_train[:500], minlength=10).min() >= 30
    assert np.bincount(y_test[:200], minlength=10).min() >= 10


def test_normalize_gives_float32_in_unit_range():
    (x_train, _), _ = load_mnist_5k(normalize=True)
    assert x_train.dtype == np.float32
    assert x_train.min() == 0.0 and x_train.max() == 1.0


def test_loaders_return_copies_not_the_cache():
    (x_train, _), _ = load_mnist_5k()
    x_train[:] = 0
    (again, _), _ = load_mnist_5k()
    assert again.max() == 255


def test_digits_split():
    (x_train, y_train), (x_test, y_test) = load_digits(normalize=True)
    assert x_train.shape == (1437, 8, 8) and x_test.shape == (360, 8, 8)
    assert np.bincount(y_test).tolist() == [36] * 10
    assert x_train.dtype == np.float32 and x_train.max() == 1.0


def test_tiny_shakespeare_splits_are_contiguous():
    text = load_tiny_shakespeare()
    train, val = load_tiny_shakespeare("train"), load_tiny_shakespeare("val")
    assert len(text) == 1_115_394 and len(set(text)) == 65
    assert train + val == text
    assert len(val) == pytest.approx(0.1 * len(text), abs=1)


def test_tiny_shakespeare_bad_split():
    with pytest.raises(ValueError, match="split must be one of"):
        load_tiny_shakespeare("test")


def test_unknown_dataset_suggests_a_name():
    with pytest.raises(ValueError, match="did you mean 'mnist_5k'"):
        load_dataset("mnist5k")
    with pytest.raises(ValueError, match="Available: .*digits, fashion_mnist"):
        load_dataset("imagenet")


def test_load_dataset_passes_arguments():
    assert load_dataset("tiny_shakespeare", split="val") == load_tiny_shakespeare("val")


def test_register_dataset(monkeypatch):
    monkeypatch.setattr(data, "_LOADERS", dict(data._LOADERS))
    register_dataset("ramp", lambda n=3: np.arange(n))
    assert "ramp" in available_datasets()
    assert load_dataset("ramp", n=4).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="already registered"):
        register_dataset("ramp", lambda: None)
    with pytest.raises(ValueError, match="identifiers"):
        register_dataset("my data", lambda: None)


@pytest.fixture
def data_dir_copy(tmp_path, monkeypatch):
    """A private copy of course_lib/data that a test may damage."""
    for name in data.BUNDLED_SHA256:
        (tmp_path / name).write_bytes((data.DATA_DIR / name).read_bytes())
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    data._mnist_5k_arrays.cache_clear()
    yield tmp_path
    data._mnist_5k_arrays.cache_clear()


@pytest.mark.parametrize("filename", sorted(data.BUNDLED_SHA256))
def test_corrupted_bundled_file_is_reported(data_dir_copy, filename):
    path = data_dir_copy / filename
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataIntegrityError, match=f"{filename} is corrupted"):
        data.bundled_path(filename)


def test_a_loader_reports_a_corrupted_file(data_dir_copy):
    raw = bytearray((data_dir_copy / "mnist_5k.npz").read_bytes())
    raw[1000] ^= 0xFF
    (data_dir_copy / "mnist_5k.npz").write_bytes(bytes(raw))
    with pytest.raises(DataIntegrityError, match="mnist_5k.npz is corrupted"):
        load_mnist_5k()


def test_every_bundled_file_is_in_the_registry():
    shipped = {path.name for path in data.DATA_DIR.iterdir() if path.is_file() and path.name != "README.md"}
    assert shipped == set(data.BUNDLED_SHA256), (
        f"files in course_lib/data without a checksum: {shipped - set(data.BUNDLED_SHA256)}; "
        f"checksums without a file: {set(data.BUNDLED_SHA256) - shipped}"
    )


def test_the_data_readme_lists_every_bundled_file_with_its_checksum():
    rows = {}
    for line in (data.DATA_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and len(cells[3]) == 64:
            rows[cells[0]] = cells[3]
    assert rows == data.BUNDLED_SHA256, "course_lib/data/README.md's sha256 column must match data.BUNDLED_SHA256"


def test_missing_bundled_file_is_reported(data_dir_copy):
    (data_dir_copy / "mnist_5k.npz").unlink()
    with pytest.raises(DataIntegrityError, match="missing; reinstall"):
        load_mnist_5k()


def test_stratified_split_errors():
    with pytest.raises(ValueError, match="1-D"):
        stratified_split(np.zeros((2, 2)), test_per_class=1)
    with pytest.raises(ValueError, match="too few"):
        stratified_split(np.array([0, 1, 1]), test_per_class=1)


def test_mnist1d_shapes_dtypes_and_fixed_content():
    import random

    np.random.seed(7)
    random.seed(7)
    expected_next = (np.random.rand(), random.random())
    np.random.seed(7)
    random.seed(7)
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist1d")
    # Building the set reseeds the global generators inside mnist1d; the loader restores them.
    assert (np.random.rand(), random.random()) == expected_next
    assert x_train.shape == (4000, 40) and x_test.shape == (1000, 40)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert sorted(set(y_train.tolist())) == list(range(10))
    assert np.bincount(y_test, minlength=10).min() >= 80  # about 100 test sequences per class
    # The fixed seed gives the same set every time (standardised over train and test together).
    all_x = np.concatenate([x_train, x_test])
    assert abs(float(all_x.mean())) < 1e-4 and abs(float(all_x.std()) - 1.0) < 1e-4
    assert np.bincount(y_train, minlength=10).tolist() == [398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
    x_train[:] = 0  # callers get copies, not the cache
    assert data.load_mnist1d()[0][0].std() > 0.5


def test_mnist1d_of_the_wrong_shape_is_reported(monkeypatch):
    import mnist1d.data

    def wrong_size(args):
        rng = np.random.default_rng(0)
        return {
            "x": rng.normal(size=(400, 40)),
            "y": np.zeros(400),
            "x_test": rng.normal(size=(100, 40)),
            "y_test": np.zeros(100),
        }

    monkeypatch.setattr(mnist1d.data, "make_dataset", wrong_size)
    data._mnist1d_arrays.cache_clear()
    try:
        with pytest.raises(DataIntegrityError, match="mnist1d built arrays of shapes"):
            data.load_mnist1d()
    finally:
        data._mnist1d_arrays.cache_clear()

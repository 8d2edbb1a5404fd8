import os

import numpy as np
import pytest

from course_lib import set_seed


def test_numpy_and_python_repeat():
    import random

    set_seed(3)
    first = (np.random.rand(4), random.random())
    set_seed(3)
    assert np.array_equal(first[0], np.random.rand(4)) and first[1] == random.random()


def test_torch_repeats_and_is_reported():
    torch = pytest.importorskip("torch")
    report = set_seed(7)
    assert report["torch"].startswith("seeded")
    a = torch.nn.Linear(4, 3).weight.detach().clone()
    set_seed(7)
    b = torch.nn.Linear(4, 3).weight.detach().clone()
    assert torch.equal(a, b)
    set_seed(8)
    assert not torch.equal(a, torch.nn.Linear(4, 3).weight)


def test_keras_repeats():
    keras = pytest.importorskip("keras")
    report = set_seed(5)
    assert report["keras"] == "seeded, deterministic"
    first = keras.ops.convert_to_numpy(keras.random.uniform((3,)))
    layer_a = keras.layers.Dense(2)
    layer_a.build((None, 4))
    set_seed(5)
    second = keras.ops.convert_to_numpy(keras.random.uniform((3,)))
    layer_b = keras.layers.Dense(2)
    layer_b.build((None, 4))
    assert np.array_equal(first, second)
    assert np.array_equal(layer_a.get_weights()[0], layer_b.get_weights()[0])


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, None])
def test_bad_seed_is_rejected(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        set_seed(bad)


def test_course_lib_shortens_openmp_spinning_unless_set(tmp_path):
    import subprocess
    import sys

    code = "import os, course_lib; print(os.environ['GOMP_SPINCOUNT'])"
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert default.stdout.strip() == "10000"
    mine = subprocess.run(
        [sys.executable, "-c", code], env={**env, "GOMP_SPINCOUNT": "5"}, capture_output=True, text=True, check=True
    )
    assert mine.stdout.strip() == "5"

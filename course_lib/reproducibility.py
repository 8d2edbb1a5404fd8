"""One call to make a notebook's random numbers repeatable.

Example
-------
>>> import numpy as np
>>> from course_lib.reproducibility import set_seed
>>> report = set_seed(0)
>>> a = np.random.rand()
>>> report = set_seed(0)
>>> a == np.random.rand()
True
"""

from __future__ import annotations

import os
import random
import sys

import numpy as np


def set_seed(seed: int = 0, deterministic: bool = True) -> dict[str, str]:
    """Seed Python, NumPy, PyTorch and TensorFlow, and ask for deterministic kernels.

    PyTorch and TensorFlow are seeded only if the notebook has already
    imported them (``course_lib`` never imports a framework you do not use,
    which would cost seconds and hundreds of MB). So import your framework
    first, then call ``set_seed``.

    Parameters
    ----------
    seed
        A non-negative integer.
    deterministic
        Also switch on the frameworks' deterministic algorithms. On a CPU
        this costs nothing; on a GPU some operations become slower.

    Returns
    -------
    A dict naming what was seeded, handy to print at the top of a notebook.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    seeded = {"python": "seeded", "numpy": "seeded"}

    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)  # also seeds every CUDA device
        if deterministic:
            # Needed by cuBLAS for deterministic matrix products on CUDA.
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.deterministic = True
            torch.backends.cudnn.benchmark = False
        seeded["torch"] = "seeded" + (", deterministic" if deterministic else "")

    if "tensorflow" in sys.modules or "keras" in sys.modules:
        import keras

        keras.utils.set_random_seed(seed)  # Python, NumPy and the Keras backend
        if deterministic and keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.config.experimental.enable_op_determinism()
        seeded["keras"] = "seeded" + (", deterministic" if deterministic else "")
    return seeded

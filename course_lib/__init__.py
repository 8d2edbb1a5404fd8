"""course_lib: the companion package of the course *Generative neural networks*.

It holds what would distract from the models a chapter teaches: data
loading, seeding, device choice, profiles and plotting. The models
themselves are written out in the notebooks.

Import ``course_lib`` before TensorFlow and PyTorch: it quiets TensorFlow's
C++ start-up logging (``TF_CPP_MIN_LOG_LEVEL=2`` unless you set it yourself)
and shortens the spin-waiting of PyTorch's CPU threads (``GOMP_SPINCOUNT``).

>>> import course_lib
>>> (x_train, y_train), (x_test, y_test) = course_lib.load_mnist_5k()
>>> x_train.shape
(4000, 28, 28)
"""

import os

# TensorFlow prints C++ start-up logging (CPU features, oneDNN notices)
# to stderr. Importing course_lib before TensorFlow keeps notebooks readable;
# set TF_CPP_MIN_LOG_LEVEL yourself to see those logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# PyTorch's CPU threads (GNU OpenMP) spin while they wait for each other. On a
# shared machine with few cores (Binder, a busy laptop, CI) a spinning thread
# takes the core its partner needs, and a small model can train several times
# slower. A short spin keeps almost all of the speed on an idle machine
# (measured on three epochs of the CNN chapter's training with 2 threads:
# 7.5-8.8 s idle either way; 33 s by default against 20 s with this setting
# beside two busy processes). Import course_lib before torch.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from course_lib.data import (
    available_datasets,
    load_co2,
    load_dataset,
    load_digits,
    load_mnist_5k,
    load_sunspots,
    load_tiny_shakespeare,
)
from course_lib.profiles import choose, current_profile
from course_lib.reproducibility import set_seed

__version__ = "0.1.0"

__all__ = [
    "available_datasets",
    "choose",
    "current_profile",
    "load_co2",
    "load_dataset",
    "load_digits",
    "load_mnist_5k",
    "load_sunspots",
    "load_tiny_shakespeare",
    "set_seed",
]

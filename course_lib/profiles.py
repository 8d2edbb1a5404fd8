"""Profiles: the same notebook, sized for a laptop CPU or for a GPU.

Every notebook is written for the default ``"cpu"`` profile: it finishes in
about two minutes on a 2-core CPU. With a GPU you can ask for the larger
``"gpu"`` profile (bigger models, longer training) without editing the
notebook, by setting an environment variable before starting Jupyter::

    COURSE_PROFILE=gpu jupyter lab

``COURSE_PROFILE=auto`` picks ``"gpu"`` when PyTorch or TensorFlow sees a
CUDA GPU and ``"cpu"`` otherwise.

Example
-------
>>> from course_lib.profiles import choose
>>> epochs = choose(cpu=5, gpu=40, profile="cpu")
>>> epochs
5
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

PROFILES = ("cpu", "gpu")
_ENV_VAR = "COURSE_PROFILE"


def current_profile(profile: str | None = None) -> str:
    """The active profile: the argument, else ``$COURSE_PROFILE``, else ``"cpu"``."""
    name = (profile or os.environ.get(_ENV_VAR) or "cpu").strip().lower()
    if name == "auto":
        from course_lib.device import cuda_available

        return "gpu" if cuda_available() else "cpu"
    if name not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r} (from {'the argument' if profile else '$' + _ENV_VAR}); "
            f"choose one of {', '.join(PROFILES)} or 'auto'"
        )
    return name


def choose(cpu: T, gpu: T, profile: str | None = None) -> T:
    """Return the value for the active profile.

    >>> choose(cpu=(64, 10), gpu=(256, 50), profile="gpu")
    (256, 50)
    """
    return {"cpu": cpu, "gpu": gpu}[current_profile(profile)]

"""Which hardware the frameworks will use, and what versions are installed.

Example
-------
>>> from course_lib.device import torch_device
>>> torch_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys

_ENV_VAR = "COURSE_DEVICE"


def cuda_available() -> bool:
    """True if an already-importable framework sees a CUDA GPU (PyTorch is asked first)."""
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:
        pass
    try:
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    except ImportError:
        return False


def torch_device(prefer: str | None = None):
    """The ``torch.device`` to train on: CUDA, then Apple MPS, then CPU.

    Parameters
    ----------
    prefer
        ``"cuda"``, ``"mps"`` or ``"cpu"`` to force a choice (also read from
        ``$COURSE_DEVICE``); ``None`` picks the fastest available.
    """
    import torch

    choice = prefer or os.environ.get(_ENV_VAR)
    available = {
        "cuda": torch.cuda.is_available(),
        "mps": hasattr(torch.backends, "mps") and torch.backends.mps.is_available(),
        "cpu": True,
    }
    if choice is None:
        choice = next(name for name, ok in available.items() if ok)
    if choice not in available:
        raise ValueError(f"unknown device {choice!r}; choose one of {', '.join(available)}")
    if not available[choice]:
        raise RuntimeError(f"device {choice!r} was asked for, but PyTorch cannot see one here")
    return torch.device(choice)


def tensorflow_devices() -> list[str]:
    """Device types TensorFlow sees, for example ``['CPU']`` or ``['CPU', 'GPU']``."""
    import tensorflow as tf

    return sorted({d.device_type for d in tf.config.list_physical_devices()})


# Packages published under more than one name on PyPI (the course installs
# tensorflow-cpu on Linux, which provides the same `tensorflow` module).
_DISTRIBUTIONS = {"tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")}


def describe_environment(frameworks: tuple[str, ...] = ("torch", "tensorflow", "keras")) -> dict[str, str]:
    """Versions of Python, the frameworks and the main libraries, without importing the frameworks.

    >>> env = describe_environment()
    >>> env["python"].startswith("3.")
    True
    """
    names = ("numpy", "matplotlib", "scikit-learn", "course_lib", *frameworks)
    info = {"python": platform.python_version(), "platform": f"{sys.platform}-{platform.machine()}"}
    for name in names:
        info[name] = "not installed"
        for distribution in _DISTRIBUTIONS.get(name, (name,)):
            try:
                info[name] = importlib.metadata.version(distribution)
                break
            except importlib.metadata.PackageNotFoundError:
                continue
    return dict(sorted(info.items()))

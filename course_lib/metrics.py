"""Scoring generated digits with the course's digit judge.

The judge is the convolutional classifier of the CNN chapter, trained on the
4,000 MNIST-5k training digits (``scripts/train_judge.py`` reproduces it) and
shipped as ``course_lib/data/digit_judge.npz``. It runs here in plain NumPy,
so a chapter can score its samples whichever framework it uses.

For a batch of generated 28x28 digits, :func:`score_digits` reports

- **confidence**: the judge's mean top-class probability. Clean, recognisable
  digits score near 1; ambiguous blobs score low.
- **classes present**: how many of the ten digits make up at least 5% of the
  batch. A generator that has collapsed onto a few digits scores low.
- **Fréchet distance** between the judge's 128-dimensional features of the
  samples and of the 1,000 real test digits: the idea of FID
  (Heusel et al., 2017) with a small digit classifier in place of Inception.
  It compares whole distributions, so it penalises both bad samples and too
  little variety. The **floor** is the distance between two sets of real
  digits; ``frechet_ratio`` is the distance divided by that floor.

Example
-------
>>> from course_lib import load_mnist_5k
>>> from course_lib.metrics import score_digits
>>> (x_train, _), _ = load_mnist_5k(normalize=True)
>>> score = score_digits(x_train[:1000])
>>> score.classes_present, score.confidence > 0.9, score.frechet_ratio < 2
(10, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.data import DATA_DIR, DataIntegrityError, bundled_path

JUDGE_PATH = DATA_DIR / "digit_judge.npz"
MIN_SAMPLES = 50
_LAYERS = ("conv1", "conv2", "fc1", "fc2")


def as_digit_batch(images: Any, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """Check a batch of digit images and return it as ``float32`` in [0, 1], shape ``(n, 28, 28)``.

    Accepts ``(n, 28, 28)``, ``(n, 1, 28, 28)``, ``(n, 28, 28, 1)`` and
    ``(n, 784)``, as NumPy arrays or PyTorch/TensorFlow tensors. ``uint8``
    batches are read as 0..255. Float batches must lie in ``value_range``:
    pass ``value_range=(-1, 1)`` for a generator with a ``tanh`` output.

    >>> as_digit_batch(np.zeros((2, 1, 28, 28))).shape
    (2, 28, 28)
    >>> float(as_digit_batch(np.full((2, 784), -1.0), value_range=(-1, 1)).max())
    0.0
    """
    if hasattr(images, "detach"):  # torch.Tensor
        images = images.detach().cpu().numpy()
    arr = np.asarray(images)
    shape = arr.shape
    if arr.ndim == 2 and shape[1] == 784:
        arr = arr.reshape(-1, 28, 28)
    elif arr.ndim == 4 and shape[1] == 1 and shape[2:] == (28, 28):
        arr = arr[:, 0]
    elif arr.ndim == 4 and shape[3] == 1 and shape[1:3] == (28, 28):
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise ValueError(
            f"expected a batch of 28x28 grey digits, shaped (n, 28, 28), (n, 1, 28, 28), "
            f"(n, 28, 28, 1) or (n, 784); got shape {shape}"
        )
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"digit images must be float (or uint8 0..255), got dtype {arr.dtype}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("digit images contain NaN or infinity; the generator has probably diverged")
    low, high = value_range
    if high <= low:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    tolerance = 1e-3 * (high - low)
    if arr.min() < low - tolerance or arr.max() > high + tolerance:
        raise ValueError(
            f"pixel values span [{arr.min():.3g}, {arr.max():.3g}], outside value_range {value_range}; "
            "scale the images to [0, 1], or pass value_range=(-1, 1) for tanh outputs"
        )
    return np.clip((arr.astype(np.float32) - low) / (high - low), 0.0, 1.0)


def _conv3x3_relu_pool(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """3x3 convolution (padding 1), ReLU and 2x2 max-pooling, channels-first, in NumPy."""
    n, c, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))  # n, c, h, w, 3, 3
    columns = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * h * w, c * 9)
    out = columns @ weight.reshape(len(weight), -1).T + bias
    out = np.maximum(out, 0.0).reshape(n, h, w, -1).transpose(0, 3, 1, 2)
    return out.reshape(n, -1, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance between two Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``, with
    the trace of the matrix square root taken from the eigenvalues of
    ``sigma1 @ sigma2`` (real and non-negative for covariance matrices).

    >>> eye = np.eye(2)
    >>> frechet_distance(np.zeros(2), eye, np.ones(2), eye)
    2.0
    """
    eigenvalues = np.linalg.eigvals(sigma1 @ sigma2)
    sqrt_trace = np.sqrt(np.clip(eigenvalues.real, 0.0, None)).sum()
    value = float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * sqrt_trace)
    return max(value, 0.0)


def _softmax(logits: np.ndarray) -> np.ndarray:
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _gaussian(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return features.mean(axis=0), np.cov(features, rowvar=False)


@dataclass(frozen=True)
class DigitScore:
    """The judge's verdict on a batch of digits (see the module docstring)."""

    n: int
    confidence: float
    class_fractions: tuple[float, ...]
    classes_present: int
    frechet: float
    floor: float

    @property
    def frechet_ratio(self) -> float:
        """Fréchet distance in units of the real-vs-real floor (1 is as good as real data)."""
        return self.frechet / self.floor

    def __str__(self) -> str:
        return (
            f"{self.n} digits: confidence {self.confidence:.3f}, {self.classes_present}/10 classes present, "
            f"Fréchet distance {self.frechet:.2f} ({self.frechet_ratio:.1f}x the real-data floor of {self.floor:.2f})"
        )


class DigitJudge:
    """The digit classifier, run in NumPy. Usually reached through :func:`score_digits`.

    Parameters
    ----------
    weights
        ``conv1_w`` (32, 1, 3, 3), ``conv1_b``, ``conv2_w`` (64, 32, 3, 3),
        ``conv2_b``, ``fc1_w`` (128, 3136), ``fc1_b``, ``fc2_w`` (10, 128),
        ``fc2_b``: PyTorch's layouts.
    reference
        ``mu`` and ``sigma`` of the features of the real reference digits and
        the real-vs-real ``floor``; needed by :meth:`score`.
    """

    def __init__(self, weights: dict[str, np.ndarray], reference: dict[str, Any] | None = None):
        expected = {f"{layer}_{kind}" for layer in _LAYERS for kind in "wb"}
        if set(weights) != expected:
            raise ValueError(f"judge weights must have keys {sorted(expected)}, got {sorted(weights)}")
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.reference = reference

    @classmethod
    def from_state_dict(cls, state_dict: dict[str, Any], reference: dict[str, Any] | None = None) -> DigitJudge:
        """The judge with the weights of a trained copy of the CNN chapter's PyTorch classifier.

        ``state_dict`` is that model's ``state_dict()`` (``build_classifier()`` in
        book/cnn/pytorch.ipynb): its four weighted layers, in order, are the
        judge's ``conv1``, ``conv2``, ``fc1`` and ``fc2``. This is the one place
        that maps the chapter's model onto the judge.

        >>> import numpy as np
        >>> shapes = {"conv1": (32, 1, 3, 3), "conv2": (64, 32, 3, 3), "fc1": (128, 3136), "fc2": (10, 128)}
        >>> state = {}
        >>> for i, shape in enumerate(shapes.values()):
        ...     state[f"layer{i}.weight"], state[f"layer{i}.bias"] = np.zeros(shape), np.zeros(shape[0])
        >>> DigitJudge.from_state_dict(state).weights["fc2_w"].shape
        (10, 128)
        >>> DigitJudge.from_state_dict({"0.weight": np.zeros((3, 3))})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: the judge needs 4 layers with a weight and a bias each ...; the state dict has 1 weights and 0...
        """
        weights = [value for key, value in state_dict.items() if key.endswith("weight")]
        biases = [value for key, value in state_dict.items() if key.endswith("bias")]
        if len(weights) != len(_LAYERS) or len(biases) != len(_LAYERS):
            raise ValueError(
                f"the judge needs {len(_LAYERS)} layers with a weight and a bias each (two convolutions, two linear "
                f"layers); the state dict has {len(weights)} weights and {len(biases)} biases: {list(state_dict)}"
            )

        def as_array(value: Any) -> np.ndarray:
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else value  # a PyTorch tensor
            return np.asarray(value, dtype=np.float32)

        named = {}
        for layer, weight, bias in zip(_LAYERS, weights, biases, strict=True):
            named[f"{layer}_w"], named[f"{layer}_b"] = as_array(weight), as_array(bias)
        return cls(named, reference)

    @classmethod
    def load(cls, path: str | Path = JUDGE_PATH) -> DigitJudge:
        """Load weights and reference statistics saved by :meth:`save`."""
        path = Path(path)
        if path == JUDGE_PATH:
            bundled_path(JUDGE_PATH.name)  # the shipped judge: checked against its sha256
        elif not path.is_file():
            raise DataIntegrityError(f"no digit judge at {path}; run scripts/train_judge.py to create it")
        try:
            with np.load(path) as data:
                weights = {f"{layer}_{kind}": data[f"{layer}_{kind}"] for layer in _LAYERS for kind in "wb"}
                reference = {name: data[name] for name in ("mu", "sigma", "floor", "test_accuracy")}
        except (KeyError, ValueError, OSError) as err:
            raise DataIntegrityError(f"{path} is not a valid digit-judge file ({err})") from None
        return cls(weights, reference)

    def save(self, path: str | Path, x_reference: np.ndarray, x_train: np.ndarray, test_accuracy: float) -> None:
        """Save weights with the statistics of the reference digits and the real-vs-real floor.

        The floor is the Fréchet distance between the reference set and an
        equally large random subset of ``x_train``.
        """
        mu, sigma = _gaussian(self.features(x_reference))
        subset = np.random.default_rng(0).choice(len(x_train), size=len(x_reference), replace=False)
        floor = frechet_distance(*_gaussian(self.features(x_train[subset])), mu, sigma)
        self.reference = {
            "mu": mu,
            "sigma": sigma,
            "floor": np.float64(floor),
            "test_accuracy": np.float64(test_accuracy),
        }
        np.savez_compressed(path, **self.weights, **self.reference)

    def _forward(self, images: Any, value_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        x = as_digit_batch(images, value_range)[:, None]
        w = self.weights
        features, logits = [], []
        for start in range(0, len(x), 250):  # batches keep the im2col buffers small
            h = _conv3x3_relu_pool(x[start : start + 250], w["conv1_w"], w["conv1_b"])
            h = _conv3x3_relu_pool(h, w["conv2_w"], w["conv2_b"])
            h = np.maximum(h.reshape(len(h), -1) @ w["fc1_w"].T + w["fc1_b"], 0.0)
            features.append(h)
            logits.append(h @ w["fc2_w"].T + w["fc2_b"])
        return np.concatenate(features), np.concatenate(logits)

    def features(self, images: Any, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
        """The 128 penultimate-layer activations of each image, shape ``(n, 128)``."""
        return self._forward(images, value_range)[0]

    def predict_proba(self, images: Any, value_range: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
        """Class probabilities, shape ``(n, 10)``."""
        return _softmax(self._forward(images, value_range)[1])

    def score(self, images: Any, value_range: tuple[float, float] = (0.0, 1.0)) -> DigitScore:
        """Score a batch of at least 50 digits (1,000 gives stable numbers)."""
        if self.reference is None:
            raise ValueError("this judge has no reference statistics; load one saved with DigitJudge.save")
        batch = as_digit_batch(images, value_range)
        if len(batch) < MIN_SAMPLES:
            raise ValueError(f"score at least {MIN_SAMPLES} digits (1,000 gives stable numbers), got {len(batch)}")
        features, logits = self._forward(batch, (0.0, 1.0))
        p = _softmax(logits)
        fractions = np.bincount(p.argmax(axis=1), minlength=10) / len(batch)
        mu, sigma = _gaussian(features)
        return DigitScore(
            n=len(batch),
            confidence=float(p.max(axis=1).mean()),
            class_fractions=tuple(float(f) for f in fractions),
            classes_present=int((fractions >= 0.05).sum()),
            frechet=frechet_distance(mu, sigma, self.reference["mu"], self.reference["sigma"]),
            floor=float(self.reference["floor"]),
        )


@lru_cache(maxsize=1)
def load_judge() -> DigitJudge:
    """The shipped digit judge (loaded once)."""
    return DigitJudge.load()


def score_digits(images: Any, value_range: tuple[float, float] = (0.0, 1.0)) -> DigitScore:
    """Score a batch of generated 28x28 digits with the shipped judge; see :class:`DigitScore`."""
    return load_judge().score(images, value_range)


def roc_auc(scores: Any, labels: Any) -> float:
    """Area under the ROC curve: how well ``scores`` rank the positives (label 1) above the negatives (label 0).

    It equals the probability that a randomly chosen positive scores higher
    than a randomly chosen negative, ties counting one half (the
    Mann-Whitney U statistic divided by the number of positive-negative
    pairs). 0.5 is a ranking by chance, 1.0 a perfect one, 0.0 a perfectly
    reversed one. Computed from ranks, so only the order of the scores matters.

    Parameters
    ----------
    scores
        One finite number per example; higher means "more likely positive"
        (for anomaly detection: more anomalous).
    labels
        One label per example, 0/1 or ``False``/``True``, with both present.

    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    >>> roc_auc([1.0, 1.0], [0, 1])
    0.5
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    if s.ndim != 1 or y.shape != s.shape:
        raise ValueError(f"scores and labels must be 1-D and of the same length, got shapes {s.shape} and {y.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinity")
    if y.dtype == bool:
        y = y.astype(np.int64)
    if not set(np.unique(y).tolist()) <= {0, 1}:
        raise ValueError(f"labels must be 0 or 1, got values {sorted(set(np.unique(y).tolist()))[:5]}")
    positive = y == 1
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"need both positives and negatives, got {n_pos} positive and {n_neg} negative labels")
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based rank of each distinct score, ties averaged
    ranks = average_rank[inverse]
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))

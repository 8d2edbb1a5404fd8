"""What the Keras-vs-PyTorch twin-model tests share: parameter formulas and layout conversions.

A twin test builds the same model from a chapter's Keras and PyTorch notebooks
(their cells tagged ``model``) and checks that the two agree: the same layers,
the same output shapes, and parameter counts that differ only where the
frameworks do (PyTorch's recurrent layers carry two bias vectors per gate).

>>> recurrent_parameters("torch", "lstm", inputs=2, hidden=32)  # 4 [h (i + h) + 2h]
4608
>>> recurrent_parameters("keras", "lstm", inputs=2, hidden=32)  # one bias vector per gate in Keras
4480
>>> channels_last((16, 7, 7))
(7, 7, 16)
"""

from __future__ import annotations

from typing import Any

GATES = {"rnn": 1, "simple": 1, "lstm": 4, "gru": 3}  # weight blocks of a recurrent layer ("simple" = SimpleRNN)


def recurrent_parameters(framework: str, kind: str, inputs: int, hidden: int) -> int:
    """Parameters of one recurrent layer: ``gates * (h * (i + h) + biases * h)``.

    PyTorch keeps two bias vectors per gate block (``bias_ih`` and ``bias_hh``);
    Keras keeps one for SimpleRNN and LSTM, and two for GRU (``reset_after=True``).
    """
    if framework not in ("keras", "torch") or kind not in GATES:
        raise ValueError(f"unknown framework or kind: {framework!r}, {kind!r}")
    biases = 2 if framework == "torch" or kind == "gru" else 1
    return GATES[kind] * (hidden * (inputs + hidden) + biases * hidden)


def dense_parameters(inputs: int, outputs: int) -> int:
    """Parameters of a dense (linear) layer with a bias."""
    return inputs * outputs + outputs


def torch_parameters(model: Any) -> int:
    """Number of parameters of a PyTorch module (Keras's ``count_params()``)."""
    return sum(p.numel() for p in model.parameters())


def channels_last(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A PyTorch (channels, ...) shape without the batch axis, in Keras's (..., channels) order."""
    return shape if len(shape) <= 1 else (*shape[1:], shape[0])

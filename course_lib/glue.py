"""Quote a value from a notebook's run in the page's prose.

The book's pages never type a result by hand: a cell *glues* the value
under a name, and the Markdown inserts it, for example
``{glue:text}`test_accuracy:.1%``` in the same notebook or
``{glue:text}`cnn/keras.ipynb::test_accuracy:.1%``` on a chapter page.
When nbval re-runs the notebook and the value changes, the stored output
changes with it, and so does the page: the prose cannot drift from the run.

This is MyST-NB's ``glue`` (same stored format, so Jupyter Book reads it),
without needing MyST-NB installed (on Colab, say), and with two safeguards:
NumPy and PyTorch scalars are stored as plain Python numbers (so that a
format such as ``:.3f`` works on the page), and a name that the page could
not refer to is refused.

Example
-------
>>> from course_lib.glue import glue
>>> glue("test_accuracy", 0.9876)   # in a notebook: stored in the cell's output
>>> glue("bad name", 1.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: glue name 'bad name' must be letters, digits and underscores (it is written in the Markdown as ...)
"""

from __future__ import annotations

import re
from typing import Any

GLUE_PREFIX = "application/papermill.record/"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def plain_value(value: Any) -> Any:
    """``value`` as a plain Python object: NumPy and PyTorch scalars become ``int``/``float``/``bool``.

    >>> import numpy as np
    >>> plain_value(np.float32(0.5)), plain_value(np.int64(3)), plain_value("3 s")
    (0.5, 3, '3 s')
    >>> plain_value(np.zeros(2))
    Traceback (most recent call last):
    ...
    ValueError: glue a single number, string or small object, not an array of shape (2,)
    """
    shape = getattr(value, "shape", None)
    if shape is not None and tuple(shape) != ():
        raise ValueError(f"glue a single number, string or small object, not an array of shape {tuple(shape)}")
    if shape == () and hasattr(value, "item"):  # NumPy scalar or 0-d array, 0-d tensor
        return value.item()
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """Store ``value`` under ``name`` in the current cell's output, for the page to quote.

    Parameters
    ----------
    name
        Letters, digits and underscores; unique within the notebook (the book
        build fails on a duplicate).
    value
        A number, a string, or any object whose text form the page should show.
        Round it as the page should print it if the cell's output is compared by
        nbval, or pass a format in the Markdown (``{glue:text}`name:.2f```).
    display
        Also show the value in the notebook (off by default: the cell's own
        print is what the learner reads).

    Outside a Jupyter kernel (a script running a notebook's cells) it does nothing.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"glue name {name!r} must be letters, digits and underscores "
            "(it is written in the Markdown as {glue:text}`name`)"
        )
    value = plain_value(value)
    try:
        from IPython import get_ipython
        from IPython.core.formatters import format_display_data
        from IPython.display import display as ipython_display
    except ImportError:  # no IPython: nothing can read the glued value
        return
    if get_ipython() is None:
        return
    bundle, metadata = format_display_data(value)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    ipython_display({prefix + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)

"""Run selected cells of a notebook outside Jupyter, for tests and training scripts.

Chapters tag the cells that define a model (for example with the tag
``model``); tests execute just those cells and inspect what they define,
without running the notebook's data loading or training.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def tagged_cell_sources(path: str | Path, *tags: str) -> list[str]:
    """Source code of the code cells of the notebook at ``path`` tagged with any of ``tags``, in order."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    sources = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and set(tags) & set(cell.get("metadata", {}).get("tags", [])):
            source = cell["source"]
            sources.append(source if isinstance(source, str) else "".join(source))
    return sources


def exec_tagged_cells(path: str | Path, *tags: str) -> dict[str, Any]:
    """Execute the code cells of a notebook tagged with any of ``tags``, in notebook order, in one
    fresh namespace, and return it: ``exec_tagged_cells(nb, "model", "training")`` gives a training
    function together with the models and constants it uses.

    Raises ``ValueError`` if a tag is on no cell, so a renamed tag fails
    loudly instead of testing nothing.
    """
    if not tags:
        raise ValueError("name at least one tag")
    for tag in tags:
        if not tagged_cell_sources(path, tag):
            raise ValueError(f"no code cell tagged {tag!r} in {path}")
    label = "+".join(tags)
    namespace: dict[str, Any] = {"__name__": f"notebook_cells:{Path(path).stem}"}
    for index, source in enumerate(tagged_cell_sources(path, *tags)):
        code = compile(source, f"{path}[{label} cell {index}]", "exec")
        exec(code, namespace)  # noqa: S102 - running our own notebooks' code is the point
    return namespace


def image_outputs(path: str | Path) -> list[tuple[int, dict]]:
    """(cell index, cell) for every image output the notebook at ``path`` stores, in order.

    A cell with two figures appears twice. Cells hidden from the page
    (tagged ``remove-cell`` or ``remove-output``) are left out.
    """
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    found = []
    for index, cell in enumerate(nb["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] != "code" or "remove-cell" in tags or "remove-output" in tags:
            continue
        found += [
            (index, cell)
            for output in cell.get("outputs", [])
            if any(key.startswith("image/") for key in output.get("data", {}))
        ]
    return found

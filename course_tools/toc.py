"""The book's pages and notebooks, in reading order, from its table of contents.

>>> from course_tools.toc import toc_files, toc_notebooks
>>> toc_files()[0]
'book/intro'
>>> all(path.suffix == ".ipynb" for path in toc_notebooks())
True
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
"""The repository's root folder (the one holding ``_toc.yml``)."""


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every file named in the table of contents (without extension), in reading order."""
    if not Path(toc_path).is_file():
        raise FileNotFoundError(f"no table of contents at {toc_path}: course_tools reads a checkout of the course")
    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            files.extend([node["file"]] if "file" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def toc_notebooks(toc_path: Path = ROOT / "_toc.yml") -> list[Path]:
    """Every notebook listed in the table of contents, in reading order (absolute paths)."""
    root = Path(toc_path).resolve().parent
    paths = [root / f"{name}.ipynb" for name in toc_files(toc_path)]
    return [path for path in paths if path.exists()]

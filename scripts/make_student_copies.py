"""Write student copies of chosen chapters: solutions replaced by a placeholder, checks kept.

    python scripts/make_student_copies.py book/feedforward book/cnn/convolution.ipynb
    make student CHAPTERS="book/feedforward book/rnn"

Each notebook is written to ``student/<its path>`` (``--out`` changes the folder).
The conventions are nbgrader's, so nbgrader users can read and reuse the notebooks:

- In a code cell, every region between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  is replaced by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``, at the
  region's indentation. The course puts each region inside a function, so the
  placeholder raises only when the check calls the function, and the check
  reports "not done yet".
- In a Markdown cell, such a region becomes ``YOUR ANSWER HERE``.
- A code cell tagged ``solution`` without markers is replaced as a whole.
- A cell tagged ``solution-only`` is removed.
- The ``hide-input`` tag (the website's "show code" toggle) is dropped, and the
  outputs of every code cell from the first solution on are cleared, so no
  answer or "passed" report is left behind. Outputs before that (the chapter's
  figures and results) are kept.

Notebooks without solutions are copied unchanged.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
MARKDOWN_STUB = ["YOUR ANSWER HERE"]
_REGION = re.compile(rf"^([ \t]*){re.escape(BEGIN)}[^\n]*\n.*?^[ \t]*{re.escape(END)}[^\n]*$", re.M | re.S)


def replace_solutions(source: str, stub: list[str], where: str = "cell") -> tuple[str, int]:
    """Replace every BEGIN/END SOLUTION region of ``source`` by ``stub`` lines, indented like the region.

    Returns the new source and the number of regions replaced.

    >>> replace_solutions("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION", CODE_STUB)[0]
    'def f():\\n    # YOUR CODE HERE\\n    raise NotImplementedError()'
    """
    new, count = _REGION.subn(lambda m: "\n".join(m.group(1) + line for line in stub), source)
    if BEGIN in new or END in new:
        raise ValueError(f"{where}: unbalanced '{BEGIN}' / '{END}' markers")
    return new, count


def is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    """True for a cell that holds a solution: tagged ``solution`` or containing a marker."""
    return "solution" in cell.metadata.get("tags", []) or BEGIN in cell.source


def make_student_notebook(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The student copy of a notebook (a new object; ``nb`` is not changed)."""
    nb = nbformat.from_dict(nb)  # a deep copy
    cells, clearing = [], False
    for index, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if "solution-only" in tags:
            continue
        if is_solution_cell(cell):
            clearing = True
            where = f"{name}, cell {index}"
            if cell.cell_type == "code":
                source, count = replace_solutions(cell.source, CODE_STUB, where)
                cell.source = source if count else "\n".join(CODE_STUB)
            else:
                source, count = replace_solutions(cell.source, MARKDOWN_STUB, where)
                cell.source = source if count else "\n".join(MARKDOWN_STUB)
            if "hide-input" in tags:
                cell.metadata["tags"] = [tag for tag in tags if tag != "hide-input"]
        if clearing and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return nb


def notebooks_in(paths: list[str]) -> list[Path]:
    """The notebooks named by ``paths``: notebook files, or every notebook in a folder."""
    found = []
    for name in paths:
        path = (ROOT / name) if not Path(name).is_absolute() else Path(name)
        if path.is_dir():
            found += sorted(p for p in path.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb" and path.exists():
            found.append(path)
        else:
            raise ValueError(f"{name}: not a notebook or a folder of notebooks")
    return found


def write_student_copies(paths: list[str], out: Path) -> list[Path]:
    """Write the student copy of every notebook in ``paths`` under ``out``; return the written files."""
    written = []
    for path in notebooks_in(paths):
        relative = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else Path(path.name)
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = nbformat.read(path, as_version=4)
        nbformat.write(make_student_notebook(nb, str(relative)), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="+", help="chapter folders (book/cnn) or notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="output folder (default: student/)")
    args = parser.parse_args(argv)
    try:
        written = write_student_copies(args.chapters, args.out)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path.relative_to(args.out.parent) if path.is_relative_to(args.out.parent) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

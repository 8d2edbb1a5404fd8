"""The notebooks nbval runs are the ones in the book, and they hold a real, in-order run.

nbval re-executes every notebook and compares outputs, but it passes a
notebook whose stored outputs are missing without checking anything. These
tests close that gap.
"""

import copy
import json
import sys
from pathlib import Path

import pytest

from course_tools.notebook_cells import image_outputs
from course_tools.toc import toc_files, toc_notebooks

ROOT = Path(__file__).resolve().parent.parent


def notebook_problems(nb: dict) -> list[str]:
    """What is wrong with a notebook's stored run; an empty list means nothing."""
    problems = []
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    if not code:
        return ["has no code cells"]
    counts = [c.get("execution_count") for c in code]
    never = sum(n is None for n in counts)
    if never:
        problems.append(f"{never} code cell(s) never executed")
    elif counts != list(range(1, len(counts) + 1)):
        problems.append(f"cells not executed once, top to bottom, in a fresh kernel: counts {counts}")
    if not any(c.get("outputs") for c in code):
        problems.append("no stored outputs, so nbval would compare nothing")
    # A cell tagged raises-exception shows an error on purpose (a popular article's broken code); nbval
    # checks that it still raises. An error anywhere else is a broken run.
    errors = [
        c["execution_count"]
        for c in code
        for o in c.get("outputs", [])
        if o["output_type"] == "error" and "raises-exception" not in c.get("metadata", {}).get("tags", [])
    ]
    if errors:
        problems.append(f"stored errors in cells {errors}")
    expected = [
        c["execution_count"]
        for c in code
        if "raises-exception" in c.get("metadata", {}).get("tags", [])
        and not any(o["output_type"] == "error" for o in c.get("outputs", []))
    ]
    if expected:
        problems.append(f"cells {expected} are tagged raises-exception but stored no error")
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        problems.append("kernel is not 'python3'")
    return problems


NOTEBOOKS = toc_notebooks()


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if not any((ROOT / f"{f}{ext}").exists() for ext in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {str(p.relative_to(ROOT)) for p in NOTEBOOKS}
    found = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "book").rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts
    }
    assert found - listed == set(), f"notebooks not in _toc.yml (neither built nor tested): {found - listed}"
    assert NOTEBOOKS, "the book has no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_holds_a_clean_run(path):
    assert notebook_problems(json.loads(path.read_text())) == []


def test_the_check_catches_a_notebook_without_outputs():
    nb = json.loads(NOTEBOOKS[0].read_text())
    stripped = copy.deepcopy(nb)
    for cell in stripped["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    problems = notebook_problems(stripped)
    assert any("never executed" in p for p in problems)
    assert any("no stored outputs" in p for p in problems)


def test_the_check_allows_errors_only_where_tagged():
    nb = json.loads(NOTEBOOKS[0].read_text())
    broken = copy.deepcopy(nb)
    cell = [c for c in broken["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()][-1]
    cell["outputs"] = [{"output_type": "error", "ename": "SyntaxError", "evalue": "invalid character", "traceback": []}]
    assert any("stored errors" in p for p in notebook_problems(broken))
    cell.setdefault("metadata", {}).setdefault("tags", []).append("raises-exception")
    assert notebook_problems(broken) == []
    cell["outputs"] = []
    assert any("stored no error" in p for p in notebook_problems(broken))


def test_the_check_catches_out_of_order_runs():
    nb = json.loads(NOTEBOOKS[0].read_text())
    shuffled = copy.deepcopy(nb)
    code = [c for c in shuffled["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    code[0]["execution_count"], code[1]["execution_count"] = 2, 1
    assert any("top to bottom" in p for p in notebook_problems(shuffled))


COLAB_INSTALL = '%pip install -q "course_lib @ git+https://github.com/generative-nn-course/generative-nn-course"'


def run_colab_cell(source: str, on_colab: bool) -> list[tuple[str, str]]:
    """Run a notebook cell as IPython would; return the line magics it called."""
    from IPython.core.inputtransformer2 import TransformerManager

    calls: list[tuple[str, str]] = []

    class FakeShell:
        def run_line_magic(self, name: str, line: str) -> None:
            calls.append((name, line))

    modules = dict(sys.modules)
    if on_colab:
        modules["google.colab"] = object()
    namespace = {"get_ipython": lambda: FakeShell()}
    code = TransformerManager().transform_cell(source).replace("import sys\n", "", 1)
    exec(code, {**namespace, "sys": type("Sys", (), {"modules": modules})})  # noqa: S102
    return calls


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_first_code_cell_installs_course_lib_on_colab_only(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert "remove-cell" in first.get("metadata", {}).get("tags", []), "the Colab cell should be hidden on the website"
    assert run_colab_cell(source, on_colab=False) == [], "the first cell must do nothing outside Colab"
    installs = run_colab_cell(source, on_colab=True)
    assert [f"%{name} {line}" for name, line in installs] == [COLAB_INSTALL]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_has_alt_text(path):
    # MyST-NB writes cell metadata mystnb.image.alt into the HTML alt attribute of the cell's images.
    problems = []
    for index, cell in dict(image_outputs(path)).items():  # each figure cell once
        alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
        where = f"{path.relative_to(ROOT)}, cell {index}"
        if not isinstance(alt, str) or not alt.strip():
            problems.append(f"{where}: no mystnb.image.alt for its figure")
        elif len(alt) > 300:
            problems.append(f"{where}: alt text of {len(alt)} characters (at most 300)")
    assert not problems, "\n".join(problems)

"""Exercises, their checks and the student copies made by scripts/make_student_copies.py.

The chapters' solutions run in CI like every other cell (nbval re-executes the
notebooks and compares the checks' reports with the stored ones); these tests
add the structure: every solution has a check that passes in the stored run,
and a generated student copy runs and says "not done yet" instead of crashing.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from make_student_copies import (
    BEGIN,
    END,
    main,
    make_student_notebook,
    replace_solutions,
    write_student_copies,
)
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
WITH_EXERCISES = [p for p in NOTEBOOKS if BEGIN in p.read_text(encoding="utf-8")]
EXECUTED = ROOT / "book" / "feedforward" / "from_scratch.ipynb"  # the copy the test runs (about 30 s)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def text_output(cell) -> str:
    texts = [o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream"]
    return "".join(t if isinstance(t, str) else "".join(t) for t in texts)


def test_six_chapters_have_at_least_three_checked_exercises():
    by_chapter = {}
    for path in WITH_EXERCISES:
        cells = json.loads(path.read_text())["cells"]
        by_chapter[path.parent.name] = by_chapter.get(path.parent.name, 0) + sum("check" in tags(c) for c in cells)
    for chapter in ("feedforward", "cnn", "rnn", "gan", "vae", "text"):
        assert by_chapter.get(chapter, 0) >= 3, by_chapter


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_solution_is_hidden_and_followed_by_its_passing_check(path):
    cells = json.loads(path.read_text())["cells"]
    solutions = [i for i, c in enumerate(cells) if "solution" in tags(c)]
    assert solutions, f"{path.name}: markers but no cell tagged 'solution'"
    marked = [i for i, c in enumerate(cells) if BEGIN in "".join(c["source"])]
    assert marked == solutions, "every cell with '### BEGIN SOLUTION' is tagged 'solution', and only those"
    for number, index in enumerate(solutions, start=1):
        cell = cells[index]
        assert cell["cell_type"] == "code" and "hide-input" in tags(cell), (
            f"cell {index}: hide the solution on the website"
        )
        following = cells[index + 1]
        assert "check" in tags(following), f"cell {index}: the next cell must be its check (tag 'check')"
        assert "".join(following["source"]).startswith(f"check.q{number}("), f"cell {index + 1}: check.q{number}(...)"
        grader = {"solution": cell["metadata"]["nbgrader"], "check": following["metadata"]["nbgrader"]}
        assert grader["solution"]["solution"] and not grader["solution"]["grade"], "nbgrader: autograded answer"
        assert grader["check"]["grade"] and grader["check"]["locked"] and grader["check"]["points"] > 0, (
            "nbgrader: test"
        )
        ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells if "nbgrader" in c["metadata"]]
        assert len(ids) == len(set(ids)), "nbgrader needs unique grade_ids"
        report = text_output(following)
        assert report.startswith(f"✔ Exercise {number} "), f"the stored run of check.q{number} did not pass:\n{report}"


def test_the_course_solutions_are_inside_functions():
    # The placeholder must raise only when the check calls the learner's function.
    for path in WITH_EXERCISES:
        for cell in json.loads(path.read_text())["cells"]:
            if "solution" in tags(cell):
                source = "".join(cell["source"])
                assert source.startswith("def ") and f"    {BEGIN}" in source, (path.name, source[:80])


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_student_copy_removes_answers_and_keeps_the_rest(path):
    nb = nbformat.read(path, as_version=4)
    student = make_student_notebook(nb, path.name)
    assert BEGIN not in json.dumps(student) and END not in json.dumps(student)
    assert len(student.cells) == len(nb.cells)
    first = next(i for i, c in enumerate(nb.cells) if "solution" in c.metadata.get("tags", []))
    for index, (original, copy) in enumerate(zip(nb.cells, student.cells)):
        solution = "solution" in original.metadata.get("tags", [])
        if solution:
            assert "# YOUR CODE HERE\n" in copy.source and "raise NotImplementedError()" in copy.source
            assert "hide-input" not in copy.metadata["tags"]
        else:
            assert copy.source == original.source, f"cell {index} changed"
        if original.cell_type == "code":
            assert (copy.outputs == []) if index >= first else (copy.outputs == original.outputs), index
    assert nb.cells[first].source != student.cells[first].source, "the original must not be changed"


def test_a_student_copy_runs_and_its_checks_say_not_done_yet(tmp_path):
    (target,) = write_student_copies([str(EXECUTED)], tmp_path)
    nb = nbformat.read(target, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(target.parent)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) >= 3
    for cell in checks:
        report = text_output(cell)
        assert "not done yet" in report and "Traceback" not in report, report


# --- the conversion itself ---------------------------------------------------------------------


def test_regions_are_replaced_at_their_indentation():
    source = f"def f(x):\n    y = 1\n    {BEGIN}\n    y = 2 * x\n    {END}\n    return y\n"
    new, count = replace_solutions(source, ["# YOUR CODE HERE", "raise NotImplementedError()"])
    assert count == 1
    assert new == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return y\n"


def test_unbalanced_markers_are_an_error():
    with pytest.raises(ValueError, match="unbalanced"):
        replace_solutions(f"def f():\n    {BEGIN}\n    return 1\n", ["pass"], "nb.ipynb, cell 3")


def test_markdown_answers_whole_cells_and_solution_only_cells():
    nb = new_notebook(
        cells=[
            new_code_cell("x = 1", outputs=[]),
            new_markdown_cell(f"Why?\n\n{BEGIN}\nBecause.\n{END}", metadata={"tags": ["solution"]}),
            new_code_cell("answer = 42", metadata={"tags": ["solution"]}),
            new_code_cell("print('teacher notes')", metadata={"tags": ["solution-only"]}),
            new_code_cell("check.q1(answer)", metadata={"tags": ["check"]}),
        ]
    )
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✔ passed")]
    student = make_student_notebook(nb)
    assert [c.source for c in student.cells] == [
        "x = 1",
        "Why?\n\nYOUR ANSWER HERE",
        "# YOUR CODE HERE\nraise NotImplementedError()",
        "check.q1(answer)",
    ]
    assert student.cells[3].outputs == []


def test_command_line(tmp_path, capsys):
    assert main(["book/rnn", "--out", str(tmp_path / "student")]) == 0
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.ipynb"))
    assert Path("student/book/rnn/from_scratch.ipynb") in written and len(written) == 3
    assert main(["book/no_such_chapter"]) == 1
    assert "not a notebook or a folder" in capsys.readouterr().err

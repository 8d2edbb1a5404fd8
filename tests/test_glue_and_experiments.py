"""course_lib.glue stores values the way MyST-NB reads them; course_lib.experiments saves and loads records."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest
from myst_nb.core.variables import format_plain_text
from myst_nb.ext.glue import extract_glue_data_cell
from nbclient import NotebookClient

from course_lib import experiments
from course_lib.glue import glue


def test_glue_in_a_kernel_is_read_by_myst_nb():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import numpy as np\nfrom course_lib.glue import glue\n"
            "glue('accuracy', np.float32(0.9875))\nglue('steps', np.int64(600))\nglue('label', 'LSTM')\n"
            "print('shown')"
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    cell = nb.cells[0]
    found = dict(extract_glue_data_cell(cell))
    assert set(found) == {"accuracy", "steps", "label"}
    assert format_plain_text(found["accuracy"]["data"]["text/plain"], ".1%") == "98.8%"
    assert format_plain_text(found["steps"]["data"]["text/plain"], ",d") == "600"
    assert format_plain_text(found["label"]["data"]["text/plain"], "") == "LSTM"
    # Hidden in the notebook: the only visible output is the print.
    assert [o["output_type"] for o in cell.outputs] == ["stream"]


def test_glue_outside_a_kernel_does_nothing_and_refuses_bad_input(capsys):
    glue("fine_name", 1.5)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        glue("two words", 1.0)
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        glue("pytorch.ipynb::key", 1.0)
    with pytest.raises(ValueError, match="not an array of shape"):
        glue("losses", np.zeros(3))


def test_an_experiment_is_saved_with_its_provenance_and_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "EXPERIMENTS_DIR", tmp_path)
    path = experiments.save_experiment(
        "demo_sweep",
        {"lr": [1e-3, 3e-3], "accuracy": [0.9, 0.93]},
        command="python scripts/experiments/demo_sweep.py",
        started=0.0,
    )
    assert path == tmp_path / "demo_sweep.json"
    record = experiments.load_experiment("demo_sweep")
    assert record["results"]["accuracy"] == [0.9, 0.93]
    assert record["command"].startswith("python scripts/experiments/")
    assert record["machine"]["cores"] >= 1 and record["versions"]["python"].count(".") == 2
    assert experiments.available_experiments() == ["demo_sweep"]


def test_experiment_errors_name_the_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "EXPERIMENTS_DIR", tmp_path)
    with pytest.raises(ValueError, match="non-empty dict"):
        experiments.save_experiment("empty", {}, command="x", started=0.0)
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        experiments.save_experiment("a-b", {"x": 1}, command="x", started=0.0)
    with pytest.raises(TypeError):
        experiments.save_experiment("not_json", {"x": object()}, command="x", started=0.0)
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        experiments.load_experiment("broken")
    (tmp_path / "partial.json").write_text(json.dumps({"name": "partial"}))
    with pytest.raises(ValueError, match="not written by save_experiment"):
        experiments.load_experiment("partial")
    with pytest.raises(ValueError, match="did you mean 'partial'"):
        experiments.load_experiment("partia")

"""environment.yml (Binder, conda) and pyproject.toml (pip, make) must install the same packages."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def normalise(requirement: str) -> str:
    return requirement.replace(" ", "").lower()


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    wanted = project["dependencies"] + extras["frameworks"] + extras["book"]
    return {normalise(r) for r in wanted if not r.startswith("course_lib")}


def environment_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "python=3.11" in env["dependencies"]
    return {normalise(r) for r in pip_section if not r.startswith("-")}


def test_environment_yml_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_jupyter_book_is_pinned_exactly():
    # An open range can silently resolve to Jupyter Book 0.6 or 2.x, which build differently.
    assert "jupyter-book==1.0.4.post1" in pyproject_requirements()


def test_postbuild_installs_course_lib():
    assert "pip install --no-deps -e ." in (ROOT / "postBuild").read_text()


def test_github_workflow_runs_the_readme_commands():
    # CI and the published site use the same two commands a newcomer runs.
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = {job: [step.get("run", "") for step in spec["steps"]] for job, spec in workflow["jobs"].items()}
    assert ".ci/run" in steps["test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make book" in steps["publish"]
    upload = next(s for s in workflow["jobs"]["publish"]["steps"] if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "_build/html"
    assert workflow["jobs"]["publish"]["needs"] == "test"

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

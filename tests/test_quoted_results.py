"""The page says what the code did: no page types a result by hand, and every glued value exists.

See tests/quoted_results.py for what counts as a typed result and what is
exempt, and tests/quoted_constants.yml for the allowlist of constants and the
retracted statements. The last tests put the book's own past mistakes back
into copies of its pages and check that they are caught.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from quoted_results import (
    code_literals,
    glue_references,
    load_allowlist,
    missing_glue_keys,
    page_problems,
    typed_results,
    used_constants,
)

from course_tools.toc import toc_files

ROOT = Path(__file__).resolve().parent.parent

PAGES = [p for name in toc_files() for p in (ROOT / f"{name}.ipynb", ROOT / f"{name}.md") if p.exists()]
CONSTANTS, RETRACTED = load_allowlist()


def page_id(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_no_page_types_a_result(path):
    problems = page_problems(path, CONSTANTS, RETRACTED)
    assert not problems, (
        "typed results: glue them from the run (course_lib.glue.glue + {glue:text}`key`), quote a "
        "run time with {runtime}`book/...`, mark evidence from runs the book does not execute with a "
        "'Not re-run here' admonition, or, for a true constant, add it with its reason to "
        "tests/quoted_constants.yml:\n" + "\n".join(map(str, problems))
    )


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_every_glue_key_a_page_uses_is_in_its_notebook(path):
    assert missing_glue_keys(path) == []


def test_every_allowlist_entry_is_used():
    pages = {page_id(p): p for p in PAGES}
    stale = []
    for page, entries in CONSTANTS.items():
        if page not in pages:
            stale.append(f"{page}: not a page of the book")
            continue
        used = used_constants(pages[page])
        stale += [f"{page}: {text!r} no longer appears" for text in entries if text not in used]
    assert not stale, "remove these entries from tests/quoted_constants.yml:\n" + "\n".join(stale)


def test_every_allowlist_entry_says_why():
    entries = [why for page in CONSTANTS.values() for why in page.values()] + [r.why for r in RETRACTED]
    assert entries and all(isinstance(why, str) and len(why.split()) >= 3 for why in entries)


# -- the checker itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Training took about 116 s of CPU time.",
        "It reached 0.946 confidence.",
        "The GRU reached 91-93% accuracy.",
        "It trains in about a minute.",
        "about 2 CPU-minutes",
        "The file is 1.5 MB.",
        "the LSTM has 350,593 parameters",
        "it is 3x slower than the CNN",
        "1.58 nats/char",
    ],
)
def test_typed_results_are_found(text):
    assert typed_results(text, set()) != []


@pytest.mark.parametrize(
    "text",
    [
        "The accuracy is {glue:text}`accuracy:.1%`, in {runtime}`book/cnn/keras`.",
        "Greydanus reports 94% for a CNN {cite}`greydanus2020scaling`.",
        "Uniform guessing costs $\\ln 65 = 4.17$ nats.",
        "A generator that draws only 1s and 7s.",
        "A second, smaller set of digits.",
        "We use 28x28 images and 3x3 kernels in 2-D.",
        "See `lr=0.003` and [the page](https://example.org/v1.5).",
        "```{admonition} Not re-run here\nEarlier runs reached 0.946 in 116 s.\n```",
        "```python\nx = 0.946\n```",
    ],
)
def test_quoted_and_exempt_numbers_are_not_flagged(text):
    assert typed_results(text, set()) == []


def test_settings_in_the_code_are_not_flagged_but_times_are():
    literals = code_literals(["LR = 3e-3\nsteps = 600\nassert accuracy >= 0.985\ntimeout = 20"])
    assert typed_results("Adam at 0.003 for 600 steps must reach 98.5%.", literals) == []
    assert typed_results("It took 20 s.", literals) != []


def test_glue_references_are_read_with_their_documents():
    text = "{glue:text}`acc:.2f` and {glue:text}`pytorch.ipynb::nats:.3f` and {glue}`fig`"
    assert glue_references(text) == [(None, "acc"), ("pytorch.ipynb", "nats"), (None, "fig")]


def test_a_cross_document_glue_without_a_format_is_caught(tmp_path):
    page = tmp_path / "index.md"
    (tmp_path / "pytorch.ipynb").write_text(json.dumps({"cells": []}))
    page.write_text("It reached {glue:text}`pytorch.ipynb::nats` nats.\n")
    assert any("format spec" in problem for problem in missing_glue_keys(page))


# -- the book's past mistakes, put back into copies of its pages ----------------------------------


def copy_chapter(page: str, tmp_path: Path) -> Path:
    """Copy the chapter folder of ``page`` to tmp_path (mirroring the repository); return the copy of the page."""
    source = ROOT / page
    shutil.copytree(source.parent, tmp_path / source.parent.relative_to(ROOT))
    return tmp_path / page


def add_markdown(path: Path, text: str) -> None:
    if path.suffix == ".md":
        path.write_text(path.read_text() + "\n\n" + text + "\n")
        return
    nb = json.loads(path.read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": text})
    path.write_text(json.dumps(nb))


def set_first_alt_text(path: Path, alt: str) -> None:
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt"))
    cell["metadata"]["mystnb"]["image"]["alt"] = alt
    path.write_text(json.dumps(nb))


STALE = [
    ("book/text/pytorch.ipynb", "Training took about 116 s of CPU time on one core."),
    ("book/text/keras.ipynb", "Training took 134 s of CPU time, about 0.17 s per step."),
    ("book/text/index.md", "Each notebook trains its LSTM in about 2 CPU-minutes."),
    ("book/gan/pytorch.ipynb", "The judge's mean confidence is 0.946 and the Fréchet ratio 2.18."),
    ("book/music/pytorch.ipynb", "Compare the bigram model's endless melodies with the LSTM's."),
    ("book/gan/failure_modes.ipynb", "Real data score 8 modes and 99.7% (the mass of a 2-D Gaussian within 3σ)."),
    ("book/cnn/keras.ipynb", "It reaches the target on a laptop CPU in about a minute."),
]


@pytest.mark.parametrize("page, stale", STALE, ids=[page for page, _ in STALE])
def test_a_stale_sentence_put_back_is_caught(page, stale, tmp_path):
    copy = copy_chapter(page, tmp_path)
    assert page_problems(copy, CONSTANTS, RETRACTED, root=tmp_path) == [], "the copy should start clean"
    add_markdown(copy, stale)
    assert page_problems(copy, CONSTANTS, RETRACTED, root=tmp_path) != []


@pytest.mark.parametrize(
    "alt",
    [
        "Four columns: the input frames, the prediction and the truth; grey blobs, shape lost.",
        "The predicted frames after training reach an MSE of 0.007.",
    ],
)
def test_a_stale_alt_text_put_back_is_caught(alt, tmp_path):
    copy = copy_chapter("book/hybrid/next_frame.ipynb", tmp_path)
    assert page_problems(copy, CONSTANTS, RETRACTED, root=tmp_path) == [], "the copy should start clean"
    set_first_alt_text(copy, alt)
    assert page_problems(copy, CONSTANTS, RETRACTED, root=tmp_path) != []

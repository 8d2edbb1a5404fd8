"""Find results that a page of the book types by hand instead of quoting from a run.

The book's rule: a result the prose quotes (a metric, a loss, an accuracy, a
time, a count, a table value) is glued from the executed outputs
(``{glue:text}`key``` with :func:`course_lib.glue.glue`), or the page's
run time comes from the benchmark (``{runtime}`book/...```), or the number is
a constant that no run changes. This module reads every page as a reader
would and lists the numbers that look like results and are none of those.

What counts as a result-like number (:data:`RESULT_NUMBER`, :data:`TIME_WORDS`):
a decimal (``0.946``), a percentage (``91%``, ``91-93%``), a number with a
unit of time, size, information, a ratio or a count of parameters or steps
(``116 s``, ``1.5 MB``, ``1.58 nats``, ``3x``, ``421,642 parameters``), and
a duration in words (``about a minute``, ``two CPU-minutes``).

What is not flagged, because no run changes it:

- mathematics (``$...$``, ``$$...$$``): a formula and its value are constants;
- code (inline and fenced) and the targets of links, roles and directives;
- a number in a sentence that cites a paper (``{cite}```): the paper's published figure;
- a number that is a literal in the code cells of the page's notebook (for a
  chapter's ``index.md``, of the notebooks in its folder): a setting such as
  a learning rate, a step count or a threshold, written once in the code
  (a percentage matches the fraction: ``98.5%`` and ``0.985``). Times are
  never exempt this way;
- anything inside an admonition titled "Not re-run here" (:data:`NOT_RERUN_TITLE`):
  evidence from runs that the book does not execute, visibly marked as such;
- the entries of the allowlist, ``tests/quoted_constants.yml``: a short list,
  page by page, of constants with the reason each is one.

The same file lists *retracted* phrases: statements that once stood in the
book and were false (or stale), so that reintroducing one fails the tests.

Alt texts of figures are checked too: no result-like number, except the
notebook's code literals and the allowlist.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / "tests" / "quoted_constants.yml"
NOT_RERUN_TITLE = "Not re-run here"

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_RANGE = rf"(?:{_NUMBER})(?:\s?(?:-|–|to)\s?(?:{_NUMBER}))?"
_TIME_UNITS = r"(?:ms|µs|(?<=\s)s|sec|seconds?|min|minutes?|hours?|CPU[- ]?(?:s|seconds?|minutes?|hours?))"
_OTHER_UNITS = (
    r"(?:%|dB|[kKMG]B|nats?|bits?|bpc|px|pixels?|×|x|times|parameters|weights|steps|epochs|passes"
    r"|samples|characters|notes)"
)
#: A result-like number: a decimal, or any number with a unit (group "unit").
RESULT_NUMBER = re.compile(
    rf"(?<![\w.,/#^_\\-])(?P<number>{_RANGE})(?:\s?(?P<unit>{_TIME_UNITS}|{_OTHER_UNITS})(?![\w]))?"
)
#: A duration in words, such as "about a minute" or "two CPU-minutes".
TIME_WORDS = re.compile(
    r"\b(?!a\s+second\b)(?:a|an|one|two|three|four|five|six|ten|half an?|a few|a couple of|several)\s+"
    r"(?:CPU[- ])?(?:second|minute|hour)s?\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quote:
    """A result-like number typed on a page."""

    page: str
    where: str
    text: str
    context: str

    def __str__(self) -> str:
        return f"{self.page} ({self.where}): {self.text!r} in ...{self.context}..."


# -- reading pages -------------------------------------------------------------------------------


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def page_texts(path: Path) -> list[tuple[str, str]]:
    """(where, Markdown text) for a page: each Markdown cell of a notebook, or the whole .md file."""
    if path.suffix == ".md":
        return [("page", path.read_text(encoding="utf-8"))]
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(f"cell {i}", _cell_source(c)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"]


def alt_texts(path: Path) -> list[tuple[str, str]]:
    """(where, alt text) for each figure cell of a notebook that has one."""
    if path.suffix != ".ipynb":
        return []
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb["cells"]):
        alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
        if isinstance(alt, str):
            found.append((f"alt text of cell {i}", alt))
    return found


def code_sources(path: Path) -> list[str]:
    """The code of a notebook, or of every notebook beside a chapter's .md page."""
    notebooks = [path] if path.suffix == ".ipynb" else sorted(path.parent.glob("*.ipynb"))
    sources = []
    for notebook in notebooks:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        sources += [_cell_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    return sources


def code_literals(sources: list[str]) -> set[float]:
    """Every number literal in the given code (``3e-3``, ``0.985``, ``600``, ``1_000``)."""
    values: set[float] = set()
    for source in sources:
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
        except (tokenize.TokenError, IndentationError, SyntaxError):
            tokens = []
        for token in tokens:
            if token.type == tokenize.NUMBER:
                try:
                    values.add(float(token.string.replace("_", "").rstrip("jJ")))
                except ValueError:
                    pass
    return values


# -- what is exempt ------------------------------------------------------------------------------


def _remove_fenced_blocks(text: str) -> str:
    """Drop code fences and ``{math}`` blocks and "Not re-run here" admonitions; keep other directives' bodies."""
    out, lines, i = [], text.splitlines(), 0
    opener = re.compile(r"^(\s*)(`{3,}|:{3,})\s*(\{(?P<directive>[\w:-]+)\})?\s*(?P<argument>.*)$")
    while i < len(lines):
        match = opener.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        fence, directive = match.group(2), match.group("directive")
        end = i + 1
        while end < len(lines) and not re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[end]):
            end += 1
        body = lines[i + 1 : end]
        drop_body = (directive is None and fence.startswith("`")) or directive in (
            "math",
            "code",
            "code-block",
            "code-cell",
        )
        not_rerun = directive == "admonition" and match.group("argument").strip().startswith(NOT_RERUN_TITLE)
        if not (drop_body or not_rerun):
            out += [line for line in body if not re.match(r"^\s*:[\w-]+:", line)]  # directive options
        out.append("")
        i = end + 1
    return "\n".join(out)


def prose(text: str) -> str:
    """The words a reader reads as prose: without maths, code, comments, roles, link targets."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = _remove_fenced_blocks(text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"(?<!\\)\$[^$\n]+?(?<!\\)\$", " ", text)
    text = re.sub(r"\{(?!cite)[\w:-]+\}`[^`]*`", " ", text)  # roles other than citations
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"^\s*\(?[\w-]+\)=\s*$", " ", text, flags=re.M)  # MyST targets
    return text


def sentences(text: str) -> list[str]:
    """Split prose into sentences (each table row is one)."""
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        rows = [line for line in paragraph.splitlines() if line.lstrip().startswith("|")]
        rest = "\n".join(line for line in paragraph.splitlines() if not line.lstrip().startswith("|"))
        found += rows + re.split(r"(?<=[.!?;])\s+(?=[A-Z(*\"'])", rest)
    return found


def _values(number: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(_NUMBER, number)]


def _is_code_literal(number: str, unit: str | None, literals: set[float]) -> bool:
    if unit and re.fullmatch(_TIME_UNITS.replace("(?<=\\s)", ""), unit):
        return False
    values = _values(number)
    if not values:
        return False

    def known(v: float) -> bool:
        candidates = [v, v / 100] if unit == "%" else [v]
        return any(abs(c - lit) <= 1e-9 * max(1.0, abs(lit)) for c in candidates for lit in literals)

    return all(known(v) for v in values)


# -- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Retracted:
    """A statement that once stood in the book and was false: ``page`` None means any page."""

    text: str
    why: str
    page: str | None = None


def load_allowlist(path: Path = ALLOWLIST) -> tuple[dict[str, dict[str, str]], list[Retracted]]:
    """(constants: page -> {number text: why}, retracted phrases) from the YAML allowlist."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    constants = {
        page: {str(e["text"]): e["why"] for e in entries} for page, entries in (data.get("constants") or {}).items()
    }
    retracted = [Retracted(str(e["text"]), e["why"], e.get("page")) for e in data.get("retracted") or []]
    return constants, retracted


def typed_results(text: str, literals: set[float]) -> list[tuple[str, str]]:
    """(number text, context) of each result-like number in ``text`` that is typed, not quoted."""
    found = []
    for sentence in sentences(prose(text)):
        if "{cite" in sentence:
            continue
        for match in RESULT_NUMBER.finditer(sentence):
            number, unit = match.group("number"), match.group("unit")
            if unit is None and "." not in number:
                continue  # a bare integer: a count or a label, not a measured value
            if _is_code_literal(number, unit, literals):
                continue
            context = sentence[max(0, match.start() - 40) : match.end() + 25].replace("\n", " ")
            found.append((match.group(0).strip(), context))
        for match in TIME_WORDS.finditer(sentence):
            context = sentence[max(0, match.start() - 40) : match.end() + 25].replace("\n", " ")
            found.append((match.group(0), context))
    return found


def page_problems(
    path: Path,
    constants: dict[str, dict[str, str]] | None = None,
    retracted: list[Retracted] | None = None,
    root: Path = ROOT,
) -> list[Quote]:
    """Typed results and retracted phrases on one page (a notebook or a .md file)."""
    if constants is None or retracted is None:
        constants, retracted = load_allowlist()
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    allowed = constants.get(name, {})
    literals = code_literals(code_sources(path))
    problems = []
    for where, text in page_texts(path) + alt_texts(path):
        for number, context in typed_results(text, literals):
            if number not in allowed:
                problems.append(Quote(name, where, number, context))
        for phrase in retracted:
            if phrase.page in (None, name) and phrase.text.lower() in " ".join(text.lower().split()):
                problems.append(Quote(name, where, phrase.text, f"retracted: {phrase.why}"))
    return problems


def used_constants(path: Path, root: Path = ROOT) -> set[str]:
    """The typed result-like numbers on a page (allowlisted or not): to find stale allowlist entries."""
    literals = code_literals(code_sources(path))
    return {number for _, text in page_texts(path) + alt_texts(path) for number, _ in typed_results(text, literals)}


# -- glue keys -----------------------------------------------------------------------------------

GLUE_REFERENCE = re.compile(r"\{glue(?::[\w]*)?\}`(?P<target>[^`]+)`|```\{glue(?::[\w]*)?\}\s+(?P<directive>\S+)")


def glue_references(text: str) -> list[tuple[str | None, str]]:
    """(document or None, key) of each glue role or directive in Markdown text."""
    found = []
    for match in GLUE_REFERENCE.finditer(text):
        target = match.group("target") or match.group("directive")
        document, _, key = target.rpartition("::")
        if match.group("target"):
            key = key.split(":", 1)[0]  # drop a format spec
        found.append((document or None, key))
    return found


def glued_keys(notebook: Path) -> set[str]:
    """The glue keys stored in a notebook's outputs."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return {
        o["metadata"]["scrapbook"]["name"]
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if "scrapbook" in o.get("metadata", {})
    }


# MyST-NB splits a text or md role at its last colon first, so `doc::key` with no format spec
# is read as key 'key' of document 'doc:' and fails the build; it needs `doc::key:s` (or :d, :.2f).
UNFORMATTED_CROSS_GLUE = re.compile(r"\{glue:(?:text|md)\}`([^`:]+::[^`:]+)`")


def missing_glue_keys(path: Path) -> list[str]:
    """Glue references on a page whose key is not in the outputs of the notebook they name,
    or that MyST-NB would misread (a reference to another document without a format spec)."""
    problems = []
    for where, text in page_texts(path):
        for target in UNFORMATTED_CROSS_GLUE.findall(text):
            problems.append(f"{where}: {target}: add a format spec (:s, :d, :.2f): MyST-NB misreads it without one")
        for document, key in glue_references(text):
            notebook = path if document is None else (path.parent / document)
            if notebook.suffix != ".ipynb" or not notebook.exists():
                problems.append(f"{where}: {{glue}} {document or '(this page)'}::{key}: no such notebook")
            elif key not in glued_keys(notebook):
                problems.append(f"{where}: glue key {key!r} is not in the outputs of {notebook.name}")
    return problems

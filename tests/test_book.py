"""The website: it builds with Sphinx's warnings as errors, and its links work.

The book is built once per test session into a temporary folder (the
``book_build`` fixture of conftest.py, shared with test_browser.py). Then:

- every internal link (to a page, a file or an anchor ``page.html#id``)
  resolves to a file in the build and, for anchors, to an element with that id;
- external links are collected into ``external_links.txt`` beside the HTML
  (there is no internet here to fetch them) and must at least be well formed;
- every notebook page has launch buttons for Binder and Colab that open that
  same notebook, and a download link for the ``.ipynb``.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from course_tools.toc import toc_files

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = "generative-nn-course/generative-nn-course"


class LinkParser(HTMLParser):
    """Collects the ids defined in a page and the targets of its links and images."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "img" and values.get("src"):
            self.links.append(values["src"])


def parse(page: Path) -> LinkParser:
    parser = LinkParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def book_pages(html: Path) -> list[Path]:
    """The HTML pages made from the book's own sources (not Sphinx's genindex, search...)."""
    return [html / f"{name}.html" for name in toc_files()]


def test_book_builds_without_warnings(book_build):
    html, log = book_build
    assert "WARNING" not in log, log[-5000:]
    assert (html / "index.html").exists()


def test_every_toc_page_is_built(book_build):
    html, _ = book_build
    missing = [str(p.relative_to(html)) for p in book_pages(html) if not p.exists()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"


def internal_link_problems(html: Path, pages: list[Path]) -> list[str]:
    """Every internal link of ``pages`` that points to a missing file or anchor."""
    parsed: dict[Path, LinkParser] = {}
    problems = []
    for page in pages:
        parsed.setdefault(page, parse(page))
        for link in parsed[page].links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if not target.exists():
                problems.append(f"{page.relative_to(html)}: {link} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                parsed.setdefault(target, parse(target))
                if unquote(parts.fragment) not in parsed[target].ids:
                    problems.append(f"{page.relative_to(html)}: {link} (no element with id {parts.fragment!r})")
    return problems


def test_internal_links_and_anchors_resolve(book_build):
    html, _ = book_build
    problems = internal_link_problems(html, book_pages(html))
    assert not problems, "broken internal links:\n" + "\n".join(problems)


def test_the_link_check_finds_a_broken_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<p id="here">x</p><a href="b.html#nowhere">b</a><a href="#here">me</a>')
    (tmp_path / "b.html").write_text('<h1 id="top">b</h1><a href="a.html#here">a</a><img src="missing.png">')
    problems = internal_link_problems(tmp_path, [tmp_path / "a.html", tmp_path / "b.html"])
    assert problems == ["a.html: b.html#nowhere (no element with id 'nowhere')", "b.html: missing.png (no such file)"]


def test_external_links_are_listed_and_well_formed(book_build):
    html, _ = book_build
    external = sorted(
        {link for page in book_pages(html) for link in parse(page).links if urlsplit(link).scheme in ("http", "https")}
    )
    (html / "external_links.txt").write_text("\n".join(external) + "\n")
    malformed = [link for link in external if not urlsplit(link).netloc or " " in link]
    assert not malformed, malformed
    assert any("doi.org" in link or "arxiv.org" in link for link in external), "the bibliography should link papers"


@pytest.mark.parametrize("name", [n for n in toc_files() if (ROOT / f"{n}.ipynb").exists()])
def test_notebook_pages_launch_and_download_that_notebook(book_build, name):
    html, _ = book_build
    links = parse(html / f"{name}.html").links
    binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/main?urlpath=lab/tree/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/{name}.ipynb"
    assert binder in links, f"no Binder button for {name}"
    assert colab in links, f"no Colab button for {name}"
    downloads = [link for link in links if link.endswith(f"_sources/{name}.ipynb")]
    assert downloads, f"no download link for {name}.ipynb"
    assert (html / f"{name}.html").parent.joinpath(downloads[0]).resolve().exists()


def test_pages_show_no_framework_logging(book_build):
    # TensorFlow's C++ start-up logging lands in stored stderr outputs; the site must not show it.
    html, _ = book_build
    noisy = [
        name for name in toc_files() if "absl::InitializeLog" in (html / f"{name}.html").read_text(encoding="utf-8")
    ]
    assert not noisy, f"pages showing TensorFlow's start-up logging: {noisy}"


class OutputImageParser(HTMLParser):
    """Collects the alt attribute (None if absent) of every <img> inside a ``cell_output`` div."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # how many divs deep we are inside the outermost cell_output div; 0 means outside
        self.alts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div":
            if self.depth:
                self.depth += 1
            elif "cell_output" in (values.get("class") or "").split():
                self.depth = 1
        elif tag == "img" and self.depth:
            self.alts.append(values.get("alt"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.depth:
            self.depth -= 1


def output_image_alts(page: Path) -> list[str | None]:
    parser = OutputImageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.alts


def alt_problem(alt: str | None) -> str | None:
    """Why an output image's alt text does not describe it, or None if it does."""
    if alt is None or not alt.strip():
        return "no alt text"
    if alt.strip().lower().endswith((".png", ".jpg", ".jpeg", ".svg")):
        return f"alt text is a file name: {alt!r}"
    return None


def test_the_alt_check_sees_only_cell_outputs(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        '<img src="logo.png">'
        '<div class="cell docutils container"><div class="cell_output docutils container">'
        '<div class="output"><img alt="A loss curve." src="a.png" /></div><img src="b.png">'
        "</div><img src='c.png'></div>"
        '<div class="cell_output"><img alt="_images/d.png" src="d.png"></div>'
    )
    alts = output_image_alts(page)
    assert alts == ["A loss curve.", None, "_images/d.png"]
    assert [alt_problem(a) for a in alts] == [None, "no alt text", "alt text is a file name: '_images/d.png'"]


@pytest.mark.parametrize("name", [n for n in toc_files() if (ROOT / f"{n}.ipynb").exists()])
def test_notebook_figures_have_alt_text(book_build, name):
    html, _ = book_build
    alts = output_image_alts(html / f"{name}.html")
    problems = [f"image {k} of {name}: {p}" for k, a in enumerate(alts) if (p := alt_problem(a))]
    assert not problems, "\n".join(problems)

"""The website as a reader meets it: every page opened in headless Chromium.

The built site (the ``book_build`` fixture of conftest.py) is served on
127.0.0.1 and every page of the table of contents is opened with Playwright
driving Debian's Chromium. For each page the test checks that

- it loads without JavaScript errors or console errors, and asks for nothing
  outside 127.0.0.1 (the site must work offline: MathJax is served with it);
- every image is present and decoded, and a notebook page shows as many
  figures as its notebook has image outputs;
- its mathematics is typeset by MathJax, with no TeX errors;
- the "next" link leads to the next page of the table of contents;

and, once, that the search page finds a term and that the launch menu of a
notebook page offers Binder and Colab for that notebook. A screenshot of each
page is saved in ``_build/test-artifacts/screenshots`` (or
``$COURSE_ARTIFACTS/screenshots``) to look at.

Chromium comes from Debian's ``chromium`` package: if it is missing and the
tests run as root with apt-get available (as in CI), they install it;
otherwise they skip, saying how to install it.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from course_tools.notebook_cells import image_outputs
from course_tools.toc import toc_files

ROOT = Path(__file__).resolve().parent.parent
PAGES = toc_files()
ARTIFACTS = Path(os.environ.get("COURSE_ARTIFACTS", ROOT / "_build" / "test-artifacts")) / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str | None:
    """Path of a Chromium binary: $COURSE_CHROMIUM, or one on the PATH, installing Debian's if we can."""
    if os.environ.get("COURSE_CHROMIUM"):
        return os.environ["COURSE_CHROMIUM"]
    names = ("chromium", "chromium-browser", "google-chrome")
    found = next((shutil.which(n) for n in names if shutil.which(n)), None)
    if found is None and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "chromium"],
            capture_output=True,
            timeout=900,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = next((shutil.which(n) for n in names if shutil.which(n)), None)
    return found


@pytest.fixture(scope="module")
def site(book_build):
    """The built site served on 127.0.0.1; yields its base URL and html folder."""
    html, _ = book_build
    handler = functools.partial(QuietHandler, directory=str(html))
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", html
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (when a page is closed); that is not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "no Chromium found: install Debian's 'chromium' package (apt-get install chromium) "
            "or set COURSE_CHROMIUM to a Chromium binary"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageVisit:
    """A browser tab that records console errors, page errors and requests leaving 127.0.0.1."""

    def __init__(self, browser, base: str) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed request: {r.url}"))
        host = urlsplit(base).netloc
        self.page.route("**/*", self._only_local(host))

    def _only_local(self, host: str):
        def handle(route):
            url = route.request.url
            if urlsplit(url).netloc == host or url.startswith("data:"):
                route.continue_()
            else:
                self.external.append(url)
                route.abort()

        return handle


@pytest.mark.parametrize("index", range(len(PAGES)), ids=PAGES)
def test_page_renders(site, browser, index):
    base, html = site
    name = PAGES[index]
    visit = PageVisit(browser, base)
    page = visit.page
    page.goto(f"{base}/{name}.html", wait_until="load")

    if page.locator(".math").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")
        assert page.locator("mjx-container").count() > 0, f"{name}: mathematics not typeset"
        assert page.locator("mjx-merror").count() == 0, f"{name}: TeX errors in the mathematics"

    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert not broken, f"{name}: images not decoded: {broken}"
    figures = page.locator(".cell_output img").count()
    notebook = ROOT / f"{name}.ipynb"
    stored = len(image_outputs(notebook)) if notebook.exists() else 0  # Markdown pages have none
    assert figures == stored, f"{name}: {figures} figures on the page, {stored} in the notebook"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.replace('/', '__')}.png"))

    if index + 1 < len(PAGES):
        page.locator("a.right-next").first.click()
        page.wait_for_load_state("load")
        assert page.url.split("#")[0].endswith(f"/{PAGES[index + 1]}.html"), f"{name}: 'next' went to {page.url}"

    assert not visit.external, f"{name}: requests outside the site: {visit.external}"
    assert not visit.errors, f"{name}: {visit.errors}"
    page.close()


def test_search_finds_a_term(site, browser):
    base, _ = site
    visit = PageVisit(browser, base)
    visit.page.goto(f"{base}/search.html?q=backpropagation", wait_until="load")
    results = visit.page.locator("ul.search li")
    results.first.wait_for(timeout=30_000)
    links = [results.nth(i).locator("a").first.get_attribute("href") for i in range(results.count())]
    assert any("feedforward" in link for link in links), links
    assert not visit.errors, visit.errors


def test_launch_menu_offers_binder_and_colab(site, browser):
    base, _ = site
    name = next(n for n in PAGES if (ROOT / f"{n}.ipynb").exists())
    visit = PageVisit(browser, base)
    page = visit.page
    page.goto(f"{base}/{name}.html", wait_until="load")
    page.locator(".dropdown-launch-buttons button").first.click()
    binder = page.locator(".dropdown-launch-buttons a[href*='mybinder.org']").first
    colab = page.locator(".dropdown-launch-buttons a[href*='colab.research.google.com']").first
    binder.wait_for(state="visible", timeout=5_000)
    assert binder.get_attribute("href").endswith(f"lab/tree/{name}.ipynb")
    assert colab.is_visible() and colab.get_attribute("href").endswith(f"blob/main/{name}.ipynb")

"""Small fixes to the built website, found by tests/test_browser.py.

- sphinx-thebe (which Jupyter Book always loads) registers its inline
  configuration script once per read of the sources, so pages can carry it
  twice, and the second copy fails in the browser with "Identifier
  'THEBE_JS_URL' has already been declared". Each page here keeps only the
  first copy of any script.
"""

from __future__ import annotations

from typing import Any


def _script_key(script: Any) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""  # inline scripts: None or "" (both occur)
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Remove repeated entries from the page's list of scripts, keeping their order."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

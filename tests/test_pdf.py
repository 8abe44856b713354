"""The PDF a run publishes is tagged: structure tree with headings, tables and figures with
their text alternative, the page's title and language, and bookmarks from the headings."""

from __future__ import annotations

import re

import pytest

from audit_lib.run.pdf import find_chromium, html_to_pdf

PAGE = """<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Granskning 2025</title></head><body>
<h1>Rubrik</h1><p>Text</p><h2>Del</h2>
<table><caption>Tabell</caption><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>
<figure><svg role="img" aria-label="Diagram över priser" width="100" height="50"><rect width="100" height="50"/></svg>
<figcaption>Priser</figcaption></figure></body></html>"""


def utf16(text: str) -> bytes:
    return ("FEFF" + text.encode("utf-16-be").hex().upper()).encode()


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_the_pdf_is_tagged_titled_in_its_language_and_bookmarked(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    data = html_to_pdf(page, tmp_path / "page.pdf").path.read_bytes()
    for marker in (b"/StructTreeRoot", b"/MarkInfo", b"/H1", b"/H2", b"/Table", b"/Figure", b"/Outlines"):
        assert marker in data, marker
    assert re.search(rb"/Lang\s*\(sv\)", data)
    assert re.search(rb"/Title\s*\(Granskning 2025\)", data) or utf16("Granskning 2025") in data
    assert utf16("Diagram över priser") in data  # the figure's text alternative as its /Alt

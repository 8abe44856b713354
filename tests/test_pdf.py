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


def _leaf(pairs: list[tuple[int, int]]) -> bytes:
    names = b" ".join(b"(node%08d) %d 0 R" % (node, obj) for node, obj in pairs)
    keys = sorted(node for node, _ in pairs)
    return b"<</Limits [(node%08d) (node%08d)]\n/Names [%s]>>" % (keys[0], keys[-1], names)


def _tagged(first: int, second: int) -> bytes:
    """A structure tree as Chromium writes it: two elements (objects 5 and 7) named after their
    DOM nodes, a cell whose header is the first, and the ID tree's leaf sorted by name."""
    return (
        b"5 0 obj\n<</Type /StructElem\n/S /TH\n/ID (node%08d)>>\nendobj\n"
        b"6 0 obj\n<</Type /StructElem\n/S /TD\n/A [<</O /Table\n/Headers [(node%08d)]>>]>>\nendobj\n"
        b"7 0 obj\n<</Type /StructElem\n/S /TH\n/ID (node%08d)>>\nendobj\n"
        b"9 0 obj\n%s\nendobj\n" % (first, first, second, _leaf(sorted([(first, 5), (second, 7)])))
    )


def test_structure_ids_are_numbered_in_file_order_and_the_id_tree_stays_sorted():
    from audit_lib.run.pdf import normalise_pdf

    expected = _tagged(1, 2)
    # the ids Chromium gave in two prints of one page: shifted, and in another order
    for first, second in ((45, 46), (46, 47), (1031, 99)):
        out = normalise_pdf(_tagged(first, second))
        assert out == expected
        assert len(out) == len(_tagged(first, second))  # the cross-reference offsets stay valid
    assert b"/Limits [(node00000001) (node00000002)]\n/Names [(node00000001) 5 0 R (node00000002) 7 0 R]" in expected


def test_structure_ids_keep_their_order_when_the_id_tree_has_several_leaves():
    from audit_lib.run.pdf import renumber_structure_ids

    two_leaves = b"%s\n%s\n/ID (node00000099) /ID (node00000045)" % (_leaf([(45, 5)]), _leaf([(99, 7)]))
    assert renumber_structure_ids(two_leaves) == (
        b"%s\n%s\n/ID (node00000002) /ID (node00000001)" % (_leaf([(1, 5)]), _leaf([(2, 7)]))
    )


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_printing_a_page_twice_gives_the_same_bytes(tmp_path, monkeypatch):
    """Two prints of one page, the second with another window (the renderer then paints, and
    hands out node ids, differently before printing): the same bytes, still tagged."""
    from audit_lib.run import pdf

    page = tmp_path / "page.html"
    rows = "".join(f"<tr><th scope='row'>{i}</th><td>{i * 7}</td></tr>" for i in range(30))
    page.write_text(PAGE.replace("</body>", f"<table><caption>Rader</caption>{rows}</table></body>"), encoding="utf-8")
    first = html_to_pdf(page, tmp_path / "first.pdf").path.read_bytes()
    monkeypatch.setattr(pdf, "CHROMIUM_FLAGS", (*pdf.CHROMIUM_FLAGS, "--window-size=1920,3000"))
    second = html_to_pdf(page, tmp_path / "second.pdf").path.read_bytes()
    assert first == second
    assert b"/StructTreeRoot" in first and b"/ID (node00000001)" in first  # tagged, ids renumbered

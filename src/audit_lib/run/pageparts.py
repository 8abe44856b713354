"""A report page's headings, and what is added to an exported page once the whole of it is
known (``finish_page``): unique ids for repeated heading ids, the contents box after the title
cell, and a screen-reader caption on every report table without one.

Headings come both from markdown cells (ids from nbconvert's markdown renderer) and from
display outputs (``report/display.heading``), so these parts cannot be written by the template
that writes each cell: they are inserted at the places one ``HTMLParser`` pass over the page
finds, as parts of the ``site_parts.html.j2`` template. No regular expression reads or changes
the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

from ..report.jinja import macro, markup


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


class _Headings(HTMLParser):
    """Collects h1-h3 with an id (their text without anchor links); skips the contents box."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Heading] = []
        self._open: tuple[int, str] | None = None
        self._text: list[str] = []
        self._skip = 0  # inside <a class="anchor-link"> or the contents nav
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "nav" and "audit-toc" in cls:
            self._skip += 1
            self._stack.append("nav-toc")
            return
        if tag == "nav":
            self._stack.append("nav")
        if tag == "a" and "anchor-link" in cls:
            self._skip += 1
            self._stack.append("a-anchor")
            return
        if tag == "a":
            self._stack.append("a")
        if tag in ("h1", "h2", "h3") and (tag == "h1" or a.get("id")) and not self._skip:
            self._open, self._text = (int(tag[1]), a.get("id") or ""), []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("nav", "a") and self._stack:
            kind = self._stack.pop()
            if kind in ("nav-toc", "a-anchor"):
                self._skip -= 1
            return
        if self._open and tag == f"h{self._open[0]}":
            text = " ".join("".join(self._text).split())
            if text:
                self.found.append(Heading(self._open[0], self._open[1], text))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and not self._skip:
            self._text.append(data)


def headings(html: str) -> list[Heading]:
    """The page's h1 headings and its h2-h3 headings with ids, in order."""
    p = _Headings()
    p.feed(html)
    p.close()
    return p.found


@dataclass
class _Found:
    """A heading met by :class:`_Scan`: its tag, its id (``at``: where the id's value starts if
    it is the tag's first attribute, as nbconvert and ``display.heading`` write it, else -1),
    its text as written (tags left out) and as read (without its anchor link), where it ends."""

    tag: str
    id: str
    at: int
    raw_id: str
    written: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    end: int = -1


class _Scan(HTMLParser):
    """One pass over an exported page: where its cells start, its headings, its report tables
    without a caption and every id on it. Offsets are into the page's text; nothing is changed
    here."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self._line_at, i = [0], html.find("\n")
        while i >= 0:
            self._line_at.append(i + 1)
            i = html.find("\n", i + 1)
        self.cells: list[int] = []
        self.ids: set[str] = set()
        self.headings: list[_Found] = []
        self.tables: list[tuple[int, int]] = []  # (start, end) of the start tag of a table needing a caption
        self._open: _Found | None = None
        self._anchor = 0  # depth inside a heading's anchor link
        self.feed(html)
        self.close()

    def _at(self) -> int:
        line, col = self.getpos()
        return self._line_at[line - 1] + col

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw, a = self.get_starttag_text() or "", dict(attrs)
        self.ids.update(v for k, v in attrs if k == "id" and v is not None)
        if tag == "div" and _cell_class(attrs).startswith("jp-Cell "):
            self.cells.append(self._at())
        elif tag in _HEADINGS:
            first = raw.startswith(f'<{tag} id="')
            raw_id = raw[len(tag) + 6 :].split('"')[0] if first else ""
            self._open = _Found(tag, a.get("id") or "", self._at() + len(tag) + 6 if first else -1, raw_id)
        elif tag == "table" and raw.startswith('<table class="audit-table') and raw.count('"') == 2:
            start = self._at()
            if not self.html.startswith("<caption", start + len(raw)):
                self.tables.append((start, start + len(raw)))
        elif (
            tag == "a" and self._open is not None and (self._anchor or "anchor-link" in (a.get("class") or "").split())
        ):
            self._anchor += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor:
            self._anchor -= 1
        elif self._open is not None and tag == self._open.tag:
            self._open.end = self._at() + len(tag) + 3
            self.headings.append(self._open)
            self._open, self._anchor = None, 0

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.written.append(data)
            if not self._anchor:
                self._open.read.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


_HEADINGS = {f"h{n}" for n in range(1, 7)}


def _cell_class(attrs: list[tuple[str, str | None]]) -> str:
    """The class of a ``div`` whose first attribute (or second, after its id) is its class, as
    nbconvert writes a cell's; else empty."""
    k = 1 if attrs[:1] and attrs[0][0] == "id" else 0
    return (attrs[k][1] or "") if len(attrs) > k and attrs[k][0] == "class" else ""


Edit = tuple[int, int, str]  # replace html[start:end] by the text


def _apply(html: str, edits: list[Edit]) -> str:
    out, at = [], 0
    for start, end, text in sorted(edits, key=lambda e: (e[0], e[1])):
        out += [html[at:start], text]
        at = end
    return "".join(out) + html[at:]


def _renamed(scan: _Scan) -> dict[int, str]:
    """New ids for repeated heading ids (``id``, ``id-2``, ...), so every anchor is unique: the
    index of the heading in ``scan.headings`` -> its new id."""
    seen: dict[str, int] = {}
    taken, out = set(scan.ids), {}
    for k, h in enumerate(scan.headings):
        if h.at < 0:
            continue
        n = seen[h.raw_id] = seen.get(h.raw_id, 0) + 1
        if n == 1:
            continue
        new = f"{h.raw_id}-{n}"
        while new in taken:
            n += 1
            new = f"{h.raw_id}-{n}"
        taken.add(new)
        out[k] = new
    return out


def _caption_edits(scan: _Scan) -> list[Edit]:
    """A caption for every report table without one: the text of the heading above it, for
    screen readers only (the heading already shows it)."""
    texts = [(h.end, "".join(h.written).replace("¶", "").strip()) for h in scan.headings]
    edits = []
    for start, at in scan.tables:
        above = [text for end, text in texts if end <= start and text]
        if above:
            edits.append((at, at, macro("site_parts.html.j2", "hidden_caption", markup(above[-1]))))
    return edits


def unique_heading_ids(html: str) -> str:
    """Rename repeated heading ids (``id``, ``id-2``, ...) so every anchor is unique."""
    scan = _Scan(html)
    return _apply(
        html,
        [
            (scan.headings[k].at, scan.headings[k].at + len(scan.headings[k].raw_id), new)
            for k, new in _renamed(scan).items()
        ],
    )


def toc_html(items: list[Heading], title: str) -> str:
    """A nested list of links to the h2 (and their h3) headings."""
    nested: list[tuple[Heading, list[Heading]]] = []
    for h in items:
        if h.level == 3 and nested:
            nested[-1][1].append(h)
        else:
            nested.append((h, []))
    return macro("site_parts.html.j2", "toc", title, nested) if nested else ""


def finish_page(html: str, title: str, toc: bool = True) -> str:
    """The exported page with a caption on every report table and, with ``toc``, unique heading
    ids and the contents box after the cell holding the report title (else at the top): these
    depend on the whole page, so they are added after export, at places one parse finds."""
    scan = _Scan(html)
    edits = _caption_edits(scan)
    if not toc:
        return _apply(html, edits)
    renamed = _renamed(scan)
    edits += [
        (scan.headings[k].at, scan.headings[k].at + len(scan.headings[k].raw_id), new) for k, new in renamed.items()
    ]
    items = [
        Heading(int(h.tag[1]), unescape(renamed[k]) if k in renamed else h.id, text)
        for k, h in enumerate(scan.headings)
        if h.tag in ("h2", "h3") and h.id and (text := " ".join(unescape("".join(h.read)).split()))
    ]
    box = toc_html(items, title)
    title_at = html.find('class="report-title"')
    after = [c for c in scan.cells if c > title_at] if title_at >= 0 else []
    main = html.rfind("</main>") if title_at >= 0 else -1
    at = after[0] if after else main if main >= 0 else scan.cells[0] if scan.cells else -1
    return _apply(html, edits + ([(at, at, box)] if box and at >= 0 else []))

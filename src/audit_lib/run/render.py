"""Executed notebook -> self-contained HTML (no code for the public rendition).

The ``audit`` nbconvert template (``report/templates/audit``) extends JupyterLab's, loads
nothing from the network and inlines the project's stylesheet. Cells tagged ``internal``
(analysts' notes) and the parameters cells are left out of the public rendition, as are
warnings printed to stderr; a failed notebook is rendered with its code and traceback under a
banner, so the failing cell is visible. The internal rendition (``public=False``) keeps the
code, under a banner saying it is for reviewers.

Every page carries a Content-Security-Policy that allows no script and no request at all
(styles and images inline only): the reports are static documents, so even a value that
slipped past the escaping in ``audit_lib.report.display`` could not run or call home. After
export, heading ids are made unique on the page and a table of contents of the ``h2``/``h3``
headings is inserted after the title cell.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from ..report.display import synthetic_banner
from ..report.texts import Texts

TEMPLATES = Path(str(resources.files("audit_lib.report") / "templates"))
CSS = (resources.files("audit_lib.report") / "static" / "audit.css").read_text(encoding="utf-8")
HIDDEN_TAGS = {"internal", "parameters", "injected-parameters", "remove-cell"}
# No script, no request: everything a page needs is inline (styles, SVG, data: images).
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
       "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")

# ``map`` or a process pool's ``map``: how a batch of pages is rendered.
Mapper = Callable[[Callable[["RenderJob"], Any], Iterable["RenderJob"]], Iterator[Any]]

# The start of a notebook cell in nbconvert's lab markup. Data-derived text is escaped, so it
# can never contain these (``<`` becomes ``&lt;``); only the template writes them.
_CELL_START = re.compile(r'<div (?:id="[^"]*" )?class="jp-Cell ')
_HEADING_ID = re.compile(r'<(h[1-6]) id="([^"]*)"')


def public_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not o.get("metadata", {}).get("audit", {}).get("internal")  # Audit.show_internal
            ]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


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


def unique_heading_ids(html: str) -> str:
    """Rename repeated heading ids (``id``, ``id-2``, ...) so every anchor is unique."""
    seen: dict[str, int] = {}
    taken = set(re.findall(r' id="([^"]*)"', html))

    def repl(m: re.Match[str]) -> str:
        tag, ident = m.group(1), m.group(2)
        n = seen.get(ident, 0) + 1
        seen[ident] = n
        if n == 1:
            return m.group(0)
        new = f"{ident}-{n}"
        while new in taken:
            n += 1
            new = f"{ident}-{n}"
        taken.add(new)
        return f'<{tag} id="{new}"'

    return _HEADING_ID.sub(repl, html)


def toc_html(items: list[Heading], title: str) -> str:
    """A nested list of links to the h2 (and their h3) headings."""
    if not items:
        return ""
    out, open_sub = [], False
    for h in items:
        link = f'<a href="#{escape(h.id)}">{escape(h.text)}</a>'
        if h.level == 3 and out:
            if not open_sub:
                out[-1] = out[-1].removesuffix("</li>") + "<ol>"
                open_sub = True
            out.append(f"<li>{link}</li>")
            continue
        if open_sub:
            out.append("</ol></li>")
            open_sub = False
        out.append(f"<li>{link}</li>")
    if open_sub:
        out.append("</ol></li>")
    return (f'<nav class="audit-toc" aria-label="{escape(title)}"><details open><summary>{escape(title)}</summary>'
            f"<ol>{''.join(out)}</ol></details></nav>\n")


def insert_toc(html: str, title: str) -> str:
    """Insert the contents box after the cell holding the report title (else at the top)."""
    html = unique_heading_ids(html)
    items = [h for h in headings(html) if h.level in (2, 3)]
    box = toc_html(items, title)
    if not box:
        return html
    starts = [m.start() for m in _CELL_START.finditer(html)]
    title_at = html.find('class="report-title"')
    if title_at >= 0:
        after = [s for s in starts if s > title_at]
        if after:
            return html[: after[0]] + box + html[after[0] :]
        end = html.rfind("</main>")
        if end >= 0:
            return html[:end] + box + html[end:]
    if starts:
        return html[: starts[0]] + box + html[starts[0] :]
    return html


_TABLE_OPEN = re.compile(r'<table class="audit-table[^"]*">')
_HEADING_TEXT = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)


def caption_tables(html: str) -> str:
    """Give every report table without a caption one: the text of the heading above it, for
    screen readers only (the heading already shows it)."""
    found = [(m.end(), re.sub(r"<[^>]+>", "", m.group(2)).replace("¶", "").strip())
             for m in _HEADING_TEXT.finditer(html)]

    def add(m: re.Match[str]) -> str:
        if html.startswith("<caption", m.end()):
            return m.group(0)
        above = [text for end, text in found if end <= m.start() and text]
        if not above:
            return m.group(0)
        return f'{m.group(0)}<caption class="visually-hidden">{above[-1]}</caption>'

    return _TABLE_OPEN.sub(add, html)


@lru_cache(maxsize=8)
def exporter(show_code: bool, language: str) -> HTMLExporter:
    """The ``audit`` template's exporter, made (and its template loaded and compiled) once per
    process for each rendition and language, then reused for every page: building one costs
    more than rendering a small page. Its settings are fixed; each page's own values go in the
    resources, and nbconvert registers its per-notebook filters again on every call."""
    return HTMLExporter(
        template_name="audit", extra_template_basedirs=[str(TEMPLATES)], exclude_input=not show_code,
        exclude_input_prompt=not show_code, exclude_output_prompt=True, embed_images=True,
        language_code=language,  # a trait: nbconvert overwrites a resource of that name with "en"
    )


def render_html(
    nb: nbformat.NotebookNode, *, language: str, public: bool = True, failed: bool = False,
    index_href: str = "index.html", appendix_html: str = "", toc: bool = True, synthetic: bool = False,
) -> str:
    """The report page of one executed notebook.

    ``public``: without code, internal cells and parameters; else the internal rendition with
    code (``failed`` reports always show their code). ``appendix_html`` (trusted markup made by
    the project, never data) closes the page. ``toc`` adds the contents box. ``synthetic``: the
    run's data package is synthetic (a banner says so at the top)."""
    t = Texts(language)
    show_code = not public or failed
    node = public_cells(nb) if (public and not failed) else nb
    body, _ = exporter(show_code, language).from_notebook_node(
        node,
        resources={
            "language_code": language, "audit_css": CSS, "audit_index_href": index_href,
            "audit_index_label": "← " + t("common.index_title"), "audit_failed": failed,
            "audit_failed_text": t("common.failed_banner"), "audit_appendix": appendix_html,
            "audit_csp": CSP, "audit_internal": not public,
            "audit_internal_text": t("site.internal_banner"), "audit_skip_text": t("common.skip_link"),
            "audit_synthetic_html": synthetic_banner(t) if synthetic else "",
        },
    )
    body = caption_tables(body)
    if toc:
        body = insert_toc(body, t("site.contents"))
    return body


@dataclass(frozen=True)
class RenderJob:
    """One report page to render from an executed notebook file (picklable, so the runner can
    render pages in parallel processes)."""

    notebook: Path
    html: Path
    language: str
    public: bool = True
    failed: bool = False
    index_href: str = "index.html"
    appendix_html: str = ""
    synthetic: bool = False


def render_file(job: RenderJob) -> None:
    """Render ``job.notebook`` to ``job.html``."""
    nb = nbformat.read(str(job.notebook), as_version=4)
    write_text(job.html, render_html(nb, language=job.language, public=job.public, failed=job.failed,
                                     index_href=job.index_href, appendix_html=job.appendix_html, synthetic=job.synthetic))


def render_file_or_error(job: RenderJob) -> str | None:
    """:func:`render_file`, returning the error (``"Type: message"``) instead of raising."""
    try:
        render_file(job)
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return None


def find_block(html: str, start: str, end: str, at: int = 0) -> tuple[int, int] | None:
    """Where the first block from ``start`` to the next ``end`` (both included) is, found by
    plain string search; ``None`` if there is none."""
    i = html.find(start, at)
    j = html.find(end, i + len(start)) if i >= 0 else -1
    return (i, j + len(end)) if j >= 0 else None


def without_blocks(html: str, start: str, end: str, count: int | None = None) -> str:
    """``html`` without its blocks from ``start`` to the next ``end`` (each with the line break
    after it), the first ``count`` of them or all; found by plain string search."""
    at, n = 0, 0
    while (found := find_block(html, start, end, at)) is not None and (count is None or n < count):
        stop = found[1] + 1 if html.startswith("\n", found[1]) else found[1]
        html, at, n = html[: found[0]] + html[stop:], found[0], n + 1
    return html


# The block of a public report that holds its provenance appendix, as the ``audit`` template
# writes it (``body_footer``): the only part of a report that a later run replaces.
APPENDIX_OPEN, APPENDIX_CLOSE = '<footer class="audit-appendix">', "</footer>"


def appendix_block(html: str) -> tuple[int, int] | None:
    """Where the appendix's content is on a report page (start, end), found by plain string
    search for the template's block; ``None`` unless the page holds exactly one."""
    found = find_block(html, APPENDIX_OPEN, APPENDIX_CLOSE) if html.count(APPENDIX_OPEN) == 1 else None
    return None if found is None else (found[0] + len(APPENDIX_OPEN), found[1] - len(APPENDIX_CLOSE))


def as_rendered(fragment: str) -> str:
    """``fragment`` as it comes out of nbconvert's HTML exporter, which parses every page with
    BeautifulSoup (``html.parser``) and prints it again: attributes sorted, void elements
    closed (``<br/>``), text re-escaped. A block spliced into a rendered page must go through
    the same pass to be what a fresh rendering would give."""
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(fragment, features="html.parser"))


def appendix_on_page(html: str) -> str | None:
    """The appendix's content as it stands on a rendered page (see :func:`appendix_block`)."""
    at = appendix_block(html)
    return None if at is None else html[at[0] : at[1]]


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@contextmanager
def render_pool(jobs: int) -> Iterator[Mapper]:
    """How report pages are rendered: ``jobs`` at a time in worker processes (nbconvert takes
    1–2 s a page), or in this process with one job."""
    if jobs <= 1:
        yield map
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield pool.map

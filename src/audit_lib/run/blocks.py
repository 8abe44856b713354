"""The marked blocks of a finished page: the parts that a later step replaces or removes, found
by plain string search for the markup their template writes, never by a regular expression
over the page.

- the provenance appendix of a report (``templates/audit``, ``body_footer``: a ``footer``
  that the cache replaces when only the run's provenance changed, ``run/cache.py``);
- the run's provenance section (``templates/html/appendix.html.j2`` in a report's appendix,
  ``site_appendix.html.j2`` on the site): what ``audit verify`` leaves out of a comparison;
- the draft banner (``display.html.j2``, ``draft_banner``), removed when a reviewer signs.

A start marker is the opening tag as the template writes it; its block ends at the first end
tag after it. Data never writes markup (it is escaped), so only a template can write a marker.
"""

from __future__ import annotations

# The block of a public report that holds its provenance appendix, as the ``audit`` template
# writes it (``body_footer``): the only part of a report that a later run replaces.
APPENDIX_OPEN, APPENDIX_CLOSE = '<footer class="audit-appendix">', "</footer>"
# The run's provenance (a report's appendix and the site's appendix page): no section inside.
PROVENANCE_OPEN, PROVENANCE_CLOSE = '<section class="run-appendix">', "</section>"
# The draft banner: text only inside (escaped), so its first closing tag is its own.
DRAFT_OPEN, DRAFT_CLOSE = '<div class="draft-banner"', "</div>"


def find_block(html: str, start: str, end: str, at: int = 0) -> tuple[int, int] | None:
    """Where the first block from ``start`` to the next ``end`` (both included) is, found by
    plain string search; ``None`` if there is none."""
    i = html.find(start, at)
    j = html.find(end, i + len(start)) if i >= 0 else -1
    return (i, j + len(end)) if j >= 0 else None


def without_blocks(html: str, start: str, end: str, count: int | None = None, *, line: bool = True) -> str:
    """``html`` without its blocks from ``start`` to the next ``end`` (with ``line``, each with
    the line break after it), the first ``count`` of them or all; found by plain string search."""
    at, n = 0, 0
    while (found := find_block(html, start, end, at)) is not None and (count is None or n < count):
        stop = found[1] + 1 if line and html.startswith("\n", found[1]) else found[1]
        html, at, n = html[: found[0]] + html[stop:], found[0], n + 1
    return html


def appendix_block(html: str) -> tuple[int, int] | None:
    """Where the appendix's content is on a report page (start, end), found by plain string
    search for the template's block; ``None`` unless the page holds exactly one."""
    found = find_block(html, APPENDIX_OPEN, APPENDIX_CLOSE) if html.count(APPENDIX_OPEN) == 1 else None
    return None if found is None else (found[0] + len(APPENDIX_OPEN), found[1] - len(APPENDIX_CLOSE))


def appendix_on_page(html: str) -> str | None:
    """The appendix's content as it stands on a rendered page (see :func:`appendix_block`)."""
    at = appendix_block(html)
    return None if at is None else html[at[0] : at[1]]


def without_provenance(html: str) -> str:
    """``html`` without its run-provenance sections (what a rerun may legitimately change)."""
    return without_blocks(html, PROVENANCE_OPEN, PROVENANCE_CLOSE, line=False)


def without_draft_banner(html: str) -> str:
    """``html`` without the draft banner (a signed run's pages)."""
    return without_blocks(html, DRAFT_OPEN, DRAFT_CLOSE, line=False)

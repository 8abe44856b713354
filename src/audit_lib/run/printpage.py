"""The whole review as one page for printing (the PDF): the cover (the run's index), the
contents, every report and the appendix, each page's anchors made unique in the combined
document. Built from the site's pages (``run/site.py``) by ``print_document``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..report.display import synthetic_print_css
from ..report.jinja import markup, render
from ..report.texts import Texts
from .blocks import find_block, without_blocks
from .pageparts import headings, unique_heading_ids
from .render import CSP, CSS

APPENDIX = "appendix.html"  # the site's appendix page (``site.APPENDIX``)
_NAV_OPEN, _NAV_CLOSE = '<nav class="audit-nav">', "</nav>"
_TOC_OPEN = '<nav class="audit-toc"'


def _prefix_ids(html: str, prefix: str, names: set[str]) -> str:
    """Make one page's anchors unique in the combined document and point its links inside it."""
    html = re.sub(r' id="([^"]*)"', lambda m: f' id="{prefix}--{m.group(1)}"', html)
    html = re.sub(r'(href|xlink:href)="#([^"]*)"', lambda m: f'{m.group(1)}="#{prefix}--{m.group(2)}"', html)
    html = re.sub(r"url\(#([^)]*)\)", lambda m: f"url(#{prefix}--{m.group(1)})", html)

    def link(m: re.Match[str]) -> str:
        target, frag = m.group(1), m.group(2)
        if target == "index":
            return 'href="#contents"'
        if target == APPENDIX.removesuffix(".html"):
            return f'href="#appendix{"--" + frag if frag else ""}"'
        if target in names:
            return f'href="#{target}{"--" + frag if frag else ""}"'
        return m.group(0)

    return re.sub(r'href="([A-Za-z0-9_.-]+)\.html(?:#([^"]*))?"', link, html)


def _main_of(html: str) -> str:
    """The content of a page's ``main`` element, without the navigation bar (it is for the
    screen) and the contents box."""
    start, end = html.find("<main>"), html.rfind("</main>")
    body = html[start + len("<main>") : end] if start >= 0 and end > start else html
    found = find_block(body, _NAV_OPEN, _NAV_CLOSE)
    if found is not None:
        body = body[: found[0]] + body[found[1] :]
    return without_blocks(body, _TOC_OPEN, "</nav>")


def _print_head(site: Path, names: list[str], title: str) -> str:
    """The head of the printed page: the first report's, with the review's title."""
    page = (site / f"{names[0]}.html").read_text(encoding="utf-8") if names else ""
    found = find_block(page, "<head>", "</head>")
    head = page[found[0] + len("<head>") : found[1] - len("</head>")] if found is not None else ""
    if not head:
        return render("print_head.html.j2", csp=CSP, title=title, css=markup(CSS))
    found = find_block(head, "<title>", "</title>")
    return head if found is None else head[: found[0]] + render("print_title.html.j2", title=title) + head[found[1] :]


def print_document(site: Path, names: list[str], language: str, t: Texts, title: str, synthetic: bool = False) -> str:
    """Cover (the index), contents, every report, the appendix: one page for printing.
    ``synthetic``: the run's data is synthetic; the top margin of every page says so."""
    known = set(names)
    reports = []
    for name in names:
        page = unique_heading_ids((site / f"{name}.html").read_text(encoding="utf-8"))
        found = headings(page)
        reports.append(
            {
                "id": name,
                "title": next((h.text for h in found if h.level == 1), name),
                "sections": [h for h in found if h.level == 2],
                "body": markup(_prefix_ids(_main_of(page), name, known)),
            }
        )
    appendix = (site / APPENDIX).read_text(encoding="utf-8")
    reports.append(
        {
            "id": "appendix",
            "title": t("site.appendix_title"),
            "sections": [],
            "body": markup(_prefix_ids(_main_of(appendix), "appendix", known)),
        }
    )
    cover = _main_of((site / "index.html").read_text(encoding="utf-8"))
    cover = without_blocks(cover, '<nav class="audit-toc site-toc"', "</nav>")
    # the workbook is a file beside the pages, not part of the printed report: a link to it would
    # print as an absolute file:// address of the temporary print folder (different every time)
    cover = without_blocks(cover, '<p class="workbook-link">', "</p>")
    return render(
        "print.html.j2",
        language=language,
        head=markup(_print_head(site, names, title)),
        synthetic_css=markup(synthetic_print_css(t) if synthetic else ""),
        cover=markup(_prefix_ids(cover, "cover", known)),
        contents_heading=t("site.contents"),
        reports=reports,
    )

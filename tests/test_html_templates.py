"""The project's own HTML from Jinja2 templates (report/jinja.py, report/templates/html): every
value is escaped as ``display.esc`` escapes it, markup made by the project passes unchanged, and
page parts are found and replaced by plain string search, never by a regular expression."""

from __future__ import annotations

import nbformat
import pytest

from audit_lib.report import jinja
from audit_lib.report.display import esc
from audit_lib.run import printpage, site
from audit_lib.run.index import closing_table, recommendations_list
from audit_lib.report.texts import Texts
from audit_lib.run.blocks import APPENDIX_CLOSE, APPENDIX_OPEN, appendix_block, without_blocks
from audit_lib.run.render import render_html

HOSTILE = "<script>alert('x')</script> & \"quoted\""


def test_every_template_escapes_its_values():
    names = sorted(p.name for p in jinja.TEMPLATE_DIR.glob("*.j2"))
    assert "index.html.j2" in names and "appendix.html.j2" in names
    assert all(jinja.ENV.autoescape(n) for n in names)  # select_autoescape covers each one


def test_values_are_escaped_as_esc_escapes_them_and_markup_passes():
    template = jinja.ENV.from_string('<p title="{{ v }}">{{ v }}</p>{{ m }}[{{ n }}]')  # autoescaped too
    out = template.render(v=HOSTILE, m=jinja.markup("<b>made here</b>"), n=None)
    assert out == f'<p title="{esc(HOSTILE)}">{esc(HOSTILE)}</p><b>made here</b>[]'
    assert "&#x27;" in out and "&quot;" in out and "<script>" not in out


def test_the_closing_table_and_recommendations_escape_data():
    t = Texts("en")
    rows = [
        {
            "question": "q9",
            "title": HOSTILE,
            "notebook": "q9_x",
            "status": "ok",
            "level": "ja",
            "comment": HOSTILE,
            "comment_source": "rule",
        },
        {"question": "q8", "title": "T", "notebook": "q8_x", "status": "failed"},
    ]
    html = closing_table(rows, t)
    assert "<script>" not in html and html.count(esc(HOSTILE)) == 2
    assert '<tr><td><a href="q9_x.html">' in html and '<tr class="failed"><td><a href="q8_x.html">' in html
    assert '<td class="status-failed">' in html and '<span class="generated">' in html
    assert "<a href" not in closing_table(rows, t, link=False)
    recs = recommendations_list([{"text": HOSTILE, "question": "q2"}, {"text": "plain"}], t)
    assert recs.startswith('<ol class="recommendations"><li>' + esc(HOSTILE) + ' <span class="rec-q">')
    assert recs.endswith("<li>plain</li></ol>")
    assert recommendations_list([], t) == f"<p>{esc(t('summary.no_recommendations'))}</p>"


def test_the_appendix_is_the_pages_marked_block_found_by_string_search():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")]
    page = render_html(nb, language="en", appendix_html="<p>run 1</p>", toc=False)
    at = appendix_block(page)
    assert at is not None and page[at[0] : at[1]] == "<p>run 1</p>"
    assert page[at[0] - len(APPENDIX_OPEN) : at[0]] == APPENDIX_OPEN and page.startswith(APPENDIX_CLOSE, at[1])
    assert appendix_block(render_html(nb, language="en", toc=False)) is None  # no appendix, no block
    assert appendix_block(page + APPENDIX_OPEN + "x" + APPENDIX_CLOSE) is None  # two: not ours to guess


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<nav class="audit-nav"><a href="index.html">I</a></nav><nav class="audit-nav">b</nav>',
            '<nav class="audit-nav"><a href="index.html">I</a> <span class="sep">·</span> '
            '<a href="appendix.html">Appendix</a></nav><nav class="audit-nav">b</nav>',
        ),
        ("<p>no navigation</p>", "<p>no navigation</p>"),
        ('<nav class="audit-nav">never closed', '<nav class="audit-nav">never closed'),
    ],
)
def test_the_appendix_link_goes_into_the_first_navigation_bar_only(html, expected):
    t = Texts("en")
    assert site._nav_with_appendix(html, t) == expected.replace("Appendix", esc(t("site.appendix_link")))


def test_blocks_are_removed_by_string_search_with_their_line_break():
    html = 'a<nav class="audit-toc">1</nav>\nb<nav class="audit-toc site-toc">2</nav>c<nav class="audit-toc">3</nav>d'
    assert without_blocks(html, '<nav class="audit-toc"', "</nav>") == 'ab<nav class="audit-toc site-toc">2</nav>cd'
    assert without_blocks(html, '<nav class="audit-toc"', "</nav>", count=1) == html.replace(
        '<nav class="audit-toc">1</nav>\n', ""
    )
    assert without_blocks("x<p>open", "<p>", "</p>") == "x<p>open"
    assert printpage._main_of('<main><nav class="audit-nav">n</nav>body</main>') == "body"


def test_a_page_without_a_policy_gets_one_after_its_charset():
    out = site._with_csp('<head>\n<meta charset="utf-8">\n<title>x</title>')
    assert out.startswith('<head>\n<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="')
    assert site._with_csp(out) == out  # once only


def test_display_parts_come_from_the_template_and_escape_data():
    import pandas as pd

    from audit_lib.report import display as d

    assert str(d.heading(HOSTILE, 3, "a&b")) == f'<h3 id="a&amp;b">{esc(HOSTILE)}</h3>'
    assert (
        str(d.callout(HOSTILE, "warning", "T"))
        == f'<div class="callout callout-warning"><strong>T</strong> {esc(HOSTILE)}</div>'
    )
    assert str(d.bullets(["a", HOSTILE])) == f"<ul><li>a</li><li>{esc(HOSTILE)}</li></ul>"
    table = str(d.table(pd.DataFrame({"x": [HOSTILE, None]}), {"x": "X"}, caption="C", numeric=["x"]))
    assert table == (
        '<div class="table-wrap" tabindex="0" role="region" aria-label="C"><table class="audit-table">'
        '<caption>C</caption><thead><tr><th scope="col" class="num">X</th></tr></thead><tbody>'
        f'<tr><td class="num">{esc(HOSTILE)}</td></tr><tr><td class="num">–</td></tr></tbody></table></div>'
    )
    links = d.evidence_links(["E1", "E<2>"], Texts("en"))
    assert (
        links
        == ' <span class=\'ev-refs\'>– evidence: <a href="#ev-E1">E1</a>, <a href="#ev-E-2-">E&lt;2&gt;</a></span>'
    )
    assert d.evidence_links([], Texts("en")) == ""


def test_the_draft_banner_and_the_provenance_are_marked_blocks():
    from audit_lib.run.blocks import without_draft_banner, without_provenance
    from audit_lib.run.signoff import draft_banner, strip_draft

    banner = draft_banner("en")
    assert banner.startswith('<div class="draft-banner" role="note" style="') and banner.endswith("</div>")
    page = f'<body>{banner}<div>kept</div>\n<section class="run-appendix"><p>run 1</p></section><p>end</p>'
    assert strip_draft(page) == without_draft_banner(page) == page.replace(banner, "")
    assert without_provenance(page) == f"<body>{banner}<div>kept</div>\n<p>end</p>"
    assert without_provenance(page.replace("run 1", "run 2")) == without_provenance(page)


def test_finished_page_has_unique_ids_a_contents_box_after_the_title_and_table_captions():
    from audit_lib.run.pageparts import finish_page, headings

    page = (
        '<main><div class="jp-Cell a"><h1 class="report-title">T</h1></div>\n'
        '<div class="jp-Cell b"><h2 id="x">One &amp; two<a class="anchor-link" href="#x">¶</a></h2>'
        '<table class="audit-table"><tr></tr></table><h3 id="x">Sub</h3>'
        '<table class="audit-table"><caption>own</caption></table></div></main>'
    )
    out = finish_page(page, "Contents")
    toc = (
        '<nav class="audit-toc" aria-label="Contents"><details open><summary>Contents</summary><ol>'
        '<li><a href="#x">One &amp; two</a><ol><li><a href="#x-2">Sub</a></li></ol></li></ol></details></nav>\n'
    )
    assert out == page.replace('<div class="jp-Cell b">', toc + '<div class="jp-Cell b">').replace(
        '<h3 id="x">', '<h3 id="x-2">'
    ).replace(
        '<table class="audit-table"><tr>',
        '<table class="audit-table"><caption class="visually-hidden">One &amp; two</caption><tr>',
    )
    assert [(h.level, h.id, h.text) for h in headings(out)] == [(1, "", "T"), (2, "x", "One & two"), (3, "x-2", "Sub")]
    assert finish_page(page, "Contents", toc=False) == page.replace(
        '<table class="audit-table"><tr>',
        '<table class="audit-table"><caption class="visually-hidden">One &amp; two</caption><tr>',
    )
    assert finish_page("<p>none</p>", "Contents") == "<p>none</p>"

"""WCAG 2.1 AA in a real browser: every public page of a full demo run, in Swedish and in
English (the reports and index at the run's top, everything in site/), has zero violations
of axe-core's WCAG 2.0/2.1 level A and AA rules in headless Chromium; and the layout reads
on a 360 px wide screen (the width of 200 % zoom on a small laptop) without the page
scrolling sideways: only a wide table or figure scrolls, inside its own box.

The counts per page are written to outputs/test-artifacts/accessibility.json."""

from __future__ import annotations

import json

import pytest
from hostile.site_runs import ARTIFACTS
from public_runs import axe_violations, chromium_available, each_page, language_runs, page_name, public_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]

RUNS = ("sv", "en")


@pytest.fixture(scope="session")
def runs(tmp_path_factory, demo_dir):
    return language_runs(tmp_path_factory.mktemp("language-runs"), demo_dir)


@pytest.fixture(scope="session")
def audited(runs):
    """{run: {page: [violations]}}, each page opened once at 1280 px."""
    found: dict[str, dict[str, list]] = {key: {} for key in RUNS}
    for name, page in each_page(runs, RUNS):
        key, _, page_path = name.partition("/")
        found[key][page_path] = axe_violations(page)
    counts = {k: {p: sum(v["nodes"] for v in vs) for p, vs in pages.items()} for k, pages in found.items()}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "accessibility.json").write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return found


def test_every_run_has_its_pages(runs):
    for key in RUNS:
        pages = [page_name(runs[key].out, p) for p in public_pages(runs[key].out)]
        assert "index.html" in pages and "site/index.html" in pages and "site/appendix.html" in pages, key
        assert "site/followup.html" in pages and "site/q2_gains.html" in pages, key


@pytest.mark.parametrize("key", RUNS)
def test_no_wcag_violations(audited, key):
    bad = {
        page: [f"{v['id']} ({v['impact']}, {v['nodes']}×) {v['targets']}: {v['summary']}" for v in vs]
        for page, vs in audited[key].items()
        if vs
    }
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


# Each page: one h1, headings that never skip a level, a skip link to the main content,
# every data table with header cells and a caption, every figure with a text alternative that
# is more than a number.
STRUCTURE = """() => {
    const hs = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).filter(h => h.offsetParent !== null
        || h.closest('details'));
    const levels = hs.map(h => +h.tagName[1]);
    const skips = [];
    for (let i = 1; i < levels.length; i++) if (levels[i] > levels[i - 1] + 1) skips.push(hs[i].textContent.slice(0, 60));
    const skip = document.querySelector('a.skip-link');
    const target = skip ? document.getElementById(skip.getAttribute('href').slice(1)) : null;
    const tables = Array.from(document.querySelectorAll('table')).filter(t => !t.classList.contains('rule'));
    const figs = Array.from(document.querySelectorAll('svg[role=img], img'));
    return {
        h1: levels.filter(l => l === 1).length, skips,
        skipLink: !!target,
        tablesWithoutHeader: tables.filter(t => !t.querySelector('th')).length,
        tablesWithoutCaption: tables.filter(t => !t.querySelector('caption')
            && !t.getAttribute('aria-label') && !t.getAttribute('aria-labelledby')).length,
        badAlt: figs.map(f => f.getAttribute('aria-label') || f.getAttribute('alt') || '')
            .filter(a => a.trim().length < 15 || /^(fig(ure)?|figur|bild|image)\\s*\\d*$/i.test(a.trim())),
    };
}"""


def test_structure_of_every_page(runs):
    bad = {}
    for name, page in each_page(runs, ("sv", "en")):
        s = page.evaluate(STRUCTURE)
        problems = {k: s[k] for k in ("skips", "tablesWithoutHeader", "tablesWithoutCaption", "badAlt") if s[k]}
        if s["h1"] != 1:
            problems["h1"] = s["h1"]
        if not s["skipLink"]:
            problems["skipLink"] = "missing, or its target is"
        if problems:
            bad[name] = problems
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


# At 360 px no text runs off the page: the document is no wider than the window; a wide
# table or figure scrolls inside its own box (overflow-x), which is allowed.
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const over = Array.from(document.querySelectorAll('p, li, h1, h2, h3, caption, figcaption, summary, .callout'))
        .filter(e => !e.closest('.table-wrap, figure, pre'))
        .filter(e => e.getBoundingClientRect().right > width + 1)
        .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 50));
    return {scroll: document.documentElement.scrollWidth, width, over: over.slice(0, 5)};
}"""


def test_reads_at_360_px_without_scrolling_sideways_and_focus_is_visible(runs):
    bad = {}
    for name, page in each_page(runs, ("sv", "en"), width=360, top=False):
        r = page.evaluate(OVERFLOW)
        if r["scroll"] > r["width"] + 1 or r["over"]:
            bad[name] = r
        page.keyboard.press("Tab")  # the first stop is the skip link, drawn with an outline
        focus = page.evaluate(FOCUS)
        if not focus["visible"]:
            bad[f"{name} focus"] = focus
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


# Focus is visible: the focused element is on screen with an outline of at least 2 px.
FOCUS = """() => {
    const a = document.activeElement;
    const s = getComputedStyle(a);
    const r = a.getBoundingClientRect();
    return {tag: a.tagName, text: (a.textContent || '').slice(0, 40), outline: s.outlineStyle + ' ' + s.outlineWidth,
            visible: a !== document.body && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
                     && r.left >= 0 && r.width > 0};
}"""

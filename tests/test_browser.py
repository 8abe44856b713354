"""The published site in a real browser: headless Chromium (the system package) opens every
public page of a demo run from file://. No console error, no request leaves the machine
(every non-file request is aborted and counted), every figure has a size, every link
resolves; a screenshot of each page is kept in outputs/test-artifacts/browser/. The PDF
exists, has pages, and is the same bytes when made again."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from hostile.site_runs import ARTIFACTS, CHROMIUM, check_page, chromium, demo_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="session")
def run(tmp_path_factory, demo_dir):
    # A report that failed is still a page of the site (with its banner): the browser checks
    # hold for it too, so a failing notebook (tested by its own tests) does not fail these.
    return demo_run(tmp_path_factory.mktemp("site"), demo_dir)


@pytest.fixture(scope="session")
def pages(run):
    """Every public page of the site, checked once in the browser (with timings)."""
    site = run.out / "site"
    files = sorted(site.glob("*.html"))
    shots = ARTIFACTS / "browser"
    shutil.rmtree(shots, ignore_errors=True)
    started = time.perf_counter()
    with chromium() as browser:
        reports = {p.name: check_page(browser, p, shots / f"{p.stem}.png") for p in files}
    seconds = time.perf_counter() - started
    summary = {
        "pages": len(reports),
        "figures": sum(r.figures for r in reports.values()),
        "links": sum(r.links for r in reports.values()),
        "requests_blocked": sum(len(r.blocked) for r in reports.values()),
        "browser_seconds": round(seconds, 1),
        "run_seconds": round(run.seconds, 1),
    }
    shots.mkdir(parents=True, exist_ok=True)
    (shots / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"\nbrowser check: {summary}")
    return reports


def test_site_has_every_report_the_index_and_the_appendix(run, pages):
    site = run.out / "site"
    reports = sorted(p.name for p in run.out.glob("*.html") if p.name != "index.html")
    assert reports, "no report was rendered"
    assert set(pages) == {"index.html", "appendix.html", *reports}
    for name in reports:  # every report is linked from the site's contents
        assert f'href="{name}"' in (site / "index.html").read_text(encoding="utf-8")


def test_no_console_errors(pages):
    bad = {name: r.console_errors for name, r in pages.items() if r.console_errors}
    assert not bad


def test_no_request_leaves_the_machine(pages):
    blocked = {name: r.blocked for name, r in pages.items() if r.blocked}
    assert not blocked


def test_every_figure_has_a_size(pages):
    assert sum(r.figures for r in pages.values()) > 0
    unsized = {name: r.unsized_figures for name, r in pages.items() if r.unsized_figures}
    assert not unsized


def test_every_link_resolves(pages):
    assert sum(r.links for r in pages.values()) > len(pages)
    broken = {name: r.broken_links for name, r in pages.items() if r.broken_links}
    assert not broken


def test_screenshots_are_kept(pages):
    for name in pages:
        shot = ARTIFACTS / "browser" / name.replace(".html", ".png")
        assert shot.is_file() and shot.stat().st_size > 5_000


def test_pages_are_self_contained(run):
    """Nothing in any page points outside it but relative links to sibling files."""
    for p in sorted((run.out / "site").glob("*.html")):
        html = p.read_text(encoding="utf-8")
        assert "<script" not in html.lower(), p.name
        assert 'http-equiv="Content-Security-Policy"' in html, p.name
        for attr in ("src", "href"):
            for value in __import__("re").findall(rf'\s{attr}="([^"]*)"', html):
                assert not value.startswith(("http:", "https:", "//")), (p.name, value)


def test_print_hides_the_screen_navigation(run):
    with chromium() as browser:
        page = browser.new_page()
        report = sorted(p for p in (run.out / "site").glob("*.html") if p.stem not in ("index", "appendix"))[0]
        page.goto(report.as_uri())
        page.emulate_media(media="print")
        assert page.evaluate("() => getComputedStyle(document.querySelector('.audit-nav')).display") == "none"
        page.emulate_media(media="screen")
        assert page.evaluate("() => getComputedStyle(document.querySelector('.audit-nav')).display") != "none"


def test_pdf_has_pages_and_is_reproducible(run, tmp_path):
    from audit_lib.run.pdf import count_pages
    from audit_lib.run.site import build_site

    params = (run.out / "params.resolved.yaml").read_text(encoding="utf-8")
    name = next(line.split(":", 1)[1].strip() for line in params.splitlines() if line.startswith("run_name:"))
    pdf = run.out / f"{name}.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    n_reports = len([p for p in run.out.glob("*.html") if p.name != "index.html"])
    pages = count_pages(pdf.read_bytes())
    assert pages >= n_reports + 2  # cover, contents, at least a page per report, appendix
    assert (run.out / "site" / pdf.name).read_bytes() == pdf.read_bytes()
    again = tmp_path / "again"
    shutil.copytree(run.out, again, ignore=shutil.ignore_patterns("*.pdf", "site", "internal"))
    result = build_site(again, "sv", pdf=True, internal=False)
    assert result.pdf is not None and result.pdf.path is not None
    assert result.pdf.path.read_bytes() == pdf.read_bytes()  # same run, same bytes
    for p in sorted((run.out / "site").glob("*.html")):
        assert (again / "site" / p.name).read_bytes() == p.read_bytes(), p.name
    summary = ARTIFACTS / "browser" / "pdf.json"
    summary.parent.mkdir(parents=True, exist_ok=True)
    summary.write_text(
        json.dumps({"pdf_pages": pages, "pdf_seconds": round(result.pdf.seconds, 1)}) + "\n", encoding="utf-8"
    )
    print(f"\nPDF: {pages} pages, made in {result.pdf.seconds:.1f} s")


def test_internal_rendition_has_code_and_public_has_none(run):
    reports = [p for p in run.out.glob("*.html") if p.name != "index.html"]
    for p in reports:
        internal = (run.out / "internal" / p.name).read_text(encoding="utf-8")
        public = p.read_text(encoding="utf-8")
        assert "jp-InputArea" in internal and "internal-banner" in internal
        assert "jp-InputArea" not in public or "failed-banner" in public


def test_the_checker_catches_what_it_looks_for(tmp_path):
    """The harness itself: a bad page (no policy) is caught on every count."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="http://example.invalid/x.png" alt="remote">'
        '<figure><svg width="0" height="0" role="img" aria-label="empty"></svg></figure>'
        '<a href="missing.html">x</a><a href="#nowhere">y</a><a href="https://example.invalid/">z</a>'
        "<script>console.error('boom'); window.__pwned = 9; alert('hi')</script></body></html>",
        encoding="utf-8",
    )
    with chromium() as browser:
        r = check_page(browser, bad)
    assert any("example.invalid" in u for u in r.blocked)
    assert any("boom" in e for e in r.console_errors)
    assert r.dialogs == ["hi"] and r.pwned == 9
    assert sorted(r.broken_links) == ["#nowhere", "https://example.invalid/", "missing.html"]
    assert len(r.unsized_figures) >= 2  # the empty SVG and the image that did not load
    assert "script" in r.dangerous

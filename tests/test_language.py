"""Language: the review run in English has no Swedish left in generated text, and the Swedish
run has Swedish headings.

The check reads the reader-visible text of each HTML page (headings, paragraphs, lists, table
cells, callouts, captions; not code, not SVG paths), removes the values that come from data
and stay Swedish whatever the language (titles, categories, reasons, indicator names, region
names, document references, names in the results' tables), and then looks for (1) texts of the
Swedish catalog, (2) common Swedish words, (3) Swedish number formats: a decimal comma, a
space before the percent sign, "mnkr", "kr", "procentenheter".

The whole review in English is slow (every notebook, the causality estimates among them), so
that test is marked slow; the default run checks the summary, questions 5 and 6 and the index.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from audit_lib.report.texts import catalog

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "demo.yaml"

SWEDISH_WORDS = (
    "och",
    "att",
    "för",
    "inte",
    "som",
    "med",
    "av",
    "är",
    "på",
    "till",
    "eller",
    "har",
    "det",
    "den",
    "från",
    "vid",
    "utan",
    "saknas",
    "enligt",
    "också",
    "bedömning",
    "bedömningen",
    "upphandlingar",
    "upphandling",
    "samordnade",
    "andel",
    "mål",
    "utfall",
    "år",
    "kategori",
    "ja",
    "nej",
    "fråga",
    "underlag",
    "revisorernas",
    "rekommendationer",
    "sammanfattande",
    "delrapport",
    "indikator",
    "indikatorer",
    "lärdomar",
    "iakttagelser",
    "bilaga",
    "innehåll",
    "granskning",
    "klar",
    "misslyckades",
    "körd",
    "procentenheter",
    "mnkr",
    "kr",
)
SWEDISH_WORD = re.compile(r"(?<![\wåäöÅÄÖ])(" + "|".join(SWEDISH_WORDS) + r")(?![\wåäöÅÄÖ])", re.IGNORECASE)
DECIMAL_COMMA = re.compile(r"(?<![\d,])\d+,\d{1,2}(?![\d])")  # 74,4 (not 1,234)
NBSP_PERCENT = "\u00a0%"
TEXT_TAGS = {
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "li",
    "td",
    "th",
    "caption",
    "figcaption",
    "summary",
    "blockquote",
    "a",
    "strong",
    "div",
    "span",
    "title",
    "label",
    "button",
}
SKIP_TAGS = {"script", "style", "pre", "code", "svg", "textarea"}


class _Text(HTMLParser):
    """Visible text, one chunk per text node, outside code, styles and SVG."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.chunks: list[str] = []
        self.headings: list[str] = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        if tag in ("h1", "h2", "h3"):
            self._in_heading = True
            self.headings.append("")
        for k, v in attrs:  # text a reader meets as tooltips or labels
            if k in ("aria-label", "title", "alt") and v and not self.skip:
                self.chunks.append(v)

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1
        if tag in ("h1", "h2", "h3"):
            self._in_heading = False

    def handle_data(self, data):
        if self.skip or not data.strip():
            return
        self.chunks.append(data)
        if self._in_heading:
            self.headings[-1] += data


def page_text(html: str) -> _Text:
    p = _Text()
    p.feed(html)
    return p


def _strings(value, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def data_values(data_dir: Path, out_dir: Path) -> list[str]:
    """Values that come from data and stay in their language: every text cell of the package,
    the evidence register's references and authors, the parameters' names and sources, and the
    text values inside the results' tables (lists of records), e.g. real procurement titles."""
    from audit_lib.contract import load_package
    from audit_lib.evidence import load_register
    from audit_lib.params import load_params

    values: set[str] = set()
    pkg = load_package(data_dir, check_large_tables=False)
    for df in pkg.tables.values():
        for c in df.columns:
            if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
                values.update(str(v) for v in df[c].dropna().unique())
    params = load_params(PARAMS)
    values.update(r.sv for r in params.regions.values())
    _strings(params.model_dump(mode="json", include={"decision_level", "regions"}), values)
    reg = load_register(params.path(params.evidence), params.audit_year)
    values.update(o.source for o in reg.observations)
    values.update(o.author for o in reg.overrides.values())
    values.update(o.text.sv for o in reg.observations if not o.text.en)
    for f in (out_dir / "results").glob("*.json"):
        res = json.loads(f.read_text(encoding="utf-8"))
        for v in res.values():
            if isinstance(v, list) and v and isinstance(v[0], dict):
                _strings(v, values)
    # never strip a bare Swedish word (it would hide generated text); the longest first, so a
    # title is removed before the category it contains
    common = {w.lower() for w in SWEDISH_WORDS}
    return sorted((v for v in values if len(v.strip()) >= 2 and v.strip().lower() not in common), key=len, reverse=True)


def sv_catalog_fragments() -> list[str]:
    """Fixed pieces of Swedish catalog texts that differ from English, long enough to be telling."""
    frags = set()
    for entry in catalog().values():
        if entry["sv"] == entry["en"]:
            continue
        for piece in re.split(r"\{[^}]*\}", entry["sv"]):
            piece = piece.strip(" .,:;()–-")
            if len(piece) >= 12 and piece not in entry["en"]:
                frags.add(piece)
    return sorted(frags, key=len, reverse=True)


def swedish_left(html: str, strip: list[str], fragments: list[str]) -> list[str]:
    """What in ``html`` reads as Swedish generated text, after removing data values."""
    found = []
    for chunk in page_text(html).chunks:
        text = chunk
        for v in strip:
            if v in text:
                text = text.replace(v, " ")
        for frag in fragments:
            if frag in text:
                found.append(f"catalog text {frag!r} in {chunk.strip()[:120]!r}")
        for m in SWEDISH_WORD.finditer(text):
            found.append(f"word {m.group(0)!r} in {chunk.strip()[:120]!r}")
        if DECIMAL_COMMA.search(text):
            found.append(f"decimal comma in {chunk.strip()[:120]!r}")
        if NBSP_PERCENT in text:
            found.append(f"Swedish percent format in {chunk.strip()[:120]!r}")
    return found


def test_checker_finds_swedish_and_ignores_data():
    frags = sv_catalog_fragments()
    html = (
        "<h2>Bedömning</h2><p>Enabled savings 74,4 MSEK</p><td>Textilservice (Textil)</td>"
        "<p>Share 19\u00a0%</p><p>Mål och utfall</p><pre>code och kod</pre>"
    )
    left = swedish_left(html, ["Textilservice (Textil)"], frags)
    assert any("'Bedömning'" in x for x in left)
    assert any("decimal comma" in x for x in left) and any("percent format" in x for x in left)
    assert any("'och'" in x and "Mål och utfall" in x for x in left)
    assert not any("Textil" in x or "code och kod" in x for x in left)
    assert swedish_left("<p>The share is 19% (74.4 MSEK, 1,234 procurements).</p>", [], frags) == []


def run_review(out: Path, data_dir: Path, language: str, only: list[str] | None = None):
    from audit_lib.run import runner

    return runner.run(
        PARAMS, data_dir=data_dir, out_dir=out, only=only, jobs=2, language=language, progress=lambda m: None
    )


def check_english(out: Path, data_dir: Path) -> None:
    strip = data_values(data_dir, out)
    frags = sv_catalog_fragments()
    problems = {}
    pages = sorted(out.glob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="en"' in html, f"{page.name} is not marked as English"
        left = swedish_left(html, strip, frags)
        if left:
            problems[page.name] = left[:8]
    assert not problems, "Swedish left in the English run:\n" + "\n".join(
        f"{k}:\n  " + "\n  ".join(v) for k, v in problems.items()
    )


@pytest.fixture(autouse=True)
def no_pdf(monkeypatch):
    monkeypatch.setenv("AUDIT_PDF", "0")


def test_english_run_of_summary_and_questions_5_and_6(demo_dir, tmp_path):
    out = tmp_path / "en"
    result = run_review(out, demo_dir, "en", ["q5_indicators", "q6_learning", "summary"])
    assert result.ok
    check_english(out, demo_dir)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Answers to the audit questions" in index and "the report was not run" in index
    assert "Overall assessment" in index and "Recommendations" in index


@pytest.fixture(scope="module")
def sv_run(demo_dir, tmp_path_factory):
    import os

    old = os.environ.get("AUDIT_PDF")
    os.environ["AUDIT_PDF"] = "0"
    try:
        out = tmp_path_factory.mktemp("sv") / "out"
        assert run_review(out, demo_dir, "sv", ["q5_indicators", "summary"]).ok
    finally:
        if old is None:
            os.environ.pop("AUDIT_PDF", None)
        else:
            os.environ["AUDIT_PDF"] = old
    return out


def test_swedish_run_has_swedish_headings(sv_run):
    q5 = page_text((sv_run / "q5_indicators.html").read_text(encoding="utf-8")).headings
    assert "Målområden och indikatorer" in q5 and "Bedömning" in q5
    assert any(h.startswith("Fråga 5:") for h in q5)
    index_html = (sv_run / "index.html").read_text(encoding="utf-8")
    assert '<html lang="sv"' in index_html
    index = page_text(index_html).headings
    assert index[1:4] == ["Sammanfattande bedömning", "Svar på revisionsfrågorna", "Rekommendationer"]
    html = (sv_run / "q5_indicators.html").read_text(encoding="utf-8")
    assert "20\u00a0%" in html  # Swedish percent format
    assert "Den sammanfattande bedömningen kan inte göras fullt ut" in index_html  # q1-q4 not run


def test_report_pages_declare_their_language(sv_run):
    assert '<html lang="sv"' in (sv_run / "q5_indicators.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_whole_review_in_english_has_no_swedish(demo_dir, tmp_path):
    out = tmp_path / "en-all"
    run_review(out, demo_dir, "en")
    failed = [
        r["notebook"]
        for r in map(lambda p: json.loads(p.read_text(encoding="utf-8")), (out / "results").glob("*.json"))
        if r.get("status") != "ok"
    ]
    check_english(out, demo_dir)
    assert not failed, f"notebooks failed in the English run: {failed}"
    summary = json.loads((out / "results" / "summary.json").read_text(encoding="utf-8"))
    assert summary["conclusion"]["sentence"].startswith("The overall assessment is that")

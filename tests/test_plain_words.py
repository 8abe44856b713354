"""Plain words for readers: the visible text of every public page of a full demo run, in
Swedish and in English, holds no raw identifier (a snake_case name such as ``n_violations``)
and no comparison operator (``==``, ``>=``, ``<=``, ``!=``): every name comes from the text
catalog and every criterion reads as words ("at least 50 %"). The run's technical record
(the parameters and checksums, shown as code in the appendices) is left out of the scan.

Also: words that depend on a number take its form ("1 kombination", "3 kombinationer"), and
a long table shows its first rows with the whole table one click away."""

from __future__ import annotations

import json
import re
from importlib import resources

import pandas as pd
import pytest
from public_runs import VISIBLE_TEXT, chromium_available, each_page, language_runs

from audit_lib.report import display as d
from audit_lib.report.texts import LANGUAGES, Texts, catalog
from audit_lib.yamlfile import loads as load_yaml

# a name with an underscore, unless it is a file's name (a data value: "contracted_value.xlsx")
SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b(?!\.[A-Za-z]{2,7}\b)")
OPERATOR = re.compile(r"==|>=|<=|!=")


def raw_words(text: str) -> list[str]:
    return sorted(set(SNAKE.findall(text)) | set(OPERATOR.findall(text)))


def test_the_scan_finds_what_it_looks_for():
    assert raw_words("Antal n_violations == 0, andel >= 50 %") == ["==", ">=", "n_violations"]
    assert raw_words("Andel mål härledda ur historik: minst 50 % (utfall 2024–2025)") == []
    assert raw_words("Filen contracted_value.xlsx, 9 780 rader; n_warnings.") == ["n_warnings"]


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="needs /usr/bin/chromium (apt-get install chromium)")
def test_no_raw_names_or_operators_on_any_public_page(tmp_path_factory, demo_dir):
    runs = language_runs(tmp_path_factory.mktemp("language-runs"), demo_dir)
    found, pages = {}, 0
    for name, page in each_page(runs, ("sv", "en", "sv-2024")):
        pages += 1
        words = raw_words(page.evaluate(VISIBLE_TEXT))
        if words:
            found[name] = words
    assert pages > 3 * 20 and all((runs[k].out / "site" / "followup.html").is_file() for k in runs)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


# statisticians' words that q3's and q4's pages once used, and their readers need not know
JARGON = (
    "bootstrap",
    "percentil",
    "återläggning",
    "with replacement",
    "resampl",
    "slumpfrö",
    "seed",
    "log-pris",
    "log price",
)
JARGON_FREE = ("q3_targets.", "q4_savings_model.")


def jargon_in(keys: list[str], words: tuple[str, ...]) -> dict[str, list[str]]:
    """The jargon words each text of ``keys`` holds, in either language (placeholders left out)."""
    texts = catalog()
    return {
        f"{key}.{lang}": found
        for key in keys
        for lang in LANGUAGES
        if (found := [w for w in words if w in re.sub(r"\{\w*\}", "", texts[key].get(lang, "")).lower()])
    }


def test_the_pages_of_q3_and_q4_use_no_jargon():
    found = jargon_in([key for key in catalog() if key.startswith(JARGON_FREE)], JARGON)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


# and the words q1's, causality's and followup's pages once used (their files also hold the
# assessment's input.* and the follow-up's indicator.* texts, so the scan goes by file, not prefix)
MORE_JARGON = (
    *JARGON,
    "wilson",
    "p-värde",
    "p-value",
    "jackknife",
    "klusterrobust",
    "cluster-robust",
    "kluster",
    "cluster ",
    "nollhypotes",
    "null hypothesis",
    "webb",
    "logaritmerat pris",
    "nominell",
    "nominal",
)
MORE_JARGON_FREE = ("q1_process.yaml", "causality.yaml", "followup.yaml")


def test_the_pages_of_q1_causality_and_followup_use_no_jargon():
    folder = resources.files("audit_lib.report") / "texts"
    keys = [key for name in MORE_JARGON_FREE for key in load_yaml((folder / name).read_text(encoding="utf-8"))]
    assert len(keys) > 200 and "causality.col_p" in keys and "indicator.log_price_sd" in keys
    found = jargon_in(keys, MORE_JARGON)
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)


def test_no_text_writes_a_plural_in_brackets():
    bracketed = re.compile(r"\w\((?:s|er|ar|or|n|na)\)")
    bad = {
        f"{key}.{lang}": v[lang]
        for key, v in catalog().items()
        for lang in LANGUAGES
        if bracketed.search(v.get(lang, ""))
    }
    assert not bad


@pytest.mark.parametrize(
    "n, sv, en",
    [(1, "1 varning;", "1 warning;"), (3, "3 varningar;", "3 warnings;"), ("1", "1 varning;", "1 warning;")],
)
def test_plurals_follow_the_number(n, sv, en):
    assert sv in Texts("sv")("external_statistics.warnings", n=n, first="x")
    assert en in Texts("en")("external_statistics.warnings", n=n, first="x")


def test_criteria_read_as_words():
    from audit_lib.assess import Assessment, ConditionResult

    def cond(name, op, value, actual, holds):
        return ConditionResult(input=name, op=op, value=value, actual=actual, holds=holds)

    a = Assessment(
        question="q3",
        level="nej",
        computed_level="nej",
        inputs={},
        trace={
            "ja": [
                cond("targets_set_share", ">=", 0.5, 0.4, False),
                cond("derivation_documented", "==", True, True, True),
            ],
            "till_stor_del": [],
            "till_viss_del": [],
        },
    )
    fmt = lambda name, v: {True: "ja", False: "nej"}.get(v, f"{v:.0%}") if v is not None else "–"  # noqa: E731
    html = str(d.assessment_box(a, Texts("sv"), fmt))
    assert "minst 50%" in html and "==" not in html and "&gt;=" not in html
    assert ": ja (utfall: ja)" in html


@pytest.mark.parametrize(
    "language, words", [("sv", "Visa hela tabellen (29 rader"), ("en", "Show the whole table (29 rows")]
)
def test_a_cut_table_has_the_whole_table_one_click_away(language, words):
    d.set_language(language)
    try:
        df = pd.DataFrame({"id": [f"P{i:02d}" for i in range(29)]})
        html = str(d.table(df, {"id": "Id"}, caption="Upphandlingar", max_rows=12))
    finally:
        d.set_language("sv")
    first, _, rest = html.partition("<details")
    assert first.count("<tr>") == 1 + 12 and "P11" in first and "P12" not in first
    assert words in rest and rest.count("<tr>") == 1 + 29 and "P28" in rest
    assert "… 17 +" not in html


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="shares the browser tests' runs")
def test_every_followed_up_figure_has_a_name_for_readers(tmp_path_factory, demo_dir):
    """The follow-up names each key figure from the catalog (``input.<name>`` or
    ``indicator.<name>``); a name without one would show raw, even one without an underscore."""
    runs = language_runs(tmp_path_factory.mktemp("language-runs"), demo_dir)
    figures = json.loads((runs["sv"].out / "results" / "followup.json").read_text(encoding="utf-8"))["figures"]
    assert len(figures) > 20
    unnamed = sorted(
        {f["name"] for f in figures} - {k.split(".", 1)[1] for k in catalog() if k.startswith(("input.", "indicator."))}
    )
    assert not unnamed

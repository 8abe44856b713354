"""The summary: statuses, comments (register, override, rule), the overall conclusion from the
documented rule (the report's levels give the report's sentence), the index page, and the
summary notebook through papermill on hand-made results folders with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_notebook

from audit_lib.assess import Override
from audit_lib.evidence import Recommendation, Text
from audit_lib.params import ParamsError, SummaryParams, load_params, load_params_data, parse_params
from audit_lib.questions import summary as s
from audit_lib.report.fmt import Formatter
from audit_lib.report.texts import Texts
from audit_lib.run.index import index_html

REPORT_LEVELS = {
    "q1": "till_stor_del",
    "q2": "till_viss_del",
    "q3": "till_viss_del",
    "q4": "nej",
    "q5": "till_viss_del",
    "q6": "till_viss_del",
}
NOTEBOOKS = SummaryParams().questions
REPORT_SENTENCE_SV = (
    "Den sammanfattande bedömningen är att arbetet med samordnade upphandlingar är ändamålsenligt "
    "utifrån styrande dokument och uppdragets formella inriktning, men att det endast till viss del "
    "är effektivt."
)


def assessment(q, level, computed=None, override=None, rule=None):
    return {
        "question": q,
        "level": level,
        "computed_level": computed or level,
        "overridden": override is not None,
        "override": override,
        "inputs": {},
        "rule": rule or {},
    }


def result(nb, q, level, year=2025, status="ok", **kw):
    return {
        "notebook": nb,
        "status": status,
        "audit_year": year,
        "title": f"Title {q}",
        "assessment": assessment(q, level, **kw),
    }


# ------------------------------------------------------------------ statuses and rows
@pytest.mark.parametrize(
    "res,ran,expected",
    [
        ({"status": "ok", "audit_year": 2025}, True, "ok"),
        ({"status": "ok", "audit_year": 2025}, False, "ok"),  # interactive: results without a run folder
        ({"status": "failed", "audit_year": 2025}, True, "failed"),
        (None, True, "failed"),  # ran, never finished
        (None, False, "not_run"),
        ({"status": "ok", "audit_year": 2024}, False, "not_run"),  # left from another year
        ({"status": "ok", "audit_year": 2024}, True, "failed"),
    ],
)
def test_question_status(res, ran, expected):
    assert s.question_status(res, ran, 2025) == expected


def test_failed_or_missing_questions_never_carry_an_assessment():
    results = {
        "q1_process": result("q1_process", "q1", "ja"),
        "q2_gains": {
            "notebook": "q2_gains",
            "status": "failed",
            "audit_year": 2025,
            "assessment": assessment("q2", "ja"),
        },
    }
    rows = s.question_rows(NOTEBOOKS, results, {"q1_process", "q2_gains", "q3_targets"}, 2025, {}, lambda a: "rule")
    by = {r.question: r for r in rows}
    assert [r.question for r in rows] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert by["q1"].status == "ok" and by["q1"].level == "ja"
    assert by["q2"].status == "failed" and by["q2"].level is None and by["q2"].comment is None
    assert by["q3"].status == "failed" and by["q3"].level is None  # ran, wrote nothing
    assert by["q4"].status == "not_run" and by["q4"].level is None


def test_comment_precedence_register_then_override_then_rule():
    o = {"level": "ja", "justification": "Revisorernas motivering", "author": "A", "date": "2025-10-01"}
    results = {
        "q1_process": result("q1_process", "q1", "ja"),
        "q2_gains": result("q2_gains", "q2", "ja", computed="nej", override=o),
        "q3_targets": result("q3_targets", "q3", "nej"),
    }
    rows = s.question_rows(NOTEBOOKS, results, set(), 2025, {"q1": "Registrets kommentar"}, lambda a: "från regeln")
    by = {r.question: r for r in rows}
    assert (by["q1"].comment, by["q1"].comment_source) == ("Registrets kommentar", "register")
    assert (by["q2"].comment, by["q2"].comment_source) == ("Revisorernas motivering", "override")
    assert by["q2"].overridden and by["q2"].computed_level == "nej" and by["q2"].level == "ja"
    assert (by["q3"].comment, by["q3"].comment_source) == ("från regeln", "rule")


def test_register_comment_written_for_another_level_is_marked():
    results = {"q1_process": result("q1_process", "q1", "nej"), "q2_gains": result("q2_gains", "q2", "ja")}
    rows = s.question_rows(
        NOTEBOOKS,
        results,
        set(),
        2025,
        {"q1": "Kommentar", "q2": "Annan"},
        lambda a: "regel",
        {"q1": "till_viss_del", "q2": "ja"},
        lambda w, lv: f"[{w} != {lv}]",
    )
    by = {r.question: r for r in rows}
    assert by["q1"].comment_other_level and by["q1"].comment == "[till_viss_del != nej] Kommentar"
    assert by["q1"].to_json()["comment_level"] == "till_viss_del"
    assert not by["q2"].comment_other_level and by["q2"].comment == "Annan"


CAUSALITY = {
    "status": "ok",
    "identified": False,
    "settings": {"level": 0.95},
    "identification_reasons": {
        "category_management": ["pretrend_rejected"],
        "coordination": ["other_initiative"],
        "ecommerce": ["other_initiative"],
    },
    "effects": {
        "coordination": {"estimate": -0.05, "ci_low": -0.06, "ci_high": -0.04},
        "ecommerce": {"estimate": -0.03, "ci_low": -0.04, "ci_high": -0.02},
        "category_management": {"estimate": -0.02, "ci_low": -0.03, "ci_high": -0.01},
    },
}


def test_causality_question_answered_with_a_statement():
    """Each initiative's price change with its interval and share, and whether the design
    identifies them; not identified: associational, why, and no causal words."""
    t, f = Texts("en"), Formatter("en")
    st = s.causality_statement(CAUSALITY, t, f)
    assert st["identified"] is False and len(st["items"]) == 3
    assert st["items"][0].startswith("Coordinated contract: -4.9%") and "50%" in st["items"][0]
    assert "associational" in st["note"] and "Category management" in st["note"] and "caused" not in st["note"]
    sv = s.causality_statement(CAUSALITY, Texts("sv"), Formatter("sv"))
    assert "associativa" in sv["note"] and not any(
        w in " ".join(sv["items"]) + sv["note"] for w in ("orsakseffekt", "ledde till")
    )
    ok = s.causality_statement(dict(CAUSALITY, identified=True, identification_reasons={}), t, f)
    assert "effects of each initiative" in ok["note"]
    assert s.causality_statement({"status": "ok", "effects": {}}, t, f) is None
    assert s.causality_statement(None, t, f) is None


def test_index_shows_the_answer_date():
    causal = s.causality_statement(CAUSALITY, Texts("sv"), Formatter("sv"))
    summary = {
        "status": "ok",
        "conclusion": {"sentence": "S", "answer_by": "2026-02-26", "causality": causal},
        "assessments": {},
        "recommendations": [],
    }
    html = index_html([{"name": "summary", "title": "S", "status": "ok", "level": None}], "sv", 2025, "R", summary)
    assert "senast 2026-02-26" in html
    assert "Sänkte samordningen priserna" in html and "associativa" in html


RULE = {
    "ja": [{"input": "x_share", "op": ">=", "value": 0.9, "actual": 0.4, "holds": False}],
    "till_stor_del": [
        {"input": "x_share", "op": ">=", "value": 0.5, "actual": 0.4, "holds": False},
        {"input": "documented", "op": "==", "value": True, "actual": None, "holds": None},
        {"input": "n", "op": ">=", "value": 3, "actual": 5, "holds": True},
    ],
    "till_viss_del": [{"input": "x_share", "op": ">=", "value": 0.2, "actual": 0.4, "holds": True}],
}


def rule_comment(level, language="sv", rule=RULE):
    t, f = Texts(language), Formatter(language)
    value = lambda n, v: s.default_format_value(n, v, t("common.yes"), t("common.no"), f)  # noqa: E731
    return s.rule_comment({"computed_level": level, "rule": rule}, t, lambda n: n.upper(), value)


def test_rule_comment_names_the_unmet_conditions_of_the_next_level():
    assert rule_comment("till_viss_del") == (
        "För Till stor del skulle också krävas: X_SHARE ska vara minst 50\u00a0% men är 40\u00a0%; "
        "DOCUMENTED ska vara ja men uppgift saknas."
    )
    assert rule_comment("till_viss_del", "en") == (
        "Largely would also require: X_SHARE should be at least 50% but is 40%; "
        "DOCUMENTED should be yes but the figure is missing."
    )
    assert rule_comment("ja") == "Alla villkor för den högsta nivån är uppfyllda."
    assert "Inga villkor" in rule_comment("nej", rule={"till_viss_del": []})


# ------------------------------------------------------------------ the overall conclusion
def conclusions(levels, overrides=None, params=None):
    p = params or SummaryParams()
    return s.conclude(levels, p.dimensions, p.level_scores, overrides or {})


def test_report_levels_give_the_report_conclusion():
    c = {x.name: x for x in conclusions(REPORT_LEVELS)}
    assert c["appropriate"].level == "ja"  # no Nej among q1, q3, q5
    assert c["efficient"].inputs["mean_score"] == pytest.approx(0.75)  # q2 1, q4 0, q5 1, q6 1
    assert c["efficient"].inputs["min_score"] == 0 and c["efficient"].level == "till_viss_del"
    t = Texts("sv")
    assert s.conclusion_sentence(list(c.values()), t, t.has) == REPORT_SENTENCE_SV
    en = Texts("en")
    assert s.conclusion_sentence(list(c.values()), en, en.has) == (
        "The overall assessment is that the work on coordinated procurement is appropriate given the governing "
        "documents and the formal remit, but that it is only partly efficient."
    )


def test_demo_params_carry_the_default_rule():
    demo = load_params(ROOT / "params" / "demo.yaml").summary
    assert demo.model_copy(update={"answer_by": None}) == SummaryParams()  # the rule is the default one
    assert demo.answer_by.isoformat() == "2026-02-26"  # the board's answer date (cover letter)


def test_conclusion_moves_with_the_levels():
    all_yes = {q: "ja" for q in REPORT_LEVELS}
    c = conclusions(all_yes)
    assert [x.level for x in c] == ["ja", "ja"] and not s.contrast(c)
    t = Texts("sv")
    assert ", och att det är effektivt." in s.conclusion_sentence(c, t, t.has)
    one_no = dict(REPORT_LEVELS, q3="nej")
    assert conclusions(one_no)[0].level == "till_stor_del"  # a Nej among q1, q3, q5: mean (2+0+1)/3 = 1
    largely = dict(REPORT_LEVELS, q2="till_stor_del", q4="till_stor_del", q5="till_stor_del", q6="till_stor_del")
    assert conclusions(largely)[1].level == "till_stor_del"


def test_missing_question_is_not_read_as_nej():
    levels = dict(REPORT_LEVELS, q4=None)
    c = {x.name: x for x in conclusions(levels)}
    assert c["efficient"].level is None and c["efficient"].missing == ["q4"] and c["efficient"].assessment is None
    assert c["appropriate"].level == "ja"
    t = Texts("sv")
    assert s.conclusion_sentence(list(c.values()), t, t.has) == (
        "Den sammanfattande bedömningen kan inte göras fullt ut: bedömning saknas för fråga 4 (delrapporten "
        "misslyckades eller kördes inte)."
    )


def test_override_of_a_dimension():
    o = Override("till_stor_del", "Motivering", "A. Revisor", "2025-10-01")
    c = {x.name: x for x in conclusions(REPORT_LEVELS, {"efficient": o})}
    assert c["efficient"].level == "till_stor_del" and c["efficient"].computed_level == "till_viss_del"
    j = c["efficient"].to_json()
    assert j["overridden"] is True and j["override"]["author"] == "A. Revisor"
    missing = {x.name: x for x in conclusions(dict(REPORT_LEVELS, q2=None), {"efficient": o})}
    assert missing["efficient"].level == "till_stor_del" and missing["efficient"].computed_level is None


def test_dimension_naming_an_unknown_question_is_a_params_error():
    data = {
        "run_name": "t",
        "audit_year": 2025,
        "data_dir": "d",
        "regions": {"SRM": {"sv": "S", "en": "S"}},
        "summary": {"dimensions": {"x": {"questions": ["q9"]}}},
    }
    with pytest.raises(ParamsError, match="unknown question"):
        parse_params(data)


def test_review_recommendations_leave_out_followed_up_ones():
    recs = [
        Recommendation(id="R1", question="q1", text=Text(sv="Gör", en="Do")),
        Recommendation(id="R24.1", question="q3", text=Text(sv="Gammal"), status="in_progress"),
    ]
    assert s.review_recommendations(recs, "en") == [{"id": "R1", "question": "q1", "text": "Do", "status": "new"}]


# ------------------------------------------------------------------ the index page
def summary_json(statuses=None):
    rows = {}
    for q, nb in NOTEBOOKS.items():
        st = (statuses or {}).get(q, "ok")
        rows[q] = {
            "question": q,
            "notebook": nb,
            "status": st,
            "level": REPORT_LEVELS[q] if st == "ok" else None,
            "computed_level": REPORT_LEVELS[q] if st == "ok" else None,
            "overridden": False,
            "comment": f"Kommentar {q} <b>" if st == "ok" else None,
            "comment_source": "register",
            "title": None,
        }
    return {
        "status": "ok",
        "assessments": rows,
        "conclusion": {"sentence": REPORT_SENTENCE_SV, "comment": None},
        "recommendations": [{"id": "R1", "question": "q1", "text": "Tydliggör ansvaret.", "status": "new"}],
    }


def entries(failed=()):
    names = list(NOTEBOOKS.values()) + ["decision_level", "summary"]
    return [
        {
            "name": n,
            "title": n.upper(),
            "status": "failed" if n in failed else "ok",
            "level": "till_viss_del" if n == "decision_level" else None,
        }
        for n in names
    ]


def test_index_is_the_closing_table():
    html = index_html(entries(), "sv", 2025, "Region Sörmland", summary_json())
    assert REPORT_SENTENCE_SV in html
    assert '<a href="q4_savings_model.html">4. Är modellen' in html
    assert 'class="level lvl-nej">Nej' in html and 'class="level lvl-stor">Till stor del' in html
    assert "Kommentar q1 &lt;b&gt;" in html and "<b>" not in html.split("<body")[1]  # comments are escaped
    assert "Tydliggör ansvaret." in html and "(fråga 1)" in html
    assert '<a href="decision_level.html">DECISION_LEVEL</a>' in html  # further analyses
    assert '<a href="summary.html">' in html
    assert (
        html.index("Sammanfattande bedömning")
        < html.index("Svar på revisionsfrågorna")
        < html.index("Rekommendationer")
    )


def test_index_shows_the_runs_failures_not_an_assessment():
    html = index_html(entries(failed={"q2_gains"}), "en", 2025, "Region Sörmland", summary_json())
    row = html.split('href="q2_gains.html"')[1].split("</tr>")[0]
    assert "No assessment: the report could not be completed" in row and "Partly" not in row
    only = [e for e in entries() if e["name"] != "q6_learning"]
    row6 = index_html(only, "en", 2025, "R", summary_json()).split("6. Do the board")[1].split("</tr>")[0]
    assert "the report was not run" in row6 and "Partly" not in row6


def test_index_without_summary_lists_the_reports():
    html = index_html(entries(failed={"q2_gains"})[:3], "sv", 2025, "R", None)
    assert "Sammanfattningen har inte körts" in html
    assert '<tr class="failed"><td><a href="q2_gains.html">' in html
    failed_summary = index_html(entries(failed={"summary"}), "sv", 2025, "R", {"status": "failed"})
    assert "delrapporten kunde inte färdigställas" in failed_summary


# ------------------------------------------------------------------ the notebook through papermill
def write_results(folder: Path, results: dict) -> Path:
    r = folder / "results"
    r.mkdir(parents=True)
    for nb, res in results.items():
        (r / f"{nb}.json").write_text(json.dumps(res), encoding="utf-8")
    return r


def run_summary(tmp_path: Path, demo_dir: Path, results: dict, ran=(), params_file=None, language=""):
    """Run the summary notebook with ``results_dir`` pointing at hand-made results (papermill
    writes to ``tmp_path/results`` through conftest.run_notebook)."""
    write_results(tmp_path, results)
    nbs = tmp_path / "notebooks"
    nbs.mkdir(exist_ok=True)
    for n in ran:
        (nbs / f"{n}.ipynb").write_text("{}", encoding="utf-8")
    return run_notebook("summary", demo_dir, tmp_path, params_file=params_file, language=language)


def test_notebook_reproduces_the_report_closing_table(demo_dir, tmp_path):
    results = {nb: result(nb, q, REPORT_LEVELS[q]) for q, nb in NOTEBOOKS.items()}
    res = run_summary(tmp_path, demo_dir, results, ran=NOTEBOOKS.values())
    a = res["assessments"]
    assert sorted(a) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert {q: a[q]["level"] for q in a} == REPORT_LEVELS
    assert all(set(a[q]) >= {"level", "computed_level", "overridden", "comment"} for q in a)
    assert a["q4"]["comment"].startswith("Modellen är snäv") and a["q4"]["comment_source"] == "register"
    assert res["conclusion"]["sentence"] == REPORT_SENTENCE_SV and res["conclusion"]["complete"] is True
    assert res["conclusion"]["dimensions"]["efficient"]["level"] == "till_viss_del"
    assert [r["id"] for r in res["recommendations"]] == ["R1", "R2", "R3", "R4", "R5"]
    assert res["conclusion"]["answer_by"] == "2026-02-26"
    assert not any(a[q]["comment_other_level"] for q in a)  # the register's comments fit the report's levels


def test_notebook_with_failures_and_generated_comments_in_english(demo_dir, tmp_path):
    ev = tmp_path / "evidence"
    ev.mkdir()
    (ev / "s.yaml").write_text(
        "year: 2025\ncomments:\n  q1: {sv: Kommentar, en: Auditors' comment}\n", encoding="utf-8"
    )
    params = load_params_data(ROOT / "params" / "demo.yaml")
    params.update(evidence=str(ev), data_dir=str(demo_dir), generate_demo_data=False)
    pf = tmp_path / "params.yaml"
    pf.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    o = {"level": "till_viss_del", "justification": "Overridden because ...", "author": "A", "date": "2025-10-01"}
    results = {
        "q1_process": result("q1_process", "q1", "till_stor_del"),
        "q3_targets": result("q3_targets", "q3", "ja", year=2024),  # stale: another year
        "q5_indicators": result("q5_indicators", "q5", "till_viss_del", computed="nej", override=o),
        "q6_learning": result("q6_learning", "q6", "till_viss_del", rule=RULE),
    }
    res = run_summary(
        tmp_path,
        demo_dir,
        results,
        ran=["q1_process", "q2_gains", "q5_indicators", "q6_learning"],
        params_file=pf,
        language="en",
    )
    a = res["assessments"]
    assert (a["q2"]["status"], a["q2"]["level"]) == ("failed", None)  # ran, wrote no results
    assert (a["q3"]["status"], a["q3"]["level"]) == ("not_run", None)
    assert (a["q4"]["status"], a["q4"]["level"]) == ("not_run", None)
    assert a["q1"]["comment"] == "Auditors' comment"
    assert a["q5"]["comment"] == "Overridden because ..." and a["q5"]["overridden"] is True
    assert a["q6"]["comment_source"] == "rule" and a["q6"]["comment"].startswith("Largely would also require: ")
    assert res["conclusion"]["complete"] is False
    assert res["conclusion"]["sentence"] == (
        "The overall assessment cannot be made in full: there is no assessment for "
        "question 2, question 3 and question 4 (the report failed or was not run)."
    )
    assert res["recommendations"] == []


# ------------------------------------------------------------------ analyse, results, page
def test_analyse_reads_the_results_given_and_results_record_the_conclusion():
    """``analyse`` on hand-made results: the report's levels give the report's sentence, a
    question without results is not run (and outside a run nothing links), and ``results``
    records the rows, the conclusion and the recommendations."""
    from audit_lib.evidence import EvidenceRegister

    t, f = Texts("sv"), Formatter("sv")
    results = {nb: result(nb, q, REPORT_LEVELS[q]) for q, nb in NOTEBOOKS.items()}
    recs = [
        Recommendation(id="R1", text=Text(sv="Gör"), status="new"),
        Recommendation(id="R0", text=Text(sv="Gjort"), status="open"),
    ]
    register = EvidenceRegister(year=2025, recommendations=recs)
    res = s.analyse(results, set(NOTEBOOKS.values()), SummaryParams(), register, "sv", 2025, t, f)
    assert res.sentence == REPORT_SENTENCE_SV and res.levels == REPORT_LEVELS and res.linked
    recorded = s.results(res)
    assert list(recorded) == ["assessments", "conclusion", "recommendations", "responses", "responses_as_of"]
    assert recorded["conclusion"]["complete"] is True and recorded["conclusion"]["answer_by"] is None
    assert [r["id"] for r in recorded["responses"]] == ["R1"] and recorded["responses_as_of"] == "2025-12-31"
    assert [r["id"] for r in recorded["recommendations"]] == ["R1"]
    partial = s.analyse(
        {k: v for k, v in results.items() if k != "q4_savings_model"}, None, SummaryParams(), register, "sv", 2025, t, f
    )
    assert partial.levels["q4"] is None and not partial.linked
    assert s.results(partial)["assessments"]["q4"]["status"] == "not_run"
    assert s.results(partial)["conclusion"]["complete"] is False


def test_the_boards_answers_to_this_reviews_recommendations():
    """Each recommendation with its response: the answer in time or late against answer_by,
    judged on responses_as_of (default: the period's end), recorded and shown."""
    import datetime as dt

    from audit_lib.contract.period import Period
    from audit_lib.evidence import EvidenceRegister
    from audit_lib.report.pages import summary as page

    t, f = Texts("en"), Formatter("en")
    register = EvidenceRegister.model_validate(
        {
            "year": 2025,
            "recommendations": [
                {"id": "R1", "text": {"sv": "Gör", "en": "Do"}},
                {"id": "R2", "text": {"sv": "Gör mer"}},
            ],
            "responses": [
                {
                    "recommendation": "R1",
                    "received": "2026-02-20",
                    "measures": [{"text": {"sv": "Rutin"}, "owner": "CFO", "deadline": "2026-06-30"}],
                }
            ],
        }
    )
    period = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    before = s.analyse({}, None, SummaryParams(answer_by=dt.date(2026, 2, 26)), register, "en", 2025, t, f, period)
    assert [r.answered for r in before.responses] == ["not_due", "not_due"]  # the report goes out before the answer
    after = s.analyse(
        {},
        None,
        SummaryParams(answer_by=dt.date(2026, 2, 26), responses_as_of=dt.date(2026, 3, 1)),
        register,
        "en",
        2025,
        t,
        f,
        period,
    )
    recorded = s.results(after)["responses"]
    assert [(r["id"], r["answered"], r["owner"], r["deadline"], r["overdue"]) for r in recorded] == [
        ("R1", "in_time", "CFO", "2026-06-30", False),
        ("R2", "missing", None, None, True),
    ]
    html = "".join(str(p) for p in page.recommendations(after, t, f))
    assert "Answered 2026-02-20, in time" in html and "Recommendations without an answer: R2." in html


def test_executed_notebooks_are_the_run_folders_notebooks(tmp_path):
    from audit_lib.report.results import executed_notebooks

    (tmp_path / "results").mkdir()
    assert executed_notebooks(tmp_path / "results") is None
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "q1_process.ipynb").write_text("{}", encoding="utf-8")
    assert executed_notebooks(tmp_path / "results") == {"q1_process"}


def test_page_names_the_questions_with_their_levels_and_scores_dimension_inputs():
    from audit_lib.evidence import EvidenceRegister
    from audit_lib.report.pages import summary as page

    t, f = Texts("sv"), Formatter("sv")
    results = {"q1_process": result("q1_process", "q1", "ja")}
    res = s.analyse(results, None, SummaryParams(), EvidenceRegister(year=2025), "sv", 2025, t, f)
    assert page.names(["q1", "q2"], res, t) == (
        f"{t('summary.question_short', n='1')} ({t('level.ja')}), {t('summary.question_short', n='2')}"
    )
    score = page.SCORES.bind(t, f)
    assert score("n_assessed", 3) == f.count(3) and score("mean_score", 1.5) == f.number(1.5, 2)
    assert score("x", None) == "–" and score("x", True) == t("common.yes")

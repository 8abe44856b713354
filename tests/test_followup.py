"""The follow-up: this year's results against last year's, and last year's recommendations.

Unit tests on hand-made results with known answers; the notebook through papermill on a
hand-made previous and current year; and the whole cycle a user goes through: run a year,
``audit new-year``, run the next year, read its follow-up.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import quiet, run_notebook

from audit_lib.params import load_params_data
from audit_lib.questions import followup as fu
from audit_lib.report.fmt import Formatter
from audit_lib.report.pages import followup as page
from audit_lib.report.texts import Texts

pytestmark = pytest.mark.usefixtures("no_pdf")

ROOT = Path(__file__).resolve().parents[1]


def res(year, level=None, rule=None, inputs=None, status="ok", **figures):
    r = {"notebook": "x", "status": status, "audit_year": year, "title": "T", "language": "sv", **figures}
    if level:
        r["assessment"] = {
            "question": "q3",
            "level": level,
            "inputs": inputs or {},
            "overridden": False,
            "rule": rule or {"ja": [{"input": "a", "op": ">=", "value": 0.9}]},
        }
    return r


# ------------------------------------------------------------------------------ figures
def test_figures_are_assessment_inputs_then_top_level_scalars():
    r = res(
        2025,
        "ja",
        inputs={"share_ok": 0.5, "documented": True},
        n_cases=10,
        share_ok=0.4,
        interval_level=0.95,
        table=[{"a": 1}],
        pair_interval=[1, 2],
        note="text",
        missing=None,
    )
    assert fu.figures(r) == {"share_ok": 0.5, "documented": True, "n_cases": 10}
    # parameters a notebook echoes are settings, not findings
    assert fu.figures(r, {"n_cases"}) == {"share_ok": 0.5, "documented": True}
    # bounds recorded as x_low and x_high are the interval of x, not figures
    b = res(2025, rate=0.3, rate_low=0.2, rate_high=0.4, only_low=1.0)
    assert fu.figures(b) == {"rate": 0.3, "only_low": 1.0}
    assert fu.interval_of(b, "rate") == (0.2, 0.4)


def test_parameter_names_are_the_common_keys_and_the_own_section():
    from audit_lib.params import load_params

    names = fu.parameter_names(load_params(ROOT / "params" / "demo.yaml"), ["q3_targets", "not_a_section"])
    assert {"forecast_level", "seed", "audit_year", "significance_level"} <= names["q3_targets"]
    assert "seed" in names["not_a_section"] and "forecast_level" not in names["not_a_section"]


def test_kind_of_looks_at_names_and_values():
    assert fu.kind_of("coordinated_share", 0.2, 0.3) == "share"
    assert fu.kind_of("coverage_value", 0.61, 0.76) == "share"
    assert fu.kind_of("coverage_count", 0.97, 1.0) == "share"
    assert fu.kind_of("n_cases", 10, 12.0) == "count"
    assert fu.kind_of("n_per_region", 10.5, 12.0) == "number"
    assert fu.kind_of("net_sek", 1e6, None) == "money"
    assert fu.kind_of("ratio_big", 2.5, 3.0) == "number"  # not a fraction
    assert fu.kind_of("flag", True, None) == "bool"


def test_figure_changes_with_known_answers():
    prev = {
        "q": res(
            2024,
            coordinated_share=0.25,
            coordinated_share_interval=[0.20, 0.30],
            n_procurements=100,
            value_sek=2e6,
            flag=True,
            gone=1.0,
            same=0.5,
            share_b=0.3,
            share_b_interval=[0.2, 0.4],
        )
    }
    cur = {
        "q": res(
            2025,
            coordinated_share=0.40,
            coordinated_share_interval=[0.35, 0.45],
            n_procurements=120,
            value_sek=1e6,
            flag=False,
            new_one=3,
            same=0.5,
            share_b=0.35,
            share_b_interval=[0.3, 0.4],
        )
    }
    df = fu.figure_changes(prev, cur).set_index("name")
    share = df.loc["coordinated_share"]
    assert share["kind"] == "share" and share["change"] == pytest.approx(0.15) and share["change_rel"] is None
    assert share["intervals_overlap"] is False and share["status"] == "changed"
    assert df.loc["share_b", "intervals_overlap"] is True  # 0.2–0.4 and 0.3–0.4 overlap: may be noise
    n = df.loc["n_procurements"]
    assert n["kind"] == "count" and n["change"] == 20 and n["change_rel"] == pytest.approx(0.2)
    assert n["intervals_overlap"] is None
    assert df.loc["value_sek", "kind"] == "money" and df.loc["value_sek", "change_rel"] == pytest.approx(-0.5)
    assert df.loc["flag", "status"] == "changed" and df.loc["flag", "change"] is None
    assert df.loc["same", "status"] == "unchanged"
    assert df.loc["new_one", "status"] == "new" and df.loc["gone", "status"] == "dropped"


def test_failed_results_are_not_compared():
    df = fu.figure_changes({"q": res(2024, n=1)}, {"q": res(2025, status="failed", n=2)})
    assert list(df["status"]) == ["dropped"]


# ------------------------------------------------------------------------------ assessments
def test_assessment_changes_and_changed_criteria():
    rule = {
        "ja": [{"input": "a", "op": ">=", "value": 0.9}],
        "till_stor_del": [{"input": "a", "op": ">=", "value": 0.5}],
    }
    stricter = {"ja": [{"input": "a", "op": ">=", "value": 0.95}]}
    prev = {
        "q1": res(2024, "till_viss_del", rule),
        "q2": res(2024, "ja", rule),
        "q3": res(2024, "ja", rule),
        "q4": res(2024, "nej", rule),
    }
    cur = {
        "q1": res(2025, "till_stor_del", rule),
        "q2": res(2025, "till_viss_del", stricter),
        "q3": res(2025, "ja", {"ja": rule["ja"]}),
        "q5": res(2025, "ja", rule),
    }
    df = fu.assessment_changes(prev, cur).set_index("notebook")
    assert df.loc["q1", "direction"] == "improved" and df.loc["q1", "criteria_changed"] is False
    assert df.loc["q2", "direction"] == "worsened" and df.loc["q2", "criteria_changed"] is True
    # the trace stops at the first level that holds: only the levels both years record count
    assert df.loc["q3", "direction"] == "unchanged" and df.loc["q3", "criteria_changed"] is False
    assert df.loc["q4", "direction"] == "dropped" and df.loc["q4", "current_level"] is None
    assert df.loc["q5", "direction"] == "new"
    assert fu.direction_counts(df.reset_index()) == {
        "improved": 1,
        "unchanged": 1,
        "worsened": 1,
        "changed": 0,
        "new": 1,
        "dropped": 1,
    }


def q1_criteria():
    from audit_lib.params import load_params

    return load_params(ROOT / "params" / "demo.yaml").q1_process.criteria


def q1_res(year, level, **inputs):
    base = {
        "common_process_documented": True,
        "shared_view_strategic": True,
        "ownership_clear": False,
        "deviation_handling_defined": False,
    }
    return res(year, level, inputs={**base, **inputs})


def test_q1_is_not_called_improved_when_every_figure_got_worse():
    """The demo's case: 2024 had no share target (target_attainment missing), which then
    counted as a failed criterion, so q1 went Till viss del -> Till stor del while every
    figure behind it got worse. Like for like it is not an improvement."""
    prev = {
        "q1_process": q1_res(
            2024, "till_viss_del", plan_followed_share=0.70, reasons_documented_share=0.6, target_attainment=None
        )
    }
    cur = {
        "q1_process": q1_res(
            2025, "till_stor_del", plan_followed_share=0.62, reasons_documented_share=0.5, target_attainment=0.55
        )
    }
    row = fu.assessment_changes(prev, cur, {"q1_process": q1_criteria()}).iloc[0]
    assert row["recorded_direction"] == "improved"
    assert row["direction"] != "improved"
    assert row["previous_level_now"] == "till_stor_del"  # last year's figures under this year's rule
    assert row["figures"]["plan_followed_share"] == "worse" and row["figures"]["reasons_documented_share"] == "worse"
    assert row["figures"]["target_attainment"] == "missing"
    assert row["n_better"] == 0 and row["n_worse"] == 2
    assert row["direction"] == "changed" and set(row["because"]) >= {"criteria", "missing_inputs"}
    # the same change with figures that did improve is an improvement
    better = {
        "q1_process": q1_res(
            2024, "till_viss_del", plan_followed_share=0.40, reasons_documented_share=0.4, target_attainment=0.3
        )
    }
    up = fu.assessment_changes(better, cur, {"q1_process": q1_criteria()}).iloc[0]
    assert up["previous_level_now"] == "till_viss_del" and up["direction"] == "improved" and up["because"] == []
    # a higher level while the figures point both ways is a change, with the data named
    mixed = {
        "q1_process": q1_res(
            2024, "till_viss_del", plan_followed_share=0.40, reasons_documented_share=0.8, target_attainment=0.3
        )
    }
    mx = fu.assessment_changes(mixed, cur, {"q1_process": q1_criteria()}).iloc[0]
    assert mx["direction"] == "changed" and mx["because"] == ["data"]


def test_figure_direction_reads_the_condition():
    assert fu.figure_direction(">=", 0.5, 0.4, 0.6) == "better"
    assert fu.figure_direction("<=", 0.05, 0.01, 0.03) == "worse"
    assert fu.figure_direction("==", 0, 3, 1) == "better"
    assert fu.figure_direction("==", True, True, False) == "worse"
    assert fu.figure_direction(">=", 0.5, None, 0.6) == "missing"
    assert fu.figure_direction(">=", 0.5, 0.6, 0.6) == "same"


def test_level_direction():
    assert fu.level_direction("nej", "ja") == "improved"
    assert fu.level_direction("till_stor_del", "till_viss_del") == "worsened"
    assert fu.level_direction(None, None) == "none"


# ------------------------------------------------------------------------------ recommendations
def rec(i, status, evidence=(), text="t"):
    return {"id": i, "question": "q3", "text": {"sv": text}, "status": status, "status_evidence": list(evidence)}


def test_recommendation_followup():
    register = [rec("R1", "in_progress", ["E1"]), rec("R2", "open"), rec("R5", "new"), rec("R6", "done", ["E1"])]
    obs = {"E1": {"text": "seen", "source": "interview", "date": "2025-09-30"}}
    previous = [rec("R1", "new"), rec("R2", "new"), rec("R3", "new"), rec("R4", "done")]
    df = fu.recommendation_followup(register, obs, previous)
    assert list(df["id"]) == ["R6", "R1", "R2", "R3"]  # done, in progress, open, missing
    r = df.set_index("id")
    assert r.loc["R1", "evidence"] == [{"id": "E1", "text": "seen", "source": "interview", "date": "2025-09-30"}]
    assert r.loc["R1", "previous_status"] == "new" and r.loc["R6", "previous_status"] is None
    assert r.loc["R3", "status"] == "missing" and r.loc["R3", "in_register"] is False
    assert fu.status_counts(df) == {"done": 1, "in_progress": 1, "open": 1, "not_started": 0, "missing": 1}
    # without last year's record, the register alone decides
    assert list(fu.recommendation_followup(register, obs, None)["id"]) == ["R6", "R1", "R2"]


def test_availability_reasons():
    ok = {"q": res(2024)}
    assert fu.availability(False, False, {}, 2025)["reason"] == "not_configured"
    assert fu.availability(True, False, {}, 2025)["reason"] == "not_found"
    assert fu.availability(True, True, {"q": res(2024, status="failed")}, 2025)["reason"] == "empty"
    assert fu.availability(True, True, {"q": res(2025)}, 2025)["reason"] == "not_earlier"
    a = fu.availability(True, True, {**ok, "f": res(2024, status="failed")}, 2025)
    assert a == {"available": True, "reason": "ok", "previous_year": 2024, "n_previous": 1, "n_previous_failed": 1}


# ------------------------------------------------------------------------------ the notebook
REGISTER = """year: 2025
observations:
  - {id: EF1, question: followup, text: {sv: "Processen finns men tillämpas inte konsekvent", en: "The process exists but is not applied consistently"}, source: "Intervju", date: 2025-09-30}
recommendations:
  - {id: R1, question: q1, text: {sv: "Inför en process", en: "Introduce a process"}, status: in_progress, status_evidence: [EF1]}
  - {id: R2, question: q3, text: {sv: "Dokumentera målen", en: "Document the targets"}, status: open}
  - {id: R7, question: q3, text: {sv: "Ny rekommendation", en: "New recommendation"}, status: new}
"""


def _params(tmp: Path, previous: Path | None) -> Path:
    data = load_params_data(ROOT / "params" / "demo.yaml")
    ev = tmp / "evidence"
    ev.mkdir(parents=True, exist_ok=True)
    (ev / "followup.yaml").write_text(REGISTER, encoding="utf-8")
    data.update(
        evidence=str(ev),
        data_dir=str(tmp / "unused"),
        generate_demo_data=False,
        followup={"previous_results_dir": str(previous) if previous else str(tmp / "no-such-folder")},
    )
    p = tmp / "params.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def _write(folder: Path, name: str, content: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"notebook": name, **content}), encoding="utf-8")


def test_notebook_compares_with_last_year(tmp_path, demo_dir):
    rule = {
        "ja": [{"input": "targets_set_share", "op": ">=", "value": 0.9}],
        "till_stor_del": [{"input": "targets_set_share", "op": ">=", "value": 0.75}],
    }
    prev, cur = tmp_path / "prev", tmp_path / "run" / "results"
    _write(
        prev,
        "q3_targets",
        res(
            2024,
            "till_viss_del",
            rule,
            {"targets_set_share": 0.5, "derivation_documented": False},
            coordinated_share=0.25,
            coordinated_share_interval=[0.2, 0.3],
            interval_level=0.95,
        ),
    )
    _write(prev, "q9_gone", res(2024, "ja", rule))
    _write(
        prev,
        "followup",
        {
            "status": "ok",
            "audit_year": 2024,
            "recommendations": [rec("R1", "new"), rec("R2", "new"), rec("R3", "new", text="Glömd"), rec("R4", "done")],
        },
    )
    _write(
        cur,
        "q3_targets",
        res(
            2025,
            "till_stor_del",
            rule,
            {"targets_set_share": 0.8, "derivation_documented": True},
            coordinated_share=0.40,
            coordinated_share_interval=[0.35, 0.45],
            interval_level=0.95,
        ),
    )
    _write(cur, "q8_failed", {"status": "failed", "audit_year": 2025})
    r = run_notebook("followup", demo_dir, tmp_path / "run", _params(tmp_path, prev), language="en")
    assert r["status"] == "ok" and r["available"] is True and r["previous_year"] == 2024
    a = {x["notebook"]: x for x in r["assessments"]}
    assert a["q3_targets"]["direction"] == "improved" and a["q3_targets"]["criteria_changed"] is False
    assert a["q9_gone"]["direction"] == "dropped"
    f = {(x["notebook"], x["name"]): x for x in r["figures"]}
    share = f[("q3_targets", "coordinated_share")]
    assert share["change"] == pytest.approx(0.15) and share["intervals_overlap"] is False
    assert f[("q3_targets", "targets_set_share")]["change"] == pytest.approx(0.3)
    assert f[("q3_targets", "derivation_documented")]["status"] == "changed"
    assert ("q3_targets", "interval_level") not in f
    recs = {x["id"]: x for x in r["recommendations_followed_up"]}
    assert set(recs) == {"R1", "R2", "R3"}
    assert recs["R1"]["status"] == "in_progress" and recs["R1"]["evidence"][0]["id"] == "EF1"
    assert recs["R1"]["evidence"][0]["text"] == "The process exists but is not applied consistently"
    assert recs["R3"]["status"] == "missing"
    assert r["recommendation_status"] == {"done": 0, "in_progress": 1, "open": 1, "not_started": 0, "missing": 1}
    assert [x["id"] for x in r["recommendations"]] == ["R1", "R2", "R7"]  # for next year's follow-up
    html = (tmp_path / "run" / "followup.ipynb").read_text(encoding="utf-8")
    assert "intervals do not overlap" in html and "missing from the register" in html and "made in 2024" in html
    assert "reports failed this year" in html


def test_notebook_says_plainly_when_last_year_is_missing(tmp_path, demo_dir):
    (tmp_path / "run").mkdir()
    r = run_notebook("followup", demo_dir, tmp_path / "run", _params(tmp_path, None))
    assert r["status"] == "ok" and r["available"] is False and r["reason"] == "not_found"
    assert r["figures"] == [] and r["assessments"] == []
    assert [x["id"] for x in r["recommendations_followed_up"]] == ["R1", "R2"]  # the register still counts
    nb = (tmp_path / "run" / "followup.ipynb").read_text(encoding="utf-8")
    assert "Ingen jämförelse med föregående år" in nb and "no-such-folder" in nb


# ------------------------------------------------------------------------------ the yearly cycle
def test_run_new_year_run_gives_a_followup_against_last_year(tmp_path, demo_dir):
    """Run 2024, ``audit new-year 2025 --from`` it, run 2025: the follow-up compares them."""
    from audit_lib.run.newyear import new_year
    from audit_lib.run.runner import run

    params = tmp_path / "params"
    (params / "evidence").mkdir(parents=True)
    for name in ("base.yaml", "demo.yaml", "demo-2024.yaml"):  # demo-2024 extends demo, which extends base
        shutil.copy(ROOT / "params" / name, params / name)
    shutil.copytree(ROOT / "params" / "evidence" / "demo-2024", params / "evidence" / "demo-2024")
    only = ["q3_targets", "followup"]
    first = run(
        params / "demo-2024.yaml",
        data_dir=demo_dir,
        out_dir=tmp_path / "outputs" / "demo-2024",
        only=only,
        progress=quiet,
    )
    assert first.ok
    made = json.loads((tmp_path / "outputs" / "demo-2024" / "results" / "followup.json").read_text(encoding="utf-8"))
    assert made["available"] is False and made["reason"] == "not_configured" and len(made["recommendations"]) == 5

    ny = new_year(2025, params / "demo-2024.yaml", previous_out=tmp_path / "outputs" / "demo-2024")
    assert ny.params_file == params / "demo-2025.yaml" and len(ny.carried) == 5
    second = run(
        ny.params_file, data_dir=demo_dir, out_dir=tmp_path / "outputs" / "demo-2025", only=only, progress=quiet
    )
    assert second.ok
    r = json.loads((tmp_path / "outputs" / "demo-2025" / "results" / "followup.json").read_text(encoding="utf-8"))
    assert r["available"] is True and r["previous_year"] == 2024
    assert [a["notebook"] for a in r["assessments"]] == ["q3_targets"]
    assert {x["status"] for x in r["recommendations_followed_up"]} == {"open"}
    assert {x["previous_status"] for x in r["recommendations_followed_up"]} == {"new"}
    assert r["recommendation_status"]["open"] == 5


# ------------------------------------------------------------------------------ analyse, results, page
def _register(recommendations=(), observations=()):
    from audit_lib.evidence import EvidenceRegister

    return EvidenceRegister(year=2025, observations=list(observations), recommendations=list(recommendations))


def test_analyse_compares_only_with_an_earlier_year_and_results_record_it(tmp_path):
    """``analyse`` on hand-made results: the comparison with last year (its own follow-up left
    out of the figures, its recommendations carried), this year's failures, and ``results``
    recording nothing compared when there is no previous folder."""
    from audit_lib.params import load_params

    params = load_params(ROOT / "params" / "demo.yaml")
    current = {
        "q3_targets": res(2025, "till_viss_del", inputs={"a": 0.5}, n_cases=12),
        "q1_process": res(2025, status="failed"),
    }
    previous = {
        "q3_targets": res(2024, "nej", inputs={"a": 0.4}, n_cases=10),
        "followup": {
            "status": "ok",
            "audit_year": 2024,
            "recommendations": [{"id": "R9", "question": "q3", "text": {"sv": "x"}, "status": "new"}],
        },
    }
    r = fu.analyse(current, previous, params, _register(), "sv")
    assert r.availability["available"] and r.availability["previous_year"] == 2024
    assert "followup" not in r.previous and r.failed_now == ["q1_process"]
    row = r.figures[r.figures["name"] == "n_cases"].iloc[0]
    assert (row["previous"], row["current"], row["change"]) == (10, 12, 2.0)
    assert list(r.assessments["notebook"]) == ["q3_targets"] and sum(r.directions.values()) == 1
    assert r.assessments.iloc[0]["recorded_direction"] == "improved"
    assert list(r.followed_up["id"]) == ["R9"] and r.followed_up.iloc[0]["status"] == "missing"
    recorded = fu.results(r)
    assert list(recorded) == [
        "available",
        "reason",
        "previous_year",
        "previous_results_dir",
        "assessments",
        "assessment_changes",
        "figures",
        "recommendations_followed_up",
        "recommendation_status",
        "recommendations",
        "responses",
    ]
    assert recorded["previous_results_dir"] == params.followup.previous_results_dir
    # the previous folder is configured but not there: nothing compared, and nothing recorded as compared
    none = fu.results(fu.analyse(current, None, params, _register(), "sv"))
    assert (none["available"], none["reason"]) == (False, "not_found")
    assert none["assessments"] == [] and none["figures"] == [] and none["assessment_changes"] is None


def test_read_all_results_reads_a_folder_by_name_and_says_when_it_is_not_there(tmp_path):
    from audit_lib.report.results import read_all_results

    (tmp_path / "b.json").write_text('{"x": 2}', encoding="utf-8")
    (tmp_path / "a.json").write_text('{"x": 1}', encoding="utf-8")
    (tmp_path / "followup.json").write_text("{}", encoding="utf-8")
    got = read_all_results(tmp_path, skip={"followup"})
    assert got == {"a": {"x": 1}, "b": {"x": 2}} and list(got) == ["a", "b"]
    assert read_all_results(tmp_path / "absent") is None and read_all_results(None) is None


def test_page_formats_values_changes_and_intervals_as_the_notebook_did():
    from types import SimpleNamespace

    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import followup as page
    from audit_lib.report.texts import Texts

    t, f = Texts("sv"), Formatter("sv")
    assert page.value_s("share", 0.25, t, f) == f.percent(0.25, 1)
    assert page.value_s("money", 2e6, t, f) == f.mnkr(2e6)
    assert page.value_s("bool", True, t, f) == t("common.yes") and page.value_s("count", None, t, f) == "–"
    r = SimpleNamespace(status="changed", kind="count", change=2.0, change_rel=0.2, intervals_overlap=None)
    assert page.change_s(r, t, f) == f"+{f.count(2.0)} (+{f.percent(0.2, 1)})"
    assert page.uncertainty_s(r, t, f) == ""
    r = SimpleNamespace(
        kind="number", intervals_overlap=False, previous_low=1.0, previous_high=2.0, current_low=3.0, current_high=4.0
    )
    assert page.uncertainty_s(
        r, t, f
    ) == f"{f.number(1, 2)} – {f.number(2, 2)} → {f.number(3, 2)} – {f.number(4, 2)}: " + t("followup.overlap_no")
    assert page.level_label("ja", True, t) == f"{t('level.ja')} ({t('followup.overridden')})"
    assert page.text_of({"sv": "s", "en": ""}, "en") == "s" and page.text_of(None, "sv") == ""
    assert (
        page.evidence_s([{"id": "E1", "text": "seen", "source": "doc", "date": "2025-01-02"}], t)
        == "E1: seen (doc, 2025-01-02)"
    )


def test_the_boards_promised_measures_a_year_on():
    """The demo's 2025 register carries the board's answers to the 2024 recommendations: judged
    at the end of 2025 against last year's answer date, as the follow-up page shows them."""
    from audit_lib.evidence import load_register
    from audit_lib.params import load_params

    params = load_params(ROOT / "params" / "demo.yaml")
    reg = load_register(params.path(params.evidence), 2025, params)
    previous = {"summary": {"status": "ok", "audit_year": 2024, "conclusion": {"answer_by": "2025-02-26"}}}
    r = fu.analyse({}, previous, params, reg, "sv")
    got = {s.id: (s.answered, [m.outcome for m in s.measures], s.overdue) for s in r.measures}
    assert got == {
        "R24.1": ("in_time", ["overdue"], True),
        "R24.2": ("late", ["overdue"], True),
        "R24.3": ("in_time", ["not_due"], False),
        "R24.4": ("missing", [], True),
        "R24.5": ("in_time", ["done"], False),
    }  # this year's R1-R5 are not followed up yet
    recorded = fu.results(r)["responses"]
    assert [x["id"] for x in recorded] == ["R24.1", "R24.2", "R24.3", "R24.4", "R24.5"]
    assert recorded[1]["owner"] == "Ekonomichef" and recorded[1]["deadline"] == "2025-09-30"
    html = "".join(str(p) for p in page.recommendations(r, Texts("sv"), Formatter("sv")))
    assert "Svar 2025-03-10, för sent" in html and "Rekommendationer utan svar: R24.4." in html

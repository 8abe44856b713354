"""Decision level on hand-made procurement-regions with known answers, the demo's planted textile
case and missing references, both periods, and the notebook through papermill."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, output_text, run_notebook

from audit_lib.params import DelegationRule, load_params_data
from audit_lib.questions import common
from audit_lib.questions import decision_level as dl

RANK = ["regionfullmaktige", "regionstyrelse", "inkopsnamnden", "forvaltning"]
RULES = [
    DelegationRule(region="SRM", body="regionfullmaktige", from_value_sek=100e6, source="DO SRM §1"),
    DelegationRule(region="SRM", body="regionstyrelse", from_value_sek=30e6, source="DO SRM §2"),
    DelegationRule(region="SRM", body="inkopsnamnden", from_value_sek=0, source="DO SRM §3"),
    DelegationRule(region="VML", body="regionstyrelse", from_value_sek=50e6, source="DO VML"),
]


def test_required_body_picks_the_highest_threshold_reached():
    assert dl.required_body(RULES, "SRM", 300e6).body == "regionfullmaktige"
    assert dl.required_body(RULES, "SRM", 100e6).body == "regionfullmaktige"  # from = inclusive
    assert dl.required_body(RULES, "SRM", 99_999_999).body == "regionstyrelse"
    assert dl.required_body(RULES, "SRM", 0).body == "inkopsnamnden"
    assert dl.required_body(RULES, "VML", 10e6) is None  # below every VML threshold
    assert dl.required_body(RULES, "XYZ", 1e9) is None  # no rules for the region


def test_normalise_body_folds_case_space_and_swedish_letters():
    assert dl.normalise_body(" Regionfullmäktige ") == "regionfullmaktige"
    assert dl.normalise_body("INKÖPSNÄMNDEN") == "inkopsnamnden"
    assert dl.normalise_body("") is None and dl.normalise_body(None) is None
    assert dl.normalise_body(float("nan")) is None


def tables():
    """The package's two tables: eight procurements, each with its regions' rows."""
    procurements = pd.DataFrame(
        {
            "procurement_id": ["A", "B", "C", "D", "E", "F", "G", "H"],
            "title": list("abcdefgh"),
            "completed_date": pd.to_datetime(["2025-01-01"] * 7 + ["2024-06-01"]),
        }
    )
    regions = pd.DataFrame(
        [
            ("A", "SRM", 300e6, "inkopsnamnden", "R1"),  # textile-like: council required
            ("A", "VML", 300e6, "regionstyrelse", "R2"),  # VML: board required, board decided
            ("B", "SRM", 40e6, "Regionfullmäktige", "R3"),  # higher body than required: fine
            ("C", "SRM", 40e6, "forvaltning", "R4"),  # below the board
            ("D", "SRM", 5e6, "inkopsnamnden", None),  # right level, no reference
            ("E", "SRM", 5e6, "nämnden för allt", "R5"),  # unknown body: flagged, not ranked
            ("F", "SRM", 5e6, None, "  "),  # no body, blank reference
            ("G", "VML", 1e6, "forvaltning", "R6"),  # no VML rule reaches 1 mnkr
            ("H", "SRM", 500e6, "inkopsnamnden", "R7"),  # 2024: outside the audit year
        ],
        columns=["procurement_id", "region", "estimated_value_sek", "initiated_by", "initiation_ref"],
    )
    return {"procurements": procurements, "procurement_regions": regions}


def frames():
    t = tables()
    regions = t["procurement_regions"]
    return regions, common.procurement_view(t["procurements"], regions)


def reasons_by_key(checked):
    return {(r.procurement_id, r.region): r.reasons for r in checked.itertuples()}


def test_check_finds_each_kind_of_violation():
    regions, view = frames()
    c = dl.check(regions, view, RULES, RANK, require_reference=True, years=[2025])
    got = reasons_by_key(c)
    assert got == {
        ("A", "SRM"): ["level_too_low"],
        ("A", "VML"): [],
        ("B", "SRM"): [],
        ("C", "SRM"): ["level_too_low"],
        ("D", "SRM"): ["missing_reference"],
        ("E", "SRM"): ["unknown_body"],
        ("F", "SRM"): ["missing_body", "missing_reference"],
        ("G", "VML"): [],
    }
    a = c[(c["procurement_id"] == "A") & (c["region"] == "SRM")].iloc[0]
    assert (a["required_body"], a["recorded_body"], a["rule_from_value_sek"], a["rule_source"]) == (
        "regionfullmaktige",
        "inkopsnamnden",
        100e6,
        "DO SRM §1",
    )
    assert not c.loc[c["procurement_id"] == "G", "rule_applies"].iloc[0]


def test_violations_sorted_by_value_and_counted():
    regions, view = frames()
    c = dl.check(regions, view, RULES, RANK, True, [2025])
    v = dl.violations(c)
    assert v["procurement_id"].tolist() == ["A", "C", "D", "E", "F"]
    assert dl.reason_counts(c) == {"level_too_low": 2, "unknown_body": 1, "missing_body": 1, "missing_reference": 2}
    cov = dl.coverage(c, RULES)
    assert cov["n_rows"] == 8 and cov["n_rule_applies"] == 7 and cov["unknown_bodies"] == ["nämnden för allt"]
    inputs = dl.assessment_inputs(c)
    assert inputs["level_violations"] == 4  # A, C, E, F
    assert inputs["level_violation_share"] == pytest.approx(4 / 7)
    assert inputs["missing_references"] == 2


def test_breaches_weighed_by_value_and_materiality():
    """Value share beside count share; one breach above the amount, or above the share of the
    period's value, is material and decides the level under the demo criteria."""
    regions, view = frames()
    c = dl.check(regions, view, RULES, RANK, True, [2025])
    ruled_value = 300e6 + 300e6 + 40e6 + 40e6 + 5e6 + 5e6 + 5e6  # rows a rule applies to (not G)
    inputs = dl.assessment_inputs(c, materiality_amount_sek=50e6, materiality_share=0.10)
    assert inputs["violation_share_value"] == pytest.approx((300e6 + 40e6 + 5e6 + 5e6) / ruled_value)
    assert inputs["material_violations"] == 1  # A/SRM: 300 mnkr; C is 40 mnkr, 5.9 % of the value
    # a lower share threshold makes C material as well; a higher amount and share make none
    assert dl.assessment_inputs(c, 1e9, 0.05)["material_violations"] == 2
    assert dl.assessment_inputs(c, 1e9, 0.9)["material_violations"] == 0
    from audit_lib.assess import assess
    from audit_lib.params import load_params

    crit = load_params(ROOT / "params" / "demo.yaml").decision_level.criteria
    few = dict(inputs, level_violations=1, level_violation_share=0.02, missing_references=0)
    assert assess("decision_level", crit, few).level == "nej"
    assert assess("decision_level", crit, dict(few, material_violations=0)).level == "till_viss_del"


def test_reference_not_required_and_all_years():
    regions, view = frames()
    c = dl.check(regions, view, RULES, RANK, require_reference=False, years=None)
    got = reasons_by_key(c)
    assert got[("D", "SRM")] == [] and got[("F", "SRM")] == ["missing_body"]
    assert got[("H", "SRM")] == ["level_too_low"]  # 2024 is checked when all years are


def test_a_year_without_procurements_gives_empty_findings():
    regions, view = frames()
    c = dl.check(regions, view, RULES, RANK, True, [2030])
    assert len(c) == 0 and len(dl.violations(c)) == 0
    assert dl.reason_counts(c) == dict.fromkeys(dl.REASONS, 0)
    assert dl.coverage(c, RULES)["n_rows"] == 0
    inputs = dl.assessment_inputs(c)  # nothing checked is not a clean result
    assert inputs["level_violations"] is None and inputs["missing_references"] is None
    assert dl.assessment_inputs(dl.check(regions, view, [], RANK, True, [2025]))["level_violations"] is None


def test_region_without_rules_is_not_checked_but_reported():
    regions, view = frames()
    c = dl.check(regions, view, RULES[:3], RANK, True, [2025])
    assert reasons_by_key(c)[("A", "VML")] == []
    assert dl.coverage(c, RULES[:3])["regions_without_rules"] == ["VML"]


def demo_rules():
    from audit_lib.params import load_params

    return load_params(ROOT / "params" / "demo.yaml").decision_level


def test_demo_textile_and_missing_references(demo_package, planted):
    p = demo_rules()
    regions = demo_package["procurement_regions"]
    view = common.procurement_view(demo_package["procurements"], regions)
    c = dl.check(regions, view, p.rules, p.bodies_rank, p.require_reference, [2025])
    v = dl.violations(c)
    level = v[v["reasons"].map(lambda rs: "level_too_low" in rs)]
    textile = planted["textile"][0]
    assert level[["procurement_id", "region"]].to_dict("records") == [textile]
    row = level.iloc[0]
    assert row["estimated_value_sek"] == pytest.approx(300e6, rel=0.01)
    assert (row["required_body"], row["recorded_body"]) == ("regionfullmaktige", "inkopsnamnden")
    refs = v[v["reasons"].map(lambda rs: "missing_reference" in rs)][["procurement_id", "region"]]
    want = [m for m in planted["missing_initiation_ref"] if m["procurement_id"].startswith("IN-2025-")]
    assert sorted(refs.to_dict("records"), key=str) == sorted(want, key=str)
    # all years: every planted missing reference, and still only the textile decided too low
    c_all = dl.check(regions, view, p.rules, p.bodies_rank, p.require_reference, None)
    refs_all = c_all[c_all["reasons"].map(lambda rs: "missing_reference" in rs)][["procurement_id", "region"]]
    assert sorted(refs_all.to_dict("records"), key=str) == sorted(planted["missing_initiation_ref"], key=str)
    assert dl.reason_counts(c_all)["level_too_low"] == 1


@pytest.fixture(scope="module")
def dl_results(demo_dir, tmp_path_factory):
    return run_notebook("decision_level", demo_dir, tmp_path_factory.mktemp("dl"))


def test_notebook_flags_the_textile_procurement(dl_results, planted):
    r = dl_results
    assert r["status"] == "ok" and r["period"] == "audit_year" and r["years"] == [2025]
    textile = planted["textile"][0]
    hits = [v for v in r["violations"] if v["procurement_id"] == textile["procurement_id"] and v["region"] == "SRM"]
    assert len(hits) == 1
    h = hits[0]
    assert h["required_body"] == "regionfullmaktige" and h["recorded_body"] == "inkopsnamnden"
    assert h["estimated_value_sek"] == pytest.approx(300e6, rel=0.01) and h["reasons"] == ["level_too_low"]
    assert set(h) >= {"procurement_id", "region", "estimated_value_sek", "required_body", "recorded_body"}
    assert r["reason_counts"]["missing_reference"] == 2
    # one breach, the 300 mnkr textile procurement the council never initiated, is about a quarter of
    # the year's value: material, so Nej (it was Till viss del when breaches were only counted)
    a = r["assessment"]
    assert a["level"] == "nej"
    assert a["inputs"]["material_violations"] == 1
    assert a["inputs"]["violation_share_value"] > 0.2 > a["inputs"]["level_violation_share"]


def test_notebook_all_years_in_english(demo_dir, tmp_path, planted):
    params = load_params_data(ROOT / "params" / "demo.yaml")
    params["decision_level"]["period"] = "all_years"
    params["evidence"] = str(ROOT / "params" / "evidence" / "demo-2025")
    params_file = Path(tmp_path) / "all_years.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    r = run_notebook("decision_level", demo_dir, tmp_path, params_file=params_file, language="en")
    assert r["years"] == list(range(2019, 2026))
    assert r["reason_counts"]["missing_reference"] == len(planted["missing_initiation_ref"])
    assert r["title"].startswith("Decision level")
    html = output_text(tmp_path / "decision_level.ipynb")
    assert "<table" in html
    for swedish in ("Avvikelse", "beslutsreferens saknas", "Krävt organ", "regionfullmäktige"):
        assert swedish not in html


def test_years_checked_too_low_and_rules_in_order():
    regions, view = frames()
    assert dl.years_checked(view, "audit_year", 2025) == [2025]
    assert dl.years_checked(view, "all_years", 2025) == [2024, 2025]
    v = dl.violations(dl.check(regions, view, RULES, RANK, True, [2025]))
    assert dl.too_low(v)["procurement_id"].tolist() == ["A", "C"]  # largest value first, as the violations
    ordered = dl.rules_in_order(list(reversed(RULES)))
    assert [(r.region, r.from_value_sek) for r in ordered] == [("SRM", 100e6), ("SRM", 30e6), ("SRM", 0), ("VML", 50e6)]


def _params(**kw):
    from audit_lib.params import DecisionLevelParams

    return DecisionLevelParams(rules=RULES, bodies_rank=RANK, **kw)


def _period(year):
    import datetime as dt

    from audit_lib.contract.period import Period

    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_analyse_is_the_chain_of_steps_and_results_records_it():
    res = dl.analyse(tables(), _params(), _period(2025))
    assert res.years == [2025] and res.audit_year == 2025 and res.period == "audit_year"
    assert res.violations["procurement_id"].tolist() == ["A", "C", "D", "E", "F"]
    assert res.too_low["procurement_id"].tolist() == ["A", "C"]
    assert res.counts == {"level_too_low": 2, "unknown_body": 1, "missing_body": 1, "missing_reference": 2}
    assert res.inputs["level_violations"] == 4 and res.inputs["material_violations"] == 1
    recorded = dl.results(res)
    assert list(recorded) == [
        "violations",
        "n_violations",
        "reason_counts",
        "coverage",
        "period",
        "years",
        "rules",
        "assessment_inputs",
    ]
    assert list(recorded["violations"].columns) == dl.RECORDED_COLUMNS and recorded["n_violations"] == 5
    assert recorded["rules"][0] == RULES[0].model_dump()
    every = dl.analyse(tables(), _params(period="all_years", require_reference=False), _period(2025))
    assert every.years == [2024, 2025] and "H" in set(every.too_low["procurement_id"])


def test_page_names_bodies_regions_and_rules():
    from audit_lib.params import load_params
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import decision_level as page
    from audit_lib.report.texts import Texts

    t, f = Texts("sv"), Formatter("sv")
    run = load_params(ROOT / "params" / "demo.yaml")
    assert page.body(None, t) == t("decision_level.missing")
    assert page.body("nämnden för allt", t) == "nämnden för allt"  # not in the catalog: as recorded
    assert page.body(" Regionfullmäktige", t) == t("decision_level.body.regionfullmaktige")
    res = dl.analyse(tables(), _params(), _period(2025))
    rules = page.rules(res, t, f, _params(), run)
    assert len(rules) == 3 and "DO VML" in str(rules[2])
    findings = page.findings(res, t, f, _params(), run)
    sentences = [str(x) for x in findings if "callout-warning" in str(x)]
    assert len(sentences) == 3  # A and C decided too low, one unknown body
    assert t("decision_level.list_heading") in "".join(str(x) for x in findings)
    assert len(page.figure(res, t, f)) == 1
    none = dl.analyse(tables(), _params(), _period(2030))
    assert str(page.findings(none, t, f, _params(), run)[-1]) == str(
        page.d.callout(t("decision_level.no_rows"), "warning")
    )
    assert page.figure(none, t, f) == []
    no_rules = dl.analyse(tables(), _params().model_copy(update={"rules": []}), _period(2025))
    assert str(page.rules(no_rules, t, f, _params(), run)[-1]) == str(
        page.d.callout(t("decision_level.no_rules"), "warning")
    )


def test_page_inputs_shows_shares_with_one_decimal_and_the_rest_as_counts():
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import decision_level as page
    from audit_lib.report.texts import Texts

    show = page.INPUTS.bind(Texts("en"), Formatter("en"))
    assert show("level_violation_share", 4 / 7) == "57.1%"
    assert show("violation_share_value", 0.5) == "50.0%"
    assert show("rows_checked", 1234) == "1,234" and show("material_violations", None) == "–"

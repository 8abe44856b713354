"""Question 1 on small hand-made registers with known answers, the demo's planted cases, the
notebook through papermill, and the real national statistics (coordinated flag)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_lib.questions import common
from audit_lib.questions import q1_process as q1
from conftest import output_text, run_notebook


def register() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten 2025 procurements and two 2024 ones.

    2025: P01-P04 planned and coordinated; P05-P07 planned, single region (P05 with a reason,
    P06 blank reason, P07 whitespace reason); P08 coordinated without being planned; P09, P10
    single, not planned. Values: coordinated ones 10 + 10 each region for P01..P04 (20 each),
    P08 5 + 5; the rest 10 each.
    """
    rows = []
    for i in range(1, 11):
        rows.append(
            dict(
                procurement_id=f"P{i:02d}",
                title=f"T{i}",
                category="A" if i <= 5 else "B",
                lead_region="SRM",
                completed_date=pd.Timestamp(2025, 3, i),
                planned_coordinated=i <= 7,
                non_coordination_reason=None,
            )
        )
    rows[4]["non_coordination_reason"] = "Olika behov"
    rows[5]["non_coordination_reason"] = ""
    rows[6]["non_coordination_reason"] = "   "
    rows.append(
        dict(
            procurement_id="Q01",
            title="old",
            category="A",
            lead_region="VML",
            completed_date=pd.Timestamp(2024, 5, 1),
            planned_coordinated=True,
            non_coordination_reason=None,
        )
    )
    rows.append(
        dict(
            procurement_id="Q02",
            title="old",
            category="A",
            lead_region="VML",
            completed_date=pd.Timestamp(2024, 6, 1),
            planned_coordinated=False,
            non_coordination_reason=None,
        )
    )
    procurements = pd.DataFrame(rows)
    procurements["planned_coordinated"] = procurements["planned_coordinated"].astype("boolean")
    reg = []
    for pid in ["P01", "P02", "P03", "P04"]:
        reg += [(pid, "SRM", 10.0), (pid, "VML", 10.0)]
    reg += [("P08", "SRM", 5.0), ("P08", "VML", 5.0)]
    reg += [(p, "SRM", 10.0) for p in ["P05", "P06", "P07", "P09", "P10"]]
    reg += [("Q01", "VML", 10.0), ("Q02", "VML", 30.0)]
    regions = pd.DataFrame(reg, columns=["procurement_id", "region", "estimated_value_sek"])
    return procurements, regions


@pytest.fixture
def view():
    p, r = register()
    return common.procurement_view(p, r)


def test_wilson_interval_known_values():
    from statsmodels.stats.proportion import proportion_confint

    for k, n, level in ((19, 100, 0.95), (36, 190, 0.95), (1, 7, 0.8)):
        assert common.wilson_interval(k, n, level) == pytest.approx(proportion_confint(k, n, 1 - level, "wilson"))
    lo, hi = common.wilson_interval(19, 100, 0.95)
    assert lo == pytest.approx(0.1251, abs=1e-4) and hi == pytest.approx(0.2778, abs=1e-4)
    assert common.wilson_interval(0, 10, 0.95)[0] == 0.0
    assert common.wilson_interval(10, 10, 0.95)[1] == 1.0
    assert all(np.isnan(common.wilson_interval(0, 0)))
    with pytest.raises(ValueError):
        common.wilson_interval(3, 2)


def test_wilson_interval_coverage_by_simulation():
    rng = np.random.default_rng(3)
    n, p = 60, 0.19
    k = rng.binomial(n, p, 4000)
    hits = sum(lo <= p <= hi for lo, hi in (common.wilson_interval(int(x), n, 0.95) for x in k))
    assert 0.93 < hits / 4000 < 0.97


def test_funnel_counts_and_shares(view):
    f = q1.funnel(q1.year_view(view, 2025)).set_index("stage")
    assert f.loc["all", "count"] == 10
    assert f.loc["planned", "count"] == 7
    assert f.loc["planned_coordinated", "count"] == 4
    assert f.loc["planned_not_coordinated", "count"] == 3
    assert f.loc["reason_documented", "count"] == 1  # blank and whitespace are not reasons
    assert f.loc["reason_missing", "count"] == 2
    assert f.loc["coordinated_unplanned", "count"] == 1
    assert f.loc["coordinated", "count"] == 5
    assert f.loc["planned_coordinated", "share_of_parent"] == pytest.approx(4 / 7)
    assert f.loc["coordinated", "share_of_parent"] == pytest.approx(0.5)
    assert f.loc["planned_coordinated", "value_sek"] == 80.0


def test_shares_by_year_count_and_value(view):
    t = q1.share_table(view, "year", level=0.95, reps=500, seed=1).set_index("year")
    r = t.loc[2025]
    assert r["n"] == 10 and r["coordinated"] == 5 and r["share"] == 0.5
    assert (r["share_low"], r["share_high"]) == pytest.approx(common.wilson_interval(5, 10, 0.95))
    # value: coordinated 4 x 20 + 10 = 90 of 90 + 5 x 10 = 140
    assert r["share_value"] == pytest.approx(90 / 140)
    assert r["share_value_low"] <= r["share_value"] <= r["share_value_high"]
    assert t.loc[2024, "coordinated"] == 0 and t.loc[2024, "share_value"] == 0.0
    assert t.loc[2025, "planned_not_coordinated"] == 3


def test_value_interval_is_seeded_and_narrows_with_equal_values():
    rng = np.random.default_rng
    v = np.array([1.0] * 50 + [100.0])
    c = np.array([False] * 50 + [True])
    wide = q1.value_share_interval(v, c, 0.9, 1000, rng(1))
    assert wide == q1.value_share_interval(v, c, 0.9, 1000, rng(1))  # deterministic
    assert wide[1] - wide[0] > 0.5  # hangs on one large procurement
    even = q1.value_share_interval(np.ones(51), c, 0.9, 1000, rng(1))
    assert even[1] - even[0] < 0.1
    assert all(np.isnan(q1.value_share_interval(np.ones(1), np.ones(1, bool), 0.9, 100, rng(1))))


def test_shares_by_region_use_the_regions_own_values(view):
    _, regions = register()
    rv = q1.year_view(q1.region_view(view, regions), 2025)
    t = q1.share_table(rv, "region", reps=200).set_index("region")
    assert t.loc["SRM", "n"] == 10 and t.loc["SRM", "coordinated"] == 5
    assert t.loc["VML", "n"] == 5 and t.loc["VML", "share"] == 1.0
    assert t.loc["SRM", "share_value"] == pytest.approx(45 / 95)


def test_planned_not_coordinated_and_reasons(view):
    pnc = q1.planned_not_coordinated(q1.year_view(view, 2025))
    assert pnc["procurement_id"].tolist() == ["P05", "P06", "P07"]
    assert pnc["reason_documented"].tolist() == [True, False, False]
    assert pnc["reason"].tolist()[1:] == [None, None]
    rs = q1.reasons_summary(pnc)
    assert rs["reason"].tolist()[0] == "Olika behov" and rs["count"].tolist() == [1, 2]
    assert rs["share"].sum() == pytest.approx(1.0)
    assert pd.isna(rs["reason"].iloc[-1])


def test_largest_procurement(view):
    big = q1.largest_procurement(q1.year_view(view, 2025))
    assert big["procurement_id"] == "P01" and big["value_sek"] == 20.0  # first of the 20s
    assert big["share_of_total"] == pytest.approx(20 / 140) and big["coordinated"]
    assert q1.largest_procurement(q1.year_view(view, 2030)) == {}


def test_target_prefers_full_year_and_keeps_no_target_distinct():
    t = pd.DataFrame(
        [
            (2025, "coordinated_share", 0.30, 0.19, "interim", "delår"),
            (2025, "coordinated_share", 0.25, 0.20, "full_year", "helår"),
            (2024, "coordinated_share", None, 0.2, "full_year", "x"),
        ],
        columns=["year", "indicator", "target", "outcome", "period", "source"],
    )
    assert q1.coordinated_target(t, 2025)["target"] == 0.25
    assert q1.coordinated_target(t[t["period"] == "interim"], 2025)["period"] == "interim"
    assert np.isnan(q1.coordinated_target(t, 2024)["target"])
    assert q1.coordinated_target(t, 2023) == {}


def test_assessment_inputs(view):
    yv = q1.year_view(view, 2025)
    f = q1.funnel(yv)
    share = q1.share_table(yv, "year", reps=200).iloc[0].to_dict()
    inputs = q1.assessment_inputs(f, share, {"target": 0.4})
    assert inputs["plan_followed_share"] == pytest.approx(4 / 7)
    assert inputs["reasons_documented_share"] == pytest.approx(1 / 3)
    assert inputs["target_attainment"] == pytest.approx(0.5 / 0.4)
    assert np.isnan(q1.assessment_inputs(f, share, {})["target_attainment"])


def test_demo_register_matches_planted(demo_package, planted):
    view = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    pnc = q1.planned_not_coordinated(q1.year_view(view, 2025))
    want = sorted(i for i in planted["planned_not_coordinated"] if i.startswith("IN-2025-"))
    assert pnc["procurement_id"].tolist() == want
    undocumented = sorted(i for i in planted["undocumented_reasons"] if i.startswith("IN-2025-"))
    assert pnc.loc[~pnc["reason_documented"], "procurement_id"].tolist() == undocumented


@pytest.fixture(scope="module")
def q1_results(demo_dir, tmp_path_factory):
    return run_notebook("q1_process", demo_dir, tmp_path_factory.mktemp("q1"))


def test_notebook_records_the_figures(q1_results, planted):
    r = q1_results
    assert r["status"] == "ok"
    assert r["coordinated_share_count"] == pytest.approx(36 / 190)  # about 19 %, as the interim report
    lo, hi = r["coordinated_share_count_interval"]
    assert lo < 0.19 < hi and hi < 0.30  # the 30 % target lies outside the interval
    assert r["target"]["target"] == 0.30
    assert 0 < r["coordinated_share_value"] < 1
    assert r["planned_not_coordinated"] == sorted(
        i for i in planted["planned_not_coordinated"] if i.startswith("IN-2025-")
    )
    assert r["undocumented_reasons"] == sorted(i for i in planted["undocumented_reasons"] if i.startswith("IN-2025-"))
    stages = {s["stage"]: s["count"] for s in r["funnel"]}
    assert stages["reason_missing"] == len(r["undocumented_reasons"])
    assert [y["year"] for y in r["by_year"]] == list(range(2019, 2026))
    # the textile procurement (600 mnkr) carries the 2025 share by value
    assert r["largest_procurement"]["procurement_id"] == planted["textile"][0]["procurement_id"]
    assert r["largest_procurement"]["share_of_total"] > 0.4


def test_notebook_assessment_is_the_reports(q1_results):
    a = q1_results["assessment"]
    assert a["level"] == "till_stor_del"  # the report's assessment
    assert a["inputs"]["ownership_clear"] is False  # from the evidence register
    assert any(c["input"] == "ownership_clear" and c["holds"] is False for c in a["rule"]["ja"])


def test_notebook_in_english(demo_dir, tmp_path):
    r = run_notebook("q1_process", demo_dir, tmp_path, language="en")
    assert r["language"] == "en" and r["title"].startswith("Question 1")
    html = output_text(tmp_path / "q1_process.ipynb")
    assert "<table" in html
    for swedish in ("Planerade för samordning", "utan dokumenterat skäl", "Andel samordnade"):
        assert swedish not in html


@pytest.mark.realdata
@pytest.mark.slow  # reads an 18,421-row Excel file (about 7 s)
def test_real_national_statistics_coordinated_share(shared_data):
    """Real data (national statistics 2021): the official coordinated flag, 53 of 18,421
    procurements; and the two audited regions' procurements whose title names both regions
    (a joint procurement is registered under its lead buyer only, so the flag misses it):
    3 of 131, a lower bound for their coordinated share."""
    path = shared_data / "uhm-2021" / "number_of_procurements.xlsx"
    if not path.exists():
        pytest.skip("national statistics absent")
    df = pd.read_excel(path)
    flag = df["Samordnad upphandling"].astype(str).str.strip().str.lower().isin(["ja", "true", "1", "yes"])
    k, n = int(flag.sum()), len(df)
    assert (k, n) == (53, 18421)
    lo, hi = common.wilson_interval(k, n, 0.95)
    assert lo < k / n < hi and hi < 0.004
    buyers = df[df["Namn för köpare"].isin(["REGION SÖRMLAND", "REGION VÄSTMANLAND"])]
    titles = buyers["Upphandlingens titel"].astype(str)
    both = titles.str.contains("Sörmland", case=False) & titles.str.contains("Västmanland", case=False)
    assert (int(both.sum()), len(buyers)) == (3, 131)
    lo, hi = common.wilson_interval(int(both.sum()), len(buyers), 0.95)
    assert lo < 3 / 131 < hi < 0.19  # even the interval's top is far below the register's 19 %


def targets_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (2024, "coordinated_share", 0.25, 0.20, "full_year", "a"),
            (2025, "coordinated_share", 0.28, 0.19, "interim", "b"),
            (2025, "coordinated_share", 0.30, None, "full_year", "c"),
            (2023, "coordinated_share", None, 0.18, "full_year", "d"),
            (2025, "coordinated_count", 40.0, 36.0, "full_year", "e"),
        ],
        columns=["year", "indicator", "target", "outcome", "period", "source"],
    )


def test_targets_by_year_keeps_set_share_targets_and_the_last_row_of_a_year():
    assert q1.targets_by_year(targets_table()) == {2024: 0.25, 2025: 0.30}
    assert q1.targets_by_year(targets_table().iloc[:0]) == {}


def test_share_seeds_are_derived_from_the_run_seed():
    assert q1.share_seeds(7) == {"year": 7, "category": 8, "region": 9}


def test_analyse_is_the_chain_of_steps_and_results_records_the_notebooks_figures():
    import datetime as dt

    from audit_lib.contract.period import Period
    from audit_lib.params import Q1Params

    p, r = register()
    tables = {"procurements": p, "procurement_regions": r, "targets": targets_table()}
    params = Q1Params(interval_level=0.9, bootstrap_reps=200)
    res = q1.analyse(tables, params, Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)), seed=11)
    view = common.procurement_view(p, r)
    yv = q1.year_view(view, 2025)
    assert res.audit_year == 2025 and res.interval_level == 0.9
    pd.testing.assert_frame_equal(res.by_year, q1.share_table(view, "year", 0.9, 200, 11))
    pd.testing.assert_frame_equal(res.by_category, q1.share_table(yv, "category", 0.9, 200, 12))
    pd.testing.assert_frame_equal(
        res.by_region, q1.share_table(q1.year_view(q1.region_view(view, r), 2025), "region", 0.9, 200, 13)
    )
    assert res.year_share["n"] == 10 and res.year_share["coordinated"] == 5
    assert res.target["target"] == 0.30 and res.targets_by_year == {2024: 0.25, 2025: 0.30}
    assert res.largest["procurement_id"] == "P01"
    assert res.inputs["target_attainment"] == pytest.approx(0.5 / 0.30)
    recorded = q1.results(res)
    assert list(recorded) == [
        "coordinated_share_count",
        "coordinated_share_count_interval",
        "coordinated_share_value",
        "coordinated_share_value_interval",
        "n_procurements",
        "coordinated_count",
        "interval_level",
        "target",
        "largest_procurement",
        "planned_not_coordinated",
        "undocumented_reasons",
        "planned_not_coordinated_details",
        "reasons",
        "funnel",
        "by_year",
        "by_category",
        "by_region",
        "assessment_inputs",
    ]
    assert recorded["coordinated_share_count"] == 0.5 and recorded["n_procurements"] == 10
    assert recorded["planned_not_coordinated"] == ["P05", "P06", "P07"]
    assert recorded["undocumented_reasons"] == ["P06", "P07"]
    assert recorded["coordinated_share_value_interval"] == [
        res.year_share["share_value_low"],
        res.year_share["share_value_high"],
    ]


def test_analyse_without_procurements_in_the_year_records_zeros_and_nothing():
    import datetime as dt

    from audit_lib.contract.period import Period
    from audit_lib.params import Q1Params

    p, r = register()
    tables = {"procurements": p, "procurement_regions": r, "targets": targets_table()}
    res = q1.analyse(tables, Q1Params(bootstrap_reps=200), Period(dt.date(2023, 1, 1), dt.date(2023, 12, 31)))
    recorded = q1.results(res)
    assert res.year_share == {} and res.target["period"] == "full_year" and np.isnan(res.target["target"])
    assert recorded["coordinated_share_count"] is None and recorded["n_procurements"] == 0
    assert recorded["coordinated_share_count_interval"] == [None, None]

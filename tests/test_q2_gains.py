"""Question 2 on a hand-made register with known answers, simulated effort data, the demo's
planted mammography case, and the notebook through papermill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_lib.questions import common
from audit_lib.questions import q2_gains as q2
from conftest import output_text, run_notebook

HOURLY, PER_PROC = 1_000.0, 100_000.0


def register():
    """The view and effort of ``register_tables``."""
    procurements, regions, effort = register_tables()
    return common.procurement_view(procurements, regions), effort


def register_tables():
    """2025: C1-C4 coordinated (two regions; C4 three regions), S1-S2 single. 2024: C5.

    Savings: C1 1.0 mnkr, C2 0.5 mnkr, C3 none computed, C4 2.0 mnkr; S1 0.2 mnkr, S2 none.
    Effort: C1 10 + 20 h, C2 40 h, C3 none recorded, C4 0 h (recorded as zero), C5 100 h.
    C2 ran by an external consultant; C1 and C5 have lessons documented.
    """
    ids = ["C1", "C2", "C3", "C4", "S1", "S2", "C5"]
    procurements = pd.DataFrame(
        {
            "procurement_id": ids,
            "title": [f"t{i}" for i in ids],
            "category": ["A"] * 7,
            "completed_date": pd.to_datetime(["2025-02-01"] * 6 + ["2024-02-01"]),
            "reported_saving_sek": [1e6, 5e5, None, 2e6, 2e5, None, 3e5],
            "external_consultant": pd.array([False, True, False, False, False, False, False], dtype="boolean"),
            "lessons_documented": pd.array([True, False, False, False, False, False, True], dtype="boolean"),
            "saving_method": ["market", "negotiation", "none", "basket", "market", "none", "market"],
        }
    )
    reg = []
    for pid, n in [("C1", 2), ("C2", 2), ("C3", 2), ("C4", 3), ("S1", 1), ("S2", 1), ("C5", 2)]:
        reg += [(pid, r, 10e6) for r in ["SRM", "VML", "XXX"][:n]]
    regions = pd.DataFrame(reg, columns=["procurement_id", "region", "estimated_value_sek"])
    effort = pd.DataFrame(
        [
            ("C1", "möte", 10.0),
            ("C1", "krav", 20.0),
            ("C2", "möte", 40.0),
            ("C4", "möte", 0.0),
            ("C5", "möte", 100.0),
            ("S1", "möte", 5.0),
        ],
        columns=["procurement_id", "activity", "hours"],
    )
    return procurements, regions, effort


@pytest.fixture
def gains():
    view, effort = register()
    return q2.gains_table(view, effort, HOURLY, PER_PROC)


def test_gains_table_per_coordinated_procurement(gains):
    g = gains.set_index("procurement_id")
    assert list(g.index) == ["C1", "C2", "C3", "C4", "C5"]  # single-region ones are not listed
    assert g.loc["C1", "hours"] == 30 and g.loc["C1", "coordination_cost_sek"] == 30_000
    assert np.isnan(g.loc["C3", "hours"]) and not g.loc["C3", "effort_recorded"]  # missing, not zero
    assert g.loc["C4", "effort_recorded"] and g.loc["C4", "coordination_cost_sek"] == 0
    assert g.loc["C4", "admin_gain_sek"] == 2 * PER_PROC and g.loc["C1", "admin_gain_sek"] == PER_PROC
    assert not g.loc["C3", "saving_computed"]


def test_year_summary_totals_and_coverage(gains):
    s = q2.year_summary(gains, level=0.9).set_index("year").loc[2025]
    assert s["n_coordinated"] == 4 and s["n_saving"] == 3 and s["saving_coverage"] == 0.75
    assert s["n_effort"] == 3 and s["effort_coverage"] == 0.75
    assert s["enabled_savings_sek"] == pytest.approx(3.5e6)
    assert s["hours"] == 70 and s["coordination_cost_sek"] == 70_000
    # extrapolated: mean recorded cost (70 000 / 3) times 4 coordinated
    assert s["coordination_cost_est_sek"] == pytest.approx(70_000 / 3 * 4)
    assert s["coordination_cost_est_low"] <= s["coordination_cost_est_sek"] <= s["coordination_cost_est_high"]
    # one unrecorded: 70 000 / 3 +/- t(0.95, 2 df) 2.920 x s 20 817 x sqrt(1 + 1/3), low end at 0
    assert s["coordination_cost_est_low"] == 70_000
    assert s["coordination_cost_est_high"] == pytest.approx(
        70_000 + 70_000 / 3 + 2.91999 * 20_816.66 * (4 / 3) ** 0.5, rel=1e-4
    )
    assert s["net_sek"] == pytest.approx(3.5e6 - 70_000)
    assert s["net_est_low"] == pytest.approx(3.5e6 - s["coordination_cost_est_high"])
    assert s["admin_gain_sek"] == 5 * PER_PROC  # C1, C2, C3 one procedure saved each; C4 two
    assert s["admin_net_sek"] == pytest.approx(5 * PER_PROC - 70_000)


def test_no_saving_computed_is_missing_not_zero():
    view, effort = register()
    view = view.assign(reported_saving_sek=np.nan)
    s = q2.year_summary(q2.gains_table(view, effort, HOURLY, PER_PROC)).set_index("year").loc[2025]
    assert np.isnan(s["enabled_savings_sek"]) and np.isnan(s["net_sek"]) and s["n_saving"] == 0


def test_without_effort_table_the_cost_is_unknown():
    view, _ = register()
    s = q2.year_summary(q2.gains_table(view, None, HOURLY, PER_PROC)).set_index("year").loc[2025]
    assert s["effort_coverage"] == 0 and np.isnan(s["coordination_cost_est_sek"])
    assert q2.assessment_inputs(s, {"lessons_share": 0.1})["net_positive_low"] is None


def test_extrapolated_cost_interval_covers_the_truth_by_simulation():
    """Effort recorded at random for 70 % of 40 procurements, skewed (gamma) hours: the 90 %
    interval for the total cost should contain the true total (all procurements) about 90 % of
    the time. (A percentile bootstrap, tried first, covered only about 83 %.)"""
    rng = np.random.default_rng(11)
    hits, n_sim = 0, 1000
    for _ in range(n_sim):
        cost = rng.gamma(2.0, 30.0, 40) * 750
        recorded = rng.random(40) < 0.7
        lo, hi = q2.missing_total_interval(cost[recorded], int((~recorded).sum()), 0.9)
        hits += lo <= cost[~recorded].sum() <= hi
    assert 0.86 < hits / n_sim < 0.93


def test_savings_rate_comparison_known_and_null():
    view, _ = register()
    r = q2.savings_rate_comparison(view, [2025], reps=500, seed=1)
    assert r["n_coordinated"] == 3 and r["n_single"] == 1
    # C1 1/20, C2 0.5/20, C4 2/30 against S1 0.2/10
    assert r["rate_coordinated"] == pytest.approx(np.mean([1 / 20, 0.5 / 20, 2 / 30]))
    assert r["rate_single"] == pytest.approx(0.02)
    assert np.isnan(r["difference_low"])  # one single-region procurement: no interval
    # simulated: same savings rate in both groups -> the interval covers zero most of the time
    rng = np.random.default_rng(5)
    covers = 0
    for k in range(100):
        n = 120
        v = pd.DataFrame(
            {"year": 2025, "coordinated": rng.random(n) < 0.3, "estimated_value_sek": rng.lognormal(15, 1, n)}
        )
        v["reported_saving_sek"] = v["estimated_value_sek"] * rng.normal(0.1, 0.03, n)
        res = q2.savings_rate_comparison(v, None, level=0.9, reps=300, seed=k)
        covers += res["difference_low"] <= 0 <= res["difference_high"]
    assert covers >= 80


def test_examples_and_learning(gains):
    ex = q2.examples(gains, [2024, 2025], high_effort_factor=2.5)
    # median recorded hours over C1 30, C2 40, C4 0, C5 100 = 35 -> high effort from 87.5 h: C5
    assert ex[["procurement_id", "kind"]].values.tolist() == [["C2", "poor"], ["C5", "poor"], ["C1", "good"]]
    c5 = ex.set_index("procurement_id").loc["C5"]
    assert c5["high_effort"] and not c5["external_consultant"] and c5["effort_ratio"] == pytest.approx(100 / 35)
    learn = q2.learning_figures(gains, ex, [2024, 2025])
    assert learn["n_coordinated"] == 5 and learn["lessons_documented"] == 2 and learn["lessons_share"] == 0.4
    assert learn["n_poor"] == 2 and learn["poor_with_lessons"] == 1 and learn["n_good"] == 1
    assert (learn["lessons_share_low"], learn["lessons_share_high"]) == pytest.approx(common.wilson_interval(2, 5))
    only_2025 = q2.examples(gains, [2025], 2.5)
    assert only_2025["procurement_id"].tolist() == ["C2", "C1"]


def test_assessment_inputs(gains):
    s = q2.year_summary(gains).set_index("year").loc[2025]
    ex = q2.examples(gains, [2024, 2025], 2.5)
    inputs = q2.assessment_inputs(s, q2.learning_figures(gains, ex, [2024, 2025]))
    assert inputs["effort_coverage"] == 0.75 and inputs["saving_coverage"] == 0.75
    assert inputs["net_positive_low"] is True and inputs["good_examples"] == 1 and inputs["poor_examples"] == 2


def test_demo_mammography_is_a_poor_example(demo_package, planted):
    view = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    g = q2.gains_table(view, demo_package["coordination_effort"], 750, 250_000)
    ex = q2.examples(g, [2023, 2024, 2025], 2.5).set_index("procurement_id")
    mammo = planted["mammography"][0]
    assert ex.loc[mammo, "kind"] == "poor" and ex.loc[mammo, "external_consultant"]
    assert not ex.loc[mammo, "lessons_documented"]
    cov = q2.year_summary(g).set_index("year")["effort_coverage"]
    assert 0.55 < cov.mean() < 0.85  # the demo records effort for about 70 % of coordinated procurements


@pytest.fixture(scope="module")
def q2_results(demo_dir, tmp_path_factory):
    return run_notebook("q2_gains", demo_dir, tmp_path_factory.mktemp("q2"))


def test_notebook_records_the_figures(q2_results, planted, demo_package):
    r = q2_results
    assert r["status"] == "ok"
    view = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    c25 = view[(view["year"] == 2025) & view["coordinated"]]
    assert r["enabled_savings_sek"] == pytest.approx(c25["reported_saving_sek"].sum())
    assert r["admin_gain_sek"] == pytest.approx(len(c25) * 250_000)
    eff = demo_package["coordination_effort"]
    assert r["coordination_cost_sek"] == pytest.approx(
        eff[eff["procurement_id"].isin(c25["procurement_id"])]["hours"].sum() * 750
    )
    assert r["net_sek"] == pytest.approx(r["enabled_savings_sek"] - r["coordination_cost_sek"])
    cov = r["coverage"]
    assert cov["n_coordinated"] == len(c25) and 0.5 < cov["effort_coverage"] < 0.9
    lo, hi = r["coordination_cost_est_interval"]
    assert r["coordination_cost_sek"] <= r["coordination_cost_est_sek"] and lo <= r["coordination_cost_est_sek"] <= hi
    poor = [e["procurement_id"] for e in r["examples"] if e["kind"] == "poor"]
    assert planted["mammography"][0] in poor
    assert r["assessment"]["level"] == "till_viss_del"  # the report's assessment
    assert r["assessment"]["inputs"]["learning_routine"] is False
    assert r["assessment"]["inputs"]["costs_followed_up"] is False


def test_notebook_in_english(demo_dir, tmp_path):
    r = run_notebook("q2_gains", demo_dir, tmp_path, language="en")
    assert r["title"].startswith("Question 2")
    html = output_text(tmp_path / "q2_gains.ipynb")
    assert "<table" in html
    for swedish in ("Möjliggjorda besparingar", "samordningskostnad", "mnkr", "extern konsult"):
        assert swedish not in html


def test_derived_seeds_and_example_years():
    assert q2.rate_seeds(7) == {"all_years": 8, "audit_year": 9}
    assert q2.example_years(2025, 3) == [2023, 2024, 2025]
    assert q2.example_years(2025, 1) == [2025]


def test_high_effort_threshold_is_the_factor_times_the_median_recorded_hours(gains):
    # recorded hours: C1 30, C2 40, C4 0, C5 100 (C3 none): median 35
    assert q2.high_effort_threshold(gains, 2.0) == 70.0
    assert np.isnan(q2.high_effort_threshold(gains.assign(effort_recorded=False), 2.0))


def tables_for_analyse(with_effort=True):
    procurements, regions, effort = register_tables()
    tables = {"procurements": procurements, "procurement_regions": regions}
    if with_effort:
        tables["coordination_effort"] = effort
    return tables


def period(year):
    import datetime as dt

    from audit_lib.contract.period import Period

    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


def test_analyse_is_the_chain_of_steps_and_results_records_the_notebooks_figures():
    from audit_lib.params import Q2Params

    params = Q2Params(
        hourly_cost_sek=HOURLY,
        cost_per_procurement_sek=PER_PROC,
        bootstrap_reps=200,
        examples_years=2,
        high_effort_factor=2.0,
    )
    tables = tables_for_analyse()
    # S2 with a saving too: two single-region procurements, so the rates' intervals are drawn
    tables["procurements"] = tables["procurements"].assign(
        reported_saving_sek=tables["procurements"]["reported_saving_sek"].fillna({5: 1e5})
    )
    res = q2.analyse(tables, params, period(2025), seed=5)
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    assert res.audit_year == 2025 and res.has_effort and res.all_years == [2024, 2025]
    assert res.example_years == [2024, 2025] and res.threshold == 70.0
    assert np.isfinite(res.rate_all["difference_low"]) and np.isfinite(res.rate_year["difference_low"])
    assert res.rate_all == q2.savings_rate_comparison(view, None, 0.95, 200, 6)  # the run's seed + 1
    assert res.rate_year == q2.savings_rate_comparison(view, [2025], 0.95, 200, 7)  # the run's seed + 2
    assert res.rate_all != q2.savings_rate_comparison(view, None, 0.95, 200, 5)
    assert res.row["n_coordinated"] == 4 and res.row["coordination_cost_sek"] == 70_000
    assert res.row["enabled_savings_sek"] == pytest.approx(3.5e6)
    # C2 (consultant) and C5 (100 h >= 70 h) are poor; C1 (lessons) is good
    assert res.examples[["kind", "procurement_id"]].values.tolist() == [["poor", "C2"], ["poor", "C5"], ["good", "C1"]]
    assert res.inputs == q2.assessment_inputs(res.row, res.learning)
    recorded = q2.results(res)
    assert list(recorded) == [
        "enabled_savings_sek",
        "coordination_cost_sek",
        "net_sek",
        "admin_gain_sek",
        "coordination_cost_est_sek",
        "coordination_cost_est_interval",
        "net_est_sek",
        "net_est_interval",
        "admin_net_sek",
        "coverage",
        "hourly_cost_sek",
        "cost_per_procurement_sek",
        "interval_level",
        "by_year",
        "savings_rate_all_years",
        "savings_rate_audit_year",
        "examples",
        "examples_years",
        "learning",
        "assessment_inputs",
        "admin_gain_range",
        "savings_basis",
    ]
    assert recorded["coordination_cost_sek"] == 70_000 and recorded["hourly_cost_sek"] == HOURLY
    assert recorded["coverage"] == {
        "n_coordinated": 4,
        "n_effort": 3,
        "effort_coverage": 0.75,
        "n_saving": 3,
        "saving_coverage": 0.75,
    }
    assert recorded["examples_years"] == [2024, 2025]


def test_analyse_without_the_effort_table_records_no_cost():
    from audit_lib.params import Q2Params

    res = q2.analyse(tables_for_analyse(with_effort=False), Q2Params(bootstrap_reps=200), period(2025))
    recorded = q2.results(res)
    assert not res.has_effort and np.isnan(res.threshold)
    assert recorded["coordination_cost_sek"] is None and recorded["net_sek"] is None
    assert recorded["admin_net_sek"] is None and recorded["enabled_savings_sek"] == pytest.approx(3.5e6)
    empty = q2.analyse(tables_for_analyse(), Q2Params(bootstrap_reps=200), period(2023))
    assert empty.row == {} and q2.results(empty)["coverage"]["n_coordinated"] == 0

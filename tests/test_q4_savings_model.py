"""Question 4, the enabled-savings model: each method, each reason a method cannot be computed,
each kind of invalid application and mismatch, coverage, baselines, the bootstrap interval and
the sensitivity table, on small hand-made packages with known answers; then the demo package's
planted cases, and a case planted by hand into a valid package."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_lib.contract.period import Period
from audit_lib.params import Q4Params
from audit_lib.questions import q4_savings_model as q4

YEAR = 2025
PERIOD = Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))


# ------------------------------------------------------------------------------ hand-made packages
def proc(pid, method="none", reported=None, year=YEAR, category="IT", lead="SRM", **money):
    row = dict(
        procurement_id=pid,
        title=f"Upphandling {pid}",
        category=category,
        lead_region=lead,
        completed_date=pd.Timestamp(year, 6, 1),
        saving_method=method,
        reported_saving_sek=reported,
        basket_old_sek=None,
        basket_new_sek=None,
        first_price_sek=None,
        negotiated_price_sek=None,
    )
    row.update(money)
    return row


def package(rows, bids=(), values=None, regions=None):
    """``rows``: procurement dicts; ``bids``: (pid, price, approved) tuples; ``values``: pid ->
    estimated value (one region, SRM) unless ``regions`` gives (pid, region, value) rows."""
    p = pd.DataFrame(rows)
    for c in ("reported_saving_sek", "basket_old_sek", "basket_new_sek", "first_price_sek", "negotiated_price_sek"):
        p[c] = p[c].astype(float)
    if regions is None:
        values = values or {}
        regions = [(r["procurement_id"], "SRM", values.get(r["procurement_id"], 1_000_000.0)) for r in rows]
    reg = pd.DataFrame(regions, columns=["procurement_id", "region", "estimated_value_sek"])
    b = pd.DataFrame(
        [(pid, f"B{i}", float(price), bool(ok), False) for i, (pid, price, ok) in enumerate(bids)],
        columns=["procurement_id", "bidder_id", "evaluated_price_sek", "approved", "awarded"],
    )
    return p, reg, b


def row_of(table, pid):
    r = table[table["procurement_id"] == pid]
    assert len(r) == 1
    return r.iloc[0]


def market_bids(pid, approved, unapproved=()):
    return [(pid, x, True) for x in approved] + [(pid, x, False) for x in unapproved]


# ------------------------------------------------------------------------------ each method
def test_basket_method_is_old_minus_new_and_a_cost_reduction():
    p, reg, b = package([proc("A", "basket", 20.0, basket_old_sek=100.0, basket_new_sek=80.0)])
    r = row_of(q4.recompute(p, reg, b, 3), "A")
    assert r["basket_status"] == q4.COMPUTED and r["basket_saving"] == pytest.approx(20.0)
    assert r["recomputed_sek"] == pytest.approx(20.0) and r["saving_type"] == "cost_reduction"


def test_basket_may_be_negative():
    p, reg, b = package([proc("A", "basket", -5.0, basket_old_sek=100.0, basket_new_sek=105.0)])
    assert row_of(q4.recompute(p, reg, b, 3), "A")["basket_saving"] == pytest.approx(-5.0)


def test_negotiation_method_is_first_minus_negotiated_and_a_cost_avoidance():
    p, reg, b = package([proc("N", "negotiation", 15.0, first_price_sek=115.0, negotiated_price_sek=100.0)])
    r = row_of(q4.recompute(p, reg, b, 3), "N")
    assert r["negotiation_saving"] == pytest.approx(15.0) and r["saving_type"] == "cost_avoidance"


def test_market_method_uses_approved_bids_only():
    # approved 100, 110, 150: mean 120, lowest 100 -> 20; the unapproved 50 is ignored
    p, reg, b = package([proc("M", "market", 20.0)], market_bids("M", [150, 100, 110], [50]))
    r = row_of(q4.recompute(p, reg, b, 3), "M")
    assert r["market_status"] == q4.COMPUTED and r["market_saving"] == pytest.approx(20.0)
    assert (r["n_bids"], r["n_approved"], r["n_unapproved"]) == (4, 3, 1)


def test_every_method_is_tried_for_every_procurement():
    # negotiation in the register, but its bids also allow the market method
    p, reg, b = package(
        [proc("X", "negotiation", 10.0, first_price_sek=110.0, negotiated_price_sek=100.0)],
        market_bids("X", [100, 110, 120]),
    )
    r = row_of(q4.recompute(p, reg, b, 3), "X")
    assert r["market_saving"] == pytest.approx(10.0)
    assert r["recomputed_sek"] == pytest.approx(10.0)  # from negotiation, the register's method
    assert r["basket_reason"] == "basket_missing"


def test_bid_summary_statistics():
    _, _, b = package([proc("M")], market_bids("M", [130, 100, 120, 110], [90]))
    s = q4.bid_summary(b).loc["M"]
    assert s["lowest"] == 100 and s["mean"] == pytest.approx(115) and s["median"] == pytest.approx(115)
    assert s["second_lowest"] == 110 and s["lowest_all"] == 90 and s["mean_all"] == pytest.approx(110)


def test_bid_summary_per_lot_and_repeated_bidders():
    """Lots: the market saving is computed per lot and summed; a bidder repeating within a lot
    (alternative bids) counts once, with its lowest approved bid (issue 12)."""
    bids = pd.DataFrame(
        {
            "procurement_id": ["M"] * 7 + ["R"] * 4,
            "lot_id": ["1", "1", "1", "2", "2", "2", "2"] + [None] * 4,
            "bidder_id": ["A", "B", "C", "A", "B", "C", "C"] + ["A", "A", "B", "C"],
            "evaluated_price_sek": [100, 200, 300, 1000, 1100, 1300, 900, 50, 10, 70, 90],
            "approved": [True, True, True, True, True, True, False, True, False, True, True],
            "awarded": [False] * 11,
        }
    )
    s = q4.bid_summary(bids)
    m, r = s.loc["M"], s.loc["R"]
    # lot 1: mean 200 - lowest 100 = 100; lot 2: mean 1133.33 - 1000 = 133.33 (C's unapproved 900 not counted)
    assert m["mean"] - m["lowest"] == pytest.approx(100 + 1300 / 3 + 700 - 1000)
    assert m["lowest"] == 1100 and m["n_approved"] == 3 and m["n_bids"] == 3
    # without lots: A's approved 50 counts once (its unapproved 10 does not): bids 50, 70, 90
    assert r["lowest"] == 50 and r["mean"] == pytest.approx(70) and r["n_approved"] == 3 and r["n_bids"] == 3
    assert r["second_lowest"] == 70
    one_lot = bids.assign(lot_id=None)
    assert q4.bid_summary(one_lot).loc["M", "n_bids"] == 3  # A, B, C once each


# ------------------------------------------------------------------------------ not applicable, with reason
@pytest.mark.parametrize(
    "row, bids, method, reason",
    [
        (proc("P"), market_bids("P", []), "market", "no_bids"),
        (proc("P"), market_bids("P", [], [100, 120, 130]), "market", "no_approved_bids"),
        (proc("P"), market_bids("P", [100, 120], [130]), "market", "too_few_approved_bids"),
        (proc("P"), None, "market", "no_bids_table"),
        (proc("P"), (), "basket", "basket_missing"),
        (proc("P", basket_old_sek=10.0), (), "basket", "basket_incomplete"),
        (proc("P", basket_new_sek=10.0), (), "basket", "basket_incomplete"),
        (proc("P"), (), "negotiation", "negotiation_missing"),
        (proc("P", first_price_sek=10.0), (), "negotiation", "negotiation_incomplete"),
        (proc("P", negotiated_price_sek=10.0), (), "negotiation", "negotiation_incomplete"),
    ],
)
def test_not_applicable_reasons(row, bids, method, reason):
    p, reg, b = package([row], bids or ())
    r = row_of(q4.recompute(p, reg, None if bids is None else b, 3), "P")
    assert r[f"{method}_status"] == q4.NOT_APPLICABLE
    assert r[f"{method}_reason"] == reason
    assert np.isnan(r[f"{method}_saving"])
    assert reason in q4.REASONS


def test_min_bids_is_a_parameter():
    p, reg, b = package([proc("P", "market", 10.0)], market_bids("P", [100, 120]))
    assert row_of(q4.recompute(p, reg, b, 2), "P")["market_status"] == q4.COMPUTED
    assert row_of(q4.recompute(p, reg, b, 3), "P")["market_reason"] == "too_few_approved_bids"


def test_reasons_table_counts():
    rows = [proc("A", basket_old_sek=1.0, basket_new_sek=0.5), proc("B"), proc("C")]
    p, reg, b = package(rows, market_bids("C", [1, 2]))
    r = q4.reasons_table(q4.recompute(p, reg, b, 3), YEAR)
    get = lambda m, why: int(r.loc[(r["method"] == m) & (r["reason"] == why), "n"].sum())  # noqa: E731
    assert get("basket", "") == 1 and get("basket", "basket_missing") == 2
    assert get("market", "no_bids") == 2 and get("market", "too_few_approved_bids") == 1
    assert r.loc[r["method"] == "market", "share"].sum() == pytest.approx(1.0)


# ------------------------------------------------------------------------------ coverage
def test_coverage_by_count_and_value():
    rows = [
        proc("A", "basket", 2.0, category="IT", basket_old_sek=12.0, basket_new_sek=10.0),
        proc("B", "none", category="IT"),
        proc("C", "negotiation", 5.0, category="Textil", first_price_sek=105.0, negotiated_price_sek=100.0),
        proc("D", "none", category="Textil"),
        proc("E", "basket", 1.0, year=YEAR - 1, basket_old_sek=2.0, basket_new_sek=1.0),  # other year
    ]
    regions = [
        ("A", "SRM", 40.0),
        ("B", "SRM", 20.0),
        ("C", "SRM", 10.0),
        ("C", "VML", 20.0),
        ("D", "VML", 10.0),
        ("E", "SRM", 5.0),
    ]
    p, reg, b = package(rows, regions=regions)
    t = q4.recompute(p, reg, b, 3)
    cov = q4.coverage(t, reg, YEAR)
    assert cov["n_procurements"] == 4 and cov["n_computable"] == 2
    assert cov["coverage_count"] == pytest.approx(0.5)
    assert cov["coverage_value"] == pytest.approx(70 / 100)  # A 40 + C 30 of 100
    cat = cov["by_category"].set_index("category")
    assert cat.loc["Textil", "coverage_count"] == pytest.approx(0.5)
    assert cat.loc["Textil", "coverage_value"] == pytest.approx(30 / 40)
    region = cov["by_region"].set_index("region")
    assert region.loc["SRM", "n_procurements"] == 3 and region.loc["SRM", "coverage_value"] == pytest.approx(50 / 70)
    assert region.loc["VML", "coverage_value"] == pytest.approx(20 / 30)
    by_year = cov["by_year"].set_index("year")
    assert by_year.loc[YEAR - 1, "coverage_count"] == 1.0 and by_year.loc[YEAR, "n_procurements"] == 4


# ------------------------------------------------------------------------------ reconciliation
def findings_for(rows, bids=(), min_bids=3, tol_sek=1.0, tol_pct=0.0, no_bids_table=False):
    p, reg, b = package(rows, bids)
    bb = None if no_bids_table else b
    t = q4.recompute(p, reg, bb, min_bids)
    return q4.reconcile(t, bb, min_bids, tol_sek, tol_pct)


def kinds(findings, pid):
    return sorted(findings.loc[findings["procurement_id"] == pid, "finding"])


def test_correct_register_gives_no_findings():
    rows = [
        proc("M", "market", 20.0),
        proc("N", "negotiation", 15.0, first_price_sek=115.0, negotiated_price_sek=100.0),
        proc("K", "basket", 2.0, basket_old_sek=12.0, basket_new_sek=10.0),
        proc("Z"),
    ]
    f = findings_for(rows, market_bids("M", [100, 110, 150], [60]))
    assert f.empty


def test_market_with_too_few_approved_bids():
    # the register computed mean - lowest of two approved bids: a valid-looking figure, invalid rule
    f = findings_for([proc("M", "market", 10.0)], market_bids("M", [100, 120], [130]))
    assert kinds(f, "M") == ["market_too_few_bids"]  # not also unapproved_counted


def test_market_without_any_bid_is_too_few():
    assert kinds(findings_for([proc("M", "market", 10.0)]), "M") == ["market_too_few_bids"]


def test_market_not_checkable_without_bids_table():
    assert findings_for([proc("M", "market", 10.0)], no_bids_table=True).empty


@pytest.mark.parametrize(
    "reported, expected",
    [
        (10.0, []),  # approved only: mean 110 - lowest 100, valid
        (20.0, ["unapproved_counted"]),  # mean of all bids 120 - lowest approved 100
        (40.0, ["unapproved_counted"]),  # mean of all 120 - lowest of all 80
        (30.0, ["unapproved_counted"]),  # mean of approved 110 - unapproved lowest 80
        (13.0, ["mismatch"]),  # explained by nothing
    ],
)
def test_unapproved_bids_counted(reported, expected):
    bids = market_bids("M", [100, 110, 120], [80, 190])
    assert kinds(findings_for([proc("M", "market", reported)], bids), "M") == expected


@pytest.mark.parametrize("reported", [30.0, 40.0])
def test_unapproved_bid_used_as_lowest(reported):
    # approved 100, 110, 120; unapproved 80: mean - lowest_all = 30; mean_all - lowest_all = 22.5
    # 40.0 matches nothing: a mismatch
    f = findings_for([proc("M", "market", reported)], market_bids("M", [100, 110, 120], [80]))
    assert kinds(f, "M") == (["unapproved_counted"] if reported == 30.0 else ["mismatch"])


def test_basket_and_negotiation_inputs_missing():
    rows = [
        proc("K", "basket", 5.0, basket_old_sek=12.0),
        proc("K2", "basket", 5.0),
        proc("N", "negotiation", 5.0, negotiated_price_sek=100.0),
        proc("N2", "negotiation", 5.0),
    ]
    f = findings_for(rows)
    assert kinds(f, "K") == kinds(f, "K2") == ["basket_inputs_missing"]
    assert kinds(f, "N") == kinds(f, "N2") == ["negotiation_inputs_missing"]


def test_saving_without_method():
    f = findings_for([proc("Z", "none", 1000.0), proc("Y", "none", 0.0)])
    assert kinds(f, "Z") == ["saving_without_method"] and kinds(f, "Y") == []


def test_mismatch_beyond_absolute_and_relative_tolerance():
    rows = [
        proc("N1", "negotiation", 1_005_000.0, first_price_sek=2_000_000.0, negotiated_price_sek=1_000_000.0),
        proc("N2", "negotiation", 1_020_000.0, first_price_sek=2_000_000.0, negotiated_price_sek=1_000_000.0),
    ]
    # recomputed 1 000 000; tolerance 1 000 kr + 1 %: 11 000 kr
    f = findings_for(rows, tol_sek=1_000.0, tol_pct=0.01)
    assert kinds(f, "N1") == [] and kinds(f, "N2") == ["mismatch"]
    assert f.loc[f["procurement_id"] == "N2", "difference_sek"].iloc[0] == pytest.approx(20_000.0)
    f0 = findings_for(rows, tol_sek=1_000.0, tol_pct=0.0)  # 1 000 kr only: both differ
    assert sorted(f0["procurement_id"]) == ["N1", "N2"]


def test_agrees_at_the_boundary():
    assert q4.agrees(101.0, 100.0, 1.0, 0.0) and not q4.agrees(101.01, 100.0, 1.0, 0.0)
    assert q4.agrees(110.0, 100.0, 0.0, 0.10) and not q4.agrees(np.nan, 100.0, 1.0, 0.0)


def test_finding_lists_by_year_and_kind():
    rows = [
        proc("A", "market", 10.0),
        proc("B", "basket", 1.0, year=YEAR - 1),
        proc("C", "negotiation", 50.0, first_price_sek=110.0, negotiated_price_sek=100.0),
    ]
    f = findings_for(rows)
    lists = q4.finding_lists(f, YEAR)
    assert lists["invalid_applications"] == ["A"] and lists["mismatches"] == ["C"]
    assert lists["invalid_by_kind"]["market_too_few_bids"] == ["A"]
    assert q4.finding_lists(f)["invalid_applications"] == ["A", "B"]


# ------------------------------------------------------------------------------ the market method and baselines
prices = st.lists(st.floats(min_value=1.0, max_value=1e7, allow_nan=False), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(approved=prices, unapproved=st.lists(st.floats(min_value=1.0, max_value=1e7), max_size=3))
def test_market_saving_is_never_negative(approved, unapproved):
    _, _, b = package([proc("M")], market_bids("M", approved, unapproved))
    ms = q4.market_savings(q4.bid_summary(b)).loc["M"]
    tol = 1e-9 * max(approved)
    assert ms["mean"] >= -tol and ms["median"] >= -tol
    assert np.isnan(ms["second_lowest"]) if len(approved) < 2 else ms["second_lowest"] >= 0


def test_baselines_and_totals_side_by_side():
    # market: approved 100, 110, 150 (mean 120, median 110, second 110), estimate 130
    # basket: 20; negotiation: 5; reported market 25 (a mismatch)
    rows = [
        proc("M", "market", 25.0),
        proc("K", "basket", 20.0, basket_old_sek=120.0, basket_new_sek=100.0),
        proc("N", "negotiation", 5.0, first_price_sek=105.0, negotiated_price_sek=100.0),
    ]
    p, reg, b = package(rows, market_bids("M", [100, 110, 150]), values={"M": 130.0})
    t = q4.recompute(p, reg, b, 3)
    base = q4.baseline_frame(t, b)
    m = base.set_index("procurement_id").loc["M"]
    assert (m["mean"], m["median"], m["second_lowest"], m["estimated_value"]) == pytest.approx((20, 10, 10, 30))
    tot = q4.totals(t, base, YEAR).set_index("basis")
    assert tot.loc["reported", "total_sek"] == pytest.approx(50.0)
    assert tot.loc["recomputed", "total_sek"] == pytest.approx(45.0)
    assert tot.loc["median", "total_sek"] == pytest.approx(35.0)
    assert tot.loc["second_lowest", "total_sek"] == pytest.approx(35.0)
    assert tot.loc["estimated_value", "total_sek"] == pytest.approx(55.0)
    assert tot.loc["recomputed", "cost_reduction_sek"] == pytest.approx(20.0)
    assert tot.loc["recomputed", "cost_avoidance_sek"] == pytest.approx(25.0)
    mat = q4.saving_matrix(t, base, YEAR)
    assert mat.sum().to_dict() == pytest.approx({"mean": 45, "median": 35, "second_lowest": 35, "estimated_value": 55})


def test_by_method_keeps_kinds_apart():
    rows = [
        proc("K", "basket", 20.0, basket_old_sek=120.0, basket_new_sek=100.0),
        proc("N", "negotiation", 5.0, first_price_sek=105.0, negotiated_price_sek=100.0),
        proc("M", "market", 7.0),
    ]
    p, reg, b = package(rows, market_bids("M", [100, 110, 111]))
    bm = q4.by_method(q4.recompute(p, reg, b, 3), YEAR)
    sub = bm[bm["method"] == ""].set_index("saving_type")
    assert sub.loc["cost_reduction", "reported_sek"] == 20 and sub.loc["cost_avoidance", "reported_sek"] == 12
    assert sub.loc["both", "reported_sek"] == 32 and sub.loc["both", "n_applied"] == 3


def test_saving_by_n_bids_groups_and_pools():
    bids = (
        market_bids("A", [100, 120])
        + market_bids("B", [100, 110, 150])
        + market_bids("C", [100] * 12)
        + market_bids("D", [100])
    )
    rows = [proc(x) for x in "ABCD"]
    p, reg, b = package(rows, bids)
    byn = q4.saving_by_n_bids(q4.baseline_frame(q4.recompute(p, reg, b, 3), b), max_n=10).set_index("n")
    assert list(byn.index) == [2, 3, 10]  # D (one bid) left out, C pooled at 10
    assert byn.loc[2, "mean_share"] == pytest.approx(0.10) and byn.loc[2, "second_lowest_share"] == pytest.approx(0.20)
    assert byn.loc[3, "median_share"] == pytest.approx(0.10) and byn.loc[10, "mean_share"] == 0


def test_null_model_grows_with_bids_and_is_seeded():
    a = q4.null_model(0.15, range(2, 9), 3000, seed=1)
    assert (np.diff(a["mean_share"]) > 0).all() and (a["mean_share"] > 0).all()
    assert a.equals(q4.null_model(0.15, range(2, 9), 3000, seed=1))
    assert (q4.null_model(0.0, [5], 10, seed=1)["mean_share"] == 0).all()  # no spread, no saving


def test_log_price_sd_recovers_spread():
    rng = np.random.default_rng(3)
    rows = [(f"P{i}", float(np.exp(rng.normal(np.log(1e6), 0.2))), True) for i in range(300) for _ in range(5)]
    b = pd.DataFrame(
        [(pid, f"B{k}", x, ok, False) for k, (pid, x, ok) in enumerate(rows)],
        columns=["procurement_id", "bidder_id", "evaluated_price_sek", "approved", "awarded"],
    )
    assert q4.log_price_sd(b) == pytest.approx(0.2, abs=0.01)


# ------------------------------------------------------------------------------ interval
def test_bootstrap_is_seeded_and_reproducible():
    rng = np.random.default_rng(0)
    m = pd.DataFrame({"mean": rng.gamma(2, 1e5, 150), "median": rng.gamma(2, 8e4, 150)})
    a = q4.bootstrap_totals(m, 500, 0.9, seed=42)
    assert a.equals(q4.bootstrap_totals(m, 500, 0.9, seed=42))
    assert not a.equals(q4.bootstrap_totals(m, 500, 0.9, seed=43))
    assert (a["low"] < a["point"]).all() and (a["point"] < a["high"]).all()
    assert a["point"].tolist() == pytest.approx(m.sum().tolist())
    # the same draws whatever the chunk size
    assert a.equals(q4.bootstrap_totals(m, 500, 0.9, seed=42, chunk=500))


def test_bootstrap_of_constant_savings_has_no_width():
    m = pd.DataFrame({"mean": [10.0] * 20})
    b = q4.bootstrap_totals(m, 200, 0.9, seed=1).iloc[0]
    assert b["low"] == pytest.approx(200) and b["high"] == pytest.approx(200) and b["se"] == pytest.approx(0)


def test_bootstrap_se_matches_theory():
    rng = np.random.default_rng(5)
    x = rng.normal(100.0, 20.0, 400)
    b = q4.bootstrap_totals(pd.DataFrame({"mean": x}), 4000, 0.9, seed=2).iloc[0]
    assert b["se"] == pytest.approx(np.sqrt(len(x)) * x.std(), rel=0.06)


def test_interval_spans_baselines_and_places_the_reported_figure():
    boot = pd.DataFrame(
        {
            "baseline": ["mean", "median", "second_lowest"],
            "point": [100.0, 80.0, 50.0],
            "low": [90.0, 70.0, 40.0],
            "high": [110.0, 95.0, 60.0],
            "se": [1.0, 1.0, 1.0],
        }
    )
    iv = q4.interval(boot, 105.0, ["mean", "median", "second_lowest"])
    assert (iv["low"], iv["high"], iv["reported_position"]) == (40.0, 110.0, "within")
    assert (iv["point_low"], iv["point_high"]) == (50.0, 100.0)
    assert q4.interval(boot, 120.0, ["median", "second_lowest"])["reported_position"] == "above"
    assert q4.interval(boot, 30.0, ["mean"])["reported_position"] == "below"


def test_top_share():
    assert q4.top_share(pd.Series([50.0, 30.0, 10.0, 10.0, np.nan]), 2) == pytest.approx(0.8)


# ------------------------------------------------------------------------------ sensitivity
def test_sensitivity_over_min_bids_and_tolerance():
    rows = [
        proc("A", "market", 10.0),
        proc("B", "market", 10.5),
        proc("C", "negotiation", 10.4, first_price_sek=110.0, negotiated_price_sek=100.0),
    ]
    bids = market_bids("A", [100, 120]) + market_bids("B", [100, 110, 120])
    p, reg, b = package(rows, bids)
    s = q4.sensitivity(p, reg, b, YEAR, [2, 3, 4], [0.0, 0.05], 0.0).set_index(["min_bids", "tolerance_pct"])
    assert s.loc[(2, 0.0), "n_invalid"] == 0 and s.loc[(3, 0.0), "n_invalid"] == 1 and s.loc[(4, 0.0), "n_invalid"] == 2
    assert s.loc[(2, 0.0), "coverage_count"] == 1.0 and s.loc[(4, 0.0), "coverage_count"] == pytest.approx(1 / 3)
    # B reports 10.5 against 10 (5 %) and C 10.4 against 10 (4 %): mismatches at 0 %, none at 5 %
    assert s.loc[(3, 0.0), "n_mismatch"] == 2 and s.loc[(3, 0.05), "n_mismatch"] == 0
    assert s.loc[(2, 0.0), "recomputed_sek"] == pytest.approx(30.0)


# ------------------------------------------------------------------------------ the demo package
def demo_result(package, **kw):
    args = dict(
        market_min_bids=3,
        tolerance_sek=1000.0,
        tolerance_pct=0.01,
        n_resamples=300,
        interval_level=0.9,
        interval_baselines=list(q4.BASELINES),
        sensitivity_min_bids=[3],
        sensitivity_tolerance_pct=[0.01],
        null_model_sims=200,
    )
    args.update(kw)
    return q4.analyse(package, Q4Params(**args), PERIOD, seed=20251027)


@pytest.fixture(scope="module")
def demo_res(demo_package):
    return demo_result(demo_package)


def test_demo_finds_exactly_the_planted_cases(demo_res, planted):
    res = demo_res
    for kind, key in [
        ("market_too_few_bids", "invalid_market_too_few_bids"),
        ("unapproved_counted", "invalid_unapproved_counted"),
        ("basket_inputs_missing", "invalid_basket_missing"),
    ]:
        assert res.lists["invalid_by_kind"][kind] == sorted(x for x in planted[key] if x.startswith(f"IN-{YEAR}-"))
    assert res.lists["mismatches"] == sorted(x for x in planted["mismatch"] if x.startswith(f"IN-{YEAR}-"))
    planted_invalid = {
        x
        for k in ("invalid_market_too_few_bids", "invalid_unapproved_counted", "invalid_basket_missing")
        for x in planted[k]
        if x.startswith(f"IN-{YEAR}-")
    }
    assert set(res.lists["invalid_applications"]) == planted_invalid
    # every year, too
    all_years = q4.finding_lists(res.findings)
    assert all_years["mismatches"] == sorted(planted["mismatch"])
    assert all_years["invalid_by_kind"]["market_too_few_bids"] == sorted(planted["invalid_market_too_few_bids"])


def test_demo_coverage_and_totals(demo_res):
    res = demo_res
    # calibrated to the report: about 40 % of procurements with no computable saving
    assert 0.5 <= res.coverage["coverage_count"] <= 0.7
    tot = res.totals_dict()
    assert tot["reported"] == pytest.approx(66.3e6, abs=1)  # the demo register's 2025 total
    # the register overstates: planted mismatches are +25 %, invalid applications add what cannot be computed
    assert tot["recomputed"] < tot["reported"]
    assert tot["second_lowest"] < tot["median"] < tot["recomputed"]
    assert res.interval["low"] < tot["second_lowest"] and res.interval["high"] > tot["recomputed"]
    assert (res.baselines["mean"] >= 0).all()


def test_case_planted_by_hand_into_a_valid_package(demo_copy):
    """Break a valid market-price procurement of the audit year (reject its approved bids but
    two) and a valid negotiation (drop its first price): both must be listed."""
    from audit_lib.contract import load_package

    pkg = load_package(demo_copy)
    before = demo_result(pkg)
    t = before.table
    ok = t[(t["year"] == YEAR) & (t["applied_status"] == q4.COMPUTED)]
    market_pid = ok.loc[
        (ok["saving_method"] == "market") & ~ok["procurement_id"].isin(before.lists["mismatches"]), "procurement_id"
    ].iloc[0]
    nego_pid = ok.loc[ok["saving_method"] == "negotiation", "procurement_id"].iloc[0]
    bids = pd.read_csv(demo_copy / "bids.csv", dtype=str)
    sel = bids.index[(bids["procurement_id"] == market_pid) & (bids["approved"] == "true")]
    bids.loc[sel[2:], "approved"] = "false"
    bids.to_csv(demo_copy / "bids.csv", index=False)
    procs = pd.read_csv(demo_copy / "procurements.csv", dtype=str, keep_default_na=False)
    procs.loc[procs["procurement_id"] == nego_pid, "first_price_sek"] = ""
    procs.to_csv(demo_copy / "procurements.csv", index=False)
    after = demo_result(load_package(demo_copy))
    assert after.lists["invalid_by_kind"]["market_too_few_bids"] == sorted(
        before.lists["invalid_by_kind"]["market_too_few_bids"] + [market_pid]
    )
    assert after.lists["invalid_by_kind"]["negotiation_inputs_missing"] == [nego_pid]
    assert set(after.lists["invalid_applications"]) == set(before.lists["invalid_applications"]) | {
        market_pid,
        nego_pid,
    }
    assert after.lists["mismatches"] == before.lists["mismatches"]
    assert after.coverage["n_computable"] <= before.coverage["n_computable"] - 1


def test_results_are_json_ready(demo_res):
    from audit_lib.report.results import dumps

    res = demo_res
    out = json.loads(
        dumps(
            {
                "lists": res.lists,
                "totals": res.totals_dict(),
                "interval": res.interval,
                "inputs": res.inputs,
                "sens": res.sensitivity,
            }
        )
    )
    assert out["interval"]["reported_position"] in ("below", "within", "above")


@pytest.mark.slow
def test_bootstrap_interval_coverage_on_simulated_years():
    """Simulated years of 150 procurements with skewed savings (gamma, known mean): the 90 %
    bootstrap interval of the year's total covers the expected total (150 x mean) about 90 %
    of the time (percentile intervals under-cover a little for skewed data)."""
    rng = np.random.default_rng(11)
    shape, scale, n, reps = 0.8, 1e5, 150, 400
    hits = 0
    for r in range(reps):
        m = pd.DataFrame({"mean": rng.gamma(shape, scale, n)})
        b = q4.bootstrap_totals(m, 400, 0.9, seed=r).iloc[0]
        hits += b["low"] <= n * shape * scale <= b["high"]
    assert 0.83 <= hits / reps <= 0.95


# ------------------------------------------------------------------------------ what the page shows, computed here
def test_earlier_findings_count_procurements_once_and_mismatches():
    f = pd.DataFrame(
        {
            "procurement_id": ["A", "A", "B", "C", "D", "E"],
            "year": [YEAR - 1, YEAR - 1, YEAR - 2, YEAR - 1, YEAR, YEAR],
            "finding": [
                "market_too_few_bids",
                "unapproved_counted",
                "basket_inputs_missing",
                q4.MISMATCH,
                "market_too_few_bids",
                q4.MISMATCH,
            ],
        }
    )
    # A twice (two kinds) counts once; the audit year's D and E are not earlier
    assert q4.earlier_findings(f, YEAR) == {"invalid": 2, "mismatch": 1}
    assert q4.earlier_findings(f, YEAR - 2) == {"invalid": 0, "mismatch": 0}


def test_totals_beside_interval():
    totals = pd.DataFrame({"basis": ["reported", "recomputed", "median"], "total_sek": [100.0, 80.0, 100.0]})
    boot = pd.DataFrame(
        {
            "baseline": ["mean", "median"],
            "point": [80.0, 100.0],
            "low": [70.0, 90.0],
            "high": [90.0, 115.0],
            "se": [1.0, 1.0],
        }
    )
    t = q4.totals_beside_interval(totals, boot).set_index("basis")
    assert list(t["baseline"]) == ["reported", "mean", "median"]
    assert list(t["in_bootstrap"]) == [False, True, True]
    assert np.isnan(t.loc["reported", "low"]) and (t.loc["recomputed", "low"], t.loc["recomputed", "high"]) == (70, 90)
    assert t["vs_reported"].to_list() == pytest.approx([0.0, -0.2, 0.0])


def test_market_bias_figures():
    by_n = pd.DataFrame({"n": [2, 3, 10], "n_procurements": [4, 5, 1], "min_mean_saving": [3.0, 0.5, 7.0]})
    null = pd.DataFrame({"n": [2, 3, 4], "mean_share": [0.01, 0.02, 0.04]})
    b = q4.market_bias(by_n, null, market_min_bids=3, max_n=10)
    assert b["n_procurements"] == 10 and b["min_mean_saving"] == 0.5
    assert b["null"] == {"n_lo": 3, "share_lo": 0.02, "n_hi": 4, "share_hi": 0.04}
    assert q4.market_bias(by_n, null, market_min_bids=5, max_n=3)["null"]["n_lo"] == 3  # capped at max_n
    assert q4.market_bias(by_n, null, market_min_bids=1, max_n=10)["null"] is None  # no row for one bid
    assert q4.market_bias(by_n, null.iloc[:0], 3, 10)["null"] is None


def test_register_rule_marks_the_registers_own_row():
    sens = pd.DataFrame({"min_bids": [2, 3, 3, 4], "tolerance_pct": [0.01, 0.0, 0.01 + 1e-15, 0.01]})
    assert q4.register_rule(sens, 3, 0.01).to_list() == [False, False, True, False]


def test_optional_table_from_a_package_or_a_dict(demo_package):
    assert q4.optional_table({"bids": pd.DataFrame()}, "bids") is not None
    assert q4.optional_table({}, "bids") is None
    assert q4.optional_table(demo_package, "bids") is demo_package["bids"]
    assert q4.optional_table(demo_package, "no_such_table") is None


def hand_made_tables(with_bids=True):
    rows = [
        proc("M", "market", 25.0),
        proc("K", "basket", 20.0, basket_old_sek=120.0, basket_new_sek=100.0),
        proc("N", "negotiation", 5.0, first_price_sek=105.0, negotiated_price_sek=100.0),
        proc("X", "market", 9.0, year=YEAR - 1),
    ]
    p, reg, b = package(rows, market_bids("M", [100, 110, 150]) + market_bids("X", [100]), values={"M": 130.0})
    tables = {"procurements": p, "procurement_regions": reg}
    return tables | {"bids": b} if with_bids else tables


def test_analyse_is_the_chain_of_steps_and_the_period_sets_the_year():
    params = Q4Params(
        n_resamples=200,
        null_model_sims=100,
        sensitivity_min_bids=[2, 3],
        sensitivity_tolerance_pct=[0.0, 0.01],
        top_k=1,
        tolerance_sek=0.0,
    )
    res = q4.analyse(hand_made_tables(), params, PERIOD, seed=7)
    assert res.audit_year == YEAR and res.params is params
    assert res.totals_dict() == pytest.approx(
        {"reported": 50, "recomputed": 45, "median": 35, "second_lowest": 35, "estimated_value": 55}
    )
    assert list(res.year_findings["procurement_id"]) == ["M"]  # the mismatch; X (too few bids) is last year's
    assert res.earlier == {"invalid": 1, "mismatch": 0}
    assert res.top_share == pytest.approx(20 / 45)  # the basket's 20 of 45
    assert res.n_not_computable == 0 and res.coverage["n_procurements"] == 3
    assert res.inputs["range_width_share"] == pytest.approx((res.interval["high"] - res.interval["low"]) / 50)
    assert res.interval["level"] == params.interval_level
    assert res.sensitivity_rule.to_list() == [False, False, False, True]  # min_bids 3, tolerance 1 %
    assert res.bias["n_procurements"] == 1 and res.bias["null"]["n_lo"] == 3  # M, the only one with bids
    with pytest.raises(AttributeError):  # frozen
        res.audit_year = 2000  # type: ignore[misc]
    # same seed, same figures; without a bids table the market method cannot be computed
    assert res.bootstrap.equals(q4.analyse(hand_made_tables(), params, PERIOD, seed=7).bootstrap)
    no_bids = q4.analyse(hand_made_tables(with_bids=False), params, PERIOD, seed=7)
    assert no_bids.table.set_index("procurement_id").loc["M", "market_reason"] == "no_bids_table"


def test_results_records_the_same_keys_in_the_same_order():
    params = Q4Params(n_resamples=200, null_model_sims=100, top_k=2, tolerance_sek=0.0)
    res = q4.analyse(hand_made_tables(), params, PERIOD, seed=1)
    rec = q4.results(res)
    assert list(rec) == [
        "coverage_count",
        "coverage_value",
        "coverage",
        "coverage_by_year",
        "coverage_by_category",
        "coverage_by_region",
        "reasons",
        "invalid_applications",
        "invalid_by_kind",
        "mismatches",
        "findings",
        "findings_all_years",
        "by_method",
        "totals",
        "totals_table",
        "bootstrap",
        "interval",
        "by_n_bids",
        "null_model",
        "log_price_sd",
        "sensitivity",
        "top_share",
        "assessment_inputs",
    ]
    assert "title" not in rec["findings"].columns and set(rec["findings"]["year"]) == {YEAR}
    assert len(rec["findings_all_years"]) == 2
    assert not any(k.startswith("by_") for k in rec["coverage"])
    assert rec["top_share"] == {"k": 2, "share": res.top_share}


def test_real_data_not_configured_absent_and_recorded(tmp_path):
    params = Q4Params(real_bids_dir="somewhere")
    assert q4.real_data(None, params).status == "not_configured"
    absent = q4.real_data(tmp_path / "missing", params)
    assert absent.status == "absent" and absent.folder == "somewhere" and not absent.available
    assert q4.real_data(tmp_path, params).status == "absent"  # a folder without a known source
    assert q4.real_results(absent) == {"available": False, "sources": []}


def test_input_format_shows_the_criteria_inputs_as_before():
    """``page.INPUTS`` gives the strings the notebook's own ``show_input`` gave, in both languages."""
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import q4_savings_model as page
    from audit_lib.report.texts import Texts

    for language in ("sv", "en"):
        t, f = Texts(language), Formatter(language)

        def before(name, v, t=t, f=f):
            if isinstance(v, bool) or v is None:
                return {True: t("common.yes"), False: t("common.no"), None: "–"}[v]
            return f.percent(v, 1) if name.endswith("_share") or name.startswith("savings_coverage") else f.number(v, 2)

        show = page.INPUTS.bind(t, f)
        for name, v in [
            ("savings_coverage_count", 0.6123),
            ("savings_coverage_value", float("nan")),
            ("invalid_application_share", 0.25),
            ("range_width_share", 1.5),
            ("reported_within_range", True),
            ("reported_within_range", False),
            ("x", None),
            ("other_figure", 1234.567),
        ]:
            assert show(name, v) == before(name, v), (language, name)
    assert page.INPUTS.bind(Texts("sv"), Formatter("sv"))("savings_coverage_count", 0.6123) == "61,2\u00a0%"

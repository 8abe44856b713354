"""Causality: estimators on simulated staggered panels with known effects, and the question's
logic (joint effects, identification, conclusions, SEK) on hand-made data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_lib.questions import causality as cz
from audit_lib.report.texts import Texts, catalog, placeholders
from audit_lib.stats import linear
from audit_lib.stats import staggered as stg
from audit_lib.stats import simulate as sim
from audit_lib.stats.staggered import NEVER
from audit_lib.stats.threads import single_threaded_blas

CONSTANT = {
    "ecommerce": sim.constant(-0.03),
    "category_management": sim.constant(-0.04),
    "coordination": sim.constant(-0.05),
}
ORIGIN = pd.Timestamp(2019, 1, 1)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    with single_threaded_blas():
        yield


def frames(p: stg.RolloutPanel, units_per_cluster: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A simulated panel as the question sees it: the index panel and the rollouts table."""
    cat = np.array([f"Kategori {c:02d}" for c in range(p.cluster.max() + 1)])
    unit_cat = np.zeros(p.unit.max() + 1, dtype=int)
    unit_cat[p.unit] = p.cluster
    unit_reg = np.array([f"R{u % units_per_cluster}" for u in range(len(unit_cat))])
    months = [ORIGIN + pd.DateOffset(months=int(m)) for m in p.time]
    panel = pd.DataFrame(
        {
            "category": cat[p.cluster],
            "region": unit_reg[p.unit],
            "month": months,
            "log_index": p.y,
            "index": 100 * np.exp(p.y),
            "log_unit_value": p.y,
            "spend_sek": 1e6,
            "quantity": 1.0,
            "n_lines": 10,
            "n_articles": 5,
        }
    )
    roll = {"category": cat[unit_cat], "region": unit_reg}
    for t, col in cz.START_COLUMNS.items():
        s = p.starts.get(t, np.full(len(unit_cat), NEVER))
        roll[col] = [ORIGIN + pd.DateOffset(months=int(v)) if v < NEVER else pd.NaT for v in s]
    rollouts = pd.DataFrame(roll)
    for col in cz.START_COLUMNS.values():
        rollouts[col] = pd.to_datetime(rollouts[col])
    return panel, rollouts


def run_question(p: stg.RolloutPanel, post: int = 12, reps: int = 399, seed: int = 1):
    panel, rollouts = frames(p)
    data = cz.prepare(panel, rollouts, list(cz.TREATMENTS))
    s = cz.Settings(post=post, reps=reps, seed=seed)
    ident = cz.identification(data, s.min_treated_clusters, 3)
    est = cz.estimate(data, s)
    # the estimator tests judge interpretation by the bootstrap pre-trend test alone: on these
    # ten-cluster panels the analytic F test rejects a true null most of the time (see
    # test_f_test_rejection_makes_every_effect_associational for the default, both tests)
    eff = cz.finalize_effects(
        cz.effects_table(est, ident), s.alpha, s.divergence_share, s.divergence_min, tests=("wild_cluster_bootstrap",)
    )
    eff = cz.apply_design(eff, data.treatments, s.alpha).set_index("group")
    return data, ident, est, eff, s


# ---------------------------------------------------------------- the linear machinery
def test_twfe_matches_statsmodels_estimate_and_cluster_se():
    p = sim.simulate_staggered(np.random.default_rng(4), CONSTANT)
    mine = stg.twfe_static(p)
    sm = cz.twfe_statsmodels(p).set_index("group")
    assert mine.estimate == pytest.approx(sm["estimate"].to_numpy(), abs=1e-10)
    assert linear.cluster_se(mine) == pytest.approx(sm["se"].to_numpy(), rel=1e-6)


def test_imputation_matches_pyfixest_did2s():
    """One treatment, static second stage: our average equals Gardner's two-stage estimate."""
    pf = pytest.importorskip("pyfixest")
    p = sim.simulate_staggered(
        np.random.default_rng(5),
        {"coordination": sim.growing(-0.004, 12)},
        groups=[sim.GroupSpec("coordination", 0.8, "cluster", 14, 66)],
    )
    im = stg.imputation(p, 12)
    ours = im.estimate[im.index(("coordination", "att"))]
    df = pd.DataFrame(
        {"y": p.y, "unit": p.unit, "time": p.time, "cl": p.cluster, "treat": p.active("coordination").astype(int)}
    )
    fit = pf.did2s(
        df, yname="y", first_stage="~ 0 | unit + time", second_stage="~ 0 + treat", treatment="treat", cluster="cl"
    )
    assert ours == pytest.approx(float(fit.coef()["treat"]), abs=1e-8)


def test_imputation_is_exact_without_noise():
    p = sim.simulate_staggered(np.random.default_rng(6), CONSTANT, sd_cluster_time=0.0, sd_unit_time=0.0)
    im = stg.imputation(p, 12)
    for g, eff in CONSTANT.items():
        assert im.estimate[im.index((g, "att"))] == pytest.approx(eff(np.zeros(1))[0], abs=1e-10)
    assert np.allclose(im.resid, 0, atol=1e-10)


def test_always_coinciding_treatments_are_not_estimable():
    """If two treatments start together in every cell, the design cannot split them."""
    p = sim.simulate_staggered(np.random.default_rng(7), CONSTANT)
    starts = dict(p.starts)
    starts["category_management"] = starts["ecommerce"].copy()
    im = stg.imputation(p.with_starts(starts), 12)
    assert not im.estimable[im.index(("ecommerce", "att"))]
    assert not im.estimable[im.index(("category_management", "att"))]
    assert im.estimable[im.index(("coordination", "att"))]
    assert np.isnan(im.estimate[im.index(("ecommerce", "att"))])


def test_pretrend_bootstrap_is_seeded():
    p = sim.simulate_staggered(np.random.default_rng(8), CONSTANT)
    fit = stg.pretrend_fit(p, 6)
    idx = [k for k, nm in enumerate(fit.leads.names) if nm[0] == "coordination"]
    a = linear.bootstrap_wald(fit.leads, idx, fit.null_fitted, fit.null_resid, 199, np.random.default_rng(3))
    b = linear.bootstrap_wald(fit.leads, idx, fit.null_fitted, fit.null_resid, 199, np.random.default_rng(3))
    assert a == b and a[3] == 6
    # the null-imposed data have no leads: the restricted fit reproduces y where it is used
    used = ~p.treated()
    assert np.allclose((fit.null_fitted + fit.null_resid)[used], p.y[used])


def test_jackknife_se_equals_the_leave_one_cluster_out_formula():
    p = sim.simulate_staggered(np.random.default_rng(9), CONSTANT)
    tw = stg.twfe_static(p)
    iv = linear.jackknife_interval(tw, lambda m: stg.twfe_static(p.subset(m)), 0.95)
    loo = np.array([stg.twfe_static(p.subset(p.cluster != g)).estimate for g in range(10)])
    se = np.sqrt(9 / 10 * ((loo - loo.mean(0)) ** 2).sum(0))
    assert iv.se == pytest.approx(se)
    assert iv.method == "cluster_jackknife" and iv.n_clusters == 10
    assert (iv.se > linear.cluster_se(tw)).all()  # wider than CR1 here


# ---------------------------------------------------------------- known effects
def test_constant_effects_recovered_by_both_estimators():
    p = sim.simulate_staggered(np.random.default_rng(11), CONSTANT)
    _, _, _, eff, _ = run_question(p)
    for g, f in CONSTANT.items():
        truth = f(np.zeros(1))[0]
        r = eff.loc[g]
        assert r["ci_low"] <= truth <= r["ci_high"], (g, r["estimate"], r["ci_low"], r["ci_high"])
        assert r["twfe_ci_low"] <= truth <= r["twfe_ci_high"], (g, r["twfe_estimate"])
        assert r["interpretation"] == "causal"
        assert not r["twfe_differs"]  # constant effects: the estimators agree
        assert r["ci_method"] == "cluster_jackknife"  # ten clusters: jackknife intervals
        assert r["p_value"] < 0.05


def test_growing_effects_robust_recovers_twfe_differs():
    effects = {
        "ecommerce": sim.growing(-0.004, 24),
        "category_management": sim.growing(-0.004, 24),
        "coordination": sim.growing(-0.008, 24),
    }
    p = sim.simulate_staggered(np.random.default_rng(0), effects)
    _, _, _, eff, _ = run_question(p, post=24)
    truth = sim.true_average(p, "coordination", effects["coordination"])
    r = eff.loc["coordination"]
    assert r["ci_low"] <= truth <= r["ci_high"]
    assert abs(r["estimate"] - truth) < 0.03 * abs(truth)
    # TWFE is pulled towards zero by comparisons with already-treated cells
    assert abs(r["twfe_estimate"] - truth) > 0.15 * abs(truth)
    assert r["twfe_differs"]  # materially: by more than a fifth of the effect
    keys = [
        k
        for k, v in cz.conclusions(eff.reset_index(), pd.DataFrame({"group": [], "estimate": [], "covers_zero": []}))
        if v.get("group") == "coordination"
    ]
    assert "causality.conclusion_diverge" in keys


def test_robust_event_profile_follows_a_growing_effect():
    f = sim.growing(-0.004, 12)
    p = sim.simulate_staggered(
        np.random.default_rng(2),
        {"coordination": f},
        groups=[sim.GroupSpec("coordination", 0.8, "cluster", 14, 66)],
        n_clusters=20,
    )
    im = stg.imputation(p, 12)
    iv = linear.jackknife_interval(im, lambda m: stg.imputation(p.subset(m), 12), 0.95)
    inside = []
    for ell in range(12):
        k = im.index(("coordination", ell))
        inside.append(iv.low[k] <= f(np.array([ell]))[0] <= iv.high[k])
    assert np.mean(inside) >= 10 / 12
    first, last = im.estimate[im.index(("coordination", 0))], im.estimate[im.index(("coordination", 11))]
    assert last < first - 0.02  # the profile visibly grows


def test_planted_pretrend_is_flagged():
    p = sim.simulate_staggered(np.random.default_rng(12), CONSTANT, pretrend={"coordination": (-0.004, 6)})
    _, _, est, eff, s = run_question(p)
    r = eff.loc["coordination"]
    assert r["pretrend_p"] < 0.05
    assert r["interpretation"] == "associational"
    # without the planted trend the same test does not reject
    p0 = sim.simulate_staggered(np.random.default_rng(12), CONSTANT)
    _, _, _, eff0, _ = run_question(p0)
    assert eff0.loc["coordination", "pretrend_p"] >= 0.05
    texts = dict(
        (v["group"], k)
        for k, v in cz.conclusions(eff.reset_index(), pd.DataFrame({"group": [], "estimate": [], "covers_zero": []}))
    )
    assert texts["coordination"] == "causality.conclusion_associational_pretrend"


def test_coinciding_rollouts_are_reported_jointly():
    # unit 6 (cluster 3, first region): e-commerce and category management start together
    p = sim.simulate_staggered(
        np.random.default_rng(13), CONSTANT, coincide=(6, "ecommerce", "category_management", 30)
    )
    data, ident, est, eff, s = run_question(p)
    joint = "ecommerce+category_management"
    assert joint in data.groups
    row = ident.set_index("group").loc[joint]
    assert row["n_cells"] == 1 and row["status"] == "weak" and row["cells"] == ["Kategori 03/R0"]
    assert joint in ident.set_index("group").loc["ecommerce", "joint_with"]
    # the joint cell is left out of the separate effects and has its own entry
    cells = data.cells.set_index(["category", "region"])
    assert cells.loc[("Kategori 03", "R0"), "start__ecommerce"] == NEVER
    r = eff.loc[joint]
    assert r["ci_method"] == "pooled_covariance"
    assert r["ci_low"] <= -0.07 <= r["ci_high"]
    assert r["interpretation"] == "associational"
    for g in ("ecommerce", "category_management"):
        assert eff.loc[g, "ci_low"] <= CONSTANT[g](np.zeros(1))[0] <= eff.loc[g, "ci_high"]
    res = cz.analysis_results(
        cz.Analysis(
            data,
            s,
            ident,
            est,
            eff.reset_index(),
            pd.DataFrame({"group": [], "estimate": [], "se": [], "ci_low": [], "ci_high": [], "covers_zero": []}),
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame({"group": []}),
            pd.DataFrame(),
            pd.DataFrame(),
            {},
            [],
        )
    )
    assert set(res["effects"]) == set(cz.TREATMENTS)
    assert res["joint_effects"][joint]["cells"] == ["Kategori 03/R0"]
    assert res["joint_effects"][joint]["estimate"] == pytest.approx(r["estimate"])
    # the results JSON of the whole question: coverage and inputs first, the board's share last
    from audit_lib.params import CausalityParams

    a = cz.Analysis(
        data,
        s,
        ident,
        est,
        eff.reset_index(),
        pd.DataFrame({"group": [], "estimate": [], "se": [], "ci_low": [], "ci_high": [], "covers_zero": []}),
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame(),
        pd.DataFrame({"group": []}),
        pd.DataFrame(),
        pd.DataFrame(),
        {"coordination_identified": False},
        [],
    )
    share = {"estimate": 0.5, "low": 0.25, "high": 0.75}
    recorded = cz.results(cz.CausalityResult(CausalityParams(), a, {"n_lines": 7}, (), share))
    assert list(recorded) == ["panel_coverage", "assessment_inputs", *res, "board_share"]
    assert recorded["panel_coverage"] == {"n_lines": 7} and recorded["board_share"] == share
    assert recorded["assessment_inputs"] == {"coordination_identified": False}
    assert "board_share" not in cz.results(cz.CausalityResult(CausalityParams(), a, {"n_lines": 7}))


def effects_rows(p_boot: dict, p_f: dict, status: dict | None = None) -> pd.DataFrame:
    """Hand-made effects rows as ``effects_table`` makes them (before ``finalize_effects``)."""
    groups = list(p_boot)
    return pd.DataFrame(
        {
            "group": groups,
            "estimate": -0.04,
            "ci_low": -0.06,
            "ci_high": -0.02,
            "twfe_estimate": -0.04,
            "twfe_difference_p": 0.5,
            "status": [(status or {}).get(g, "separate") for g in groups],
            "pretrend_p": [p_boot[g] for g in groups],
            "pretrend_p_f": [p_f[g] for g in groups],
            "identified": True,
            "separable": True,
            "estimable": True,
            "n_cells": 6,
            "joint_with": [[] for _ in groups],
        }
    )


def test_f_test_rejection_makes_every_effect_associational():
    """The analytic F test rejects for category management while every bootstrap p is about
    0.5 (the demo's case): by default both tests decide, so no effect is read causally, each
    says why, and every test run is recorded."""
    e = effects_rows(
        {"ecommerce": 0.5, "category_management": 0.45, "coordination": 0.52},
        {"ecommerce": 0.3, "category_management": 4.7e-5, "coordination": 0.2},
    )
    eff = cz.apply_design(cz.finalize_effects(e, 0.05), list(cz.TREATMENTS), 0.05)
    assert (eff["interpretation"] == "associational").all() and not eff["identified"].any()
    assert not cz.design_identified(eff, list(cz.TREATMENTS))
    why = cz.identification_reasons(eff)
    assert why["category_management"] == ["pretrend_rejected"]
    assert why["coordination"] == why["ecommerce"] == ["other_initiative"]
    assert cz.reason_groups(eff, list(cz.TREATMENTS)) == {"pretrend_rejected": ["category_management"]}
    keys = dict(
        (v["group"], k) for k, v in cz.conclusions(eff, pd.DataFrame({"group": [], "estimate": [], "covers_zero": []}))
    )
    assert keys["coordination"] == "causality.conclusion_associational_other"
    assert keys["category_management"] == "causality.conclusion_associational_pretrend"
    # with the bootstrap test alone deciding, the same figures are causal
    boot = cz.apply_design(cz.finalize_effects(e, 0.05, tests=("wild_cluster_bootstrap",)), list(cz.TREATMENTS), 0.05)
    assert boot["identified"].all() and cz.design_identified(boot, list(cz.TREATMENTS))
    pre = pd.DataFrame(
        {
            "group": ["category_management"],
            "statistic": [3.1],
            "p_value": [0.45],
            "statistic_f": [9.9],
            "p_value_f": [4.7e-5],
            "n_leads": [6],
        }
    )
    tests = cz.pretrend_tests_table(pre, 0.05)
    assert [(r["test"], r["driver"], r["rejects"]) for r in tests] == [
        ("wild_cluster_bootstrap", "category_management", False),
        ("f_test", "category_management", True),
    ]


def test_too_few_treated_categories_are_not_identified():
    e = effects_rows(
        {"ecommerce": 0.5, "category_management": 0.5, "coordination": 0.5},
        {"ecommerce": 0.5, "category_management": 0.5, "coordination": 0.5},
        {"coordination": "weak"},
    )
    eff = cz.apply_design(cz.finalize_effects(e, 0.05), list(cz.TREATMENTS), 0.05)
    assert cz.identification_reasons(eff)["coordination"] == ["too_few_treated"]
    assert not cz.design_identified(eff, list(cz.TREATMENTS))


# ---------------------------------------------------------------- identification on hand-made cells
def cells_frame(rows):
    c = pd.DataFrame(
        rows, columns=["category", "region", "month__ecommerce", "month__category_management", "month__coordination"]
    )
    c["unit"] = np.arange(len(c))
    c["cluster"] = pd.factorize(c["category"])[0]
    return c


def test_effect_groups_recode_only_coinciding_cells():
    c = cells_frame([("A", "S", 10, 10, 20), ("A", "V", 12, NEVER, 20), ("B", "S", 15, 30, NEVER)])
    out, groups = cz.effect_groups(c, list(cz.TREATMENTS))
    assert groups == ["ecommerce", "category_management", "coordination", "ecommerce+category_management"]
    assert out["start__ecommerce"].tolist() == [NEVER, 12, 15]
    assert out["start__category_management"].tolist() == [NEVER, NEVER, 30]
    assert out["start__ecommerce+category_management"].tolist() == [10, NEVER, NEVER]
    assert out["start__coordination"].tolist() == [20, 20, NEVER]


def test_identification_statuses():
    rows = [(f"K{k}", r, 10 + k, 10 + k, (20 + k) if k < 2 else NEVER) for k in range(5) for r in ("S", "V")]
    c = cells_frame(rows)
    cells, groups = cz.effect_groups(c, list(cz.TREATMENTS))
    frame = pd.DataFrame({"time": np.arange(84)})
    data = cz.CausalityData(frame, cells, list(cz.TREATMENTS), groups, ORIGIN)
    ident = cz.identification(data, min_treated_clusters=3, close_start_months=3).set_index("group")
    assert ident.loc["ecommerce", "status"] == "joint_only" and not ident.loc["ecommerce", "identified"]
    assert ident.loc["category_management", "status"] == "joint_only"
    assert ident.loc["coordination", "status"] == "weak"  # two categories only
    assert ident.loc["ecommerce+category_management", "status"] == "joint"
    assert ident.loc["ecommerce+category_management", "n_clusters"] == 5


def test_close_starts_are_counted():
    c = cells_frame([("A", "S", 10, 12, NEVER), ("A", "V", 10, 30, NEVER), ("B", "S", 40, 41, 43)])
    cells, groups = cz.effect_groups(c, list(cz.TREATMENTS))
    data = cz.CausalityData(pd.DataFrame({"time": np.arange(84)}), cells, list(cz.TREATMENTS), groups, ORIGIN)
    ident = cz.identification(data, 1, 3).set_index("group")
    # pairs within 3 months: A/S (eco, cm), B/S (eco, cm), (eco, coord), (cm, coord): 4 pairs, each counted twice
    assert ident.loc[list(cz.TREATMENTS), "n_close_starts"].sum() == 8


# ---------------------------------------------------------------- money and words
def test_saving_is_counterfactual_spend_minus_spend():
    assert cz._saving(1_000_000, -0.05) == pytest.approx(1_000_000 * (np.exp(0.05) - 1))
    # equals the fall in price times the counterfactual spend
    cf = 1_000_000 * np.exp(0.05)
    assert cz._saving(1_000_000, -0.05) == pytest.approx((1 - np.exp(-0.05)) * cf)
    assert cz._saving(1_000_000, 0.02) < 0
    assert np.isnan(cz._saving(1e6, float("nan")))


def test_board_comparison_sums_the_same_category_and_years():
    p = sim.simulate_staggered(np.random.default_rng(14), CONSTANT)
    panel, rollouts = frames(p)
    data = cz.prepare(panel, rollouts, list(cz.TREATMENTS))
    eff = pd.DataFrame({"group": ["coordination"], "estimate": [-0.05], "ci_low": [-0.06], "ci_high": [-0.04]})
    cat = data.cells.loc[data.cells["month__coordination"] < 84, "category"].iloc[0]
    start = int(data.cells.loc[data.cells["category"] == cat, "month__coordination"].iloc[0])
    first_year = ORIGIN.year + start // 12
    view = pd.DataFrame(
        {
            "category": [cat, cat, cat, "other"],
            "year": [first_year, 2025, first_year - 1, 2025],
            "reported_saving_sek": [100.0, 50.0, 1000.0, 7.0],
            "coordinated": [True, False, True, True],
        }
    )
    b = cz.board_comparison(data, eff, view).set_index("category").loc[cat]
    assert b["reported_sek"] == 150.0 and b["reported_coordinated_sek"] == 100.0
    n_on = 2 * (84 - start)  # both regions from the contract start
    assert b["spend_sek"] == pytest.approx(n_on * 1e6)
    assert b["saving_sek"] == pytest.approx(n_on * 1e6 * (np.exp(0.05) - 1))
    assert b["saving_low_sek"] < b["saving_sek"] < b["saving_high_sek"]


def test_conclusion_texts_exist_with_their_values():
    p = sim.simulate_staggered(
        np.random.default_rng(13),
        CONSTANT,
        coincide=(6, "ecommerce", "category_management", 30),
        pretrend={"category_management": (-0.004, 6)},
    )
    data, ident, est, eff, s = run_question(p, reps=199)
    pl = cz.placebo(data, s)
    out = cz.conclusions(eff.reset_index(), pl)
    keys = {k for k, _ in out}
    assert "causality.conclusion_joint_weak" in keys
    cat = catalog()
    for key, values in out:
        assert key in cat
        assert placeholders(cat[key]["sv"]) <= set(values) | set()
        for lang in ("sv", "en"):
            Texts(lang)(key, **{k: str(v) for k, v in values.items()})


def test_assessment_inputs_name_texts():
    cat = catalog()
    names = [
        "coordination_identified",
        "coordination_estimate",
        "coordination_ci_high",
        "coordination_pretrend_p",
        "coordination_placebo_ok",
        "coordination_estimators_agree",
        "rollout_dates_verified",
    ]
    for n in names:
        assert f"input.{n}" in cat
    eff = pd.DataFrame(
        {
            "group": ["coordination"],
            "identified": [True],
            "estimate": [-0.05],
            "ci_high": [-0.04],
            "pretrend_p": [0.5],
            "twfe_differs": [False],
            "twfe_estimate": [-0.049],
        }
    )
    pl = pd.DataFrame({"group": ["coordination"], "estimate": [0.001], "covers_zero": [True]})
    inputs = cz.assessment_inputs(eff, pl)
    assert set(inputs) == set(names) - {"rollout_dates_verified"}
    assert inputs["coordination_placebo_ok"] is True and inputs["coordination_ci_high"] == -0.04


def test_pooled_se_matches_iid_formula_and_grows_with_autocorrelation():
    """With independent errors the pooled variance is sigma^2 * |a|^2; shared AR shocks raise it."""
    iid = sim.simulate_staggered(np.random.default_rng(21), CONSTANT, sd_cluster_time=0.0, sd_unit_time=0.01)
    im = stg.imputation(iid, 12)
    j = im.index(("coordination", "att"))
    se = linear.pooled_se(im, iid.unit, iid.time, rows=[j])[j]
    naive = 0.01 * np.linalg.norm(im.A[j])
    assert se == pytest.approx(naive, rel=0.25)
    ar = sim.simulate_staggered(np.random.default_rng(21), CONSTANT, sd_cluster_time=0.02, sd_unit_time=0.01)
    im2 = stg.imputation(ar, 12)
    se2 = linear.pooled_se(im2, ar.unit, ar.time, rows=[j])[j]
    assert se2 > 1.5 * se


def test_omitted_initiatives_are_named():
    ro = pd.DataFrame(
        {
            "category": ["A"],
            "region": ["S"],
            "ecommerce_start": [pd.Timestamp(2020, 1, 1)],
            "category_management_start": [pd.NaT],
            "coordinated_contract_start": [pd.Timestamp(2021, 1, 1)],
        }
    )
    assert cz.omitted_treatments(ro, ["coordination"]) == ["ecommerce"]
    assert cz.omitted_treatments(ro, list(cz.TREATMENTS)) == []


# ---------------------------------------------------------------- the one entry point and the page
def test_board_share_is_the_summed_saving_over_the_summed_reported_savings():
    board = pd.DataFrame(
        {
            "category": ["A", "B"],
            "saving_sek": [10.0, 30.0],
            "saving_low_sek": [5.0, 15.0],
            "saving_high_sek": [20.0, 40.0],
            "reported_sek": [150.0, 50.0],
        }
    )
    share = cz.board_share(board)
    assert list(share) == ["estimate", "low", "high"]
    assert share == pytest.approx({"estimate": 0.2, "low": 0.1, "high": 0.3})
    nothing = cz.board_share(board.assign(reported_sek=0.0))
    assert all(np.isnan(v) for v in nothing.values())


class _NoLines(dict):
    """A package without purchase lines (only small tables)."""

    large: dict = {}

    def has(self, name: str) -> bool:
        return name in self


def test_analyse_without_purchase_lines_records_that_data_is_missing():
    from audit_lib.params import CausalityParams
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import causality as page

    res = cz.analyse(_NoLines(rollouts=pd.DataFrame()), CausalityParams(), seed=1)
    assert not res.available and res.inputs is None
    assert cz.results(res) == {"effects": {}, "data_missing": True}
    t, f = Texts("en"), Formatter("en")
    assert [str(h) for h in page.no_data(res, t)] == [
        str(h) for h in [page.d.callout(t("causality.no_data"), "warning")]
    ]
    for part in (
        page.data,
        page.identification,
        page.effects,
        page.event_studies,
        page.diagnostics,
        page.warnings,
        page.money,
        page.conclusions,
    ):
        assert part(res, t, f) == []
    assert page.assessment_text(res, t, f) == {} and page.assessment_question(res, t) == []


def test_page_values_as_the_notebook_showed_them():
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import causality as page

    t, f = Texts("en"), Formatter("en")
    assert page.label("coordination", t) == "Coordinated contract"
    assert page.label("ecommerce+category_management", t) == "E-commerce + Category management (jointly)"
    assert page.pct(np.log(0.95), f) == "-5.0%"
    assert page.pct(1e-7, f) == "0.0%"  # a tiny change is no change, not "-0.0%"
    show = lambda x: page.pct(x, f)  # noqa: E731
    assert page.with_interval(np.log(0.95), np.log(0.9), 0.0, show) == "-5.0% (-10.0% – 0.0%)"
    assert page.with_interval(np.log(0.95), float("nan"), 0.0, show) == "-5.0% (–)"
    assert page.with_interval(float("nan"), 0.0, 0.0, show) == "–"
    assert page.mn(12_345_678, f) == "12.3"
    values = page.conclusion_values(
        {
            "group": "coordination",
            "others": ["ecommerce", "category_management"],
            "low_pct": -0.0512,
            "p": 0.01234,
            "n_cells": 12,
        },
        t,
        f,
    )
    assert values == {
        "group": "Coordinated contract",
        "others": "E-commerce, Category management",
        "low_pct": "-5.1%",
        "p": "0.012",
        "n_cells": "12",
    }
    show_input = page.INPUTS.bind(t, f)  # as the notebook's show_input: booleans, missing, three decimals
    assert [
        show_input("coordination_identified", True),
        show_input("coordination_placebo_ok", None),
        show_input("coordination_estimate", -0.04567),
        show_input("x_share", 0.5),
    ] == [t("common.yes"), "–", "-0.046", "0.500"]

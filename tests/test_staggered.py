"""Group-time effects (audit_lib.stats.staggered): known effects on simulated panels, the
published mpdta results of Callaway and Sant'Anna (2021) / the R package ``did``, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from audit_lib.stats import randomization
from audit_lib.stats.staggered import PanelError, att_gt

GROUPS = {4: lambda e: 1.0 + 0.5 * e, 6: lambda e: np.full_like(e, 2.0, dtype=float)}


def simulated(n_units: int = 600, periods: int = 8, seed: int = 1, pre_trend: float = 0.0) -> pd.DataFrame:
    """Unit and period effects, noise, and effects by event time per group (4, 6, never)."""
    rng = np.random.default_rng(seed)
    g = rng.choice([4, 6, 0], size=n_units, p=[0.3, 0.3, 0.4])
    rows = []
    level = rng.normal(0, 1, n_units)
    trend = rng.normal(0, 1, periods + 1)
    for i in range(n_units):
        for t in range(1, periods + 1):
            y = level[i] + trend[t] + rng.normal(0, 0.5)
            if g[i] and t >= g[i]:
                y += GROUPS[g[i]](np.array(t - g[i]))
            if g[i]:
                y += pre_trend * t
            rows.append((i, t, y, g[i]))
    return pd.DataFrame(rows, columns=["unit", "time", "y", "g"])


def truth(group: int, time: int) -> float:
    return float(GROUPS[group](np.array(time - group))) if time >= group else 0.0


def test_known_effects_within_intervals():
    r = att_gt(simulated(), "unit", "time", "y", "g")
    cells = r.att_gt
    true = np.array([truth(int(g), int(t)) for g, t in zip(cells["group"], cells["time"])])
    z = (cells["att"] - true) / cells["se"]
    assert (z.abs() < 3.5).all(), cells.assign(true=true)
    assert ((cells["low"] <= true) & (true <= cells["high"])).mean() >= 0.8
    # simple: group-size weighted post cells; both groups are equally likely, so roughly the
    # unweighted mean of the post-cell truths
    post = cells[cells["event_time"] >= 0]
    pg = post["n_treated"]
    simple_true = float(np.average([truth(int(g), int(t)) for g, t in zip(post["group"], post["time"])], weights=pg))
    s = r.aggregates["simple"]
    assert abs(s["estimate"] - simple_true) < 3.5 * s["se"]
    assert r.pretrend["p_value"] > 0.001 and r.pretrend_event["p_value"] > 0.001


def test_pretrend_detected_and_notyet_controls():
    r = att_gt(simulated(pre_trend=0.3), "unit", "time", "y", "g")
    assert r.pretrend["p_value"] < 1e-6 and r.pretrend_event["p_value"] < 1e-6
    assert r.pretrend_event["n_estimates"] == 4  # event times -4 .. -1
    clean = att_gt(simulated(), "unit", "time", "y", "g", control="notyet")
    assert clean.meta["control"] == "notyet"
    # with not-yet-treated controls, group 4's cells before period 6 use group 6 as controls too
    c = clean.att_gt.set_index(["group", "time"])
    never = att_gt(simulated(), "unit", "time", "y", "g").att_gt.set_index(["group", "time"])
    assert c.loc[(4, 4), "n_control"] > never.loc[(4, 4), "n_control"]
    assert abs(c.loc[(4, 4), "att"] - truth(4, 4)) < 3.5 * c.loc[(4, 4), "se"]


def test_bootstrap_se_close_to_analytic_and_seeded():
    data = simulated(n_units=300)
    a = att_gt(data, "unit", "time", "y", "g")
    b1 = att_gt(data, "unit", "time", "y", "g", se="bootstrap", seed=7)
    b2 = att_gt(data, "unit", "time", "y", "g", se="bootstrap", seed=7)
    assert b1.att_gt["se"].equals(b2.att_gt["se"])
    ratio = b1.att_gt["se"] / a.att_gt["se"]
    assert ratio.between(0.8, 1.25).all()


def test_unbalanced_panel_uses_units_seen_in_both_periods():
    data = simulated(n_units=300)
    holes = data.drop(data.sample(frac=0.1, random_state=3).index)
    r = att_gt(holes, "unit", "time", "y", "g")
    full = att_gt(data, "unit", "time", "y", "g")
    assert (r.att_gt["n_treated"] <= full.att_gt["n_treated"]).all()
    assert r.att_gt["att"].notna().all()


def test_first_period_adopters_dropped_and_late_adopters_never_treated():
    data = simulated(n_units=200)
    data.loc[data["unit"] == 0, "g"] = 1
    data.loc[data["unit"] == 1, "g"] = 99
    r = att_gt(data, "unit", "time", "y", "g")
    assert r.meta["dropped_first_period"] == 1 and r.meta["adopted_after_last"] == 1


def test_bad_panels_named():
    data = simulated(n_units=20)
    with pytest.raises(PanelError, match="'nope'"):
        att_gt(data, "unit", "time", "nope", "g")
    bad = data.copy()
    bad.loc[3, "g"] = 5 if bad.loc[3, "g"] != 5 else 4
    with pytest.raises(PanelError, match="constant within each unit"):
        att_gt(bad, "unit", "time", "y", "g")
    dup = pd.concat([data, data.iloc[[0]]])
    with pytest.raises(PanelError, match="more than one row"):
        att_gt(dup, "unit", "time", "y", "g")
    with pytest.raises(PanelError, match="never-treated"):
        att_gt(data[data["g"] > 0], "unit", "time", "y", "g")


def test_few_treated_units_get_randomization_inference():
    data = simulated(n_units=120, seed=4)
    treated = data.loc[data["g"] > 0, "unit"].unique()
    data = data[(data["g"] == 0) | data["unit"].isin(treated[:2])]
    r = att_gt(data, "unit", "time", "y", "g", min_treated_clusters=10, reps=199, seed=3)
    assert r.meta["inference"] == "randomization"
    ri = r.randomization
    assert ri["draws"] == 199 and not ri["exact"]
    assert ri["low"] < r.aggregates["simple"]["estimate"] < ri["high"]
    assert ri["p_value"] < 0.05  # effects of 1-2.5 against noise 0.5
    again = att_gt(data, "unit", "time", "y", "g", min_treated_clusters=10, reps=199, seed=3)
    assert again.randomization == ri
    many = att_gt(simulated(n_units=120, seed=4), "unit", "time", "y", "g", min_treated_clusters=10)
    assert many.meta["inference"] == "cluster_robust" and many.randomization is None


def test_randomization_exact_when_few_untreated():
    assignments, exact = randomization.placebo_assignments(["a", "b", "c"], [5], reps=99)
    assert exact and len(assignments) == 3
    out = randomization.randomization_inference(2.0, [0.5, -1.0, 3.0], exact=True)
    assert out["p_value"] == pytest.approx(2 / 4) and out["draws"] == 3


# ---------------------------------------------------------------- mpdta (published results)
PUBLISHED = {  # group -> ATT(g, t) for t = 2004 .. 2007 (README of ../shared/data)
    2004: [-0.0105, -0.0704, -0.1373, -0.1008],
    2006: [0.0065, -0.0028, -0.0046, -0.0412],
    2007: [0.0305, -0.0027, -0.0311, -0.0261],
}


@pytest.fixture(scope="module")
def mpdta(shared_data):
    path = shared_data / "mpdta" / "mpdta.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return pd.read_csv(path)


def test_mpdta_group_time_effects_to_four_decimals(mpdta):
    r = att_gt(mpdta, "countyreal", "year", "lemp", "first.treat")
    got = r.att_gt.set_index(["group", "time"])["att"]
    assert len(got) == 12
    for g, values in PUBLISHED.items():
        for t, v in zip(range(2004, 2008), values):
            assert round(got[(g, t)], 4) == v, (g, t, got[(g, t)])


def test_mpdta_aggregates_and_pretest(mpdta):
    r = att_gt(mpdta, "countyreal", "year", "lemp", "first.treat")
    assert round(r.aggregates["simple"]["estimate"], 4) == -0.0400
    assert round(r.aggregates["event_time"]["estimate"], 4) == -0.0772
    assert round(r.aggregates["group"]["estimate"], 4) == -0.0310
    assert r.pretrend["df"] == 5
    assert round(r.pretrend["p_value"], 4) == 0.1681  # did's reported Wald pre-test: 0.16812
    for a in r.aggregates.values():
        assert a["low"] < a["estimate"] < a["high"] and a["se"] > 0


def test_weights_act_as_frequency_weights_and_clusters_group_units():
    data = simulated(n_units=200, seed=5)
    w = (data["unit"] % 3 + 1).astype(float)
    weighted = att_gt(data.assign(w=w), "unit", "time", "y", "g", weights="w")
    copies = pd.concat([data[w >= k].assign(unit=lambda x, k=k: x["unit"] * 10 + k) for k in (1, 2, 3)])
    duplicated = att_gt(copies, "unit", "time", "y", "g")
    assert weighted.att_gt["att"].to_numpy() == pytest.approx(duplicated.att_gt["att"].to_numpy())
    assert weighted.aggregates["simple"]["estimate"] == pytest.approx(duplicated.aggregates["simple"]["estimate"])
    # clustering by a column equal to the unit changes nothing; coarser clusters change the se
    by_unit = att_gt(data.assign(c=data["unit"]), "unit", "time", "y", "g", cluster="c")
    plain = att_gt(data, "unit", "time", "y", "g")
    assert by_unit.att_gt["se"].to_numpy() == pytest.approx(plain.att_gt["se"].to_numpy())
    coarse = att_gt(data.assign(c=data["unit"] // 10), "unit", "time", "y", "g", cluster="c")
    assert coarse.meta["n_clusters"] == 20 and not np.allclose(coarse.att_gt["se"], plain.att_gt["se"])


# mpdta with log population as covariate, outcome regression: the reference implementation's
# figures (moderndid 0.2.0, att_gt(..., xformla="~lpop", est_method="reg", boot=False), the
# Python port of R's did; computed once and kept here): (att, se) per (group, time) and aggregate.
MPDTA_LPOP_REG = {
    (2004, 2004): (-0.014911, 0.022056),
    (2004, 2005): (-0.076996, 0.028360),
    (2004, 2006): (-0.141080, 0.034836),
    (2004, 2007): (-0.107544, 0.032738),
    (2006, 2004): (-0.002066, 0.022122),
    (2006, 2005): (-0.006968, 0.018346),
    (2006, 2006): (0.000766, 0.019196),
    (2006, 2007): (-0.041536, 0.019717),
    (2007, 2004): (0.026366, 0.014019),
    (2007, 2005): (-0.004760, 0.015670),
    (2007, 2006): (-0.028502, 0.018132),
    (2007, 2007): (-0.028789, 0.016168),
}
MPDTA_LPOP_AGG = {"simple": (-0.041969, 0.011445), "event_time": (-0.080782, 0.018746), "group": (-0.032929, 0.011860)}


def test_mpdta_with_a_covariate_matches_the_reference_implementation(mpdta):
    r = att_gt(mpdta, "countyreal", "year", "lemp", "first.treat", covariates=("lpop",))
    got = r.att_gt.set_index(["group", "time"])
    for (g, t), (att, se) in MPDTA_LPOP_REG.items():
        assert got.loc[(g, t), "att"] == pytest.approx(att, abs=1e-6), (g, t)
        assert got.loc[(g, t), "se"] == pytest.approx(se, abs=1e-6), (g, t)
    for name, (est, se) in MPDTA_LPOP_AGG.items():
        assert r.aggregates[name]["estimate"] == pytest.approx(est, abs=1e-6), name
        assert r.aggregates[name]["se"] == pytest.approx(se, abs=1e-6), name
    assert r.meta["covariates"] == ["lpop"]


# mpdta with log population, doubly robust (did's default est_method = "dr"): the reference
# implementation's figures (moderndid 0.2.0, att_gt(..., xformla="~lpop", est_method="dr",
# boot=False) and aggte(..., boot=False); computed once and kept here). Ours agree to 1e-14.
MPDTA_LPOP_DR = {
    (2004, 2004): (-0.014530, 0.022129),
    (2004, 2005): (-0.076422, 0.028671),
    (2004, 2006): (-0.140448, 0.035378),
    (2004, 2007): (-0.106904, 0.032886),
    (2006, 2004): (-0.000472, 0.022223),
    (2006, 2005): (-0.006203, 0.018496),
    (2006, 2006): (0.000961, 0.019400),
    (2006, 2007): (-0.041294, 0.019721),
    (2007, 2004): (0.026728, 0.014066),
    (2007, 2005): (-0.004577, 0.015718),
    (2007, 2006): (-0.028447, 0.018181),
    (2007, 2007): (-0.028781, 0.016239),
}
MPDTA_LPOP_DR_AGG = {
    "never": {"simple": (-0.041752, 0.011503), "event_time": (-0.080354, 0.018958), "group": (-0.032820, 0.011898)},
    "notyet": {"simple": (-0.041352, 0.011428), "event_time": (-0.079993, 0.018494), "group": (-0.032264, 0.011983)},
}


def test_mpdta_doubly_robust_matches_the_reference_implementation(mpdta):
    r = att_gt(mpdta, "countyreal", "year", "lemp", "first.treat", covariates=("lpop",), method="dr")
    got = r.att_gt.set_index(["group", "time"])
    for (g, t), (att, se) in MPDTA_LPOP_DR.items():
        assert got.loc[(g, t), "att"] == pytest.approx(att, abs=1e-6), (g, t)
        assert got.loc[(g, t), "se"] == pytest.approx(se, abs=1e-6), (g, t)
    assert r.meta["method"] == "dr"
    for control, aggs in MPDTA_LPOP_DR_AGG.items():
        res = (
            r
            if control == "never"
            else att_gt(
                mpdta, "countyreal", "year", "lemp", "first.treat", covariates=("lpop",), method="dr", control=control
            )
        )
        for name, (est, se) in aggs.items():
            assert res.aggregates[name]["estimate"] == pytest.approx(est, abs=1e-6), (control, name)
            assert res.aggregates[name]["se"] == pytest.approx(se, abs=1e-6), (control, name)
    # the bootstrap carries over: close to the analytic standard errors, and seeded
    boot = att_gt(
        mpdta,
        "countyreal",
        "year",
        "lemp",
        "first.treat",
        covariates=("lpop",),
        method="dr",
        se="bootstrap",
        reps=999,
        seed=4,
    )
    assert boot.att_gt["att"].to_numpy() == pytest.approx(r.att_gt["att"].to_numpy())
    assert boot.att_gt["se"].to_numpy() == pytest.approx(r.att_gt["se"].to_numpy(), rel=0.15)


def confounded(n_units: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Trends depend on a unit characteristic x, and adopters have larger x: parallel trends hold
    only given x. The effect is 1.0 from adoption (period 3) on."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n_units)
    g = np.where(rng.random(n_units) < 1 / (1 + np.exp(-2 * x)), 3, 0)
    rows = []
    for i in range(n_units):
        for t in (1, 2, 3, 4):
            y = x[i] + 0.5 * x[i] * t + rng.normal(0, 0.3) + (1.0 if g[i] and t >= g[i] else 0.0)
            rows.append((i, t, y, g[i], x[i]))
    return pd.DataFrame(rows, columns=["unit", "time", "y", "g", "x"])


def test_covariates_remove_a_trend_the_covariate_explains():
    data = confounded()
    plain = att_gt(data, "unit", "time", "y", "g")
    adjusted = att_gt(data, "unit", "time", "y", "g", covariates=("x",))
    # without x, the adopters' steeper trend shows as an effect and as a failed pre-trend test
    assert plain.aggregates["simple"]["estimate"] > 1.3 and plain.pretrend["p_value"] < 0.01
    a = adjusted.aggregates["simple"]
    assert a["low"] < 1.0 < a["high"] and abs(a["estimate"] - 1.0) < 0.05
    assert adjusted.pretrend["p_value"] > 0.01


def test_an_intercept_alone_is_the_plain_difference_in_means():
    from audit_lib.stats.staggered.cells import _regression_cell

    rng = np.random.default_rng(0)
    n = 50
    w, dy = rng.uniform(0.5, 2, n), rng.normal(size=n)
    d = np.arange(n) < 20
    c = ~d
    att, inf = _regression_cell(np.ones((n, 1)), w, d, c, dy)
    p1, p0 = (w * d).sum() / n, (w * c).sum() / n
    m1, m0 = (w * d * dy).sum() / (n * p1), (w * c * dy).sum() / (n * p0)
    assert att == pytest.approx(m1 - m0)
    assert inf == pytest.approx(w * d * (dy - m1) / p1 - w * c * (dy - m0) / p0)


def test_bad_covariates_named():
    data = confounded(n_units=40)
    data.loc[5, "x"] = None
    with pytest.raises(PanelError, match=r"covariate 'x'.*rows \[5\]"):
        att_gt(data, "unit", "time", "y", "g", covariates=("x",))
    data = confounded(n_units=40)
    data.loc[5, "x"] += 1  # changes within unit 1
    with pytest.raises(PanelError, match="'x' must be constant within each unit"):
        att_gt(data, "unit", "time", "y", "g", covariates=("x",))
    with pytest.raises(PanelError, match="'z'"):
        att_gt(data, "unit", "time", "y", "g", covariates=("z",))


def test_doubly_robust_right_when_either_model_is():
    """The adopters' probability depends on x, and the trend on x squared. Outcome regression
    on x alone misses the trend; the doubly robust estimator, whose propensity model (logit in
    x) is right, does not. Without covariates both reduce to the plain difference in means."""
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(0, 1, n)
    g = np.where(rng.random(n) < 1 / (1 + np.exp(-0.8 * x)), 3, 0)
    t = np.tile([1, 2, 3, 4], n)
    i = np.repeat(np.arange(n), 4)
    y = x[i] ** 2 * t + rng.normal(0, 0.3, 4 * n) + np.where((g[i] > 0) & (t >= 3), 1.0, 0.0)
    data = pd.DataFrame({"unit": i, "time": t, "y": y, "g": g[i], "x": x[i]})
    reg = att_gt(data, "unit", "time", "y", "g", covariates=("x",), method="reg").aggregates["simple"]
    dr = att_gt(data, "unit", "time", "y", "g", covariates=("x",), method="dr").aggregates["simple"]
    assert not reg["low"] < 1.0 < reg["high"] and reg["estimate"] > 1.5  # outcome regression alone: biased
    assert dr["low"] < 1.0 < dr["high"] and abs(dr["estimate"] - 1.0) < 0.15
    plain = att_gt(data, "unit", "time", "y", "g", method="dr")
    assert plain.att_gt["att"].to_numpy() == pytest.approx(
        att_gt(data, "unit", "time", "y", "g").att_gt["att"].to_numpy()
    )
    assert plain.meta["method"] is None


def test_doubly_robust_cell_without_overlap_not_estimable_and_bad_method_named():
    from audit_lib.stats.staggered.cells import _dr_cell, logit

    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(60), rng.normal(size=60)])
    y = (X[:, 1] + rng.normal(0, 0.5, 60) > 0).astype(float)
    p = logit(X, y, np.ones(60))
    import statsmodels.api as sm  # the known answer: the textbook fit

    assert p == pytest.approx(sm.Logit(y, X).fit(disp=0).predict(X), abs=1e-8)
    d = X[:, 1] > 0.5  # adopters perfectly separated by x: no comparable controls
    att, inf = _dr_cell(X, np.ones(60), d, ~d, rng.normal(size=60))
    assert np.isnan(att) and not inf.any()
    with pytest.raises(PanelError, match="method must be 'reg' or 'dr'"):
        att_gt(confounded(n_units=40), "unit", "time", "y", "g", covariates=("x",), method="ipw")

"""The imputation estimator, TWFE and the pre-trend fit through the general long-panel
interface (``audit_lib.stats.staggered.rollout_panel``): known answers on a hand-made panel."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from audit_lib.stats import staggered as stg

# five units over six periods; a starts in w at 2 and in x at 3, b in x at 4 and in y at 2
Y = np.array(
    [
        [1.0, 1.2, 1.1, 1.4, 1.5, 1.3],
        [2.0, 2.3, 1.9, 2.0, 2.2, 2.1],
        [0.5, 0.6, 0.8, 0.4, 0.2, 0.3],
        [1.5, 1.4, 1.0, 1.2, 1.1, 1.3],
        [0.9, 1.1, 1.0, 1.3, 1.2, 1.4],
    ]
)


def long_table() -> pd.DataFrame:
    unit = np.repeat(np.arange(5), 6)
    return pd.DataFrame(
        {
            "unit": np.array(list("vwxyz"))[unit],
            "period": np.tile(np.arange(6), 5),
            "y": Y.ravel(),
            "cluster": np.array([0, 0, 1, 1, 2])[unit],
            "a": np.array([np.nan, 2, 3, np.nan, np.nan])[unit],
            "b": np.array([np.nan, np.nan, 4, 2, np.nan])[unit],
        }
    )


def fractions(values: np.ndarray) -> list[Fraction]:
    return [Fraction(float(v)).limit_denominator(10_000) for v in values]


def test_imputation_with_two_treatments_gives_the_estimates_of_the_question_estimator():
    """The same figures as the causality question's estimator gave before it moved into the
    general library (stats/did.py at b8a7d53); they are exact fractions of the data."""
    p = stg.rollout_panel(long_table(), "unit", "period", "y", ["a", "b"], cluster="cluster")
    im = stg.imputation(p, 2)
    assert im.names == [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1), ("b", 2), ("a", "att"), ("b", "att")]
    expected = ["-13/30", "-52/135", "-41/150", "-119/270", "-211/450", "-26/45", "-3317/9450", "-1004/2025"]
    assert fractions(im.estimate) == [Fraction(x) for x in expected]
    assert np.allclose(im.estimate, [float(Fraction(x)) for x in expected], rtol=0, atol=1e-12)
    assert im.meta["n_by_target"] == [2, 2, 3, 2, 2, 2, 7, 6]
    assert im.meta["n_not_imputable"] == 0
    assert im.n_clusters == 3
    assert fractions(stg.twfe_static(p).estimate) == [Fraction(-1222, 3875), Fraction(-3281, 7750)]
    leads = stg.pretrend_fit(p, 2).leads
    assert leads.names == [("a", -1), ("a", -2), ("b", -1), ("b", -2)]
    assert np.allclose(leads.estimate, [0.0, -0.1, -0.1, 0.2], atol=1e-12)


def test_named_treatments_and_codes():
    df = long_table().sample(frac=1.0, random_state=3)  # row order does not matter
    p = stg.rollout_panel(df, "unit", "period", "y", {"first": "a", "second": "b"})
    assert p.groups == ["first", "second"]
    assert p.starts["first"].tolist() == [stg.NEVER, 2, 3, stg.NEVER, stg.NEVER]
    assert sorted(set(p.cluster.tolist())) == [0, 1, 2, 3, 4]  # default cluster: the unit
    im = stg.imputation(p, 2)
    assert im.estimate[im.index(("first", "att"))] == pytest.approx(-3317 / 9450, abs=1e-12)


def test_frequency_weights_equal_repeated_observations():
    """Weight 2 on an observation gives the estimate of the panel with it twice."""
    df = long_table()
    df["w"] = 1.0
    twice = [1, 8, 14, 20]  # untreated and treated rows
    df.loc[twice, "w"] = 2.0
    p = stg.rollout_panel(df, "unit", "period", "y", ["a", "b"], weights="w", cluster="cluster")
    q = stg.rollout_panel(df.assign(w=1.0), "unit", "period", "y", ["a", "b"], cluster="cluster")
    rows = np.r_[np.arange(len(df)), twice]
    dup = stg.RolloutPanel(q.y[rows], q.unit[rows], q.time[rows], q.cluster[rows], q.starts)
    for fit in (lambda x: stg.imputation(x, 2), stg.twfe_static, lambda x: stg.pretrend_fit(x, 2).leads):
        assert np.allclose(fit(p).estimate, fit(dup).estimate, atol=1e-12)
    assert not np.allclose(stg.imputation(p, 2).estimate, stg.imputation(q, 2).estimate)


def test_bad_rollout_panels_named():
    df = long_table()
    with pytest.raises(stg.PanelError, match="'start'"):
        stg.rollout_panel(df, "unit", "period", "y", "start")
    bad = df.copy()
    bad.loc[7, "a"] = 3  # unit w's start differs between rows
    with pytest.raises(stg.PanelError, match="'a' must be constant within each unit; unit 'w'"):
        stg.rollout_panel(bad, "unit", "period", "y", ["a"])
    bad = df.copy()
    bad.loc[4, "y"] = np.nan
    with pytest.raises(stg.PanelError, match=r"'y' must be a number in every row; rows \[4\]"):
        stg.rollout_panel(bad, "unit", "period", "y", ["a"])
    bad = df.copy()
    bad.loc[5, "a"] = 2.5
    with pytest.raises(stg.PanelError, match="'a'"):
        stg.rollout_panel(bad.assign(a=bad.groupby("unit")["a"].transform("max")), "unit", "period", "y", "a")
    with pytest.raises(stg.PanelError, match=r"more than one row per 'unit' and 'period'"):
        stg.rollout_panel(pd.concat([df, df.iloc[[3]]]), "unit", "period", "y", "a")
    with pytest.raises(stg.PanelError, match="'w' must be positive"):
        stg.rollout_panel(df.assign(w=0.0), "unit", "period", "y", "a", weights="w")


# ---------------------------------------------------------------- leave one cluster out


def refit_loo(fit, p: stg.RolloutPanel, codes: np.ndarray) -> np.ndarray:
    """The reference: each estimator refitted on the panel without each cluster in turn (NaN
    where the refit marks a target not estimable)."""
    out = []
    for c in codes:
        est = fit(p.subset(p.cluster != c))
        out.append(np.where(est.estimable, est.estimate, np.nan))
    return np.array(out)


def assert_same_loo(p: stg.RolloutPanel, pre: int, post: int) -> None:
    """Every closed-form leave-one-cluster-out estimate equals the brute-force refit to 1e-10,
    with the same targets not estimable."""
    codes = np.unique(p.cluster)
    pairs = [
        (refit_loo(lambda q: stg.imputation(q, post), p, codes), stg.loo.imputation_loo(p, post, codes)),
        (refit_loo(stg.twfe_static, p, codes), stg.loo.twfe_static_loo(p, codes)),
        (
            refit_loo(lambda q: stg.twfe_event_study(q, pre, post), p, codes),
            stg.loo.twfe_event_study_loo(p, pre, post, codes),
        ),
        (refit_loo(lambda q: stg.pretrend_fit(q, pre).leads, p, codes), stg.loo.leads_loo(p, pre, codes)),
    ]
    for ref, fast in pairs:
        assert ref.shape == fast.shape
        assert np.array_equal(np.isnan(ref), np.isnan(fast))
        assert np.allclose(ref, fast, rtol=0, atol=1e-10, equal_nan=True)


def test_leave_one_cluster_out_equals_the_refits_on_the_hand_made_panel():
    """Without cluster 1 (units x and y) treatment b has no treated observation left: its
    targets are not estimable there, in the refit and in the closed form alike."""
    p = stg.rollout_panel(long_table(), "unit", "period", "y", ["a", "b"], cluster="cluster")
    assert_same_loo(p, 2, 2)
    fast = stg.loo.imputation_loo(p, 2, np.array([0, 1, 2]))
    names = stg.loo.imputation_names(p, 2)
    assert names == stg.imputation(p, 2).names
    assert np.isnan(fast[1, names.index(("b", "att"))]) and not np.isnan(fast[1, names.index(("a", "att"))])
    # by hand: without cluster 2 (unit z) the estimate is the imputation estimator of four units
    sub = stg.rollout_panel(long_table().query("cluster != 2"), "unit", "period", "y", ["a", "b"])
    assert fast[2] == pytest.approx(stg.imputation(sub, 2).estimate, abs=1e-12)


def test_leave_one_cluster_out_with_weights_and_non_imputable_observations():
    """Weighted fits; a period whose only untreated observation is in one cluster (period 5:
    unit z, cluster 2), so that without it the treated observations of that period cannot be
    imputed."""
    df = long_table()
    df["w"] = 1.0 + (np.arange(len(df)) % 4) / 2
    df = df[~((df["period"] == 5) & (df["unit"] == "v"))]
    p = stg.rollout_panel(df, "unit", "period", "y", ["a", "b"], weights="w", cluster="cluster")
    assert_same_loo(p, 2, 2)
    assert stg.imputation(p, 2).meta["n_not_imputable"] == 0
    without_z = stg.imputation(p.subset(p.cluster != 2), 2)
    assert without_z.meta["n_not_imputable"] == 3  # w, x and y in period 5


def test_leave_one_cluster_out_equals_the_refits_on_a_simulated_panel():
    """A simulated panel with a known constant effect (twelve clusters, three treatments, two
    starting together in one unit): the closed form equals the refits, and the jackknife
    interval from it equals the refitting jackknife's."""
    from audit_lib.stats import linear
    from audit_lib.stats import simulate as sim

    effects = {
        "ecommerce": sim.constant(-0.04),
        "category_management": sim.constant(-0.02),
        "coordination": sim.constant(-0.05),
    }
    p = sim.simulate_staggered(
        np.random.default_rng(11), effects, n_clusters=12, coincide=(3, "ecommerce", "coordination", 30)
    )
    assert_same_loo(p, 6, 12)
    im = stg.imputation(p, 12)
    ref = linear.jackknife_interval(im, lambda m: stg.imputation(p.subset(m), 12), 0.95)
    fast = linear.jackknife_from_loo(im, stg.loo.imputation_loo(p, 12, linear.jackknife_clusters(im)), 0.95)
    assert np.allclose(ref.se, fast.se, rtol=0, atol=1e-10, equal_nan=True)
    assert ref.n_clusters == fast.n_clusters == 12
    att = im.index(("coordination", "att"))
    assert abs(im.estimate[att] - (-0.05)) < 3 * fast.se[att]  # the known effect inside the interval

"""Causality, step 2: the main estimates.

The imputation estimator (robust to effects that vary over time and between cells) and two-way
fixed effects (statsmodels, cluster-robust by category) side by side, event studies and the
pre-trend tests; intervals by the cluster jackknife where clusters are few.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: 0.7 s less to import
from scipy import stats

from ...params import CausalityParams
from ...stats import linear, staggered
from ...stats.staggered import RolloutPanel
from ...stats.threads import single_threaded_blas
from .identify import CausalityData


def _rng(seed: int, k: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), k])


def _interval_frame(est: linear.LinearEstimate, iv: linear.Interval) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "target": est.names,
            "estimate": iv.estimate,
            "se": iv.se,
            "ci_low": iv.low,
            "ci_high": iv.high,
            "p_value": iv.p_value,
            "ci_method": iv.method,
            "n_clusters": iv.n_clusters,
            "estimable": est.estimable,
        }
    )


def twfe_statsmodels(p: RolloutPanel) -> pd.DataFrame:
    """Static TWFE with statsmodels: OLS on unit and month dummies and one dummy per group,
    cluster-robust (CR1) by cluster. Columns ``group, estimate, se, n_clusters, estimable``."""
    u = pd.get_dummies(pd.Categorical(p.unit), prefix="u", dtype=float)
    t = pd.get_dummies(pd.Categorical(p.time), prefix="t", drop_first=True, dtype=float)
    D = pd.DataFrame({g: p.active(g).astype(float) for g in p.groups})
    keep = [g for g in p.groups if D[g].any() and not D[g].all()]
    X = pd.concat([u, t, D[keep]], axis=1)
    fit = OLS(p.y, X).fit(cov_type="cluster", cov_kwds={"groups": p.cluster})
    rows = []
    rank_ok = np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
    for g in p.groups:
        ok = g in keep and rank_ok
        rows.append(
            {
                "group": g,
                "estimate": float(fit.params[g]) if ok else np.nan,
                "se": float(fit.bse[g]) if ok else np.nan,
                "estimable": ok,
            }
        )
    out = pd.DataFrame(rows)
    out["n_clusters"] = int(len(np.unique(p.cluster)))
    return out


@dataclass(frozen=True)
class Settings:
    """The estimation settings (from ``CausalityParams``, the run's seed and significance level)."""

    pre: int = 6  # leads in the event study and the pre-trend test
    post: int = 12  # event times 0 .. post - 1 one by one, post and later pooled
    level: float = 0.95
    reps: int = 999  # wild bootstrap replications
    seed: int = 0
    few_clusters_below: int = 30  # fewer clusters: jackknife intervals, bootstrap p-values
    min_treated_clusters: int = 3  # fewer treated clusters: identification is weak
    placebo_shift: int = 12
    naive_window: int = 12
    divergence_share: float = 0.2  # TWFE differs materially: by more than this share of the robust estimate
    divergence_min: float = 0.005  # ... and by more than this (on the log price)
    tests: tuple[str, ...] = ("wild_cluster_bootstrap", "f_test")  # pre-trend tests that decide identification

    @property
    def alpha(self) -> float:
        return 1.0 - self.level


def settings_from(section: CausalityParams, seed: int, significance_level: float) -> Settings:
    """Settings from a ``CausalityParams`` section."""
    return Settings(
        pre=-int(section.event_window[0]),
        post=int(section.event_window[1]),
        level=1 - significance_level,
        reps=int(section.bootstrap_reps),
        seed=int(seed),
        few_clusters_below=int(section.few_clusters_below),
        min_treated_clusters=int(section.min_treated_clusters),
        placebo_shift=int(section.placebo_shift_months),
        naive_window=int(section.naive_window_months),
        divergence_share=float(section.divergence_share),
        divergence_min=float(section.divergence_min),
        tests=tuple(section.identification_tests),
    )


@dataclass
class Estimates:
    effects: pd.DataFrame  # robust estimator: one row per group
    twfe: pd.DataFrame  # TWFE (statsmodels SE; interval as for the robust estimator)
    event_study: pd.DataFrame  # group, event_time, estimator, estimate, se, ci_low, ci_high, n
    pretrend: pd.DataFrame  # group, statistic, p_value (bootstrap), statistic_f, p_value_f (F test), n_leads
    meta: dict[str, Any] = field(default_factory=dict)


def weak_groups(p: RolloutPanel, min_treated_clusters: int) -> list[str]:
    """Groups on in at least one but fewer than ``min_treated_clusters`` clusters."""
    out = []
    for g in p.groups:
        k = len(np.unique(p.cluster[p.active(g)]))
        if 0 < k < min_treated_clusters:
            out.append(g)
    return out


def _pooled_rows(
    est: linear.LinearEstimate, p: RolloutPanel, fr: pd.DataFrame, groups: list[str], level: float
) -> pd.DataFrame:
    """Replace the intervals of the targets of ``groups`` (treated in too few clusters) by
    intervals from the pooled error covariance (``linear.pooled_se``), t with G - 1 df."""
    rows = [k for k, nm in enumerate(est.names) if (nm[0] if isinstance(nm, tuple) else nm) in groups]
    if not rows:
        return fr
    se = linear.pooled_se(est, p.unit, p.time, rows=rows)
    df = max(est.n_clusters - 1, 1)
    q = stats.t.ppf(0.5 + level / 2, df)
    fr = fr.copy()
    th, sk = fr["estimate"].to_numpy()[rows], se[rows]
    fr.loc[rows, "se"], fr.loc[rows, "ci_low"], fr.loc[rows, "ci_high"] = sk, th - q * sk, th + q * sk
    fr.loc[rows, "ci_method"] = "pooled_covariance"
    with np.errstate(divide="ignore", invalid="ignore"):
        fr.loc[rows, "p_value"] = np.where(sk > 0, 2 * stats.t.sf(np.abs(th / sk), df), np.nan)
    return fr


def _intervals(
    est: linear.LinearEstimate,
    p: RolloutPanel,
    loo: Callable[[np.ndarray], np.ndarray],
    s: Settings,
    jackknife: bool = True,
) -> pd.DataFrame:
    """Intervals and p-values for every target: the cluster jackknife (CV3, t(G - 1)) where
    clusters are few, CR1 with t(G - 1) otherwise (or when ``jackknife`` is False);
    pooled-covariance intervals for weak groups (``weak_groups``). ``loo(clusters)``: the
    estimates without each cluster in turn (``staggered.loo``)."""
    if jackknife and est.n_clusters < s.few_clusters_below:
        iv = linear.jackknife_from_loo(est, loo(linear.jackknife_clusters(est)), s.level)
    else:
        iv = linear.analytic_interval(est, s.level)
    return _pooled_rows(est, p, _interval_frame(est, iv), weak_groups(p, s.min_treated_clusters), s.level)


def robust_effects(
    p: RolloutPanel, s: Settings, jackknife: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The imputation estimator: (per-group averages, event-time profile, meta)."""
    est = staggered.imputation(p, s.post)
    fr = _intervals(est, p, lambda c: staggered.loo.imputation_loo(p, s.post, c), s, jackknife)
    fr["n_obs"] = est.meta["n_by_target"]
    fr["group"] = [t[0] for t in est.names]
    fr["event_time"] = [t[1] for t in est.names]
    att = fr[fr["event_time"] == "att"].drop(columns=["event_time", "target"]).reset_index(drop=True)
    prof = fr[fr["event_time"] != "att"].drop(columns=["target"]).reset_index(drop=True)
    prof["event_time"] = prof["event_time"].astype(int)
    att["n_cells"] = [int(len(np.unique(p.unit[p.active(g) & est.meta["imputable"]]))) for g in att["group"]]
    meta = {k: v for k, v in est.meta.items() if k != "imputable"}
    return att, prof, meta


def pretrend_tests(p: RolloutPanel, s: Settings, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Joint tests of each group's ``pre`` leads on untreated observations: the wild restricted
    bootstrap (``linear.bootstrap_wald``) and the analytic F test (``linear.wald_f_test``); and
    the leads with intervals (the robust event study's pre-period)."""
    fit = staggered.pretrend_fit(p, s.pre)
    rng = _rng(s.seed, k)
    rows = []
    for g in p.groups:
        idx = [j for j, nm in enumerate(fit.leads.names) if nm[0] == g]
        stat, p_boot, _, q = linear.bootstrap_wald(fit.leads, idx, fit.null_fitted, fit.null_resid, s.reps, rng)
        f_stat, p_f, _ = linear.wald_f_test(fit.leads, idx)
        rows.append(
            {"group": g, "statistic": stat, "p_value": p_boot, "statistic_f": f_stat, "p_value_f": p_f, "n_leads": q}
        )
    leads = _intervals(fit.leads, p, lambda c: staggered.loo.leads_loo(p, s.pre, c), s)
    leads["group"] = [t[0] for t in fit.leads.names]
    leads["event_time"] = [int(t[1]) for t in fit.leads.names]
    leads["n_obs"] = [int(np.count_nonzero(fit.leads.A[j])) for j in range(len(fit.leads.names))]
    leads = leads.drop(columns="target")
    return pd.DataFrame(rows), leads[leads["estimable"]].reset_index(drop=True)


def _difference(q: RolloutPanel, post: int) -> linear.LinearEstimate:
    """Robust average minus TWFE, per group, as one linear estimator."""
    im = staggered.imputation(q, post)
    tw = staggered.twfe_static(q)
    rows = [im.index((g, "att")) for g in q.groups]
    n = len(q.y)
    return linear.LinearEstimate(
        list(q.groups),
        im.A[rows] - tw.A,
        q.y,
        np.zeros(n),
        lambda Y: np.zeros_like(Y),
        q.cluster,
        1,
        estimable=im.estimable[rows] & tw.estimable,
    )


def _difference_loo(p: RolloutPanel, post: int, codes: np.ndarray) -> np.ndarray:
    """``_difference`` without each cluster in turn (NaN where either estimate is not estimable)."""
    im = staggered.loo.imputation_loo(p, post, codes)
    att = [staggered.loo.imputation_names(p, post).index((g, "att")) for g in p.groups]
    diff: np.ndarray = im[:, att] - staggered.loo.twfe_static_loo(p, codes)
    return diff


def twfe_difference(p: RolloutPanel, s: Settings) -> pd.DataFrame:
    """Is the TWFE estimate significantly different from the robust one? The difference is
    itself linear in y, so it gets its own cluster-jackknife standard error; because the two
    estimates move together, that test sees differences that each interval alone would hide.
    Columns ``group, difference, difference_se, difference_p`` (NaN for weak groups)."""
    diff = _difference(p, s.post)
    iv = linear.jackknife_from_loo(diff, _difference_loo(p, s.post, linear.jackknife_clusters(diff)), s.level)
    out = pd.DataFrame(
        {"group": diff.names, "difference": iv.estimate, "difference_se": iv.se, "difference_p": iv.p_value}
    )
    weak = out["group"].isin(weak_groups(p, s.min_treated_clusters))
    out.loc[weak, ["difference_se", "difference_p"]] = np.nan
    return out


@single_threaded_blas()
def estimate(data: CausalityData, s: Settings) -> Estimates:
    """Main estimates: robust and TWFE per effect group, event studies and pre-trend tests."""
    p = data.panel()
    att, prof, meta = robust_effects(p, s)
    pt, leads = pretrend_tests(p, s, 2)
    att = att.merge(
        pt[["group", "p_value", "statistic", "p_value_f", "n_leads"]].rename(
            columns={
                "p_value": "pretrend_p",
                "statistic": "pretrend_stat",
                "p_value_f": "pretrend_p_f",
                "n_leads": "pretrend_leads",
            }
        ),
        on="group",
    )
    # TWFE: statsmodels for the estimate and its CR1 standard error; interval as for the robust one
    tw = staggered.twfe_static(p)
    tw_fr = _intervals(tw, p, lambda c: staggered.loo.twfe_static_loo(p, c), s)
    twfe = twfe_statsmodels(p)
    twfe["se_cr1"] = twfe["se"]
    twfe["se"] = tw_fr["se"].to_numpy()
    twfe["ci_low"] = twfe["estimate"] - (tw_fr["estimate"] - tw_fr["ci_low"]).to_numpy()
    twfe["ci_high"] = twfe["estimate"] + (tw_fr["ci_high"] - tw_fr["estimate"]).to_numpy()
    twfe["ci_method"] = tw_fr["ci_method"].to_numpy()
    twfe["p_value"] = tw_fr["p_value"].to_numpy()
    twfe = twfe.merge(twfe_difference(p, s), on="group", how="left")
    # event studies: robust (leads from the pre-trend regression, lags from imputation) and TWFE
    es_tw = staggered.twfe_event_study(p, s.pre, s.post)
    tw_prof = _intervals(es_tw, p, lambda c: staggered.loo.twfe_event_study_loo(p, s.pre, s.post, c), s)
    tw_prof["group"] = [t[0] for t in es_tw.names]
    tw_prof["event_time"] = [int(t[1]) for t in es_tw.names]
    tw_prof = tw_prof[tw_prof["estimable"]].drop(columns="target")
    tw_prof["estimator"] = "twfe"
    rob = pd.concat([leads.assign(estimator="imputation"), prof.assign(estimator="imputation")], ignore_index=True)
    cols = ["group", "event_time", "estimator", "estimate", "se", "ci_low", "ci_high", "ci_method"]
    es = pd.concat([rob[cols + ["n_obs"]], tw_prof[cols]], ignore_index=True)
    es = es.sort_values(["group", "estimator", "event_time"]).reset_index(drop=True)
    meta["n_obs"] = int(len(p.y))
    meta["weak_groups"] = weak_groups(p, s.min_treated_clusters)
    return Estimates(att, twfe, es, pt, meta)

"""Group-time effects of a staggered rollout on any panel (Callaway and Sant'Anna 2021).

A panel is one row per unit and period with an outcome and the period in which the unit
adopted the change (its *group* ``g``; 0 or missing = never adopted). For each group ``g``
and period ``t`` the group-time effect is a two-period difference in differences:

    ATT(g, t) = mean(Y_t - Y_b | group g) - mean(Y_t - Y_b | controls)

With covariates (unit characteristics, constant within unit) parallel trends need only hold
conditionally on them: the controls' change ``Y_t - Y_b`` is regressed on the covariates
(weighted least squares with an intercept, controls of the cell only) and the adopters'
predicted change replaces the controls' mean (the outcome-regression estimator of Heckman,
Ichimura and Todd 1997 as in Sant'Anna and Zhao 2020, ``did``'s ``est_method = "reg"``); its
influence function includes the estimation of the regression coefficients.

with a *varying base period* (the default of the R package ``did``): ``b`` is the last period
before ``g`` for post-adoption cells (``t >= g``) and the period just before ``t`` for
pre-adoption cells, so pre-adoption cells are placebo one-period changes. Controls are the
never-treated units, or (``control="notyet"``) also units adopting after ``t`` (not ``g``
itself). A unit enters a cell when its outcome is observed in both ``t`` and ``b`` (a
balanced panel uses every unit). Units adopting in the first period have no pre-period and
are left out; units adopting after the last period count as never treated (both as ``did``).

**Inference** uses each estimate's influence function over units (``theta_hat - theta ~
mean(IF)``): analytic standard errors ``sqrt(sum_c S_c^2) / n`` with ``S_c`` the sum of the
influence function within cluster ``c`` (by default each unit is its own cluster), or a
multiplier bootstrap (Mammen weights per cluster, seeded; standard error from the
interquartile range, as ``did``). Intervals are normal.

**Aggregations** (as ``did``'s ``aggte``; ``pg`` = share of units in group ``g``):
- *simple*: the post-adoption cells averaged with weights ``pg``;
- *event time* (dynamic): per event time ``e = t - g`` the cells averaged with weights ``pg``;
  overall the plain mean over ``e >= 0``;
- *group*: per group the plain mean of its post-adoption cells; overall weighted by ``pg``.
Their influence functions include the estimation of the weights ``pg``.

**Pre-trend tests**: the pre-adoption cells are jointly zero, Wald chi-squared with the
cluster-robust covariance of their influence functions (as ``did``'s reported pre-test); and
the same for the pre-adoption event-time aggregates, which pool groups (more robust where
cells rest on one or two treated units, whose own variance no covariance can see).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from . import randomization

MAMMEN = ((1 - np.sqrt(5)) / 2, (1 + np.sqrt(5)) / 2)
MAMMEN_P = (np.sqrt(5) + 1) / (2 * np.sqrt(5))  # probability of the first value


class PanelError(ValueError):
    """The panel cannot be used; the message names the column and the offending rows."""


@dataclass
class Panel:
    """Wide form of a panel: outcome ``Y`` (units x periods, NaN = not observed)."""

    units: np.ndarray
    periods: np.ndarray
    Y: np.ndarray
    group: np.ndarray  # adoption period per unit, 0 = never
    weight: np.ndarray  # per unit, mean 1
    cluster: np.ndarray  # integer codes per unit
    dropped_first_period: int = 0
    adopted_after_last: int = 0
    X: np.ndarray | None = None  # covariates per unit with an intercept column first (None: none)


def _one_per_unit(df: pd.DataFrame, unit: str, col: str) -> pd.Series:
    per = df.groupby(unit, sort=True)[col]
    bad = per.nunique(dropna=False) > 1
    if bad.any():
        u = bad[bad].index[0]
        rows = df.index[df[unit] == u][:5].tolist()
        raise PanelError(f"column {col!r} must be constant within each unit; unit {u!r} differs (rows {rows})")
    return per.first()


def _covariates(df: pd.DataFrame, unit: str, covariates: tuple[str, ...], index: pd.Index) -> np.ndarray | None:
    """Unit-level covariates with an intercept column; each numeric, present and constant
    within unit (errors name the column and rows)."""
    if not covariates:
        return None
    cols = []
    for c in covariates:
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna()
        if bad.any():
            raise PanelError(f"covariate {c!r} must be a number in every row; rows {df.index[bad][:5].tolist()} "
                             "are missing or not numeric")
        cols.append(_one_per_unit(df.assign(**{c: num}), unit, c).reindex(index).to_numpy(float))
    return np.column_stack([np.ones(len(index))] + cols)


def make_panel(data: pd.DataFrame, unit: str, time: str, outcome: str, adoption: str,
               weights: str | None = None, cluster: str | None = None, covariates: tuple[str, ...] = ()) -> Panel:
    """Check the long table and turn it wide. Errors name the column and rows."""
    covariates = tuple(covariates)
    cols = [unit, time, outcome, adoption] + [c for c in (weights, cluster) if c] + [
        c for c in covariates if c not in (unit, time, outcome, adoption, weights, cluster)]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise PanelError(f"column(s) {', '.join(map(repr, missing))} not in the panel; it has {list(data.columns)}")
    df = data[cols].copy()
    for c in (time, outcome, adoption) + ((weights,) if weights else ()):
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() & df[c].notna()
        if bad.any():
            raise PanelError(f"column {c!r} must be numeric; rows {df.index[bad][:5].tolist()} are not")
        df[c] = num
    if df[time].isna().any():
        raise PanelError(f"column {time!r} is missing in rows {df.index[df[time].isna()][:5].tolist()}")
    dup = df.duplicated([unit, time])
    if dup.any():
        raise PanelError(f"more than one row per {unit!r} and {time!r}: rows {df.index[dup][:5].tolist()}")
    df[adoption] = df[adoption].fillna(0)
    g = _one_per_unit(df, unit, adoption)
    w = _one_per_unit(df, unit, weights) if weights else pd.Series(1.0, index=g.index)
    if (w <= 0).any() or w.isna().any():
        raise PanelError(f"column {weights!r} must be positive for every unit")
    cl = _one_per_unit(df, unit, cluster) if cluster else pd.Series(g.index, index=g.index)
    X = _covariates(df, unit, covariates, g.index)
    periods = np.sort(df[time].unique())
    wide = df.pivot(index=unit, columns=time, values=outcome).reindex(index=g.index, columns=periods)
    gv = np.array(g, dtype=float)
    after = gv > periods[-1]
    gv[after] = 0.0
    first = (gv > 0) & (gv <= periods[0])
    keep = ~first
    return Panel(
        units=g.index.to_numpy()[keep], periods=periods, Y=wide.to_numpy(float)[keep], group=gv[keep],
        weight=(w.to_numpy(float) / w.to_numpy(float)[keep].mean())[keep],
        cluster=pd.factorize(cl.to_numpy()[keep], sort=True)[0], dropped_first_period=int(first.sum()),
        adopted_after_last=int(after.sum()), X=None if X is None else X[keep],
    )


def cells(panel: Panel, control: str = "never") -> tuple[pd.DataFrame, np.ndarray]:
    """Every ATT(g, t) with its influence function (units x cells). Cells without treated or
    control units are kept with ``att`` NaN and an influence function of zeros."""
    if control not in ("never", "notyet"):
        raise PanelError(f"control must be 'never' or 'notyet', not {control!r}")
    P, G, w, Y = panel.periods, panel.group, panel.weight, panel.Y
    n = len(G)
    rows, infs = [], []
    for g in np.unique(G[G > 0]):
        before = np.flatnonzero(P < g)
        for ti in range(1, len(P)):
            t = P[ti]
            bi = before[-1] if t >= g else ti - 1
            ctrl = (G == 0) if control == "never" else ((G == 0) | ((G > t) & (G != g)))
            seen = ~np.isnan(Y[:, ti]) & ~np.isnan(Y[:, bi])
            d, c = (G == g) & seen, ctrl & seen
            dy = np.where(seen, Y[:, ti] - Y[:, bi], 0.0)
            inf = np.zeros(n)
            att = np.nan
            if d.any() and c.any() and panel.X is not None:
                att, inf = _regression_cell(panel.X, w, d, c, dy)
            elif d.any() and c.any():
                p1, p0 = (w * d).sum() / n, (w * c).sum() / n
                m1, m0 = (w * d * dy).sum() / (n * p1), (w * c * dy).sum() / (n * p0)
                att = m1 - m0
                inf = w * d * (dy - m1) / p1 - w * c * (dy - m0) / p0
            rows.append({"group": g, "time": t, "base": P[bi], "event_time": t - g, "att": att,
                         "n_treated": int(d.sum()), "n_control": int(c.sum())})
            infs.append(inf)
    frame = pd.DataFrame(rows, columns=["group", "time", "base", "event_time", "att", "n_treated", "n_control"])
    return frame, (np.column_stack(infs) if infs else np.zeros((n, 0)))


def _regression_cell(X: np.ndarray, w: np.ndarray, d: np.ndarray, c: np.ndarray,
                     dy: np.ndarray) -> tuple[float, np.ndarray]:
    """One cell by outcome regression: the controls' change regressed on the covariates, the
    adopters' mean change minus their predicted change; the influence function (over all
    ``n`` units) includes the coefficients' estimation. Without covariates (``X`` an
    intercept) it is the plain difference in means."""
    n = len(w)
    wc = w * c
    A = (X * wc[:, None]).T @ X / n
    if np.linalg.matrix_rank(A) < X.shape[1]:
        return float("nan"), np.zeros(n)  # the controls cannot identify the coefficients
    beta = np.linalg.solve(A, (X * wc[:, None]).T @ dy / n)
    pred = X @ beta
    wd = w * d
    p1 = wd.sum() / n
    m1, m_pred = (wd * dy).sum() / (n * p1), (wd * pred).sum() / (n * p1)
    lin_ols = (wc * (dy - pred))[:, None] * X @ np.linalg.inv(A)  # each unit's share of beta - beta_hat
    M1 = (wd[:, None] * X).sum(axis=0) / n
    inf = wd * (dy - m1) / p1 - (wd * (pred - m_pred) + lin_ols @ M1) / p1
    return float(m1 - m_pred), inf


def _cluster_sums(panel: Panel, IF: np.ndarray) -> np.ndarray:
    S = np.zeros((panel.cluster.max() + 1, IF.shape[1]))
    np.add.at(S, panel.cluster, IF)
    return S


def standard_errors(panel: Panel, IF: np.ndarray, method: str = "analytic", reps: int = 999,
                    seed: int = 0) -> np.ndarray:
    """Standard errors of estimates with influence functions ``IF`` (units x estimates)."""
    n = len(panel.group)
    S = _cluster_sums(panel, IF)
    if method == "analytic":
        return cast(np.ndarray, np.sqrt((S**2).sum(axis=0)) / n)
    if method != "bootstrap":
        raise PanelError(f"se must be 'analytic' or 'bootstrap', not {method!r}")
    rng = np.random.default_rng(seed)
    V = np.where(rng.random((reps, S.shape[0])) < MAMMEN_P, MAMMEN[0], MAMMEN[1])
    draws = V @ S / n
    q75, q25 = np.percentile(draws, [75, 25], axis=0)
    return cast(np.ndarray, (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)))


def _group_shares(panel: Panel, groups: np.ndarray) -> np.ndarray:
    return np.array([(panel.weight * (panel.group == g)).mean() for g in groups])


def _weighted(panel: Panel, att: np.ndarray, IF: np.ndarray, groups: np.ndarray) -> tuple[float, np.ndarray]:
    """Estimates ``att`` of groups ``groups`` averaged with group-share weights; the influence
    function includes the estimated weights (``did``'s ``wif``)."""
    pg = _group_shares(panel, groups)
    S = pg.sum()
    ind = panel.weight[:, None] * (panel.group[:, None] == groups[None, :]) - pg[None, :]
    wif = ind / S - ind.sum(axis=1, keepdims=True) * (pg / S**2)[None, :]
    return float(pg @ att / S), IF @ (pg / S) + wif @ att


@dataclass
class StaggeredResult:
    att_gt: pd.DataFrame  # group, time, base, event_time, att, se, low, high, n_treated, n_control
    aggregates: dict[str, dict[str, float]]  # simple, event_time, group: estimate, se, low, high
    event_study: pd.DataFrame  # event_time, att, se, low, high
    by_group: pd.DataFrame  # group, att, se, low, high
    pretrend: dict[str, Any] | None  # statistic, df, p_value (None without pre-adoption cells)
    pretrend_event: dict[str, Any] | None  # the pre-adoption event-time aggregates jointly zero
    meta: dict[str, Any] = field(default_factory=dict)
    randomization: dict[str, Any] | None = None  # few treated clusters: placebo inference on the simple aggregate


def _interval(est: npt.ArrayLike, se: npt.ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + level / 2)
    return np.asarray(est) - z * np.asarray(se), np.asarray(est) + z * np.asarray(se)


def wald_zero(panel: Panel, a: np.ndarray, IF: np.ndarray) -> dict[str, Any] | None:
    """Wald test that estimates ``a`` (influence functions ``IF``) are jointly zero, with their
    cluster-robust covariance; degrees of freedom = its rank."""
    if not len(a):
        return None
    n = len(panel.group)
    S = _cluster_sums(panel, IF)
    V = S.T @ S / n**2
    rank = int(np.linalg.matrix_rank(V))
    stat = float(a @ np.linalg.pinv(V) @ a)
    return {"statistic": stat, "df": rank, "p_value": float(stats.chi2.sf(stat, rank)), "n_estimates": int(len(a))}


def pretrend_test(panel: Panel, frame: pd.DataFrame, IF: np.ndarray) -> dict[str, Any] | None:
    """The pre-adoption ATT(g, t) jointly zero (``did``'s pre-test), with the fewest treated
    units in any of them (with one or two the covariance misses their own variance)."""
    pre = np.flatnonzero((frame["time"] < frame["group"]).to_numpy() & frame["att"].notna().to_numpy())
    out = wald_zero(panel, frame["att"].to_numpy()[pre], IF[:, pre])
    if out is not None:
        out["min_treated_units"] = int(frame["n_treated"].to_numpy()[pre].min())
    return out


def aggregate(panel: Panel, frame: pd.DataFrame, IF: np.ndarray) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame,
                                                                          np.ndarray]:
    """Point estimates and influence functions of the aggregations, in the column order
    simple, event_time, group, per event time..., per group..."""
    ok = frame["att"].notna().to_numpy()
    att, G, E = frame["att"].to_numpy(), frame["group"].to_numpy(), frame["event_time"].to_numpy()
    post = ok & (E >= 0)
    est, cols = {}, {}
    est["simple"], cols["simple"] = _weighted(panel, att[post], IF[:, post], G[post])
    ev_est, ev_if = {}, {}
    for e in np.unique(E[ok]):
        k = ok & (E == e)
        ev_est[e], ev_if[e] = _weighted(panel, att[k], IF[:, k], G[k])
    pos = [e for e in ev_est if e >= 0]
    est["event_time"] = float(np.mean([ev_est[e] for e in pos]))
    cols["event_time"] = np.mean([ev_if[e] for e in pos], axis=0)
    gr_est, gr_if = {}, {}
    for g in np.unique(G[post]):
        k = post & (G == g)
        gr_est[g], gr_if[g] = float(att[k].mean()), IF[:, k].mean(axis=1)
    gs = np.array(list(gr_est))
    est["group"], cols["group"] = _weighted(panel, np.array([gr_est[g] for g in gs]),
                                            np.column_stack([gr_if[g] for g in gs]), gs)
    ev = pd.DataFrame({"event_time": list(ev_est), "att": list(ev_est.values())})
    gr = pd.DataFrame({"group": gs, "att": [gr_est[g] for g in gs]})
    IFagg = np.column_stack([cols["simple"], cols["event_time"], cols["group"]] + list(ev_if.values())
                            + list(gr_if.values()))
    return est, ev, gr, IFagg


def att_gt(data: pd.DataFrame, unit: str, time: str, outcome: str, adoption: str, weights: str | None = None,
           control: str = "never", se: str = "analytic", cluster: str | None = None, reps: int = 999,
           seed: int = 0, level: float = 0.95, min_treated_clusters: int = 0,
           covariates: tuple[str, ...] = ()) -> StaggeredResult:
    """Group-time effects, their aggregations and the pre-trend test (see the module text).

    ``data`` is long: one row per unit and period; ``adoption`` is the period the unit
    adopted (constant within unit; 0 or missing = never). ``se``: ``analytic`` or
    ``bootstrap`` (multiplier bootstrap with ``reps`` draws, seeded by ``seed``), clustered
    by ``cluster`` (a column constant within unit) or by unit. With fewer than
    ``min_treated_clusters`` treated clusters the simple aggregate also gets randomization
    inference (``audit_lib.stats.randomization``), and ``meta["inference"]`` says which
    inference is to be reported. ``covariates``: unit-level columns for conditional parallel
    trends (outcome regression, see the module text)."""
    panel = make_panel(data, unit, time, outcome, adoption, weights, cluster, covariates)
    if not (panel.group == 0).any() and control == "never":
        raise PanelError(f"no never-treated unit (column {adoption!r} is never 0 or missing): use control='notyet'")
    frame, IF = cells(panel, control)
    if not frame["att"].notna().any():
        raise PanelError("no group-time effect can be estimated: no period with both adopters and controls observed")
    est, ev, gr, IFagg = aggregate(panel, frame, IF)
    ses = standard_errors(panel, np.column_stack([IF, IFagg]), se, reps, seed)
    k = IF.shape[1]
    frame["se"] = np.where(frame["att"].notna(), ses[:k], np.nan)
    frame["low"], frame["high"] = _interval(frame["att"], frame["se"], level)
    agg_se = ses[k:]
    aggregates = {}
    for i, name in enumerate(("simple", "event_time", "group")):
        lo, hi = _interval(est[name], agg_se[i], level)
        aggregates[name] = {"estimate": est[name], "se": float(agg_se[i]), "low": float(lo), "high": float(hi)}
    ev["se"] = agg_se[3:3 + len(ev)]
    gr["se"] = agg_se[3 + len(ev):]
    for f in (ev, gr):
        f["low"], f["high"] = _interval(f["att"], f["se"], level)
    treated = panel.group > 0
    meta: dict[str, Any] = {"n_units": int(len(panel.group)), "n_treated_units": int(treated.sum()),
            "n_never_treated": int((~treated).sum()), "n_periods": int(len(panel.periods)),
            "n_treated_clusters": int(len(np.unique(panel.cluster[treated]))),
            "n_clusters": int(panel.cluster.max() + 1), "control": control, "se": se, "level": level,
            "dropped_first_period": panel.dropped_first_period, "adopted_after_last": panel.adopted_after_last,
            "cells_not_estimable": int(frame["att"].isna().sum()), "covariates": list(covariates)}
    few = meta["n_treated_clusters"] < min_treated_clusters
    meta["inference"] = "randomization" if few else "cluster_robust"
    ri = randomization_simple(panel, est["simple"], control, reps, seed, level) if few else None
    pre_ev = (ev["event_time"] < 0).to_numpy()
    pre_test = wald_zero(panel, ev["att"].to_numpy()[pre_ev], IFagg[:, 3:3 + len(ev)][:, pre_ev])
    return StaggeredResult(frame, aggregates, ev, gr, pretrend_test(panel, frame, IF), pre_test, meta, ri)


def randomization_simple(panel: Panel, estimate: float, control: str = "never", reps: int = 999, seed: int = 0,
                         level: float = 0.95) -> dict[str, Any]:
    """Placebo inference for the simple aggregate: the treated units' adoption dates given to
    untreated units, estimated on the untreated units only (units are the permuted clusters)."""
    untreated = np.flatnonzero(panel.group == 0)
    sub = replace(panel, units=panel.units[untreated], Y=panel.Y[untreated], group=panel.group[untreated],
                  weight=panel.weight[untreated], cluster=pd.factorize(panel.cluster[untreated])[0],
                  X=None if panel.X is None else panel.X[untreated])

    def placebo(assign: dict[Any, Any]) -> float:
        g = np.zeros(len(untreated))
        g[list(assign)] = list(assign.values())
        return simple_att(replace(sub, group=g), control)

    return randomization.run(estimate, range(len(untreated)), panel.group[panel.group > 0], placebo,
                             reps, seed, level)


def simple_att(panel: Panel, control: str = "never") -> float:
    """Only the simple aggregate (no inference): for randomization inference."""
    frame, IF = cells(panel, control)
    ok = frame["att"].notna().to_numpy() & (frame["event_time"].to_numpy() >= 0)
    if not ok.any():
        return float("nan")
    pg = _group_shares(panel, frame["group"].to_numpy()[ok])
    return float(pg @ frame["att"].to_numpy()[ok] / pg.sum())

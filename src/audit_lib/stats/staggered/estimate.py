"""``att_gt``: group-time effects, their aggregations, pre-trend tests and, with few treated
clusters, randomization inference."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .. import randomization
from .aggregate import group_shares, aggregate
from .cells import cells
from .inference import interval, pretrend_test, standard_errors, wald_zero
from .panel import Panel, PanelError, make_panel


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


def att_gt(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    adoption: str,
    weights: str | None = None,
    control: str = "never",
    se: str = "analytic",
    cluster: str | None = None,
    reps: int = 999,
    seed: int = 0,
    level: float = 0.95,
    min_treated_clusters: int = 0,
    covariates: tuple[str, ...] = (),
    method: str = "reg",
) -> StaggeredResult:
    """Group-time effects, their aggregations and the pre-trend test (see the module text).

    ``data`` is long: one row per unit and period; ``adoption`` is the period the unit
    adopted (constant within unit; 0 or missing = never). ``se``: ``analytic`` or
    ``bootstrap`` (multiplier bootstrap with ``reps`` draws, seeded by ``seed``), clustered
    by ``cluster`` (a column constant within unit) or by unit. With fewer than
    ``min_treated_clusters`` treated clusters the simple aggregate also gets randomization
    inference (``audit_lib.stats.randomization``), and ``meta["inference"]`` says which
    inference is to be reported. ``covariates``: unit-level columns for conditional parallel
    trends, by ``method``: ``reg`` (outcome regression) or ``dr`` (doubly robust; see the
    module text)."""
    panel = make_panel(data, unit, time, outcome, adoption, weights, cluster, covariates)
    if not (panel.group == 0).any() and control == "never":
        raise PanelError(f"no never-treated unit (column {adoption!r} is never 0 or missing): use control='notyet'")
    frame, IF = cells(panel, control, method)
    if not frame["att"].notna().any():
        raise PanelError("no group-time effect can be estimated: no period with both adopters and controls observed")
    est, ev, gr, IFagg = aggregate(panel, frame, IF)
    ses = standard_errors(panel, np.column_stack([IF, IFagg]), se, reps, seed)
    k = IF.shape[1]
    frame["se"] = np.where(frame["att"].notna(), ses[:k], np.nan)
    frame["low"], frame["high"] = interval(frame["att"], frame["se"], level)
    agg_se = ses[k:]
    aggregates = {}
    for i, name in enumerate(("simple", "event_time", "group")):
        lo, hi = interval(est[name], agg_se[i], level)
        aggregates[name] = {"estimate": est[name], "se": float(agg_se[i]), "low": float(lo), "high": float(hi)}
    ev["se"] = agg_se[3 : 3 + len(ev)]
    gr["se"] = agg_se[3 + len(ev) :]
    for f in (ev, gr):
        f["low"], f["high"] = interval(f["att"], f["se"], level)
    meta = _meta(panel, frame, control, se, level, covariates, method)
    few = meta["n_treated_clusters"] < min_treated_clusters
    meta["inference"] = "randomization" if few else "cluster_robust"
    ri = randomization_simple(panel, est["simple"], control, reps, seed, level, method) if few else None
    pre_ev = (ev["event_time"] < 0).to_numpy()
    pre_test = wald_zero(panel, ev["att"].to_numpy()[pre_ev], IFagg[:, 3 : 3 + len(ev)][:, pre_ev])
    return StaggeredResult(frame, aggregates, ev, gr, pretrend_test(panel, frame, IF), pre_test, meta, ri)


def _meta(
    panel: Panel, frame: pd.DataFrame, control: str, se: str, level: float, covariates: tuple[str, ...], method: str
) -> dict[str, Any]:
    """What ``StaggeredResult.meta`` records of the panel and the settings."""
    treated = panel.group > 0
    return {
        "n_units": int(len(panel.group)),
        "n_treated_units": int(treated.sum()),
        "n_never_treated": int((~treated).sum()),
        "n_periods": int(len(panel.periods)),
        "n_treated_clusters": int(len(np.unique(panel.cluster[treated]))),
        "n_clusters": int(panel.cluster.max() + 1),
        "control": control,
        "se": se,
        "level": level,
        "dropped_first_period": panel.dropped_first_period,
        "adopted_after_last": panel.adopted_after_last,
        "cells_not_estimable": int(frame["att"].isna().sum()),
        "covariates": list(covariates),
        "method": method if covariates else None,
    }


def randomization_simple(
    panel: Panel,
    estimate: float,
    control: str = "never",
    reps: int = 999,
    seed: int = 0,
    level: float = 0.95,
    method: str = "reg",
) -> dict[str, Any]:
    """Placebo inference for the simple aggregate: the treated units' adoption dates given to
    untreated units, estimated on the untreated units only (units are the permuted clusters)."""
    untreated = np.flatnonzero(panel.group == 0)
    sub = replace(
        panel,
        units=panel.units[untreated],
        Y=panel.Y[untreated],
        group=panel.group[untreated],
        weight=panel.weight[untreated],
        cluster=pd.factorize(panel.cluster[untreated])[0],
        X=None if panel.X is None else panel.X[untreated],
    )

    def placebo(assign: dict[Any, Any]) -> float:
        g = np.zeros(len(untreated))
        g[list(assign)] = list(assign.values())
        return simple_att(replace(sub, group=g), control, method)

    return randomization.run(estimate, range(len(untreated)), panel.group[panel.group > 0], placebo, reps, seed, level)


def simple_att(panel: Panel, control: str = "never", method: str = "reg") -> float:
    """Only the simple aggregate (no inference): for randomization inference."""
    frame, IF = cells(panel, control, method)
    ok = frame["att"].notna().to_numpy() & (frame["event_time"].to_numpy() >= 0)
    if not ok.any():
        return float("nan")
    pg = group_shares(panel, frame["group"].to_numpy()[ok])
    return float(pg @ frame["att"].to_numpy()[ok] / pg.sum())

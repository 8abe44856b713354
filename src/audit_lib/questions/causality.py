"""Causality: did coordination lower prices, or was it e-commerce and category management?

The report (section 2.4) says a saving cannot be attributed to coordination because
e-commerce and category management were rolled out at the same time. They were not rolled out
at *exactly* the same time everywhere: each started in its own month in each category and
region. That staggering identifies each initiative's effect on prices, if prices in cells not
yet reached by an initiative are a fair picture of what would have happened without it
(parallel trends), and if the initiatives' effects add up on the log price.

Pure functions from the price-index panel (``audit_lib.panel``), the ``rollouts`` table and the
register to tables and numbers (no I/O, no printing, no plotting):

- ``prepare``: the estimation panel (one row per cell and month), unit, month and cluster
  codes, the start month of each initiative per cell;
- ``effect_groups`` / ``identification``: where two initiatives start in the same month in the
  same cell, only their sum is identified there; such cells get a *joint* treatment
  (e.g. ``ecommerce+category_management``) and the separate effects are estimated from the other
  cells only. An initiative with no cell of its own, or with its own cells in fewer than
  ``min_treated_clusters`` clusters, is not (or weakly) identified;
- ``estimate``: the imputation estimator (robust to effects that vary over time and between
  cells) and two-way fixed effects (statsmodels, cluster-robust by category) side by side, event
  studies, the pre-trend test, a placebo with shifted dates, leave-one-wave-out, the naive
  before/after comparison, the unit-value comparison and the translation into SEK;
- ``board_comparison``: the estimated coordination effect in SEK per category beside the
  board's reported enabled savings for the same categories;
- ``assessment_inputs`` and ``conclusions``: what the criteria and the plain-language summary use.

Effects are on the log price index: -0.05 is a fall of 1 - exp(-0.05) = 4.9 %.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from ..stats import did, linear
from ..stats.threads import single_threaded_blas
from ..stats.did import NEVER, StaggeredPanel

TREATMENTS = ("ecommerce", "category_management", "coordination")
START_COLUMNS = {
    "ecommerce": "ecommerce_start",
    "category_management": "category_management_start",
    "coordination": "coordinated_contract_start",
}
JOINT = "+"


def members(group: str) -> list[str]:
    """The treatments of an effect group (``a+b`` -> [a, b])."""
    return group.split(JOINT)


def month_code(dates: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Months since ``origin`` (the month containing the date); ``NEVER`` for a missing date."""
    d = pd.to_datetime(dates)
    code = (d.dt.year - origin.year) * 12 + (d.dt.month - origin.month)
    return np.where(d.isna(), NEVER, code.fillna(0)).astype(np.int64)


@dataclass
class CausalityData:
    """The estimation panel and its cells."""

    frame: pd.DataFrame  # one row per cell-month: category, region, month, y, log_unit_value, spend_sek, unit, time, cluster
    cells: pd.DataFrame  # one row per unit code: category, region, cluster, <treatment>_start (month code), group starts
    treatments: list[str]
    groups: list[str]  # effect groups: treatments and joint groups (a+b)
    origin: pd.Timestamp
    coverage: dict = field(default_factory=dict)

    def panel(self, column: str = "y", starts: str = "groups") -> StaggeredPanel:
        """The stats-layer panel; ``starts="groups"`` uses the effect groups (joint cells
        recoded), ``"treatments"`` the raw starts."""
        names = self.groups if starts == "groups" else self.treatments
        st = {g: self.cells[f"start__{g}" if starts == "groups" else f"month__{g}"].to_numpy(np.int64) for g in names}
        f = self.frame
        return StaggeredPanel(f[column].to_numpy(float), f["unit"].to_numpy(), f["time"].to_numpy(),
                              f["cluster"].to_numpy(), st)


def effect_groups(cells: pd.DataFrame, treatments: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Recode starts so that treatments starting in the same month in a cell form a joint group
    there. Adds ``start__<group>`` columns; returns them and the group names (treatments first,
    then joint groups in order of appearance)."""
    out = cells.copy()
    for t in treatments:
        out[f"start__{t}"] = out[f"month__{t}"]
    joint_names: list[str] = []
    for i, row in out.iterrows():
        by_start: dict[int, list[str]] = {}
        for t in treatments:
            s = int(row[f"month__{t}"])
            if s < NEVER:
                by_start.setdefault(s, []).append(t)
        for s, ts in by_start.items():
            if len(ts) < 2:
                continue
            name = JOINT.join(ts)
            if name not in joint_names:
                joint_names.append(name)
                out[f"start__{name}"] = NEVER
            out.loc[i, f"start__{name}"] = s
            for t in ts:
                out.loc[i, f"start__{t}"] = NEVER
    return out, list(treatments) + joint_names


def prepare(
    panel: pd.DataFrame, rollouts: pd.DataFrame, treatments: list[str], cluster: str = "category",
    min_cell_months: int = 12,
) -> CausalityData:
    """Join the panel with the rollout dates. Cell-months without a comparable index are
    dropped, and so are cells with fewer than ``min_cell_months`` months. A cell missing from
    ``rollouts`` is treated as never treated (counted in ``coverage``)."""
    f = panel.dropna(subset=["log_index"]).copy()
    n_months_cell = f.groupby(["category", "region"])["month"].transform("size")
    short = f[n_months_cell < min_cell_months][["category", "region"]].drop_duplicates()
    f = f[n_months_cell >= min_cell_months]
    origin = pd.Timestamp(f["month"].min()) if len(f) else pd.Timestamp(2000, 1, 1)
    cells = f[["category", "region"]].drop_duplicates().sort_values(["category", "region"]).reset_index(drop=True)
    ro = rollouts.copy()
    ro = ro.drop_duplicates(["category", "region"])
    cells = cells.merge(ro, on=["category", "region"], how="left", indicator=True)
    no_rollout = int((cells["_merge"] == "left_only").sum())
    cells = cells.drop(columns="_merge")
    for t in treatments:
        col = START_COLUMNS[t]
        cells[f"month__{t}"] = month_code(cells[col] if col in cells else pd.Series(pd.NaT, index=cells.index), origin)
        cells[f"date__{t}"] = pd.to_datetime(cells[col]) if col in cells else pd.NaT
    cells = cells.drop(columns=[c for c in START_COLUMNS.values() if c in cells])
    cells["unit"] = np.arange(len(cells))
    cells["cluster"] = pd.factorize(cells["category"] if cluster == "category"
                                    else cells["category"] + "/" + cells["region"], sort=True)[0]
    cells, groups = effect_groups(cells, treatments)
    f = f.merge(cells[["category", "region", "unit", "cluster"]], on=["category", "region"])
    f["time"] = month_code(f["month"], origin)
    f["y"] = f["log_index"]
    f["year"] = pd.to_datetime(f["month"]).dt.year
    f = f.sort_values(["unit", "time"]).reset_index(drop=True)
    coverage = {
        "n_cells": int(len(cells)), "n_clusters": int(cells["cluster"].nunique()), "n_cell_months": int(len(f)),
        "n_cells_too_short": int(len(short)), "n_cells_without_rollout": no_rollout,
        "first_month": origin.strftime("%Y-%m"),
        "last_month": pd.Timestamp(f["month"].max()).strftime("%Y-%m") if len(f) else "",
    }
    return CausalityData(f, cells, list(treatments), groups, origin, coverage)


def omitted_treatments(rollouts: pd.DataFrame, treatments: list[str]) -> list[str]:
    """Initiatives with start dates in ``rollouts`` that the analysis leaves out: their effects
    would be attributed to the initiatives it includes (omitted-variable bias)."""
    return [t for t in TREATMENTS if t not in treatments and START_COLUMNS[t] in rollouts
            and rollouts[START_COLUMNS[t]].notna().any()]


# ---------------------------------------------------------------- identification
def identification(data: CausalityData, min_treated_clusters: int, close_start_months: int) -> pd.DataFrame:
    """Per treatment and joint group: how many cells and clusters start it within the panel,
    how many do so on their own, with which treatment it coincides, near-coincidences, and
    ``status``: ``separate`` (identified), ``weak`` (own cells in too few clusters),
    ``joint_only`` (never starts on its own), ``not_treated`` (no start inside the panel)."""
    c = data.cells
    last = int(data.frame["time"].max()) if len(data.frame) else 0
    rows = []
    for g in data.groups:
        start = c[f"start__{g}"].to_numpy()
        inside = (start > 0) & (start <= last)  # a start at month 0 or earlier leaves no before-period
        row = {"group": g, "joint": JOINT in g, "n_cells": int(inside.sum()),
               "n_clusters": int(c.loc[inside, "cluster"].nunique()),
               "n_cells_before_panel": int(((start <= 0)).sum())}
        if JOINT not in g:
            raw = c[f"month__{g}"].to_numpy()
            row["n_cells_any"] = int(((raw > 0) & (raw <= last)).sum())
            row["joint_with"] = sorted({j for j in data.groups if JOINT in j and g in members(j)
                                        and (c[f"start__{j}"] < NEVER).any()})
            close = 0
            for other in data.treatments:
                if other == g:
                    continue
                o = c[f"month__{other}"].to_numpy()
                both = (raw < NEVER) & (o < NEVER)
                diff = np.abs(raw - o)
                close += int(np.sum(both & (diff > 0) & (diff <= close_start_months)))
            row["n_close_starts"] = close
        else:
            row["n_cells_any"] = row["n_cells"]
            row["joint_with"] = members(g)
            row["n_close_starts"] = 0
            row["cells"] = [f"{a}/{b}" for a, b in c.loc[start < NEVER, ["category", "region"]].itertuples(index=False)]
        if row["n_cells"] == 0:
            row["status"] = "joint_only" if (JOINT not in g and row["joint_with"]) else "not_treated"
        elif row["n_clusters"] < min_treated_clusters:
            row["status"] = "weak"
        else:
            row["status"] = "joint" if JOINT in g else "separate"
        row["identified"] = row["status"] in ("separate", "joint")
        rows.append(row)
    out = pd.DataFrame(rows)
    if "cells" not in out:
        out["cells"] = None
    return out


# ---------------------------------------------------------------- estimation
def _rng(seed: int, k: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), k])


def _interval_frame(est: linear.LinearEstimate, iv: linear.Interval) -> pd.DataFrame:
    return pd.DataFrame({
        "target": est.names, "estimate": iv.estimate, "se": iv.se, "ci_low": iv.low, "ci_high": iv.high,
        "p_value": iv.p_value, "ci_method": iv.method, "n_clusters": iv.n_clusters, "estimable": est.estimable,
    })


def twfe_statsmodels(p: StaggeredPanel) -> pd.DataFrame:
    """Static TWFE with statsmodels: OLS on unit and month dummies and one dummy per group,
    cluster-robust (CR1) by cluster. Columns ``group, estimate, se, n_clusters, estimable``."""
    u = pd.get_dummies(pd.Categorical(p.unit), prefix="u", dtype=float)
    t = pd.get_dummies(pd.Categorical(p.time), prefix="t", drop_first=True, dtype=float)
    D = pd.DataFrame({g: p.active(g).astype(float) for g in p.groups})
    keep = [g for g in p.groups if D[g].any() and not D[g].all()]
    X = pd.concat([u, t, D[keep]], axis=1)
    fit = sm.OLS(p.y, X).fit(cov_type="cluster", cov_kwds={"groups": p.cluster})
    rows = []
    rank_ok = np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
    for g in p.groups:
        ok = g in keep and rank_ok
        rows.append({"group": g, "estimate": float(fit.params[g]) if ok else np.nan,
                     "se": float(fit.bse[g]) if ok else np.nan, "estimable": ok})
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


def settings_from(section, seed: int, significance_level: float) -> Settings:
    """Settings from a ``CausalityParams`` section."""
    return Settings(pre=-int(section.event_window[0]), post=int(section.event_window[1]), level=1 - significance_level,
                    reps=int(section.bootstrap_reps), seed=int(seed),
                    few_clusters_below=int(section.few_clusters_below),
                    min_treated_clusters=int(section.min_treated_clusters),
                    placebo_shift=int(section.placebo_shift_months), naive_window=int(section.naive_window_months),
                    divergence_share=float(section.divergence_share), divergence_min=float(section.divergence_min),
                    tests=tuple(section.identification_tests))


@dataclass
class Estimates:
    effects: pd.DataFrame  # robust estimator: one row per group
    twfe: pd.DataFrame  # TWFE (statsmodels SE; interval as for the robust estimator)
    event_study: pd.DataFrame  # group, event_time, estimator, estimate, se, ci_low, ci_high, n
    pretrend: pd.DataFrame  # group, statistic, p_value (bootstrap), statistic_f, p_value_f (F test), n_leads
    meta: dict = field(default_factory=dict)


def weak_groups(p: StaggeredPanel, min_treated_clusters: int) -> list[str]:
    """Groups on in at least one but fewer than ``min_treated_clusters`` clusters."""
    out = []
    for g in p.groups:
        k = len(np.unique(p.cluster[p.active(g)]))
        if 0 < k < min_treated_clusters:
            out.append(g)
    return out


def _pooled_rows(est: linear.LinearEstimate, p: StaggeredPanel, fr: pd.DataFrame, groups: list[str],
                 level: float) -> pd.DataFrame:
    """Replace the intervals of the targets of ``groups`` (treated in too few clusters) by
    intervals from the pooled error covariance (``linear.pooled_se``), t with G - 1 df."""
    rows = [k for k, nm in enumerate(est.names) if (nm[0] if isinstance(nm, tuple) else nm) in groups]
    if not rows:
        return fr
    se = linear.pooled_se(est, p.unit, p.time, rows=rows)
    df = max(est.n_clusters - 1, 1)
    q = stats.t.ppf(0.5 + level / 2, df)
    fr = fr.copy()
    for k in rows:
        th = fr.at[k, "estimate"]
        fr.loc[k, ["se", "ci_low", "ci_high"]] = [se[k], th - q * se[k], th + q * se[k]]
        fr.loc[k, "ci_method"] = "pooled_covariance"
        fr.loc[k, "p_value"] = float(2 * stats.t.sf(abs(th / se[k]), df)) if se[k] > 0 else np.nan
    return fr


def _intervals(est: linear.LinearEstimate, p: StaggeredPanel, refit, s: Settings, jackknife: bool = True
               ) -> pd.DataFrame:
    """Intervals and p-values for every target: the cluster jackknife (CV3, t(G - 1)) where
    clusters are few, CR1 with t(G - 1) otherwise (or when ``jackknife`` is False);
    pooled-covariance intervals for weak groups (``weak_groups``)."""
    if jackknife and est.n_clusters < s.few_clusters_below:
        iv = linear.jackknife_interval(est, lambda mask: refit(p.subset(mask)), s.level)
    else:
        iv = linear.analytic_interval(est, s.level)
    return _pooled_rows(est, p, _interval_frame(est, iv), weak_groups(p, s.min_treated_clusters), s.level)


def robust_effects(p: StaggeredPanel, s: Settings, jackknife: bool = True
                   ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The imputation estimator: (per-group averages, event-time profile, meta)."""
    est = did.imputation(p, s.post)
    fr = _intervals(est, p, lambda q: did.imputation(q, s.post), s, jackknife)
    fr["n_obs"] = est.meta["n_by_target"]
    fr["group"] = [t[0] for t in est.names]
    fr["event_time"] = [t[1] for t in est.names]
    att = fr[fr["event_time"] == "att"].drop(columns=["event_time", "target"]).reset_index(drop=True)
    prof = fr[fr["event_time"] != "att"].drop(columns=["target"]).reset_index(drop=True)
    prof["event_time"] = prof["event_time"].astype(int)
    att["n_cells"] = [int(len(np.unique(p.unit[p.active(g) & est.meta["imputable"]]))) for g in att["group"]]
    meta = {k: v for k, v in est.meta.items() if k != "imputable"}
    return att, prof, meta


def pretrend_tests(p: StaggeredPanel, s: Settings, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Joint tests of each group's ``pre`` leads on untreated observations: the wild restricted
    bootstrap (``linear.bootstrap_wald``) and the analytic F test (``linear.wald_f_test``); and
    the leads with intervals (the robust event study's pre-period)."""
    fit = did.pretrend_fit(p, s.pre)
    rng = _rng(s.seed, k)
    rows = []
    for g in p.groups:
        idx = [j for j, nm in enumerate(fit.leads.names) if nm[0] == g]
        stat, p_boot, _, q = linear.bootstrap_wald(fit.leads, idx, fit.null_fitted, fit.null_resid, s.reps, rng)
        f_stat, p_f, _ = linear.wald_f_test(fit.leads, idx)
        rows.append({"group": g, "statistic": stat, "p_value": p_boot, "statistic_f": f_stat, "p_value_f": p_f,
                     "n_leads": q})
    leads = _intervals(fit.leads, p, lambda q: did.pretrend_fit(q, s.pre).leads, s)
    leads["group"] = [t[0] for t in fit.leads.names]
    leads["event_time"] = [int(t[1]) for t in fit.leads.names]
    leads["n_obs"] = [int(np.count_nonzero(fit.leads.A[j])) for j in range(len(fit.leads.names))]
    leads = leads.drop(columns="target")
    return pd.DataFrame(rows), leads[leads["estimable"]].reset_index(drop=True)


def _difference(q: StaggeredPanel, post: int) -> linear.LinearEstimate:
    """Robust average minus TWFE, per group, as one linear estimator."""
    im = did.imputation(q, post)
    tw = did.twfe_static(q)
    rows = [im.index((g, "att")) for g in q.groups]
    n = len(q.y)
    return linear.LinearEstimate(list(q.groups), im.A[rows] - tw.A, q.y, np.zeros(n), lambda Y: np.zeros_like(Y),
                                 q.cluster, 1, estimable=im.estimable[rows] & tw.estimable)


def twfe_difference(p: StaggeredPanel, s: Settings) -> pd.DataFrame:
    """Is the TWFE estimate significantly different from the robust one? The difference is
    itself linear in y, so it gets its own cluster-jackknife standard error; because the two
    estimates move together, that test sees differences that each interval alone would hide.
    Columns ``group, difference, difference_se, difference_p`` (NaN for weak groups)."""
    diff = _difference(p, s.post)
    iv = linear.jackknife_interval(diff, lambda mask: _difference(p.subset(mask), s.post), s.level)
    out = pd.DataFrame({"group": diff.names, "difference": iv.estimate, "difference_se": iv.se,
                        "difference_p": iv.p_value})
    weak = out["group"].isin(weak_groups(p, s.min_treated_clusters))
    out.loc[weak, ["difference_se", "difference_p"]] = np.nan
    return out


@single_threaded_blas()
def estimate(data: CausalityData, s: Settings) -> Estimates:
    """Main estimates: robust and TWFE per effect group, event studies and pre-trend tests."""
    p = data.panel()
    att, prof, meta = robust_effects(p, s)
    pt, leads = pretrend_tests(p, s, 2)
    att = att.merge(pt[["group", "p_value", "statistic", "p_value_f", "n_leads"]].rename(
        columns={"p_value": "pretrend_p", "statistic": "pretrend_stat", "p_value_f": "pretrend_p_f",
                 "n_leads": "pretrend_leads"}), on="group")
    # TWFE: statsmodels for the estimate and its CR1 standard error; interval as for the robust one
    tw = did.twfe_static(p)
    tw_fr = _intervals(tw, p, did.twfe_static, s)
    twfe = twfe_statsmodels(p)
    twfe["se_cr1"] = twfe["se"]
    twfe["se"] = tw_fr["se"].to_numpy()
    twfe["ci_low"] = twfe["estimate"] - (tw_fr["estimate"] - tw_fr["ci_low"]).to_numpy()
    twfe["ci_high"] = twfe["estimate"] + (tw_fr["ci_high"] - tw_fr["estimate"]).to_numpy()
    twfe["ci_method"] = tw_fr["ci_method"].to_numpy()
    twfe["p_value"] = tw_fr["p_value"].to_numpy()
    twfe = twfe.merge(twfe_difference(p, s), on="group", how="left")
    # event studies: robust (leads from the pre-trend regression, lags from imputation) and TWFE
    es_tw = did.twfe_event_study(p, s.pre, s.post)
    tw_prof = _intervals(es_tw, p, lambda q: did.twfe_event_study(q, s.pre, s.post), s)
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


@single_threaded_blas()
def placebo(data: CausalityData, s: Settings) -> pd.DataFrame:
    """Every start moved ``placebo_shift`` months earlier, estimated on the months before the
    real starts only: the placebo effects should be zero (``covers_zero``)."""
    p = data.panel()
    sub = p.subset(~p.treated())
    starts = {g: np.where(st < NEVER, st - s.placebo_shift, NEVER) for g, st in p.starts.items()}
    att, _, _ = robust_effects(sub.with_starts(starts), s)
    att["covers_zero"] = (att["ci_low"] <= 0) & (att["ci_high"] >= 0)
    return att


@single_threaded_blas()
def leave_one_wave_out(data: CausalityData, s: Settings) -> pd.DataFrame:
    """For each group and each year in which it started somewhere (a rollout wave), drop the
    cells that started it that year and estimate again. Columns ``group, wave,
    n_cells_dropped, estimate, se, ci_low, ci_high``. The point is the stability of the
    estimate, so the intervals here are the quicker CR1 ones (t(G - 1)), narrower than the
    jackknife intervals of the main estimates."""
    p = data.panel()
    rows = []
    last = int(p.time.max())
    for g in data.groups:
        st = data.cells[f"start__{g}"].to_numpy()
        inside = (st > 0) & (st <= last)
        if not inside.any():
            continue
        years = data.origin.year + (st + data.origin.month - 1) // 12
        for wave in sorted(set(years[inside].tolist())):
            drop_units = data.cells["unit"].to_numpy()[inside & (years == wave)]
            keep = ~np.isin(p.unit, drop_units)
            att, _, _ = robust_effects(p.subset(keep), s, jackknife=False)
            r = att[att["group"] == g].iloc[0]
            rows.append({"group": g, "wave": int(wave), "n_cells_dropped": int(len(drop_units)),
                         "estimate": r["estimate"], "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]})
    return pd.DataFrame(rows, columns=["group", "wave", "n_cells_dropped", "estimate", "se", "ci_low", "ci_high"])


def naive_before_after(data: CausalityData, window: int) -> pd.DataFrame:
    """What a plain before/after comparison says: per treated cell, mean log index in the
    ``window`` months from the start minus the ``window`` months before, averaged over cells.
    It ignores the price trend and the other initiatives: shown only as a warning."""
    f = data.frame
    rows = []
    for g in data.groups:
        diffs = []
        for c in data.cells.itertuples():
            s = data.cells.loc[c.Index, f"start__{g}"]
            if s >= NEVER:
                continue
            cf = f[f["unit"] == c.unit]
            after = cf[(cf["time"] >= s) & (cf["time"] < s + window)]["y"]
            before = cf[(cf["time"] < s) & (cf["time"] >= s - window)]["y"]
            if len(after) >= window // 2 and len(before) >= window // 2:
                diffs.append(after.mean() - before.mean())
        rows.append({"group": g, "estimate": float(np.mean(diffs)) if diffs else np.nan, "n_cells": len(diffs),
                     "min": float(np.min(diffs)) if diffs else np.nan, "max": float(np.max(diffs)) if diffs else np.nan})
    return pd.DataFrame(rows)


@single_threaded_blas()
def unit_value_comparison(data: CausalityData, s: Settings) -> pd.DataFrame:
    """The robust estimator run on the log unit value (spend / quantity per cell-month) instead
    of the price index: a product-mix shift shows up as a spurious price effect."""
    f = data.frame
    ok = f["log_unit_value"].notna().to_numpy()
    p = data.panel("log_unit_value").subset(ok)
    att, _, _ = robust_effects(p, s)
    return att[["group", "estimate", "se", "ci_low", "ci_high", "ci_method"]]


# ---------------------------------------------------------------- money
def _saving(spend: float, tau: float) -> float:
    """Saving on observed spend from a log price effect tau: counterfactual spend minus spend.
    Counterfactual spend (prices without the effect, same quantities) = spend x exp(-tau);
    the saving equals (1 - exp(tau)) x counterfactual spend."""
    return float(spend * (np.exp(-tau) - 1.0)) if np.isfinite(tau) else float("nan")


def sek_effects(data: CausalityData, effects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group: spend in the cell-months where it is on, the implied saving in SEK with its
    interval (from the effect's interval), in total and per calendar year. A positive saving
    means lower prices. Spend is the purchase lines' spend in the cells of the panel."""
    p = data.panel()
    f = data.frame
    tot, by_year = [], []
    for r in effects.itertuples():
        on = p.active(r.group)
        spend = float(f.loc[on, "spend_sek"].sum())
        years = f.loc[on].groupby("year")["spend_sek"].sum()
        tot.append({"group": r.group, "spend_sek": spend, "saving_sek": _saving(spend, r.estimate),
                    "saving_low_sek": _saving(spend, r.ci_high), "saving_high_sek": _saving(spend, r.ci_low),
                    "n_cell_months": int(on.sum()), "identified": bool(r.identified)})
        for y, s in years.items():
            by_year.append({"group": r.group, "year": int(y), "spend_sek": float(s), "saving_sek": _saving(s, r.estimate),
                            "saving_low_sek": _saving(s, r.ci_high), "saving_high_sek": _saving(s, r.ci_low)})
    return pd.DataFrame(tot), pd.DataFrame(by_year, columns=["group", "year", "spend_sek", "saving_sek",
                                                             "saving_low_sek", "saving_high_sek"])


def board_comparison(data: CausalityData, effects: pd.DataFrame, view: pd.DataFrame,
                     group: str = "coordination") -> pd.DataFrame:
    """Per category with a coordinated contract inside the panel: spend after the contract
    took effect, the saving the estimated coordination effect implies on it (with interval),
    and the board's reported enabled savings (``reported_saving_sek``) for procurements of that
    category completed in the same years, in total and for coordinated procurements.

    ``view`` is ``questions.common.procurement_view`` (one row per procurement, with
    ``coordinated`` and ``year``). Enabled savings are computed over a contract's term when it
    is awarded and are not realised savings; the two columns measure different things."""
    r = effects.set_index("group").loc[group] if group in set(effects["group"]) else None
    p = data.panel()
    on = p.active(group) if group in p.starts else np.zeros(len(p.y), dtype=bool)
    f = data.frame.assign(_on=on)
    rows = []
    for cat, cf in f[f["_on"]].groupby("category"):
        years = sorted(set(cf["year"]))
        spend = float(cf["spend_sek"].sum())
        v = view[(view["category"] == cat) & view["year"].isin(years)]
        rows.append({
            "category": cat, "first_month": pd.Timestamp(cf["month"].min()).strftime("%Y-%m"),
            "years": f"{years[0]}–{years[-1]}", "spend_sek": spend,
            "saving_sek": _saving(spend, r["estimate"]) if r is not None else np.nan,
            "saving_low_sek": _saving(spend, r["ci_high"]) if r is not None else np.nan,
            "saving_high_sek": _saving(spend, r["ci_low"]) if r is not None else np.nan,
            "reported_sek": float(v["reported_saving_sek"].sum()),
            "reported_coordinated_sek": float(v.loc[v["coordinated"], "reported_saving_sek"].sum()),
            "n_procurements": int(len(v)), "n_coordinated": int(v["coordinated"].sum()),
        })
    return pd.DataFrame(rows, columns=["category", "first_month", "years", "spend_sek", "saving_sek", "saving_low_sek",
                                       "saving_high_sek", "reported_sek", "reported_coordinated_sek",
                                       "n_procurements", "n_coordinated"])


# ---------------------------------------------------------------- summary
def effects_table(est: Estimates, ident: pd.DataFrame) -> pd.DataFrame:
    """One row per group: robust estimate and interval, pre-trend p, identification, and TWFE
    beside it; ``interpretation``: ``causal`` (identified, pre-trend not rejected),
    ``associational`` (pre-trend rejected or identification weak) or ``not_identified``."""
    e = est.effects.merge(ident[["group", "status", "identified", "n_clusters", "joint_with"]].rename(
        columns={"n_clusters": "n_clusters_treated"}), on="group", how="left")
    tw = est.twfe[["group", "estimate", "se", "ci_low", "ci_high", "difference_p"]].add_prefix("twfe_").rename(
        columns={"twfe_group": "group"})
    e = e.merge(tw, on="group", how="left")
    e["separable"] = e["identified"].fillna(False).astype(bool) & e["estimable"].astype(bool)
    e["identified"] = e["separable"]  # until finalize_effects has weighed the pre-trend tests
    return e


ALL_TESTS = ("wild_cluster_bootstrap", "f_test")
TEST_COLUMNS = {"wild_cluster_bootstrap": "pretrend_p", "f_test": "pretrend_p_f"}


def pretrend_min_p(row, tests=ALL_TESTS) -> float:
    """The smallest p-value of the pre-trend ``tests`` run for a group; NaN when none ran."""
    ps = [row[TEST_COLUMNS[t]] for t in tests if TEST_COLUMNS[t] in row and np.isfinite(row[TEST_COLUMNS[t]])]
    return float(min(ps)) if ps else float("nan")


def interpretation(row, alpha: float, tests=ALL_TESTS) -> str:
    """``not_identified`` (no cells of its own, or no estimate), ``associational`` (weak
    identification, or any of the pre-trend ``tests`` rejects, or none could be run) or
    ``causal``."""
    if row["status"] in ("joint_only", "not_treated") or not np.isfinite(row["estimate"]):
        return "not_identified"
    p_min = pretrend_min_p(row, tests)
    if row["status"] == "weak" or not np.isfinite(p_min) or p_min < alpha:
        return "associational"
    return "causal"


def finalize_effects(effects: pd.DataFrame, alpha: float, divergence_share: float = 0.2,
                     divergence_min: float = 0.005, tests=ALL_TESTS) -> pd.DataFrame:
    """Interpretation, percent changes and whether TWFE differs from the robust estimate:
    significantly (``twfe_difference_p < alpha``) or materially (by more than
    ``divergence_share`` of the robust estimate and more than ``divergence_min``). With about
    ten clusters a real bias of TWFE is often not significant, so materiality is the rule an
    auditor can use."""
    e = effects.copy()
    if "pretrend_p_f" not in e:
        e["pretrend_p_f"] = np.nan
    e["interpretation"] = [interpretation(r, alpha, tests) for _, r in e.iterrows()]
    e["pretrend_min_p"] = [pretrend_min_p(r, tests) for _, r in e.iterrows()]
    # identified: a causal reading is defensible (separately estimable, enough treated
    # categories for the interval, and no pre-trend test rejects)
    e["identified"] = e["interpretation"] == "causal"
    e["pct"] = np.expm1(e["estimate"])
    e["pct_low"] = np.expm1(e["ci_low"])
    e["pct_high"] = np.expm1(e["ci_high"])
    e["twfe_inside_ci"] = (e["twfe_estimate"] >= e["ci_low"]) & (e["twfe_estimate"] <= e["ci_high"])
    gap = (e["twfe_estimate"] - e["estimate"]).abs()
    material = (gap > divergence_share * e["estimate"].abs()) & (gap > divergence_min)
    e["twfe_differs"] = (material | (e["twfe_difference_p"] < alpha)).fillna(False).astype(bool)
    return e


def results_entry(row) -> dict:
    """The ``effects`` entry of the results JSON for one group."""

    def num(x):
        return None if x is None or not np.isfinite(x) else float(x)

    ok = bool(row.get("separable", row["identified"])) or row.get("status") == "weak"
    return {
        "estimate": num(row["estimate"]) if ok else None, "se": num(row["se"]) if ok else None,
        "ci_low": num(row["ci_low"]) if ok else None, "ci_high": num(row["ci_high"]) if ok else None,
        "pretrend_p": num(row["pretrend_p"]), "pretrend_p_f": num(row.get("pretrend_p_f", np.nan)),
        "identified": bool(row["identified"]), "separable": bool(row.get("separable", row["identified"])),
        "status": row["status"], "interpretation": row["interpretation"], "ci_method": row["ci_method"],
        "n_cells": int(row["n_cells"]), "n_obs": int(row["n_obs"]),
        "twfe": {"estimate": num(row["twfe_estimate"]), "se": num(row["twfe_se"]),
                 "ci_low": num(row["twfe_ci_low"]), "ci_high": num(row["twfe_ci_high"]),
                 "difference_p": num(row["twfe_difference_p"]), "differs": bool(row["twfe_differs"])},
    }


def assessment_inputs(effects: pd.DataFrame, placebo_tab: pd.DataFrame, group: str = "coordination") -> dict:
    """Figures the criteria use, for the coordination effect."""
    r = effects.set_index("group").loc[group] if group in set(effects["group"]) else None
    pl = placebo_tab.set_index("group").loc[group] if group in set(placebo_tab["group"]) else None

    def num(x):
        return float(x) if x is not None and np.isfinite(x) else None

    if r is None:
        return {"coordination_identified": False}
    return {
        "coordination_identified": bool(r["identified"]),
        "coordination_estimate": num(r["estimate"]),
        "coordination_ci_high": num(r["ci_high"]),
        "coordination_pretrend_p": num(r["pretrend_min_p"]) if "pretrend_min_p" in r else num(r["pretrend_p"]),
        "coordination_placebo_ok": bool(pl["covers_zero"]) if pl is not None and np.isfinite(pl["estimate"]) else None,
        "coordination_estimators_agree": (not bool(r["twfe_differs"])) if np.isfinite(r["twfe_estimate"]) else None,
    }


def conclusions(effects: pd.DataFrame, placebo_tab: pd.DataFrame) -> list[tuple[str, dict]]:
    """Plain-language conclusions as (text key, values): one per group, then divergence and
    placebo warnings. In the values, ``group`` and ``with`` are group names (to be labelled),
    keys ending in ``_pct`` are fractions to show as percent, ``p`` is a p-value."""
    out: list[tuple[str, dict]] = []
    for _, r in effects.iterrows():
        g = r["group"]
        joint = JOINT in g
        kind = r["interpretation"]
        v = {"group": g, "pct": r["pct"], "low_pct": r["pct_low"], "high_pct": r["pct_high"],
             "p": r["pretrend_min_p"] if "pretrend_min_p" in r else r["pretrend_p"],
             "n_cells": int(r["n_cells"])}
        if kind == "not_identified":
            if not joint:
                w = r["joint_with"] if isinstance(r["joint_with"], list) and r["joint_with"] else []
                out.append(("causality.conclusion_not_identified", {"group": g, "with": w[0] if w else g}))
            continue
        if joint:
            key = "causality.conclusion_joint_weak" if r["status"] == "weak" else "causality.conclusion_joint"
        elif kind == "causal":
            significant = np.isfinite(r["ci_high"]) and (r["ci_high"] < 0 or r["ci_low"] > 0)
            key = "causality.conclusion_causal" if significant else "causality.conclusion_no_effect"
        elif r["status"] == "weak":
            key = "causality.conclusion_associational_weak"
        elif list(r.get("reasons", [])) == ["other_initiative"]:
            key = "causality.conclusion_associational_other"
            v["others"] = list(r["failing_initiatives"])
        else:
            key = "causality.conclusion_associational_pretrend"
        out.append((key, v))
    for _, r in effects.iterrows():
        if r["interpretation"] != "not_identified" and np.isfinite(r["twfe_estimate"]) and r["twfe_differs"]:
            out.append(("causality.conclusion_diverge", {"group": r["group"], "twfe_pct": float(np.expm1(r["twfe_estimate"])),
                                                         "pct": r["pct"]}))
    bad = placebo_tab[(~placebo_tab["covers_zero"].astype(bool)) & placebo_tab["estimate"].notna()]
    for _, r in bad.iterrows():
        out.append(("causality.conclusion_placebo", {"group": r["group"], "pct": float(np.expm1(r["estimate"]))}))
    return out


# ---------------------------------------------------------------- everything, for the notebook
@dataclass
class Analysis:
    data: CausalityData
    settings: Settings
    identification: pd.DataFrame
    estimates: Estimates
    effects: pd.DataFrame  # finalize_effects: robust + TWFE + interpretation, one row per group
    placebo: pd.DataFrame
    leave_one_out: pd.DataFrame
    naive: pd.DataFrame
    unit_value: pd.DataFrame
    sek: pd.DataFrame
    sek_by_year: pd.DataFrame
    board: pd.DataFrame
    inputs: dict
    conclusions: list


@single_threaded_blas()
def analyse(panel: pd.DataFrame, rollouts: pd.DataFrame, view: pd.DataFrame, section, seed: int,
            significance_level: float) -> Analysis:
    """The whole question from the price-index panel, the rollouts table and the register view
    (``common.procurement_view``) with the ``CausalityParams`` section."""
    s = settings_from(section, seed, significance_level)
    data = prepare(panel, rollouts, list(section.treatments), section.cluster, section.min_cell_months)
    ident = identification(data, s.min_treated_clusters, section.close_start_months)
    est = estimate(data, s)
    eff = finalize_effects(effects_table(est, ident), s.alpha, s.divergence_share, s.divergence_min, s.tests)
    eff = apply_design(eff, data.treatments, s.alpha)
    pl = placebo(data, s)
    loo = leave_one_wave_out(data, s)
    naive = naive_before_after(data, s.naive_window)
    uv = unit_value_comparison(data, s)
    sek, sek_year = sek_effects(data, eff)
    board = board_comparison(data, eff, view)
    return Analysis(data, s, ident, est, eff, pl, loo, naive, uv, sek, sek_year, board,
                    assessment_inputs(eff, pl), conclusions(eff, pl))


PRETREND_TESTS = {"wild_cluster_bootstrap": ("p_value", "statistic"), "f_test": ("p_value_f", "statistic_f")}


def pretrend_tests_table(pretrend: pd.DataFrame, alpha: float, tests=ALL_TESTS) -> list[dict]:
    """Every pre-trend test that was run: one entry per test and driver (effect group), with
    its statistic, p-value, whether it rejects parallel trends at ``alpha`` and whether it
    ``decides`` identification (is one of ``tests``)."""
    out = []
    for r in pretrend.to_dict("records"):
        for test, (pcol, scol) in PRETREND_TESTS.items():
            pv, st = r.get(pcol), r.get(scol)
            if pv is None or not np.isfinite(pv):
                continue
            out.append({"test": test, "driver": r["group"], "statistic": float(st) if np.isfinite(st) else None,
                        "p_value": float(pv), "n_leads": int(r["n_leads"]), "rejects": bool(pv < alpha),
                        "decides": test in tests})
    return out


def own_reasons(r, alpha: float) -> list[str]:
    """Why one effect on its own does not bear a causal reading: ``not_separable`` (never
    starts on its own, or no estimate), ``too_few_treated`` (too few categories for the
    interval to be trusted), ``pretrend_rejected`` (a pre-trend test rejects at ``alpha``),
    ``pretrend_not_testable``. Empty when it does."""
    if r["status"] in ("joint_only", "not_treated") or not np.isfinite(r["estimate"]):
        return ["not_separable"]
    why = ["too_few_treated"] if r["status"] == "weak" else []
    p_min = r["pretrend_min_p"]
    if not np.isfinite(p_min):
        why.append("pretrend_not_testable")
    elif p_min < alpha:
        why.append("pretrend_rejected")
    return why


def apply_design(effects: pd.DataFrame, treatments: list[str], alpha: float) -> pd.DataFrame:
    """Weigh the design as a whole. The initiatives' effects are estimated from one common
    comparison group (the months without any initiative), so when the pre-trend tests reject
    for one initiative, or one rests on too few categories, that comparison group is suspect for
    all: no effect is then read causally. Adds ``reasons`` (own reasons, plus
    ``other_initiative`` when only another initiative fails) and sets ``identified`` and
    ``interpretation`` accordingly."""
    e = effects.copy()
    e["reasons"] = [own_reasons(r, alpha) for _, r in e.iterrows()]
    own_ok = {g: not why for g, why in zip(e["group"], e["reasons"])}
    design_ok = all(own_ok.get(t, False) for t in treatments)
    if not design_ok:
        failing = [t for t in treatments if not own_ok.get(t, False)]
        e["reasons"] = [why if why else ["other_initiative"] for why in e["reasons"]]
        e["failing_initiatives"] = [[t for t in failing if t != g] for g in e["group"]]
        e.loc[e["interpretation"] == "causal", "interpretation"] = "associational"
    else:
        e["failing_initiatives"] = [[] for _ in range(len(e))]
    e["identified"] = e["interpretation"] == "causal"
    return e


def design_identified(effects: pd.DataFrame, treatments: list[str]) -> bool:
    """Does the design identify the price effect of every initiative, so that a causal
    reading is defensible? (``apply_design`` has set ``identified``.)"""
    rows = effects.set_index("group")
    return bool(all(t in rows.index and bool(rows.loc[t, "identified"]) for t in treatments))


def reason_groups(effects: pd.DataFrame, treatments: list[str]) -> dict[str, list[str]]:
    """Reason -> the initiatives it applies to (own reasons only, in ``treatments`` order)."""
    rows = effects.set_index("group")
    out: dict[str, list[str]] = {}
    for t in treatments:
        for why in (rows.loc[t, "reasons"] if t in rows.index else ["not_separable"]):
            if why != "other_initiative":
                out.setdefault(why, []).append(t)
    return out


def identification_reasons(effects: pd.DataFrame) -> dict[str, list[str]]:
    """Per effect group that is not identified: why (``apply_design``'s ``reasons``)."""
    return {g: list(why) for g, why, ok in zip(effects["group"], effects["reasons"], effects["identified"]) if not ok}


def results(a: Analysis) -> dict:
    """What the results JSON records: ``effects`` (one entry per treatment, each with its TWFE
    estimate beside it), ``joint_effects``, ``sek``, diagnostics and coverage."""
    rows = {r["group"]: r for _, r in a.effects.iterrows()}
    effects = {}
    for t in a.data.treatments:
        if t in rows:
            effects[t] = results_entry(rows[t])
    joint = {g: results_entry(r) | {"cells": next(iter(a.identification.loc[a.identification["group"] == g, "cells"]), None)}
             for g, r in rows.items() if JOINT in g}
    sek = {r["group"]: {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items() if k != "group"}
           for r in a.sek.to_dict("records")}
    pt = a.estimates.pretrend.set_index("group")
    tests = pretrend_tests_table(a.estimates.pretrend, a.settings.alpha, a.settings.tests)
    return {
        "identified": design_identified(a.effects, a.data.treatments),
        "identification_reasons": identification_reasons(a.effects),
        "pretrend_tests": tests,
        "effects": effects,
        "joint_effects": joint,
        "sek": sek,
        "sek_by_year": a.sek_by_year,
        "board_comparison": a.board,
        "identification": a.identification.drop(columns=["cells"]),
        "pretrend": pt.reset_index(),
        "placebo": a.placebo[["group", "estimate", "se", "ci_low", "ci_high", "covers_zero"]],
        "leave_one_wave_out": a.leave_one_out,
        "naive_before_after": a.naive,
        "unit_value": a.unit_value,
        "event_study": a.estimates.event_study,
        "coverage": a.data.coverage | {k: v for k, v in a.estimates.meta.items() if k != "n_by_target"},
        "settings": {"level": a.settings.level, "bootstrap_reps": a.settings.reps, "seed": a.settings.seed,
                     "identification_tests": list(a.settings.tests),
                     "event_window": [-a.settings.pre, a.settings.post]},
    }

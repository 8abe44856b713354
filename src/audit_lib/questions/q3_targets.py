"""Audit question 3: are the targets realistic, clear and adapted to earlier results?

Pure functions from the ``targets`` table (and the register's history) to figures:
- ``target_table``: target against outcome with gap and gap in percent; "no target set" stays
  distinct from zero (``target_set`` false, gap empty);
- ``anchoring``: each target beside the earlier outcomes: last outcome, mean, linear trend
  forecast with its prediction interval (statsmodels OLS), and where the target falls in it;
- ``assessment_inputs``: the figures the four-level criteria use;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q3Result`` out), and ``results`` the figures its results JSON records.

A handful of yearly outcomes says little: with n years of history the trend has n - 2 degrees
of freedom, so the interval is wide; ``anchoring`` reports n and the interval, never a point
alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS  # not statsmodels.api: 0.7 s less to import
from statsmodels.tools.tools import add_constant
from scipy import stats

from ..contract.period import Period
from ..params import Q3Params
from . import common

INDICATOR_ORDER = ("coordinated_count", "coordinated_share", "enabled_savings_sek")


def target_table(targets: pd.DataFrame) -> pd.DataFrame:
    """Rows ``year, indicator, period, target, outcome, gap, gap_pct, target_set, source,
    synthetic``, sorted by indicator, year and period (full year before interim)."""
    t = targets.copy()
    t["target_set"] = t["target"].notna()
    t["gap"] = t["outcome"] - t["target"]
    t["gap_pct"] = np.where(t["target"] > 0, t["gap"] / t["target"], np.nan)
    t["synthetic"] = t["source"].str.contains("synthetic", case=False, na=False)
    order = {k: i for i, k in enumerate(INDICATOR_ORDER)}
    t["_o"] = t["indicator"].map(order)
    t["_p"] = (t["period"] != "full_year").astype(int)
    t = t.sort_values(["_o", "year", "_p"]).drop(columns=["_o", "_p"]).reset_index(drop=True)
    cols = ["year", "indicator", "period", "target", "outcome", "gap", "gap_pct", "target_set", "source", "synthetic"]
    return t[cols]


@dataclass(frozen=True)
class Forecast:
    """A linear-trend forecast of one year's outcome from the years before it."""

    year: int
    n_history: int
    mean: float
    low: float
    high: float
    se: float  # standard error of a new observation
    df: int
    level: float

    def percentile(self, value: float) -> float:
        """Where ``value`` falls in the predictive distribution (0-1)."""
        if not math.isfinite(self.se) or self.se == 0:
            return float("nan")
        return float(stats.t.cdf((value - self.mean) / self.se, self.df))


def trend_forecast(years: np.ndarray, outcomes: np.ndarray, year: int, level: float) -> Forecast | None:
    """OLS of outcome on year; the prediction interval for ``year``. None with < 3 points."""
    years = np.asarray(years, dtype=float)
    outcomes = np.asarray(outcomes, dtype=float)
    ok = np.isfinite(outcomes)
    years, outcomes = years[ok], outcomes[ok]
    n = len(years)
    if n < 3:
        return None
    X = add_constant(years - years.mean())
    fit = OLS(outcomes, X).fit()
    x_new = np.array([[1.0, year - years.mean()]])
    pred = fit.get_prediction(x_new).summary_frame(alpha=1 - level)
    mean = float(pred["mean"].iloc[0])
    resid_var = float(fit.scale)
    se_mean = float(pred["mean_se"].iloc[0])
    se_obs = math.sqrt(se_mean**2 + resid_var)
    return Forecast(
        year,
        n,
        mean,
        float(pred["obs_ci_lower"].iloc[0]),
        float(pred["obs_ci_upper"].iloc[0]),
        se_obs,
        int(fit.df_resid),
        level,
    )


def outcome_history(table: pd.DataFrame, register_history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Full-year outcomes by indicator and year; the register's coordinated share per year
    fills ``coordinated_share`` where the targets table has no full-year outcome."""
    full = table[table["period"] == "full_year"][["indicator", "year", "outcome"]].dropna()
    if register_history is not None and len(register_history):
        reg = register_history[["year", "coordinated_share"]].rename(columns={"coordinated_share": "outcome"})
        reg = reg.assign(indicator="coordinated_share")
        have = set(full.loc[full["indicator"] == "coordinated_share", "year"])
        full = pd.concat([full, reg[~reg["year"].isin(have)]], ignore_index=True)
    return full.sort_values(["indicator", "year"]).reset_index(drop=True)


def anchoring(
    table: pd.DataFrame, history: pd.DataFrame, level: float = 0.8, min_history_years: int = 3
) -> pd.DataFrame:
    """For each target set (any period): earlier full-year outcomes, trend forecast, position.

    Columns: ``year, indicator, period, target, n_history, last_outcome, mean_outcome,
    forecast, forecast_low, forecast_high, within_interval, percentile, target_vs_last``.
    """
    rows = []
    for r in cast(Iterable[Any], table[table["target_set"]].itertuples(index=False)):
        h = history[(history["indicator"] == r.indicator) & (history["year"] < r.year)]
        fc = (
            trend_forecast(h["year"].to_numpy(), h["outcome"].to_numpy(), r.year, level)
            if len(h) >= min_history_years
            else None
        )
        last = float(h["outcome"].iloc[-1]) if len(h) else float("nan")
        rows.append(
            dict(
                year=r.year,
                indicator=r.indicator,
                period=r.period,
                target=r.target,
                n_history=len(h),
                last_outcome=last,
                mean_outcome=float(h["outcome"].mean()) if len(h) else float("nan"),
                forecast=fc.mean if fc else float("nan"),
                forecast_low=fc.low if fc else float("nan"),
                forecast_high=fc.high if fc else float("nan"),
                within_interval=(fc.low <= r.target <= fc.high) if fc else None,
                percentile=fc.percentile(r.target) if fc else float("nan"),
                target_vs_last=(r.target / last - 1) if last and math.isfinite(last) else float("nan"),
            )
        )
    cols = [
        "year",
        "indicator",
        "period",
        "target",
        "n_history",
        "last_outcome",
        "mean_outcome",
        "forecast",
        "forecast_low",
        "forecast_high",
        "within_interval",
        "percentile",
        "target_vs_last",
    ]
    return pd.DataFrame(rows, columns=cols)


def assessment_inputs(
    table: pd.DataFrame, anchor: pd.DataFrame, audit_year: int, years_back: int = 3
) -> dict[str, Any]:
    """Figures for the criteria, over the audit year and the ``years_back`` years before it."""
    window = table[(table["year"] > audit_year - years_back - 1) & (table["year"] <= audit_year)]
    window = window[window["outcome"].notna()]
    a = anchor[(anchor["year"] > audit_year - years_back - 1) & (anchor["year"] <= audit_year)]
    judged = a[a["within_interval"].notna()]
    return {
        "targets_set_share": float(window["target_set"].mean()) if len(window) else float("nan"),
        "n_indicator_years": int(len(window)),
        "within_interval_share": float(judged["within_interval"].astype(bool).mean()) if len(judged) else float("nan"),
        "n_forecastable": int(len(judged)),
        "targets_met_share": float((window.loc[window["target_set"], "gap"] >= 0).mean())
        if window["target_set"].any()
        else float("nan"),
    }


@dataclass(frozen=True)
class Q3Result:
    """What question 3 finds: the targets table, each target beside its history, and the
    figures the criteria use."""

    table: pd.DataFrame  # target_table
    anchor: pd.DataFrame  # anchoring
    inputs: dict[str, Any]  # assessment_inputs
    audit_year: int


def analyse(tables: common.Tables, params: Q3Params, period: Period, seed: int = 0) -> Q3Result:
    """Question 3 on the package as the period sees it (no randomness: ``seed`` is unused)."""
    table = target_table(tables["targets"])
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    history = outcome_history(table, common.coordination_by_year(view))
    anchor = anchoring(table, history, params.forecast_level, params.min_history_years)
    year = period.end.year
    return Q3Result(table, anchor, assessment_inputs(table, anchor, year), year)


def results(res: Q3Result) -> dict[str, Any]:
    """The figures the results JSON records (the table without its free-text source)."""
    return {"table": res.table.drop(columns=["source"]), "anchoring": res.anchor, "assessment_inputs": res.inputs}

"""Audit question 2: does coordination give economic or administrative gains, and are good and
poor examples learned from?

Pure functions from the procurement view (``common.procurement_view``) and the optional
``coordination_effort`` table to figures:

- ``gains_table``: one row per coordinated procurement: its enabled saving (the register's
  ``reported_saving_sek``), the recorded coordination effort in hours and its cost (hours times
  an hourly cost), and the administrative gain of one procedure instead of one per region
  (``(regions - 1)`` times the cost of running one procurement);
- ``year_summary``: per year, totals with their coverage: how many coordinated procurements have
  a computed saving, how many have any effort recorded; the recorded cost, and the cost
  extrapolated to all coordinated procurements with a bootstrap interval;
- ``savings_rate_comparison``: enabled saving as a share of estimated value, coordinated against
  single-region procurements (associational: which procurements are coordinated is not random);
- ``examples``: coordinated procurements flagged as possible good or poor examples (external
  consultant, unusual effort, lessons documented), for the auditors to follow up;
- ``admin_gain_range``: the administrative gain over the plausible range of the assumed cost
  per procedure (it rests on that assumption alone);
- ``confirmed_savings`` and ``savings_basis``: how much of the year's enabled savings question
  4's recomputation confirms (the net rests on them);
- ``assessment_inputs``: the figures the four-level criteria use;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q2Result`` out), and ``results`` the figures its results JSON records.

Enabled savings are computed, not realised: they are what a contract may save against a
reference price, and they are the saving of the whole procurement, not the part caused by
coordinating it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ..contract.period import Period
from ..params import Q2Params, Q4Params
from . import common
from .common import wilson_interval


def effort_by_procurement(effort: pd.DataFrame | None) -> pd.DataFrame:
    """Hours per procurement from ``coordination_effort``: ``procurement_id, hours,
    n_activities``. An empty frame when the table is absent."""
    if effort is None or not len(effort):
        return pd.DataFrame({"procurement_id": pd.Series(dtype=object), "hours": pd.Series(dtype=float),
                             "n_activities": pd.Series(dtype=int)})
    g = effort.groupby("procurement_id")
    return pd.DataFrame({"hours": g["hours"].sum(), "n_activities": g.size()}).reset_index()


def gains_table(
    view: pd.DataFrame, effort: pd.DataFrame | None, hourly_cost_sek: float, cost_per_procurement_sek: float
) -> pd.DataFrame:
    """One row per coordinated procurement (all years), sorted by id.

    ``enabled_saving_sek`` is the register's reported saving (missing where no method could
    compute one: ``saving_computed`` false); ``effort_recorded`` is true when the procurement has
    any row in ``coordination_effort`` (then ``hours`` and ``coordination_cost_sek`` are set, else
    missing, never zero); ``admin_gain_sek = (n_regions - 1) * cost_per_procurement_sek``.
    """
    c = view[view["coordinated"].astype(bool)]
    cols = ["procurement_id", "year", "title", "category", "n_regions", "estimated_value_sek", "saving_method",
            "reported_saving_sek", "external_consultant", "lessons_documented"]
    out = c[cols].rename(columns={"reported_saving_sek": "enabled_saving_sek"})
    out = out.merge(effort_by_procurement(effort), on="procurement_id", how="left")
    out["saving_computed"] = out["enabled_saving_sek"].notna()
    out["effort_recorded"] = out["hours"].notna()
    out["n_activities"] = out["n_activities"].fillna(0).astype(int)
    out["coordination_cost_sek"] = out["hours"] * hourly_cost_sek
    out["admin_gain_sek"] = (out["n_regions"] - 1).clip(lower=0) * cost_per_procurement_sek
    out["external_consultant"] = out["external_consultant"].fillna(False).astype(bool)
    out["lessons_documented"] = out["lessons_documented"].fillna(False).astype(bool)
    return out.sort_values("procurement_id").reset_index(drop=True)


def missing_total_interval(x: np.ndarray, n_missing: int, level: float) -> tuple[float, float]:
    """Prediction interval for the sum of ``n_missing`` unobserved values drawn like ``x``:
    ``n_missing * mean(x) +/- t * s * sqrt(n_missing + n_missing**2 / len(x))`` (their own
    variation plus the uncertainty of the mean), the lower end at least 0. nan with fewer than two
    values; ``(0, 0)`` when nothing is missing. Checked by simulation in the tests: close to its
    nominal level for skewed (gamma) costs with 25-40 procurements."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    if n_missing == 0:
        return 0.0, 0.0
    if len(x) < 2:
        return float("nan"), float("nan")
    centre = n_missing * float(x.mean())
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1)) * float(x.std(ddof=1)) * math.sqrt(
        n_missing + n_missing**2 / len(x))
    return max(0.0, centre - half), centre + half


def year_summary(gains: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per year of ``gains`` (from ``gains_table``):

    - ``n_coordinated``; ``n_saving`` and ``saving_coverage`` (with a computed saving);
      ``n_effort`` and ``effort_coverage`` (any effort recorded) with a Wilson interval;
    - ``enabled_savings_sek``: sum of computed enabled savings;
    - ``hours``, ``coordination_cost_sek``: recorded effort and its cost (a lower bound of the
      true cost where coverage is below 100 %);
    - ``coordination_cost_est_sek`` with ``_low``/``_high``: the recorded cost plus the mean
      recorded cost for each procurement without records (so mean times ``n_coordinated``),
      assuming those cost like the recorded ones; the interval is a prediction interval for the
      unrecorded procurements' total (``missing_total_interval``), so it narrows as coverage grows;
    - ``net_sek = enabled_savings_sek - coordination_cost_sek`` (before unrecorded costs, so an
      upper bound), ``net_est_sek`` with interval (after the extrapolated cost);
    - ``admin_gain_sek``, ``admin_net_sek`` (against the recorded cost), ``admin_net_est_sek``.
    """
    rows = []
    for year, g in sorted(gains.groupby("year"), key=itemgetter(0)):
        n = len(g)
        rec = g[g["effort_recorded"]]
        n_eff = len(rec)
        lo_c, hi_c = wilson_interval(n_eff, n, level)
        enabled = float(g["enabled_saving_sek"].sum(min_count=1))  # nan when none was computed
        cost = float(rec["coordination_cost_sek"].sum())
        mean_cost = float(rec["coordination_cost_sek"].mean()) if n_eff else float("nan")
        m_lo, m_hi = missing_total_interval(rec["coordination_cost_sek"].to_numpy(), n - n_eff, level)
        est = cost + mean_cost * (n - n_eff)
        est_lo, est_hi = cost + m_lo, cost + m_hi
        admin = float(g["admin_gain_sek"].sum())
        rows.append(dict(
            year=year, n_coordinated=n, n_saving=int(g["saving_computed"].sum()),
            saving_coverage=float(g["saving_computed"].mean()) if n else float("nan"),
            n_effort=n_eff, effort_coverage=n_eff / n if n else float("nan"),
            effort_coverage_low=lo_c, effort_coverage_high=hi_c,
            enabled_savings_sek=enabled, hours=float(rec["hours"].sum()), coordination_cost_sek=cost,
            coordination_cost_est_sek=est, coordination_cost_est_low=est_lo, coordination_cost_est_high=est_hi,
            net_sek=enabled - cost, net_est_sek=enabled - est, net_est_low=enabled - est_hi,
            net_est_high=enabled - est_lo,
            admin_gain_sek=admin, admin_net_sek=admin - cost, admin_net_est_sek=admin - est,
            admin_net_est_low=admin - est_hi, admin_net_est_high=admin - est_lo,
        ))
    return pd.DataFrame(rows)


def savings_rate_comparison(
    view: pd.DataFrame, years: list[int] | None = None, level: float = 0.95, reps: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Enabled saving over estimated value, per procurement with a computed saving and a
    positive value: mean rate for coordinated and for single-region procurements, their
    difference and a bootstrap interval of the difference (resampling within each group).

    Associational only: the procurements chosen for coordination differ from the others (size,
    category, market), so a difference is not the effect of coordinating.
    """
    v = view if years is None else view[view["year"].isin(years)]
    v = v[v["reported_saving_sek"].notna() & (v["estimated_value_sek"] > 0)]
    rate = (v["reported_saving_sek"] / v["estimated_value_sek"]).to_numpy(dtype=float)
    coord = v["coordinated"].astype(bool).to_numpy()
    a, b = rate[coord], rate[~coord]
    out = {"n_coordinated": int(len(a)), "n_single": int(len(b)),
           "rate_coordinated": float(a.mean()) if len(a) else float("nan"),
           "rate_single": float(b.mean()) if len(b) else float("nan")}
    out["difference"] = out["rate_coordinated"] - out["rate_single"]
    if len(a) >= 2 and len(b) >= 2:
        rng = np.random.default_rng(seed)
        da = a[rng.integers(0, len(a), size=(reps, len(a)))].mean(axis=1)
        db = b[rng.integers(0, len(b), size=(reps, len(b)))].mean(axis=1)
        q = (1 - level) / 2
        out["difference_low"], out["difference_high"] = (float(np.quantile(da - db, q)),
                                                         float(np.quantile(da - db, 1 - q)))
    else:
        out["difference_low"] = out["difference_high"] = float("nan")
    out["level"] = level
    return out


def examples(gains: pd.DataFrame, years: list[int], high_effort_factor: float) -> pd.DataFrame:
    """Coordinated procurements of ``years`` worth the auditors' attention, sorted by kind
    (poor first) and id.

    Flags: ``external_consultant``; ``high_effort`` (recorded hours at least
    ``high_effort_factor`` times the median recorded hours of all coordinated procurements in
    ``gains``); ``lessons_documented``. ``kind`` is ``poor`` when run by an external consultant or
    with high effort, ``good`` when lessons are documented and neither poor flag is set; others
    are not listed. The data can only point to candidates: whether a procurement went well is
    for the documents and interviews.
    """
    median = float(gains.loc[gains["effort_recorded"], "hours"].median()) if gains["effort_recorded"].any() else float("nan")
    g = gains[gains["year"].isin(years)].copy()
    g["high_effort"] = (g["hours"] >= high_effort_factor * median).fillna(False).astype(bool) if math.isfinite(median) else False
    poor = g["external_consultant"] | g["high_effort"]
    good = g["lessons_documented"] & ~poor
    g["kind"] = np.where(poor, "poor", np.where(good, "good", ""))
    g = g[g["kind"] != ""]
    g["effort_ratio"] = g["hours"] / median if math.isfinite(median) and median > 0 else float("nan")
    g["_k"] = (g["kind"] == "good").astype(int)
    cols = ["kind", "procurement_id", "year", "title", "category", "external_consultant", "high_effort",
            "lessons_documented", "hours", "effort_ratio", "enabled_saving_sek"]
    return g.sort_values(["_k", "procurement_id"])[cols].reset_index(drop=True)


def learning_figures(
    gains: pd.DataFrame, ex: pd.DataFrame, years: list[int], level: float = 0.95
) -> dict[str, Any]:
    """Lessons documented: among coordinated procurements of ``years`` (share, Wilson interval)
    and among the poor examples (where learning matters most)."""
    g = gains[gains["year"].isin(years)]
    n, k = len(g), int(g["lessons_documented"].sum())
    lo, hi = wilson_interval(k, n, level)
    poor = ex[ex["kind"] == "poor"]
    return {"n_coordinated": n, "lessons_documented": k, "lessons_share": k / n if n else float("nan"),
            "lessons_share_low": lo, "lessons_share_high": hi, "n_poor": int(len(poor)),
            "poor_with_lessons": int(poor["lessons_documented"].sum()),
            "n_good": int((ex["kind"] == "good").sum())}


def assessment_inputs(year_row: pd.Series | dict[str, Any], learning: dict[str, Any]) -> dict[str, Any]:
    """Figures for the criteria, for the audit year: coverage of the cost data
    (``effort_coverage``) and of the savings (``saving_coverage``), whether the enabled savings
    exceed the extrapolated cost even at the interval's unfavourable end
    (``net_positive_low``), the share with lessons documented, and the number of good and poor
    examples found."""
    r = dict(year_row)
    low = r.get("net_est_low", float("nan"))
    return {
        "effort_coverage": r.get("effort_coverage", float("nan")),
        "saving_coverage": r.get("saving_coverage", float("nan")),
        "net_positive_low": (bool(low > 0) if low is not None and math.isfinite(low) else None),
        "lessons_share": learning.get("lessons_share", float("nan")),
        "good_examples": learning.get("n_good", 0),
        "poor_examples": learning.get("n_poor", 0),
    }


def admin_gain_range(row: dict[str, Any], cost_per_procurement_sek: float,
                     factors: tuple[float, float]) -> dict[str, Any]:
    """The administrative gain of the year's ``row`` (``year_summary``) when the assumed cost
    per procedure lies anywhere from ``factors[0]`` to ``factors[1]`` times the assumption.
    The gain is that cost times the procedures saved, so it scales with it; its net against
    the estimated cost of coordinating takes that cost's interval too (low: least gain, most
    cost). Empty without a row."""
    if not row:
        return {}
    lo, hi = factors
    admin = float(row["admin_gain_sek"])
    return {"cost_per_procurement_sek": cost_per_procurement_sek, "factors": [lo, hi],
            "cost_low_sek": lo * cost_per_procurement_sek, "cost_high_sek": hi * cost_per_procurement_sek,
            "admin_gain_sek": admin, "admin_gain_low_sek": lo * admin, "admin_gain_high_sek": hi * admin,
            "admin_net_est_low_sek": lo * admin - float(row["coordination_cost_est_high"]),
            "admin_net_est_high_sek": hi * admin - float(row["coordination_cost_est_low"])}


def confirmed_savings(gains: pd.DataFrame, recomputed: pd.DataFrame, findings: pd.DataFrame,
                      year: int) -> dict[str, Any]:
    """How much of ``year``'s enabled savings in coordinated procurements (``gains``) the
    recomputation of question 4 confirms: a saving is confirmed when its method could be
    recomputed (``recomputed``: ``applied_status`` computed) and the reconciliation lists no
    finding for it (``findings``: invalid application or mismatch). ``reliable`` is true only
    when every saving is confirmed."""
    g = gains[(gains["year"] == year) & gains["saving_computed"]]
    status = recomputed.drop_duplicates("procurement_id").set_index("procurement_id")["applied_status"]
    ok = (g["procurement_id"].map(status) == "computed") & ~g["procurement_id"].isin(set(findings["procurement_id"]))
    enabled, confirmed = float(g["enabled_saving_sek"].sum()), float(g.loc[ok, "enabled_saving_sek"].sum())
    return {"n_saving": int(len(g)), "n_confirmed": int(ok.sum()), "enabled_sek": enabled,
            "confirmed_sek": confirmed, "unconfirmed_sek": enabled - confirmed,
            "unconfirmed_share": (enabled - confirmed) / enabled if enabled else float("nan"),
            "reliable": bool(ok.all())}


def savings_basis(tables: common.Tables, gains: pd.DataFrame, model: Q4Params, year: int) -> dict[str, Any]:
    """``confirmed_savings`` with question 4's recomputation and reconciliation
    (``q4_savings_model.checked_savings``) under the rules ``model`` (question 4's parameters)
    states. Findings are per procurement, so those of other years never touch ``year``'s."""
    from . import q4_savings_model as q4

    table, found = q4.checked_savings(tables, model)
    return confirmed_savings(gains, table[table["year"] == year], found, year)


def rate_seeds(seed: int) -> dict[str, int]:
    """The bootstrap seeds of the savings-rate comparisons, derived from the run's seed."""
    return {"all_years": seed + 1, "audit_year": seed + 2}


def example_years(audit_year: int, n_years: int) -> list[int]:
    """The years searched for examples: the audit year and the ``n_years - 1`` before it."""
    return list(range(audit_year - n_years + 1, audit_year + 1))


def high_effort_threshold(gains: pd.DataFrame, high_effort_factor: float) -> float:
    """The hours from which a procurement counts as high effort (``examples``): the factor
    times the median recorded hours; nan when no effort is recorded."""
    return float(high_effort_factor * gains.loc[gains["effort_recorded"], "hours"].median())


def _optional(tables: common.Tables, name: str) -> pd.DataFrame | None:
    """An optional table, or None where the package does not have it."""
    try:
        return tables[name]
    except KeyError:
        return None


@dataclass(frozen=True)
class Q2Result:
    """What question 2 finds: gains and costs per coordinated procurement and per year, the
    savings rates compared, the good and poor examples and the figures the criteria use."""

    gains: pd.DataFrame  # gains_table
    summary: pd.DataFrame  # year_summary
    row: dict[str, Any]  # the audit year's row of ``summary``; empty without coordinated procurements
    has_effort: bool  # whether any coordination effort is recorded
    all_years: list[int]  # the years of the register
    rate_all: dict[str, Any]  # savings_rate_comparison over all years
    rate_year: dict[str, Any]  # ... over the audit year
    example_years: list[int]
    examples: pd.DataFrame
    threshold: float  # high_effort_threshold
    learning: dict[str, Any]  # learning_figures
    inputs: dict[str, Any]  # assessment_inputs
    params: Q2Params
    audit_year: int
    admin_range: dict[str, Any]  # admin_gain_range
    basis: dict[str, Any] | None = None  # savings_basis, where question 4's parameters were given


def analyse(tables: common.Tables, params: Q2Params, period: Period, seed: int = 0,
            savings_model: Q4Params | None = None) -> Q2Result:
    """Question 2 on the package as the period sees it; the savings-rate intervals are
    bootstrapped with seeds derived from ``seed`` (``rate_seeds``). With ``savings_model``
    (question 4's parameters), how much of the enabled savings its recomputation confirms."""
    p, year, seeds = params, period.end.year, rate_seeds(seed)
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    effort = _optional(tables, "coordination_effort")
    gains = gains_table(view, effort, p.hourly_cost_sek, p.cost_per_procurement_sek)
    summary = year_summary(gains, p.interval_level)
    current = summary[summary["year"] == year]
    row = {str(k): v for k, v in current.iloc[0].to_dict().items()} if len(current) else {}
    years = example_years(year, p.examples_years)
    ex = examples(gains, years, p.high_effort_factor)
    learning = learning_figures(gains, ex, years, p.interval_level)
    return Q2Result(
        gains=gains, summary=summary, row=row, has_effort=effort is not None and len(effort) > 0,
        all_years=sorted(int(y) for y in view["year"].unique()),
        rate_all=savings_rate_comparison(view, None, p.interval_level, p.bootstrap_reps, seeds["all_years"]),
        rate_year=savings_rate_comparison(view, [year], p.interval_level, p.bootstrap_reps, seeds["audit_year"]),
        example_years=years, examples=ex, threshold=high_effort_threshold(gains, p.high_effort_factor),
        learning=learning, inputs=assessment_inputs(row, learning), params=p, audit_year=year,
        admin_range=admin_gain_range(row, p.cost_per_procurement_sek, p.cost_per_procurement_factors),
        basis=savings_basis(tables, gains, savings_model, year) if savings_model is not None and row else None,
    )


def results(res: Q2Result) -> dict[str, Any]:
    """The figures the results JSON records: the audit year's gains and costs (the recorded
    cost and the net only where effort is recorded at all), their coverage, the parameters of
    the cost model, and every table behind the page."""
    row, effort, p = res.row, res.has_effort, res.params
    return dict(
        enabled_savings_sek=row.get("enabled_savings_sek"),
        coordination_cost_sek=row.get("coordination_cost_sek") if effort else None,
        net_sek=row.get("net_sek") if effort else None, admin_gain_sek=row.get("admin_gain_sek"),
        coordination_cost_est_sek=row.get("coordination_cost_est_sek"),
        coordination_cost_est_interval=[row.get("coordination_cost_est_low"), row.get("coordination_cost_est_high")],
        net_est_sek=row.get("net_est_sek"), net_est_interval=[row.get("net_est_low"), row.get("net_est_high")],
        admin_net_sek=row.get("admin_net_sek") if effort else None,
        coverage={"n_coordinated": row.get("n_coordinated", 0), "n_effort": row.get("n_effort", 0),
                  "effort_coverage": row.get("effort_coverage"), "n_saving": row.get("n_saving", 0),
                  "saving_coverage": row.get("saving_coverage")},
        hourly_cost_sek=p.hourly_cost_sek, cost_per_procurement_sek=p.cost_per_procurement_sek,
        interval_level=p.interval_level, by_year=res.summary, savings_rate_all_years=res.rate_all,
        savings_rate_audit_year=res.rate_year, examples=res.examples, examples_years=res.example_years,
        learning=res.learning, assessment_inputs=res.inputs, admin_gain_range=res.admin_range,
        savings_basis=res.basis,
    )

"""Question 2's gains and costs: per coordinated procurement (enabled saving, recorded effort and
its cost, the administrative gain), per year with their coverage and the cost extrapolated with a
prediction interval, the administrative gain over the assumed cost's range, and how much of the
enabled savings question 4's recomputation confirms."""

from __future__ import annotations

import math
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ...params import Q4Params
from .. import common
from ..common import wilson_interval


def effort_by_procurement(effort: pd.DataFrame | None) -> pd.DataFrame:
    """Hours per procurement from ``coordination_effort``: ``procurement_id, hours,
    n_activities``. An empty frame when the table is absent."""
    if effort is None or not len(effort):
        return pd.DataFrame(
            {
                "procurement_id": pd.Series(dtype=object),
                "hours": pd.Series(dtype=float),
                "n_activities": pd.Series(dtype=int),
            }
        )
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
    cols = [
        "procurement_id",
        "year",
        "title",
        "category",
        "n_regions",
        "estimated_value_sek",
        "saving_method",
        "reported_saving_sek",
        "external_consultant",
        "lessons_documented",
    ]
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
    half = (
        float(stats.t.ppf(0.5 + level / 2, len(x) - 1))
        * float(x.std(ddof=1))
        * math.sqrt(n_missing + n_missing**2 / len(x))
    )
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
        rows.append(
            dict(
                year=year,
                n_coordinated=n,
                n_saving=int(g["saving_computed"].sum()),
                saving_coverage=float(g["saving_computed"].mean()) if n else float("nan"),
                n_effort=n_eff,
                effort_coverage=n_eff / n if n else float("nan"),
                effort_coverage_low=lo_c,
                effort_coverage_high=hi_c,
                enabled_savings_sek=enabled,
                hours=float(rec["hours"].sum()),
                coordination_cost_sek=cost,
                coordination_cost_est_sek=est,
                coordination_cost_est_low=est_lo,
                coordination_cost_est_high=est_hi,
                net_sek=enabled - cost,
                net_est_sek=enabled - est,
                net_est_low=enabled - est_hi,
                net_est_high=enabled - est_lo,
                admin_gain_sek=admin,
                admin_net_sek=admin - cost,
                admin_net_est_sek=admin - est,
                admin_net_est_low=admin - est_hi,
                admin_net_est_high=admin - est_lo,
            )
        )
    return pd.DataFrame(rows)


def admin_gain_range(
    row: dict[str, Any], cost_per_procurement_sek: float, factors: tuple[float, float]
) -> dict[str, Any]:
    """The administrative gain of the year's ``row`` (``year_summary``) when the assumed cost
    per procedure lies anywhere from ``factors[0]`` to ``factors[1]`` times the assumption.
    The gain is that cost times the procedures saved, so it scales with it; its net against
    the estimated cost of coordinating takes that cost's interval too (low: least gain, most
    cost). Empty without a row."""
    if not row:
        return {}
    lo, hi = factors
    admin = float(row["admin_gain_sek"])
    return {
        "cost_per_procurement_sek": cost_per_procurement_sek,
        "factors": [lo, hi],
        "cost_low_sek": lo * cost_per_procurement_sek,
        "cost_high_sek": hi * cost_per_procurement_sek,
        "admin_gain_sek": admin,
        "admin_gain_low_sek": lo * admin,
        "admin_gain_high_sek": hi * admin,
        "admin_net_est_low_sek": lo * admin - float(row["coordination_cost_est_high"]),
        "admin_net_est_high_sek": hi * admin - float(row["coordination_cost_est_low"]),
    }


def confirmed_savings(
    gains: pd.DataFrame, recomputed: pd.DataFrame, findings: pd.DataFrame, year: int
) -> dict[str, Any]:
    """How much of ``year``'s enabled savings in coordinated procurements (``gains``) the
    recomputation of question 4 confirms: a saving is confirmed when its method could be
    recomputed (``recomputed``: ``applied_status`` computed) and the reconciliation lists no
    finding for it (``findings``: invalid application or mismatch). ``reliable`` is true only
    when every saving is confirmed."""
    g = gains[(gains["year"] == year) & gains["saving_computed"]]
    status = recomputed.drop_duplicates("procurement_id").set_index("procurement_id")["applied_status"]
    ok = (g["procurement_id"].map(status) == "computed") & ~g["procurement_id"].isin(set(findings["procurement_id"]))
    enabled, confirmed = float(g["enabled_saving_sek"].sum()), float(g.loc[ok, "enabled_saving_sek"].sum())
    return {
        "n_saving": int(len(g)),
        "n_confirmed": int(ok.sum()),
        "enabled_sek": enabled,
        "confirmed_sek": confirmed,
        "unconfirmed_sek": enabled - confirmed,
        "unconfirmed_share": (enabled - confirmed) / enabled if enabled else float("nan"),
        "reliable": bool(ok.all()),
    }


def savings_basis(tables: common.Tables, gains: pd.DataFrame, model: Q4Params, year: int) -> dict[str, Any]:
    """``confirmed_savings`` with question 4's recomputation and reconciliation
    (``q4_savings_model.checked_savings``) under the rules ``model`` (question 4's parameters)
    states. Findings are per procurement, so those of other years never touch ``year``'s."""
    from .. import q4_savings_model as q4

    table, found = q4.checked_savings(tables, model)
    return confirmed_savings(gains, table[table["year"] == year], found, year)

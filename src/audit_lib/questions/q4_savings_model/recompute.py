"""Each method recomputed for each procurement from the data package, with its status and the
reason where it cannot be computed, and the model's coverage by count and by value."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..common import procurement_view
from .bids import bid_summary
from .constants import COMPUTED, METHODS, NOT_APPLICABLE, REASONS, SAVING_TYPE


def recompute(
    procurements: pd.DataFrame,
    regions: pd.DataFrame,
    bids: pd.DataFrame | None,
    market_min_bids: int,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per procurement: the register's fields and, for each method ``m``, columns
    ``m_status`` (``computed``/``not_applicable``), ``m_reason`` (one of ``REASONS``, empty
    when computed) and ``m_saving`` (SEK, NaN when not computed). Also:

    - ``any_computable``: at least one method can be computed under the register's rules
      (the complement of the report's "no saving could be computed by any method");
    - ``applied_status``/``applied_reason``: the status of the method the register used
      (``no_method`` where it used none);
    - ``recomputed_sek``: the recomputed saving of the register's method, where computable;
    - ``saving_type``: cost reduction or cost avoidance, by the register's method;
    - bid counts and ``bids_available`` (False when the package has no bids table).

    ``summary`` is ``bid_summary(bids)`` where the caller has it already.
    """
    view = procurement_view(procurements, regions)
    t = view.reset_index(drop=True)
    t["estimated_value_sek"] = t["estimated_value_sek"].fillna(0.0)
    has_bids = bids is not None
    if summary is None or not has_bids:
        summary = bid_summary(bids if has_bids else None)
    s = summary.reindex(t["procurement_id"])
    t["bids_available"] = has_bids
    for c in ("n_bids", "n_approved", "n_unapproved"):
        t[c] = s[c].fillna(0).astype(int).to_numpy()

    _add_price_methods(t)
    _add_market(t, s, has_bids, market_min_bids)
    _add_applied(t)
    return t


def _add_price_methods(t: pd.DataFrame) -> None:
    """The basket and negotiation methods' ``m_status``, ``m_reason`` and ``m_saving`` columns:
    computed where both prices are recorded."""
    for m, (a, b) in {
        "basket": ("basket_old_sek", "basket_new_sek"),
        "negotiation": ("first_price_sek", "negotiated_price_sek"),
    }.items():
        ha, hb = t[a].notna(), t[b].notna()
        ok = ha & hb
        t[f"{m}_status"] = np.where(ok, COMPUTED, NOT_APPLICABLE)
        t[f"{m}_reason"] = np.where(ok, "", np.where(ha | hb, f"{m}_incomplete", f"{m}_missing"))
        t[f"{m}_saving"] = (t[a] - t[b]).where(ok)


def _add_market(t: pd.DataFrame, s: pd.DataFrame, has_bids: bool, market_min_bids: int) -> None:
    """The market method's columns (mean minus lowest approved bid, from the bid summary ``s``
    in ``t``'s order): computed with at least ``market_min_bids`` approved bids."""
    n_ap, n_all = t["n_approved"], t["n_bids"]
    reason = np.select(
        [~pd.Series(has_bids, index=t.index), n_all == 0, n_ap == 0, n_ap < market_min_bids],
        ["no_bids_table", "no_bids", "no_approved_bids", "too_few_approved_bids"],
        default="",
    )
    ok = reason == ""
    t["market_status"] = np.where(ok, COMPUTED, NOT_APPLICABLE)
    t["market_reason"] = reason
    t["market_saving"] = pd.Series((s["mean"] - s["lowest"]).to_numpy(dtype=float), index=t.index).where(ok)


def _add_applied(t: pd.DataFrame) -> None:
    """``any_computable`` and the register's own method: ``applied_status``, ``applied_reason``,
    ``recomputed_sek`` and ``saving_type``."""
    t["any_computable"] = np.logical_or.reduce([t[f"{m}_status"] == COMPUTED for m in METHODS])
    applied = t["saving_method"].astype(str)
    conds = [(applied == m).to_numpy() for m in METHODS]
    t["applied_status"] = np.select(conds, [t[f"{m}_status"].to_numpy() for m in METHODS], "no_method")
    t["applied_reason"] = np.select(conds, [t[f"{m}_reason"].to_numpy() for m in METHODS], "")
    t["recomputed_sek"] = np.select(conds, [t[f"{m}_saving"].to_numpy(dtype=float) for m in METHODS], np.nan)
    t["saving_type"] = applied.map(SAVING_TYPE)


def reasons_table(table: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Counts of ``method, reason`` over the (year's) procurements: why each method could not be
    computed. Columns ``method, reason, n, share`` (share of all the year's procurements)."""
    t = table if year is None else table[table["year"] == year]
    rows = []
    for m in METHODS:
        counts = t.loc[t[f"{m}_status"] != COMPUTED, f"{m}_reason"].value_counts()
        for r in REASONS:
            if counts.get(r, 0):
                rows.append(dict(method=m, reason=r, n=int(counts[r])))
        rows.append(dict(method=m, reason="", n=int((t[f"{m}_status"] == COMPUTED).sum())))
    out = pd.DataFrame(rows, columns=["method", "reason", "n"])
    out["share"] = out["n"] / max(len(t), 1)
    return out


def _coverage_frame(df: pd.DataFrame, by: str, value_col: str = "estimated_value_sek") -> pd.DataFrame:
    g = df.groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "n_procurements": g.size(),
            "n_computable": g["any_computable"].sum().astype(int),
            "value_sek": g[value_col].sum(),
            "value_computable_sek": df[df["any_computable"]].groupby(by)[value_col].sum(),
        }
    ).fillna({"value_computable_sek": 0.0})
    out["coverage_count"] = out["n_computable"] / out["n_procurements"]
    out["coverage_value"] = (out["value_computable_sek"] / out["value_sek"]).where(out["value_sek"] > 0)
    return out.reset_index()


def coverage(table: pd.DataFrame, regions: pd.DataFrame, audit_year: int) -> dict[str, Any]:
    """Coverage of the model: the share of procurements whose saving is computable by at least
    one method under the register's rules, by count and by estimated value (the sum over the
    participating regions). Returns the audit year's ``coverage_count``, ``coverage_value``,
    ``n_procurements``, ``n_computable``, ``coverage_applied`` (share whose register method is
    computable), and frames ``by_year`` (all years), ``by_category`` and ``by_region`` (audit
    year; a procurement counts in each participating region with that region's value)."""
    year = table[table["year"] == audit_year]
    total_value = float(year["estimated_value_sek"].sum())
    covered_value = float(year.loc[year["any_computable"], "estimated_value_sek"].sum())
    reg = regions[["procurement_id", "region", "estimated_value_sek"]].merge(
        year[["procurement_id", "any_computable"]], on="procurement_id", how="inner"
    )
    return {
        "n_procurements": int(len(year)),
        "n_computable": int(year["any_computable"].sum()),
        "coverage_count": float(year["any_computable"].mean()) if len(year) else math.nan,
        "coverage_value": covered_value / total_value if total_value > 0 else math.nan,
        "coverage_applied": float((year["applied_status"] == COMPUTED).mean()) if len(year) else math.nan,
        "by_year": _coverage_frame(table, "year"),
        "by_category": _coverage_frame(year, "category"),
        "by_region": _coverage_frame(reg, "region"),
    }

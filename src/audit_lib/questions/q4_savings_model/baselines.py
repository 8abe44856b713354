"""The audit year's savings by method and saving type, and its totals under each of the market
method's baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .bids import bid_summary, market_savings
from .constants import BASELINES, COMPUTED, METHODS, SAVING_TYPE, SAVING_TYPES


def by_method(table: pd.DataFrame, audit_year: int) -> pd.DataFrame:
    """The audit year by the register's method: ``method, saving_type, n_applied, n_computed,
    reported_sek, recomputed_sek`` (recomputed over the computable ones only), one row per
    method, one subtotal per saving type (``method`` empty) and the sum of both types
    (``saving_type`` ``both``: what the register reports as one figure). Cost reduction and
    cost avoidance are different things; the subtotals keep them apart."""
    y = table[table["year"] == audit_year]
    rows = []
    for m in METHODS:
        s = y[y["saving_method"] == m]
        rows.append(
            dict(
                method=m,
                saving_type=SAVING_TYPE[m],
                n_applied=len(s),
                n_computed=int((s["applied_status"] == COMPUTED).sum()),
                reported_sek=float(s["reported_saving_sek"].sum()),
                recomputed_sek=float(s["recomputed_sek"].sum()),
            )
        )
    out = pd.DataFrame(rows)
    sub = out.groupby("saving_type", sort=False)[["n_applied", "n_computed", "reported_sek", "recomputed_sek"]].sum()
    sub = sub.reindex(list(SAVING_TYPES)).fillna(0).reset_index().assign(method="")
    both = pd.DataFrame(
        [
            dict(
                method="",
                saving_type="both",
                **out[["n_applied", "n_computed", "reported_sek", "recomputed_sek"]].sum().to_dict(),
            )
        ]
    )
    res = pd.concat([out, sub[out.columns], both[out.columns]], ignore_index=True)
    res[["n_applied", "n_computed"]] = res[["n_applied", "n_computed"]].astype(int)
    return res


def baseline_frame(table: pd.DataFrame, bids: pd.DataFrame | None) -> pd.DataFrame:
    """Per procurement with at least one approved bid: ``market_savings`` under each baseline,
    with ``procurement_id, year, saving_method, market_status``."""
    if bids is None or not len(bids):
        return pd.DataFrame(
            columns=["procurement_id", "year", "saving_method", "market_status", "n_approved", "lowest", *BASELINES]
        )
    s = bid_summary(bids)
    s = s[s["n_approved"] > 0]
    est = table.set_index("procurement_id")["estimated_value_sek"]
    ms = market_savings(s, est).reset_index()
    meta = table[["procurement_id", "year", "saving_method", "market_status"]]
    return meta.merge(ms, on="procurement_id", how="inner")


def saving_matrix(table: pd.DataFrame, baselines: pd.DataFrame, audit_year: int) -> pd.DataFrame:
    """The audit year's procurements (rows) by baseline (columns): each procurement's
    recomputed saving when the market method uses that baseline. Basket and negotiation
    savings are the same under every baseline; procurements the register's method cannot be
    computed for contribute 0, as do market procurements where a baseline is unavailable."""
    y = table[table["year"] == audit_year].set_index("procurement_id")
    base = y["recomputed_sek"].where(y["saving_method"] != "market").fillna(0.0)
    b = baselines.set_index("procurement_id")
    ok_market = (y["saving_method"] == "market") & (y["applied_status"] == COMPUTED)
    out = pd.DataFrame(index=y.index)
    for name in BASELINES:
        mkt = b[name].reindex(y.index).where(ok_market).fillna(0.0) if len(b) else 0.0
        out[name] = base + mkt
    return out


def totals(table: pd.DataFrame, baselines: pd.DataFrame, audit_year: int) -> pd.DataFrame:
    """The audit year's totals side by side, rows ``basis``: ``reported`` (the register),
    ``recomputed`` (the register's rules recomputed; market method against the mean), and one
    row per alternative baseline (``median``, ``second_lowest``, ``estimated_value``). Columns
    ``total_sek, cost_reduction_sek, cost_avoidance_sek, market_sek, n_market`` (market
    procurements behind the market part) and ``n_market_missing`` (market procurements where
    the baseline is unavailable)."""
    y = table[table["year"] == audit_year]
    mkt_ok = y[(y["saving_method"] == "market") & (y["applied_status"] == COMPUTED)]
    basket = float(y.loc[y["saving_method"] == "basket", "recomputed_sek"].sum())
    nego = float(y.loc[y["saving_method"] == "negotiation", "recomputed_sek"].sum())
    rep = y["reported_saving_sek"]
    rows = [
        dict(
            basis="reported",
            total_sek=float(rep.sum()),
            cost_reduction_sek=float(rep[y["saving_method"] == "basket"].sum()),
            cost_avoidance_sek=float(rep[y["saving_method"].isin(["negotiation", "market"])].sum()),
            market_sek=float(rep[y["saving_method"] == "market"].sum()),
            n_market=int((y["saving_method"] == "market").sum()),
            n_market_missing=0,
        )
    ]
    b = baselines.set_index("procurement_id") if len(baselines) else pd.DataFrame(columns=list(BASELINES))
    for name in BASELINES:
        v = b[name].reindex(mkt_ok["procurement_id"]) if len(b) else pd.Series(np.nan, index=mkt_ok["procurement_id"])
        market = float(v.sum())
        rows.append(
            dict(
                basis="recomputed" if name == "mean" else name,
                total_sek=basket + nego + market,
                cost_reduction_sek=basket,
                cost_avoidance_sek=nego + market,
                market_sek=market,
                n_market=int(v.notna().sum()),
                n_market_missing=int(v.isna().sum()),
            )
        )
    return pd.DataFrame(rows)


def totals_beside_interval(table: pd.DataFrame, boot: pd.DataFrame) -> pd.DataFrame:
    """``totals`` with each basis's bootstrap interval and its distance from the register:
    ``baseline`` (the basis, ``recomputed`` as ``mean``), ``in_bootstrap`` (the baseline has an
    interval), ``low``/``high`` (NaN without one) and ``vs_reported`` (total / reported - 1)."""
    b = boot.set_index("baseline")
    out = table.copy()
    out["baseline"] = out["basis"].replace({"recomputed": "mean"})
    out["in_bootstrap"] = out["baseline"].isin(b.index)
    out["low"] = out["baseline"].map(b["low"])
    out["high"] = out["baseline"].map(b["high"])
    reported = float(table.loc[table["basis"] == "reported", "total_sek"].iloc[0])
    out["vs_reported"] = out["total_sek"] / reported - 1
    return out

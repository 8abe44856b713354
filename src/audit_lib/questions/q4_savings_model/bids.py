"""The bids of each procurement summarised (one bid per bidder and lot), and the market
method's saving under each baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd


_SUMMARY_COLUMNS = [
    "n_bids",
    "n_approved",
    "n_unapproved",
    "lowest",
    "mean",
    "median",
    "second_lowest",
    "mean_all",
    "lowest_all",
]


def bid_summary(bids: pd.DataFrame | None) -> pd.DataFrame:
    """Per procurement (index ``procurement_id``): ``n_bids, n_approved, n_unapproved,
    lowest, mean, median, second_lowest`` over the approved bids, and ``mean_all,
    lowest_all`` over all bids (approved or not). Statistics without the bids they need are
    NaN (``second_lowest`` needs two approved bids).

    A bidder counts once per procurement (per lot): where it bid more than once (alternative
    bids), its lowest approved bid counts (its lowest bid if none is approved). Where the bids
    carry a ``lot_id``, the statistics are computed per lot and the price statistics summed
    over the procurement's lots (so ``mean - lowest`` is the sum of the lots' market savings);
    the counts are those of the lot with the fewest approved bids."""
    if bids is None or len(bids) == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=int if c.startswith("n_") else float) for c in _SUMMARY_COLUMNS},
            index=pd.Index([], name="procurement_id", dtype=object),
        )
    summary = _over_lots(_per_lot(_one_bid_per_bidder(bids)))
    return summary[_SUMMARY_COLUMNS]


def _one_bid_per_bidder(bids: pd.DataFrame) -> pd.DataFrame:
    """``procurement_id, lot, bidder, price, approved``: one bid per bidder and lot (approved
    before unapproved, then the lowest price)."""
    lots = bids["lot_id"] if "lot_id" in bids.columns else pd.Series(None, index=bids.index, dtype=object)
    b = pd.DataFrame(
        {
            "procurement_id": bids["procurement_id"].astype(str).to_numpy(),
            "lot": lots.astype(object).where(lots.notna(), "").astype(str).to_numpy(),
            "bidder": bids["bidder_id"].astype(str).to_numpy() if "bidder_id" in bids.columns else np.arange(len(bids)),
            "price": pd.to_numeric(bids["evaluated_price_sek"], errors="coerce").to_numpy(dtype=float),
            "approved": bids["approved"].fillna(False).astype(bool).to_numpy(),
        }
    )
    return b.sort_values(
        ["procurement_id", "lot", "bidder", "approved", "price"],
        ascending=[True, True, True, False, True],
        kind="stable",
    ).drop_duplicates(["procurement_id", "lot", "bidder"])


def _per_lot(b: pd.DataFrame) -> pd.DataFrame:
    """The counts and price statistics per procurement and lot (index ``procurement_id, lot``)."""
    keys = ["procurement_id", "lot"]
    g_all = b.groupby(keys)["price"]
    out = pd.DataFrame({"n_bids": g_all.size(), "mean_all": g_all.mean(), "lowest_all": g_all.min()})
    ap = b[b["approved"]].sort_values(keys + ["price"], kind="stable")
    g = ap.groupby(keys)["price"]
    out["n_approved"] = g.size().reindex(out.index).fillna(0).astype(int)
    out["n_unapproved"] = out["n_bids"] - out["n_approved"]
    out["lowest"] = g.min()
    out["mean"] = g.mean()
    out["median"] = g.median()
    rank = g.cumcount()
    out["second_lowest"] = ap[rank.to_numpy() == 1].set_index(keys)["price"]
    return out


def _over_lots(out: pd.DataFrame) -> pd.DataFrame:
    """Per procurement: the counts of the lot with the fewest approved bids, and the price
    statistics summed over the lots (NaN where any lot lacks one)."""
    flat = out.reset_index()
    fewest = (
        flat.sort_values(["procurement_id", "n_approved"], kind="stable")
        .drop_duplicates("procurement_id")
        .set_index("procurement_id")
    )
    prices = ["lowest", "mean", "median", "second_lowest", "mean_all", "lowest_all"]
    by_proc = flat.groupby("procurement_id")
    total = by_proc[prices].sum(min_count=1).mask(flat[prices].isna().groupby(flat["procurement_id"]).any())
    summary = pd.concat([fewest[["n_bids", "n_approved", "n_unapproved"]], total], axis=1)
    summary.index.name = "procurement_id"
    return summary


def market_savings(summary: pd.DataFrame, estimated_value: pd.Series | None = None) -> pd.DataFrame:
    """The market method's saving ``reference - lowest approved bid`` under each baseline:
    ``mean`` (the register's rule), ``median``, ``second_lowest`` approved bid, and
    ``estimated_value`` (the procurement's estimate, where present and > 0). Columns are the
    baselines plus ``n_approved`` and ``lowest``; NaN where a baseline is unavailable."""
    out = pd.DataFrame(index=summary.index)
    out["n_approved"] = summary["n_approved"].astype(int)
    out["lowest"] = summary["lowest"]
    for b in ("mean", "median", "second_lowest"):
        out[b] = summary[b] - summary["lowest"]
    est = (
        estimated_value.reindex(summary.index)
        if estimated_value is not None
        else pd.Series(np.nan, index=summary.index)
    )
    est = est.where(est > 0)
    out["estimated_value"] = est - summary["lowest"]
    return out

"""Audit question 4: is the enabled-savings model transparent and reliable?

The board's register reports one "enabled saving" per procurement, computed by one of three
methods (Qualitarium 2025, section 2.4):

- ``basket`` (cost reduction): the same basket of goods on the old and the new contract,
  ``basket_old_sek - basket_new_sek``;
- ``negotiation`` (cost avoidance): ``first_price_sek - negotiated_price_sek``;
- ``market`` (cost avoidance): the mean of the approved bids minus the lowest approved bid,
  only where at least ``market_min_bids`` bids are approved.

This module recomputes each method for each procurement from the data package, with a status
(``computed`` or ``not_applicable`` and the reason), measures the model's coverage by count
and by estimated value, reconciles the recomputation with the register, sets the market
method beside alternative reference prices ("baselines"), and replaces the single total by a
range: across baselines and with a bootstrap over procurements.

Everything here is a pure function of DataFrames and parameters. Enabled savings are computed
against a reference price; they are not realised savings, and nothing here says what the
regions actually saved.

Conventions
-----------
- Money is in SEK. A saving that cannot be computed is NaN, never 0, in the per-procurement
  tables; in totals it contributes nothing, and the count of procurements behind each total
  is reported beside it.
- Tolerance: the register and the recomputation agree when
  ``|reported - recomputed| <= tolerance_sek + tolerance_pct * |recomputed|``
  (the convention of ``numpy.isclose``: an absolute and a relative part).
- The market method's saving ``mean - lowest`` can never be negative: the lowest bid is never
  above the mean. With prices drawn at random from one distribution and nothing changed, it
  still grows with the number of bids (``null_model``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .common import procurement_view

METHODS: tuple[str, ...] = ("basket", "negotiation", "market")
SAVING_TYPE: dict[str, str] = {"basket": "cost_reduction", "negotiation": "cost_avoidance", "market": "cost_avoidance"}
SAVING_TYPES: tuple[str, ...] = ("cost_reduction", "cost_avoidance")
BASELINES: tuple[str, ...] = ("mean", "median", "second_lowest", "estimated_value")
COMPUTED = "computed"
NOT_APPLICABLE = "not_applicable"
# why a method could not be computed for a procurement
REASONS: tuple[str, ...] = (
    "no_bids_table", "no_bids", "no_approved_bids", "too_few_approved_bids",
    "basket_missing", "basket_incomplete", "negotiation_missing", "negotiation_incomplete",
)
# ways the register applied a method whose conditions do not hold
INVALID_KINDS: tuple[str, ...] = (
    "market_too_few_bids", "unapproved_counted", "basket_inputs_missing", "negotiation_inputs_missing",
    "saving_without_method",
)
MISMATCH = "mismatch"


# ------------------------------------------------------------------------------ bids
def bid_summary(bids: pd.DataFrame) -> pd.DataFrame:
    """Per procurement (index ``procurement_id``): ``n_bids, n_approved, n_unapproved,
    lowest, mean, median, second_lowest`` over the approved bids, and ``mean_all,
    lowest_all`` over all bids (approved or not). Statistics without the bids they need are
    NaN (``second_lowest`` needs two approved bids).

    A bidder counts once per procurement (per lot): where it bid more than once (alternative
    bids), its lowest approved bid counts (its lowest bid if none is approved). Where the bids
    carry a ``lot_id``, the statistics are computed per lot and the price statistics summed
    over the procurement's lots (so ``mean - lowest`` is the sum of the lots' market savings);
    the counts are those of the lot with the fewest approved bids."""
    cols = ["n_bids", "n_approved", "n_unapproved", "lowest", "mean", "median", "second_lowest",
            "mean_all", "lowest_all"]
    if bids is None or len(bids) == 0:
        return pd.DataFrame({c: pd.Series(dtype=int if c.startswith("n_") else float) for c in cols},
                            index=pd.Index([], name="procurement_id", dtype=object))
    lots = bids["lot_id"] if "lot_id" in bids.columns else pd.Series(None, index=bids.index, dtype=object)
    b = pd.DataFrame({
        "procurement_id": bids["procurement_id"].astype(str).to_numpy(),
        "lot": lots.astype(object).where(lots.notna(), "").astype(str).to_numpy(),
        "bidder": bids["bidder_id"].astype(str).to_numpy() if "bidder_id" in bids.columns else np.arange(len(bids)),
        "price": pd.to_numeric(bids["evaluated_price_sek"], errors="coerce").to_numpy(dtype=float),
        "approved": bids["approved"].fillna(False).astype(bool).to_numpy(),
    })
    # one bid per bidder and lot: approved before unapproved, then the lowest price
    b = (b.sort_values(["procurement_id", "lot", "bidder", "approved", "price"],
                       ascending=[True, True, True, False, True], kind="stable")
         .drop_duplicates(["procurement_id", "lot", "bidder"]))
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
    flat = out.reset_index()
    fewest = (flat.sort_values(["procurement_id", "n_approved"], kind="stable")
              .drop_duplicates("procurement_id").set_index("procurement_id"))
    prices = ["lowest", "mean", "median", "second_lowest", "mean_all", "lowest_all"]
    by_proc = flat.groupby("procurement_id")
    total = by_proc[prices].sum(min_count=1).mask(flat[prices].isna().groupby(flat["procurement_id"]).any())
    summary = pd.concat([fewest[["n_bids", "n_approved", "n_unapproved"]], total], axis=1)
    summary.index.name = "procurement_id"
    return summary[cols]


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
    est = (estimated_value.reindex(summary.index) if estimated_value is not None
           else pd.Series(np.nan, index=summary.index))
    est = est.where(est > 0)
    out["estimated_value"] = est - summary["lowest"]
    return out


# ------------------------------------------------------------------------------ recompute
def recompute(
    procurements: pd.DataFrame, regions: pd.DataFrame, bids: pd.DataFrame | None, market_min_bids: int,
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

    for m, (a, b) in {"basket": ("basket_old_sek", "basket_new_sek"),
                      "negotiation": ("first_price_sek", "negotiated_price_sek")}.items():
        ha, hb = t[a].notna(), t[b].notna()
        ok = ha & hb
        t[f"{m}_status"] = np.where(ok, COMPUTED, NOT_APPLICABLE)
        t[f"{m}_reason"] = np.where(ok, "", np.where(ha | hb, f"{m}_incomplete", f"{m}_missing"))
        t[f"{m}_saving"] = (t[a] - t[b]).where(ok)

    n_ap, n_all = t["n_approved"], t["n_bids"]
    reason = np.select(
        [~pd.Series(has_bids, index=t.index), n_all == 0, n_ap == 0, n_ap < market_min_bids],
        ["no_bids_table", "no_bids", "no_approved_bids", "too_few_approved_bids"], default="",
    )
    ok = reason == ""
    t["market_status"] = np.where(ok, COMPUTED, NOT_APPLICABLE)
    t["market_reason"] = reason
    t["market_saving"] = pd.Series((s["mean"] - s["lowest"]).to_numpy(dtype=float), index=t.index).where(ok)

    t["any_computable"] = np.logical_or.reduce([t[f"{m}_status"] == COMPUTED for m in METHODS])
    applied = t["saving_method"].astype(str)
    conds = [(applied == m).to_numpy() for m in METHODS]
    t["applied_status"] = np.select(conds, [t[f"{m}_status"].to_numpy() for m in METHODS], "no_method")
    t["applied_reason"] = np.select(conds, [t[f"{m}_reason"].to_numpy() for m in METHODS], "")
    t["recomputed_sek"] = np.select(conds, [t[f"{m}_saving"].to_numpy(dtype=float) for m in METHODS], np.nan)
    t["saving_type"] = applied.map(SAVING_TYPE)
    return t


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


# ------------------------------------------------------------------------------ coverage
def _coverage_frame(df: pd.DataFrame, by: str, value_col: str = "estimated_value_sek") -> pd.DataFrame:
    g = df.groupby(by, sort=True)
    out = pd.DataFrame({
        "n_procurements": g.size(),
        "n_computable": g["any_computable"].sum().astype(int),
        "value_sek": g[value_col].sum(),
        "value_computable_sek": df[df["any_computable"]].groupby(by)[value_col].sum(),
    }).fillna({"value_computable_sek": 0.0})
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
        year[["procurement_id", "any_computable"]], on="procurement_id", how="inner")
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


# ------------------------------------------------------------------------------ reconcile
def agrees(reported: Any, recomputed: Any, tolerance_sek: float, tolerance_pct: float) -> Any:
    """True where ``|reported - recomputed| <= tolerance_sek + tolerance_pct * |recomputed|``
    (element-wise for arrays); False where either is missing."""
    r = np.asarray(reported, dtype=float)
    c = np.asarray(recomputed, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.abs(r - c) <= tolerance_sek + tolerance_pct * np.abs(c)
    return ok & np.isfinite(r) & np.isfinite(c)


def reconcile(
    table: pd.DataFrame, bids: pd.DataFrame | None, market_min_bids: int,
    tolerance_sek: float, tolerance_pct: float, summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The register against the recomputation: one row per finding, columns
    ``procurement_id, year, title, finding, method, reported_sek, recomputed_sek,
    difference_sek, n_approved, n_unapproved``; ``finding`` is one of ``INVALID_KINDS`` (the
    register applied a method whose conditions do not hold) or ``mismatch`` (the method holds,
    but the reported saving differs from the recomputed one beyond the tolerance).

    - ``market_too_few_bids``: market method with fewer approved bids than required (also none);
      not checkable, so not listed, where the package has no bids table;
    - ``unapproved_counted``: market method whose reported saving disagrees with the approved
      bids but agrees with a computation that counts unapproved bids (in the mean, as the
      lowest bid, or both);
    - ``basket_inputs_missing`` / ``negotiation_inputs_missing``: the method's inputs are
      missing or incomplete, yet a saving was reported by it;
    - ``saving_without_method``: a non-zero saving reported with method ``none``.
    A procurement flagged ``unapproved_counted`` is not also a ``mismatch``. ``summary`` is
    ``bid_summary(bids)`` where the caller has it already.
    """
    t = table[["procurement_id", "year", "title", "saving_method", "reported_saving_sek", "recomputed_sek",
               "n_approved", "n_unapproved", "bids_available", "market_saving", "basket_status",
               "negotiation_status", "applied_status"]]
    method = t["saving_method"].astype(str)
    reported = t["reported_saving_sek"]
    found: list[pd.DataFrame] = []

    def add(mask: pd.Series, kind: str, recomputed: pd.Series | None = None) -> None:
        sel = t[mask]
        if not len(sel):
            return
        rec = (recomputed if recomputed is not None else t["recomputed_sek"])[mask]
        found.append(pd.DataFrame({
            "procurement_id": sel["procurement_id"], "year": sel["year"], "title": sel["title"],
            "finding": kind, "method": method[mask], "reported_sek": reported[mask],
            "recomputed_sek": rec, "difference_sek": reported[mask] - rec,
            "n_approved": sel["n_approved"], "n_unapproved": sel["n_unapproved"],
        }))

    bids_ok = t["bids_available"].astype(bool)
    market = method == "market"
    add(market & bids_ok & (t["n_approved"] < market_min_bids), "market_too_few_bids")

    unapproved = pd.Series(False, index=t.index)
    if bids is not None and len(bids):
        s = (summary if summary is not None else bid_summary(bids)).reindex(t["procurement_id"])
        variants = [s["mean_all"] - s["lowest"], s["mean_all"] - s["lowest_all"], s["mean"] - s["lowest_all"]]
        matches_variant = np.zeros(len(t), dtype=bool)
        for v in variants:
            distinct = ~agrees(v.to_numpy(), (s["mean"] - s["lowest"]).to_numpy(), tolerance_sek, tolerance_pct)
            hit = agrees(reported.to_numpy(), v.to_numpy(), tolerance_sek, tolerance_pct) & distinct & ~matches_variant
            matches_variant |= hit
        # the approved-only computation, whatever the number of bids: a variant equal to it is no evidence
        approved_only = (s["mean"] - s["lowest"]).to_numpy()
        approved_ok = agrees(reported.to_numpy(), approved_only, tolerance_sek, tolerance_pct)
        unapproved = pd.Series(market.to_numpy() & (t["n_unapproved"] > 0).to_numpy() & matches_variant
                               & ~approved_ok, index=t.index)
        add(unapproved, "unapproved_counted")

    add((method == "basket") & (t["basket_status"] != COMPUTED) & reported.notna(), "basket_inputs_missing")
    add((method == "negotiation") & (t["negotiation_status"] != COMPUTED) & reported.notna(),
        "negotiation_inputs_missing")
    add((method == "none") & reported.notna() & (reported != 0), "saving_without_method")

    computed = t["applied_status"] == COMPUTED
    differs = ~pd.Series(agrees(reported.to_numpy(), t["recomputed_sek"].to_numpy(), tolerance_sek, tolerance_pct),
                         index=t.index)
    add(computed & reported.notna() & differs & ~unapproved, MISMATCH)

    cols = ["procurement_id", "year", "title", "finding", "method", "reported_sek", "recomputed_sek",
            "difference_sek", "n_approved", "n_unapproved"]
    if not found:
        return pd.DataFrame(columns=cols)
    out = pd.concat(found, ignore_index=True)[cols]
    order = {k: i for i, k in enumerate((*INVALID_KINDS, MISMATCH))}
    out["_o"] = out["finding"].map(order)
    return out.sort_values(["_o", "procurement_id"]).drop(columns="_o").reset_index(drop=True)


def finding_lists(findings: pd.DataFrame, year: int | None = None) -> dict[str, Any]:
    """``invalid_applications`` (sorted unique ids), ``invalid_by_kind`` (kind -> ids) and
    ``mismatches`` (ids), for one year or all."""
    f = findings if year is None else findings[findings["year"] == year]
    inv = f[f["finding"] != MISMATCH]
    return {
        "invalid_applications": sorted(set(inv["procurement_id"])),
        "invalid_by_kind": {k: sorted(inv.loc[inv["finding"] == k, "procurement_id"]) for k in INVALID_KINDS},
        "mismatches": sorted(f.loc[f["finding"] == MISMATCH, "procurement_id"]),
    }


# ------------------------------------------------------------------------------ types and baselines
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
        rows.append(dict(method=m, saving_type=SAVING_TYPE[m], n_applied=len(s),
                         n_computed=int((s["applied_status"] == COMPUTED).sum()),
                         reported_sek=float(s["reported_saving_sek"].sum()),
                         recomputed_sek=float(s["recomputed_sek"].sum())))
    out = pd.DataFrame(rows)
    sub = out.groupby("saving_type", sort=False)[["n_applied", "n_computed", "reported_sek", "recomputed_sek"]].sum()
    sub = sub.reindex(list(SAVING_TYPES)).fillna(0).reset_index().assign(method="")
    both = pd.DataFrame([dict(method="", saving_type="both", **out[["n_applied", "n_computed", "reported_sek",
                                                                    "recomputed_sek"]].sum().to_dict())])
    res = pd.concat([out, sub[out.columns], both[out.columns]], ignore_index=True)
    res[["n_applied", "n_computed"]] = res[["n_applied", "n_computed"]].astype(int)
    return res


def baseline_frame(table: pd.DataFrame, bids: pd.DataFrame | None) -> pd.DataFrame:
    """Per procurement with at least one approved bid: ``market_savings`` under each baseline,
    with ``procurement_id, year, saving_method, market_status``."""
    if bids is None or not len(bids):
        return pd.DataFrame(columns=["procurement_id", "year", "saving_method", "market_status", "n_approved",
                                     "lowest", *BASELINES])
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
    rows = [dict(basis="reported", total_sek=float(rep.sum()),
                 cost_reduction_sek=float(rep[y["saving_method"] == "basket"].sum()),
                 cost_avoidance_sek=float(rep[y["saving_method"].isin(["negotiation", "market"])].sum()),
                 market_sek=float(rep[y["saving_method"] == "market"].sum()),
                 n_market=int((y["saving_method"] == "market").sum()), n_market_missing=0)]
    b = baselines.set_index("procurement_id") if len(baselines) else pd.DataFrame(columns=list(BASELINES))
    for name in BASELINES:
        v = b[name].reindex(mkt_ok["procurement_id"]) if len(b) else pd.Series(np.nan, index=mkt_ok["procurement_id"])
        market = float(v.sum())
        rows.append(dict(basis="recomputed" if name == "mean" else name, total_sek=basket + nego + market,
                         cost_reduction_sek=basket, cost_avoidance_sek=nego + market, market_sek=market,
                         n_market=int(v.notna().sum()), n_market_missing=int(v.isna().sum())))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ the market method's bias
def saving_by_n_bids(baselines: pd.DataFrame, max_n: int = 10) -> pd.DataFrame:
    """By number of approved bids (``max_n`` and more pooled as ``max_n``): procurements, and
    the median saving as a share of the lowest bid under the mean, median and second-lowest
    baselines, plus the smallest mean-based saving (never negative)."""
    b = baselines[baselines["n_approved"] >= 2].copy()
    b["n"] = b["n_approved"].clip(upper=max_n)
    for name in ("mean", "median", "second_lowest"):
        b[f"{name}_share"] = b[name] / b["lowest"]
    g = b.groupby("n")
    out = pd.DataFrame({
        "n_procurements": g.size(),
        "mean_share": g["mean_share"].median(),
        "median_share": g["median_share"].median(),
        "second_lowest_share": g["second_lowest_share"].median(),
        "min_mean_saving": g["mean"].min(),
    })
    return out.reset_index()


def log_price_sd(bids: pd.DataFrame) -> float:
    """Pooled within-procurement standard deviation of the log price of approved bids (over
    procurements with at least two): how much approved bids on the same contract differ."""
    b = bids[bids["approved"].fillna(False).astype(bool)]
    lp = np.log(b["evaluated_price_sek"].astype(float))
    g = lp.groupby(b["procurement_id"])
    n = g.transform("size")
    dev = (lp - g.transform("mean"))[n >= 2]
    dof = float((g.size()[g.size() >= 2] - 1).sum())
    return float(np.sqrt((dev**2).sum() / dof)) if dof > 0 else math.nan


def null_model(sigma: float, ns: Iterable[int], n_sim: int, seed: int) -> pd.DataFrame:
    """What the market method reports when nothing has changed: for each number of bids ``n``,
    ``n`` prices drawn independently from one log-normal distribution (log-sd ``sigma``),
    the mean simulated saving as a share of the lowest bid under the mean, median and
    second-lowest baselines. The mean-based figure is positive and grows with ``n``."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        x = np.sort(np.exp(rng.normal(0.0, sigma, size=(n_sim, n))), axis=1)
        low = x[:, 0]
        rows.append(dict(n=int(n), mean_share=float(np.mean(x.mean(axis=1) / low - 1)),
                         median_share=float(np.mean(np.median(x, axis=1) / low - 1)),
                         second_lowest_share=float(np.mean(x[:, 1] / low - 1)) if n >= 2 else math.nan))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ interval
def bootstrap_totals(matrix: pd.DataFrame, n_resamples: int, level: float, seed: int,
                     chunk: int = 500) -> pd.DataFrame:
    """Bootstrap over procurements: resample the year's procurements with replacement
    ``n_resamples`` times (seeded) and total each baseline's savings. Rows ``baseline`` with
    ``point`` (the year's total), ``low``/``high`` (percentile interval at ``level``), ``se``
    and the resamples' ``draws`` kept out (not returned) so the result is small."""
    x = matrix.to_numpy(dtype=float)
    n = len(x)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_resamples, x.shape[1]))
    if n == 0:
        draws[:] = 0.0
    else:
        done = 0
        while done < n_resamples:
            k = min(chunk, n_resamples - done)
            idx = rng.integers(0, n, size=(k, n))
            draws[done:done + k] = x[idx].sum(axis=1)
            done += k
    a = (1 - level) / 2
    return pd.DataFrame({
        "baseline": list(matrix.columns),
        "point": x.sum(axis=0),
        "low": np.quantile(draws, a, axis=0),
        "high": np.quantile(draws, 1 - a, axis=0),
        "se": draws.std(axis=0, ddof=1) if n_resamples > 1 else np.zeros(x.shape[1]),
    })


def interval(boot: pd.DataFrame, reported_total: float, baselines: Sequence[str]) -> dict[str, Any]:
    """The year's enabled savings as a range: from the lowest bootstrap lower bound to the
    highest upper bound over ``baselines``; ``reported_position`` says where the register's
    point figure falls (``below``, ``within``, ``above``)."""
    b = boot[boot["baseline"].isin(list(baselines))]
    low, high = float(b["low"].min()), float(b["high"].max())
    pos = "below" if reported_total < low else "above" if reported_total > high else "within"
    return {"low": low, "high": high, "reported": float(reported_total), "reported_position": pos,
            "baselines": [x for x in baselines if x in set(b["baseline"])],
            "point_low": float(b["point"].min()), "point_high": float(b["point"].max())}


def top_share(savings: pd.Series, k: int) -> float:
    """Share of the total of ``savings`` that comes from its ``k`` largest values: why the
    bootstrap interval is wide when a few procurements carry most of the year's figure."""
    v = savings.dropna()
    total = float(v.sum())
    return float(v.nlargest(k).sum()) / total if total else math.nan


# ------------------------------------------------------------------------------ sensitivity
def sensitivity(
    procurements: pd.DataFrame, regions: pd.DataFrame, bids: pd.DataFrame | None, audit_year: int,
    min_bids: Sequence[int], tolerances_pct: Sequence[float], tolerance_sek: float,
) -> pd.DataFrame:
    """Coverage, recomputed total and findings for the audit year under each minimum number
    of approved bids and each relative tolerance: ``min_bids, tolerance_pct, coverage_count,
    coverage_value, recomputed_sek, n_invalid, n_mismatch``."""
    rows = []
    summary = bid_summary(bids) if bids is not None else None
    for m in min_bids:
        t = recompute(procurements, regions, bids, m, summary)
        cov = coverage(t, regions, audit_year)
        rec = float(t.loc[t["year"] == audit_year, "recomputed_sek"].sum())
        for tol in tolerances_pct:
            year = t[t["year"] == audit_year]
            lists = finding_lists(reconcile(year, bids, m, tolerance_sek, tol, summary), audit_year)
            rows.append(dict(min_bids=int(m), tolerance_pct=float(tol), coverage_count=cov["coverage_count"],
                             coverage_value=cov["coverage_value"], recomputed_sek=rec,
                             n_invalid=len(lists["invalid_applications"]), n_mismatch=len(lists["mismatches"])))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ everything for one year
@dataclass
class Q4Result:
    """All figures of the question for one audit year (see ``analyse``)."""

    table: pd.DataFrame
    coverage: dict[str, Any]
    reasons: pd.DataFrame
    findings: pd.DataFrame
    lists: dict[str, Any]
    by_method: pd.DataFrame
    baselines: pd.DataFrame
    totals: pd.DataFrame
    by_n_bids: pd.DataFrame
    null_model: pd.DataFrame
    log_sd: float
    bootstrap: pd.DataFrame
    interval: dict[str, Any]
    sensitivity: pd.DataFrame
    inputs: dict[str, Any] = field(default_factory=dict)

    def totals_dict(self) -> dict[str, float]:
        return {r.basis: float(r.total_sek) for r in self.totals.itertuples()}


def assessment_inputs(table: pd.DataFrame, cov: dict[str, Any], lists: dict[str, Any], iv: dict[str, Any],
                      audit_year: int) -> dict[str, Any]:
    """Figures for the criteria: ``savings_coverage_count``, ``savings_coverage_value``, ``invalid_application_share``
    (invalid applications among the year's procurements with a method applied),
    ``savings_mismatch_share`` (mismatches among those whose method could be recomputed),
    ``reported_within_range`` and ``range_width_share`` (range width / reported total)."""
    y = table[table["year"] == audit_year]
    applied = y[y["saving_method"] != "none"]
    computed = y[y["applied_status"] == COMPUTED]
    rep = iv["reported"]
    return {
        "savings_coverage_count": cov["coverage_count"],
        "savings_coverage_value": cov["coverage_value"],
        "invalid_application_share": len(lists["invalid_applications"]) / len(applied) if len(applied) else math.nan,
        "savings_mismatch_share": len(lists["mismatches"]) / len(computed) if len(computed) else math.nan,
        "reported_within_range": iv["reported_position"] == "within",
        "range_width_share": (iv["high"] - iv["low"]) / rep if rep else math.nan,
    }


def analyse(
    procurements: pd.DataFrame, regions: pd.DataFrame, bids: pd.DataFrame | None, audit_year: int, *,
    market_min_bids: int, tolerance_sek: float, tolerance_pct: float, n_resamples: int, interval_level: float,
    interval_baselines: Sequence[str], sensitivity_min_bids: Sequence[int],
    sensitivity_tolerance_pct: Sequence[float], seed: int, null_model_sims: int = 4000, max_n_bids: int = 10,
) -> Q4Result:
    """Run the whole question on one data package for ``audit_year``."""
    summary = bid_summary(bids) if bids is not None else None
    table = recompute(procurements, regions, bids, market_min_bids, summary)
    cov = coverage(table, regions, audit_year)
    findings = reconcile(table, bids, market_min_bids, tolerance_sek, tolerance_pct, summary)
    lists = finding_lists(findings, audit_year)
    base = baseline_frame(table, bids)
    tot = totals(table, base, audit_year)
    matrix = saving_matrix(table, base, audit_year)
    boot = bootstrap_totals(matrix, n_resamples, interval_level, seed)
    iv = interval(boot, float(tot.loc[tot["basis"] == "reported", "total_sek"].iloc[0]), interval_baselines)
    iv["level"] = interval_level
    sd = log_price_sd(bids) if bids is not None and len(bids) else math.nan
    ns = range(2, max_n_bids + 1)
    nm = null_model(sd, ns, null_model_sims, seed) if math.isfinite(sd) else pd.DataFrame(
        columns=["n", "mean_share", "median_share", "second_lowest_share"])
    sens = sensitivity(procurements, regions, bids, audit_year, sensitivity_min_bids, sensitivity_tolerance_pct,
                       tolerance_sek)
    res = Q4Result(table, cov, reasons_table(table, audit_year), findings, lists, by_method(table, audit_year),
                   base, tot, saving_by_n_bids(base[base["year"] == audit_year] if len(base) else base, max_n_bids),
                   nm, sd, boot, iv, sens)
    res.inputs = assessment_inputs(table, cov, lists, iv, audit_year)
    return res


# ------------------------------------------------------------------------------ real bid-level data
def real_baseline_summary(bids: pd.DataFrame, min_bids: int, estimated_value: pd.Series | None = None) -> pd.DataFrame:
    """The market method and its alternatives on real bid-level data: over the tenders with at
    least ``min_bids`` approved bids, per baseline ``baseline, n_tenders, total, median_per_tender,
    median_share_of_lowest`` (median of saving / lowest bid) and ``ratio_to_mean`` (the baseline's
    total over the mean-based total). Money is in the data's own currency."""
    s = bid_summary(bids)
    s = s[s["n_approved"] >= min_bids]
    ms = market_savings(s, estimated_value)
    names = list(BASELINES) if estimated_value is not None else ["mean", "median", "second_lowest"]
    mean_total = float(ms["mean"].sum())
    rows = []
    for b in names:
        v = ms[b].dropna()
        share = (v / ms.loc[v.index, "lowest"])
        rows.append(dict(baseline=b, n_tenders=int(len(v)), total=float(v.sum()),
                         median_per_tender=float(v.median()) if len(v) else math.nan,
                         median_share_of_lowest=float(share.median()) if len(v) else math.nan,
                         ratio_to_mean=float(v.sum()) / mean_total if mean_total else math.nan))
    return pd.DataFrame(rows)


def mean_above_median_share(bids: pd.DataFrame, min_bids: int) -> float:
    """Share of tenders (with at least ``min_bids`` approved bids) where the mean-based saving
    exceeds the median-based one: where bids are skewed upwards by a few high offers."""
    s = bid_summary(bids)
    s = s[s["n_approved"] >= min_bids]
    return float((s["mean"] > s["median"]).mean()) if len(s) else math.nan


def real_analysis(bids: pd.DataFrame, min_bids: int, estimated_value: pd.Series | None = None,
                  max_n: int = 10) -> dict[str, Any]:
    """Everything the report shows for one real source: ``summary`` (``real_baseline_summary``),
    ``mean_above_median_share``, ``by_n_bids`` (``saving_by_n_bids`` over all tenders with at
    least two bids), and the ratios of the median- and second-lowest-based totals to the
    mean-based total."""
    summary = real_baseline_summary(bids, min_bids, estimated_value)
    ms = market_savings(bid_summary(bids), estimated_value).reset_index()
    ratio = summary.set_index("baseline")["ratio_to_mean"]
    return {
        "summary": summary,
        "mean_above_median_share": mean_above_median_share(bids, min_bids),
        "by_n_bids": saving_by_n_bids(ms, max_n),
        "median_ratio": float(ratio.get("median", math.nan)),
        "second_lowest_ratio": float(ratio.get("second_lowest", math.nan)),
        "n_tenders": int(summary["n_tenders"].iloc[0]) if len(summary) else 0,
    }

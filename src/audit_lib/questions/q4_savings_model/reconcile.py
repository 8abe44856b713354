"""The register against the recomputation: invalid applications of a method and mismatches
beyond the tolerance, listed per procurement."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .bids import bid_summary
from .constants import COMPUTED, INVALID_KINDS, MISMATCH

FINDING_COLUMNS: list[str] = [
    "procurement_id",
    "year",
    "title",
    "finding",
    "method",
    "reported_sek",
    "recomputed_sek",
    "difference_sek",
    "n_approved",
    "n_unapproved",
]


_RECONCILE_COLUMNS = [
    "procurement_id",
    "year",
    "title",
    "saving_method",
    "reported_saving_sek",
    "recomputed_sek",
    "n_approved",
    "n_unapproved",
    "bids_available",
    "market_saving",
    "basket_status",
    "negotiation_status",
    "applied_status",
]


def agrees(reported: Any, recomputed: Any, tolerance_sek: float, tolerance_pct: float) -> Any:
    """True where ``|reported - recomputed| <= tolerance_sek + tolerance_pct * |recomputed|``
    (element-wise for arrays); False where either is missing."""
    r = np.asarray(reported, dtype=float)
    c = np.asarray(recomputed, dtype=float)
    with np.errstate(invalid="ignore"):
        ok = np.abs(r - c) <= tolerance_sek + tolerance_pct * np.abs(c)
    return ok & np.isfinite(r) & np.isfinite(c)


def _finding_rows(t: pd.DataFrame, mask: pd.Series, kind: str) -> pd.DataFrame | None:
    """The rows of ``t`` under ``mask`` as findings of ``kind`` (None when there are none)."""
    sel = t[mask]
    if not len(sel):
        return None
    reported, rec = t["reported_saving_sek"][mask], t["recomputed_sek"][mask]
    return pd.DataFrame(
        {
            "procurement_id": sel["procurement_id"],
            "year": sel["year"],
            "title": sel["title"],
            "finding": kind,
            "method": t["saving_method"].astype(str)[mask],
            "reported_sek": reported,
            "recomputed_sek": rec,
            "difference_sek": reported - rec,
            "n_approved": sel["n_approved"],
            "n_unapproved": sel["n_unapproved"],
        }
    )


def _unapproved_counted(
    t: pd.DataFrame, summary: pd.DataFrame, tolerance_sek: float, tolerance_pct: float
) -> pd.Series:
    """Market procurements with unapproved bids whose reported saving disagrees with the
    approved bids but agrees with a computation that counts unapproved bids (in the mean, as
    the lowest bid, or both), and differs from the approved-only computation."""
    s = summary.reindex(t["procurement_id"])
    reported = t["reported_saving_sek"].to_numpy()
    approved_only = (s["mean"] - s["lowest"]).to_numpy()
    variants = [s["mean_all"] - s["lowest"], s["mean_all"] - s["lowest_all"], s["mean"] - s["lowest_all"]]
    matches_variant = np.zeros(len(t), dtype=bool)
    for v in variants:
        distinct = ~agrees(v.to_numpy(), approved_only, tolerance_sek, tolerance_pct)
        hit = agrees(reported, v.to_numpy(), tolerance_sek, tolerance_pct) & distinct & ~matches_variant
        matches_variant |= hit
    # the approved-only computation, whatever the number of bids: a variant equal to it is no evidence
    approved_ok = agrees(reported, approved_only, tolerance_sek, tolerance_pct)
    market = (t["saving_method"].astype(str) == "market").to_numpy()
    return pd.Series(market & (t["n_unapproved"] > 0).to_numpy() & matches_variant & ~approved_ok, index=t.index)


def reconcile(
    table: pd.DataFrame,
    bids: pd.DataFrame | None,
    market_min_bids: int,
    tolerance_sek: float,
    tolerance_pct: float,
    summary: pd.DataFrame | None = None,
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
    t = table[_RECONCILE_COLUMNS]
    unapproved = pd.Series(False, index=t.index)
    if bids is not None and len(bids):
        unapproved = _unapproved_counted(
            t, summary if summary is not None else bid_summary(bids), tolerance_sek, tolerance_pct
        )
    checks = _checks(t, unapproved, market_min_bids, tolerance_sek, tolerance_pct)
    found = [f for mask, kind in checks if (f := _finding_rows(t, mask, kind)) is not None]
    if not found:
        return pd.DataFrame(columns=FINDING_COLUMNS)
    out = pd.concat(found, ignore_index=True)[FINDING_COLUMNS]
    order = {k: i for i, k in enumerate((*INVALID_KINDS, MISMATCH))}
    out["_o"] = out["finding"].map(order)
    return out.sort_values(["_o", "procurement_id"]).drop(columns="_o").reset_index(drop=True)


def _checks(
    t: pd.DataFrame, unapproved: pd.Series, market_min_bids: int, tolerance_sek: float, tolerance_pct: float
) -> list[tuple[pd.Series, str]]:
    """Each finding's mask over ``t``, in the order of ``INVALID_KINDS`` then ``mismatch``."""
    method = t["saving_method"].astype(str)
    reported = t["reported_saving_sek"]
    computed = t["applied_status"] == COMPUTED
    differs = ~pd.Series(
        agrees(reported.to_numpy(), t["recomputed_sek"].to_numpy(), tolerance_sek, tolerance_pct), index=t.index
    )
    return [
        (
            method.eq("market") & t["bids_available"].astype(bool) & (t["n_approved"] < market_min_bids),
            "market_too_few_bids",
        ),
        (unapproved, "unapproved_counted"),
        ((method == "basket") & (t["basket_status"] != COMPUTED) & reported.notna(), "basket_inputs_missing"),
        (
            (method == "negotiation") & (t["negotiation_status"] != COMPUTED) & reported.notna(),
            "negotiation_inputs_missing",
        ),
        ((method == "none") & reported.notna() & (reported != 0), "saving_without_method"),
        (computed & reported.notna() & differs & ~unapproved, MISMATCH),
    ]


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


def earlier_findings(findings: pd.DataFrame, year: int) -> dict[str, int]:
    """The findings of the years before ``year``: ``invalid`` (procurements with at least one
    invalid application, each counted once) and ``mismatch`` (mismatches)."""
    before = findings[findings["year"] < year]
    return {
        "invalid": int(before.loc[before["finding"] != MISMATCH, "procurement_id"].nunique()),
        "mismatch": int((before["finding"] == MISMATCH).sum()),
    }

"""The demo's savings: the inputs of each saving method (bids, negotiated prices, baskets) and the
register's reported saving, with the errors planted for question 4 to find."""

from __future__ import annotations

import numpy as np


def _bid_counts(rng: np.random.Generator, method: str) -> tuple[int, int]:
    """How many approved and rejected bids a procurement of ``method`` has."""
    if method == "market":
        n_approved = int(rng.integers(3, 8))
        n_rejected = int(rng.integers(0, 3))
    elif method == "none":
        n_approved = int(rng.integers(0, 3))  # too few for the market method
        n_rejected = int(rng.integers(0, 2))
    else:
        n_approved = int(rng.integers(1, 6)) if rng.random() < 0.6 else 0
        n_rejected = int(rng.integers(0, 2)) if n_approved else 0
    return n_approved, n_rejected


def _add_bids(
    rng: np.random.Generator, pid: str, prices: np.ndarray, approved: np.ndarray, n_approved: int, bid_rows: list[dict]
) -> None:
    """The procurement's bids, the lowest approved one awarded."""
    if n_approved:
        winner = int(np.argmin(np.where(approved, prices, np.inf)))
    for k, (p, ok) in enumerate(zip(prices, approved)):
        bid_rows.append(
            dict(
                procurement_id=pid,
                bidder_id=f"L{rng.integers(1000, 9999)}-{k + 1}",
                evaluated_price_sek=round(float(p), 2),
                approved=bool(ok),
                awarded=bool(n_approved and k == winner),
            )
        )


def _savings_for_year(rng, year: int, rows: list[dict], bid_rows: list[dict], planted: dict) -> None:
    """Inputs of each method and the register's reported saving, with planted errors in 2025."""
    n_invalid_market, n_unapproved, n_basket_missing, n_mismatch = (3, 1, 1, 3) if year == 2025 else (1, 0, 0, 1)
    for r in rows:
        pid, value, method = r["procurement_id"], r["_value"], r["saving_method"]
        r.update(
            reported_saving_sek=None,
            basket_old_sek=None,
            basket_new_sek=None,
            first_price_sek=None,
            negotiated_price_sek=None,
        )
        n_approved, n_rejected = _bid_counts(rng, method)
        if method == "market" and n_invalid_market > 0:
            n_approved, n_rejected, n_invalid_market = 2, 1, n_invalid_market - 1
            planted["invalid_market_too_few_bids"].append(pid)
        prices = value * np.exp(rng.normal(0.0, 0.12, n_approved + n_rejected))
        approved = np.array([True] * n_approved + [False] * n_rejected)
        _add_bids(rng, pid, prices, approved, n_approved, bid_rows)
        if method == "market":
            ap = prices[approved]
            saving = float(ap.mean() - ap.min())
            if n_unapproved > 0 and n_rejected > 0 and pid not in planted["invalid_market_too_few_bids"]:
                saving = float(prices.mean() - ap.min())  # unapproved bids counted
                n_unapproved -= 1
                planted["invalid_unapproved_counted"].append(pid)
            r["reported_saving_sek"] = saving
        elif method == "negotiation":
            first = value * (1 + rng.uniform(0.03, 0.12))
            r.update(first_price_sek=first, negotiated_price_sek=value, reported_saving_sek=first - value)
        elif method == "basket":
            old = value * 0.2 * (1 + rng.uniform(0.02, 0.15))
            new = value * 0.2
            r.update(basket_old_sek=old, basket_new_sek=new, reported_saving_sek=old - new)
            if n_basket_missing > 0:
                r["basket_new_sek"] = None
                n_basket_missing -= 1
                planted["invalid_basket_missing"].append(pid)
        if (
            method in ("market", "negotiation")
            and n_mismatch > 0
            and pid not in (planted["invalid_market_too_few_bids"] + planted["invalid_unapproved_counted"])
            and not r.get("_textile")
        ):
            r["reported_saving_sek"] = r["reported_saving_sek"] * 1.25
            n_mismatch -= 1
            planted["mismatch"].append(pid)

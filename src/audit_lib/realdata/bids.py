"""Real bid-level tender data as the ``bids`` table of the data contract.

Two public Brazilian sources (see ``../shared/data/README.md``) hold every bid of each tender,
not only the winner's: the data the "market price" savings method is computed from. Each
reader returns a frame with the contract's ``bids`` columns, ``procurement_id, bidder_id,
evaluated_price_sek, approved, awarded``, so the same functions run on them. Note:

- the prices are in Brazilian reais (BRL), not SEK; the column keeps the contract's name so
  that the functions apply unchanged, and ``RealBids.currency`` says what the unit is;
- neither source records whether a bid qualified; every retained bid counts as approved
  (``approved`` is True). The market-method figures are therefore computed over all bidders;
- one row per bidder and tender: where a bidder appears more than once, its lowest bid counts
  (its best offer; see each reader), and it counts as awarded if any of its rows won.

Readers do file I/O; they live outside ``audit_lib.questions`` for that reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

COMPRASNET_FILE = "comprasnet_auction_bids.csv"
RCEXT_FILE = "rcext_tender_participants.csv"
BID_COLUMNS = ["procurement_id", "bidder_id", "evaluated_price_sek", "approved", "awarded"]


@dataclass
class RealBids:
    """One real source as contract ``bids``, with the tenders' estimates where the source has
    them (``estimated_value``, indexed by ``procurement_id``) and what was done to the rows."""

    name: str
    source: str
    bids: pd.DataFrame
    currency: str = "BRL"
    estimated_value: pd.Series | None = None
    notes: dict[str, int] = field(default_factory=dict)


def _one_bid_per_bidder(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` has ``procurement_id, bidder_id, price, won``: keep each bidder's lowest bid per
    tender; awarded if any of the bidder's rows won."""
    won = raw.groupby(["procurement_id", "bidder_id"], sort=True)["won"].any()
    best = raw.groupby(["procurement_id", "bidder_id"], sort=True)["price"].min()
    out = pd.DataFrame({"evaluated_price_sek": best, "awarded": won}).reset_index()
    out["approved"] = True
    out["procurement_id"] = out["procurement_id"].astype(str)
    out["bidder_id"] = out["bidder_id"].astype(str)
    return out[BID_COLUMNS]


def read_comprasnet(path: str | Path) -> RealBids:
    """Comprasnet federal reverse auctions (rodrigovilela/collusion): one row per auction bid.

    A tender is ``Tender``; a bidder (``Competitor``) bids repeatedly as the auction runs.
    The bid that counts is each bidder's lowest (in a reverse auction a bidder can only
    improve, so the lowest is also its final bid; in this file the two coincide for every
    bidder). ``Pre_Tender`` is the buyer's pre-tender estimate, kept as ``estimated_value``.
    """
    p = Path(path)
    df = pd.read_csv(p, dtype={"Competitor": str, "Tender": str})
    raw = pd.DataFrame(
        {
            "procurement_id": df["Tender"],
            "bidder_id": df["Competitor"],
            "price": pd.to_numeric(df["Bid_value"], errors="coerce"),
            "won": df["Winner"].astype(int) == 1,
        }
    )
    bad = ~(raw["price"] > 0)
    raw = raw[~bad]
    bids = _one_bid_per_bidder(raw)
    est = pd.to_numeric(df["Pre_Tender"], errors="coerce").groupby(df["Tender"]).first()
    est.index = est.index.astype(str)
    est.index.name = "procurement_id"
    return RealBids(
        "comprasnet",
        "rodrigovilela/collusion (Comprasnet)",
        bids,
        "BRL",
        est,
        {
            "rows": int(len(df)),
            "rows_dropped_nonpositive": int(bad.sum()),
            "tenders": int(bids["procurement_id"].nunique()),
            "bids": int(len(bids)),
        },
    )


def read_rcext(path: str | Path) -> RealBids:
    """Tender participations with final offered value (brunomssmelo/RcextTools).

    A tender here is one item of one procurement, ``COD_LICITACAO/ID_ITEM`` (an item id can
    recur across procurements). The price is ``VALOR_FINAL``, the final offer; rows with a
    value of 0 are not prices and are dropped (counted in ``notes``). Where a supplier has
    several rows for one item, its lowest final offer counts; awarded if any row has
    ``VENCEDOR == 'S'``. The source has no estimate.
    """
    p = Path(path)
    df = pd.read_csv(p, dtype=str)
    raw = pd.DataFrame(
        {
            "procurement_id": df["COD_LICITACAO"].str.strip() + "/" + df["ID_ITEM"].str.strip(),
            "bidder_id": df["CNPJCPF_FORNECEDORES"].str.strip(),
            "price": pd.to_numeric(df["VALOR_FINAL"], errors="coerce"),
            "won": df["VENCEDOR"].str.strip().str.upper() == "S",
        }
    )
    bad = ~(raw["price"] > 0)
    raw = raw[~bad]
    bids = _one_bid_per_bidder(raw)
    return RealBids(
        "rcext",
        "brunomssmelo/RcextTools",
        bids,
        "BRL",
        None,
        {
            "rows": int(len(df)),
            "rows_dropped_nonpositive": int(bad.sum()),
            "tenders": int(bids["procurement_id"].nunique()),
            "bids": int(len(bids)),
        },
    )


def read_real_bids(folder: str | Path) -> list[RealBids]:
    """Every known source present in ``folder`` (an empty list where none is)."""
    f = Path(folder)
    out = []
    if (f / COMPRASNET_FILE).is_file():
        out.append(read_comprasnet(f / COMPRASNET_FILE))
    if (f / RCEXT_FILE).is_file():
        out.append(read_rcext(f / RCEXT_FILE))
    return out

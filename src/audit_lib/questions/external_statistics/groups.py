"""Who is compared with whom, and the counts: the audited buyers and their peers
(:class:`Groups`), advertised procurements per year, the mix of procedures and contract types,
and the official "coordinated procurement" flag."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...external.uhm import Buyer

PEERS = "peers"
AUDITED = "audited"
NATIONAL = "all_buyers"
STRONG_REASONS = ("title_names_buyers", "same_reference", "same_id_other_buyer")
WEAK_REASONS = ("same_title",)


# ---------------------------------------------------------------------------------------- groups
@dataclass(frozen=True)
class Groups:
    """Which organisation numbers are the audited buyers (by their query) and which are peers."""

    audited: dict[str, str]  # organisation number -> buyer query
    peers: frozenset[str]
    peer_sectors: tuple[str, ...]
    order: tuple[str, ...]  # buyer queries in the parameters' order

    def label(self, org: pd.Series) -> pd.Series:
        """Per row: the audited buyer's query, ``PEERS`` or None (neither)."""
        out = org.map(self.audited)
        peers = np.array([PEERS if x else None for x in org.isin(self.peers)], dtype=object)
        return out.where(out.notna(), peers)


def make_groups(buyers: Sequence[Buyer], buyer_table: pd.DataFrame, peer_sector: str | Sequence[str] | None) -> Groups:
    """Audited buyers and their peers: every other organisation whose sector is ``peer_sector``
    (default: the audited buyers' own sectors), as named in the statistics. A sector the
    statistics do not name is an error (listing the sectors they do)."""
    audited = {o: b.query for b in buyers for o in b.org_numbers}
    if peer_sector is None:
        sectors = tuple(dict.fromkeys(b.sector for b in buyers))
    elif isinstance(peer_sector, str):
        sectors = (peer_sector,)
    else:
        sectors = tuple(peer_sector)
    known = set(buyer_table["sector"].dropna())
    unknown = [x for x in sectors if x not in known]
    if unknown:
        raise ValueError(
            f"peer sector {', '.join(map(repr, unknown))} is not a sector in the statistics "
            f"(sectors: {', '.join(sorted(known))})"
        )
    in_sector = buyer_table.loc[buyer_table["sector"].isin(sectors), "buyer_org_number"]
    peers = frozenset(set(in_sector) - set(audited))
    return Groups(audited, peers, sectors, tuple(b.query for b in buyers))


def select_years(frame: pd.DataFrame | None, years: Iterable[int] | None) -> pd.DataFrame | None:
    """Rows of the given statistics years (all rows when ``years`` is None)."""
    if frame is None or years is None:
        return frame
    return frame[frame["year"].isin(list(years))]


# ---------------------------------------------------------------------------------------- counts
def procurements_per_year(procs: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    """Per audited buyer and year: advertised procurements; per year for the peers: the total,
    the number of peer buyers and the quartiles of their per-buyer counts, and where each
    audited buyer stands (share of peer buyers with fewer procurements).

    Columns: ``group, year, n_procurements, n_buyers, per_buyer_q1, per_buyer_median,
    per_buyer_q3, peer_share_below``.
    """
    p = procs.assign(group=groups.label(procs["buyer_org_number"]))
    per_buyer = (
        p[p["group"].notna()].groupby(["group", "year", "buyer_org_number"])["n_procurements"].sum().reset_index()
    )
    rows = []
    for year in sorted(per_buyer["year"].unique()):
        y = per_buyer[per_buyer["year"] == year]
        peer_counts = y.loc[y["group"] == PEERS, "n_procurements"].astype(float).to_numpy()
        for g in groups.order:
            n = int(y.loc[y["group"] == g, "n_procurements"].sum())
            below = float((peer_counts < n).mean()) if len(peer_counts) else float("nan")
            rows.append(
                dict(
                    group=g,
                    year=int(year),
                    n_procurements=n,
                    n_buyers=1,
                    per_buyer_q1=float("nan"),
                    per_buyer_median=float("nan"),
                    per_buyer_q3=float("nan"),
                    peer_share_below=below,
                )
            )
        q = np.quantile(peer_counts, [0.25, 0.5, 0.75]) if len(peer_counts) else [float("nan")] * 3
        rows.append(
            dict(
                group=PEERS,
                year=int(year),
                n_procurements=int(peer_counts.sum()),
                n_buyers=int(len(peer_counts)),
                per_buyer_q1=float(q[0]),
                per_buyer_median=float(q[1]),
                per_buyer_q3=float(q[2]),
                peer_share_below=float("nan"),
            )
        )
    cols = [
        "group",
        "year",
        "n_procurements",
        "n_buyers",
        "per_buyer_q1",
        "per_buyer_median",
        "per_buyer_q3",
        "peer_share_below",
    ]
    return pd.DataFrame(rows, columns=cols)


def composition(procs: pd.DataFrame, groups: Groups, column: str) -> pd.DataFrame:
    """The mix of ``column`` (e.g. ``procedure``, ``contract_type``) per audited buyer and for
    the peers: ``value`` ("" where the statistics have no value), ``group``, ``n``, ``share``
    (of that group's procurements). Values ordered by their national frequency."""
    p = procs.assign(group=groups.label(procs["buyer_org_number"]), value=procs[column].fillna("").astype(str))
    freq = procs[column].fillna("").astype(str).value_counts()
    order = list(freq.index[freq.index != ""]) + ([""] if (freq.index == "").any() else [])
    p = p[p["group"].notna()]
    counts = p.groupby(["group", "value"])["n_procurements"].sum()
    totals = p.groupby("group")["n_procurements"].sum()
    rows = []
    for g in (*groups.order, PEERS):
        total = int(totals.get(g, 0))
        for v in order:
            n = int(counts.get((g, v), 0))
            rows.append(dict(group=g, value=v, n=n, share=n / total if total else float("nan")))
    out = pd.DataFrame(rows, columns=["group", "value", "n", "share"])
    used = out.groupby("value")["n"].sum()
    return out[out["value"].map(used) > 0].reset_index(drop=True)


def coordination_flags(procs: pd.DataFrame, groups: Groups) -> pd.DataFrame:
    """The official flag: per audited buyer, the audited buyers together, the peers and all
    buyers in the statistics: ``group, n_procurements, n_flagged, flagged_share``."""
    p = procs.assign(
        group=groups.label(procs["buyer_org_number"]), flagged=procs["coordinated_flag"].fillna(False).astype(bool)
    )

    def row(name: str, sub: pd.DataFrame) -> dict[str, Any]:
        n = int(sub["n_procurements"].sum())
        k = int(sub.loc[sub["flagged"], "n_procurements"].sum())
        return dict(group=name, n_procurements=n, n_flagged=k, flagged_share=k / n if n else float("nan"))

    rows = [row(g, p[p["group"] == g]) for g in groups.order]
    rows.append(row(AUDITED, p[p["group"].isin(groups.order)]))
    rows.append(row(PEERS, p[p["group"] == PEERS]))
    rows.append(row(NATIONAL, p))
    return pd.DataFrame(rows, columns=["group", "n_procurements", "n_flagged", "flagged_share"])

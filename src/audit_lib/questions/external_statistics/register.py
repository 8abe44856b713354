"""The statistics beside the board's own register and targets (:func:`register_comparison`),
the link from a buyer to the package's region, and the results' per-buyer entries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ...external.uhm import Buyer
from .competition import share_of_peers_below
from .groups import AUDITED, PEERS, Groups


# ---------------------------------------------------------------------------------------- register
def link_regions(
    buyers: Sequence[Buyer], explicit: Mapping[str, str], region_names: Mapping[str, Iterable[str]]
) -> dict[str, str]:
    """Buyer query -> region code of the data package: ``explicit`` first, else the region whose
    name (any language) equals the buyer's registered name, ignoring case."""
    out: dict[str, str] = {}
    by_name = {" ".join(n.split()).casefold(): code for code, names in region_names.items() for n in names}
    for b in buyers:
        if b.query in explicit:
            out[b.query] = explicit[b.query]
            continue
        for n in (b.name, *b.names):
            code = by_name.get(" ".join(n.split()).casefold())
            if code:
                out[b.query] = code
                break
    return out


def _status(register: float | None, statistics: float | None, tolerance: float) -> str:
    if register is None or statistics is None or register != register or statistics != statistics:
        return "not_comparable"
    if abs(statistics - register) <= tolerance * max(abs(register), 1.0):
        return "agrees"
    return "differs"


def _procurement_rows(year: int, reg: Any, c: Any, region_of: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ``procurements`` rows of one year: per linked buyer, then all linked buyers together
    (``reg``: the register's procurements of the year, None when there are none)."""
    rows = []
    linked = [q for q in c.index if q in region_of]
    for q in linked:
        r = float((reg["lead_region"] == region_of[q]).sum()) if reg is not None else None
        s = float(c.at[q, "n_procurements"])
        rows.append(dict(year=year, measure="procurements", group=q, region=region_of[q], register=r, statistics=s))
    if linked:
        r = float(reg["lead_region"].isin([region_of[q] for q in linked]).sum()) if reg is not None else None
        s = float(sum(c.at[q, "n_procurements"] for q in linked))
        rows.append(dict(year=year, measure="procurements", group=AUDITED, region=None, register=r, statistics=s))
    return rows


def _reported_coordinated(targets: pd.DataFrame | None, year: int) -> float | None:
    """The full-year coordinated count the board reported for ``year`` in the targets table."""
    if targets is None or not len(targets):
        return None
    t = targets[
        (targets["year"] == year)
        & (targets["indicator"] == "coordinated_count")
        & (targets["period"] == "full_year")
        & targets["outcome"].notna()
    ]
    return float(t["outcome"].iloc[0]) if len(t) else None


def _coordinated_rows(year: int, coord: float | None, reported: float | None, c: Any) -> list[dict[str, Any]]:
    """The audited buyers' ``coordinated_flag``, ``coordinated_detected`` and
    ``coordinated_reported`` rows of one year (``coord``: the register's coordinated count)."""
    flagged = float(c.at[AUDITED, "n_flagged"])
    detected = float(c.at[AUDITED, "n_detected_joint"])
    return [
        dict(year=year, measure=measure, group=AUDITED, region=None, register=register, statistics=statistics)
        for measure, register, statistics in (
            ("coordinated_flag", coord, flagged),
            ("coordinated_detected", coord, detected),
            ("coordinated_reported", reported, detected),
        )
    ]


def register_comparison(
    counts: pd.DataFrame,
    register_view: pd.DataFrame | None,
    targets: pd.DataFrame | None,
    years: Sequence[int],
    region_of: Mapping[str, str],
    tolerance: float,
) -> pd.DataFrame:
    """The statistics beside the board's own figures for the same year.

    ``counts``: per group (buyer query and ``AUDITED``): ``n_procurements``, ``n_flagged``,
    ``n_detected_joint``. ``register_view``: :func:`audit_lib.questions.common.procurement_view`
    (``year``, ``lead_region``, ``coordinated``). ``targets``: the targets table.

    Rows ``year, measure, group, region, register, statistics, difference, status``:
    ``procurements`` per linked buyer (the register's procurements led by that region, completed
    in the year, against the statistics' advertised procurements registered under the buyer —
    the statistics put a joint procurement under its lead buyer only, as the register's lead
    region does), ``procurements`` for all linked buyers, ``coordinated_flag`` and
    ``coordinated_detected`` (the register's coordinated procurements against the official flag
    and against what was detected), and ``coordinated_reported`` (the coordinated count the board
    reported in the targets table against what was detected). ``status`` is ``agrees`` (difference
    within ``tolerance`` of the register's figure), ``differs`` or ``not_comparable``.
    """
    c: Any = counts.set_index("group")  # Any: pandas' stubs type a cell as any scalar
    rows = []
    for year in years:
        reg: Any = None if register_view is None else register_view[register_view["year"] == year]
        has_reg = reg is not None and len(reg) > 0
        rows += _procurement_rows(year, reg if has_reg else None, c, region_of)
        if AUDITED in c.index:
            coord = float(reg["coordinated"].sum()) if has_reg else None
            rows += _coordinated_rows(year, coord, _reported_coordinated(targets, year), c)
    out = pd.DataFrame(rows, columns=["year", "measure", "group", "region", "register", "statistics"])
    out["difference"] = [
        s - r if r is not None and r == r else float("nan") for r, s in zip(out["register"], out["statistics"])
    ]
    out["status"] = [_status(r, s, tolerance) for r, s in zip(out["register"], out["statistics"])]
    return out


# ---------------------------------------------------------------------------------------- results
def peer_totals(procs: pd.DataFrame, groups: Groups) -> pd.Series:
    """Advertised procurements per peer buyer (organisation) over the rows given."""
    p = procs[procs["buyer_org_number"].isin(groups.peers)]
    return p.groupby("buyer_org_number")["n_procurements"].sum().astype(float)


_COMP_KEYS = [
    "n_lots",
    "n_single",
    "single_tender_share",
    "single_tender_share_low",
    "single_tender_share_high",
    "single_tender_share_cluster_low",
    "single_tender_share_cluster_high",
    "mean_tenders_per_lot",
    "mean_tenders_per_lot_low",
    "mean_tenders_per_lot_high",
    "median_tenders_per_lot",
    "share_min_tenders",
]


def _competition_figures(c: Any, group: str) -> dict[str, Any]:
    """The competition figures (``_COMP_KEYS``) of one group; all None without a lots table."""
    return {k: c.at[group, k] for k in _COMP_KEYS} if c is not None else {k: None for k in _COMP_KEYS}


def _peer_entry(groups: Groups, totals: pd.Series, f: Any, c: Any, peer_d: pd.DataFrame | None) -> dict[str, Any]:
    """The peers' figures: the group's totals and the medians of the peer buyers' distribution."""
    return dict(
        sectors=list(groups.peer_sectors),
        n_buyers=int(len(groups.peers)),
        n_buyers_with_procurements=int(len(totals)),
        n_procurements=int(f.at[PEERS, "n_procurements"]),
        n_flagged_coordinated=int(f.at[PEERS, "n_flagged"]),
        flagged_share=float(f.at[PEERS, "flagged_share"]),
        median_procurements_per_buyer=float(totals.median()) if len(totals) else float("nan"),
        **_competition_figures(c, PEERS),
        n_buyers_in_distribution=int(len(peer_d)) if peer_d is not None else 0,
        median_buyer_single_tender_share=float(peer_d["single_tender_share"].median())
        if peer_d is not None and len(peer_d)
        else None,
        median_buyer_mean_tenders_per_lot=float(peer_d["mean_tenders_per_lot"].median())
        if peer_d is not None and len(peer_d)
        else None,
    )


def _buyer_entry(b: Buyer, f: Any, j: Any, c: Any, region: str | None) -> dict[str, Any]:
    """One audited buyer's own figures (before its standing among the peers)."""
    q = b.query
    return dict(
        buyer=q,
        buyer_name=b.name,
        org_numbers=list(b.org_numbers),
        sector=b.sector,
        region=region,
        n_procurements=int(f.at[q, "n_procurements"]),
        n_flagged_coordinated=int(f.at[q, "n_flagged"]),
        n_detected_joint=int(j.at[q, "n_detected_joint"]),
        n_detected_lead=int(j.at[q, "n_detected_lead"]),
        n_same_title=int(j.at[q, "n_same_title"]),
        **_competition_figures(c, q),
    )


def _standing_among_peers(
    e: Mapping[str, Any], totals: pd.Series, peer_d: pd.DataFrame | None
) -> dict[str, float | None]:
    """``peer_share_below_*``: the share of peer buyers with a lower figure than the buyer's."""
    return dict(
        peer_share_below_procurements=share_of_peers_below(float(e["n_procurements"]), totals.tolist()),
        peer_share_below_single_tender_share=share_of_peers_below(
            float(e["single_tender_share"]), peer_d["single_tender_share"].tolist()
        )
        if peer_d is not None and e["single_tender_share"] is not None
        else None,
        peer_share_below_mean_tenders_per_lot=share_of_peers_below(
            float(e["mean_tenders_per_lot"]), peer_d["mean_tenders_per_lot"].tolist()
        )
        if peer_d is not None and e["mean_tenders_per_lot"] is not None
        else None,
    )


def buyer_entries(
    buyers: Sequence[Buyer],
    procs: pd.DataFrame,
    groups: Groups,
    flags: pd.DataFrame,
    joint: pd.DataFrame,
    comp: pd.DataFrame | None,
    dist: pd.DataFrame | None,
    region_of: Mapping[str, str],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The results: one entry per audited buyer and one for the peers.

    Each buyer entry: ``buyer`` (as in the parameters), ``buyer_name``, ``org_numbers``,
    ``sector``, ``region``, ``n_procurements``, ``n_flagged_coordinated``, ``n_detected_joint``,
    ``n_detected_lead``, ``n_same_title``, the competition figures (``n_lots``,
    ``single_tender_share`` with ``_low``/``_high``, ``mean_tenders_per_lot`` with ``_low``/
    ``_high``, ``median_tenders_per_lot``, ``share_min_tenders``; empty without a lots table),
    where it stands among the peer buyers (``peer_share_below_*``: the share of peer buyers with a
    lower figure) and ``peer``: the peers' figures (as in the second return value).
    """
    f: Any = flags.set_index("group")  # Any: pandas' stubs type a cell as any scalar
    j: Any = joint.set_index("group")
    c: Any = comp.set_index("group") if comp is not None else None
    totals = peer_totals(procs, groups)
    peer_d = dist[dist["group"] == PEERS] if dist is not None else None
    peer = _peer_entry(groups, totals, f, c, peer_d)
    entries = []
    for b in buyers:
        e = _buyer_entry(b, f, j, c, region_of.get(b.query))
        e.update(_standing_among_peers(e, totals, peer_d))
        e["peer"] = peer
        entries.append(e)
    return entries, peer

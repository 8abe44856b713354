"""External evidence: the audited buyers in the national procurement statistics, against peers.

Pure functions over the normalised statistics tables (:mod:`audit_lib.external.uhm`) and, where
the data package has them, the board's own register and targets:

- ``procurements_per_year`` and ``composition``: advertised procurements per buyer and year,
  and the mix of procedures and contract types, for each audited buyer and for the peers (all
  other buyers of the same sector);
- ``coordination_flags`` and ``detect_joint``: the official "coordinated procurement" flag, and
  coordination detected in the data, because the flag is set by the lead buyer only (and rarely):
  a title naming several audited buyers, one reference or procurement id under more than one
  buyer; the same title under several audited buyers is listed separately (parallel procurements
  of the same thing, a coordination candidate rather than evidence of it). Everything detected is
  listed for review, not counted as fact;
- ``competition``: tenders per lot (mean, with a bootstrap interval that resamples whole
  procurements, since lots of one procurement are not independent) and the share of single-tender
  lots (with a Wilson interval), beside the peers' pooled figures and the per-buyer distribution;
- ``register_comparison``: the statistics' counts beside the register's and the targets'
  for the same year, each difference marked as agreeing (within a relative tolerance) or as
  differing, with the structural reasons the two can differ.

The statistics cover every advertised procurement, so counts are not estimates; the intervals on
competition treat a year's lots as a draw from the buyer's procurement practice. Comparisons with
peers are associational: they show where a buyer stands, not why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..external.uhm import Buyer
from .common import wilson_interval

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
        return out.where(out.notna(), np.where(org.isin(self.peers), PEERS, None))


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
        raise ValueError(f"peer sector {', '.join(map(repr, unknown))} is not a sector in the statistics "
                         f"(sectors: {', '.join(sorted(known))})")
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
    per_buyer = (p[p["group"].notna()].groupby(["group", "year", "buyer_org_number"])["n_procurements"].sum()
                 .reset_index())
    rows = []
    for year in sorted(per_buyer["year"].unique()):
        y = per_buyer[per_buyer["year"] == year]
        peer_counts = y.loc[y["group"] == PEERS, "n_procurements"].astype(float).to_numpy()
        for g in groups.order:
            n = int(y.loc[y["group"] == g, "n_procurements"].sum())
            below = float((peer_counts < n).mean()) if len(peer_counts) else float("nan")
            rows.append(dict(group=g, year=int(year), n_procurements=n, n_buyers=1, per_buyer_q1=float("nan"),
                             per_buyer_median=float("nan"), per_buyer_q3=float("nan"), peer_share_below=below))
        q = np.quantile(peer_counts, [0.25, 0.5, 0.75]) if len(peer_counts) else [float("nan")] * 3
        rows.append(dict(group=PEERS, year=int(year), n_procurements=int(peer_counts.sum()),
                         n_buyers=int(len(peer_counts)), per_buyer_q1=float(q[0]), per_buyer_median=float(q[1]),
                         per_buyer_q3=float(q[2]), peer_share_below=float("nan")))
    cols = ["group", "year", "n_procurements", "n_buyers", "per_buyer_q1", "per_buyer_median", "per_buyer_q3",
            "peer_share_below"]
    return pd.DataFrame(rows, columns=cols)


def composition(procs: pd.DataFrame, groups: Groups, column: str) -> pd.DataFrame:
    """The mix of ``column`` (e.g. ``procedure``, ``contract_type``) per audited buyer and for
    the peers: ``value`` ("" where the statistics have no value), ``group``, ``n``, ``share``
    (of that group's procurements). Values ordered by their national frequency."""
    p = procs.assign(group=groups.label(procs["buyer_org_number"]),
                     value=procs[column].fillna("").astype(str))
    order = procs[column].fillna("").astype(str).value_counts()
    order = list(order.index[order.index != ""]) + ([""] if (order.index == "").any() else [])
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
    p = procs.assign(group=groups.label(procs["buyer_org_number"]),
                     flagged=procs["coordinated_flag"].fillna(False).astype(bool))

    def row(name: str, sub: pd.DataFrame) -> dict:
        n = int(sub["n_procurements"].sum())
        k = int(sub.loc[sub["flagged"], "n_procurements"].sum())
        return dict(group=name, n_procurements=n, n_flagged=k, flagged_share=k / n if n else float("nan"))

    rows = [row(g, p[p["group"] == g]) for g in groups.order]
    rows.append(row(AUDITED, p[p["group"].isin(groups.order)]))
    rows.append(row(PEERS, p[p["group"] == PEERS]))
    rows.append(row(NATIONAL, p))
    return pd.DataFrame(rows, columns=["group", "n_procurements", "n_flagged", "flagged_share"])


# ---------------------------------------------------------------------------------------- intervals
def cluster_bootstrap_mean(
    values: np.ndarray, clusters: np.ndarray, reps: int, level: float, rng: np.random.Generator,
) -> tuple[float, float, float]:
    """Mean of ``values`` with a percentile bootstrap interval that resamples whole clusters
    (procurements), so that the lots of one procurement move together. Returns (mean, low, high);
    NaN where there are no values, the point alone (low = high) with a single cluster."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    codes, _ = pd.factorize(pd.Series(clusters))
    k = int(codes.max()) + 1
    sums = np.bincount(codes, weights=values, minlength=k)
    counts = np.bincount(codes, minlength=k).astype(float)
    if k < 2:
        return mean, mean, mean
    draws = rng.integers(0, k, size=(reps, k))
    boot = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
    return mean, float(lo), float(hi)


# ---------------------------------------------------------------------------------------- competition
def competition_figures(
    lots: pd.DataFrame, level: float, reps: int, rng: np.random.Generator, min_tenders: int,
) -> dict:
    """Tenders per lot over ``lots``: ``n_lots``, ``n_procurements`` (with lots), ``n_single``,
    ``single_tender_share`` (+ Wilson ``_low``/``_high``, which treats lots as independent, and
    ``_cluster_low``/``_cluster_high`` from resampling whole procurements), ``mean_tenders_per_lot``
    (+ cluster bootstrap ``_low``/``_high``), ``median_tenders_per_lot``, ``n_zero`` (lots without a tender)
    and ``share_min_tenders``: the share of lots with at least ``min_tenders`` tenders."""
    n_t = lots["n_tenders"].dropna().astype(int).to_numpy()
    ids = lots.loc[lots["n_tenders"].notna(), "procurement_id"].astype(str).to_numpy()
    n = len(n_t)
    single = int((n_t == 1).sum())
    lo, hi = wilson_interval(single, n, level)
    mean, mlo, mhi = cluster_bootstrap_mean(n_t, ids, reps, level, rng)
    _, clo, chi = cluster_bootstrap_mean((n_t == 1).astype(float), ids, reps, level, rng)
    return dict(
        n_lots=n, n_procurements=int(len(set(ids))), n_single=single,
        single_tender_share=single / n if n else float("nan"), single_tender_share_low=lo,
        single_tender_share_high=hi, single_tender_share_cluster_low=clo, single_tender_share_cluster_high=chi,
        mean_tenders_per_lot=mean, mean_tenders_per_lot_low=mlo,
        mean_tenders_per_lot_high=mhi, median_tenders_per_lot=float(np.median(n_t)) if n else float("nan"),
        n_zero=int((n_t == 0).sum()), share_min_tenders=float((n_t >= min_tenders).mean()) if n else float("nan"),
    )


def competition(
    lots: pd.DataFrame, groups: Groups, level: float = 0.95, reps: int = 2000, seed: int = 0,
    min_tenders: int = 3,
) -> pd.DataFrame:
    """:func:`competition_figures` per audited buyer, for the audited buyers together
    (``AUDITED``) and for the peers (``PEERS``, all their lots pooled); one row per group.
    Each group's bootstrap has its own stream from ``seed``, so adding a buyer changes no other
    group's interval."""
    lab = lots.assign(group=groups.label(lots["buyer_org_number"]))
    named = [*groups.order, AUDITED, PEERS]
    rows = []
    for i, g in enumerate(named):
        sub = lab[lab["group"].isin(groups.order)] if g == AUDITED else lab[lab["group"] == g]
        rng = np.random.default_rng(np.random.SeedSequence([seed, i if g not in (AUDITED, PEERS) else 10_000 + i]))
        rows.append(dict(group=g, **competition_figures(sub, level, reps, rng, min_tenders)))
    return pd.DataFrame(rows)


def peer_distribution(lots: pd.DataFrame, groups: Groups, min_lots: int) -> pd.DataFrame:
    """One row per buyer (peers and audited) with at least ``min_lots`` lots: ``group``
    (query or ``PEERS``), ``buyer_org_number``, ``buyer_name``, ``n_lots``, ``single_tender_share``,
    ``mean_tenders_per_lot``."""
    lab = lots.assign(group=groups.label(lots["buyer_org_number"]))
    lab = lab[lab["group"].notna() & lab["n_tenders"].notna()]
    g = lab.groupby(["group", "buyer_org_number"])
    out = pd.DataFrame({
        "buyer_name": g["buyer_name"].agg(lambda s: s.value_counts().index[0]),
        "n_lots": g.size(),
        "single_tender_share": g["n_tenders"].agg(lambda s: float((s == 1).mean())),
        "mean_tenders_per_lot": g["n_tenders"].agg(lambda s: float(s.astype(float).mean())),
    }).reset_index()
    return out[out["n_lots"] >= min_lots].sort_values(["group", "buyer_name"]).reset_index(drop=True)


def share_of_peers_below(value: float, peer_values: Sequence[float]) -> float:
    """Where ``value`` stands among the peer buyers: the share of them with a lower value."""
    arr = np.asarray([v for v in peer_values if v == v], dtype=float)
    if not len(arr) or value != value:
        return float("nan")
    return float((arr < value).mean())


# ---------------------------------------------------------------------------------------- coordination
def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    parts = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not parts:
        return None
    alts = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in parts)
    return re.compile(rf"(?<!\w)(?:{alts})(?!\w)", re.IGNORECASE)


def normalise_title(title: str, remove: re.Pattern[str] | None, ignore: re.Pattern[str] | None) -> str:
    """A title reduced for comparison: lower case, buyer names and ignorable words removed,
    punctuation dropped, spaces collapsed."""
    s = str(title).casefold()
    if remove is not None:
        s = remove.sub(" ", s)
    s = re.sub(r"[^\w]+", " ", s)
    if ignore is not None:
        s = ignore.sub(" ", s)
    return " ".join(s.split())


def detect_joint(
    procs: pd.DataFrame, buyers: Sequence[Buyer], aliases: Mapping[str, Sequence[str]] | None = None,
    reference_pattern: str | None = None, ignore_words: Sequence[str] = (),
    lots: pd.DataFrame | None = None, contract_values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Procurements that may be joint procurements of the audited buyers, for review.

    One row per procurement (as registered in ``procs``) and reason:

    - ``title_names_buyers``: the title names two or more audited buyers, or (registered under
      another buyer) names an audited buyer. Names are the buyers' registered names; ``aliases``
      (per buyer query, e.g. ``Sörmland``) count in the audited buyers' own titles only, since a
      place name in another organisation's title usually means something else;
    - ``same_reference``: a reference matching ``reference_pattern`` (a diarienummer in the
      title) appears under more than one buyer, one of them audited;
    - ``same_id_other_buyer``: the procurement id is registered under another buyer in the
      procurements, lots or contract-values table;
    - ``same_title`` (weak): the same normalised title under two or more audited buyers —
      parallel procurements of the same thing, a candidate for coordination.

    Columns: ``procurement_id, year, buyer, buyer_name, published_date, title, coordinated_flag,
    reason, participants`` (audited buyer queries involved, sorted), ``other_buyers`` (other
    buyers' names involved), ``detail`` (the names, reference or title matched).
    """
    aliases = aliases or {}
    audited = {o: b.query for b in buyers for o in b.org_numbers}
    order = {b.query: i for i, b in enumerate(buyers)}
    p = procs.assign(
        buyer=procs["buyer_org_number"].map(audited),
        title_s=procs["title"].fillna("").astype(str),
    )
    rows: list[dict] = []

    def add(r: pd.Series, reason: str, participants: Iterable[str], others: Iterable[str], detail: str) -> None:
        rows.append(dict(
            procurement_id=r["procurement_id"], year=r["year"], buyer=r["buyer"], buyer_name=r["buyer_name"],
            published_date=r["published_date"], title=r["title"], coordinated_flag=r["coordinated_flag"],
            reason=reason, participants=tuple(sorted(set(participants), key=order.get)),
            other_buyers=tuple(sorted(set(others))), detail=detail,
        ))

    # 1. titles naming buyers
    own = {b.query: _name_pattern([*b.names, b.name, *aliases.get(b.query, [])]) for b in buyers}
    official = {b.query: _name_pattern([*b.names, b.name]) for b in buyers}
    is_audited = p["buyer"].notna()
    found: dict[str, dict] = {}  # buyer query -> {row index: the name as written in the title}
    for q in own:
        found[q] = {}
        for pats, mask in ((own, is_audited), (official, ~is_audited)):
            rx = pats[q]
            if rx is None:
                continue
            for idx, t in p.loc[mask, "title_s"].items():
                m = rx.search(t)
                if m:
                    found[q][idx] = m.group(0)
    named_any = p.index.isin([i for hits in found.values() for i in hits])
    for idx in p.index[named_any]:
        r = p.loc[idx]
        named = {q: found[q][idx] for q in found if idx in found[q]}
        reg = r["buyer"] if isinstance(r["buyer"], str) else None
        participants = set(named) | ({reg} if reg else set())
        if (reg and len(participants) >= 2) or (not reg and named):
            add(r, "title_names_buyers", participants, [] if reg else [r["buyer_name"]],
                ", ".join(named[q] for q in sorted(named, key=order.get)))

    # 2. the same reference under several buyers
    if reference_pattern:
        rx = re.compile(reference_pattern)
        refs = p.assign(ref=p["title_s"].map(lambda s: sorted(set(rx.findall(s))))).explode("ref")
        refs = refs[refs["ref"].notna() & (refs["ref"] != "")]
        if len(refs):
            orgs = refs.groupby("ref")["buyer_org_number"].agg(lambda s: set(s))
            shared = orgs[orgs.map(lambda s: len(s) > 1 and bool(s & set(audited)))]
            for _, r in refs[refs["ref"].isin(shared.index)].iterrows():
                involved = shared[r["ref"]]
                names = set(refs.loc[(refs["ref"] == r["ref"]) & ~refs["buyer_org_number"].isin(audited), "buyer_name"])
                add(r, "same_reference", {audited[o] for o in involved if o in audited}, names, str(r["ref"]))

    # 3. the same procurement id under another buyer (in any table)
    frames = [procs[["procurement_id", "year", "buyer_org_number", "buyer_name"]]]
    frames += [t[["procurement_id", "year", "buyer_org_number", "buyer_name"]] for t in (lots, contract_values)
               if t is not None]
    allids = pd.concat(frames, ignore_index=True).drop_duplicates()
    per_id = allids.groupby(["procurement_id", "year"])["buyer_org_number"].agg(lambda s: set(s))
    multi = per_id[per_id.map(lambda s: len(s) > 1 and bool(s & set(audited)))]
    if len(multi):
        key = pd.MultiIndex.from_frame(p[["procurement_id", "year"]])
        for _, r in p[key.isin(multi.index)].iterrows():
            same = allids[(allids["procurement_id"] == r["procurement_id"]) & (allids["year"] == r["year"])]
            involved = multi[(r["procurement_id"], r["year"])]
            add(r, "same_id_other_buyer", {audited[o] for o in involved if o in audited},
                set(same.loc[~same["buyer_org_number"].isin(audited), "buyer_name"]),
                ", ".join(sorted(set(same["buyer_name"]))))

    # 4. the same title under several audited buyers (weak)
    if len(buyers) > 1:
        remove = _name_pattern([n for b in buyers for n in (*b.names, b.name, *aliases.get(b.query, []))])
        words = sorted({w.casefold().strip() for w in ignore_words if w and w.strip()}, key=len, reverse=True)
        ignore = re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(re.escape(x) for x in w.split()) for w in words)
                            + r")(?!\w)") if words else None
        mine = p[p["buyer"].notna()].copy()
        mine["norm"] = mine["title_s"].map(lambda s: normalise_title(s, remove, ignore))
        mine = mine[mine["norm"] != ""]
        by_title = mine.groupby(["year", "norm"])["buyer"].agg(lambda s: set(s))
        many = by_title[by_title.map(len) > 1]
        for _, r in mine.iterrows():
            k = (r["year"], r["norm"])
            if k in many.index:
                add(r, "same_title", many[k], [], r["norm"])

    cols = ["procurement_id", "year", "buyer", "buyer_name", "published_date", "title", "coordinated_flag",
            "reason", "participants", "other_buyers", "detail"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out = out.sort_values(["published_date", "procurement_id", "reason"], kind="stable").reset_index(drop=True)
    return out


def joint_counts(signals: pd.DataFrame, buyers: Sequence[Buyer]) -> pd.DataFrame:
    """Per audited buyer: ``n_detected_joint`` (distinct procurements with a strong reason in
    which the buyer takes part, under its own name or another's), ``n_detected_lead`` (of those,
    registered under the buyer itself), ``n_same_title`` (the buyer's own procurements whose title
    recurs under another audited buyer: weak signals); and a row ``AUDITED`` with the distinct
    procurements over all audited buyers."""
    rows = []
    strong = signals[signals["reason"].isin(STRONG_REASONS)]
    weak = signals[signals["reason"].isin(WEAK_REASONS)]

    def ids(frame: pd.DataFrame, q: str | None) -> set:
        if q is None:
            return set(zip(frame["procurement_id"], frame["year"]))
        m = frame["participants"].map(lambda t: q in t)
        return set(zip(frame.loc[m, "procurement_id"], frame.loc[m, "year"]))

    for b in buyers:
        s = ids(strong, b.query)
        lead = ids(strong[strong["buyer"] == b.query], b.query)
        rows.append(dict(group=b.query, n_detected_joint=len(s), n_detected_lead=len(lead),
                         n_same_title=len(ids(weak[weak["buyer"] == b.query], None))))
    rows.append(dict(group=AUDITED, n_detected_joint=len(ids(strong, None)),
                     n_detected_lead=len(ids(strong[strong["buyer"].notna()], None)),
                     n_same_title=len(ids(weak, None))))
    return pd.DataFrame(rows, columns=["group", "n_detected_joint", "n_detected_lead", "n_same_title"])


# ---------------------------------------------------------------------------------------- register
def link_regions(buyers: Sequence[Buyer], explicit: Mapping[str, str], region_names: Mapping[str, Iterable[str]]) -> dict[str, str]:
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


def register_comparison(
    counts: pd.DataFrame, register_view: pd.DataFrame | None, targets: pd.DataFrame | None,
    years: Sequence[int], region_of: Mapping[str, str], tolerance: float,
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
    c = counts.set_index("group")
    rows = []
    for year in years:
        reg = None if register_view is None else register_view[register_view["year"] == year]
        has_reg = reg is not None and len(reg) > 0
        linked = [q for q in c.index if q in region_of]
        for q in linked:
            r = float((reg["lead_region"] == region_of[q]).sum()) if has_reg else None
            s = float(c.at[q, "n_procurements"])
            rows.append(dict(year=year, measure="procurements", group=q, region=region_of[q], register=r,
                             statistics=s))
        if linked:
            r = float(reg["lead_region"].isin([region_of[q] for q in linked]).sum()) if has_reg else None
            s = float(sum(c.at[q, "n_procurements"] for q in linked))
            rows.append(dict(year=year, measure="procurements", group=AUDITED, region=None, register=r, statistics=s))
        coord = float(reg["coordinated"].sum()) if has_reg else None
        if AUDITED in c.index:
            rows.append(dict(year=year, measure="coordinated_flag", group=AUDITED, region=None, register=coord,
                             statistics=float(c.at[AUDITED, "n_flagged"])))
            rows.append(dict(year=year, measure="coordinated_detected", group=AUDITED, region=None, register=coord,
                             statistics=float(c.at[AUDITED, "n_detected_joint"])))
            reported = None
            if targets is not None and len(targets):
                t = targets[(targets["year"] == year) & (targets["indicator"] == "coordinated_count")
                            & (targets["period"] == "full_year") & targets["outcome"].notna()]
                reported = float(t["outcome"].iloc[0]) if len(t) else None
            rows.append(dict(year=year, measure="coordinated_reported", group=AUDITED, region=None,
                             register=reported, statistics=float(c.at[AUDITED, "n_detected_joint"])))
    out = pd.DataFrame(rows, columns=["year", "measure", "group", "region", "register", "statistics"])
    out["difference"] = [s - r if r is not None and r == r else float("nan") for r, s in zip(out["register"], out["statistics"])]
    out["status"] = [_status(r, s, tolerance) for r, s in zip(out["register"], out["statistics"])]
    return out


# ---------------------------------------------------------------------------------------- results
def peer_totals(procs: pd.DataFrame, groups: Groups) -> pd.Series:
    """Advertised procurements per peer buyer (organisation) over the rows given."""
    p = procs[procs["buyer_org_number"].isin(groups.peers)]
    return p.groupby("buyer_org_number")["n_procurements"].sum().astype(float)


def buyer_entries(
    buyers: Sequence[Buyer], procs: pd.DataFrame, groups: Groups, flags: pd.DataFrame, joint: pd.DataFrame,
    comp: pd.DataFrame | None, dist: pd.DataFrame | None, region_of: Mapping[str, str],
) -> tuple[list[dict], dict]:
    """The results: one entry per audited buyer and one for the peers.

    Each buyer entry: ``buyer`` (as in the parameters), ``buyer_name``, ``org_numbers``,
    ``sector``, ``region``, ``n_procurements``, ``n_flagged_coordinated``, ``n_detected_joint``,
    ``n_detected_lead``, ``n_same_title``, the competition figures (``n_lots``,
    ``single_tender_share`` with ``_low``/``_high``, ``mean_tenders_per_lot`` with ``_low``/
    ``_high``, ``median_tenders_per_lot``, ``share_min_tenders``; empty without a lots table),
    where it stands among the peer buyers (``peer_share_below_*``: the share of peer buyers with a
    lower figure) and ``peer``: the peers' figures (as in the second return value).
    """
    f = flags.set_index("group")
    j = joint.set_index("group")
    c = comp.set_index("group") if comp is not None else None
    totals = peer_totals(procs, groups)
    comp_keys = ["n_lots", "n_single", "single_tender_share", "single_tender_share_low", "single_tender_share_high",
                 "single_tender_share_cluster_low", "single_tender_share_cluster_high",
                 "mean_tenders_per_lot", "mean_tenders_per_lot_low", "mean_tenders_per_lot_high",
                 "median_tenders_per_lot", "share_min_tenders"]
    peer_d = dist[dist["group"] == PEERS] if dist is not None else None
    peer = dict(
        sectors=list(groups.peer_sectors), n_buyers=int(len(groups.peers)),
        n_buyers_with_procurements=int(len(totals)),
        n_procurements=int(f.at[PEERS, "n_procurements"]), n_flagged_coordinated=int(f.at[PEERS, "n_flagged"]),
        flagged_share=float(f.at[PEERS, "flagged_share"]),
        median_procurements_per_buyer=float(totals.median()) if len(totals) else float("nan"),
        **({k: c.at[PEERS, k] for k in comp_keys} if c is not None else {k: None for k in comp_keys}),
        n_buyers_in_distribution=int(len(peer_d)) if peer_d is not None else 0,
        median_buyer_single_tender_share=float(peer_d["single_tender_share"].median())
        if peer_d is not None and len(peer_d) else None,
        median_buyer_mean_tenders_per_lot=float(peer_d["mean_tenders_per_lot"].median())
        if peer_d is not None and len(peer_d) else None,
    )
    entries = []
    for b in buyers:
        q = b.query
        e = dict(
            buyer=q, buyer_name=b.name, org_numbers=list(b.org_numbers), sector=b.sector, region=region_of.get(q),
            n_procurements=int(f.at[q, "n_procurements"]), n_flagged_coordinated=int(f.at[q, "n_flagged"]),
            n_detected_joint=int(j.at[q, "n_detected_joint"]), n_detected_lead=int(j.at[q, "n_detected_lead"]),
            n_same_title=int(j.at[q, "n_same_title"]),
            **({k: c.at[q, k] for k in comp_keys} if c is not None else {k: None for k in comp_keys}),
        )
        e["peer_share_below_procurements"] = share_of_peers_below(float(e["n_procurements"]), totals.tolist())
        e["peer_share_below_single_tender_share"] = (
            share_of_peers_below(float(e["single_tender_share"]), peer_d["single_tender_share"].tolist())
            if peer_d is not None and e["single_tender_share"] is not None else None)
        e["peer_share_below_mean_tenders_per_lot"] = (
            share_of_peers_below(float(e["mean_tenders_per_lot"]), peer_d["mean_tenders_per_lot"].tolist())
            if peer_d is not None and e["mean_tenders_per_lot"] is not None else None)
        e["peer"] = peer
        entries.append(e)
    return entries, peer

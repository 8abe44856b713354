"""Coordination detected in the data, for review: procurements that may be joint procurements
of the audited buyers (:func:`detect_joint`), and how many each buyer takes part in
(:func:`joint_counts`). The official flag is set by the lead buyer only (and rarely), so what is
detected here is listed, not counted as fact."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ...external.uhm import Buyer
from .groups import AUDITED, STRONG_REASONS, WEAK_REASONS

SIGNAL_COLUMNS = [
    "procurement_id",
    "year",
    "buyer",
    "buyer_name",
    "published_date",
    "title",
    "coordinated_flag",
    "reason",
    "participants",
    "other_buyers",
    "detail",
]
Add = Callable[[pd.Series, str, Iterable[str], Iterable[str], str], None]


def _as_set(values: pd.Series) -> Any:
    """A group's values as a set (for ``groupby(...).agg``)."""
    return set(values)


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
    procs: pd.DataFrame,
    buyers: Sequence[Buyer],
    aliases: Mapping[str, Sequence[str]] | None = None,
    reference_pattern: str | None = None,
    ignore_words: Sequence[str] = (),
    lots: pd.DataFrame | None = None,
    contract_values: pd.DataFrame | None = None,
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
    rows: list[dict[str, object]] = []
    add = _signal_adder(rows, order)
    _titles_naming_buyers(p, buyers, aliases, order, add)
    if reference_pattern:
        _same_reference(p, audited, reference_pattern, add)
    _same_id_other_buyer(p, [procs, lots, contract_values], audited, add)
    if len(buyers) > 1:
        _same_title(p, buyers, aliases, ignore_words, add)
    out = pd.DataFrame(rows, columns=SIGNAL_COLUMNS)
    if len(out):
        out = out.sort_values(["published_date", "procurement_id", "reason"], kind="stable").reset_index(drop=True)
    return out


def _signal_adder(rows: list[dict[str, object]], order: Mapping[str, int]) -> Add:
    """The ``add`` the detectors call: appends one signal row (``SIGNAL_COLUMNS``) to ``rows``,
    the participants in the buyers' order."""

    def add(r: pd.Series, reason: str, participants: Iterable[str], others: Iterable[str], detail: str) -> None:
        rows.append(
            dict(
                procurement_id=r["procurement_id"],
                year=r["year"],
                buyer=r["buyer"],
                buyer_name=r["buyer_name"],
                published_date=r["published_date"],
                title=r["title"],
                coordinated_flag=r["coordinated_flag"],
                reason=reason,
                participants=tuple(sorted(set(participants), key=order.__getitem__)),
                other_buyers=tuple(sorted(set(others))),
                detail=detail,
            )
        )

    return add


def _titles_naming_buyers(
    p: pd.DataFrame,
    buyers: Sequence[Buyer],
    aliases: Mapping[str, Sequence[str]],
    order: Mapping[str, int],
    add: Add,
) -> None:
    """1. Titles naming buyers (aliases only in the audited buyers' own titles)."""
    own = {b.query: _name_pattern([*b.names, b.name, *aliases.get(b.query, [])]) for b in buyers}
    official = {b.query: _name_pattern([*b.names, b.name]) for b in buyers}
    is_audited = p["buyer"].notna()
    found: dict[str, dict[object, str]] = {}  # buyer query -> {row index: the name as written in the title}
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
            add(
                r,
                "title_names_buyers",
                participants,
                [] if reg else [r["buyer_name"]],
                ", ".join(named[q] for q in sorted(named, key=order.__getitem__)),
            )


def _same_reference(p: pd.DataFrame, audited: Mapping[str, str], reference_pattern: str, add: Add) -> None:
    """2. The same reference under several buyers, one of them audited."""
    rx = re.compile(reference_pattern)
    refs = p.assign(ref=p["title_s"].map(lambda s: sorted(set(rx.findall(s))))).explode("ref")
    refs = refs[refs["ref"].notna() & (refs["ref"] != "")]
    if not len(refs):
        return
    orgs = refs.groupby("ref")["buyer_org_number"].agg(_as_set)
    shared = orgs[orgs.map(lambda s: len(s) > 1 and bool(s & set(audited)))]
    for _, r in refs[refs["ref"].isin(shared.index)].iterrows():
        involved = shared[r["ref"]]
        names = set(refs.loc[(refs["ref"] == r["ref"]) & ~refs["buyer_org_number"].isin(audited), "buyer_name"])
        add(r, "same_reference", {audited[o] for o in involved if o in audited}, names, str(r["ref"]))


def _same_id_other_buyer(
    p: pd.DataFrame,
    tables: Sequence[pd.DataFrame | None],
    audited: Mapping[str, str],
    add: Add,
) -> None:
    """3. The same procurement id under another buyer (in any table)."""
    cols = ["procurement_id", "year", "buyer_org_number", "buyer_name"]
    allids = pd.concat([t[cols] for t in tables if t is not None], ignore_index=True).drop_duplicates()
    per_id = allids.groupby(["procurement_id", "year"])["buyer_org_number"].agg(_as_set)
    multi = per_id[per_id.map(lambda s: len(s) > 1 and bool(s & set(audited)))]
    if not len(multi):
        return
    key = pd.MultiIndex.from_frame(p[["procurement_id", "year"]])
    for _, r in p[key.isin(multi.index)].iterrows():
        same = allids[(allids["procurement_id"] == r["procurement_id"]) & (allids["year"] == r["year"])]
        involved = multi[(r["procurement_id"], r["year"])]
        add(
            r,
            "same_id_other_buyer",
            {audited[o] for o in involved if o in audited},
            set(same.loc[~same["buyer_org_number"].isin(audited), "buyer_name"]),
            ", ".join(sorted(set(same["buyer_name"]))),
        )


def _same_title(
    p: pd.DataFrame,
    buyers: Sequence[Buyer],
    aliases: Mapping[str, Sequence[str]],
    ignore_words: Sequence[str],
    add: Add,
) -> None:
    """4. The same title under several audited buyers (weak)."""
    remove = _name_pattern([n for b in buyers for n in (*b.names, b.name, *aliases.get(b.query, []))])
    words = sorted({w.casefold().strip() for w in ignore_words if w and w.strip()}, key=len, reverse=True)
    ignore = (
        re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(re.escape(x) for x in w.split()) for w in words) + r")(?!\w)")
        if words
        else None
    )
    mine = p[p["buyer"].notna()].copy()
    mine["norm"] = mine["title_s"].map(lambda s: normalise_title(s, remove, ignore))
    mine = mine[mine["norm"] != ""]
    by_title = mine.groupby(["year", "norm"])["buyer"].agg(_as_set)
    many = by_title[by_title.map(len) > 1]
    for _, r in mine.iterrows():
        k = (r["year"], r["norm"])
        if k in many.index:
            add(r, "same_title", many[k], [], r["norm"])


def joint_counts(signals: pd.DataFrame, buyers: Sequence[Buyer]) -> pd.DataFrame:
    """Per audited buyer: ``n_detected_joint`` (distinct procurements with a strong reason in
    which the buyer takes part, under its own name or another's), ``n_detected_lead`` (of those,
    registered under the buyer itself), ``n_same_title`` (the buyer's own procurements whose title
    recurs under another audited buyer: weak signals); and a row ``AUDITED`` with the distinct
    procurements over all audited buyers."""
    rows = []
    strong = signals[signals["reason"].isin(STRONG_REASONS)]
    weak = signals[signals["reason"].isin(WEAK_REASONS)]

    def ids(frame: pd.DataFrame, q: str | None) -> set[tuple[Any, Any]]:
        if q is None:
            return set(zip(frame["procurement_id"], frame["year"]))
        m = frame["participants"].map(lambda t: q in t)
        return set(zip(frame.loc[m, "procurement_id"], frame.loc[m, "year"]))

    for b in buyers:
        s = ids(strong, b.query)
        lead = ids(strong[strong["buyer"] == b.query], b.query)
        rows.append(
            dict(
                group=b.query,
                n_detected_joint=len(s),
                n_detected_lead=len(lead),
                n_same_title=len(ids(weak[weak["buyer"] == b.query], None)),
            )
        )
    rows.append(
        dict(
            group=AUDITED,
            n_detected_joint=len(ids(strong, None)),
            n_detected_lead=len(ids(strong[strong["buyer"].notna()], None)),
            n_same_title=len(ids(weak, None)),
        )
    )
    return pd.DataFrame(rows, columns=["group", "n_detected_joint", "n_detected_lead", "n_same_title"])

"""The buyers in the statistics: one row per buyer seen (:func:`buyer_table`), and the buyers
the parameters name, matched by name or organisation number (:func:`resolve_buyers`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from .columns import header_key


def buyer_table(*frames: pd.DataFrame | None) -> pd.DataFrame:
    """``buyer_org_number, buyer_name, sector, n_rows`` over the given normalised tables."""
    parts = [t[["buyer_org_number", "buyer_name", "sector"]] for t in frames if t is not None]
    allb = pd.concat(parts, ignore_index=True)
    return (
        allb.groupby(["buyer_org_number", "buyer_name", "sector"], dropna=False).size().rename("n_rows").reset_index()
    )


@dataclass(frozen=True)
class Buyer:
    """A buyer chosen by the parameters: the query as written, and what it matched."""

    query: str
    name: str
    org_numbers: tuple[str, ...]
    sector: str
    names: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """A name that matched more than one organisation number (all are included)."""
        return len(self.org_numbers) > 1


class BuyerNotFound(ValueError):
    """A buyer in the parameters is not in the statistics (the message suggests close names)."""


def _org_query(q: str) -> str | None:
    s = re.sub(r"[\s\-]", "", q)
    return s if s.isdigit() and 6 <= len(s) <= 12 else None


def resolve_buyers(buyers: pd.DataFrame, queries: Iterable[str]) -> list[Buyer]:
    """Match each query (a buyer name, any case, or an organisation number with or without the
    hyphen) against ``buyers`` (:meth:`Statistics.buyer_table`). Raises :class:`BuyerNotFound`
    naming every query that matched nothing (with close names) and any two queries that select
    the same organisation."""
    by_key = buyers.assign(_k=buyers["buyer_name"].map(header_key))
    names_all = sorted(by_key["buyer_name"].dropna().unique())
    out: list[Buyer] = []
    errors: list[str] = []
    for q in queries:
        org = _org_query(q)
        hit = by_key[by_key["buyer_org_number"] == org] if org else by_key[by_key["_k"] == header_key(q)]
        if hit.empty:
            close = difflib.get_close_matches(str(q).upper(), names_all, n=3, cutoff=0.6)
            hint = f" (close: {', '.join(close)})" if close else ""
            errors.append(f"buyer {q!r} is not in the statistics{hint}")
            continue
        weight = hit.groupby("buyer_name")["n_rows"].sum().sort_values(ascending=False, kind="stable")
        sector = hit.groupby("sector")["n_rows"].sum().sort_values(ascending=False, kind="stable").index[0]
        out.append(
            Buyer(
                q,
                str(weight.index[0]),
                tuple(sorted(hit["buyer_org_number"].unique())),
                str(sector),
                tuple(str(n) for n in weight.index),
            )
        )
    seen: dict[str, str] = {}
    for b in out:
        for o in b.org_numbers:
            if o in seen:
                errors.append(f"buyers {seen[o]!r} and {b.query!r} select the same organisation {o}")
            seen[o] = b.query
    if errors:
        raise BuyerNotFound("; ".join(errors))
    return out

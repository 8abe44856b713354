"""The population, the risk stratum and the systematic probability-proportional-to-size selection
(seeded random start; items of at least the interval are selected with certainty)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..report.texts import fill
from .design import SamplingError, interval_from_misstatement

STRATA = ("risk", "certainty", "pps")
COLUMNS = [
    "procurement_id",
    "title",
    "lead_region",
    "completed_date",
    "estimated_value_sek",
    "stratum",
    "reason",
    "hits",
    "first_point_sek",
]


# ------------------------------------------------------------------ the population
def population(procurements: pd.DataFrame, regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """The procurements completed in ``year``, one row each, with ``estimated_value_sek`` summed
    over regions, sorted by procurement id (the order the systematic selection walks)."""
    value = regions.groupby("procurement_id")["estimated_value_sek"].sum()
    p = procurements[procurements["completed_date"].dt.year == year]
    out = p[["procurement_id", "title", "lead_region", "completed_date"]].copy()
    out["estimated_value_sek"] = out["procurement_id"].map(value).fillna(0.0).astype(float)
    ordered: pd.DataFrame = out.sort_values("procurement_id").reset_index(drop=True)
    return ordered


def single_bid_ids(bids: pd.DataFrame | None, pop: pd.DataFrame, min_value: float) -> set[str]:
    """Procurements with exactly one bid and a value of at least ``min_value``."""
    if bids is None or bids.empty:
        return set()
    n = bids.groupby("procurement_id").size()
    one = set(n[n == 1].index)
    return set(pop.loc[pop["procurement_id"].isin(one) & (pop["estimated_value_sek"] >= min_value), "procurement_id"])


def risk_stratum(package: Any, params: Any, pop: pd.DataFrame, t: Any) -> dict[str, str]:
    """Procurement id -> why it is selected in full, from ``params.sampling.risk_stratum``
    (delegation breaches of the audit year, single-bid procurements from ``single_bid_min_sek``)
    and ``risk_ids``; ``t`` gives the reasons' words. A named id outside ``pop`` is an error."""
    from ..questions import decision_level as dl
    from ..questions.common import procurement_view
    from ..report.fmt import number

    sp = params.sampling
    risk: dict[str, str] = {}
    if "delegation_breach" in sp.risk_stratum:
        d = params.decision_level
        view = procurement_view(package["procurements"], package["procurement_regions"])
        checked = dl.check(
            package["procurement_regions"], view, d.rules, d.bodies_rank, d.require_reference, years=[params.audit_year]
        )
        for pid in sorted(set(dl.violations(checked)["procurement_id"])):
            risk.setdefault(pid, t("sampling.reason_delegation_breach"))
    if "single_bid" in sp.risk_stratum:
        bids = package.tables.get("bids") if hasattr(package, "tables") else package.get("bids")
        for pid in sorted(single_bid_ids(bids, pop, sp.single_bid_min_sek)):
            risk.setdefault(pid, t("sampling.reason_single_bid", value=number(sp.single_bid_min_sek, t.language)))
    for pid in sp.risk_ids:
        risk.setdefault(pid, t("sampling.reason_named"))
    missing = sorted(set(risk) - set(pop["procurement_id"]))
    if missing:
        raise SamplingError(
            f"sampling.risk_ids not among the procurements of {params.audit_year}: " + ", ".join(missing)
        )
    return risk


# ------------------------------------------------------------------ selection
@dataclass
class Sample:
    items: pd.DataFrame  # COLUMNS
    interval: float
    size: int  # selection points (n)
    start: float
    book_value: float  # of the sampled population (risk stratum left out)
    confidence: float
    seed: int
    not_sampled: int = 0  # procurements of value 0 (no monetary unit to hit)
    risk: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        counts = self.items["stratum"].value_counts()
        return {
            "interval_sek": self.interval,
            "size": self.size,
            "random_start_sek": self.start,
            "book_value_sek": self.book_value,
            "confidence": self.confidence,
            "seed": self.seed,
            "selected": len(self.items),
            "zero_value_not_sampled": self.not_sampled,
            **{f"n_{s}": int(counts.get(s, 0)) for s in STRATA},
        }


def select(
    pop: pd.DataFrame,
    *,
    size: int | None = None,
    interval: float | None = None,
    seed: int = 0,
    confidence: float = 0.95,
    risk: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    money: Callable[[float], str] = "{:,.0f}".format,
) -> Sample:
    """Systematic PPS selection over ``pop`` (``population``'s columns).

    Exactly one of ``size`` (interval = book value / size) and ``interval`` is given.
    ``risk``: procurement id -> why it is in the risk stratum (selected in full, not sampled).
    ``reasons``: texts for the strata ``certainty`` and ``pps`` (``{interval}``, formatted by
    ``money``, and ``{hits}``)."""
    risk = dict(risk or {})
    why = {
        "certainty": "value at least the sampling interval {interval}: selected with certainty",
        "pps": "monetary unit selected ({hits} point(s))",
        **(reasons or {}),
    }
    in_risk = pop["procurement_id"].isin(risk)
    rest = pop[~in_risk & (pop["estimated_value_sek"] > 0)].reset_index(drop=True)
    zero = int((~in_risk & (pop["estimated_value_sek"] <= 0)).sum())
    bv = float(rest["estimated_value_sek"].sum())
    if (size is None) == (interval is None):
        raise SamplingError("give either a sample size or a sampling interval")
    if bv <= 0:
        raise SamplingError("no procurement with a positive value to sample")
    if size is not None:
        if size < 1:
            raise SamplingError("the sample size must be at least 1")
        interval = bv / size
    assert interval is not None
    start = float(np.random.default_rng(seed).uniform(0, interval))
    n_points, chosen = _hit(rest, interval, start, bv)
    certain = chosen["estimated_value_sek"] >= interval
    chosen["stratum"] = np.where(certain, "certainty", "pps")
    chosen["reason"] = [
        fill(why[s], interval=money(interval), hits=h) for s, h in zip(chosen["stratum"], chosen["hits"])
    ]
    items = _with_risk_stratum(pop[in_risk].copy(), risk, chosen)
    return Sample(
        items.reset_index(drop=True),
        float(interval),
        n_points,
        start,
        bv,
        confidence,
        seed,
        not_sampled=zero,
        risk=risk,
    )


def _hit(rest: pd.DataFrame, interval: float, start: float, bv: float) -> tuple[int, pd.DataFrame]:
    """The number of selection points and the items of ``rest`` they hit (``hits``, ``first_point_sek``)."""
    n_points = int(math.floor((bv - start) / interval)) + 1 if start < bv else 0
    points = start + interval * np.arange(n_points)
    upper = rest["estimated_value_sek"].cumsum().to_numpy()
    lower = upper - rest["estimated_value_sek"].to_numpy()
    first = np.searchsorted(points, lower, side="left")  # first point >= the item's lower bound
    last = np.searchsorted(points, upper, side="left")  # points < upper bound
    hits = last - first
    chosen = rest.assign(hits=hits, first_point_sek=np.where(hits > 0, points[np.minimum(first, n_points - 1)], np.nan))
    return n_points, chosen[chosen["hits"] > 0].copy()


def _with_risk_stratum(r: pd.DataFrame, risk: Mapping[str, str], chosen: pd.DataFrame) -> pd.DataFrame:
    """The risk stratum ``r`` (selected in full) before the sampled items, in stratum and id order."""
    r["stratum"] = "risk"
    r["reason"] = r["procurement_id"].map(risk)
    r["hits"] = 0
    r["first_point_sek"] = np.nan
    items = pd.concat([r[COLUMNS], chosen[COLUMNS]], ignore_index=True) if len(r) else chosen[COLUMNS]
    order = {s: i for i, s in enumerate(STRATA)}
    return items.sort_values(["stratum", "procurement_id"], key=lambda c: c.map(order) if c.name == "stratum" else c)


def draw(
    pop: pd.DataFrame,
    sampling: Any,
    seed: int,
    risk: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    money: Callable[[float], str] = "{:,.0f}".format,
) -> Sample:
    """``select`` with the size or interval the ``sampling`` parameters give."""
    if sampling.size is not None:
        return select(
            pop, size=sampling.size, seed=seed, confidence=sampling.confidence, risk=risk, reasons=reasons, money=money
        )
    if sampling.tolerable_misstatement_sek is None:
        raise SamplingError("sampling: give either size or tolerable_misstatement_sek")
    j = interval_from_misstatement(
        sampling.tolerable_misstatement_sek, sampling.expected_misstatement_sek, sampling.confidence
    )
    return select(pop, interval=j, seed=seed, confidence=sampling.confidence, risk=risk, reasons=reasons, money=money)

"""Monetary-unit sampling (MUS) of procurements for file review, and its evaluation.

The population is the procurements completed in the audit year; each one's value is its
estimated value summed over the participating regions (``procurement_regions``). The method
is the one of the AICPA Audit Guide *Audit Sampling* (chapter 6, "monetary unit sampling"):

- **Risk stratum** (optional): procurements the review already flags (delegation breaches,
  single-bid procurements of high value, ids the auditors name) are selected in full and
  left out of the sampled population.
- **Sample size**: fixed (``size``), or from tolerable misstatement TM, expected misstatement
  EM and confidence: sampling interval ``J = (TM - EM * EF) / RF`` and ``n = ceil(BV / J)``,
  with RF the Poisson reliability factor for zero misstatements (3.00 at 95 %) and EF the
  guide's expansion factor (1.6 at 95 %).
- **Selection**: systematic probability-proportional-to-size over the cumulative values in
  procurement-id order, with a seeded random start in ``[0, J)``; a procurement is selected
  when a selection point falls in its value range. Every procurement whose value is at least
  ``J`` is hit by some point: it is selected with certainty.
- **Evaluation** (the Stringer bound): for each sampled procurement with an overstatement,
  tainting ``t = misstatement / value`` (at most 1). Below the interval it projects to
  ``t * J``; certainty and risk-stratum items count with their actual misstatement. The upper
  misstatement limit is ``J * RF(0) + sum_i t_(i) * J * (RF(i) - RF(i-1)) + known``, the
  taintings in descending order; it is compared with the tolerable misstatement.

Reliability factors are the upper confidence limits of a Poisson mean (``gamma.ppf(c, k+1)``)
rounded up to two decimals, which reproduces the guide's table (3.00, 4.75, 6.30, 7.76 ... at
95 %). Pure functions, no I/O except ``load_population``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .report.texts import fill

# The AICPA guide's expansion factors for expected misstatement, by risk of incorrect acceptance.
EXPANSION_FACTORS = {0.01: 1.9, 0.05: 1.6, 0.10: 1.5, 0.15: 1.4, 0.20: 1.3, 0.25: 1.25, 0.30: 1.2,
                     0.37: 1.15, 0.50: 1.0}
STRATA = ("risk", "certainty", "pps")
COLUMNS = ["procurement_id", "title", "lead_region", "completed_date", "estimated_value_sek", "stratum",
           "reason", "hits", "first_point_sek"]


class SamplingError(ValueError):
    """The sampling parameters cannot give a sample (the message says why)."""


def reliability_factor(errors: int, confidence: float) -> float:
    """The Poisson upper confidence limit for ``errors`` misstatements at ``confidence``,
    rounded up to two decimals as in the AICPA guide's table (0 errors at 95 %: 3.00)."""
    from scipy import stats

    if errors < 0:
        raise ValueError("errors must be >= 0")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    return math.ceil(round(float(stats.gamma.ppf(confidence, errors + 1)) * 100, 6)) / 100


def expansion_factor(confidence: float) -> float:
    risk = round(1 - confidence, 2)
    if risk not in EXPANSION_FACTORS:
        levels = ", ".join(f"{1 - r:.0%}" for r in sorted(EXPANSION_FACTORS))
        raise SamplingError(f"with an expected misstatement, confidence must be one of {levels} (got {confidence})")
    return EXPANSION_FACTORS[risk]


def interval_from_misstatement(tolerable: float, expected: float, confidence: float) -> float:
    """The sampling interval ``(TM - EM * EF) / RF(0)``."""
    ef = expansion_factor(confidence) if expected > 0 else 1.0
    room = tolerable - expected * ef
    if room <= 0:
        raise SamplingError(f"expected misstatement {expected:,.0f} times the expansion factor {ef} leaves no room "
                            f"below the tolerable misstatement {tolerable:,.0f}")
    return room / reliability_factor(0, confidence)


def sample_size(book_value: float, tolerable: float, expected: float = 0.0, confidence: float = 0.95) -> int:
    """``ceil(BV * RF / (TM - EM * EF))``: the AICPA guide's MUS sample size."""
    return math.ceil(round(book_value / interval_from_misstatement(tolerable, expected, confidence), 9))


# ------------------------------------------------------------------ the population
def population(procurements: pd.DataFrame, regions: pd.DataFrame, year: int) -> pd.DataFrame:
    """The procurements completed in ``year``, one row each, with ``estimated_value_sek`` summed
    over regions, sorted by procurement id (the order the systematic selection walks)."""
    value = regions.groupby("procurement_id")["estimated_value_sek"].sum()
    p = procurements[procurements["completed_date"].dt.year == year]
    out = p[["procurement_id", "title", "lead_region", "completed_date"]].copy()
    out["estimated_value_sek"] = out["procurement_id"].map(value).fillna(0.0).astype(float)
    return out.sort_values("procurement_id").reset_index(drop=True)


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
    from .questions import decision_level as dl
    from .questions.common import procurement_view
    from .report.fmt import number

    sp = params.sampling
    risk: dict[str, str] = {}
    if "delegation_breach" in sp.risk_stratum:
        d = params.decision_level
        view = procurement_view(package["procurements"], package["procurement_regions"])
        checked = dl.check(package["procurement_regions"], view, d.rules, d.bodies_rank, d.require_reference,
                           years=[params.audit_year])
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
        raise SamplingError(f"sampling.risk_ids not among the procurements of {params.audit_year}: " + ", ".join(missing))
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
        return {"interval_sek": self.interval, "size": self.size, "random_start_sek": self.start,
                "book_value_sek": self.book_value, "confidence": self.confidence, "seed": self.seed,
                "selected": len(self.items), "zero_value_not_sampled": self.not_sampled,
                **{f"n_{s}": int(counts.get(s, 0)) for s in STRATA}}


def select(pop: pd.DataFrame, *, size: int | None = None, interval: float | None = None, seed: int = 0,
           confidence: float = 0.95, risk: Mapping[str, str] | None = None,
           reasons: Mapping[str, str] | None = None, money: Callable[[float], str] = "{:,.0f}".format) -> Sample:
    """Systematic PPS selection over ``pop`` (``population``'s columns).

    Exactly one of ``size`` (interval = book value / size) and ``interval`` is given.
    ``risk``: procurement id -> why it is in the risk stratum (selected in full, not sampled).
    ``reasons``: texts for the strata ``certainty`` and ``pps`` (``{interval}``, formatted by
    ``money``, and ``{hits}``)."""
    risk = dict(risk or {})
    why = {"certainty": "value at least the sampling interval {interval}: selected with certainty",
           "pps": "monetary unit selected ({hits} point(s))", **(reasons or {})}
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
    n_points = int(math.floor((bv - start) / interval)) + 1 if start < bv else 0
    points = start + interval * np.arange(n_points)
    upper = rest["estimated_value_sek"].cumsum().to_numpy()
    lower = upper - rest["estimated_value_sek"].to_numpy()
    first = np.searchsorted(points, lower, side="left")  # first point >= the item's lower bound
    last = np.searchsorted(points, upper, side="left")  # points < upper bound
    hits = last - first
    chosen = rest.assign(hits=hits, first_point_sek=np.where(hits > 0, points[np.minimum(first, n_points - 1)], np.nan))
    chosen = chosen[chosen["hits"] > 0].copy()
    certain = chosen["estimated_value_sek"] >= interval
    chosen["stratum"] = np.where(certain, "certainty", "pps")
    chosen["reason"] = [fill(why[s], interval=money(interval), hits=h) for s, h in zip(chosen["stratum"], chosen["hits"])]
    r = pop[in_risk].copy()
    r["stratum"] = "risk"
    r["reason"] = r["procurement_id"].map(risk)
    r["hits"] = 0
    r["first_point_sek"] = np.nan
    items = pd.concat([r[COLUMNS], chosen[COLUMNS]], ignore_index=True) if len(r) else chosen[COLUMNS]
    order = {s: i for i, s in enumerate(STRATA)}
    items = items.sort_values(["stratum", "procurement_id"], key=lambda c: c.map(order) if c.name == "stratum" else c)
    return Sample(items.reset_index(drop=True), float(interval), n_points, start, bv, confidence, seed,
                  not_sampled=zero, risk=risk)


def draw(pop: pd.DataFrame, sampling: Any, seed: int, risk: Mapping[str, str] | None = None,
         reasons: Mapping[str, str] | None = None, money: Callable[[float], str] = "{:,.0f}".format) -> Sample:
    """``select`` with the size or interval the ``sampling`` parameters give."""
    if sampling.size is not None:
        return select(pop, size=sampling.size, seed=seed, confidence=sampling.confidence, risk=risk, reasons=reasons, money=money)
    if sampling.tolerable_misstatement_sek is None:
        raise SamplingError("sampling: give either size or tolerable_misstatement_sek")
    j = interval_from_misstatement(sampling.tolerable_misstatement_sek, sampling.expected_misstatement_sek,
                                   sampling.confidence)
    return select(pop, interval=j, seed=seed, confidence=sampling.confidence, risk=risk, reasons=reasons, money=money)


# ------------------------------------------------------------------ evaluation
@dataclass
class Evaluation:
    interval: float
    confidence: float
    basic_precision: float
    projected: float  # projected misstatement of the sampled items plus known misstatement
    incremental_allowance: float
    upper_limit: float
    tolerable: float | None
    items: pd.DataFrame  # procurement_id, value, misstatement, tainting, projected, stratum

    @property
    def exceeds_tolerable(self) -> bool | None:
        return None if self.tolerable is None else self.upper_limit > self.tolerable

    def summary(self) -> dict[str, Any]:
        return {"interval_sek": self.interval, "confidence": self.confidence,
                "basic_precision_sek": self.basic_precision, "projected_misstatement_sek": self.projected,
                "incremental_allowance_sek": self.incremental_allowance,
                "upper_misstatement_limit_sek": self.upper_limit, "tolerable_misstatement_sek": self.tolerable,
                "exceeds_tolerable": self.exceeds_tolerable, "n_misstatements": int((self.items["misstatement_sek"] > 0).sum())}


def evaluate(findings: Iterable[tuple[float, float]], interval: float, confidence: float = 0.95,
             tolerable: float | None = None, ids: Iterable[str] | None = None,
             known: Iterable[bool] | None = None) -> Evaluation:
    """The Stringer bound from ``findings``: (recorded value, overstatement) of each examined
    item with a misstatement (items without one need not be listed). An item is counted with
    its actual misstatement, not projected, when its value is at least the interval or
    ``known`` says so (the risk stratum); understatements (negative) are left out of the
    overstatement bound."""
    f = list(findings)
    ids = list(ids) if ids is not None else [str(i + 1) for i in range(len(f))]
    known = list(known) if known is not None else [False] * len(f)
    rows = []
    for pid, (value, miss), k in zip(ids, f, known):
        certain = k or value >= interval
        t = min(max(miss, 0.0) / value, 1.0) if value > 0 else 1.0
        rows.append({"procurement_id": pid, "estimated_value_sek": value, "misstatement_sek": miss,
                     "tainting": None if certain else t, "projected_sek": max(miss, 0.0) if certain else t * interval,
                     "stratum": "known" if certain else "projected"})
    items = pd.DataFrame(rows, columns=["procurement_id", "estimated_value_sek", "misstatement_sek", "tainting",
                                        "projected_sek", "stratum"])
    taints = sorted((r["tainting"] for r in rows if r["tainting"] is not None and r["tainting"] > 0), reverse=True)
    known_sum = float(items.loc[items["stratum"] == "known", "projected_sek"].clip(lower=0).sum())
    rf = [reliability_factor(k, confidence) for k in range(len(taints) + 1)]
    basic = interval * rf[0]
    projected = sum(t * interval for t in taints) + known_sum
    incremental = sum(t * interval * (rf[i + 1] - rf[i] - 1) for i, t in enumerate(taints))
    return Evaluation(interval, confidence, basic, projected, incremental, basic + projected + incremental,
                      tolerable, items)


def evaluate_sample(sample: Sample, outcomes: pd.DataFrame, tolerable: float | None = None) -> Evaluation:
    """Evaluate the recorded file reviews (``outcomes``: ``procurement_id, misstatement_sek``) of
    ``sample``; an outcome for a procurement that was not selected is an error."""
    by_id = sample.items.set_index("procurement_id")
    unknown = sorted(set(outcomes["procurement_id"]) - set(by_id.index))
    if unknown:
        raise SamplingError("outcomes for procurements that are not in the sample: " + ", ".join(map(str, unknown)))
    o = outcomes[outcomes["misstatement_sek"].astype(float) != 0]
    values = [float(by_id.at[p, "estimated_value_sek"]) for p in o["procurement_id"]]
    known = [by_id.at[p, "stratum"] == "risk" for p in o["procurement_id"]]
    return evaluate(zip(values, o["misstatement_sek"].astype(float)), sample.interval, sample.confidence, tolerable,
                    ids=o["procurement_id"].astype(str), known=known)


def read_outcomes(path: Any) -> pd.DataFrame:
    """The recorded file-review outcomes: a CSV (``,`` or ``;``) with ``procurement_id`` and
    ``misstatement_sek`` (overstatement found; 0 when none). Errors name row and column."""
    df = pd.read_csv(path, dtype={"procurement_id": str}, sep=None, engine="python")
    for col in ("procurement_id", "misstatement_sek"):
        if col not in df.columns:
            raise SamplingError(f"column {col!r} is missing")
    values = pd.to_numeric(df["misstatement_sek"].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    bad = df.index[values.isna()]
    if len(bad):
        raise SamplingError(f"row {bad[0] + 2}, column misstatement_sek: not a number ({df.at[bad[0], 'misstatement_sek']!r})")
    return df.assign(misstatement_sek=values)


# ------------------------------------------------------------------ the sample as a file
OUTCOMES_FILE = "sampling-outcomes.csv"  # the file reviews' outcomes, in the evidence register's folder


def sample_csv(sample: Sample) -> str:
    """The sample's items as CSV text (``audit sample`` writes it; a run records its sha256)."""
    items = sample.items.assign(completed_date=sample.items["completed_date"].dt.date)
    text: str = items.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    return text


def outcomes_path(params: Any) -> Any:
    """Where the recorded file-review outcomes are: ``sampling.outcomes_file`` when set, else
    ``sampling-outcomes.csv`` in the evidence register's folder when it is there; else None
    (the files are yet to be reviewed)."""
    if params.sampling is not None and params.sampling.outcomes_file:
        return params.path(params.sampling.outcomes_file)
    register = params.path(params.evidence)
    if register is None:
        return None
    found = (register if register.is_dir() else register.parent) / OUTCOMES_FILE
    return found if found.is_file() else None


def load_outcomes(params: Any) -> pd.DataFrame | None:
    """The recorded outcomes (``read_outcomes``) of the file the parameters point to, or None;
    an error names the file."""
    path = outcomes_path(params)
    if path is None:
        return None
    try:
        return read_outcomes(path)
    except (OSError, ValueError) as e:
        raise SamplingError(f"{path}: {e}") from e

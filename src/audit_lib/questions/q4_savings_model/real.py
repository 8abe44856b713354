"""The market method and its alternative baselines on real bid-level data (read from a folder
outside the project; the part is skipped where the folder is absent)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ...params import Q4Params
from ...realdata import RealBids, read_real_bids
from .bids import bid_summary, market_savings
from .constants import BASELINES
from .market_bias import saving_by_n_bids


def real_baseline_summary(bids: pd.DataFrame, min_bids: int, estimated_value: pd.Series | None = None) -> pd.DataFrame:
    """The market method and its alternatives on real bid-level data: over the tenders with at
    least ``min_bids`` approved bids, per baseline ``baseline, n_tenders, total, median_per_tender,
    median_share_of_lowest`` (median of saving / lowest bid) and ``ratio_to_mean`` (the baseline's
    total over the mean-based total). Money is in the data's own currency."""
    s = bid_summary(bids)
    s = s[s["n_approved"] >= min_bids]
    ms = market_savings(s, estimated_value)
    names = list(BASELINES) if estimated_value is not None else ["mean", "median", "second_lowest"]
    mean_total = float(ms["mean"].sum())
    rows = []
    for b in names:
        v = ms[b].dropna()
        share = v / ms.loc[v.index, "lowest"]
        rows.append(
            dict(
                baseline=b,
                n_tenders=int(len(v)),
                total=float(v.sum()),
                median_per_tender=float(v.median()) if len(v) else math.nan,
                median_share_of_lowest=float(share.median()) if len(v) else math.nan,
                ratio_to_mean=float(v.sum()) / mean_total if mean_total else math.nan,
            )
        )
    return pd.DataFrame(rows)


def mean_above_median_share(bids: pd.DataFrame, min_bids: int) -> float:
    """Share of tenders (with at least ``min_bids`` approved bids) where the mean-based saving
    exceeds the median-based one: where bids are skewed upwards by a few high offers."""
    s = bid_summary(bids)
    s = s[s["n_approved"] >= min_bids]
    return float((s["mean"] > s["median"]).mean()) if len(s) else math.nan


def real_analysis(
    bids: pd.DataFrame, min_bids: int, estimated_value: pd.Series | None = None, max_n: int = 10
) -> dict[str, Any]:
    """Everything the report shows for one real source: ``summary`` (``real_baseline_summary``),
    ``mean_above_median_share``, ``by_n_bids`` (``saving_by_n_bids`` over all tenders with at
    least two bids), and the ratios of the median- and second-lowest-based totals to the
    mean-based total."""
    summary = real_baseline_summary(bids, min_bids, estimated_value)
    ms = market_savings(bid_summary(bids), estimated_value).reset_index()
    ratio = summary.set_index("baseline")["ratio_to_mean"]
    return {
        "summary": summary,
        "mean_above_median_share": mean_above_median_share(bids, min_bids),
        "by_n_bids": saving_by_n_bids(ms, max_n),
        "median_ratio": float(ratio.get("median", math.nan)),
        "second_lowest_ratio": float(ratio.get("second_lowest", math.nan)),
        "n_tenders": int(summary["n_tenders"].iloc[0]) if len(summary) else 0,
    }


@dataclass(frozen=True)
class RealSource:
    """One real source and what the report shows of it (``real_analysis``)."""

    bids: RealBids
    analysis: dict[str, Any]


@dataclass(frozen=True)
class RealData:
    """The real bid-level data part: ``status`` is ``not_configured`` (no folder given),
    ``absent`` (the folder is missing or holds no known source) or ``available``."""

    status: str
    folder: str | None
    min_bids: int
    sources: tuple[RealSource, ...] = ()

    @property
    def available(self) -> bool:
        return self.status == "available"


def real_data(folder: Path | None, params: Q4Params) -> RealData:
    """Read every known real source in ``folder`` (resolved by the caller from
    ``params.real_bids_dir``) and analyse each with the register's minimum number of bids."""
    if folder is None:
        return RealData("not_configured", params.real_bids_dir, params.market_min_bids)
    sources = read_real_bids(folder) if folder.is_dir() else []
    if not sources:
        return RealData("absent", params.real_bids_dir, params.market_min_bids)
    analysed = tuple(
        RealSource(s, real_analysis(s.bids, params.market_min_bids, s.estimated_value, params.max_n_bids))
        for s in sources
    )
    return RealData("available", params.real_bids_dir, params.market_min_bids, analysed)


def real_results(real: RealData) -> dict[str, Any]:
    """What the results JSON records of the real data: ``available`` and, per source, its
    name, source, currency, notes, the minimum number of bids and ``real_analysis``."""
    return {
        "available": real.available,
        "sources": [
            {
                "name": s.bids.name,
                "source": s.bids.source,
                "currency": s.bids.currency,
                "notes": s.bids.notes,
                "min_bids": real.min_bids,
                **s.analysis,
            }
            for s in real.sources
        ],
    }

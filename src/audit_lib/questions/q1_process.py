"""Audit question 1: is there a common process and shared view for deciding what to coordinate?

The register can show how the process is applied, not whether it exists (that is for documents
and interviews, in the evidence register). Pure functions from the procurement view
(``common.procurement_view``) and ``procurement_regions`` to figures:

- ``funnel``: from the procurements of a year to those identified as coordinable in the plan
  (``planned_coordinated``), to those actually coordinated (more than one region participates),
  and the planned ones that were not coordinated, with or without a documented reason;
- ``share_table``: coordinated share by count (Wilson interval) and by estimated value
  (bootstrap interval over procurements) per year, category or region;
- ``coordinated_target``: the board's target for the coordinated share in a year;
- ``planned_not_coordinated``: the planned procurements that were not coordinated, their
  reasons, and whether a reason is documented at all;
- ``assessment_inputs``: the figures the four-level criteria use;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q1Result`` out), and ``results`` the figures its results JSON records.

The register is a census of the year's procurements, so an interval here does not describe
sampling from a larger register: it treats the year's procurements as one draw of the process
and shows how much a share could move by chance, and how much a value share hangs on a few
large procurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from ..contract.period import Period
from ..params import Q1Params
from . import common
from .common import is_blank, wilson_interval

FUNNEL_STAGES = (
    "all",
    "planned",
    "planned_coordinated",
    "planned_not_coordinated",
    "reason_documented",
    "reason_missing",
    "coordinated_unplanned",
    "coordinated",
)


def year_view(view: pd.DataFrame, year: int) -> pd.DataFrame:
    """The procurements completed in ``year``."""
    return view[view["year"] == year]


def funnel(view: pd.DataFrame) -> pd.DataFrame:
    """Counts and estimated values at each stage, for the procurements in ``view``.

    Stages: ``all``; ``planned`` (identified as coordinable in the plan); of those,
    ``planned_coordinated`` and ``planned_not_coordinated``; of the latter,
    ``reason_documented`` and ``reason_missing``; beside the funnel, ``coordinated_unplanned``
    (coordinated without being planned) and ``coordinated`` (all coordinated).
    ``share_of_parent`` is the count over the stage it comes from (``all`` for planned and
    coordinated, ``planned`` for the next two, ``planned_not_coordinated`` for the reasons).
    """
    planned = view["planned_coordinated"].fillna(False).astype(bool)
    coord = view["coordinated"].astype(bool)
    blank = is_blank(view["non_coordination_reason"])
    masks = {
        "all": pd.Series(True, index=view.index),
        "planned": planned,
        "planned_coordinated": planned & coord,
        "planned_not_coordinated": planned & ~coord,
        "reason_documented": planned & ~coord & ~blank,
        "reason_missing": planned & ~coord & blank,
        "coordinated_unplanned": ~planned & coord,
        "coordinated": coord,
    }
    parent = {
        "all": None,
        "planned": "all",
        "planned_coordinated": "planned",
        "planned_not_coordinated": "planned",
        "reason_documented": "planned_not_coordinated",
        "reason_missing": "planned_not_coordinated",
        "coordinated_unplanned": "all",
        "coordinated": "all",
    }
    counts = {k: int(m.sum()) for k, m in masks.items()}
    rows = []
    for stage in FUNNEL_STAGES:
        m = masks[stage]
        p = parent[stage]
        rows.append(
            dict(
                stage=stage,
                count=counts[stage],
                value_sek=float(view.loc[m, "estimated_value_sek"].sum()),
                parent=p,
                share_of_parent=(counts[stage] / counts[p])
                if p and counts[p]
                else (1.0 if p is None else float("nan")),
            )
        )
    return pd.DataFrame(rows)


def region_view(view: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per procurement and participating region: the region's own estimated value,
    and whether the procurement as a whole was coordinated."""
    cols = ["procurement_id", "year", "category", "coordinated", "planned_coordinated"]
    r = regions[["procurement_id", "region", "estimated_value_sek"]].merge(view[cols], on="procurement_id", how="inner")
    return r


def value_share_interval(
    values: np.ndarray, coordinated: np.ndarray, level: float, reps: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Percentile bootstrap interval (resampling procurements) for the share of value in
    coordinated procurements. ``(nan, nan)`` with fewer than two procurements or no value."""
    values = np.asarray(values, dtype=float)
    coordinated = np.asarray(coordinated, dtype=bool)
    n = len(values)
    if n < 2 or not np.nansum(values) > 0:
        return float("nan"), float("nan")
    idx = rng.integers(0, n, size=(reps, n))
    v = values[idx]
    tot = v.sum(axis=1)
    num = (v * coordinated[idx]).sum(axis=1)
    ok = tot > 0
    shares = num[ok] / tot[ok]
    a = (1 - level) / 2
    return float(np.quantile(shares, a)), float(np.quantile(shares, 1 - a))


def share_table(frame: pd.DataFrame, by: str, level: float = 0.95, reps: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Coordinated share per group of ``by`` (``year``, ``category``, ``region``...).

    ``frame`` has one row per unit counted (a procurement, or a procurement-region from
    ``region_view``) with ``coordinated``, ``planned_coordinated`` and ``estimated_value_sek``.
    Columns: ``<by>, n, coordinated, share, share_low, share_high`` (Wilson, count),
    ``value_sek, coordinated_value_sek, share_value, share_value_low, share_value_high``
    (bootstrap over the group's units, seeded from ``seed`` and the group's position),
    ``planned, planned_not_coordinated``.
    """
    rows = []
    for i, (key, g) in enumerate(sorted(frame.groupby(by), key=lambda kv: str(kv[0]))):
        coord = g["coordinated"].astype(bool).to_numpy()
        values = g["estimated_value_sek"].to_numpy(dtype=float)
        planned = g["planned_coordinated"].fillna(False).astype(bool).to_numpy()
        n, k = len(g), int(coord.sum())
        lo, hi = wilson_interval(k, n, level)
        total = float(values.sum())
        cval = float(values[coord].sum())
        vlo, vhi = value_share_interval(values, coord, level, reps, np.random.default_rng([seed, i]))
        rows.append(
            {
                by: key,
                "n": n,
                "coordinated": k,
                "share": k / n if n else float("nan"),
                "share_low": lo,
                "share_high": hi,
                "value_sek": total,
                "coordinated_value_sek": cval,
                "share_value": cval / total if total > 0 else float("nan"),
                "share_value_low": vlo,
                "share_value_high": vhi,
                "planned": int(planned.sum()),
                "planned_not_coordinated": int((planned & ~coord).sum()),
            }
        )
    cols = [
        by,
        "n",
        "coordinated",
        "share",
        "share_low",
        "share_high",
        "value_sek",
        "coordinated_value_sek",
        "share_value",
        "share_value_low",
        "share_value_high",
        "planned",
        "planned_not_coordinated",
    ]
    return pd.DataFrame(rows, columns=cols)


def largest_procurement(view: pd.DataFrame) -> dict[str, Any]:
    """The procurement with the largest estimated value in ``view`` and its share of the total
    (how much one procurement can move the share by value); empty without value."""
    total = float(view["estimated_value_sek"].sum())
    if not len(view) or not total > 0:
        return {}
    r = view.loc[cast(Any, view["estimated_value_sek"].idxmax())]
    return {
        "procurement_id": r["procurement_id"],
        "title": r["title"],
        "value_sek": float(r["estimated_value_sek"]),
        "share_of_total": float(r["estimated_value_sek"]) / total,
        "coordinated": bool(r["coordinated"]),
    }


def coordinated_target(targets: pd.DataFrame, year: int) -> dict[str, Any]:
    """The board's ``coordinated_share`` target for ``year``: the full-year row if there is one,
    else the interim row. Keys ``target`` (nan where none was set), ``outcome`` (the board's
    own reported share), ``period``, ``source``; an empty dict where the table has no row."""
    t = targets[(targets["indicator"] == "coordinated_share") & (targets["year"] == year)]
    if not len(t):
        return {}
    t = t.assign(_p=(t["period"] != "full_year").astype(int)).sort_values("_p")
    with_target = t[t["target"].notna()]
    r = (with_target if len(with_target) else t).iloc[0]
    return {
        "target": float(r["target"]) if pd.notna(r["target"]) else float("nan"),
        "outcome": float(r["outcome"]) if pd.notna(r["outcome"]) else float("nan"),
        "period": str(r["period"]),
        "source": str(r["source"]),
    }


def planned_not_coordinated(view: pd.DataFrame) -> pd.DataFrame:
    """Procurements identified as coordinable in the plan that only one region (or none) took
    part in. Columns ``procurement_id, year, title, category, lead_region, estimated_value_sek,
    reason, reason_documented``; sorted by id. A blank reason is not documented."""
    m = view["planned_coordinated"].fillna(False).astype(bool) & ~view["coordinated"].astype(bool)
    out = view.loc[
        m,
        [
            "procurement_id",
            "year",
            "title",
            "category",
            "lead_region",
            "estimated_value_sek",
            "non_coordination_reason",
        ],
    ].rename(columns={"non_coordination_reason": "reason"})
    out["reason_documented"] = ~is_blank(out["reason"])
    out["reason"] = pd.Series(
        [str(r).strip() if d else None for r, d in zip(out["reason"], out["reason_documented"])],
        index=out.index,
        dtype=object,
    )
    return out.sort_values("procurement_id").reset_index(drop=True)


def reasons_summary(pnc: pd.DataFrame) -> pd.DataFrame:
    """How often each documented reason is given; undocumented ones as ``reason = None``
    last. Columns ``reason, count, share``."""
    n = len(pnc)
    doc = pnc[pnc["reason_documented"]]
    counts = doc["reason"].astype(str).str.strip().value_counts()
    rows = [{"reason": r, "count": int(c)} for r, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    missing = int((~pnc["reason_documented"]).sum())
    if missing:
        rows.append({"reason": None, "count": missing})
    out = pd.DataFrame(rows, columns=["reason", "count"])
    out["share"] = out["count"] / n if n else float("nan")
    return out


def assessment_inputs(year_funnel: pd.DataFrame, year_share: dict[str, Any], target: dict[str, Any]) -> dict[str, Any]:
    """Figures for the criteria, for the audit year.

    - ``plan_followed_share``: of the procurements planned as coordinated, the share that was;
    - ``reasons_documented_share``: of the planned ones not coordinated, the share with a reason
      (nan when every planned procurement was coordinated);
    - ``target_attainment``: coordinated share by count over the target (nan when no target);
    - ``coordinated_share_count``: the share itself.
    """
    f = year_funnel.set_index("stage")
    count, share_of_parent = f["count"], f["share_of_parent"]
    pnc = int(count["planned_not_coordinated"])
    share = year_share.get("share", float("nan"))
    tgt = target.get("target", float("nan")) if target else float("nan")
    return {
        "coordinated_share_count": share,
        "plan_followed_share": float(share_of_parent["planned_coordinated"]),
        "reasons_documented_share": float(count["reason_documented"]) / pnc if pnc else float("nan"),
        "target_attainment": share / tgt if tgt and math.isfinite(tgt) and tgt > 0 else float("nan"),
    }


def targets_by_year(targets: pd.DataFrame) -> dict[int, float]:
    """The board's ``coordinated_share`` target per year (rows without a target left out; where
    a year has several rows, the last one in the table wins)."""
    rows = targets[(targets["indicator"] == "coordinated_share") & targets["target"].notna()]
    return dict(zip(rows["year"].astype(int).tolist(), rows["target"].tolist()))


def share_seeds(seed: int) -> dict[str, int]:
    """The bootstrap seed of each share table, derived from the run's seed."""
    return {"year": seed, "category": seed + 1, "region": seed + 2}


@dataclass(frozen=True)
class Q1Result:
    """What question 1 finds for the audit year: the funnel, the coordinated shares by year,
    category and region, the target, the planned procurements that were not coordinated and
    the figures the criteria use."""

    funnel: pd.DataFrame
    by_year: pd.DataFrame
    by_category: pd.DataFrame
    by_region: pd.DataFrame
    year_share: dict[str, Any]  # the audit year's row of ``by_year``; empty without procurements
    target: dict[str, Any]  # coordinated_target
    targets_by_year: dict[int, float]
    largest: dict[str, Any]  # largest_procurement
    pnc: pd.DataFrame  # planned_not_coordinated
    reasons: pd.DataFrame  # reasons_summary
    inputs: dict[str, Any]  # assessment_inputs
    interval_level: float
    audit_year: int


def analyse(tables: common.Tables, params: Q1Params, period: Period, seed: int = 0) -> Q1Result:
    """Question 1 on the package as the period sees it; the value-share intervals are
    bootstrapped with seeds derived from ``seed`` (``share_seeds``)."""
    year = period.end.year
    level, reps, seeds = params.interval_level, params.bootstrap_reps, share_seeds(seed)
    regions = tables["procurement_regions"]
    view = common.procurement_view(tables["procurements"], regions)
    in_year = year_view(view, year)
    year_funnel = funnel(in_year)
    by_year = share_table(view, "year", level, reps, seeds["year"])
    by_category = share_table(in_year, "category", level, reps, seeds["category"])
    by_region = share_table(year_view(region_view(view, regions), year), "region", level, reps, seeds["region"])
    target = coordinated_target(tables["targets"], year)
    pnc = planned_not_coordinated(in_year)
    current = by_year[by_year["year"] == year]
    year_share = {str(k): v for k, v in current.iloc[0].to_dict().items()} if len(current) else {}
    return Q1Result(
        funnel=year_funnel,
        by_year=by_year,
        by_category=by_category,
        by_region=by_region,
        year_share=year_share,
        target=target,
        targets_by_year=targets_by_year(tables["targets"]),
        largest=largest_procurement(in_year),
        pnc=pnc,
        reasons=reasons_summary(pnc),
        inputs=assessment_inputs(year_funnel, year_share, target),
        interval_level=level,
        audit_year=year,
    )


def results(res: Q1Result) -> dict[str, Any]:
    """The figures the results JSON records: the audit year's shares with their intervals, the
    target, the planned procurements not coordinated, and every table behind the page."""
    ys, pnc = res.year_share, res.pnc
    return dict(
        coordinated_share_count=ys.get("share"),
        coordinated_share_count_interval=[ys.get("share_low"), ys.get("share_high")],
        coordinated_share_value=ys.get("share_value"),
        coordinated_share_value_interval=[ys.get("share_value_low"), ys.get("share_value_high")],
        n_procurements=ys.get("n", 0),
        coordinated_count=ys.get("coordinated", 0),
        interval_level=res.interval_level,
        target=res.target,
        largest_procurement=res.largest,
        planned_not_coordinated=pnc["procurement_id"].tolist(),
        undocumented_reasons=pnc.loc[~pnc["reason_documented"], "procurement_id"].tolist(),
        planned_not_coordinated_details=pnc,
        reasons=res.reasons,
        funnel=res.funnel,
        by_year=res.by_year,
        by_category=res.by_category,
        by_region=res.by_region,
        assessment_inputs=res.inputs,
    )

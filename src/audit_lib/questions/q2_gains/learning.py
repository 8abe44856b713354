"""Question 2's good and poor examples (external consultant, unusual effort, lessons documented)
for the auditors to follow up, and how often lessons are documented."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..common import wilson_interval


def examples(gains: pd.DataFrame, years: list[int], high_effort_factor: float) -> pd.DataFrame:
    """Coordinated procurements of ``years`` worth the auditors' attention, sorted by kind
    (poor first) and id.

    Flags: ``external_consultant``; ``high_effort`` (recorded hours at least
    ``high_effort_factor`` times the median recorded hours of all coordinated procurements in
    ``gains``); ``lessons_documented``. ``kind`` is ``poor`` when run by an external consultant or
    with high effort, ``good`` when lessons are documented and neither poor flag is set; others
    are not listed. The data can only point to candidates: whether a procurement went well is
    for the documents and interviews.
    """
    median = (
        float(gains.loc[gains["effort_recorded"], "hours"].median()) if gains["effort_recorded"].any() else float("nan")
    )
    g = gains[gains["year"].isin(years)].copy()
    g["high_effort"] = (
        (g["hours"] >= high_effort_factor * median).fillna(False).astype(bool) if math.isfinite(median) else False
    )
    poor = g["external_consultant"] | g["high_effort"]
    good = g["lessons_documented"] & ~poor
    g["kind"] = np.where(poor, "poor", np.where(good, "good", ""))
    g = g[g["kind"] != ""]
    g["effort_ratio"] = g["hours"] / median if math.isfinite(median) and median > 0 else float("nan")
    g["_k"] = (g["kind"] == "good").astype(int)
    cols = [
        "kind",
        "procurement_id",
        "year",
        "title",
        "category",
        "external_consultant",
        "high_effort",
        "lessons_documented",
        "hours",
        "effort_ratio",
        "enabled_saving_sek",
    ]
    return g.sort_values(["_k", "procurement_id"])[cols].reset_index(drop=True)


def learning_figures(gains: pd.DataFrame, ex: pd.DataFrame, years: list[int], level: float = 0.95) -> dict[str, Any]:
    """Lessons documented: among coordinated procurements of ``years`` (share, Wilson interval)
    and among the poor examples (where learning matters most)."""
    g = gains[gains["year"].isin(years)]
    n, k = len(g), int(g["lessons_documented"].sum())
    lo, hi = wilson_interval(k, n, level)
    poor = ex[ex["kind"] == "poor"]
    return {
        "n_coordinated": n,
        "lessons_documented": k,
        "lessons_share": k / n if n else float("nan"),
        "lessons_share_low": lo,
        "lessons_share_high": hi,
        "n_poor": int(len(poor)),
        "poor_with_lessons": int(poor["lessons_documented"].sum()),
        "n_good": int((ex["kind"] == "good").sum()),
    }


def example_years(audit_year: int, n_years: int) -> list[int]:
    """The years searched for examples: the audit year and the ``n_years - 1`` before it."""
    return list(range(audit_year - n_years + 1, audit_year + 1))


def high_effort_threshold(gains: pd.DataFrame, high_effort_factor: float) -> float:
    """The hours from which a procurement counts as high effort (``examples``): the factor
    times the median recorded hours; nan when no effort is recorded."""
    return float(high_effort_factor * gains.loc[gains["effort_recorded"], "hours"].median())

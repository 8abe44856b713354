"""Audit question 6: do the board's ways of working create conditions for efficiency, learning
and goal attainment?

What the register can show about learning. Pure functions from the procurement view
(``common.procurement_view``: one row per completed procurement with ``year`` and
``coordinated``) to figures:

- ``wilson``: the Wilson score interval of a share;
- ``learning_by_year``: per completion year, the share of procurements with documented lessons
  (all, and coordinated only) and the share run by an external consultant, each with its
  interval;
- ``consultant_procurements``: the procurements run by an external consultant, with whether
  lessons were documented;
- ``problem_events``: one row per procurement and problem: ``planned_not_coordinated``
  (identified as coordinable in the plan, yet only one region took part) and
  ``external_consultant``;
- ``repeated_problems``: per category and problem, over a window of years up to the audit year,
  how many procurements and in how many distinct years; a problem is *repeated* when it occurs
  in at least ``min_repeat_years`` years, which suggests that it was not learned from;
- ``assessment_inputs``: the figures the four-level criteria use;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q6Result`` out), and ``results`` the figures its results JSON records.

The intervals treat a year's procurements as draws from the unit's way of working: they say
how precisely the year's share measures that propensity, not that the year is a sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from ..contract.period import Period
from ..params import Q6Params
from . import common

PROBLEMS = ("planned_not_coordinated", "external_consultant")


def wilson(k: int, n: int, level: float) -> tuple[float, float]:
    """Wilson score interval for ``k`` of ``n``; (nan, nan) when ``n`` is 0."""
    if n <= 0:
        return float("nan"), float("nan")
    low, high = proportion_confint(int(k), int(n), alpha=1 - level, method="wilson")
    return float(low), float(high)


def _share(k: int, n: int, level: float) -> tuple[float, float, float]:
    low, high = wilson(k, n, level)
    return (k / n if n else float("nan")), low, high


def learning_by_year(view: pd.DataFrame, level: float) -> pd.DataFrame:
    """Per year: ``n, n_lessons, lessons_share, lessons_low, lessons_high, n_coordinated,
    n_coordinated_lessons, coordinated_lessons_share, coordinated_lessons_low,
    coordinated_lessons_high, n_consultant, consultant_share, consultant_low, consultant_high``."""
    rows = []
    for year, g in view.groupby("year", sort=True):
        lessons = g["lessons_documented"].astype(bool)
        coord = g["coordinated"].astype(bool)
        cons = g["external_consultant"].astype(bool)
        n, k = len(g), int(lessons.sum())
        nc, kc = int(coord.sum()), int((lessons & coord).sum())
        ke = int(cons.sum())
        s, lo, hi = _share(k, n, level)
        cs, clo, chi = _share(kc, nc, level)
        es, elo, ehi = _share(ke, n, level)
        rows.append(
            dict(
                year=int(cast(Any, year)),
                n=n,
                n_lessons=k,
                lessons_share=s,
                lessons_low=lo,
                lessons_high=hi,
                n_coordinated=nc,
                n_coordinated_lessons=kc,
                coordinated_lessons_share=cs,
                coordinated_lessons_low=clo,
                coordinated_lessons_high=chi,
                n_consultant=ke,
                consultant_share=es,
                consultant_low=elo,
                consultant_high=ehi,
            )
        )
    cols = [
        "year",
        "n",
        "n_lessons",
        "lessons_share",
        "lessons_low",
        "lessons_high",
        "n_coordinated",
        "n_coordinated_lessons",
        "coordinated_lessons_share",
        "coordinated_lessons_low",
        "coordinated_lessons_high",
        "n_consultant",
        "consultant_share",
        "consultant_low",
        "consultant_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def consultant_procurements(view: pd.DataFrame, first_year: int, last_year: int) -> pd.DataFrame:
    """Procurements completed in ``first_year``..``last_year`` that an external consultant ran:
    ``procurement_id, year, title, category, planned_coordinated, coordinated,
    lessons_documented``, by year and id."""
    v = view[view["external_consultant"].astype(bool) & view["year"].between(first_year, last_year)]
    cols = ["procurement_id", "year", "title", "category", "planned_coordinated", "coordinated", "lessons_documented"]
    return v.sort_values(["year", "procurement_id"])[cols].reset_index(drop=True)


def problem_events(view: pd.DataFrame) -> pd.DataFrame:
    """One row per procurement and problem it shows: ``procurement_id, year, category, problem,
    lessons_documented``."""
    planned_nc = view["planned_coordinated"].astype(bool) & ~view["coordinated"].astype(bool)
    parts = []
    for problem, mask in (
        ("planned_not_coordinated", planned_nc),
        ("external_consultant", view["external_consultant"].astype(bool)),
    ):
        p = view.loc[mask, ["procurement_id", "year", "category", "lessons_documented"]].copy()
        p["problem"] = problem
        parts.append(p)
    out = pd.concat(parts, ignore_index=True)
    return out[["procurement_id", "year", "category", "problem", "lessons_documented"]]


def repeated_problems(view: pd.DataFrame, audit_year: int, window_years: int, min_repeat_years: int) -> pd.DataFrame:
    """Per category and problem over the ``window_years`` years up to the audit year:
    ``category, problem, n_procurements, n_years, years`` (sorted list), ``repeated`` (at least
    ``min_repeat_years`` distinct years), ``n_lessons`` and ``lessons_share`` (lessons documented
    among those procurements). Sorted: repeated first, then by number of procurements."""
    first = audit_year - window_years + 1
    ev = problem_events(view)
    ev = ev[ev["year"].between(first, audit_year)]
    rows = []
    for (cat, problem), g in ev.groupby(["category", "problem"], sort=True):
        years = sorted(int(y) for y in set(g["year"]))
        k = int(g["lessons_documented"].astype(bool).sum())
        rows.append(
            dict(
                category=cat,
                problem=problem,
                n_procurements=int(len(g)),
                n_years=len(years),
                years=years,
                repeated=len(years) >= min_repeat_years,
                n_lessons=k,
                lessons_share=k / len(g),
            )
        )
    cols = ["category", "problem", "n_procurements", "n_years", "years", "repeated", "n_lessons", "lessons_share"]
    out = pd.DataFrame(rows, columns=cols)
    if len(out):
        out["_p"] = out["problem"].map({p: i for i, p in enumerate(PROBLEMS)})
        out = out.sort_values(["repeated", "n_procurements", "_p", "category"], ascending=[False, False, True, True])
        out = out.drop(columns="_p").reset_index(drop=True)
    return out


def categories_in_window(view: pd.DataFrame, audit_year: int, window_years: int) -> int:
    """Categories with at least one procurement completed in the window."""
    first = audit_year - window_years + 1
    return int(view.loc[view["year"].between(first, audit_year), "category"].nunique())


def assessment_inputs(
    by_year: pd.DataFrame, repeated: pd.DataFrame, n_categories: int, audit_year: int
) -> dict[str, Any]:
    """Figures for the criteria: the audit year's ``lessons_documented_share`` (with its
    interval and n), ``consultant_share``, and over the window the number and share of
    categories with at least one repeated problem."""
    y = by_year[by_year["year"] == audit_year]
    rep_cats = sorted(set(repeated.loc[repeated["repeated"], "category"])) if len(repeated) else []
    nan = float("nan")
    return {
        "lessons_documented_share": float(y["lessons_share"].iloc[0]) if len(y) else nan,
        "lessons_documented_low": float(y["lessons_low"].iloc[0]) if len(y) else nan,
        "lessons_documented_high": float(y["lessons_high"].iloc[0]) if len(y) else nan,
        "n_completed": int(y["n"].iloc[0]) if len(y) else 0,
        "consultant_share": float(y["consultant_share"].iloc[0]) if len(y) else nan,
        "n_categories_repeated": len(rep_cats),
        "n_categories": int(n_categories),
        "categories_repeated_share": len(rep_cats) / n_categories if n_categories else nan,
    }


def repeated_lessons_share(repeated: pd.DataFrame) -> float:
    """Among the procurements with a repeated problem, the share with documented lessons (NaN
    when no problem is repeated)."""
    rep = repeated[repeated["repeated"].astype(bool)] if len(repeated) else repeated
    n = int(rep["n_procurements"].sum()) if len(rep) else 0
    return float(rep["n_lessons"].sum()) / n if n else float("nan")


@dataclass(frozen=True)
class Q6Result:
    """What question 6 finds: documented lessons and consultants by year, the window's
    consultant procurements and problems by category, and the criteria's figures."""

    by_year: pd.DataFrame  # learning_by_year
    consultants: pd.DataFrame  # consultant_procurements
    repeated: pd.DataFrame  # repeated_problems
    n_categories: int  # categories_in_window
    repeated_lessons_share: float  # repeated_lessons_share
    inputs: dict[str, Any]  # assessment_inputs
    window: tuple[int, int]  # first and last year searched (the last is the audit year)


def analyse(tables: common.Tables, params: Q6Params, period: Period, seed: int = 0) -> Q6Result:
    """Question 6 on the package as the period sees it (no randomness: ``seed`` is unused)."""
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    year = period.end.year
    first = year - params.window_years + 1
    by_year = learning_by_year(view, params.interval_level)
    repeated = repeated_problems(view, year, params.window_years, params.min_repeat_years)
    n_categories = categories_in_window(view, year, params.window_years)
    return Q6Result(
        by_year,
        consultant_procurements(view, first, year),
        repeated,
        n_categories,
        repeated_lessons_share(repeated),
        assessment_inputs(by_year, repeated, n_categories, year),
        (first, year),
    )


def results(res: Q6Result) -> dict[str, Any]:
    """The figures the results JSON records."""
    return {
        "by_year": res.by_year,
        "consultant_procurements": res.consultants,
        "repeated_problems": res.repeated,
        "window": list(res.window),
        "assessment_inputs": res.inputs,
    }

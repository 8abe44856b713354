"""Audit question 5: are indicators and results used to steer and develop the strategy?

The mission names goal areas (cost, quality, commercial soundness, administration, learning);
the board follows up some indicators and reports some of them to a governing body. Pure
functions from the ``indicators`` table (optional in the data contract) and the ``targets``
table to figures:

- ``indicator_status``: each indicator with its status: reported to a governing body, followed
  up but not reported to one, or defined but not followed up;
- ``coverage``: one row per goal area: how many indicators are defined, followed up and
  reported, to whom, and the area's status (``no_indicator`` where none is defined);
- ``coverage_matrix``: goal area x where the indicators end up (each governing body, reported
  elsewhere, not reported, not followed up): counts of indicators, for the figure;
- ``targets_set``: the indicators of the ``targets`` table with a target in the audit year
  (targets are how results enter steering);
- ``assessment_inputs``: the figures the four-level criteria use;
- ``key_counts``, ``uncovered_areas``, ``areas_outside_mission``: what the page states;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q5Result`` out), and ``results`` the figures its results JSON records.

Coverage is a count of what is documented, not a judgement of the indicators' quality. An
absent ``indicators`` table means coverage is unknown (the functions return ``None`` and the
inputs are missing), never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..contract.period import Period
from ..params import Q5Params
from . import common

STATUS_ORDER = ("reported", "followed_up_not_reported", "defined_not_followed_up", "no_indicator")
NOT_REPORTED = "not_reported"
NOT_FOLLOWED_UP = "not_followed_up"
OTHER_RECIPIENT = "other"


def _norm(body: object) -> str | None:
    if body is None or (isinstance(body, float) and np.isnan(body)) or body is pd.NA:
        return None
    s = str(body).strip().lower()
    return s or None


def indicator_status(indicators: pd.DataFrame | None, governing_bodies: Sequence[str]) -> pd.DataFrame | None:
    """One row per indicator: ``goal_area, indicator, followed_up, reported_to, recipient,
    status``. ``recipient`` is the governing body (lower case) it is reported to,
    ``other`` for any other recipient, ``not_reported`` or ``not_followed_up``; ``status`` is
    ``reported`` (followed up and reported to a governing body), ``followed_up_not_reported``
    or ``defined_not_followed_up``. An indicator not followed up counts as not reported, even
    if a recipient is named."""
    if indicators is None:
        return None
    bodies = {b.strip().lower() for b in governing_bodies}
    df = indicators[["goal_area", "indicator", "followed_up", "reported_to"]].copy()
    followed = df["followed_up"].fillna(False).astype(bool)
    to = df["reported_to"].map(_norm)
    recipient = np.where(
        ~followed, NOT_FOLLOWED_UP, np.where(to.isna(), NOT_REPORTED, np.where(to.isin(bodies), to, OTHER_RECIPIENT))
    )
    df["followed_up"] = followed
    df["recipient"] = recipient
    df["status"] = np.where(
        ~followed,
        "defined_not_followed_up",
        np.where(to.isin(bodies) & followed, "reported", "followed_up_not_reported"),
    )
    return df.reset_index(drop=True)


def coverage(status: pd.DataFrame | None, goal_areas: Sequence[str]) -> pd.DataFrame | None:
    """One row per goal area, the mission's areas first in the given order, then any area found
    in the data but not in the mission (``in_mission`` false). Columns: ``goal_area,
    in_mission, n_indicators, n_followed_up, n_reported, reported_to`` (governing bodies,
    sorted, joined by ", "), ``indicators`` (names, joined by "; "), ``status`` (the best
    status of its indicators, ``no_indicator`` where none is defined)."""
    if status is None:
        return None
    extra = sorted(set(status["goal_area"]) - set(goal_areas))
    rows = []
    for area in list(goal_areas) + extra:
        s = status[status["goal_area"] == area]
        reported = s[s["status"] == "reported"]
        if len(reported):
            st = "reported"
        elif s["followed_up"].any():
            st = "followed_up_not_reported"
        elif len(s):
            st = "defined_not_followed_up"
        else:
            st = "no_indicator"
        rows.append(
            dict(
                goal_area=area,
                in_mission=area in goal_areas,
                n_indicators=int(len(s)),
                n_followed_up=int(s["followed_up"].sum()),
                n_reported=int(len(reported)),
                reported_to=", ".join(sorted(set(reported["recipient"]))),
                indicators="; ".join(str(x) for x in s["indicator"]),
                status=st,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "goal_area",
            "in_mission",
            "n_indicators",
            "n_followed_up",
            "n_reported",
            "reported_to",
            "indicators",
            "status",
        ],
    )


def coverage_matrix(
    status: pd.DataFrame | None, goal_areas: Sequence[str], governing_bodies: Sequence[str]
) -> pd.DataFrame | None:
    """Counts of indicators: rows = goal areas (mission's first), columns = each governing body,
    ``other``, ``not_reported``, ``not_followed_up`` (in that order). A row of zeros is a goal
    area with no indicator at all."""
    if status is None:
        return None
    areas = list(goal_areas) + sorted(set(status["goal_area"]) - set(goal_areas))
    cols = [b.strip().lower() for b in governing_bodies] + [OTHER_RECIPIENT, NOT_REPORTED, NOT_FOLLOWED_UP]
    m = pd.crosstab(status["goal_area"], status["recipient"]) if len(status) else pd.DataFrame()
    m = m.reindex(index=areas, columns=cols, fill_value=0).fillna(0).astype(int)
    m.index.name = "goal_area"
    m.columns.name = None
    return m


def targets_set(targets: pd.DataFrame, audit_year: int) -> pd.DataFrame:
    """The ``targets`` table's indicators with a target set in the audit year (any period):
    ``indicator, periods, target, outcome`` (full year preferred over interim)."""
    t = targets[(targets["year"] == audit_year) & targets["target"].notna()].copy()
    if not len(t):
        return pd.DataFrame(columns=["indicator", "periods", "target", "outcome"])
    t["_p"] = (t["period"] != "full_year").astype(int)
    t = t.sort_values(["indicator", "_p"])
    out = t.groupby("indicator", sort=True).agg(
        periods=("period", lambda s: ", ".join(sorted(set(s)))),
        target=("target", "first"),
        outcome=("outcome", "first"),
    )
    return out.reset_index()


def assessment_inputs(cov: pd.DataFrame | None, targets_in_year: pd.DataFrame) -> dict[str, Any]:
    """Figures for the criteria: over the mission's goal areas, the share with at least one
    indicator followed up (``goal_areas_followed_share``) and with one reported to a governing
    body (``goal_areas_reported_share``); the number of indicators followed up; the number of
    indicators with a target in the audit year. Shares are missing (NaN) without an
    ``indicators`` table."""
    n_targets = int(len(targets_in_year))
    if cov is None:
        return {
            "goal_areas_followed_share": float("nan"),
            "goal_areas_reported_share": float("nan"),
            "n_goal_areas": 0,
            "n_indicators_followed_up": None,
            "n_indicators_with_target": n_targets,
        }
    m = cov[cov["in_mission"]]
    n = len(m)
    return {
        "goal_areas_followed_share": float((m["n_followed_up"] > 0).mean()) if n else float("nan"),
        "goal_areas_reported_share": float((m["n_reported"] > 0).mean()) if n else float("nan"),
        "n_goal_areas": int(n),
        "n_indicators_followed_up": int(cov["n_followed_up"].sum()),
        "n_indicators_with_target": n_targets,
    }


def optional_table(tables: common.Tables, name: str) -> pd.DataFrame | None:
    """A table the data contract makes optional: None when the package (or dict) has none."""
    try:
        return tables[name]
    except KeyError:
        return None


def key_counts(status: pd.DataFrame | None, cov: pd.DataFrame | None) -> dict[str, int] | None:
    """The page's key figures: of the mission's goal areas, how many have an indicator followed
    up (``areas_followed``) and one reported to a governing body (``areas_reported``), of
    ``n_areas``; of the ``n_indicators`` defined, how many are followed up. None without an
    ``indicators`` table."""
    if status is None or cov is None:
        return None
    mission = cov[cov["in_mission"]]
    return {
        "areas_followed": int((mission["n_followed_up"] > 0).sum()),
        "areas_reported": int((mission["n_reported"] > 0).sum()),
        "n_areas": int(len(mission)),
        "indicators_followed": int(status["followed_up"].sum()),
        "n_indicators": int(len(status)),
    }


def uncovered_areas(cov: pd.DataFrame | None) -> list[str]:
    """The mission's goal areas without any indicator followed up, in the mission's order."""
    if cov is None:
        return []
    mission = cov[cov["in_mission"]]
    return [str(a) for a in mission.loc[mission["n_followed_up"] == 0, "goal_area"]]


def areas_outside_mission(cov: pd.DataFrame | None) -> list[str]:
    """Goal areas found in the ``indicators`` table that the mission does not name."""
    if cov is None:
        return []
    return [str(a) for a in cov.loc[~cov["in_mission"], "goal_area"]]


@dataclass(frozen=True)
class Q5Result:
    """What question 5 finds: each indicator's status, the goal areas' coverage and its matrix
    (all None without an ``indicators`` table), the audit year's targets and the criteria's
    figures."""

    status: pd.DataFrame | None  # indicator_status
    coverage: pd.DataFrame | None  # coverage
    matrix: pd.DataFrame | None  # coverage_matrix
    targets: pd.DataFrame  # targets_set
    inputs: dict[str, Any]  # assessment_inputs
    counts: dict[str, int] | None  # key_counts
    uncovered: list[str]  # uncovered_areas
    outside: list[str]  # areas_outside_mission
    audit_year: int


def analyse(tables: common.Tables, params: Q5Params, period: Period, seed: int = 0) -> Q5Result:
    """Question 5 on the package as the period sees it (no randomness: ``seed`` is unused)."""
    status = indicator_status(optional_table(tables, "indicators"), params.governing_bodies)
    cov = coverage(status, params.goal_areas)
    matrix = coverage_matrix(status, params.goal_areas, params.governing_bodies)
    year = period.end.year
    in_year = targets_set(tables["targets"], year)
    return Q5Result(
        status,
        cov,
        matrix,
        in_year,
        assessment_inputs(cov, in_year),
        key_counts(status, cov),
        uncovered_areas(cov),
        areas_outside_mission(cov),
        year,
    )


def results(res: Q5Result) -> dict[str, Any]:
    """The figures the results JSON records (the matrix with its goal areas as a column)."""
    return {
        "indicators_available": res.status is not None,
        "coverage": res.coverage,
        "indicators": res.status,
        "matrix": None if res.matrix is None else res.matrix.reset_index(),
        "targets_in_audit_year": res.targets,
        "assessment_inputs": res.inputs,
    }

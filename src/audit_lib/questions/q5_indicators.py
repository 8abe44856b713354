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
- ``assessment_inputs``: the figures the four-level criteria use.

Coverage is a count of what is documented, not a judgement of the indicators' quality. An
absent ``indicators`` table means coverage is unknown (the functions return ``None`` and the
inputs are missing), never zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

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
    recipient = np.where(~followed, NOT_FOLLOWED_UP,
                         np.where(to.isna(), NOT_REPORTED, np.where(to.isin(bodies), to, OTHER_RECIPIENT)))
    df["followed_up"] = followed
    df["recipient"] = recipient
    df["status"] = np.where(~followed, "defined_not_followed_up",
                            np.where(to.isin(bodies) & followed, "reported", "followed_up_not_reported"))
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
        rows.append(dict(
            goal_area=area, in_mission=area in goal_areas, n_indicators=int(len(s)),
            n_followed_up=int(s["followed_up"].sum()), n_reported=int(len(reported)),
            reported_to=", ".join(sorted(set(reported["recipient"]))),
            indicators="; ".join(str(x) for x in s["indicator"]), status=st,
        ))
    return pd.DataFrame(rows, columns=["goal_area", "in_mission", "n_indicators", "n_followed_up", "n_reported",
                                       "reported_to", "indicators", "status"])


def coverage_matrix(status: pd.DataFrame | None, goal_areas: Sequence[str],
                    governing_bodies: Sequence[str]) -> pd.DataFrame | None:
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
        periods=("period", lambda s: ", ".join(sorted(set(s)))), target=("target", "first"),
        outcome=("outcome", "first"),
    )
    return out.reset_index()


def assessment_inputs(cov: pd.DataFrame | None, targets_in_year: pd.DataFrame) -> dict:
    """Figures for the criteria: over the mission's goal areas, the share with at least one
    indicator followed up (``goal_areas_followed_share``) and with one reported to a governing
    body (``goal_areas_reported_share``); the number of indicators followed up; the number of
    indicators with a target in the audit year. Shares are missing (NaN) without an
    ``indicators`` table."""
    n_targets = int(len(targets_in_year))
    if cov is None:
        return {"goal_areas_followed_share": float("nan"), "goal_areas_reported_share": float("nan"),
                "n_goal_areas": 0, "n_indicators_followed_up": None, "n_indicators_with_target": n_targets}
    m = cov[cov["in_mission"]]
    n = len(m)
    return {
        "goal_areas_followed_share": float((m["n_followed_up"] > 0).mean()) if n else float("nan"),
        "goal_areas_reported_share": float((m["n_reported"] > 0).mean()) if n else float("nan"),
        "n_goal_areas": int(n),
        "n_indicators_followed_up": int(cov["n_followed_up"].sum()),
        "n_indicators_with_target": n_targets,
    }

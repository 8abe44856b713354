"""Follow-up: each question's assessment last year and this year, compared like with like (see
the package's docstring)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .figures import TOLERANCE, _same

LEVEL_RANK = {"nej": 0, "till_viss_del": 1, "till_stor_del": 2, "ja": 3}


def criteria_signature(assessment: Mapping[str, Any] | None) -> dict[str, list[tuple[str, str, str]]] | None:
    """The assessment rule as recorded: per level tried, its conditions (input, operator,
    threshold). Levels are tried from Ja downwards and the trace stops at the first that holds,
    so a year's record may lack the lower levels."""
    if not assessment or "rule" not in assessment:
        return None
    return {
        lvl: sorted((c["input"], c["op"], repr(c["value"])) for c in conds)
        for lvl, conds in sorted(assessment["rule"].items())
    }


def criteria_changed(previous: Mapping[str, Any] | None, current: Mapping[str, Any] | None) -> bool | None:
    """Whether the conditions differ on any level both years recorded (None if no level is
    recorded in both: the rules cannot be compared)."""
    ps, cs = criteria_signature(previous), criteria_signature(current)
    if ps is None or cs is None:
        return None
    common = set(ps) & set(cs)
    if not common:
        return None
    return any(ps[lvl] != cs[lvl] for lvl in common)


def level_direction(previous: str | None, current: str | None) -> str:
    """improved | unchanged | worsened | new | dropped | none."""
    if previous is None and current is None:
        return "none"
    if previous is None:
        return "new"
    if current is None:
        return "dropped"
    d = LEVEL_RANK[current] - LEVEL_RANK[previous]
    return "improved" if d > 0 else "worsened" if d < 0 else "unchanged"


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def figure_direction(op: str, target: Any, previous: Any, current: Any) -> str:
    """better | worse | same | missing: how an input moved, read from its condition."""
    if not _present(previous) or not _present(current):
        return "missing"
    try:
        if isinstance(target, bool) or isinstance(previous, bool) or isinstance(current, bool):
            if previous == current:
                return "same"
            good = (current == target) if op == "==" else (current != target)
            return "better" if good else "worse"
        p, c = float(previous), float(current)
        if op == "==":
            d = abs(p - float(target)) - abs(c - float(target))
        elif op in (">=", ">"):
            d = c - p
        elif op in ("<=", "<"):
            d = p - c
        else:
            return "same" if _same(p, c) else "missing"
    except (TypeError, ValueError):
        return "same" if previous == current else "missing"
    if abs(d) <= TOLERANCE * max(1.0, abs(p), abs(c)):
        return "same"
    return "better" if d > 0 else "worse"


def criteria_inputs(criteria: Any) -> dict[str, tuple[str, Any]]:
    """Each input the criteria use, with the operator and value of its first condition (from Ja
    downwards)."""
    from ...params import LEVELS

    out: dict[str, tuple[str, Any]] = {}
    for level in LEVELS[:-1]:
        for c in getattr(criteria, level):
            out.setdefault(c.input, (c.op, c.value))
    return out


def like_for_like(pa: Mapping[str, Any] | None, ca: Mapping[str, Any] | None, criteria: Any | None) -> dict[str, Any]:
    """Last year's inputs under this year's ``criteria``; the direction of each input; the
    verdict change read against them (see the module docstring)."""
    from ...assess import assess

    raw = level_direction(pa.get("level") if pa else None, ca.get("level") if ca else None)
    out: dict[str, Any] = {
        "recorded_direction": raw,
        "previous_level_now": None,
        "figures": {},
        "n_better": 0,
        "n_worse": 0,
        "n_missing": 0,
        "because": [],
        "direction": raw,
    }
    if not pa or not ca or criteria is None:
        return out
    p_in, c_in = pa.get("inputs") or {}, ca.get("inputs") or {}
    now = assess(str(ca.get("question") or ""), criteria, dict(p_in)).computed_level
    if pa.get("overridden") and pa.get("override"):
        now = pa["override"]["level"]  # the auditors' level stands; their justification applies to it
    out["previous_level_now"] = now
    figs = {
        name: figure_direction(op, value, p_in.get(name), c_in.get(name))
        for name, (op, value) in criteria_inputs(criteria).items()
    }
    out["figures"] = figs
    n = Counter(figs.values())
    out["n_better"], out["n_worse"], out["n_missing"] = n["better"], n["worse"], n["missing"]
    like = level_direction(now, ca.get("level"))
    because = []
    if now != pa.get("level") or criteria_changed(pa, ca):
        because.append("criteria")
    if n["missing"] and raw != "unchanged":
        because.append("missing_inputs")
    agree = {"improved": n["better"] > 0 and n["worse"] == 0, "worsened": n["worse"] > 0 and n["better"] == 0}
    if like in agree and not agree[like]:
        because.append("data")
    if like == "unchanged" and raw != "unchanged":
        direction = "changed"  # the recorded change is not there like for like
    elif like in agree:
        direction = like if agree[like] else "changed"
    else:
        direction = like
    out["direction"] = direction
    out["because"] = because if direction == "changed" or raw != direction else []
    return out


def assessment_changes(
    previous: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Mapping[str, Any]],
    criteria: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per notebook assessed in either year: ``question``, ``previous_level``,
    ``current_level``, ``direction`` (like for like, see ``like_for_like``; the recorded
    levels' direction where this year's ``criteria`` of the notebook are not given),
    ``recorded_direction``, ``previous_level_now``, ``figures`` (input -> direction),
    ``n_better``, ``n_worse``, ``n_missing``, ``because``, ``criteria_changed`` (see
    ``criteria_changed``), ``previous_overridden``, ``current_overridden``."""
    rows = []
    for nb in sorted(set(previous) | set(current)):
        pa = (previous.get(nb) or {}).get("assessment") if (previous.get(nb) or {}).get("status") == "ok" else None
        ca = (current.get(nb) or {}).get("assessment") if (current.get(nb) or {}).get("status") == "ok" else None
        if not pa and not ca:
            continue
        lfl = like_for_like(pa, ca, (criteria or {}).get(nb))
        rows.append(
            {
                "notebook": nb,
                "question": (ca or pa or {}).get("question"),
                "previous_level": pa.get("level") if pa else None,
                "current_level": ca.get("level") if ca else None,
                **lfl,
                "criteria_changed": criteria_changed(pa, ca),
                "previous_overridden": bool(pa.get("overridden")) if pa else None,
                "current_overridden": bool(ca.get("overridden")) if ca else None,
            }
        )
    cols = [
        "notebook",
        "question",
        "previous_level",
        "current_level",
        "direction",
        "recorded_direction",
        "previous_level_now",
        "figures",
        "n_better",
        "n_worse",
        "n_missing",
        "because",
        "criteria_changed",
        "previous_overridden",
        "current_overridden",
    ]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def direction_counts(assessments: pd.DataFrame) -> dict[str, int]:
    c = Counter(assessments["direction"]) if len(assessments) else Counter()
    return {s: int(c.get(s, 0)) for s in ("improved", "unchanged", "worsened", "changed", "new", "dropped")}


def criteria_by_notebook(params: Any) -> dict[str, Any]:
    """This year's criteria of every notebook whose parameter section has them."""
    from ...params import SECTION_NAMES

    return {nb: getattr(params, nb).criteria for nb in SECTION_NAMES if hasattr(getattr(params, nb, None), "criteria")}

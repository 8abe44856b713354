"""Follow-up: this year's run against last year's results, and last year's recommendations.

Pure functions over the results JSON of two runs (``results/<notebook>.json``, read by the
notebook) and the evidence register's recommendations. No file I/O.

- **Figures** of a notebook are the inputs of its assessment (named, labelled ``input.<name>``;
  they include the auditors' facts) and the numbers and booleans it recorded at the top level
  of its results (``coordinated_share_count``, ``n_procurements``, ...). Tables (lists) are not
  compared row by row. Parameters a notebook echoes in its results (the names of its parameter
  section, the common keys, keys ending in ``_level``) are settings, not findings, and are left
  out, as are words. A recorded ``<name>_interval`` (a pair), or ``<name>_low`` and
  ``<name>_high``, is the uncertainty of ``<name>``: where both years have one, the comparison says whether the
  two intervals overlap (if they do, the change may be noise; if they do not, it exceeds the
  uncertainty of both estimates; overlap is a conservative check, not a test).
- **Assessments** are compared like with like: last year's inputs are assessed again under
  this year's criteria (``previous_level_now``), and each input a criterion uses gets a
  direction (better, worse, same, missing) read from its condition (higher is better for
  ``>=``, lower for ``<=``, towards the required value for ``==``). A level change is called
  ``improved`` (or ``worsened``) only when the like-for-like levels differ that way and the
  underlying figures agree (some better, none worse; or the reverse); otherwise it is
  ``changed`` and ``because`` says what changed: ``criteria`` (the rule, not the practice),
  ``missing_inputs`` (an input present in one year only) or ``data`` (figures that point the
  other way or both ways).
- **Recommendations**: last year's recommendations are those carried into this year's register
  (status other than ``new``; ``audit new-year`` carries them with status ``open``) and those
  last year's follow-up recorded as made or still open; one missing from this year's register
  is shown as missing, never silently dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

LEVEL_RANK = {"nej": 0, "till_viss_del": 1, "till_stor_del": 2, "ja": 3}
META_KEYS = frozenset({"notebook", "audit_year", "audit_period", "synthetic_data", "language", "status", "title",
                       "failed_cell", "error"})
STATUS_ORDER = ("done", "in_progress", "open", "not_started", "missing", "new")
CARRIED = ("open", "in_progress", "done", "not_started")
TOLERANCE = 1e-9  # numbers closer than this (relative) count as unchanged


# ------------------------------------------------------------------------------ availability
def previous_year_of(previous: Mapping[str, Mapping[str, Any]]) -> int | None:
    """The audit year most of the previous results were recorded for."""
    years = Counter(r.get("audit_year") for r in previous.values() if isinstance(r.get("audit_year"), int))
    return years.most_common(1)[0][0] if years else None


def availability(configured: bool, found: bool, previous: Mapping[str, Mapping[str, Any]],
                 current_year: int) -> dict[str, Any]:
    """Whether there is a previous year to compare with, and if not, why (``reason``:
    ``not_configured`` | ``not_found`` | ``empty`` | ``not_earlier`` | ``ok``)."""
    ok = {k: r for k, r in previous.items() if r.get("status") == "ok"}
    year = previous_year_of(ok)
    if not configured:
        reason = "not_configured"
    elif not found:
        reason = "not_found"
    elif not ok:
        reason = "empty"
    elif year is not None and year >= current_year:
        reason = "not_earlier"
    else:
        reason = "ok"
    return {"available": reason == "ok", "reason": reason, "previous_year": year,
            "n_previous": len(ok), "n_previous_failed": len(previous) - len(ok)}


# ------------------------------------------------------------------------------ figures
def _scalar(v: Any) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def figures(results: Mapping[str, Any], parameters: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """A notebook's comparable figures: its assessment inputs, then the numbers and booleans it
    recorded at the top level, less the ``parameters`` it echoes (names of its parameter
    section and the common keys: settings, not findings)."""
    out: dict[str, Any] = {}
    for k, v in ((results.get("assessment") or {}).get("inputs") or {}).items():
        if _scalar(v):
            out[k] = v
    for k, v in results.items():
        if (k in META_KEYS or k in out or k in parameters or k.endswith("_level") or v is None
                or isinstance(v, str) or not _scalar(v) or _bound(results, k)):
            continue
        out[k] = v
    return out


def _bound(results: Mapping[str, Any], key: str) -> bool:
    """``x_low`` beside ``x_high`` (and the other way round): an interval's bound, not a figure."""
    for end, twin in (("_low", "_high"), ("_high", "_low")):
        if key.endswith(end) and key[: -len(end)] + twin in results:
            return True
    return False


def interval_of(results: Mapping[str, Any], name: str) -> tuple[float, float] | None:
    """The uncertainty interval recorded for ``name``: ``<name>_interval`` (a pair) or
    ``<name>_low`` and ``<name>_high``."""
    v = results.get(f"{name}_interval")
    if v is None and f"{name}_low" in results and f"{name}_high" in results:
        v = [results[f"{name}_low"], results[f"{name}_high"]]
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, (int, float)) and x is not None for x in v):
        lo, hi = float(v[0]), float(v[1])
        if math.isfinite(lo) and math.isfinite(hi):
            return (min(lo, hi), max(lo, hi))
    return None


SHARE_HINTS = ("share", "coverage", "_rate", "_pct", "fraction", "ratio", "proportion")


def _integral(v: Any) -> bool:
    return isinstance(v, int) or (isinstance(v, float) and math.isfinite(v) and v == int(v))


def kind_of(name: str, *values: Any) -> str:
    """How a figure is shown: bool, text, share (a fraction between 0 and 1, by its name; change
    in percentage points), money (``_sek``), count (whole numbers) or number."""
    present = [v for v in values if v is not None]
    if any(isinstance(v, bool) for v in present):
        return "bool"
    if any(isinstance(v, str) for v in present):
        return "text"
    if any(h in name for h in SHARE_HINTS) and all(0 <= float(v) <= 1 for v in present):
        return "share"
    if name.endswith("_sek"):
        return "money"
    if present and all(_integral(v) for v in present):
        return "count"
    return "number"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(a)), abs(float(b)))


def figure_changes(previous: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]],
                   parameters: Mapping[str, set[str] | frozenset[str]] | None = None) -> pd.DataFrame:
    """One row per notebook and figure present in either year (``parameters``: per notebook,
    the parameter names it may echo in its results; see ``figures``).

    Columns: ``notebook``, ``name``, ``kind``, ``previous``, ``current``, ``change`` (current −
    previous; for shares in fraction points), ``change_rel`` (change / |previous|, not for
    shares), ``status`` (changed | unchanged | new | dropped), the intervals (``previous_low`` …
    ``current_high``) and ``intervals_overlap`` (None where either year has no interval).
    """
    rows = []
    for nb in sorted(set(previous) | set(current)):
        p_res, c_res = previous.get(nb, {}), current.get(nb, {})
        skip = (parameters or {}).get(nb, frozenset())
        p_fig = figures(p_res, skip) if p_res.get("status") == "ok" else {}
        c_fig = figures(c_res, skip) if c_res.get("status") == "ok" else {}
        for name in list(c_fig) + [n for n in p_fig if n not in c_fig]:
            pv, cv = p_fig.get(name), c_fig.get(name)
            kind = kind_of(name, pv, cv)
            if name not in p_fig:
                status = "new"
            elif name not in c_fig:
                status = "dropped"
            elif pv is None or cv is None:
                status = "unchanged" if pv is cv else "changed"
            else:
                status = "unchanged" if _same(pv, cv) else "changed"
            numeric = kind not in ("bool", "text") and isinstance(pv, (int, float)) and isinstance(cv, (int, float))
            change = float(cv) - float(pv) if numeric else None
            rel = (change / abs(float(pv)) if numeric and kind != "share" and float(pv) != 0 else None)
            pi, ci = interval_of(p_res, name), interval_of(c_res, name)
            overlap = None if pi is None or ci is None else bool(pi[0] <= ci[1] and ci[0] <= pi[1])
            rows.append({
                "notebook": nb, "name": name, "kind": kind, "previous": pv, "current": cv, "change": change,
                "change_rel": rel, "status": status,
                "previous_low": pi[0] if pi else None, "previous_high": pi[1] if pi else None,
                "current_low": ci[0] if ci else None, "current_high": ci[1] if ci else None,
                "intervals_overlap": overlap,
            })
    cols = ["notebook", "name", "kind", "previous", "current", "change", "change_rel", "status", "previous_low",
            "previous_high", "current_low", "current_high", "intervals_overlap"]
    return pd.DataFrame(rows, columns=cols, dtype=object)


# ------------------------------------------------------------------------------ assessments
def criteria_signature(assessment: Mapping[str, Any] | None) -> dict[str, list[tuple[str, str, str]]] | None:
    """The assessment rule as recorded: per level tried, its conditions (input, operator,
    threshold). Levels are tried from Ja downwards and the trace stops at the first that holds,
    so a year's record may lack the lower levels."""
    if not assessment or "rule" not in assessment:
        return None
    return {lvl: sorted((c["input"], c["op"], repr(c["value"])) for c in conds)
            for lvl, conds in sorted(assessment["rule"].items())}


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
    from ..params import LEVELS

    out: dict[str, tuple[str, Any]] = {}
    for level in LEVELS[:-1]:
        for c in getattr(criteria, level):
            out.setdefault(c.input, (c.op, c.value))
    return out


def like_for_like(pa: Mapping[str, Any] | None, ca: Mapping[str, Any] | None, criteria: Any | None) -> dict[str, Any]:
    """Last year's inputs under this year's ``criteria``; the direction of each input; the
    verdict change read against them (see the module docstring)."""
    from ..assess import assess

    raw = level_direction(pa.get("level") if pa else None, ca.get("level") if ca else None)
    out: dict[str, Any] = {"recorded_direction": raw, "previous_level_now": None, "figures": {},
                           "n_better": 0, "n_worse": 0, "n_missing": 0, "because": [], "direction": raw}
    if not pa or not ca or criteria is None:
        return out
    p_in, c_in = pa.get("inputs") or {}, ca.get("inputs") or {}
    now = assess(str(ca.get("question") or ""), criteria, dict(p_in)).computed_level
    if pa.get("overridden") and pa.get("override"):
        now = pa["override"]["level"]  # the auditors' level stands; their justification applies to it
    out["previous_level_now"] = now
    figs = {name: figure_direction(op, value, p_in.get(name), c_in.get(name))
            for name, (op, value) in criteria_inputs(criteria).items()}
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


def assessment_changes(previous: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]],
                       criteria: Mapping[str, Any] | None = None) -> pd.DataFrame:
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
        rows.append({
            "notebook": nb, "question": (ca or pa).get("question"),
            "previous_level": pa.get("level") if pa else None, "current_level": ca.get("level") if ca else None,
            **lfl,
            "criteria_changed": criteria_changed(pa, ca),
            "previous_overridden": bool(pa.get("overridden")) if pa else None,
            "current_overridden": bool(ca.get("overridden")) if ca else None,
        })
    cols = ["notebook", "question", "previous_level", "current_level", "direction", "recorded_direction",
            "previous_level_now", "figures", "n_better", "n_worse", "n_missing", "because", "criteria_changed",
            "previous_overridden", "current_overridden"]
    return pd.DataFrame(rows, columns=cols, dtype=object)


# ------------------------------------------------------------------------------ recommendations
def recommendation_followup(
    register: list[Mapping[str, Any]], observations: Mapping[str, Mapping[str, Any]],
    previous: list[Mapping[str, Any]] | None,
) -> pd.DataFrame:
    """Last year's recommendations and where they stand.

    ``register``: this year's recommendations (``id``, ``question``, ``text``, ``status``,
    ``status_evidence``); ``observations``: this year's observations by id; ``previous``: the
    recommendations last year's follow-up recorded (None if unknown). A recommendation is
    followed up if this year's register carries it (status other than ``new``) or last year
    recorded it as not done; if last year recorded it and this year's register lacks it, its
    status is ``missing``. Columns: ``id``, ``question``, ``text``, ``status``,
    ``previous_status``, ``evidence`` (list of observations), ``in_register``.
    """
    now = {r["id"]: r for r in register}
    before = {r["id"]: r for r in (previous or [])}
    ids = [r["id"] for r in register if r.get("status") in CARRIED]
    ids += [i for i, r in before.items() if i not in ids and r.get("status") != "done"]
    rows = []
    for i in ids:
        r, b = now.get(i), before.get(i)
        src = r or b
        evidence = [dict(observations[e], id=e) for e in (r or {}).get("status_evidence", []) if e in observations]
        rows.append({
            "id": i, "question": src.get("question"), "text": src.get("text"),
            "status": r.get("status") if r else "missing", "previous_status": b.get("status") if b else None,
            "evidence": evidence, "in_register": r is not None,
        })
    rank = {s: k for k, s in enumerate(STATUS_ORDER)}
    rows.sort(key=lambda x: (rank.get(x["status"], 99), str(x["id"])))
    cols = ["id", "question", "text", "status", "previous_status", "evidence", "in_register"]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def status_counts(followed: pd.DataFrame) -> dict[str, int]:
    """How many followed-up recommendations per status (every status listed, zeros included)."""
    c = Counter(followed["status"]) if len(followed) else Counter()
    return {s: int(c.get(s, 0)) for s in STATUS_ORDER if s != "new"}


def direction_counts(assessments: pd.DataFrame) -> dict[str, int]:
    c = Counter(assessments["direction"]) if len(assessments) else Counter()
    return {s: int(c.get(s, 0)) for s in ("improved", "unchanged", "worsened", "changed", "new", "dropped")}


def criteria_by_notebook(params: Any) -> dict[str, Any]:
    """This year's criteria of every notebook whose parameter section has them."""
    from ..params import SECTION_NAMES

    return {nb: getattr(params, nb).criteria for nb in SECTION_NAMES if hasattr(getattr(params, nb, None), "criteria")}


def figures_summary(figs: Mapping[str, str]) -> dict[str, int]:
    """How many underlying figures went each way."""
    c = Counter(figs.values())
    return {k: int(c.get(k, 0)) for k in ("better", "worse", "same", "missing")}


def parameter_names(params: Any, notebooks: set[str] | list[str]) -> dict[str, frozenset[str]]:
    """Per notebook, the parameter names it may echo in its results: the common keys and the
    keys of its own section (a notebook's section has the notebook's name)."""
    from ..params import SECTION_NAMES

    common = set(params.common())
    out = {}
    for nb in notebooks:
        section = getattr(params, nb, None) if nb in SECTION_NAMES else None
        own = set(type(section).model_fields) if section is not None else set()
        out[nb] = frozenset(common | own)
    return out

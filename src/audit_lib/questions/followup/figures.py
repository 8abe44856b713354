"""Follow-up: the figures two years' results have in common, and how each changed (see the
package's docstring)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

META_KEYS = frozenset(
    {"notebook", "audit_year", "audit_period", "synthetic_data", "language", "status", "title", "failed_cell", "error"}
)
TOLERANCE = 1e-9  # numbers closer than this (relative) count as unchanged


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
        if (
            k in META_KEYS
            or k in out
            or k in parameters
            or k.endswith("_level")
            or v is None
            or isinstance(v, str)
            or not _scalar(v)
            or _bound(results, k)
        ):
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
        return bool(a == b)
    return abs(float(a) - float(b)) <= TOLERANCE * max(1.0, abs(float(a)), abs(float(b)))


_CHANGE_COLUMNS = [
    "notebook",
    "name",
    "kind",
    "previous",
    "current",
    "change",
    "change_rel",
    "status",
    "previous_low",
    "previous_high",
    "current_low",
    "current_high",
    "intervals_overlap",
]


def _change_status(name: str, p_fig: Mapping[str, Any], c_fig: Mapping[str, Any]) -> str:
    """``new``, ``dropped``, ``unchanged`` or ``changed``: figure ``name`` from one year to the next."""
    if name not in p_fig:
        return "new"
    if name not in c_fig:
        return "dropped"
    pv, cv = p_fig[name], c_fig[name]
    if pv is None or cv is None:
        return "unchanged" if pv is cv else "changed"
    return "unchanged" if _same(pv, cv) else "changed"


def _change(kind: str, pv: Any, cv: Any) -> tuple[float | None, float | None]:
    """The change (current − previous) and the relative change (not for shares; None from zero);
    both None unless both years are numbers of a numeric kind."""
    if kind in ("bool", "text") or not isinstance(pv, (int, float)) or not isinstance(cv, (int, float)):
        return None, None
    change = float(cv) - float(pv)
    return change, change / abs(float(pv)) if kind != "share" and float(pv) != 0 else None


def figure_changes(
    previous: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Mapping[str, Any]],
    parameters: Mapping[str, set[str] | frozenset[str]] | None = None,
) -> pd.DataFrame:
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
            status = _change_status(name, p_fig, c_fig)
            change, rel = _change(kind, pv, cv)
            pi, ci = interval_of(p_res, name), interval_of(c_res, name)
            overlap = None if pi is None or ci is None else bool(pi[0] <= ci[1] and ci[0] <= pi[1])
            rows.append(
                {
                    "notebook": nb,
                    "name": name,
                    "kind": kind,
                    "previous": pv,
                    "current": cv,
                    "change": change,
                    "change_rel": rel,
                    "status": status,
                    "previous_low": pi[0] if pi else None,
                    "previous_high": pi[1] if pi else None,
                    "current_low": ci[0] if ci else None,
                    "current_high": ci[1] if ci else None,
                    "intervals_overlap": overlap,
                }
            )
    return pd.DataFrame(rows, columns=_CHANGE_COLUMNS, dtype=object)


def figures_summary(figs: Mapping[str, str]) -> dict[str, int]:
    """How many underlying figures went each way."""
    c = Counter(figs.values())
    return {k: int(c.get(k, 0)) for k in ("better", "worse", "same", "missing")}


def parameter_names(params: Any, notebooks: set[str] | list[str]) -> dict[str, frozenset[str]]:
    """Per notebook, the parameter names it may echo in its results: the common keys and the
    keys of its own section (a notebook's section has the notebook's name)."""
    from ...params import SECTION_NAMES

    common = set(params.common())
    out = {}
    for nb in notebooks:
        section = getattr(params, nb, None) if nb in SECTION_NAMES else None
        own = set(type(section).model_fields) if section is not None else set()
        out[nb] = frozenset(common | own)
    return out

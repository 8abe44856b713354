"""The causality page's values: effect group names, effects on the log price as percent
changes, intervals, SEK in millions and the conclusions' values (used by every part of the
page and by its figures' data)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ...questions.causality import Analysis, members
from ..fmt import MISSING, Formatter
from ..texts import Texts
from ..values import InputFormat, interval

INPUTS = InputFormat(percent_suffixes=(), decimals=3)  # the criteria's inputs: numbers with three decimals


def label(group: str, t: Texts) -> str:
    """An effect group's name: the initiative's, or "a + b (together)" for a joint group."""
    names = [t(f"causality.treatment.{m}") for m in members(group)]
    return names[0] if len(names) == 1 else t("causality.joint_label", members=" + ".join(names))


def labels(groups: list[str], t: Texts) -> dict[str, str]:
    return {g: label(g, t) for g in groups}


def pct(x: Any, f: Formatter, decimals: int = 1) -> str:
    """An effect on the log price, shown as a percent change (a tiny change as zero)."""
    v = float(np.expm1(x))
    return f.percent(0.0 if abs(v) < 0.5 * 10 ** -(decimals + 2) else v, decimals)


def with_interval(x: Any, lo: Any, hi: Any, show: Callable[[Any], str]) -> str:
    """ "x (lo – hi)" in the given format; "–" when ``x`` is missing."""
    return f"{show(x)} ({interval(lo, hi, show)})" if np.isfinite(x) else MISSING


def mn(x: Any, f: Formatter) -> str:
    """SEK in millions, the unit in the column heading."""
    return f.number(x / 1e6, 1)


def conclusion_values(v: Mapping[str, Any], t: Texts, f: Formatter) -> dict[str, str]:
    """A conclusion's values: group names labelled, fractions as percent, p-values."""
    out = {}
    for k, x in v.items():
        if k in ("group", "with"):
            out[k] = label(x, t)
        elif k == "others":
            out[k] = ", ".join(label(g, t) for g in x)
        elif k == "pct" or k.endswith("_pct"):
            out[k] = f.percent(x, 1)
        elif k == "p":
            out[k] = f.number(x, 3)
        else:
            out[k] = f.count(x)
    return out


def shown_groups(a: Analysis) -> list[str]:
    """The effect groups with an estimate to show (all but the not identified)."""
    rows = a.effects.set_index("group")
    return [g for g in a.data.groups if rows.loc[g, "interpretation"] != "not_identified"]

"""Figures for question 1: the planning funnel and the coordinated share with its intervals."""

from __future__ import annotations

import math
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..style import COLORS

FUNNEL_SHOWN = (
    "all",
    "planned",
    "planned_coordinated",
    "planned_not_coordinated",
    "reason_documented",
    "reason_missing",
)
_FUNNEL_COLOR = {
    "all": COLORS["muted"],
    "planned": COLORS["target"],
    "planned_coordinated": COLORS["ok"],
    "planned_not_coordinated": COLORS["warn"],
    "reason_documented": COLORS["interval"],
    "reason_missing": COLORS["warn"],
}


def funnel_chart(funnel: pd.DataFrame, labels: dict[str, str], count_label: str) -> Figure:
    """Horizontal bars, one per stage of ``FUNNEL_SHOWN``, top to bottom; stages indented by
    depth; the count printed at each bar's end."""
    f = funnel.set_index("stage").loc[list(FUNNEL_SHOWN)]
    depth = {
        "all": 0,
        "planned": 1,
        "planned_coordinated": 2,
        "planned_not_coordinated": 2,
        "reason_documented": 3,
        "reason_missing": 3,
    }
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(f) + 0.8))
    y = np.arange(len(f))[::-1]
    ax.barh(y, f["count"], color=[_FUNNEL_COLOR[s] for s in f.index], height=0.65)
    for yi, c in zip(y, f["count"]):
        ax.text(c, yi, f" {int(c)}", va="center", fontsize=9)
    ax.set_yticks(y, ["   " * depth[s] + labels[s] for s in f.index])
    ax.set_xlabel(count_label)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, max(1, f["count"].max()) * 1.12)
    fig.tight_layout()
    return fig


def share_by_year(
    by_year: pd.DataFrame,
    targets: dict[int, float],
    legend: dict[str, str],
    percent_label: str,
) -> Figure:
    """Coordinated share per year by count (Wilson interval) and by value (bootstrap interval),
    with the board's target where one was set. ``legend`` keys: count, value, target."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = by_year["year"].to_numpy(dtype=float)
    for col, off, color, key in (
        ("share", -0.08, COLORS["outcome"], "count"),
        ("share_value", 0.08, COLORS["interval"], "value"),
    ):
        s = by_year[col].to_numpy(dtype=float) * 100
        lo = by_year[f"{col}_low"].to_numpy(dtype=float) * 100
        hi = by_year[f"{col}_high"].to_numpy(dtype=float) * 100
        err = np.vstack([np.nan_to_num(s - lo), np.nan_to_num(hi - s)])
        ax.errorbar(
            x + off,
            s,
            yerr=err,
            fmt="o-" if key == "count" else "s--",
            color=color,
            capsize=3,
            label=legend[key],
            markersize=5,
        )
    ty = [(y, v * 100) for y, v in sorted(targets.items()) if v is not None and math.isfinite(v)]
    if ty:
        ax.plot(
            [t[0] for t in ty],
            [t[1] for t in ty],
            "_",
            color=COLORS["warn"],
            markersize=28,
            mew=2.5,
            label=legend["target"],
            linestyle="none",
        )
    ax.set_ylabel(percent_label)
    ax.set_ylim(0, 100)
    # A linear axis's default locator is an AutoLocator, a MaxNLocator.
    cast(MaxNLocator, ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def share_by_group(
    table: pd.DataFrame, group: str, target: float | None, legend: dict[str, str], percent_label: str
) -> Figure:
    """One row per group: share by count with its Wilson interval, sorted by share; the target
    as a vertical line. ``legend`` keys: count, target."""
    t = table.sort_values("share")
    fig, ax = plt.subplots(figsize=(7.5, 0.38 * len(t) + 1.0))
    y = np.arange(len(t))
    s = t["share"].to_numpy(dtype=float) * 100
    err = np.vstack([s - t["share_low"].to_numpy(dtype=float) * 100, t["share_high"].to_numpy(dtype=float) * 100 - s])
    ax.errorbar(s, y, xerr=err, fmt="o", color=COLORS["outcome"], capsize=3, label=legend["count"])
    if target is not None and math.isfinite(target):
        ax.axvline(target * 100, color=COLORS["warn"], linestyle="--", label=legend["target"])
    ax.set_yticks(y, [f"{g} (n={n})" for g, n in zip(t[group], t["n"])])
    ax.set_xlabel(percent_label)
    ax.set_xlim(0, 100)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig

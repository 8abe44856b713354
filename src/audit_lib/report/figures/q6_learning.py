"""Figures for question 6: documented lessons by year; problems by category."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..style import COLORS


def lessons_by_year(
    by_year: pd.DataFrame, legend: dict[str, str], ylabel: str, percent_fmt: Callable[[float], str]
) -> Figure:
    """Share with documented lessons per year with its interval: all procurements and the
    coordinated ones (offset to the right). ``percent_fmt`` formats a fraction for the axis."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    x = by_year["year"].to_numpy(dtype=float)
    for col, off, colour, key in (
        ("lessons", -0.08, COLORS["outcome"], "all"),
        ("coordinated_lessons", 0.08, COLORS["target"], "coordinated"),
    ):
        s = by_year[f"{col}_share"].to_numpy(dtype=float)
        lo = by_year[f"{col}_low"].to_numpy(dtype=float)
        hi = by_year[f"{col}_high"].to_numpy(dtype=float)
        ok = np.isfinite(s)
        ax.errorbar(
            x[ok] + off,
            s[ok],
            yerr=[s[ok] - lo[ok], hi[ok] - s[ok]],
            fmt="o",
            color=colour,
            ecolor=colour,
            elinewidth=2,
            capsize=3,
            label=legend[key],
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels([percent_fmt(v) for v in (0, 0.25, 0.5, 0.75, 1.0)])
    ax.set_xticks(x)
    ax.set_xticklabels([str(int(v)) for v in x])
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def problems_by_category(repeated: pd.DataFrame, problem_labels: dict[str, str]) -> Figure:
    """Horizontal bars per category: procurements with each problem in the window; a filled
    bar is a repeated problem, a hatched one occurred in a single year."""
    cats = (
        repeated.groupby("category")["n_procurements"].sum().sort_values(ascending=True).index.tolist()
        if len(repeated)
        else []
    )
    problems = list(problem_labels)
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.38 * max(len(cats), 1)))
    h = 0.8 / max(len(problems), 1)
    colours = [COLORS["warn"], COLORS["outcome"], COLORS["target"]]
    y = np.arange(len(cats), dtype=float)
    for k, p in enumerate(problems):
        sub = repeated[repeated["problem"] == p].set_index("category")
        vals = np.array([float(sub["n_procurements"].get(c, 0)) for c in cats])
        rep = np.array([bool(sub["repeated"].get(c, False)) for c in cats])
        pos = y + (k - (len(problems) - 1) / 2) * h
        colour = colours[k % len(colours)]
        ax.barh(pos[rep], vals[rep], height=h, color=colour, label=problem_labels[p])
        ax.barh(pos[~rep], vals[~rep], height=h, facecolor="white", edgecolor=colour, hatch="///")
    ax.set_yticks(y)
    ax.set_yticklabels(cats)
    # A linear axis's default locator is an AutoLocator, a MaxNLocator.
    cast(MaxNLocator, ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig

"""Figure for the decision-level check: estimated values against the delegation thresholds."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
import pandas as pd

from ..style import COLORS


def values_against_thresholds(
    checked: pd.DataFrame,
    thresholds: dict[str, list[tuple[float, str]]],
    legend: dict[str, str],
    value_label: str,
    scale: float = 1e6,
    tick_format: Callable[[float], str] = "{:g}".format,
) -> Figure:
    """One panel per region: each procurement-region's estimated value (log scale), the rule
    thresholds as labelled lines, rows that break a rule circled and labelled with their id.
    ``thresholds``: region -> [(from_value_sek, label)]; ``legend`` keys: ok, violation;
    ``tick_format`` writes the axis numbers (in the report's language)."""
    regions = sorted(set(checked["region"]) | set(thresholds))
    fig, axes = plt.subplots(
        1, max(1, len(regions)), figsize=(3.8 * max(1, len(regions)), 3.8), squeeze=False, sharey=True
    )
    positive = checked.loc[checked["estimated_value_sek"] > 0, "estimated_value_sek"]
    floor = float(positive.min()) / scale / 2 if len(positive) else 0.01
    for ax, region in zip(axes[0], regions):
        r = checked[checked["region"] == region].sort_values("procurement_id")
        v = np.maximum(r["estimated_value_sek"].to_numpy(dtype=float) / scale, floor)
        x = (np.arange(len(r)) % 11) / 10.0  # deterministic spread
        bad = r["violation"].to_numpy(dtype=bool)
        ax.scatter(x[~bad], v[~bad], s=12, color=COLORS["outcome"], alpha=0.6, label=legend["ok"])
        ax.scatter(
            x[bad],
            v[bad],
            s=46,
            facecolors="none",
            edgecolors=COLORS["warn"],
            linewidths=1.8,
            label=legend["violation"],
        )
        for xi, vi, pid in zip(x[bad], v[bad], r["procurement_id"].to_numpy()[bad]):
            ax.annotate(str(pid), (xi, vi), xytext=(4, 3), textcoords="offset points", fontsize=7)
        for value, label in thresholds.get(region, []):
            if value > 0:
                ax.axhline(value / scale, color=COLORS["target"], linestyle="--", linewidth=1)
                ax.text(1.02, value / scale, label, fontsize=7, va="bottom", ha="right", color=COLORS["target"])
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick_format(v)))
        ax.set_xticks([])
        ax.set_xlim(-0.1, 1.1)
        ax.set_title(region)
    axes[0][0].set_ylabel(value_label)
    # the legend below the panels, where it covers no point
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig

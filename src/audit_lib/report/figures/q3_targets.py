"""Figures for question 3: target against outcome over the years."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..style import COLORS


def target_vs_outcome(
    table: pd.DataFrame,
    forecasts: pd.DataFrame,
    indicators: list[str],
    labels: dict[str, str],
    value_scale: dict[str, float],
    legend: dict[str, str],
    audit_year: int,
):
    """One panel per indicator: outcomes (line), targets (markers), the audit year's interval."""
    fig, axes = plt.subplots(1, len(indicators), figsize=(4.0 * len(indicators), 3.4), squeeze=False)
    for ax, ind in zip(axes[0], indicators):
        scale = value_scale.get(ind, 1.0)
        t = table[(table["indicator"] == ind) & (table["period"] == "full_year")].sort_values("year")
        ax.plot(t["year"], t["outcome"] / scale, "-o", color=COLORS["outcome"], label=legend["outcome"])
        tt = t[t["target_set"]]
        ax.plot(
            tt["year"],
            tt["target"] / scale,
            "s",
            color=COLORS["target"],
            mfc="white",
            mew=1.5,
            label=legend["target"],
            linestyle="none",
        )
        f = forecasts[(forecasts["indicator"] == ind) & (forecasts["year"] == audit_year)]
        if len(f) and pd.notna(f["forecast_low"].iloc[0]):
            r = f.iloc[0]
            ax.errorbar(
                [audit_year + 0.15],
                [r["forecast"] / scale],
                yerr=[[(r["forecast"] - r["forecast_low"]) / scale], [(r["forecast_high"] - r["forecast"]) / scale]],
                fmt="D",
                color=COLORS["interval"],
                ecolor=COLORS["interval"],
                elinewidth=6,
                capsize=0,
                label=legend["interval"],
            )
        ax.set_title(labels[ind])
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0][0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig

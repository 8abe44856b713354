"""Figures for question 2: gains against the cost of coordinating; effort per procurement."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..style import COLORS


def gains_vs_cost(summary: pd.DataFrame, legend: dict[str, str], money_label: str, scale: float = 1e6):
    """Per year, three bars: enabled savings of coordinated procurements, administrative gain,
    and the cost of coordinating (recorded, with the extrapolated estimate and its interval as
    an error bar). ``legend`` keys: enabled, admin, cost_recorded, cost_estimated."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = np.arange(len(summary))
    w = 0.26
    ax.bar(x - w, summary["enabled_savings_sek"].fillna(0) / scale, w, color=COLORS["outcome"], label=legend["enabled"])
    ax.bar(
        x,
        summary["admin_gain_sek"] / scale,
        w,
        color=COLORS["interval"],
        hatch="//",
        edgecolor=COLORS["outcome"],
        label=legend["admin"],
    )
    ax.bar(
        x + w,
        summary["coordination_cost_sek"] / scale,
        w,
        color=COLORS["warn"],
        hatch="..",
        edgecolor="white",
        label=legend["cost_recorded"],
    )
    est = summary["coordination_cost_est_sek"].to_numpy(dtype=float) / scale
    lo = summary["coordination_cost_est_low"].to_numpy(dtype=float) / scale
    hi = summary["coordination_cost_est_high"].to_numpy(dtype=float) / scale
    ax.errorbar(
        x + w,
        est,
        yerr=np.vstack([np.nan_to_num(est - lo), np.nan_to_num(hi - est)]),
        fmt="_",
        color="black",
        capsize=3,
        markersize=10,
        label=legend["cost_estimated"],
    )
    ax.set_xticks(x, [str(y) for y in summary["year"]])
    ax.set_ylabel(money_label)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def effort_per_procurement(
    gains: pd.DataFrame, threshold_hours: float, flagged: list[str], legend: dict[str, str], hours_label: str
):
    """Recorded hours per coordinated procurement by year (jittered points, deterministic), the
    high-effort threshold as a line, flagged procurements labelled with their id.
    ``legend`` keys: procurement, threshold."""
    g = gains[gains["effort_recorded"]].sort_values("procurement_id")
    years = sorted(gains["year"].unique())
    pos = {y: i for i, y in enumerate(years)}
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    # deterministic jitter from the row order within each year
    jitter = g.groupby("year").cumcount().to_numpy() % 7 / 7 * 0.5 - 0.25
    xs = g["year"].map(pos).to_numpy(dtype=float) + jitter
    ax.scatter(xs, g["hours"], s=14, color=COLORS["outcome"], alpha=0.7, label=legend["procurement"])
    if np.isfinite(threshold_hours):
        ax.axhline(threshold_hours, color=COLORS["warn"], linestyle="--", label=legend["threshold"])
    fl = g["procurement_id"].isin(flagged).to_numpy()
    ax.scatter(xs[fl], g["hours"].to_numpy()[fl], s=40, facecolors="none", edgecolors=COLORS["warn"], linewidths=1.5)
    for xv, hv, pid in zip(xs[fl], g["hours"].to_numpy()[fl], g["procurement_id"].to_numpy()[fl]):
        ax.annotate(str(pid), (xv, hv), xytext=(4, 3), textcoords="offset points", fontsize=7)
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_ylabel(hours_label)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig

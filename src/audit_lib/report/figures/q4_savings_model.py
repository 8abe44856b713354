"""Figures for question 4: coverage of the savings model, the market method's growth with the
number of bids, and the year's total under each baseline with its interval.

Each function takes frames computed by ``audit_lib.questions.q4_savings_model`` and the
labels to show (from the texts catalogue); no computation happens here.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..style import COLORS

BASELINE_COLORS = {
    "mean": COLORS["warn"],
    "median": COLORS["outcome"],
    "second_lowest": COLORS["ok"],
    "estimated_value": COLORS["target"],
}


def _percent_axis(ax: Axes, axis: str = "y", decimal: str = ".") -> None:
    fmt = FuncFormatter(lambda v, _: f"{100 * v:.0f} %".replace(".", decimal))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def coverage_by_year(by_year: pd.DataFrame, audit_year: int, labels: Mapping[str, str]) -> Figure:
    """Share of procurements with a computable saving, by count and by estimated value, per
    year. ``labels``: ``count``, ``value``, ``ylabel``."""
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    years = by_year["year"].to_numpy()
    w = 0.38
    ax.bar(years - w / 2, by_year["coverage_count"], w, color=COLORS["outcome"], label=labels["count"])
    ax.bar(
        years + w / 2,
        by_year["coverage_value"],
        w,
        color=COLORS["interval"],
        hatch="//",
        edgecolor=COLORS["outcome"],
        label=labels["value"],
    )
    sel = years == audit_year
    if sel.any():
        ax.axvspan(audit_year - 0.5, audit_year + 0.5, color=COLORS["muted"], alpha=0.12, lw=0)
    ax.set_ylim(0, 1)
    _percent_axis(ax)
    ax.set_ylabel(labels["ylabel"])
    ax.set_xticks(years)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, ncols=2)
    fig.tight_layout()
    return fig


def saving_vs_bids(by_n: pd.DataFrame, null: pd.DataFrame | None, labels: Mapping[str, str], max_n: int) -> Figure:
    """Median saving as a share of the lowest bid, by number of approved bids, under the mean
    (the register's rule), median and second-lowest baselines; dashed: what the mean-based
    rule reports when nothing has changed (``null``). ``labels``: ``mean``, ``median``,
    ``second_lowest``, ``null``, ``xlabel``, ``ylabel``, ``pooled`` (tick suffix for max_n)."""
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    # lines differ by marker and dash as well as colour
    for name, style in (("mean", "-o"), ("median", "-.s"), ("second_lowest", ":^")):
        ax.plot(by_n["n"], by_n[f"{name}_share"], style, color=BASELINE_COLORS[name], label=labels[name], ms=5)
    if null is not None and len(null):
        ax.plot(null["n"], null["mean_share"], "--", color=BASELINE_COLORS["mean"], alpha=0.7, label=labels["null"])
    ax.axhline(0, color="black", lw=0.8)
    ns = sorted(set(by_n["n"]) | (set(null["n"]) if null is not None and len(null) else set()))
    ax.set_xticks(ns)
    ax.set_xticklabels([f"{n}{labels['pooled']}" if n == max_n else str(n) for n in ns])
    ax.set_xlabel(labels["xlabel"])
    ax.set_ylabel(labels["ylabel"])
    _percent_axis(ax)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def baseline_totals(
    totals: pd.DataFrame,
    boot: pd.DataFrame,
    interval: Mapping[str, float],
    labels: Mapping[str, str],
    scale: float = 1e6,
) -> Figure:
    """The audit year's total under each basis (bars), with each baseline's bootstrap interval
    (whiskers), the range across baselines (band) and the register's reported figure (line).
    ``labels``: one per basis (``reported``, ``recomputed``, ``median``, ...), and ``range``,
    ``xlabel``."""
    t = totals.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(t) + 1.4))
    ax.axvspan(
        interval["low"] / scale,
        interval["high"] / scale,
        color=COLORS["interval"],
        alpha=0.35,
        lw=0,
        label=labels["range"],
    )
    base_of = {"recomputed": "mean"}
    for i, (_, r) in enumerate(t.iterrows()):
        name = base_of.get(r["basis"], r["basis"])
        color = COLORS["target"] if r["basis"] == "reported" else BASELINE_COLORS.get(name, COLORS["outcome"])
        ax.barh(i, r["total_sek"] / scale, color=color, height=0.6)
        b = boot[boot["baseline"] == name]
        if r["basis"] != "reported" and len(b):
            lo, hi = float(b["low"].iloc[0]) / scale, float(b["high"].iloc[0]) / scale
            ax.plot([lo, hi], [i, i], color="black", lw=1.2)
            ax.plot([lo, lo], [i - 0.15, i + 0.15], color="black", lw=1.2)
            ax.plot([hi, hi], [i - 0.15, i + 0.15], color="black", lw=1.2)
    rep = float(totals.loc[totals["basis"] == "reported", "total_sek"].iloc[0]) / scale
    ax.axvline(rep, color="black", ls="--", lw=1)
    ax.set_yticks(np.arange(len(t)))
    ax.set_yticklabels([labels[b] for b in t["basis"]])
    ax.set_xlabel(labels["xlabel"])
    ax.set_xlim(left=0)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig

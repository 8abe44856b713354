"""Figures for the national procurement statistics: procedure mix, competition against peers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ..style import COLORS

_HATCHES = ["", "//", "..", "\\\\", "xx", "--"]
_PALETTE = ["#1f5f99", "#c65a00", "#2b7a3d", "#7a3d8c", "#8c6d1f", "#1f8c8c", "#9a9a9a", "#5a5a5a"]


def composition_bars(
    mix: pd.DataFrame,
    groups: Sequence[str],
    group_labels: Mapping[str, str],
    value_labels: Mapping[str, str],
) -> Figure:
    """100 % horizontal bars: one bar per group (audited buyers, then peers), one segment per
    value (e.g. procedure) in ``mix`` (``group, value, share``); the legend below the bars."""
    values = list(dict.fromkeys(mix["value"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(groups) + 1.6))
    y = np.arange(len(groups))[::-1]
    left = np.zeros(len(groups))
    for i, v in enumerate(values):
        share = np.array([float(mix.loc[(mix["group"] == g) & (mix["value"] == v), "share"].sum()) for g in groups])
        share = np.nan_to_num(share)
        ax.barh(
            y,
            share,
            left=left,
            color=_PALETTE[i % len(_PALETTE)],
            label=value_labels.get(v, v),
            height=0.6,
            hatch=_HATCHES[i % len(_HATCHES)],
            edgecolor="white",
        )  # segments differ by pattern, not only hue
        left += share
    ax.set_yticks(y, [group_labels.get(g, g) for g in groups])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, fontsize=8)
    fig.tight_layout()
    return fig


def _peer_panel(
    ax: Axes,
    panel: tuple[str, str, str, str],
    d: pd.DataFrame,
    c: pd.DataFrame,
    rows: Sequence[str],
    y_of: Mapping[str, int],
    peers: str,
    legend: Mapping[str, str],
) -> None:
    """One panel of :func:`competition_vs_peers`: the peer buyers ``d`` as grey dots on the
    peers' row, then each group's figure with its interval (``panel``: the figure's column, its
    interval's columns and the panel's key)."""
    col, lo, hi, key = panel
    if len(d):
        offsets = np.linspace(-0.25, 0.25, len(d)) if len(d) > 1 else np.zeros(1)
        ax.scatter(
            d[col].to_numpy(dtype=float),
            y_of[peers] + offsets,
            s=14,
            color=COLORS["muted"],
            alpha=0.8,
            label=legend["peer_buyer"],
            zorder=2,
        )
    for i, g in enumerate(rows):
        if g not in c.index:
            continue
        est, low, high = (float(v) for v in c.loc[g, [col, lo, hi]].to_numpy(dtype=float, na_value=np.nan))
        if math.isnan(est):
            continue
        color = COLORS["target"] if g == peers else COLORS["outcome"]
        ax.errorbar(
            [est],
            [y_of[g]],
            xerr=[[est - low], [high - est]],
            fmt="D",
            color=color,
            ecolor=color,
            elinewidth=2.5,
            capsize=4,
            zorder=3,
            label=legend["interval"] if i == 0 else None,
        )
    if key == "single":
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(left=0)


def competition_vs_peers(
    dist: pd.DataFrame,
    comp: pd.DataFrame,
    groups: Sequence[str],
    peers: str,
    group_labels: Mapping[str, str],
    axis_labels: Mapping[str, str],
    legend: Mapping[str, str],
) -> Figure:
    """Two panels (single-tender share, mean tenders per lot). In each, one row per audited buyer
    with its interval, and a peers row: every peer buyer as a grey dot (``dist``, spread
    evenly in height, no randomness) and the pooled peer figure with its interval (``comp``)."""
    rows = [*groups, peers]
    y_of = {g: len(rows) - 1 - i for i, g in enumerate(rows)}
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 0.6 * len(rows) + 1.4), sharey=True)
    panels = [
        ("single_tender_share", "single_tender_share_low", "single_tender_share_high", "single"),
        ("mean_tenders_per_lot", "mean_tenders_per_lot_low", "mean_tenders_per_lot_high", "mean"),
    ]
    c = comp.set_index("group")
    for ax, panel in zip(axes, panels):
        _peer_panel(ax, panel, dist[dist["group"] == peers], c, rows, y_of, peers, legend)
        ax.set_xlabel(axis_labels[panel[3]])
        ax.grid(axis="y", visible=False)
    axes[0].set_yticks([y_of[g] for g in rows], [group_labels.get(g, g) for g in rows])
    axes[0].set_ylim(-0.6, len(rows) - 0.4)
    axes[0].legend(loc="upper center", bbox_to_anchor=(1.0, -0.25), ncol=2, fontsize=8)
    fig.tight_layout()
    return fig

"""Figures for the causality question: rollouts, price index, event studies, estimates, money.

Each function takes computed frames and labels (already in the report's language) and returns
a matplotlib ``Figure``; nothing is computed here that the library's tests do not cover.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..style import COLORS

TREATMENT_COLORS = {"ecommerce": "#1f5f99", "category_management": "#c65a00", "coordination": "#2b7a3d"}
JOINT_COLOR = "#7a3d8c"
MARKERS = {"ecommerce": "o", "category_management": "s", "coordination": "D"}


def _color(group: str) -> str:
    return TREATMENT_COLORS.get(group, JOINT_COLOR)


def rollout_timeline(
    cells: pd.DataFrame,
    treatments: list[str],
    labels: dict[str, str],
    joint_label: str,
    origin: pd.Timestamp,
    n_months: int,
) -> Figure:
    """One row per cell; a marker at each initiative's start month; a ring where two start
    together (only their joint effect is identified there)."""
    c = cells.sort_values(["category", "region"]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.28 * len(c) + 1.4))
    ypos = np.arange(len(c))[::-1]
    for t in treatments:
        m = c[f"month__{t}"].to_numpy()
        ok = m < 10**6
        ax.scatter(
            m[ok] + (treatments.index(t) - 1) * 0.0,
            ypos[ok],
            marker=MARKERS.get(t, "o"),
            color=_color(t),
            s=30,
            label=labels[t],
            zorder=3,
        )
    joint_cols = [col for col in c.columns if col.startswith("start__") and "+" in col]
    first = True
    for col in joint_cols:
        m = c[col].to_numpy()
        ok = m < 10**6
        if ok.any():
            ax.scatter(
                m[ok],
                ypos[ok],
                s=160,
                facecolors="none",
                edgecolors=JOINT_COLOR,
                linewidths=1.5,
                label=joint_label if first else None,
                zorder=4,
            )
            first = False
    ax.set_yticks(ypos)
    ax.set_yticklabels([f"{a} / {b}" for a, b in zip(c["category"], c["region"])], fontsize=8)
    years = range(origin.year, origin.year + n_months // 12 + 1)
    ticks = [(y - origin.year) * 12 - (origin.month - 1) for y in years]
    ax.set_xticks([t for t in ticks if 0 <= t <= n_months])
    ax.set_xticklabels([str(y) for y, t in zip(years, ticks) if 0 <= t <= n_months])
    ax.set_xlim(-1, n_months)
    ax.grid(axis="y", alpha=0.15)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8)
    fig.tight_layout()
    return fig


def price_index(
    frame: pd.DataFrame, cells: pd.DataFrame, treatments: list[str], labels: dict[str, str], ylabel: str, ncols: int = 5
) -> Figure:
    """Small multiples: the price index per category (one line per region) with the start
    months of the initiatives as vertical lines."""
    cats = sorted(frame["category"].unique())
    nrows = int(np.ceil(len(cats) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.0 * ncols + 0.5, 2.0 * nrows + 0.8), sharex=True, sharey=True, squeeze=False
    )
    # at most three year labels and three index labels a panel, so neighbours never touch
    months = pd.to_datetime(frame["month"])
    if len(months):
        first, last = months.min(), months.max()
        step = max(1, int(np.ceil((last.year - first.year + 1) / 3)))
        years = [pd.Timestamp(year=y, month=1, day=1) for y in range(first.year, last.year + 1, step)]
        years = [y for y in years if first <= y <= last] or [first]
        axes[0][0].set_xticks(years, [str(y.year) for y in years])
    axes[0][0].yaxis.set_major_locator(MaxNLocator(nbins=3))
    styles = ["-", "--", ":", "-."]
    regions = sorted(frame["region"].unique())
    for ax, cat in zip(axes.flat, cats):
        f = frame[frame["category"] == cat]
        for i, reg in enumerate(regions):
            g = f[f["region"] == reg].sort_values("month")
            ax.plot(g["month"], g["index"], styles[i % 4], color=COLORS["outcome"], lw=0.9, label=reg)
        for t in treatments:
            for d in cells.loc[cells["category"] == cat, f"date__{t}"].dropna().unique():
                ax.axvline(pd.Timestamp(d), color=_color(t), lw=0.8, alpha=0.8)
        ax.set_title(cat, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(cats) :]:
        ax.set_visible(False)
    handles = [Line2D([], [], color=COLORS["outcome"], ls=styles[i % 4], label=r) for i, r in enumerate(regions)]
    handles += [Line2D([], [], color=_color(t), label=labels[t]) for t in treatments]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=7, bbox_to_anchor=(0.5, -0.01))
    fig.supylabel(ylabel, fontsize=8)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def event_studies(
    es: pd.DataFrame, groups: list[str], titles: dict[str, str], legend: dict[str, str], xlabel: str, ylabel: str
) -> Figure:
    """One panel per effect group: the robust estimator's effects by month since the start
    (leads before it) with intervals, and TWFE's event study beside it (hollow)."""
    n = len(groups)
    ncols = min(n, 2)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 2.8 * nrows + 0.4), squeeze=False, sharey=True)
    for ax, g in zip(axes.flat, groups):
        for est, dx, face in (("imputation", -0.15, None), ("twfe", 0.15, "white")):
            d = es[(es["group"] == g) & (es["estimator"] == est)].sort_values("event_time")
            if d.empty:
                continue
            col = _color(g) if est == "imputation" else COLORS["muted"]
            x = d["event_time"].to_numpy() + dx
            y = 100 * d["estimate"].to_numpy()
            err = np.vstack([y - 100 * d["ci_low"].to_numpy(), 100 * d["ci_high"].to_numpy() - y])
            ax.errorbar(
                x,
                y,
                yerr=err,
                fmt="o",
                ms=3.5,
                color=col,
                mfc=face or col,
                elinewidth=0.9,
                capsize=0,
                label=legend[est],
            )
        ax.axhline(0, color="black", lw=0.7)
        ax.axvline(-0.5, color=COLORS["muted"], lw=0.8, ls="--")
        ax.set_title(textwrap.fill(titles[g], 44), fontsize=9)  # a long title wraps, never runs into its neighbour's
        ax.set_xlabel(xlabel, fontsize=8)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8)
    # the legend below the panels, where it covers no point
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.5 / (2.8 * nrows + 0.4), 1, 1))
    return fig


def estimate_comparison(
    rows: pd.DataFrame, groups: list[str], group_labels: dict[str, str], series: dict[str, str], xlabel: str
) -> Figure:
    """Per group, one line per series (``series`` maps a column prefix in ``rows`` to its
    label): point and interval, in percent. ``rows`` has, per group, ``<prefix>_estimate``,
    ``<prefix>_low`` and ``<prefix>_high`` (NaN where a series has none)."""
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(groups) * len(series) / 2 + 1.2))
    colors = [COLORS["outcome"], COLORS["muted"], COLORS["warn"], COLORS["target"]]
    k = len(series)
    labelled: set[str] = set()
    for gi, g in enumerate(groups):
        r = rows[rows["group"] == g].iloc[0]
        for si, (prefix, label) in enumerate(series.items()):
            y = -gi - (si - (k - 1) / 2) * 0.18
            est = r.get(f"{prefix}_estimate", np.nan)
            if not np.isfinite(est):
                continue
            lo, hi = r.get(f"{prefix}_low", np.nan), r.get(f"{prefix}_high", np.nan)
            if np.isfinite(lo) and np.isfinite(hi):
                ax.plot([100 * np.expm1(lo), 100 * np.expm1(hi)], [y, y], color=colors[si % 4], lw=2, alpha=0.7)
            ax.plot(
                [100 * np.expm1(est)],
                [y],
                "o" if si == 0 else "D",
                color=colors[si % 4],
                ms=5,
                label=None if prefix in labelled else label,
            )
            labelled.add(prefix)
    ax.axvline(0, color="black", lw=0.7)
    ax.set_yticks([-i for i in range(len(groups))])
    ax.set_yticklabels([group_labels[g] for g in groups], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=len(labelled))
    ax.grid(axis="y", alpha=0)
    fig.tight_layout()
    return fig


def leave_one_out(
    loo: pd.DataFrame, effects: pd.DataFrame, groups: list[str], titles: dict[str, str], all_label: str, xlabel: str
) -> Figure:
    """Per group: the estimate with all cells (band) and without each rollout wave (points)."""
    n = len(groups)
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n + 0.8, 2.6), squeeze=False, sharey=True)
    for ax, g in zip(axes[0], groups):
        d = loo[loo["group"] == g]
        e = effects[effects["group"] == g].iloc[0]
        ax.axhspan(
            100 * np.expm1(e["ci_low"]),
            100 * np.expm1(e["ci_high"]),
            color=_color(g),
            alpha=0.15,
            lw=0,
            label=all_label,
        )
        ax.axhline(100 * np.expm1(e["estimate"]), color=_color(g), lw=1)
        x = np.arange(len(d))
        y = 100 * np.expm1(d["estimate"].to_numpy())
        err = np.vstack([y - 100 * np.expm1(d["ci_low"].to_numpy()), 100 * np.expm1(d["ci_high"].to_numpy()) - y])
        ax.errorbar(x, y, yerr=err, fmt="o", color=_color(g), ms=3.5, elinewidth=0.9)
        ax.set_xticks(x)
        ax.set_xticklabels([str(w) for w in d["wave"]], fontsize=7, rotation=45)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(titles[g], fontsize=8)
        ax.set_xlabel(xlabel, fontsize=8)
    axes[0][0].set_ylabel("%")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def money_by_category(
    board: pd.DataFrame,
    legend: dict[str, str],
    xlabel: str,
    scale: float = 1e6,
    fmt: Callable[[float], str] | None = None,
) -> Figure:
    """Per category: the saving implied by the one common coordination effect applied to the
    category's spend (a bar without an interval: it is not an estimate per category) beside the
    board's reported enabled savings for the same category and years."""
    b = board.sort_values("category", ascending=False).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(b) + 1.3))
    y = np.arange(len(b))
    est = b["saving_sek"].to_numpy() / scale
    ax.barh(y + 0.2, est, height=0.38, color=TREATMENT_COLORS["coordination"], label=legend["estimated"])
    ax.barh(y - 0.2, b["reported_sek"].to_numpy() / scale, height=0.38, color=COLORS["muted"], label=legend["reported"])
    ax.barh(
        y - 0.2,
        b["reported_coordinated_sek"].to_numpy() / scale,
        height=0.38,
        color=COLORS["target"],
        label=legend["reported_coordinated"],
    )
    ax.set_yticks(y)
    ax.set_yticklabels(b["category"], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.axvline(0, color="black", lw=0.6)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    fig.tight_layout()
    return fig

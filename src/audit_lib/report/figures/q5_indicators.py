"""Figures for question 5: the coverage matrix of goal areas against where indicators end up."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..style import COLORS


def coverage_grid(matrix: pd.DataFrame, row_labels: dict[str, str], col_labels: dict[str, str]) -> Figure:
    """A grid: one row per goal area, one column per destination (governing bodies, other,
    not reported, not followed up); each cell shows the number of indicators. Columns of
    governing bodies are shaded blue, the rest orange, so an area whose only indicators sit in
    the right-hand columns is visibly not steered by them. Empty columns are dropped except
    the last two, which always show."""
    keep = [c for i, c in enumerate(matrix.columns) if matrix[c].sum() > 0 or i >= len(matrix.columns) - 2]
    m = matrix[keep]
    n_rows, n_cols = m.shape
    fig, ax = plt.subplots(figsize=(1.6 + 1.5 * n_cols + 1.8, 0.9 + 0.55 * n_rows))
    good = LinearSegmentedColormap.from_list("good", ["#ffffff", COLORS["outcome"]])
    bad = LinearSegmentedColormap.from_list("bad", ["#ffffff", COLORS["warn"]])
    vmax = max(int(m.to_numpy().max()), 1)
    steering = [c not in ("other", "not_reported", "not_followed_up") for c in m.columns]
    counts = m.to_numpy()
    for i in range(n_rows):
        for j in range(n_cols):
            v = int(counts[i, j])
            cmap = good if steering[j] else bad
            colour = cmap(0.25 + 0.75 * v / vmax) if v else "#ffffff"
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="#cccccc"))
            if v:
                ax.text(
                    j + 0.5,
                    i + 0.5,
                    str(v),
                    ha="center",
                    va="center",
                    fontsize=11,
                    color="white" if v / vmax > 0.5 else "black",
                )
        if int(m.iloc[i].sum()) == 0:
            ax.text(n_cols / 2, i + 0.5, "–", ha="center", va="center", color=COLORS["muted"])
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    ax.set_xticks(np.arange(n_cols) + 0.5)
    ax.set_xticklabels([col_labels.get(c, c) for c in m.columns], rotation=20, ha="right")
    ax.set_yticks(np.arange(n_rows) + 0.5)
    ax.set_yticklabels([row_labels.get(a, a) for a in m.index])
    ax.tick_params(length=0)
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return fig

"""Figures for the method-validation page: event studies of the staggered estimator.

Each function takes computed frames and labels (already in the report's language) and returns
a matplotlib ``Figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..style import COLORS


def event_study(
    es: pd.DataFrame,
    xlabel: str,
    ylabel: str,
    title: str,
    scale: float = 1.0,
    reference: float | None = None,
    reference_label: str = "",
):
    """Effects by event time (periods since adoption; before it, one-period placebo changes)
    with their intervals; optionally a horizontal reference line (e.g. a published figure)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    d = es.sort_values("event_time")
    x = d["event_time"].to_numpy()
    y = scale * d["att"].to_numpy()
    err = np.vstack([y - scale * d["low"].to_numpy(), scale * d["high"].to_numpy() - y])
    pre = x < 0
    for mask, col in ((pre, COLORS["muted"]), (~pre, COLORS["outcome"])):
        ax.errorbar(x[mask], y[mask], yerr=err[:, mask], fmt="o", ms=4, color=col, elinewidth=1.0, capsize=0)
    ax.axhline(0, color="black", lw=0.7)
    ax.axvline(-0.5, color=COLORS["muted"], lw=0.8, ls="--")
    if reference is not None:
        ax.axhline(scale * reference, color=COLORS["warn"], lw=1.0, ls=":", label=reference_label)
        ax.legend(fontsize=8, loc="upper left")
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig

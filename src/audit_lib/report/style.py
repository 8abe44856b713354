"""One figure style for every report, with deterministic SVG output."""

from __future__ import annotations

import matplotlib

# colours: target (grey), outcome (blue), interval (light blue), warning (orange)
COLORS = {
    "target": "#6b6b6b",
    "outcome": "#1f5f99",
    "interval": "#a9c8e8",
    "warn": "#c65a00",
    "ok": "#2b7a3d",
    "muted": "#9a9a9a",
}


def setup_matplotlib() -> None:
    matplotlib.use("Agg", force=False)
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "audit-lib",  # fixed ids in SVG: identical bytes on rerun
            "svg.fonttype": "path",
            # data text (categories, titles, names) is drawn as written: "$" never starts math
            # text, so "Fordon $x^{{{$" neither crashes a figure nor turns into a formula
            "text.parse_math": False,
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "figure.figsize": (7.5, 3.6),
            "figure.dpi": 96,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 11,
            "legend.frameon": False,
        }
    )

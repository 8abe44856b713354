"""Figures do not overlap their labels: drawn with matplotlib's renderer, no two tick labels
of a figure (within one panel or between neighbouring panels) intersect, and no legend covers
a data point. Checked on the figure functions with hand-made data shaped like the demo's."""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from audit_lib.report.figures import causality as cfig  # noqa: E402
from audit_lib.report.figures.decision_level import values_against_thresholds  # noqa: E402
from audit_lib.report.style import setup_matplotlib  # noqa: E402


@pytest.fixture(autouse=True)
def _style():
    setup_matplotlib()
    yield
    plt.close("all")


def _tick_boxes(fig):
    """(axes index, text, bbox) of every panel title and every visible, non-empty tick label in
    view, in display pixels."""
    renderer = fig.canvas.get_renderer()
    boxes = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        if ax.get_title().strip():
            boxes.append((i, ax.get_title(), ax.title.get_window_extent(renderer)))
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for loc, lab in zip(axis.get_majorticklocs(), axis.get_majorticklabels()):
                if lab.get_visible() and lab.get_text().strip() and low <= loc <= high:
                    boxes.append((i, lab.get_text(), lab.get_window_extent(renderer)))
    return boxes


def overlapping_labels(fig) -> list[tuple[str, str]]:
    """Pairs of labels (titles, tick labels) whose boxes intersect (by more than half a pixel)."""
    fig.canvas.draw()
    found = []
    for (_, ta, a), (_, tb, b) in itertools.combinations(_tick_boxes(fig), 2):
        w = min(a.x1, b.x1) - max(a.x0, b.x0)
        h = min(a.y1, b.y1) - max(a.y0, b.y0)
        if w > 0.5 and h > 0.5:
            found.append((ta, tb))
    return found


def points_under_legend(fig) -> int:
    """How many drawn data points (line vertices, scatter offsets) lie inside a legend's box."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legends = [lg for ax in fig.axes for lg in [ax.get_legend()] if lg is not None] + list(fig.legends)
    boxes = [lg.get_window_extent(renderer) for lg in legends]
    n = 0
    for ax in fig.axes:
        pts = [
            ax.transData.transform(np.column_stack(line.get_data()).astype(float))
            for line in ax.get_lines()
            if len(line.get_xdata()) and line.get_linestyle() in ("None", "") or line.get_marker() not in ("None", "")
        ]
        pts += [c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections if len(c.get_offsets())]
        for p in pts:
            p = p[np.isfinite(p).all(axis=1)]
            for b in boxes:
                n += int(((p[:, 0] > b.x0) & (p[:, 0] < b.x1) & (p[:, 1] > b.y0) & (p[:, 1] < b.y1)).sum())
    return n


def test_the_checks_see_an_overlap_and_a_covered_point():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1, 2], [0, 1, 2], "o", label="points")
    ax.set_xticks([0, 0.02, 0.04], ["a long label", "another long one", "third"])
    ax.legend(loc="center")
    assert overlapping_labels(fig)
    assert points_under_legend(fig) >= 1


def _price_frame(n_categories=9, regions=("Norr", "Syd", "Väst"), months=84):
    rng = np.random.default_rng(1)
    idx = pd.date_range("2018-01-01", periods=months, freq="MS")
    rows = [
        {"category": f"Kategori {c}", "region": r, "month": m, "index": 100 + rng.normal(0, 3)}
        for c in range(n_categories)
        for r in regions
        for m in idx
    ]
    cells = pd.DataFrame(
        [
            {
                "category": f"Kategori {c}",
                "region": r,
                "date__coordination": pd.Timestamp("2021-03-01") if c % 2 else pd.NaT,
            }
            for c in range(n_categories)
            for r in regions
        ]
    )
    return pd.DataFrame(rows), cells


def test_price_index_small_multiples_keep_their_year_labels_apart():
    frame, cells = _price_frame()
    fig = cfig.price_index(frame, cells, ["coordination"], {"coordination": "Samordnat avtal"}, "prisindex")
    assert not overlapping_labels(fig)


def test_decision_level_legend_covers_no_point():
    rng = np.random.default_rng(2)
    checked = pd.DataFrame(
        {
            "region": ["R1"] * 30 + ["R2"] * 30,
            "procurement_id": [f"P{i:03d}" for i in range(60)],
            "estimated_value_sek": rng.lognormal(14, 1.5, 60),
            "violation": [i % 9 == 0 for i in range(60)],
        }
    )
    thresholds = {"R1": [(1e6, "Nämnd"), (1e7, "Styrelse")], "R2": [(5e6, "Styrelse")]}
    fig = values_against_thresholds(
        checked, thresholds, {"ok": "Inom regeln", "violation": "Avvikelse"}, "Värde (mnkr)"
    )
    assert points_under_legend(fig) == 0
    assert not overlapping_labels(fig)


def test_event_studies_keep_long_titles_apart_and_the_legend_off_the_points():
    groups = ["ecommerce", "category_management", "coordination", "ecommerce+category_management"]
    es = pd.DataFrame(
        [
            {
                "group": g,
                "estimator": est,
                "event_time": k,
                "estimate": -0.03 - 0.1 * (k == -6),
                "ci_low": -0.06 - 0.1 * (k == -6),
                "ci_high": 0.0,
            }
            for g in groups
            for est in ("imputation", "twfe")
            for k in range(-6, 13)
        ]
    )
    titles = {g: f"{g.replace('_', ' ').title()} (tillsammans) (lägsta förtrendtest-p = 0,251)" for g in groups}
    fig = cfig.event_studies(
        es, groups, titles, {"imputation": "Imputation (robust)", "twfe": "TWFE"}, "månader från start", "effekt (%)"
    )
    assert not overlapping_labels(fig)
    assert points_under_legend(fig) == 0

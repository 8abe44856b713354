"""Causality, step 3: diagnostics beside the main estimates.

A placebo with shifted dates, leave-one-wave-out, the naive before/after comparison and the
unit-value comparison (the last two shown only as warnings of what simpler methods say).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...stats.staggered import NEVER
from ...stats.threads import single_threaded_blas
from .estimate import Settings, robust_effects
from .identify import CausalityData


@single_threaded_blas()
def placebo(data: CausalityData, s: Settings) -> pd.DataFrame:
    """Every start moved ``placebo_shift`` months earlier, estimated on the months before the
    real starts only: the placebo effects should be zero (``covers_zero``)."""
    p = data.panel()
    sub = p.subset(~p.treated())
    starts = {g: np.where(st < NEVER, st - s.placebo_shift, NEVER) for g, st in p.starts.items()}
    att, _, _ = robust_effects(sub.with_starts(starts), s)
    att["covers_zero"] = (att["ci_low"] <= 0) & (att["ci_high"] >= 0)
    return att


@single_threaded_blas()
def leave_one_wave_out(data: CausalityData, s: Settings) -> pd.DataFrame:
    """For each group and each year in which it started somewhere (a rollout wave), drop the
    cells that started it that year and estimate again. Columns ``group, wave,
    n_cells_dropped, estimate, se, ci_low, ci_high``. The point is the stability of the
    estimate, so the intervals here are the quicker CR1 ones (t(G - 1)), narrower than the
    jackknife intervals of the main estimates."""
    p = data.panel()
    rows = []
    last = int(p.time.max())
    for g in data.groups:
        st = data.cells[f"start__{g}"].to_numpy()
        inside = (st > 0) & (st <= last)
        if not inside.any():
            continue
        years = data.origin.year + (st + data.origin.month - 1) // 12
        for wave in sorted(set(years[inside].tolist())):
            drop_units = data.cells["unit"].to_numpy()[inside & (years == wave)]
            keep = ~np.isin(p.unit, drop_units)
            att, _, _ = robust_effects(p.subset(keep), s, jackknife=False)
            r = att[att["group"] == g].iloc[0]
            rows.append(
                {
                    "group": g,
                    "wave": int(wave),
                    "n_cells_dropped": int(len(drop_units)),
                    "estimate": r["estimate"],
                    "se": r["se"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                }
            )
    return pd.DataFrame(rows, columns=["group", "wave", "n_cells_dropped", "estimate", "se", "ci_low", "ci_high"])


def naive_before_after(data: CausalityData, window: int) -> pd.DataFrame:
    """What a plain before/after comparison says: per treated cell, mean log index in the
    ``window`` months from the start minus the ``window`` months before, averaged over cells.
    It ignores the price trend and the other initiatives: shown only as a warning."""
    f = data.frame
    unit, time, y = f["unit"].to_numpy(), f["time"].to_numpy(), f["y"].to_numpy(float)
    order = np.argsort(unit, kind="stable")  # each cell's months in the frame's order
    bounds = (
        np.searchsorted(unit[order], data.cells["unit"].to_numpy(), side="left"),
        np.searchsorted(unit[order], data.cells["unit"].to_numpy(), side="right"),
    )
    rows = []
    for g in data.groups:
        diffs = []
        for lo, hi, s in zip(*bounds, data.cells[f"start__{g}"]):
            if s >= NEVER:
                continue
            idx = order[lo:hi]
            t = time[idx]
            after = y[idx[(t >= s) & (t < s + window)]]
            before = y[idx[(t < s) & (t >= s - window)]]
            if len(after) >= window // 2 and len(before) >= window // 2:
                diffs.append(after.mean() - before.mean())
        rows.append(
            {
                "group": g,
                "estimate": float(np.mean(diffs)) if diffs else np.nan,
                "n_cells": len(diffs),
                "min": float(np.min(diffs)) if diffs else np.nan,
                "max": float(np.max(diffs)) if diffs else np.nan,
            }
        )
    return pd.DataFrame(rows)


@single_threaded_blas()
def unit_value_comparison(data: CausalityData, s: Settings) -> pd.DataFrame:
    """The robust estimator run on the log unit value (spend / quantity per cell-month) instead
    of the price index: a product-mix shift shows up as a spurious price effect."""
    p = data.panel("log_unit_value")  # the cell-months with a unit value
    att, _, _ = robust_effects(p, s)
    return att[["group", "estimate", "se", "ci_low", "ci_high", "ci_method"]]

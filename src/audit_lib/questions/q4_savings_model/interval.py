"""The year's enabled savings as a range: a bootstrap over procurements under each baseline, the
range over the baselines, and how concentrated the total is."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def bootstrap_totals(matrix: pd.DataFrame, n_resamples: int, level: float, seed: int, chunk: int = 500) -> pd.DataFrame:
    """Bootstrap over procurements: resample the year's procurements with replacement
    ``n_resamples`` times (seeded) and total each baseline's savings. Rows ``baseline`` with
    ``point`` (the year's total), ``low``/``high`` (percentile interval at ``level``), ``se``
    and the resamples' ``draws`` kept out (not returned) so the result is small."""
    x = matrix.to_numpy(dtype=float)
    n = len(x)
    rng = np.random.default_rng(seed)
    draws = np.empty((n_resamples, x.shape[1]))
    if n == 0:
        draws[:] = 0.0
    else:
        done = 0
        while done < n_resamples:
            k = min(chunk, n_resamples - done)
            idx = rng.integers(0, n, size=(k, n))
            draws[done : done + k] = x[idx].sum(axis=1)
            done += k
    a = (1 - level) / 2
    return pd.DataFrame(
        {
            "baseline": list(matrix.columns),
            "point": x.sum(axis=0),
            "low": np.quantile(draws, a, axis=0),
            "high": np.quantile(draws, 1 - a, axis=0),
            "se": draws.std(axis=0, ddof=1) if n_resamples > 1 else np.zeros(x.shape[1]),
        }
    )


def interval(boot: pd.DataFrame, reported_total: float, baselines: Sequence[str]) -> dict[str, Any]:
    """The year's enabled savings as a range: from the lowest bootstrap lower bound to the
    highest upper bound over ``baselines``; ``reported_position`` says where the register's
    point figure falls (``below``, ``within``, ``above``)."""
    b = boot[boot["baseline"].isin(list(baselines))]
    low, high = float(b["low"].min()), float(b["high"].max())
    pos = "below" if reported_total < low else "above" if reported_total > high else "within"
    return {
        "low": low,
        "high": high,
        "reported": float(reported_total),
        "reported_position": pos,
        "baselines": [x for x in baselines if x in set(b["baseline"])],
        "point_low": float(b["point"].min()),
        "point_high": float(b["point"].max()),
    }


def top_share(savings: pd.Series, k: int) -> float:
    """Share of the total of ``savings`` that comes from its ``k`` largest values: why the
    bootstrap interval is wide when a few procurements carry most of the year's figure."""
    v = savings.dropna()
    total = float(v.sum())
    return float(v.nlargest(k).sum()) / total if total else math.nan

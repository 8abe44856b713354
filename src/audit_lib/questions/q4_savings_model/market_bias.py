"""The market method's bias: its saving grows with the number of bids, also when nothing has
changed (a null model of prices drawn from one distribution)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd


def saving_by_n_bids(baselines: pd.DataFrame, max_n: int = 10) -> pd.DataFrame:
    """By number of approved bids (``max_n`` and more pooled as ``max_n``): procurements, and
    the median saving as a share of the lowest bid under the mean, median and second-lowest
    baselines, plus the smallest mean-based saving (never negative)."""
    b = baselines[baselines["n_approved"] >= 2].copy()
    b["n"] = b["n_approved"].clip(upper=max_n)
    for name in ("mean", "median", "second_lowest"):
        b[f"{name}_share"] = b[name] / b["lowest"]
    g = b.groupby("n")
    out = pd.DataFrame(
        {
            "n_procurements": g.size(),
            "mean_share": g["mean_share"].median(),
            "median_share": g["median_share"].median(),
            "second_lowest_share": g["second_lowest_share"].median(),
            "min_mean_saving": g["mean"].min(),
        }
    )
    return out.reset_index()


def log_price_sd(bids: pd.DataFrame) -> float:
    """Pooled within-procurement standard deviation of the log price of approved bids (over
    procurements with at least two): how much approved bids on the same contract differ."""
    b = bids[bids["approved"].fillna(False).astype(bool)]
    lp = pd.Series(np.log(b["evaluated_price_sek"].astype(float).to_numpy()), index=b.index)
    g = lp.groupby(b["procurement_id"])
    n = g.transform("size")
    dev = (lp - g.transform("mean"))[n >= 2]
    dof = float((g.size()[g.size() >= 2] - 1).sum())
    return float(np.sqrt((dev**2).sum() / dof)) if dof > 0 else math.nan


def null_model(sigma: float, ns: Iterable[int], n_sim: int, seed: int) -> pd.DataFrame:
    """What the market method reports when nothing has changed: for each number of bids ``n``,
    ``n`` prices drawn independently from one log-normal distribution (log-sd ``sigma``),
    the mean simulated saving as a share of the lowest bid under the mean, median and
    second-lowest baselines. The mean-based figure is positive and grows with ``n``."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        x = np.sort(np.exp(rng.normal(0.0, sigma, size=(n_sim, n))), axis=1)
        low = x[:, 0]
        rows.append(
            dict(
                n=int(n),
                mean_share=float(np.mean(x.mean(axis=1) / low - 1)),
                median_share=float(np.mean(np.median(x, axis=1) / low - 1)),
                second_lowest_share=float(np.mean(x[:, 1] / low - 1)) if n >= 2 else math.nan,
            )
        )
    return pd.DataFrame(rows)


def market_bias(by_n: pd.DataFrame, null: pd.DataFrame, market_min_bids: int, max_n: int) -> dict[str, Any]:
    """What the page says about the market method's bias: ``n_procurements`` and
    ``min_mean_saving`` over ``by_n`` (``saving_by_n_bids``), and the null model's mean-based
    share at the register's minimum number of bids (``n_lo``, ``share_lo``; capped at
    ``max_n``) and at its largest number (``n_hi``, ``share_hi``); the null model's part is
    None when the model is empty or has no row for that minimum."""
    out: dict[str, Any] = {
        "n_procurements": int(by_n["n_procurements"].sum()),
        "min_mean_saving": float(by_n["min_mean_saving"].min()) if len(by_n) else math.nan,
        "null": None,
    }
    lo = null[null["n"] == min(market_min_bids, max_n)] if len(null) else null
    if len(lo):
        hi = null.iloc[-1]
        out["null"] = {
            "n_lo": int(lo.iloc[0]["n"]),
            "share_lo": float(lo.iloc[0]["mean_share"]),
            "n_hi": int(hi["n"]),
            "share_hi": float(hi["mean_share"]),
        }
    return out

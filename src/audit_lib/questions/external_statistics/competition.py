"""Competition: tenders per lot and the share of single-tender lots per audited buyer and for
the peers, with intervals (a Wilson interval, and a bootstrap that resamples whole procurements),
and the per-buyer distribution among the peers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..common import wilson_interval
from .groups import AUDITED, PEERS, Groups


# ---------------------------------------------------------------------------------------- intervals
def cluster_bootstrap_mean(
    values: np.ndarray,
    clusters: np.ndarray,
    reps: int,
    level: float,
    rng: np.random.Generator,
) -> tuple[float, float, float]:
    """Mean of ``values`` with a percentile bootstrap interval that resamples whole clusters
    (procurements), so that the lots of one procurement move together. Returns (mean, low, high);
    NaN where there are no values, the point alone (low = high) with a single cluster."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    codes, _ = pd.factorize(pd.Series(clusters))
    k = int(codes.max()) + 1
    sums = np.bincount(codes, weights=values, minlength=k)
    counts = np.bincount(codes, minlength=k).astype(float)
    if k < 2:
        return mean, mean, mean
    draws = rng.integers(0, k, size=(reps, k))
    boot = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
    return mean, float(lo), float(hi)


# ---------------------------------------------------------------------------------------- competition
def competition_figures(
    lots: pd.DataFrame,
    level: float,
    reps: int,
    rng: np.random.Generator,
    min_tenders: int,
) -> dict[str, Any]:
    """Tenders per lot over ``lots``: ``n_lots``, ``n_procurements`` (with lots), ``n_single``,
    ``single_tender_share`` (+ Wilson ``_low``/``_high``, which treats lots as independent, and
    ``_cluster_low``/``_cluster_high`` from resampling whole procurements), ``mean_tenders_per_lot``
    (+ cluster bootstrap ``_low``/``_high``), ``median_tenders_per_lot``, ``n_zero`` (lots without a tender)
    and ``share_min_tenders``: the share of lots with at least ``min_tenders`` tenders."""
    n_t = lots["n_tenders"].dropna().astype(int).to_numpy()
    ids = lots.loc[lots["n_tenders"].notna(), "procurement_id"].astype(str).to_numpy()
    n = len(n_t)
    single = int((n_t == 1).sum())
    lo, hi = wilson_interval(single, n, level)
    mean, mlo, mhi = cluster_bootstrap_mean(n_t, ids, reps, level, rng)
    _, clo, chi = cluster_bootstrap_mean((n_t == 1).astype(float), ids, reps, level, rng)
    return dict(
        n_lots=n,
        n_procurements=int(len(set(ids))),
        n_single=single,
        single_tender_share=single / n if n else float("nan"),
        single_tender_share_low=lo,
        single_tender_share_high=hi,
        single_tender_share_cluster_low=clo,
        single_tender_share_cluster_high=chi,
        mean_tenders_per_lot=mean,
        mean_tenders_per_lot_low=mlo,
        mean_tenders_per_lot_high=mhi,
        median_tenders_per_lot=float(np.median(n_t)) if n else float("nan"),
        n_zero=int((n_t == 0).sum()),
        share_min_tenders=float((n_t >= min_tenders).mean()) if n else float("nan"),
    )


def competition(
    lots: pd.DataFrame,
    groups: Groups,
    level: float = 0.95,
    reps: int = 2000,
    seed: int = 0,
    min_tenders: int = 3,
) -> pd.DataFrame:
    """:func:`competition_figures` per audited buyer, for the audited buyers together
    (``AUDITED``) and for the peers (``PEERS``, all their lots pooled); one row per group.
    Each group's bootstrap has its own stream from ``seed``, so adding a buyer changes no other
    group's interval."""
    lab = lots.assign(group=groups.label(lots["buyer_org_number"]))
    named = [*groups.order, AUDITED, PEERS]
    rows = []
    for i, g in enumerate(named):
        sub = lab[lab["group"].isin(groups.order)] if g == AUDITED else lab[lab["group"] == g]
        rng = np.random.default_rng(np.random.SeedSequence([seed, i if g not in (AUDITED, PEERS) else 10_000 + i]))
        rows.append(dict(group=g, **competition_figures(sub, level, reps, rng, min_tenders)))
    return pd.DataFrame(rows)


def peer_distribution(lots: pd.DataFrame, groups: Groups, min_lots: int) -> pd.DataFrame:
    """One row per buyer (peers and audited) with at least ``min_lots`` lots: ``group``
    (query or ``PEERS``), ``buyer_org_number``, ``buyer_name``, ``n_lots``, ``single_tender_share``,
    ``mean_tenders_per_lot``."""
    lab = lots.assign(group=groups.label(lots["buyer_org_number"]))
    lab = lab[lab["group"].notna() & lab["n_tenders"].notna()]
    g = lab.groupby(["group", "buyer_org_number"])
    out = pd.DataFrame(
        {
            "buyer_name": g["buyer_name"].agg(lambda s: s.value_counts().index[0]),
            "n_lots": g.size(),
            "single_tender_share": g["n_tenders"].agg(lambda s: float((s == 1).mean())),
            "mean_tenders_per_lot": g["n_tenders"].agg(lambda s: float(s.astype(float).mean())),
        }
    ).reset_index()
    return out[out["n_lots"] >= min_lots].sort_values(["group", "buyer_name"]).reset_index(drop=True)


def share_of_peers_below(value: float, peer_values: Sequence[float]) -> float:
    """Where ``value`` stands among the peer buyers: the share of them with a lower value."""
    arr = np.asarray([v for v in peer_values if v == v], dtype=float)
    if not len(arr) or value != value:
        return float("nan")
    return float((arr < value).mean())

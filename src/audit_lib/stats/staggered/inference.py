"""Standard errors (analytic or multiplier bootstrap, clustered), normal intervals and Wald
tests from influence functions."""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from .panel import Panel, PanelError

MAMMEN = ((1 - np.sqrt(5)) / 2, (1 + np.sqrt(5)) / 2)
MAMMEN_P = (np.sqrt(5) + 1) / (2 * np.sqrt(5))  # probability of the first value


def _cluster_sums(panel: Panel, IF: np.ndarray) -> np.ndarray:
    S = np.zeros((panel.cluster.max() + 1, IF.shape[1]))
    np.add.at(S, panel.cluster, IF)
    return S


def standard_errors(
    panel: Panel, IF: np.ndarray, method: str = "analytic", reps: int = 999, seed: int = 0
) -> np.ndarray:
    """Standard errors of estimates with influence functions ``IF`` (units x estimates)."""
    n = len(panel.group)
    S = _cluster_sums(panel, IF)
    if method == "analytic":
        return cast(np.ndarray, np.sqrt((S**2).sum(axis=0)) / n)
    if method != "bootstrap":
        raise PanelError(f"se must be 'analytic' or 'bootstrap', not {method!r}")
    rng = np.random.default_rng(seed)
    V = np.where(rng.random((reps, S.shape[0])) < MAMMEN_P, MAMMEN[0], MAMMEN[1])
    draws = V @ S / n
    q75, q25 = np.percentile(draws, [75, 25], axis=0)
    return cast(np.ndarray, (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25)))


def interval(est: npt.ArrayLike, se: npt.ArrayLike, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = stats.norm.ppf(0.5 + level / 2)
    return np.asarray(est) - z * np.asarray(se), np.asarray(est) + z * np.asarray(se)


def wald_zero(panel: Panel, a: np.ndarray, IF: np.ndarray) -> dict[str, Any] | None:
    """Wald test that estimates ``a`` (influence functions ``IF``) are jointly zero, with their
    cluster-robust covariance; degrees of freedom = its rank."""
    if not len(a):
        return None
    n = len(panel.group)
    S = _cluster_sums(panel, IF)
    V = S.T @ S / n**2
    rank = int(np.linalg.matrix_rank(V))
    stat = float(a @ np.linalg.pinv(V) @ a)
    return {"statistic": stat, "df": rank, "p_value": float(stats.chi2.sf(stat, rank)), "n_estimates": int(len(a))}


def pretrend_test(panel: Panel, frame: pd.DataFrame, IF: np.ndarray) -> dict[str, Any] | None:
    """The pre-adoption ATT(g, t) jointly zero (``did``'s pre-test), with the fewest treated
    units in any of them (with one or two the covariance misses their own variance)."""
    pre = np.flatnonzero((frame["time"] < frame["group"]).to_numpy() & frame["att"].notna().to_numpy())
    out = wald_zero(panel, frame["att"].to_numpy()[pre], IF[:, pre])
    if out is not None:
        out["min_treated_units"] = int(frame["n_treated"].to_numpy()[pre].min())
    return out

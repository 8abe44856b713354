"""Leave-one-cluster-out estimates of the rollout estimators without refitting them.

The cluster jackknife (``linear.jackknife_interval``) re-estimates without each cluster in turn.
Refitting builds the dummies and a pseudo-inverse of the whole design every time; here the
normal equations of the full sample are formed once and one cluster's rows are taken off them
(a downdate: ``X'WX - X_c'W_cX_c``, ``X'Wy - X_c'W_cy_c``), then solved on the small
(parameters x parameters) system. The fixed effects of units and periods that leave with the
cluster become zero rows and columns of the downdated system, so they drop out exactly as they
do when the smaller panel is refitted. What is identified (a target, or, for the imputation
estimator, a treated observation's untreated outcome) is decided by the same projector test as
the refit (``rollout.TOL``), on the row space of the downdated system.

Each function returns a (clusters x targets) array with NaN where the refit marks a target not
estimable, in the order of ``codes``: the same numbers as the refits up to rounding (the tests
compare them with the brute-force refits to 1e-10).
"""

from __future__ import annotations

import numpy as np

from .imputation import imputation_targets, leads_design, twfe_event_design, twfe_static_design
from .rollout import TOL, RolloutPanel, event_columns, fe_matrix


def _pinv_sym(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-inverse of a symmetric positive semi-definite matrix and the projector on its
    range. Eigenvalues below 1e-10 of the largest count as zero: the systems here are cross
    products of dummies, whose true zero eigenvalues come out at rounding level and whose
    smallest non-zero ones are of the order of one observation's weight."""
    k = M.shape[0]
    if k == 0 or not np.any(M):
        return np.zeros_like(M), np.zeros_like(M)
    s, V = np.linalg.eigh(M)
    keep = s > s.max() * 1e-10
    Vk = V[:, keep]
    return (Vk / s[keep]) @ Vk.T, Vk @ Vk.T


def _solve(M: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A least-squares solution of the normal equations ``M x = b`` (one step of iterative
    refinement) and the projector on the row space of the design."""
    Mi, P = _pinv_sym(M)
    x = Mi @ b
    x = x + Mi @ (b - M @ x)
    return x, P


def _estimable(L: np.ndarray, P: np.ndarray) -> np.ndarray:
    """As ``rollout.estimable_rows``: the rows of L in the design's row space."""
    return np.asarray(np.linalg.norm(L - L @ P, axis=1) <= TOL * np.maximum(1.0, np.linalg.norm(L, axis=1)))


def _weights(p: RolloutPanel) -> np.ndarray:
    return np.ones(len(p.y)) if p.weight is None else p.weight


def _cross(X: np.ndarray, w: np.ndarray, rows: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Xr = X[rows] * w[rows, None]
    return Xr.T @ X[rows], Xr.T @ y[rows]


def ols_loo(
    p: RolloutPanel, X: np.ndarray, L: np.ndarray, use: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Targets ``L @ beta`` of the (weighted) regression of y on X over the rows ``use``, without
    each cluster of ``codes`` in turn: (estimates with NaN where not estimable, estimable)."""
    w = _weights(p)
    M, b = _cross(X, w, np.flatnonzero(use), p.y)
    out = np.full((len(codes), L.shape[0]), np.nan)
    ok = np.zeros((len(codes), L.shape[0]), dtype=bool)
    for i, c in enumerate(codes):
        Mc, bc = _cross(X, w, np.flatnonzero(use & (p.cluster == c)), p.y)
        beta, P = _solve(M - Mc, b - bc)
        ok[i] = _estimable(L, P)
        out[i] = np.where(ok[i], L @ beta, np.nan)
    return out, ok


def twfe_static_loo(p: RolloutPanel, codes: np.ndarray) -> np.ndarray:
    """``twfe_static`` refitted without each cluster (estimates; NaN: not estimable)."""
    X, L, _ = twfe_static_design(p)
    return ols_loo(p, X, L, np.ones(len(p.y), dtype=bool), codes)[0]


def twfe_event_study_loo(p: RolloutPanel, pre: int, post: int, codes: np.ndarray) -> np.ndarray:
    """``twfe_event_study`` refitted without each cluster."""
    X, L, _ = twfe_event_design(p, pre, post)
    return ols_loo(p, X, L, np.ones(len(p.y), dtype=bool), codes)[0]


def leads_loo(p: RolloutPanel, pre: int, codes: np.ndarray) -> np.ndarray:
    """``pretrend_fit(...).leads`` refitted without each cluster (a lead with no observation
    left is not estimable, as in the refit)."""
    X, L, _, untreated = leads_design(p, pre)
    est, _ = ols_loo(p, X, L, untreated, codes)
    k = X.shape[1] - L.shape[0]
    for i, c in enumerate(codes):
        has = X[untreated & (p.cluster != c)][:, k:].sum(axis=0) > 0
        est[i, ~has] = np.nan
    return est


def imputation_names(p: RolloutPanel, post: int) -> list[tuple[str, int | str]]:
    """The target names of ``imputation(p, post)``, in its order."""
    events = [(g, ell) for g in p.groups for ell in range(post + 1)]
    return [*events, *((g, "att") for g in p.groups)]


def imputation_loo(p: RolloutPanel, post: int, codes: np.ndarray) -> np.ndarray:
    """``imputation`` refitted without each cluster: stage 1 (unit and period effects on the
    untreated observations) from the downdated normal equations, then stage 2 (the imputed
    differences on the event-time dummies) on the imputable treated observations left."""
    w = _weights(p)
    treated = p.treated()
    untreated = ~treated
    Z = fe_matrix(p.unit, p.time)
    M, b = _cross(Z, w, np.flatnonzero(untreated), p.y)
    E, names = event_columns(p, 0, post, bin_low=False)
    out = []
    for c in codes:
        keep = p.cluster != c
        Mc, bc = _cross(Z, w, np.flatnonzero(untreated & ~keep), p.y)
        theta1, P1 = _solve(M - Mc, b - bc)
        cand = np.flatnonzero(treated & keep)
        Zt = Z[cand]
        t_idx = cand[np.linalg.norm(Zt - Zt @ P1, axis=1) <= TOL]
        X2 = E[t_idx]
        counts = X2.sum(axis=0)
        L, _ = imputation_targets(p, names, counts if p.weight is None else w[t_idx] @ X2)
        N2, _ = _cross(X2, w[t_idx], np.arange(len(t_idx)), np.zeros(len(t_idx)))
        yt = p.y[t_idx] - Z[t_idx] @ theta1
        coef, P2 = _solve(N2, X2.T @ (w[t_idx] * yt))
        has_obs = np.concatenate([counts > 0, np.ones(len(p.groups), dtype=bool)])
        ok = _estimable(L, P2) & has_obs & (np.abs(L).sum(axis=1) > 0)
        out.append(np.where(ok, L @ coef, np.nan))
    return np.array(out).reshape(len(codes), -1)

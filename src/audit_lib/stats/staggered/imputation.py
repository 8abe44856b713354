"""Staggered adoption with one or more treatments: two-way fixed effects, the imputation
estimator and the pre-trend fit, on a ``RolloutPanel`` (``rollout_panel`` builds it from the
same long table as ``att_gt``).

The panel is units (e.g. category x region cells) observed over periods (e.g. months); each
treatment ``g`` starts in unit ``i`` at period ``starts[g][i]`` (``NEVER`` if it never does) and
stays on. Event time is ``e = t - start``. Effects are additive across treatments on the
outcome (e.g. a log price index). With weights, both stages are weighted least squares and a
treatment's average effect is weighted by them too; without, every observation counts once.

**Two-way fixed effects (TWFE)** regresses the outcome on unit and period dummies and one
dummy per treatment. With staggered starts and effects that change over time or differ between
units, TWFE compares newly treated units with units treated earlier, whose outcomes still move
with their own effects; the weights of that comparison can even be negative, so the estimate
need not lie between the true effects (Goodman-Bacon 2021; de Chaisemartin and D'Haultfoeuille
2020). The event-study version (leads and lags, reference period -1, end points binned) is
shown beside the robust one.

**Imputation (two-stage) estimator** (Borusyak, Jaravel and Spiess 2024; Gardner 2022):
1. fit unit and period effects on the untreated observations only (no treatment on yet);
2. for each treated observation the untreated outcome is imputed from them, and the difference
   ``y - a_i - l_t`` is regressed on event-time dummies of each treatment (periods
   0 .. post - 1 one by one, ``post`` and later pooled). Already-treated units never serve as
   controls. The average effect of a treatment is the average of its event-time effects
   weighted by their numbers of treated observations (its effect averaged over its treated
   unit-periods).
Treated observations whose unit has no untreated period, or whose period has no untreated
unit, cannot be imputed and are left out (counted in ``meta``).

**Pre-trend test** (as Borusyak et al. recommend): on the untreated observations only, add
dummies for the ``pre`` periods before each start and test them jointly (Wald, wild cluster
bootstrap with the null imposed). Under parallel trends they are zero.

All three are linear in the outcome, so ``audit_lib.stats.linear`` gives their cluster-robust
and cluster-jackknife standard errors and the bootstrap pre-trend test. A target the design cannot identify (e.g. two
treatments that always start together) is marked not estimable rather than given a number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..linear import LinearEstimate
from .rollout import TOL, RolloutPanel, estimable_rows, event_columns, fe_matrix, weighted_pinv


def _ols(p: RolloutPanel, X: np.ndarray, L: np.ndarray, names: list[Any], use: np.ndarray) -> LinearEstimate:
    """OLS of y on X over the observations ``use``; the targets are the combinations ``L`` of
    the coefficients."""
    n = len(p.y)
    Xu = X[use]
    Xp, rank = weighted_pinv(Xu, None if p.weight is None else p.weight[use])
    A = np.zeros((L.shape[0], n))
    A[:, use] = L @ Xp
    est_ok = estimable_rows(L, Xu, Xp)

    def resid_op(Y: np.ndarray) -> np.ndarray:
        R = np.zeros_like(Y, dtype=float)
        R[use] = Y[use] - Xu @ (Xp @ Y[use])
        return R

    resid = resid_op(p.y[:, None])[:, 0]
    return LinearEstimate(names, A, p.y, resid, resid_op, p.cluster, rank, estimable=est_ok, n_obs=int(use.sum()))


def _pick(X: np.ndarray, k: int) -> np.ndarray:
    """Targets: the coefficients of X's columns from ``k`` on."""
    return np.eye(X.shape[1])[k:]


def twfe_static_design(p: RolloutPanel) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Unit and period dummies and one on-dummy per treatment; targets the treatments."""
    Z = fe_matrix(p.unit, p.time)
    D = np.column_stack([p.active(g).astype(float) for g in p.groups])
    X = np.hstack([Z, D])
    return X, _pick(X, Z.shape[1]), list(p.groups)


def twfe_static(p: RolloutPanel) -> LinearEstimate:
    """y on unit and period dummies and one on-dummy per treatment; targets: the treatments."""
    X, L, names = twfe_static_design(p)
    return _ols(p, X, L, names, np.ones(len(p.y), dtype=bool))


def twfe_event_design(p: RolloutPanel, pre: int, post: int) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Unit and period dummies and the event-time dummies of ``twfe_event_study``."""
    Z = fe_matrix(p.unit, p.time)
    E, names = event_columns(p, -pre, post, skip=(-1,))
    X = np.hstack([Z, E])
    return X, _pick(X, Z.shape[1]), list(names)


def twfe_event_study(p: RolloutPanel, pre: int, post: int) -> LinearEstimate:
    """Dynamic TWFE: leads ``-pre`` (pooled below) .. lags ``post`` (pooled above), reference -1."""
    X, L, names = twfe_event_design(p, pre, post)
    return _ols(p, X, L, names, np.ones(len(p.y), dtype=bool))


def imputation_targets(
    p: RolloutPanel, names: list[tuple[str, int]], counts: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, int | str]]]:
    """Target rows: each event-time coefficient, then each treatment's average weighted by counts."""
    n_coef = len(names)
    L_rows: list[np.ndarray] = []
    t_names: list[tuple[str, int | str]] = []  # (treatment, event time) then (treatment, "att")
    for j, nm in enumerate(names):
        row = np.zeros(n_coef)
        row[j] = 1.0
        L_rows.append(row)
        t_names.append(nm)
    for g in p.groups:
        js = [j for j, (gg, _) in enumerate(names) if gg == g]
        row = np.zeros(n_coef)
        tot = counts[js].sum()
        if tot > 0:
            row[js] = counts[js] / tot
        L_rows.append(row)
        t_names.append((g, "att"))
    return np.array(L_rows), t_names


def _two_stage_resid_op(
    Z: np.ndarray,
    Zu: np.ndarray,
    Zup: np.ndarray,
    X2: np.ndarray,
    X2p: np.ndarray,
    u_idx: np.ndarray,
    t_idx: np.ndarray,
) -> Callable[[np.ndarray], np.ndarray]:
    """Residuals of both stages: untreated on the fixed effects, treated on the event-time dummies."""

    def resid_op(Y: np.ndarray) -> np.ndarray:
        theta1 = Zup @ Y[u_idx]
        R = np.zeros_like(Y, dtype=float)
        R[u_idx] = Y[u_idx] - Zu @ theta1
        Yt = Y[t_idx] - Z[t_idx] @ theta1
        R[t_idx] = Yt - X2 @ (X2p @ Yt)
        return R

    return resid_op


def imputation(p: RolloutPanel, post: int) -> LinearEstimate:
    """The imputation / two-stage estimator; targets ``(g, ell)`` for ell = 0 .. post (post
    pooled) and ``(g, "att")``, the average effect over g's treated observations.

    ``meta``: ``n_by_target`` (treated observations behind each target, unweighted), ``imputable`` (mask of
    observations used), ``n_not_imputable`` (treated observations left out)."""
    n = len(p.y)
    treated = p.treated()
    untreated = ~treated
    Z = fe_matrix(p.unit, p.time)
    Zu = Z[untreated]
    w = p.weight
    Zup, rank_u = weighted_pinv(Zu, None if w is None else w[untreated])
    # a treated observation can be imputed if its unit-period combination is identified
    P = Zup @ Zu
    imputable_t = treated & (np.linalg.norm(Z - Z @ P, axis=1) <= TOL)
    E, names = event_columns(p, 0, post, bin_low=False, mask=imputable_t)
    t_idx = np.flatnonzero(imputable_t)
    u_idx = np.flatnonzero(untreated)
    X2 = E[t_idx]
    X2p, rank_t = weighted_pinv(X2, None if w is None else w[t_idx]) if len(t_idx) else (np.zeros((E.shape[1], 0)), 0)
    counts = X2.sum(axis=0)
    n_coef = E.shape[1]
    L, t_names = imputation_targets(p, names, counts if w is None else w[t_idx] @ X2)
    has_obs = np.array([counts[j] > 0 for j in range(n_coef)] + [True] * len(p.groups))
    est_ok = estimable_rows(L, X2, X2p) & has_obs & (np.abs(L).sum(axis=1) > 0)
    B2 = L @ X2p  # (q, n_t): targets from the residualised treated outcomes
    A = np.zeros((L.shape[0], n))
    A[:, t_idx] = B2
    A[:, u_idx] = -(B2 @ Z[t_idx]) @ Zup
    resid_op = _two_stage_resid_op(Z, Zu, Zup, X2, X2p, u_idx, t_idx)
    resid = resid_op(p.y[:, None])[:, 0]
    k = rank_u + rank_t
    meta = {
        "n_by_target": [int(c) for c in counts]
        + [int(counts[[j for j, (gg, _) in enumerate(names) if gg == g]].sum()) for g in p.groups],
        "imputable": imputable_t | untreated,
        "n_not_imputable": int((treated & ~imputable_t).sum()),
        "n_treated": int(imputable_t.sum()),
        "n_untreated": int(untreated.sum()),
    }
    return LinearEstimate(
        t_names, A, p.y, resid, resid_op, p.cluster, k, estimable=est_ok, n_obs=int(len(t_idx) + len(u_idx)), meta=meta
    )


@dataclass
class PretrendFit:
    """Leads on the untreated observations, and the restricted (no-lead) fit for the bootstrap."""

    leads: LinearEstimate  # targets (g, -ell), ell = 1 .. pre
    null_fitted: np.ndarray
    null_resid: np.ndarray


def leads_design(p: RolloutPanel, pre: int) -> tuple[np.ndarray, np.ndarray, list[Any], np.ndarray]:
    """Unit and period dummies and the leads of ``pretrend_fit``, and the untreated mask."""
    untreated = ~p.treated()
    Z = fe_matrix(p.unit, p.time)
    cols, names = [], []
    for g in p.groups:
        e = p.event_time(g)
        for ell in range(1, pre + 1):
            cols.append(((e == -ell) & untreated).astype(float))
            names.append((g, -ell))
    X = np.hstack([Z, np.column_stack(cols)]) if cols else Z
    return X, _pick(X, Z.shape[1]), names, untreated


def pretrend_fit(p: RolloutPanel, pre: int) -> PretrendFit:
    X, L, names, untreated = leads_design(p, pre)
    k = X.shape[1] - L.shape[0]
    leads = _ols(p, X, L, names, untreated)
    has = X[untreated][:, k:].sum(axis=0) > 0
    leads.estimable = leads.estimable & has
    Zu = X[untreated][:, :k]
    fitted0 = np.zeros(len(p.y))
    fitted0[untreated] = Zu @ (weighted_pinv(Zu, None if p.weight is None else p.weight[untreated])[0] @ p.y[untreated])
    resid0 = np.where(untreated, p.y - fitted0, 0.0)
    fitted0 = np.where(untreated, fitted0, p.y)
    return PretrendFit(leads, fitted0, resid0)

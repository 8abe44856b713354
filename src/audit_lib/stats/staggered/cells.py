"""Each group-time effect ATT(g, t) with its influence function over units: the plain
difference in differences, or with covariates by outcome regression or doubly robust."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .panel import Panel, PanelError


METHODS = ("reg", "dr")
OVERLAP = 0.999  # a cell whose fitted propensity score reaches this is not estimable (as did)
TRIM = 0.995  # controls with a propensity score from this on get no weight (as DRDID)


def cells(panel: Panel, control: str = "never", method: str = "reg") -> tuple[pd.DataFrame, np.ndarray]:
    """Every ATT(g, t) with its influence function (units x cells). Cells without treated or
    control units are kept with ``att`` NaN and an influence function of zeros. With
    covariates, ``method`` is ``reg`` (outcome regression) or ``dr`` (doubly robust)."""
    if control not in ("never", "notyet"):
        raise PanelError(f"control must be 'never' or 'notyet', not {control!r}")
    if method not in METHODS:
        raise PanelError(f"method must be 'reg' or 'dr', not {method!r}")
    covariate_cell = _dr_cell if method == "dr" else _regression_cell
    P, G, w, Y = panel.periods, panel.group, panel.weight, panel.Y
    n = len(G)
    rows, infs = [], []
    for g in np.unique(G[G > 0]):
        before = np.flatnonzero(P < g)
        for ti in range(1, len(P)):
            t = P[ti]
            bi = before[-1] if t >= g else ti - 1
            ctrl = (G == 0) if control == "never" else ((G == 0) | ((G > t) & (G != g)))
            seen = ~np.isnan(Y[:, ti]) & ~np.isnan(Y[:, bi])
            d, c = (G == g) & seen, ctrl & seen
            dy = np.where(seen, Y[:, ti] - Y[:, bi], 0.0)
            inf = np.zeros(n)
            att = np.nan
            if d.any() and c.any():
                att, inf = _plain_cell(w, d, c, dy) if panel.X is None else covariate_cell(panel.X, w, d, c, dy)
            rows.append(
                {
                    "group": g,
                    "time": t,
                    "base": P[bi],
                    "event_time": t - g,
                    "att": att,
                    "n_treated": int(d.sum()),
                    "n_control": int(c.sum()),
                }
            )
            infs.append(inf)
    frame = pd.DataFrame(rows, columns=["group", "time", "base", "event_time", "att", "n_treated", "n_control"])
    return frame, (np.column_stack(infs) if infs else np.zeros((n, 0)))


def _plain_cell(w: np.ndarray, d: np.ndarray, c: np.ndarray, dy: np.ndarray) -> tuple[float, np.ndarray]:
    """One cell without covariates: the adopters' mean change minus the controls'."""
    n = len(w)
    p1, p0 = (w * d).sum() / n, (w * c).sum() / n
    m1, m0 = (w * d * dy).sum() / (n * p1), (w * c * dy).sum() / (n * p0)
    return float(m1 - m0), w * d * (dy - m1) / p1 - w * c * (dy - m0) / p0


def _regression_cell(
    X: np.ndarray, w: np.ndarray, d: np.ndarray, c: np.ndarray, dy: np.ndarray
) -> tuple[float, np.ndarray]:
    """One cell by outcome regression: the controls' change regressed on the covariates, the
    adopters' mean change minus their predicted change; the influence function (over all
    ``n`` units) includes the coefficients' estimation. Without covariates (``X`` an
    intercept) it is the plain difference in means."""
    n = len(w)
    wc = w * c
    A = (X * wc[:, None]).T @ X / n
    if np.linalg.matrix_rank(A) < X.shape[1]:
        return float("nan"), np.zeros(n)  # the controls cannot identify the coefficients
    beta = np.linalg.solve(A, (X * wc[:, None]).T @ dy / n)
    pred = X @ beta
    wd = w * d
    p1 = wd.sum() / n
    m1, m_pred = (wd * dy).sum() / (n * p1), (wd * pred).sum() / (n * p1)
    lin_ols = (wc * (dy - pred))[:, None] * X @ np.linalg.inv(A)  # each unit's share of beta - beta_hat
    M1 = (wd[:, None] * X).sum(axis=0) / n
    inf = wd * (dy - m1) / p1 - (wd * (pred - m_pred) + lin_ols @ M1) / p1
    return float(m1 - m_pred), inf


def logit(X: np.ndarray, y: np.ndarray, w: np.ndarray, max_iter: int = 100, tol: float = 1e-10) -> np.ndarray | None:
    """Weighted logistic regression of ``y`` (0/1) on ``X`` by Newton's method; fitted
    probabilities, or None where the information matrix is singular or it does not converge
    (the weight-zero units do not count)."""
    beta = np.zeros(X.shape[1])
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-np.clip(X @ beta, -700, 700)))
        H = (X * (w * p * (1 - p))[:, None]).T @ X
        if np.linalg.matrix_rank(H) < X.shape[1]:
            return None
        step = np.linalg.solve(H, X.T @ (w * (y - p)))
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            return 1 / (1 + np.exp(-np.clip(X @ beta, -700, 700)))
    return None


def _dr_cell(X: np.ndarray, w: np.ndarray, d: np.ndarray, c: np.ndarray, dy: np.ndarray) -> tuple[float, np.ndarray]:
    """One cell by the doubly robust estimator of Sant'Anna and Zhao (2020, panel data, as
    DRDID's ``drdid_panel``, ``did``'s default): the probability of adopting given the
    covariates (logistic regression over the cell's adopters and controls) reweights the
    controls to look like the adopters, and the controls' change regressed on the covariates
    is taken off both sides. It is consistent when either model is right. The influence
    function (over all ``n`` units) includes both models' estimation. The cell is not
    estimable where a fitted probability reaches ``OVERLAP`` (no comparable controls);
    controls from ``TRIM`` on get no weight."""
    n = len(w)
    nan = (float("nan"), np.zeros(n))
    ws = w * (d | c)
    A = (X * (w * c)[:, None]).T @ X / n
    ps = logit(X, d.astype(float), ws)
    if ps is None or ps[d | c].max() >= OVERLAP or np.linalg.matrix_rank(A) < X.shape[1]:
        return nan
    ps = np.clip(ps, 1e-6, 1 - 1e-6)
    kept = d | (ps < TRIM)
    resid = dy - X @ np.linalg.solve(A, (X * (w * c)[:, None]).T @ dy / n)
    w1, w0 = kept * w * d, kept * w * c * ps / (1 - ps)
    m1, m0 = w1.mean(), w0.mean()
    eta1, eta0 = (w1 * resid).mean() / m1, (w0 * resid).mean() / m0
    lin_ols = (w * c * resid)[:, None] * X @ np.linalg.inv(A)  # each unit's share of the coefficients
    H = (X * (ws * ps * (1 - ps))[:, None]).T @ X
    lin_ps = (ws * (d - ps))[:, None] * X @ np.linalg.inv(H) * n  # and of the propensity score's
    r0 = w0 * (resid - eta0)
    inf1 = (w1 * (resid - eta1) - lin_ols @ (w1[:, None] * X).mean(axis=0)) / m1
    inf0 = (r0 + lin_ps @ (r0[:, None] * X).mean(axis=0) - lin_ols @ (w0[:, None] * X).mean(axis=0)) / m0
    return float(eta1 - eta0), inf1 - inf0

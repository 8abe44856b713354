"""The observation-level panel of a rollout with one or more treatments, for the imputation
estimator, two-way fixed effects and the pre-trend fit (``imputation``).

``rollout_panel`` takes the same long table as ``att_gt``: one row per unit and period, an
outcome, and the period in which each treatment started in the unit (one adoption column per
treatment, constant within unit; missing = never), optional weights (per row) and clusters
(default: the unit). Periods are integers (months or years as numbers); an adoption at or
before a unit's first period leaves it without an untreated observation, which the estimators
count rather than drop silently. Unlike ``att_gt``'s single adoption column, 0 is a period here,
not "never": a treatment may start in period 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import pandas as pd

from .panel import PanelError, _one_per_unit

NEVER = 1_000_000  # the start of a treatment a unit never gets
TOL = 1e-7


@dataclass(frozen=True)
class RolloutPanel:
    """One observation per unit and period (missing ones are simply absent)."""

    y: np.ndarray
    unit: np.ndarray  # integer codes
    time: np.ndarray  # integer period index
    cluster: np.ndarray  # integer codes
    starts: dict[str, np.ndarray] = field(default_factory=dict)  # treatment -> start per unit code
    weight: np.ndarray | None = None  # per observation (None: all equal)

    @property
    def groups(self) -> list[str]:
        return list(self.starts)

    def event_time(self, g: str) -> np.ndarray:
        return cast(np.ndarray, self.time - self.starts[g][self.unit])

    def active(self, g: str) -> np.ndarray:
        return self.event_time(g) >= 0

    def treated(self) -> np.ndarray:
        out = np.zeros(len(self.y), dtype=bool)
        for g in self.starts:
            out |= self.active(g)
        return out

    def subset(self, mask: np.ndarray) -> RolloutPanel:
        return replace(
            self,
            y=self.y[mask],
            unit=self.unit[mask],
            time=self.time[mask],
            cluster=self.cluster[mask],
            weight=None if self.weight is None else self.weight[mask],
        )

    def with_y(self, y: np.ndarray) -> RolloutPanel:
        return replace(self, y=np.asarray(y, dtype=float))

    def with_starts(self, starts: dict[str, np.ndarray]) -> RolloutPanel:
        return replace(self, starts=starts)


def _numeric(df: pd.DataFrame, col: str, missing_ok: bool) -> np.ndarray:
    num = pd.to_numeric(df[col], errors="coerce")
    bad = num.isna() & (df[col].notna() | (not missing_ok))
    if bad.any():
        what = "numeric" if missing_ok else "a number in every row"
        raise PanelError(f"column {col!r} must be {what}; rows {df.index[bad][:5].tolist()} are not")
    return num.to_numpy(float)


def _integers(values: np.ndarray, col: str, df: pd.DataFrame) -> np.ndarray:
    ok = np.isnan(values) | (values == np.round(values))
    if not ok.all():
        raise PanelError(f"column {col!r} must hold whole periods; rows {df.index[~ok][:5].tolist()} do not")
    return np.where(np.isnan(values), NEVER, values).astype(np.int64)


def rollout_panel(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    adoption: str | Sequence[str] | Mapping[str, str],
    weights: str | None = None,
    cluster: str | None = None,
) -> RolloutPanel:
    """The long table checked and coded (errors name the column and rows). ``adoption``: one
    column, several, or ``{treatment: column}``; each gives the period the treatment started in
    the unit (constant within unit, missing = never). Units and clusters are coded in sorted
    order; periods are kept as they are."""
    cols = (
        {adoption: adoption}
        if isinstance(adoption, str)
        else (dict(adoption) if isinstance(adoption, Mapping) else {c: c for c in adoption})
    )
    need = [unit, time, outcome, *cols.values()] + [c for c in (weights, cluster) if c]
    missing = [c for c in dict.fromkeys(need) if c not in data.columns]
    if missing:
        raise PanelError(f"column(s) {', '.join(map(repr, missing))} not in the panel; it has {list(data.columns)}")
    df = data[list(dict.fromkeys(need))]
    dup = df.duplicated([unit, time])
    if dup.any():
        raise PanelError(f"more than one row per {unit!r} and {time!r}: rows {df.index[dup][:5].tolist()}")
    y = _numeric(df, outcome, missing_ok=False)
    t = _integers(_numeric(df, time, missing_ok=False), time, df)
    codes, units = pd.factorize(df[unit], sort=True)
    starts = {}
    for g, col in cols.items():
        num = _numeric(df, col, missing_ok=True)
        _integers(num, col, df)
        per_unit = _one_per_unit(df.assign(**{col: num}), unit, col)
        starts[g] = np.where(per_unit.isna(), NEVER, per_unit).astype(np.int64)
    w = None
    if weights:
        w = _numeric(df, weights, missing_ok=False)
        if (w <= 0).any():
            raise PanelError(f"column {weights!r} must be positive; rows {df.index[w <= 0][:5].tolist()} are not")
    cl = codes if cluster is None else pd.factorize(df[cluster], sort=True)[0]
    return RolloutPanel(y, codes.astype(np.int64), t, cl.astype(np.int64), starts, w)


def fe_matrix(unit: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Dense unit and period dummies (rank deficient by one: estimators use pseudo-inverses)."""
    u_codes, u = np.unique(unit, return_inverse=True)
    t_codes, t = np.unique(time, return_inverse=True)
    Z = np.zeros((len(unit), len(u_codes) + len(t_codes)))
    rows = np.arange(len(unit))
    Z[rows, u] = 1.0
    Z[rows, len(u_codes) + t] = 1.0
    return Z


def pinv_rank(X: np.ndarray) -> tuple[np.ndarray, int]:
    """``np.linalg.pinv(X)`` (the same operations, so the same numbers) and the rank of X (as
    ``np.linalg.matrix_rank``) from one singular value decomposition instead of two."""
    if X.size == 0:
        return np.linalg.pinv(X), 0
    u, s, vt = np.linalg.svd(X, full_matrices=False)
    top = s.max()
    rank = int(np.count_nonzero(s > top * max(X.shape) * np.finfo(s.dtype).eps))
    large = s > 1e-15 * top
    inv = np.divide(1, s, where=large, out=s.copy())
    inv[~large] = 0
    return cast(np.ndarray, np.matmul(vt.T, np.multiply(inv[:, None], u.T))), rank


def weighted_pinv(X: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, int]:
    """``P`` with ``P @ y`` the (weighted) least-squares coefficients of y on X (``P @ X`` is the
    projection on X's row space either way), and the rank of X."""
    if w is None:
        return pinv_rank(X)
    s = np.sqrt(w)
    P, rank = pinv_rank(X * s[:, None])
    return P * s[None, :], rank


def estimable_rows(L: np.ndarray, X: np.ndarray, Xp: np.ndarray) -> np.ndarray:
    """Which linear combinations ``L @ beta`` (rows of L) the design X identifies."""
    P = Xp @ X
    return cast(np.ndarray, np.linalg.norm(L - L @ P, axis=1) <= TOL * np.maximum(1.0, np.linalg.norm(L, axis=1)))


def event_columns(
    p: RolloutPanel,
    lo: int,
    hi: int,
    skip: tuple[int, ...] = (),
    bin_low: bool = True,
    bin_high: bool = True,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Event-time dummies per treatment for ``lo <= e <= hi`` (ends pooled), skipping ``skip``."""
    cols, names = [], []
    for g in p.groups:
        e = p.event_time(g)
        never = p.starts[g][p.unit] >= NEVER
        for ell in range(lo, hi + 1):
            if ell in skip:
                continue
            if ell == lo and bin_low:
                d = (e <= lo) & ~never
            elif ell == hi and bin_high:
                d = e >= hi
            else:
                d = e == ell
            if mask is not None:
                d = d & mask
            cols.append(d.astype(float))
            names.append((g, ell))
    X = np.column_stack(cols) if cols else np.zeros((len(p.y), 0))
    return X, names

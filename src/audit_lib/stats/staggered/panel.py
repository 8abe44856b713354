"""The long table checked and turned wide: one row per unit, one column per period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class PanelError(ValueError):
    """The panel cannot be used; the message names the column and the offending rows."""


@dataclass
class Panel:
    """Wide form of a panel: outcome ``Y`` (units x periods, NaN = not observed)."""

    units: np.ndarray
    periods: np.ndarray
    Y: np.ndarray
    group: np.ndarray  # adoption period per unit, 0 = never
    weight: np.ndarray  # per unit, mean 1
    cluster: np.ndarray  # integer codes per unit
    dropped_first_period: int = 0
    adopted_after_last: int = 0
    X: np.ndarray | None = None  # covariates per unit with an intercept column first (None: none)


def _one_per_unit(df: pd.DataFrame, unit: str, col: str) -> pd.Series:
    per = df.groupby(unit, sort=True)[col]
    bad = per.nunique(dropna=False) > 1
    if bad.any():
        u = bad[bad].index[0]
        rows = df.index[df[unit] == u][:5].tolist()
        raise PanelError(f"column {col!r} must be constant within each unit; unit {u!r} differs (rows {rows})")
    return per.first()


def _covariates(df: pd.DataFrame, unit: str, covariates: tuple[str, ...], index: pd.Index) -> np.ndarray | None:
    """Unit-level covariates with an intercept column; each numeric, present and constant
    within unit (errors name the column and rows)."""
    if not covariates:
        return None
    cols = []
    for c in covariates:
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna()
        if bad.any():
            raise PanelError(
                f"covariate {c!r} must be a number in every row; rows {df.index[bad][:5].tolist()} "
                "are missing or not numeric"
            )
        cols.append(_one_per_unit(df.assign(**{c: num}), unit, c).reindex(index).to_numpy(float))
    return np.column_stack([np.ones(len(index))] + cols)


def make_panel(
    data: pd.DataFrame,
    unit: str,
    time: str,
    outcome: str,
    adoption: str,
    weights: str | None = None,
    cluster: str | None = None,
    covariates: tuple[str, ...] = (),
) -> Panel:
    """Check the long table and turn it wide. Errors name the column and rows."""
    covariates = tuple(covariates)
    cols = (
        [unit, time, outcome, adoption]
        + [c for c in (weights, cluster) if c]
        + [c for c in covariates if c not in (unit, time, outcome, adoption, weights, cluster)]
    )
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise PanelError(f"column(s) {', '.join(map(repr, missing))} not in the panel; it has {list(data.columns)}")
    df = data[cols].copy()
    for c in (time, outcome, adoption) + ((weights,) if weights else ()):
        num = pd.to_numeric(df[c], errors="coerce")
        bad = num.isna() & df[c].notna()
        if bad.any():
            raise PanelError(f"column {c!r} must be numeric; rows {df.index[bad][:5].tolist()} are not")
        df[c] = num
    if df[time].isna().any():
        raise PanelError(f"column {time!r} is missing in rows {df.index[df[time].isna()][:5].tolist()}")
    dup = df.duplicated([unit, time])
    if dup.any():
        raise PanelError(f"more than one row per {unit!r} and {time!r}: rows {df.index[dup][:5].tolist()}")
    df[adoption] = df[adoption].fillna(0)
    g = _one_per_unit(df, unit, adoption)
    w = _one_per_unit(df, unit, weights) if weights else pd.Series(1.0, index=g.index)
    if (w <= 0).any() or w.isna().any():
        raise PanelError(f"column {weights!r} must be positive for every unit")
    cl = _one_per_unit(df, unit, cluster) if cluster else pd.Series(g.index, index=g.index)
    X = _covariates(df, unit, covariates, g.index)
    periods = np.sort(df[time].unique())
    wide = df.pivot(index=unit, columns=time, values=outcome).reindex(index=g.index, columns=periods)
    gv = np.array(g, dtype=float)
    after = gv > periods[-1]
    gv[after] = 0.0
    first = (gv > 0) & (gv <= periods[0])
    keep = ~first
    return Panel(
        units=g.index.to_numpy()[keep],
        periods=periods,
        Y=wide.to_numpy(float)[keep],
        group=gv[keep],
        weight=(w.to_numpy(float) / w.to_numpy(float)[keep].mean())[keep],
        cluster=pd.factorize(cl.to_numpy()[keep], sort=True)[0],
        dropped_first_period=int(first.sum()),
        adopted_after_last=int(after.sum()),
        X=None if X is None else X[keep],
    )

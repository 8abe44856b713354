"""Derived views of the register that several questions share. Pure functions, no I/O."""

from __future__ import annotations

from typing import Protocol

import pandas as pd


def procurement_view(procurements: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """One row per procurement with ``year``, ``n_regions``, ``coordinated`` (more than one
    region participates) and ``estimated_value_sek`` (sum over regions)."""
    per = regions.groupby("procurement_id").agg(
        n_regions=("region", "nunique"), estimated_value_sek=("estimated_value_sek", "sum")
    )
    out = procurements.merge(per, left_on="procurement_id", right_index=True, how="left")
    out["n_regions"] = out["n_regions"].fillna(0).astype(int)
    out["coordinated"] = out["n_regions"] > 1
    out["year"] = out["completed_date"].dt.year.astype(int)
    return out


def coordination_by_year(view: pd.DataFrame) -> pd.DataFrame:
    """Per completion year: procurements, coordinated count, share by count and by value."""
    g = view.groupby("year")
    out = pd.DataFrame(
        {
            "n_procurements": g.size(),
            "coordinated_count": g["coordinated"].sum(),
            "value_sek": g["estimated_value_sek"].sum(),
            "coordinated_value_sek": view[view["coordinated"]].groupby("year")["estimated_value_sek"].sum(),
        }
    ).fillna({"coordinated_value_sek": 0.0})
    out["coordinated_share"] = out["coordinated_count"] / out["n_procurements"]
    out["coordinated_share_value"] = out["coordinated_value_sek"] / out["value_sek"]
    return out.reset_index()


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n`` at confidence ``level``.

    Unlike the normal approximation it stays within [0, 1] and behaves at 0 and n successes.
    With ``n == 0`` the share is undefined: ``(nan, nan)``.
    """
    from scipy import stats

    if n <= 0:
        return float("nan"), float("nan")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in [0, n]: {successes} of {n}")
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def is_blank(values: pd.Series) -> pd.Series:
    """True where a text cell is missing or only whitespace (a reason that was not given)."""
    return values.isna() | values.astype("string").str.strip().fillna("").eq("")


class Tables(Protocol):
    """What ``analyse()`` reads tables from: the validated package (``DataPackage``) or, in a
    test, a plain ``dict`` of DataFrames."""

    def __getitem__(self, name: str, /) -> pd.DataFrame: ...

"""Derived views of the register that several questions share. Pure functions, no I/O."""

from __future__ import annotations

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

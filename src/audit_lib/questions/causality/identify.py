"""Causality, step 1: the estimation panel and what it identifies.

- ``prepare``: the estimation panel (one row per cell and month), unit, month and cluster
  codes, the start month of each initiative per cell;
- ``effect_groups`` / ``identification``: where two initiatives start in the same month in the
  same cell, only their sum is identified there; such cells get a *joint* treatment
  (e.g. ``ecommerce+category_management``) and the separate effects are estimated from the other
  cells only. An initiative with no cell of its own, or with its own cells in fewer than
  ``min_treated_clusters`` clusters, is not (or weakly) identified.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...stats.staggered import NEVER, RolloutPanel, rollout_panel

TREATMENTS = ("ecommerce", "category_management", "coordination")
START_COLUMNS = {
    "ecommerce": "ecommerce_start",
    "category_management": "category_management_start",
    "coordination": "coordinated_contract_start",
}
JOINT = "+"


def members(group: str) -> list[str]:
    """The treatments of an effect group (``a+b`` -> [a, b])."""
    return group.split(JOINT)


def month_code(dates: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Months since ``origin`` (the month containing the date); ``NEVER`` for a missing date."""
    d = pd.to_datetime(dates)
    code = (d.dt.year - origin.year) * 12 + (d.dt.month - origin.month)
    return np.where(d.isna(), NEVER, code.fillna(0)).astype(np.int64)


@dataclass
class CausalityData:
    """The estimation panel and its cells."""

    frame: (
        pd.DataFrame
    )  # one row per cell-month: category, region, month, y, log_unit_value, spend_sek, unit, time, cluster
    cells: (
        pd.DataFrame
    )  # one row per unit code: category, region, cluster, <treatment>_start (month code), group starts
    treatments: list[str]
    groups: list[str]  # effect groups: treatments and joint groups (a+b)
    origin: pd.Timestamp
    coverage: dict[str, Any] = field(default_factory=dict)
    _panels: dict[tuple[str, str], RolloutPanel] = field(default_factory=dict, init=False, repr=False, compare=False)

    def panel(self, column: str = "y", starts: str = "groups") -> RolloutPanel:
        """The general rollout panel (``stats.staggered.rollout_panel``) of the cell-months
        where ``column`` is observed: cells as units, months as periods, one adoption column per
        effect group (``starts="groups"``: joint cells recoded) or per initiative
        (``"treatments"``: the raw starts), clustered by ``cluster``. Built once per
        ``(column, starts)``: every step reads the same panel (its arrays are not written to)."""
        key = (column, starts)
        if key not in self._panels:
            self._panels[key] = self._build_panel(column, starts)
        return self._panels[key]

    def _build_panel(self, column: str, starts: str) -> RolloutPanel:
        names = self.groups if starts == "groups" else self.treatments
        cols = {g: f"start__{g}" if starts == "groups" else f"month__{g}" for g in names}
        adopt = self.cells[["unit", *cols.values()]]
        adopt = adopt.assign(**{c: adopt[c].where(adopt[c] < NEVER) for c in cols.values()})
        f = self.frame[["unit", "time", "cluster", column]]
        f = f[f[column].notna()].merge(adopt, on="unit", how="left")
        return rollout_panel(f, "unit", "time", column, cols, cluster="cluster")


def effect_groups(cells: pd.DataFrame, treatments: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Recode starts so that treatments starting in the same month in a cell form a joint group
    there. Adds ``start__<group>`` columns; returns them and the group names (treatments first,
    then joint groups in order of appearance)."""
    out = cells.copy()
    for t in treatments:
        out[f"start__{t}"] = out[f"month__{t}"]
    joint_names: list[str] = []
    for i, row in out.iterrows():
        by_start: dict[int, list[str]] = {}
        for t in treatments:
            s = int(row[f"month__{t}"])
            if s < NEVER:
                by_start.setdefault(s, []).append(t)
        for s, ts in by_start.items():
            if len(ts) < 2:
                continue
            name = JOINT.join(ts)
            if name not in joint_names:
                joint_names.append(name)
                out[f"start__{name}"] = NEVER
            out.loc[i, f"start__{name}"] = s
            for t in ts:
                out.loc[i, f"start__{t}"] = NEVER
    return out, list(treatments) + joint_names


def prepare(
    panel: pd.DataFrame,
    rollouts: pd.DataFrame,
    treatments: list[str],
    cluster: str = "category",
    min_cell_months: int = 12,
) -> CausalityData:
    """Join the panel with the rollout dates. Cell-months without a comparable index are
    dropped, and so are cells with fewer than ``min_cell_months`` months. A cell missing from
    ``rollouts`` is treated as never treated (counted in ``coverage``)."""
    f = panel.dropna(subset=["log_index"]).copy()
    n_months_cell = f.groupby(["category", "region"])["month"].transform("size")
    short = f[n_months_cell < min_cell_months][["category", "region"]].drop_duplicates()
    f = f[n_months_cell >= min_cell_months]
    origin = pd.Timestamp(f["month"].min()) if len(f) else pd.Timestamp(2000, 1, 1)
    cells = f[["category", "region"]].drop_duplicates().sort_values(["category", "region"]).reset_index(drop=True)
    ro = rollouts.copy()
    ro = ro.drop_duplicates(["category", "region"])
    cells = cells.merge(ro, on=["category", "region"], how="left", indicator=True)
    no_rollout = int((cells["_merge"] == "left_only").sum())
    cells = cells.drop(columns="_merge")
    for t in treatments:
        col = START_COLUMNS[t]
        cells[f"month__{t}"] = month_code(cells[col] if col in cells else pd.Series(pd.NaT, index=cells.index), origin)
        cells[f"date__{t}"] = pd.to_datetime(cells[col]) if col in cells else pd.NaT
    cells = cells.drop(columns=[c for c in START_COLUMNS.values() if c in cells])
    cells["unit"] = np.arange(len(cells))
    cells["cluster"] = pd.factorize(
        cells["category"] if cluster == "category" else cells["category"] + "/" + cells["region"], sort=True
    )[0]
    cells, groups = effect_groups(cells, treatments)
    f = f.merge(cells[["category", "region", "unit", "cluster"]], on=["category", "region"])
    f["time"] = month_code(f["month"], origin)
    f["y"] = f["log_index"]
    f["year"] = pd.to_datetime(f["month"]).dt.year
    f = f.sort_values(["unit", "time"]).reset_index(drop=True)
    coverage = {
        "n_cells": int(len(cells)),
        "n_clusters": int(cells["cluster"].nunique()),
        "n_cell_months": int(len(f)),
        "n_cells_too_short": int(len(short)),
        "n_cells_without_rollout": no_rollout,
        "first_month": origin.strftime("%Y-%m"),
        "last_month": pd.Timestamp(f["month"].max()).strftime("%Y-%m") if len(f) else "",
    }
    return CausalityData(f, cells, list(treatments), groups, origin, coverage)


def omitted_treatments(rollouts: pd.DataFrame, treatments: list[str]) -> list[str]:
    """Initiatives with start dates in ``rollouts`` that the analysis leaves out: their effects
    would be attributed to the initiatives it includes (omitted-variable bias)."""
    return [
        t
        for t in TREATMENTS
        if t not in treatments and START_COLUMNS[t] in rollouts and rollouts[START_COLUMNS[t]].notna().any()
    ]


def identification(data: CausalityData, min_treated_clusters: int, close_start_months: int) -> pd.DataFrame:
    """Per treatment and joint group: how many cells and clusters start it within the panel,
    how many do so on their own, with which treatment it coincides, near-coincidences, and
    ``status``: ``separate`` (identified), ``weak`` (own cells in too few clusters),
    ``joint_only`` (never starts on its own), ``not_treated`` (no start inside the panel)."""
    c = data.cells
    last = int(data.frame["time"].max()) if len(data.frame) else 0
    rows = []
    for g in data.groups:
        start = c[f"start__{g}"].to_numpy()
        inside = (start > 0) & (start <= last)  # a start at month 0 or earlier leaves no before-period
        row: dict[str, Any] = {
            "group": g,
            "joint": JOINT in g,
            "n_cells": int(inside.sum()),
            "n_clusters": int(c.loc[inside, "cluster"].nunique()),
            "n_cells_before_panel": int((start <= 0).sum()),
        }
        if JOINT not in g:
            raw = c[f"month__{g}"].to_numpy()
            row["n_cells_any"] = int(((raw > 0) & (raw <= last)).sum())
            row["joint_with"] = sorted(
                {j for j in data.groups if JOINT in j and g in members(j) and (c[f"start__{j}"] < NEVER).any()}
            )
            close = 0
            for other in data.treatments:
                if other == g:
                    continue
                o = c[f"month__{other}"].to_numpy()
                both = (raw < NEVER) & (o < NEVER)
                diff = np.abs(raw - o)
                close += int(np.sum(both & (diff > 0) & (diff <= close_start_months)))
            row["n_close_starts"] = close
        else:
            row["n_cells_any"] = row["n_cells"]
            row["joint_with"] = members(g)
            row["n_close_starts"] = 0
            row["cells"] = [f"{a}/{b}" for a, b in c.loc[start < NEVER, ["category", "region"]].itertuples(index=False)]
        if row["n_cells"] == 0:
            row["status"] = "joint_only" if (JOINT not in g and row["joint_with"]) else "not_treated"
        elif row["n_clusters"] < min_treated_clusters:
            row["status"] = "weak"
        else:
            row["status"] = "joint" if JOINT in g else "separate"
        row["identified"] = row["status"] in ("separate", "joint")
        rows.append(row)
    out = pd.DataFrame(rows)
    if "cells" not in out:
        out["cells"] = None
    return out

"""Causality, step 4: the effects in SEK.

- ``sek_effects``: the saving each effect implies on the spend it applies to;
- ``board_comparison``: the estimated coordination effect in SEK per category beside the
  board's reported enabled savings for the same categories;
- ``board_share``: the estimated saving as a share of the board's reported savings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .identify import CausalityData


def _saving(spend: float, tau: float) -> float:
    """Saving on observed spend from a log price effect tau: counterfactual spend minus spend.
    Counterfactual spend (prices without the effect, same quantities) = spend x exp(-tau);
    the saving equals (1 - exp(tau)) x counterfactual spend."""
    return float(spend * (np.exp(-tau) - 1.0)) if np.isfinite(tau) else float("nan")


def sek_effects(data: CausalityData, effects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group: spend in the cell-months where it is on, the implied saving in SEK with its
    interval (from the effect's interval), in total and per calendar year. A positive saving
    means lower prices. Spend is the purchase lines' spend in the cells of the panel."""
    p = data.panel()
    f = data.frame
    tot, by_year = [], []
    for r in effects.to_dict("records"):
        on = p.active(r["group"])
        spend = float(f.loc[on, "spend_sek"].sum())
        years = f.loc[on].groupby("year")["spend_sek"].sum()
        tot.append(
            {
                "group": r["group"],
                "spend_sek": spend,
                "saving_sek": _saving(spend, r["estimate"]),
                "saving_low_sek": _saving(spend, r["ci_high"]),
                "saving_high_sek": _saving(spend, r["ci_low"]),
                "n_cell_months": int(on.sum()),
                "identified": bool(r["identified"]),
            }
        )
        for y, s in zip(years.index, years):
            by_year.append(
                {
                    "group": r["group"],
                    "year": int(y),
                    "spend_sek": float(s),
                    "saving_sek": _saving(s, r["estimate"]),
                    "saving_low_sek": _saving(s, r["ci_high"]),
                    "saving_high_sek": _saving(s, r["ci_low"]),
                }
            )
    return pd.DataFrame(tot), pd.DataFrame(
        by_year, columns=["group", "year", "spend_sek", "saving_sek", "saving_low_sek", "saving_high_sek"]
    )


def board_comparison(
    data: CausalityData, effects: pd.DataFrame, view: pd.DataFrame, group: str = "coordination"
) -> pd.DataFrame:
    """Per category with a coordinated contract inside the panel: spend after the contract
    took effect, the saving the estimated coordination effect implies on it (with interval),
    and the board's reported enabled savings (``reported_saving_sek``) for procurements of that
    category completed in the same years, in total and for coordinated procurements.

    ``view`` is ``questions.common.procurement_view`` (one row per procurement, with
    ``coordinated`` and ``year``). Enabled savings are computed over a contract's term when it
    is awarded and are not realised savings; the two columns measure different things."""
    row = effects[effects["group"] == group]
    tau = {k: float(row[k].iloc[0]) if len(row) else np.nan for k in ("estimate", "ci_low", "ci_high")}
    p = data.panel()
    on = p.active(group) if group in p.starts else np.zeros(len(p.y), dtype=bool)
    f = data.frame.assign(_on=on)
    rows = []
    for cat, cf in f[f["_on"]].groupby("category"):
        years = sorted(set(cf["year"]))
        spend = float(cf["spend_sek"].sum())
        v = view[(view["category"] == cat) & view["year"].isin(years)]
        rows.append(
            {
                "category": cat,
                "first_month": pd.Timestamp(cf["month"].min()).strftime("%Y-%m"),
                "years": f"{years[0]}–{years[-1]}",
                "spend_sek": spend,
                "saving_sek": _saving(spend, tau["estimate"]),
                "saving_low_sek": _saving(spend, tau["ci_high"]),
                "saving_high_sek": _saving(spend, tau["ci_low"]),
                "reported_sek": float(v["reported_saving_sek"].sum()),
                "reported_coordinated_sek": float(v.loc[v["coordinated"], "reported_saving_sek"].sum()),
                "n_procurements": int(len(v)),
                "n_coordinated": int(v["coordinated"].sum()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "category",
            "first_month",
            "years",
            "spend_sek",
            "saving_sek",
            "saving_low_sek",
            "saving_high_sek",
            "reported_sek",
            "reported_coordinated_sek",
            "n_procurements",
            "n_coordinated",
        ],
    )


SHARE_COLUMNS = {"estimate": "saving_sek", "low": "saving_low_sek", "high": "saving_high_sek"}


def board_share(board: pd.DataFrame) -> dict[str, float]:
    """The estimated saving (and its interval's ends) summed over ``board_comparison``'s
    categories, as a share of the board's reported enabled savings summed over the same
    categories; NaN when the board reported nothing there."""
    reported = board["reported_sek"].sum()
    return {k: board[c].sum() / reported if reported > 0 else float("nan") for k, c in SHARE_COLUMNS.items()}

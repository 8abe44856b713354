"""Question 2's savings rates compared: enabled saving over estimated value, coordinated against
single-region procurements, with a bootstrap interval of the difference (associational)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def savings_rate_comparison(
    view: pd.DataFrame, years: list[int] | None = None, level: float = 0.95, reps: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """Enabled saving over estimated value, per procurement with a computed saving and a
    positive value: mean rate for coordinated and for single-region procurements, their
    difference and a bootstrap interval of the difference (resampling within each group).

    Associational only: the procurements chosen for coordination differ from the others (size,
    category, market), so a difference is not the effect of coordinating.
    """
    v = view if years is None else view[view["year"].isin(years)]
    v = v[v["reported_saving_sek"].notna() & (v["estimated_value_sek"] > 0)]
    rate = (v["reported_saving_sek"] / v["estimated_value_sek"]).to_numpy(dtype=float)
    coord = v["coordinated"].astype(bool).to_numpy()
    a, b = rate[coord], rate[~coord]
    out = {
        "n_coordinated": int(len(a)),
        "n_single": int(len(b)),
        "rate_coordinated": float(a.mean()) if len(a) else float("nan"),
        "rate_single": float(b.mean()) if len(b) else float("nan"),
    }
    out["difference"] = out["rate_coordinated"] - out["rate_single"]
    if len(a) >= 2 and len(b) >= 2:
        rng = np.random.default_rng(seed)
        da = a[rng.integers(0, len(a), size=(reps, len(a)))].mean(axis=1)
        db = b[rng.integers(0, len(b), size=(reps, len(b)))].mean(axis=1)
        q = (1 - level) / 2
        out["difference_low"], out["difference_high"] = (
            float(np.quantile(da - db, q)),
            float(np.quantile(da - db, 1 - q)),
        )
    else:
        out["difference_low"] = out["difference_high"] = float("nan")
    out["level"] = level
    return out


def rate_seeds(seed: int) -> dict[str, int]:
    """The bootstrap seeds of the savings-rate comparisons, derived from the run's seed."""
    return {"all_years": seed + 1, "audit_year": seed + 2}

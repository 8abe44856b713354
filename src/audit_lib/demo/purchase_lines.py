"""Demo rollouts and purchase lines with known effects on prices.

Each category x region cell has its own (staggered) start of e-commerce, category management
and a coordinated contract. Unit prices carry the effects in ``effects`` (on the log price,
from the start month on), a common inflation trend, article and cell levels, and noise, so an
estimator can be checked against a known answer. Written straight to Parquet with pyarrow;
millions of lines take seconds and never pass through pandas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_EFFECTS = {"ecommerce": -0.03, "category_management": -0.04, "coordination": -0.05}
TREATMENT_COLUMNS = {
    "ecommerce": "ecommerce_start",
    "category_management": "category_management_start",
    "coordination": "coordinated_contract_start",
}
START = pd.Timestamp(2019, 1, 1)
N_MONTHS = 84  # 2019-01 .. 2025-12
ARTICLES_PER_CATEGORY = 40
MONTHLY_INFLATION = 0.002
# the cell where e-commerce and category management start in the same month (only their
# joint effect is identified there)
COINCIDING = ("Kontorsmaterial", "SRM")


def _month(i: int) -> pd.Timestamp:
    return START + pd.DateOffset(months=int(i))


def make_rollouts(
    categories: list[str], regions: list[str], procurements: pd.DataFrame | None, regions_table, seed: int
) -> pd.DataFrame:
    """Staggered starts by category and region (some cells never treated)."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for c_i, cat in enumerate(categories):
        coord = int(rng.integers(14, 66)) if rng.random() < 0.7 else None  # joint: same in both regions
        for region in regions:
            eco = int(rng.integers(12, 66)) if rng.random() < 0.75 else None
            cm = int(rng.integers(24, 78)) if rng.random() < 0.55 else None
            if (cat, region) == COINCIDING:
                eco = cm = 30
            rows.append(
                dict(
                    category=cat, region=region,
                    ecommerce_start=_month(eco) if eco is not None else None,
                    category_management_start=_month(cm) if cm is not None else None,
                    coordinated_contract_start=_month(coord) if coord is not None else None,
                )
            )
    df = pd.DataFrame(rows)
    for c in TREATMENT_COLUMNS.values():
        df[c] = pd.to_datetime(df[c])
    return df


def _start_index(value) -> int:
    """Month index of a start date (a large number when never treated)."""
    if value is None or pd.isna(value):
        return 10_000
    ts = pd.Timestamp(value)
    return (ts.year - START.year) * 12 + ts.month - START.month


def write_purchase_lines(
    path: str | Path, rollouts: pd.DataFrame, n_lines: int, seed: int,
    effects: dict[str, float] = DEFAULT_EFFECTS, noise: float = 0.05,
) -> None:
    rng = np.random.default_rng(seed + 2)
    cells = rollouts[["category", "region"]].itertuples(index=False)
    cells = list(cells)
    n_cells = len(cells)
    categories = sorted({c for c, _ in cells})
    cat_index = {c: i for i, c in enumerate(categories)}
    regions = sorted({r for _, r in cells})
    reg_index = {r: i for i, r in enumerate(regions)}
    # starts per cell and treatment
    starts = {
        t: np.array([_start_index(v) for v in rollouts[col]]) for t, col in TREATMENT_COLUMNS.items()
    }
    cell_level = rng.normal(0.0, 0.10, n_cells)
    article_level = rng.normal(np.log(200.0), 1.0, (len(categories), ARTICLES_PER_CATEGORY))

    cell = rng.integers(0, n_cells, n_lines)
    month = rng.integers(0, N_MONTHS, n_lines)
    article = rng.integers(0, ARTICLES_PER_CATEGORY, n_lines)
    cell_cat = np.array([cat_index[c] for c, _ in cells])
    cell_reg = np.array([reg_index[r] for _, r in cells])
    cat = cell_cat[cell]

    log_price = article_level[cat, article] + cell_level[cell] + MONTHLY_INFLATION * month
    for t, effect in effects.items():
        log_price += effect * (month >= starts[t][cell])
    log_price += rng.normal(0.0, noise, n_lines)
    quantity = (1 + rng.poisson(5.0, n_lines)).astype(np.float64)
    amount = np.round(np.exp(log_price) * quantity, 2)

    month_start = np.array(
        [(_month(m) - pd.Timestamp(1970, 1, 1)).days for m in range(N_MONTHS)], dtype=np.int32
    )
    day = month_start[month] + rng.integers(0, 28, n_lines).astype(np.int32)
    article_names = np.array(
        [f"{c[:3].upper()}-{a:03d}" for c in categories for a in range(ARTICLES_PER_CATEGORY)]
    )
    order = np.lexsort((cell, day))
    table = pa.table(
        {
            "order_date": pa.array(day[order], type=pa.int32()).cast(pa.date32()),
            "region": pa.DictionaryArray.from_arrays(pa.array(cell_reg[cell][order], pa.int32()), pa.array(regions)),
            "category": pa.DictionaryArray.from_arrays(pa.array(cat[order], pa.int32()), pa.array(categories)),
            "article_id": pa.DictionaryArray.from_arrays(
                pa.array((cat * ARTICLES_PER_CATEGORY + article)[order], pa.int32()), pa.array(article_names)
            ),
            "quantity": pa.array(quantity[order]),
            "amount_sek": pa.array(amount[order]),
        }
    )
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20)

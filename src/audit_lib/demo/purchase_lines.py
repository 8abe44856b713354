"""Demo rollouts and purchase lines with known effects on prices.

Each category x region cell has its own (staggered) start of e-commerce, category management
and a coordinated contract (the coordinated contract starts in both regions at once). The log
unit price of a line is

    article level + cell level + common inflation trend + category-month shock (AR(1))
    + cell-month shock + sum of the planted ``effects`` from each start month on + line noise,

so an estimator can be checked against a known answer (``effects``, on the log price). The
shocks make the panel as noisy as real price data, so intervals are not trivially narrow, and
the category shock is shared by both regions, which is why errors are clustered by category.

Product-mix shift: after e-commerce starts in a cell, buyers choose cheaper articles more often
(``mix_shift``). Article prices are not affected, so a price index built from article-level price
relatives must not move, while a unit-value index (spend / quantity over the whole cell) falls:
the demo lets the report show that difference.

Lines are generated month by month with a seed per month and written to Parquet with pyarrow as
they are made, so 50 million lines need little memory and never pass through pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
CATEGORY_SHOCK_SD = 0.010  # stationary sd of the category-month AR(1) shock
CATEGORY_SHOCK_RHO = 0.6
CELL_SHOCK_SD = 0.005  # category x region x month shock
MIX_SHIFT = 0.08  # tilt towards cheaper articles after e-commerce (per sd of article log price)
# the cell where e-commerce and category management start in the same month (only their
# joint effect is identified there)
COINCIDING = ("Kontorsmaterial", "SRM")


def _month(i: int) -> pd.Timestamp:
    return START + pd.DateOffset(months=int(i))


def make_rollouts(
    categories: list[str],
    regions: list[str],
    procurements: pd.DataFrame | None,
    regions_table: pd.DataFrame | None,
    seed: int,
) -> pd.DataFrame:
    """Staggered starts by category and region (some cells never treated)."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for cat in categories:
        coord = int(rng.integers(14, 66)) if rng.random() < 0.7 else None  # joint: same in both regions
        for region in regions:
            eco = int(rng.integers(12, 66)) if rng.random() < 0.75 else None
            cm = int(rng.integers(24, 78)) if rng.random() < 0.55 else None
            if (cat, region) == COINCIDING:
                eco = cm = 30
            rows.append(
                dict(
                    category=cat,
                    region=region,
                    ecommerce_start=_month(eco) if eco is not None else None,
                    category_management_start=_month(cm) if cm is not None else None,
                    coordinated_contract_start=_month(coord) if coord is not None else None,
                )
            )
    df = pd.DataFrame(rows)
    for c in TREATMENT_COLUMNS.values():
        df[c] = pd.to_datetime(df[c])
    return df


def _start_index(value: Any) -> int:
    """Month index of a start date (a large number when never treated)."""
    if value is None or pd.isna(value):
        return 10_000
    ts = pd.Timestamp(value)
    return (ts.year - START.year) * 12 + ts.month - START.month


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sd: float, rho: float) -> np.ndarray:
    """Stationary AR(1) series along the last axis with marginal sd ``sd``."""
    out = np.empty(shape)
    innov = rng.normal(0.0, sd * np.sqrt(1 - rho**2), shape)
    out[:, 0] = rng.normal(0.0, sd, shape[0])
    for m in range(1, shape[1]):
        out[:, m] = rho * out[:, m - 1] + innov[:, m]
    return out


@dataclass(frozen=True)
class _Market:
    """The drawn world the lines come from: cells, levels, shocks, starts and article choice."""

    categories: list[str]
    regions: list[str]
    n_cells: int
    cell_cat: np.ndarray  # category index of each cell
    cell_reg: np.ndarray  # region index of each cell
    starts: dict[str, np.ndarray]  # treatment -> start month index of each cell
    cell_level: np.ndarray
    article_level: np.ndarray  # (category, article)
    cat_shock: np.ndarray  # (category, month)
    cell_shock: np.ndarray  # (cell, month)
    per_month: np.ndarray  # number of lines in each month
    cdf: np.ndarray  # (category, after e-commerce, article)


def _article_cdf(article_level: np.ndarray, mix_shift: float) -> np.ndarray:
    """Article choice: uniform before e-commerce, tilted towards cheaper articles after it."""
    z = (article_level - article_level.mean(axis=1, keepdims=True)) / article_level.std(axis=1, keepdims=True)
    tilt = np.exp(-mix_shift * z)
    probs = np.stack([np.full_like(tilt, 1.0 / ARTICLES_PER_CATEGORY), tilt / tilt.sum(axis=1, keepdims=True)], 1)
    cdf = np.cumsum(probs, axis=2)  # (category, after e-commerce, article)
    cdf[:, :, -1] = 1.0
    return cdf


def _draw_market(
    rollouts: pd.DataFrame,
    n_lines: int,
    seed: int,
    effects: dict[str, float],
    mix_shift: float,
    category_shock_sd: float,
    cell_shock_sd: float,
    n_months: int,
) -> _Market:
    rng = np.random.default_rng(seed + 2)
    cells = list(rollouts[["category", "region"]].itertuples(index=False))
    n_cells = len(cells)
    categories = sorted({c for c, _ in cells})
    cat_index = {c: i for i, c in enumerate(categories)}
    regions = sorted({r for _, r in cells})
    reg_index = {r: i for i, r in enumerate(regions)}
    starts = {t: np.array([_start_index(v) for v in rollouts[col]]) for t, col in TREATMENT_COLUMNS.items()}
    for t in effects:
        if t not in starts:
            raise ValueError(f"unknown treatment {t!r}; known: {', '.join(starts)}")
    cell_level = rng.normal(0.0, 0.10, n_cells)
    article_level = rng.normal(np.log(200.0), 1.0, (len(categories), ARTICLES_PER_CATEGORY))
    cat_shock = _ar1(rng, (len(categories), n_months), category_shock_sd, CATEGORY_SHOCK_RHO)
    cell_shock = rng.normal(0.0, cell_shock_sd, (n_cells, n_months))
    per_month = rng.multinomial(n_lines, np.full(n_months, 1.0 / n_months))
    return _Market(
        categories=categories,
        regions=regions,
        n_cells=n_cells,
        cell_cat=np.array([cat_index[c] for c, _ in cells]),
        cell_reg=np.array([reg_index[r] for _, r in cells]),
        starts=starts,
        cell_level=cell_level,
        article_level=article_level,
        cat_shock=cat_shock,
        cell_shock=cell_shock,
        per_month=per_month,
        cdf=_article_cdf(article_level, mix_shift),
    )


_SCHEMA = pa.schema(
    [
        ("order_date", pa.date32()),
        ("region", pa.dictionary(pa.int32(), pa.string())),
        ("category", pa.dictionary(pa.int32(), pa.string())),
        ("article_id", pa.dictionary(pa.int32(), pa.string())),
        ("quantity", pa.float64()),
        ("amount_sek", pa.float64()),
    ]
)
_EPOCH = pd.Timestamp(1970, 1, 1)


def _month_table(
    mk: _Market, m: int, n: int, seed: int, effects: dict[str, float], noise: float, names: dict[str, pa.Array]
) -> pa.Table:
    """The ``n`` lines of month ``m`` (seeded per month), ordered by day and cell."""
    r = np.random.default_rng([seed + 2, m])
    cell = r.integers(0, mk.n_cells, n)
    cat = mk.cell_cat[cell]
    after_eco = (m >= mk.starts["ecommerce"][cell]).astype(np.int64)
    u = r.random(n)
    article = np.empty(n, dtype=np.int64)
    group = cat * 2 + after_eco
    for g in np.unique(group):
        idx = np.flatnonzero(group == g)
        article[idx] = np.searchsorted(mk.cdf[g // 2, g % 2], u[idx], side="right")
    np.minimum(article, ARTICLES_PER_CATEGORY - 1, out=article)
    log_price = (
        mk.article_level[cat, article]
        + mk.cell_level[cell]
        + MONTHLY_INFLATION * m
        + mk.cat_shock[cat, m]
        + mk.cell_shock[cell, m]
    )
    for t, effect in effects.items():
        log_price += effect * (m >= mk.starts[t][cell])
    log_price += r.normal(0.0, noise, n)
    quantity = (1 + r.poisson(5.0, n)).astype(np.float64)
    amount = np.round(np.exp(log_price) * quantity, 2)
    day = np.int32((_month(m) - _EPOCH).days) + r.integers(0, 28, n).astype(np.int32)
    order = np.lexsort((cell, day))
    return pa.table(
        {
            "order_date": pa.array(day[order], type=pa.int32()).cast(pa.date32()),
            "region": pa.DictionaryArray.from_arrays(pa.array(mk.cell_reg[cell][order], pa.int32()), names["region"]),
            "category": pa.DictionaryArray.from_arrays(pa.array(cat[order], pa.int32()), names["category"]),
            "article_id": pa.DictionaryArray.from_arrays(
                pa.array((cat * ARTICLES_PER_CATEGORY + article)[order], pa.int32()), names["article_id"]
            ),
            "quantity": pa.array(quantity[order]),
            "amount_sek": pa.array(amount[order]),
        },
        schema=_SCHEMA,
    )


def write_purchase_lines(
    path: str | Path,
    rollouts: pd.DataFrame,
    n_lines: int,
    seed: int,
    effects: dict[str, float] = DEFAULT_EFFECTS,
    noise: float = 0.05,
    mix_shift: float = MIX_SHIFT,
    category_shock_sd: float = CATEGORY_SHOCK_SD,
    cell_shock_sd: float = CELL_SHOCK_SD,
    n_months: int = N_MONTHS,
) -> None:
    """Write ``n_lines`` purchase lines for the cells of ``rollouts`` to a Parquet file.

    Deterministic for a given ``seed``; ``effects`` maps a treatment of ``TREATMENT_COLUMNS``
    to its effect on the log price from its start month on."""
    mk = _draw_market(rollouts, n_lines, seed, effects, mix_shift, category_shock_sd, cell_shock_sd, n_months)
    names = {
        "article_id": pa.array(
            [f"{c[:3].upper()}-{a:03d}" for c in mk.categories for a in range(ARTICLES_PER_CATEGORY)]
        ),
        "region": pa.array(mk.regions),
        "category": pa.array(mk.categories),
    }
    with pq.ParquetWriter(str(path), _SCHEMA, compression="zstd") as writer:
        for m in range(n_months):
            n = int(mk.per_month[m])
            if n == 0:
                continue
            table = _month_table(mk, m, n, seed, effects, noise, names)
            writer.write_table(table, row_group_size=1 << 20)

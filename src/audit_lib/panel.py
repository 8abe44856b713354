"""Category x region x month price index from purchase lines, built in DuckDB.

Why not simply spend / quantity per cell and month? That *unit value* falls when buyers switch
to cheaper articles, although no article became cheaper: a shift in product mix would be
counted as a price change. The index here compares each article with itself.

The build has two steps:

1. **DuckDB** reduces the raw lines (tens of millions, Parquet or CSV, through the contract's
   typed subquery) in one scan to one row per cell (category x region), month and article:
   spend, quantity, number of lines. Lines with amount <= 0 or quantity <= 0 (credits,
   corrections) and lines missing a key are counted, not used. The raw lines never pass
   through pandas; the reduced table has at most cells x months x articles rows.
2. **The index** (numpy) per cell is a spend-weighted multilateral index, the weighted
   time-product-dummy (TPD) index: it solves

       min  sum over article-months of  w_at (log p_at - a_a - d_t)^2

   where ``p_at`` is the article's unit value in month ``t``, ``w_at`` its share of the cell's
   spend that month, ``a_a`` the article's own price level and ``d_t`` the cell's log price
   level. So ``d_t`` is the spend-weighted mean of the articles' log price relatives
   ``log p_at - a_a`` (each article against its own reference price), it handles articles
   that come and go (no chaining, so no chain drift) and it is transitive. It is solved
   exactly per cell (a months x months system after eliminating the articles). Months linked
   to the rest of the cell by no common article cannot be compared and are left empty.

``log_index`` is normalised to mean 0 over each cell's first ``base_months`` months with data;
``index`` = 100 * exp(log_index). ``log_unit_value`` (the naive index) is kept beside it so a
report can show what a unit-value comparison would have said.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse
from scipy.sparse.csgraph import connected_components

PANEL_COLUMNS = [
    "category",
    "region",
    "month",
    "log_index",
    "index",
    "log_unit_value",
    "spend_sek",
    "quantity",
    "n_lines",
    "n_articles",
]


def article_month_sql(source_sql: str) -> str:
    """One row per category, region, month and article, from a typed purchase-lines SELECT.

    ``ok`` lines (amount > 0, quantity > 0) give spend, quantity and count; ``n_all`` counts
    every line so that what was left out can be reported. The month is an integer
    (``year * 12 + month - 1``): on 50 million lines that groups about 30 % faster than a
    truncated date. Sums are exact (DECIMAL) and rows ordered, so that DuckDB's parallel,
    unordered aggregation gives identical bytes on every run."""
    ok = "(amount_sek > 0 AND quantity > 0)"
    return f"""
        SELECT category, region, year(order_date) * 12 + month(order_date) - 1 AS month_index, article_id,
               CAST(sum(CAST(amount_sek AS DECIMAL(38, 6))) FILTER (WHERE {ok}) AS DOUBLE) AS spend,
               CAST(sum(CAST(quantity AS DECIMAL(38, 6))) FILTER (WHERE {ok}) AS DOUBLE) AS qty,
               count(*) FILTER (WHERE {ok}) AS n_ok,
               count(*) AS n_all
        FROM (SELECT order_date, region, category, article_id, quantity, amount_sek FROM ({source_sql}))
        GROUP BY ALL
        ORDER BY category, region, month_index, article_id
    """


def aggregate_lines(source_sql: str, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Run :func:`article_month_sql` in DuckDB; the result as an Arrow table."""
    db = duckdb.connect() if con is None else con
    try:
        return db.sql(article_month_sql(source_sql)).to_arrow_table()
    finally:
        if con is None:
            db.close()


@dataclass
class Panel:
    """The cell x month panel and what went into it."""

    frame: pd.DataFrame  # PANEL_COLUMNS, sorted by category, region, month
    coverage: dict[str, Any] = field(default_factory=dict)


def tpd_index(
    cell: np.ndarray,
    month: np.ndarray,
    article: np.ndarray,
    log_price: np.ndarray,
    weight: np.ndarray,
    n_cells: int,
    n_months: int,
    base_months: int = 12,
) -> np.ndarray:
    """The weighted time-product-dummy log index, shape (n_cells, n_months); NaN where absent.

    Inputs are one row per cell, month and article (integer codes; ``article`` unique within a
    cell is enough), the article's log unit value and its spend share in the cell-month (any
    positive weights: they are normalised per cell-month)."""
    out = np.full((n_cells, n_months), np.nan)
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(n_cells + 1))
    for c in range(n_cells):
        idx = order[bounds[c] : bounds[c + 1]]
        if len(idx) == 0:
            continue
        m_codes, m_local = np.unique(month[idx], return_inverse=True)
        _, a_local = np.unique(article[idx], return_inverse=True)
        w = weight[idx].astype(float)
        w = w / np.bincount(m_local, weights=w)[m_local]
        lp = log_price[idx]
        T, A = len(m_codes), int(a_local.max()) + 1
        W = sparse.csr_matrix((w, (m_local, a_local)), shape=(T, A))
        WL = sparse.csr_matrix((w * lp, (m_local, a_local)), shape=(T, A))
        wa = np.asarray(W.sum(axis=0)).ravel()
        inv = sparse.diags(1.0 / wa)
        cross = (W @ inv @ W.T).toarray()
        M = np.diag(np.asarray(W.sum(axis=1)).ravel()) - cross
        rhs = np.asarray(WL.sum(axis=1)).ravel() - W @ (np.asarray(WL.sum(axis=0)).ravel() / wa)
        # months linked by common articles; keep the component with the most months
        n_comp, labels = connected_components(sparse.csr_matrix(cross > 0), directed=False)
        keep = labels == np.bincount(labels).argmax() if n_comp > 1 else np.ones(T, dtype=bool)
        d = np.full(T, np.nan)
        sol = np.linalg.lstsq(M[np.ix_(keep, keep)], rhs[keep], rcond=None)[0]
        d[keep] = sol
        base = d[keep][:base_months]
        d = d - base.mean()
        out[c, m_codes] = d
    return out


def _usable(
    cols: dict[str, np.ndarray], n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int | float]]:
    """Rows with every key and positive lines, spend and quantity; and the coverage counts."""
    n_all = int(np.sum(cols["n_all"]))
    keys_ok = np.ones(n_rows, dtype=bool)
    for k in ("category", "region", "month_index", "article_id"):
        keys_ok &= ~pd.isna(cols[k])
    n_ok = np.nan_to_num(cols["n_ok"].astype(float))
    spend = np.nan_to_num(cols["spend"].astype(float))
    qty = np.nan_to_num(cols["qty"].astype(float))
    use = keys_ok & (n_ok > 0) & (spend > 0) & (qty > 0)
    coverage = {
        "n_lines": n_all,
        "n_lines_used": int(n_ok[use].sum()),
        "n_lines_missing_key": int(np.sum(cols["n_all"][~keys_ok])),
        "n_lines_not_positive": int(np.sum(cols["n_all"][keys_ok]) - n_ok[keys_ok].sum()),
        "spend_used_sek": float(spend[use].sum()),
    }
    return use, n_ok, spend, qty, coverage


def _cell_codes(cat: np.ndarray, reg: np.ndarray) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Codes of the (category, region) cells in sorted order and the cells, as
    ``pd.factorize(pd.MultiIndex.from_arrays([cat, reg]), sort=True)`` gives them, from the
    two columns' own codes (a MultiIndex of every row is slow)."""
    c_code, c_uniq = pd.factorize(cat, sort=True)
    r_code, r_uniq = pd.factorize(reg, sort=True)
    pair, code = np.unique(c_code.astype(np.int64) * len(r_uniq) + r_code, return_inverse=True)
    cells = [(str(c_uniq[k // len(r_uniq)]), str(r_uniq[k % len(r_uniq)])) for k in pair]
    return code.astype(np.intp), cells


def _cell_month_frame(
    cols: dict[str, np.ndarray],
    use: np.ndarray,
    n_ok: np.ndarray,
    spend: np.ndarray,
    qty: np.ndarray,
    base_months: int,
) -> pd.DataFrame:
    """One row per cell-month: the price index (``tpd_index``) beside the cell-month totals."""
    cat = np.asarray(cols["category"][use]).astype(str)
    reg = np.asarray(cols["region"][use]).astype(str)
    month_index = np.asarray(cols["month_index"][use]).astype(np.int64)
    m0 = int(month_index.min())
    month_code = month_index - m0
    n_months = int(month_code.max()) + 1
    cell_code, cell_uniques = _cell_codes(cat, reg)
    art_code, _ = pd.factorize(np.asarray(cols["article_id"][use]).astype(str))
    spend_u, qty_u, n_u = spend[use], qty[use], n_ok[use]
    lp = np.log(spend_u / qty_u)
    n_cells = len(cell_uniques)
    d = tpd_index(cell_code, month_code, art_code, lp, spend_u, n_cells, n_months, base_months)
    # cell-month totals
    flat = cell_code * n_months + month_code
    size = n_cells * n_months
    tot_spend = np.bincount(flat, weights=spend_u, minlength=size)
    tot_qty = np.bincount(flat, weights=qty_u, minlength=size)
    tot_n = np.bincount(flat, weights=n_u, minlength=size)
    tot_art = np.bincount(flat, minlength=size)
    present = tot_art > 0
    cc, mm = np.divmod(np.flatnonzero(present), n_months)
    luv = np.log(tot_spend[present] / tot_qty[present])
    return pd.DataFrame(
        {
            "category": [cell_uniques[i][0] for i in cc],
            "region": [cell_uniques[i][1] for i in cc],
            "month": [pd.Timestamp((m0 + int(m)) // 12, (m0 + int(m)) % 12 + 1, 1) for m in mm],
            "log_index": d[cc, mm],
            "log_unit_value": luv,
            "spend_sek": tot_spend[present],
            "quantity": tot_qty[present],
            "n_lines": tot_n[present].astype(np.int64),
            "n_articles": tot_art[present].astype(np.int64),
        }
    )


def index_from_aggregate(agg: pa.Table, base_months: int = 12) -> Panel:
    """The panel from the article-month aggregate of :func:`aggregate_lines` (small: cells x
    months x articles rows)."""
    cols = {name: agg.column(name).to_numpy(zero_copy_only=False) for name in agg.column_names}
    use, n_ok, spend, qty, coverage = _usable(cols, len(agg))
    if not use.any():
        return Panel(pd.DataFrame(columns=PANEL_COLUMNS), coverage | {"n_cell_months": 0, "n_not_comparable": 0})
    frame = _cell_month_frame(cols, use, n_ok, spend, qty, base_months)
    # the unit value normalised like the index, so both start near 0
    frame["log_unit_value"] = frame["log_unit_value"] - frame.groupby(["category", "region"])[
        "log_unit_value"
    ].transform(lambda s: s.iloc[:base_months].mean())
    frame["index"] = 100.0 * np.exp(frame["log_index"])
    frame = frame[PANEL_COLUMNS].sort_values(["category", "region", "month"]).reset_index(drop=True)
    coverage["n_cell_months"] = int(len(frame))
    coverage["n_not_comparable"] = int(frame["log_index"].isna().sum())
    return Panel(frame, coverage)


def build_panel(
    source_sql: str,
    con: duckdb.DuckDBPyConnection | None = None,
    base_months: int = 12,
    engine: Any = None,
    path: str | Path | None = None,
    until: datetime.date | None = None,
) -> Panel:
    """Purchase lines (a typed DuckDB SELECT, e.g. ``package.large["purchase_lines"].sql()``)
    to the category x region x month price index panel.

    With ``engine`` (the ``engine`` parameter, e.g. ``{backend: spark}``) the aggregate runs
    through ``audit_lib.engine`` (ibis) over the file, folder or glob at ``path`` instead, seeing
    no line ordered after ``until`` (the DuckDB path's ``source_sql`` is capped already)."""
    if engine is not None:
        from .engine.panel import build_panel as build_on_engine

        if path is None:
            raise ValueError("build_panel on an engine needs the purchase lines' path")
        return build_on_engine(path, engine, base_months, until=until)
    return index_from_aggregate(aggregate_lines(source_sql, con), base_months)

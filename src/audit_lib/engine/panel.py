"""The price-index panel's article-month aggregate as one ibis expression (DuckDB or Spark).

It is ``audit_lib.panel.article_month_sql`` written once for every engine: one row per
category, region, month and article with the exact (DECIMAL) sums of the usable lines
(amount > 0 and quantity > 0), their count and the count of all lines, ordered by the group
(NULLs last, as DuckDB orders them) so that the result is the same bytes on every run and
every engine. The engine returns this small table (cells x months x articles rows); the index
itself is the same numpy code as today's path (``audit_lib.panel.index_from_aggregate``).
"""

from __future__ import annotations

import datetime as pydt
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from ..contract.large import OnDisk
from ..contract.spec import TABLES
from ..panel import Panel, index_from_aggregate
from .connect import backend_name, connect
from .inplace import is_pin, pinned_scan, read_pin
from .read import read_typed, typed

KEYS = ("category", "region", "month_index", "article_id")
EXACT = dt.Decimal(38, 6)


def article_month(lines: ir.Table) -> ir.Table:
    """The article-month aggregate of typed purchase lines (see the module docstring)."""
    month_index = lines.order_date.year().cast("int64") * 12 + lines.order_date.month().cast("int64") - 1
    t = lines.select("category", "region", "article_id", "quantity", "amount_sek", month_index=month_index)
    ok = (t.amount_sek > 0) & (t.quantity > 0)
    agg = t.group_by(list(KEYS)).aggregate(
        spend=t.amount_sek.cast(EXACT).sum(where=ok).cast("float64"),
        qty=t.quantity.cast(EXACT).sum(where=ok).cast("float64"),
        n_ok=t.count(where=ok),
        n_all=t.count(),
    )
    return agg.order_by([ibis.asc(k, nulls_first=False) for k in KEYS])


def seen_until(lines: ir.Table, until: pydt.date | None) -> ir.Table:
    """Only the lines ordered on or before ``until`` (the audited period's end; None: all), as
    ``contract.period.see_period`` caps the DuckDB path."""
    return lines if until is None else lines.filter(lines.order_date <= ibis.date(until.isoformat()))


def aggregate(con: Any, lines: ir.Table) -> pa.Table:
    """The article-month aggregate of ``lines`` on the backend ``con``, as an Arrow table.

    On DuckDB the SQL ibis compiles is run on the backend's own DuckDB connection and fetched
    as Arrow directly (ibis's ``to_pyarrow`` goes through a record-batch reader: a few MiB
    more for the same bytes); on Spark through ibis."""
    expr = article_month(lines)
    if backend_name(con) == "duckdb":
        return con.con.sql(str(con.compile(expr))).to_arrow_table()
    return expr.to_pyarrow()


def build_panel(
    path: Path | str, engine: Any = None, base_months: int = 12, con: Any = None, until: pydt.date | None = None
) -> Panel:
    """Purchase lines at ``path`` (a file, or a Parquet dataset folder or glob) to the panel,
    the large-table work on ``engine`` (``{backend: duckdb}`` by default, or Spark); lines
    ordered after ``until`` are not seen. A DuckDB connection opened here is closed before the
    index is computed, so that DuckDB's memory is given back first."""
    own = con is None
    con = connect(engine) if own else con
    try:
        agg = aggregate(con, seen_until(_typed_lines(con, path), until))
    finally:
        if own and backend_name(con) == "duckdb":
            con.disconnect()
    return index_from_aggregate(agg, base_months)


def _typed_lines(con: Any, path: Path | str) -> ir.Table:
    """The typed purchase lines at ``path``; a run's pin (``engine.purchase_lines``): exactly
    the part files it lists, where they live (``engine/inplace.py``)."""
    if is_pin(path):
        return typed(pinned_scan(con, read_pin(path)), TABLES["purchase_lines"])
    return read_typed(con, path, TABLES["purchase_lines"])


def purchase_panel(lines: OnDisk, base_months: int = 12, engine: Any = None) -> Panel:
    """The price-index panel of a package's ``purchase_lines`` on ``engine`` (the run's
    ``engine`` parameter: DuckDB by default, or Spark): the one expression for both engines,
    over the table's file, folder or glob, seeing no line ordered after the period's end when
    the package is capped (``contract.period.CappedTable.until``)."""
    return build_panel(lines.path, engine, base_months, until=getattr(lines, "until", None))

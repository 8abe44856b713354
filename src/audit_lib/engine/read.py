"""The typed reading of a large table per the data contract, as an ibis expression.

The scan is the only engine-specific step: DuckDB reads a CSV with the contract's explicit
options (``audit_lib.contract.large``: every column as text, strict) and Parquet with its row
numbers; Spark reads Parquet (a file, a dataset folder or a glob) with its ``_metadata`` row
index. Every scan has the file's own columns plus ``_row`` (the row a person sees: the CSV
line, or the Parquet row from 1, within its file) and ``_file`` (the file's name). The typed
selection on top is one ibis expression for both engines and mirrors
``contract.large.relation_sql`` cell for cell: text trimmed, other types ``TRY_CAST`` (bad
cells become NULL), CSV numbers with spaces removed and a decimal comma read as a point.
"""

from __future__ import annotations

import glob
import itertools
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from ..contract.read import normalise_header
from ..contract.spec import TableSpec
from .connect import EngineError, backend_name

IBIS_TYPES = {"str": "string", "float": "float64", "int": "int64", "date": "date", "bool": "boolean"}
_VIEWS = itertools.count()


@ibis.udf.scalar.builtin(name="trim")
def sql_trim(value: str) -> str:
    """SQL ``TRIM`` (spaces only, in DuckDB and Spark alike; ibis's ``strip`` also removes tabs
    and newlines, which the contract's SQL keeps)."""


@dataclass
class Scan:
    """A large table as stored: ``table`` (the file's columns, ``_row``, ``_file``), the
    normalised column name -> the scan's own column, and whether the values are CSV text."""

    table: ir.Table
    columns: dict[str, str]
    is_csv: bool
    name: str  # the file or dataset name problems are reported under


def parquet_files(path: Path | str) -> list[str]:
    """The Parquet files of a file, a dataset folder (recursively, as Spark writes it) or a glob."""
    p = Path(path)
    if p.is_dir():
        return sorted(str(f) for f in p.rglob("*.parquet") if not f.name.startswith(("_", ".")))
    if any(ch in str(path) for ch in "*?["):
        return sorted(glob.glob(str(path), recursive=True))
    return [str(p)]


def is_dataset(path: Path | str) -> bool:
    return Path(path).is_dir() or any(ch in str(path) for ch in "*?[")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def scan(con, path: Path | str) -> Scan:
    """The raw scan of ``path`` on the backend ``con`` (see the module docstring)."""
    path_str = str(path)
    is_csv = not is_dataset(path) and Path(path).suffix.lower() == ".csv"
    name = Path(path).name
    engine = backend_name(con)
    if is_csv:
        if engine != "duckdb":
            raise EngineError(f"{name}: the Spark engine reads purchase_lines as Parquet (a file, a dataset folder "
                              "or a glob); convert the CSV, or use the DuckDB engine")
        from ..contract.large import _columns, raw_scan_sql

        table = con.sql(f"SELECT *, {_quote(name)} AS _file FROM ({raw_scan_sql(Path(path))})")
        return Scan(table, _columns(Path(path)), True, name)
    files = parquet_files(path)
    if not files:
        raise EngineError(f"{name}: no Parquet files found")
    if engine == "duckdb":
        listing = "[" + ", ".join(_quote(f) for f in files) + "]"
        hive = ", hive_partitioning=true" if Path(path).is_dir() else ""
        table = con.sql(
            "SELECT * EXCLUDE (file_row_number, filename), file_row_number + 1 AS _row, "
            f"parse_filename(filename) AS _file FROM read_parquet({listing}, file_row_number=true, "
            f"filename=true{hive})")
    else:
        from pyspark.sql import functions as F

        session = con._session
        src = path_str if Path(path).is_dir() else files
        df = session.read.parquet(*([src] if isinstance(src, str) else src))
        df = df.select("*", (F.col("_metadata.row_index") + 1).alias("_row"),
                       F.col("_metadata.file_name").alias("_file"))
        view = f"audit_scan_{next(_VIEWS)}"
        df.createOrReplaceTempView(view)
        table = con.table(view)
    columns: dict[str, str] = {}
    for c in table.columns:
        if c not in ("_row", "_file"):
            columns.setdefault(normalise_header(c), c)
    return Scan(table, columns, False, name)


def typed_column(raw: ir.Value, type_: str, is_csv: bool) -> ir.Value:
    """One column read as the contract's type; bad cells become NULL."""
    if type_ == "str":
        return sql_trim(raw.cast("string"))
    target = IBIS_TYPES[type_]
    if is_csv and type_ == "float":
        return sql_trim(raw).replace(" ", "").replace(",", ".").try_cast(target)
    if is_csv:
        return sql_trim(raw).try_cast(target)
    return raw.try_cast(target)


def typed(s: Scan, spec: TableSpec, keep_raw: bool = False) -> ir.Table:
    """The contract's columns, typed, plus ``_row`` and ``_file``; ``keep_raw`` adds each
    column's stored value as ``raw_<name>`` (for the validation rules)."""
    t = s.table
    cols: dict[str, ir.Value] = {}
    for col in spec.columns:
        cols[col.name] = typed_column(t[s.columns.get(col.name, col.name)], col.type, s.is_csv)
    if keep_raw:
        for col in spec.columns:
            cols[f"raw_{col.name}"] = t[s.columns[col.name]]
    return t.select(**cols, _row=t["_row"], _file=t["_file"])


def read_typed(con, path: Path | str, spec: TableSpec) -> ir.Table:
    """The typed purchase lines on ``con``: the ibis counterpart of ``relation_sql``."""
    return typed(scan(con, path), spec)

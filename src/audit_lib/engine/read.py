"""The typed reading of a large table per the data contract, as an ibis expression.

The scan is the only engine-specific step: DuckDB reads a CSV with the contract's explicit
options (``audit_lib.contract.large``: every column as text, strict) and Parquet with its row
numbers; Spark reads Parquet (a file, a dataset folder or a glob) with its ``_metadata`` row
index. Every scan has the file's own columns plus ``_row`` (the row a person sees: the CSV
line, or the Parquet row from 1, within its file) and ``_file`` (the file's name). The typed
selection on top is one ibis expression for both engines and mirrors
``contract.sqltypes.typed_select`` cell for cell, with its regular expressions: text trimmed
of Unicode whitespace and NFC-normalised; text numbers with the small tables' separators,
ASCII digits only, dot-thousands refused; text dates ISO with at most a midnight time; a time
stamp with a time zone read as its date in that zone; other types ``TRY_CAST`` (bad cells
become NULL).
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from ..contract.large import is_dataset, parquet_files, parquet_scan
from ..contract.problems import Problem
from ..contract.read import ReadError, normalise_header
from ..contract.spec import ColumnSpec, TableSpec
from ..contract.sqltypes import _DATE_RE, _DOT_THOUSANDS_RE, _NUMBER_RE, _WS, Source
from .connect import EngineError, backend_name

IBIS_TYPES = {"str": "string", "float": "float64", "int": "int64", "date": "date", "bool": "boolean"}
_VIEWS = itertools.count()


@ibis.udf.scalar.builtin(name="trim")
def sql_trim(value: str) -> str:
    """SQL ``TRIM`` (spaces only, in DuckDB and Spark alike; ibis's ``strip`` also removes tabs
    and newlines, which the contract's SQL keeps)."""
    raise NotImplementedError  # compiled to the engine's function, never called


@dataclass
class Scan:
    """A large table as stored: ``table`` (the file's columns, ``_row``, ``_file``), the
    normalised column name -> the scan's own column (first of duplicates) with its stored type,
    whether the values are CSV text, and every column's normalised name (duplicates kept)."""

    table: ir.Table
    columns: dict[str, Source]
    is_csv: bool
    name: str  # the file or dataset name problems are reported under
    engine: str = "duckdb"
    names: list[str] = field(default_factory=list)


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
            raise EngineError(
                f"{name}: the Spark engine reads purchase_lines as Parquet (a file, a dataset folder "
                "or a glob); convert the CSV, or use the DuckDB engine"
            )
        from ..contract.large import _file_columns, raw_scan_sql

        named = _file_columns(Path(path))
        table = con.sql(f"SELECT *, {_quote(name)} AS _file FROM ({raw_scan_sql(Path(path))})")
        return Scan(table, _first(named), True, name, engine, [n for n, _ in named])
    files = parquet_files(path)
    if not files:
        raise EngineError(f"{name}: no Parquet files found")
    zones = _zones(files[0], name)  # first: a file that is not Parquet is named as such on every engine
    if engine == "duckdb":
        table = con.sql(
            "SELECT * EXCLUDE (file_row_number, filename), file_row_number + 1 AS _row, "
            f"parse_filename(filename) AS _file FROM {parquet_scan(path)}"
        )
    else:
        src = path_str if Path(path).is_dir() else files
        table = spark_table(con, con._session.read, [src] if isinstance(src, str) else src)
    return scan_of(table, zones, name, engine)


def spark_table(con: Any, reader: Any, sources: list[str]) -> Any:
    """The Parquet ``sources`` read by Spark's ``reader`` with each line's row number within its
    file (``_row``, from 1) and its file's name (``_file``), as an ibis table on ``con``."""
    from pyspark.sql import functions as F

    df = reader.parquet(*sources).select(
        "*", (F.col("_metadata.row_index") + 1).alias("_row"), F.col("_metadata.file_name").alias("_file")
    )
    view = f"audit_scan_{next(_VIEWS)}"
    df.createOrReplaceTempView(view)
    return con.table(view)


def scan_of(table: Any, zones: dict[str, str], name: str, engine: str) -> Scan:
    """The :class:`Scan` of a raw ``table`` (with ``_row`` and ``_file``): its columns named as
    the contract names them, each with its kind and time zone."""
    schema = table.schema()
    named = [
        (normalise_header(c), Source(c, _kind(schema[c], c in zones), zones.get(c)))
        for c in table.columns
        if c not in ("_row", "_file")
    ]
    return Scan(table, _first(named), False, name, engine, [n for n, _ in named])


def _first(named: list[tuple[str, Source]]) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for norm, src in named:
        out.setdefault(norm, src)
    return out


def _zones(file: str, name: str) -> dict[str, str]:
    """The time zone of each time-stamp column of a Parquet file (its Arrow schema); a file
    that cannot be opened raises ``OSError``, one that is not Parquet a ``ReadError`` naming
    ``name`` (the table's file or dataset)."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(file)
    except OSError:
        raise
    except Exception as e:  # pyarrow on a file that is not Parquet
        raise ReadError(Problem("error", name, f"not a readable parquet file ({type(e).__name__})")) from None
    return {f.name: f.type.tz for f in schema if getattr(f.type, "tz", None)}


def _kind(dtype, zoned: bool) -> str:
    """The DuckDB type name ``contract.sqltypes`` decides by, for an ibis data type (``zoned``:
    a time stamp with a time zone in the file's Arrow schema; Spark's type does not say)."""
    if dtype.is_string():
        return "VARCHAR"
    if dtype.is_timestamp():
        return "TIMESTAMP WITH TIME ZONE" if zoned or dtype.timezone else "TIMESTAMP"
    for name in ("date", "time", "interval", "boolean"):
        if getattr(dtype, f"is_{name}")():
            return name.upper()
    return str(dtype).upper()


@ibis.udf.scalar.builtin(name="nfc_normalize")
def _nfc_duckdb(value: str) -> str:
    """DuckDB's NFC normalisation."""
    raise NotImplementedError  # compiled to the engine's function, never called


@ibis.udf.scalar.python
def _nfc_python(value: str) -> str:
    """NFC normalisation where the engine has none (Spark)."""
    return unicodedata.normalize("NFC", value) if value is not None else None


@ibis.udf.scalar.builtin(name="timezone")
def _local_duckdb(zone: str, ts: dt.Timestamp()) -> dt.Timestamp():  # type: ignore[valid-type]
    """DuckDB: the local time of an instant in ``zone``."""


@ibis.udf.scalar.builtin(name="from_utc_timestamp")
def _local_spark(ts: dt.Timestamp(), zone: str) -> dt.Timestamp():  # type: ignore[valid-type]
    """Spark: the local time of an instant in ``zone``."""


def _regex(pattern: str, engine: str) -> str:
    """A pattern of ``contract.sqltypes`` (RE2) for the engine: Java's ``\\s`` also matches
    a vertical tab, RE2's does not."""
    return pattern.replace("\\s", "\\t\\n\\f\\r ") if engine == "spark" else pattern


def _full(value: ir.StringValue, pattern: str, engine: str) -> ir.BooleanValue:
    """``regexp_full_match`` on both engines (``\\z``: Java's ``$`` also matches before a
    final newline)."""
    return value.re_search(f"^(?:{_regex(pattern, engine)})\\z")


def _strip(text: ir.StringValue, engine: str) -> ir.StringValue:
    ws = _regex(_WS, engine)
    return text.re_replace(f"^{ws}+|{ws}+\\z", "")


def _text_number(text: ir.StringValue, engine: str) -> ir.FloatingValue:
    """``parse.parse_float``'s rules, step by step as ``sqltypes._steps``."""
    a = text.re_replace(_regex("[\\s\\p{Z}']", engine), "")
    rev = a.reverse()
    both = ibis.ifelse(rev.find(",") < rev.find("."), a.replace(".", "").replace(",", "."), a.replace(",", ""))
    one = ibis.ifelse(a.length() - a.replace(",", "").length() > 1, ibis.null("string"), a.replace(",", "."))
    b = ibis.cases((a.contains(",") & a.contains("."), both), (a.contains(","), one), else_=a).replace("\u2212", "-")
    return ibis.cases(
        (_full(b, _DOT_THOUSANDS_RE, engine) & ~a.contains(","), ibis.null("float64")),
        (_full(b, _NUMBER_RE, engine), b.try_cast("float64")),
        else_=ibis.null("float64"),
    )


def typed_column(raw: ir.Value, col: ColumnSpec, src: Source, engine: str) -> ir.Value:
    """One column read as the contract's type (``contract.sqltypes._steps``); bad cells NULL."""
    text = raw.cast("string")
    kind = src.type.upper()
    target = IBIS_TYPES[col.type]
    if col.type == "str":
        return (_nfc_duckdb if engine == "duckdb" else _nfc_python)(_strip(text, engine))
    if kind == "VARCHAR" and col.type == "float":
        return _text_number(text, engine)
    if kind == "VARCHAR" and col.type == "date":
        a = _strip(text, engine)
        return ibis.ifelse(_full(a, _DATE_RE, engine), a.substr(0, 10).try_cast("date"), ibis.null("date"))
    if kind == "VARCHAR":
        return _strip(text, engine).try_cast(target)
    if col.type == "date":
        if kind == "DATE":
            return raw
        if kind.startswith("TIMESTAMP") and "TIME ZONE" in kind:
            zone = src.tz or "UTC"
            local = _local_duckdb(zone, raw) if engine == "duckdb" else _local_spark(raw, zone)
            return local.date()
        if kind.startswith("TIMESTAMP"):  # a date, not a time of day
            return ibis.ifelse(raw.truncate("D") == raw, raw.date(), ibis.null("date"))
        return ibis.null("date")
    if col.type == "float" and (kind == "BOOLEAN" or kind.startswith(("DATE", "TIME", "INTERVAL"))):
        return ibis.null("float64")
    return raw.try_cast(target)


def typed(s: Scan, spec: TableSpec, keep_raw: bool = False) -> ir.Table:
    """The contract's columns, typed, plus ``_row`` and ``_file``; ``keep_raw`` adds each
    column's stored value as ``raw_<name>`` (for the validation rules)."""
    t = s.table
    cols: dict[str, ir.Value] = {}
    present = [col for col in spec.columns if col.name in s.columns or not col.optional]
    for col in present:
        src = s.columns.get(col.name, Source(col.name))
        cols[col.name] = typed_column(t[src.name], col, src, s.engine)
    if keep_raw:
        for col in present:
            cols[f"raw_{col.name}"] = t[s.columns[col.name].name]
    return t.select(**cols, _row=t["_row"], _file=t["_file"])


def read_typed(con, path: Path | str, spec: TableSpec) -> ir.Table:
    """The typed purchase lines on ``con``: the ibis counterpart of ``relation_sql``."""
    return typed(scan(con, path), spec)

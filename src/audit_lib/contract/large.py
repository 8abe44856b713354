"""Large tables (``purchase_lines``): read in DuckDB, never whole in pandas.

``relation_sql`` gives a typed SELECT over the file that any DuckDB query can build on
(the panel in ``audit_lib.panel`` does); ``raw_scan_sql`` and ``parquet_scan`` are the scans
``engine.read`` builds the ibis reading on.

``check_large_sql`` is the contract's rules as hand-written DuckDB SQL, kept ONLY as the
tests' reference implementation (as ``panel.aggregate_lines`` is for the panel) and the
benchmark's baseline: the library validates ``purchase_lines`` through
``engine.validate.check_large`` (one ibis expression for DuckDB and Spark, files and dataset
folders), and the tests assert the same report from both on hand-made broken files, so that a
drift of either fails.

A CSV is never left to DuckDB's sniffer (which guesses a header, a separator and types from a
sample and may guess wrong on a broken file): the file is scanned once in Python for its
encoding (UTF-16, NUL bytes, bytes that are neither UTF-8 nor Windows-1252, a mix of the two
are refused with the line), its header is read with the same rules as the small tables, and
DuckDB reads it with those explicit options, every column as text, in strict mode, so that a
row with too many or too few fields or an unclosed quote is an error naming its line.
The scan of the CSV's layout is in ``large_csv``.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Protocol

import duckdb

from .problems import MAX_PER_RULE, Problem, ValidationReport
from .large_csv import MAX_EMPTY_LINES, CsvLayout, csv_layout
from .read import RESERVED_COLUMNS, ReadError, normalise_header
from .parse import PARSERS, CellError, parse_key
from .spec import MAX_DATE, MIN_DATE, ColumnSpec, TableSpec
from .sqltypes import Source, ident, typed_select
from .validate import plausibility_rule, unknown_code_rule


class OnDisk(Protocol):
    """A table kept on disk: its file, folder or glob (``package.LargeTable``, or one capped at
    the period's end), which ``engine.panel`` reads on the run's engine."""

    @property
    def path(self) -> Path: ...


# the CSV layout's names stay importable from here
__all__ = [
    "MAX_EMPTY_LINES",
    "CsvLayout",
    "check_large_sql",
    "csv_layout",
    "file_columns",
    "is_dataset",
    "parquet_files",
    "raw_scan_sql",
    "relation_sql",
]


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _csv_scan(path: Path, layout: CsvLayout) -> str:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.header)))
    sep = layout.separator.replace("'", "''")
    new_line = ", new_line='\\r'" if layout.newline == "\r" else ""
    return (
        f"read_csv({_quote(path)}, delim='{sep}', quote='\"', escape='\"', header=true, auto_detect=false, "
        f"columns={{{cols}}}, encoding='{layout.encoding}', strict_mode=true, null_padding=false, "
        f"ignore_errors=false, skip=0{new_line})"
    )


def parquet_files(path: Path | str) -> list[str]:
    """The Parquet files of a file, a dataset folder (recursively, as Spark writes it: names
    starting with ``_`` or ``.`` are metadata, not data) or a glob."""
    p = Path(path)
    if p.is_dir():
        return sorted(
            str(f)
            for f in p.rglob("*.parquet")
            if not any(part.startswith(("_", ".")) for part in f.relative_to(p).parts)
        )
    if any(ch in str(path) for ch in "*?["):
        return sorted(glob.glob(str(path), recursive=True))
    return [str(p)]


def is_dataset(path: Path | str) -> bool:
    """A Parquet dataset folder or a glob, not one file."""
    return Path(path).is_dir() or any(ch in str(path) for ch in "*?[")


def parquet_scan(path: Path | str) -> str:
    """DuckDB's ``read_parquet`` of a file, dataset folder (hive partitions read as columns)
    or glob, with ``file_row_number`` and ``filename``."""
    files = parquet_files(path)
    if not files:
        raise ReadError(Problem("error", Path(path).name, "no Parquet files found"))
    listing = "[" + ", ".join(_quote(Path(f)) for f in files) + "]"
    hive = ", hive_partitioning=true" if Path(path).is_dir() else ""
    return f"read_parquet({listing}, file_row_number=true, filename=true{hive})"


def _file_columns(path: Path) -> list[tuple[str, Source]]:
    """(normalised name, source) for every column of the file (or dataset), duplicates included."""
    if path.suffix.lower() == ".parquet" or is_dataset(path):
        import pyarrow.parquet as pq

        schema = list(pq.read_schema(parquet_files(path)[0]))  # a dataset: its first file
        con = duckdb.connect()
        try:
            described = con.sql(
                f"DESCRIBE SELECT * EXCLUDE (file_row_number, filename) FROM {parquet_scan(path)}"
            ).fetchall()
        finally:
            con.close()
        # the file's own names (DuckDB renames duplicates), then a dataset's hive partition columns
        names = [f.name for f in schema] + [row[0] for row in described[len(schema) :]]
        zones = [getattr(f.type, "tz", None) for f in schema] + [None] * len(described)
        return [(normalise_header(n), Source(row[0], row[1], tz)) for n, row, tz in zip(names, described, zones)]
    layout = csv_layout(path)
    return [(normalise_header(h) or f"unnamed_{i + 1}", Source(f"c{i}")) for i, h in enumerate(layout.header)]


def _columns(path: Path) -> dict[str, Source]:
    """Normalised column name -> the scan's column (first of duplicates wins)."""
    out: dict[str, Source] = {}
    for norm, src in _file_columns(path):
        out.setdefault(norm, src)
    return out


def raw_scan_sql(path: Path) -> str:
    """A SELECT over the file, values as stored (CSV: all text, columns ``c0..``), plus ``_row``
    (the row number a person sees: the CSV line, or the Parquet row from 1). CSV rows whose
    cells are all empty are skipped, as in the small tables."""
    if path.suffix.lower() == ".parquet" or is_dataset(path):  # a dataset: the row within its file
        return f"SELECT * EXCLUDE (file_row_number, filename), file_row_number + 1 AS _row FROM {parquet_scan(path)}"
    layout = csv_layout(path)
    numbered = f"SELECT *, row_number() OVER () AS _k FROM {_csv_scan(path, layout)}"
    if layout.empty_lines:  # DuckDB skips empty lines: add back those above each row
        values = ", ".join(f"({t}, {j})" for t, j in layout.empty_lines)
        rows = (
            f"SELECT s.* EXCLUDE (_k), s._k + 1 + coalesce(e.j, 0) AS _row FROM ({numbered}) s "
            f"ASOF LEFT JOIN (VALUES {values}) e(t, j) ON s._k >= e.t"
        )
    else:  # the header is line 1, so the first data row is line 2
        rows = f"SELECT * EXCLUDE (_k), _k + 1 AS _row FROM ({numbered})"
    blank = " AND ".join(f"coalesce(trim(c{i}), '') = ''" for i in range(len(layout.header)))
    return f"SELECT * FROM ({rows}) WHERE NOT ({blank})"


def file_columns(con: duckdb.DuckDBPyConnection | None, path: Path) -> list[str]:
    """The file's column names, normalised."""
    return list(_columns(path))


def relation_sql(path: Path, spec: TableSpec, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """A typed SELECT of the contract's columns (names normalised); bad cells become NULL."""
    return typed_select(raw_scan_sql(path), _columns(path), spec)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")


def _duckdb_problem(e: duckdb.Error, file: str) -> Problem:
    """A DuckDB read error as a problem naming the line and what is wrong with it."""
    msg = str(e)
    m = _CSV_LINE.search(msg)
    row = int(m.group(1)) if m else None
    counts = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg)
    if "unterminated quote" in msg:
        reason = "a quoted cell is never closed (a truncated file?)"
    elif counts:
        reason = (
            f"the row has {counts.group(2)} fields but the header has {counts.group(1)} "
            "(a truncated file, or the wrong separator?)"
        )
    elif "invalid state" in msg:
        reason = "not a CSV file the contract accepts (not RFC 4180)"
    else:
        lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
        reason = lines[0].split("Error:", 1)[-1].strip() if lines else type(e).__name__
    return Problem("error", file, f"cannot be read: {reason[:200]}", row=row)


def check_large_sql(
    path: Path, spec: TableSpec, report: ValidationReport, regions: Collection[str] | None = None
) -> int:
    """The tests' reference: check one large-table file (not a dataset folder) against the
    contract in hand-written DuckDB SQL; add problems to ``report``; return the row count.
    ``regions``: the parameters' region codes (None: region codes are not checked). The library
    calls ``engine.validate.check_large``, which must give the same report."""
    file = path.name
    if is_dataset(path):
        raise ValueError(f"{file}: the SQL reference checks one file; a dataset is checked by engine.validate")
    try:
        named = _file_columns(path)
    except ReadError as e:
        report.add(e.problem)
        return 0
    except duckdb.Error as e:
        report.add(_duckdb_problem(e, file))
        return 0
    except OSError as e:
        report.add(Problem("error", file, f"cannot be opened ({e.strerror or type(e).__name__})"))
        return 0
    except Exception as e:  # pyarrow on a file that is not Parquet
        report.add(Problem("error", file, f"not a readable {path.suffix.lstrip('.')} file ({type(e).__name__})"))
        return 0
    columns = list(dict.fromkeys(norm for norm, _ in named))
    for c in columns:
        if c in RESERVED_COLUMNS:
            report.add(Problem("error", file, "column name is reserved by the loader; rename it", column=c))
            return 0
    dupes = list(dict.fromkeys(norm for i, (norm, _) in enumerate(named) if norm in [n for n, _ in named[:i]]))
    for c in dupes:
        report.add(Problem("error", file, "column appears more than once in the header", column=c))
    missing = [c for c in spec.required_columns if c not in columns]
    for c in missing:
        report.add(Problem("error", file, "required column is missing", column=c))
    for c in columns:
        if c not in spec.column_names:
            report.add(Problem("warning", file, "column is not in the contract; ignored", column=c))
    if missing or dupes:
        return 0
    con = duckdb.connect()
    try:
        return _check_rows(con, path, spec, report, regions)
    except duckdb.Error as e:
        report.add(_duckdb_problem(e, file))
        return 0
    finally:
        con.close()


def _cell_rule(parser: Callable[[object], object], generic: str) -> Callable[[str], str]:
    """The rule for one listed cell as the small tables word it (the parser's own message)."""

    def describe(value: str) -> str:
        try:
            parser(value)
        except CellError as e:
            return f"{generic.split(':')[0]}: {e}"
        return generic

    return describe


def _column_rules(col: ColumnSpec, src: str, table: str, regions: Collection[str] | None) -> list[tuple[Any, ...]]:
    """(rule, SQL condition over r (raw) and t (typed), describe or None) for one column."""
    rules: list[tuple[Any, ...]] = []
    if not col.nullable:
        rules.append(("required: the cell is empty", f"(r.{src} IS NULL OR TRIM(CAST(r.{src} AS VARCHAR)) = '')", None))
    if col.type != "str":
        generic = f"type {col.type}: cannot be read as {col.type}"
        rules.append(
            (
                generic,
                f"(r.{src} IS NOT NULL AND TRIM(CAST(r.{src} AS VARCHAR)) <> '' AND t.{col.name} IS NULL)",
                _cell_rule(PARSERS[col.type], generic),
            )
        )
    if col.key:
        generic = "type str: an id or code with an invisible or control character"
        rules.append(
            (
                generic,
                f"regexp_matches(t.{col.name}, '[\\p{{Cf}}\\p{{Cc}}\\p{{Co}}\\p{{Zl}}\\p{{Zp}}]')",
                _cell_rule(parse_key, generic),
            )
        )
    if col.region and regions is not None:
        known = sorted(set(regions))
        listed = ", ".join("'" + k.replace("'", "''") + "'" for k in known) or "NULL"
        rules.append(
            (
                "unknown region code",
                f"t.{col.name} NOT IN ({listed})",
                lambda v, known=known: unknown_code_rule(v, known),
            )
        )
    if col.gt is not None:
        rules.append((f"must be > {col.gt:g}", f"t.{col.name} <= {col.gt}", None))
    if col.ge is not None:
        rules.append((f"must be >= {col.ge:g}", f"t.{col.name} < {col.ge}", None))
    if col.le is not None:
        rules.append((f"must be <= {col.le:g}", f"t.{col.name} > {col.le}", None))
    if col.type == "float":
        rules.append(("type float: expected a finite number", f"(isinf(t.{col.name}) OR isnan(t.{col.name}))", None))
    plausible = plausibility_rule(table, col.name)
    if plausible is not None and col.type in ("float", "int"):
        bound, rule = plausible
        rules.append((rule, f"abs(t.{col.name}) > {bound!r}", None))
    if col.type == "date":
        rules.append(
            (
                f"date out of range {MIN_DATE} .. {MAX_DATE}",
                f"(t.{col.name} < DATE '{MIN_DATE}' OR t.{col.name} > DATE '{MAX_DATE}')",
                None,
            )
        )
    if col.allowed is not None:
        allowed = ", ".join("'" + a.replace("'", "''") + "'" for a in col.allowed)
        rules.append((f"allowed values: {', '.join(col.allowed)}", f"t.{col.name} NOT IN ({allowed})", None))
    return rules


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    spec: TableSpec,
    report: ValidationReport,
    regions: Collection[str] | None = None,
) -> int:
    file = path.name
    actual = _columns(path)
    if path.suffix.lower() == ".csv":  # parse the text once (the rules below scan it many times)
        con.sql(f"CREATE TEMP TABLE r AS SELECT * FROM ({raw_scan_sql(path)})")
    else:
        con.sql(f"CREATE TEMP VIEW r AS SELECT * FROM ({raw_scan_sql(path)})")
    kind = "TABLE" if path.suffix.lower() == ".csv" else "VIEW"
    con.sql(f"CREATE TEMP {kind} t AS {typed_select('SELECT * FROM r', actual, spec)}")
    n_rows = con.sql("SELECT count(*) FROM r").fetchall()[0][0]
    if n_rows == 0:
        report.add(Problem("error", file, "file has a header but no rows"))
        return 0
    checks: list[tuple[Any, ...]] = []  # (column, rule, value SQL, condition SQL, describe)
    for col in spec.columns:
        if col.name not in actual:
            continue  # an optional column the file does not have
        src = ident(actual[col.name].name)
        checks.extend(
            (col.name, rule, f"CAST(r.{src} AS VARCHAR)", cond, describe)
            for rule, cond, describe in _column_rules(col, src, spec.name, regions)
        )
    # one query for all rules: per rule the first MAX_PER_RULE offending rows and the count
    parts = [
        f"SELECT {k} AS k, r._row AS _row, {value} AS v FROM r JOIN t USING (_row) WHERE {cond}"
        for k, (_, _, value, cond, _) in enumerate(checks)
    ]
    hits = con.sql(
        "SELECT k, _row, v, n FROM (SELECT k, _row, v, count(*) OVER (PARTITION BY k) AS n, "
        "row_number() OVER (PARTITION BY k ORDER BY _row) AS i FROM (" + " UNION ALL ".join(parts) + ")) "
        f"WHERE i <= {MAX_PER_RULE} ORDER BY k, _row"
    ).fetchall()
    counted: set[int] = set()
    for k, row, value, n in hits:
        column, rule, _, _, describe = checks[k]
        shown = describe(value) if describe is not None and value is not None else rule
        report.add(Problem("error", file, shown, row=int(row), column=column, value=value))
        if k not in counted:
            counted.add(k)
            report.add_count(file, column, rule, int(n) - min(int(n), MAX_PER_RULE))
    return int(n_rows)

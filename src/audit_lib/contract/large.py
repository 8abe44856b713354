"""Large tables (``purchase_lines``): validated and queried in DuckDB, never whole in pandas.

``relation_sql`` gives a typed SELECT over the file that any DuckDB query can build on
(the panel in ``audit_lib.panel`` does); ``check_large`` runs the contract's rules as SQL and
lists the first offending rows of each rule with their row numbers, counting the rest.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from .problems import MAX_PER_RULE, Problem, ValidationReport
from .read import normalise_header
from .spec import MAX_DATE, MIN_DATE, TableSpec

SQL_TYPES = {"str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "date": "DATE", "bool": "BOOLEAN"}


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _csv_options(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    try:
        head.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the sample is still UTF-8
        encoding = "utf-8" if e.start > len(head) - 4 else "latin-1"
    first = head.split(b"\n", 1)[0].decode(encoding if encoding == "utf-8" else "latin-1", "replace")
    sep = ";" if first.count(";") > 0 and first.count(";") >= first.count(",") else ","
    decimal = "," if sep == ";" else "."
    return (
        f"delim='{sep}', decimal_separator='{decimal}', header=true, all_varchar=true, "
        f"encoding='{encoding}', strict_mode=true, null_padding=false"
    )


def raw_scan_sql(path: Path) -> str:
    """A SELECT over the file with its own column names, values as stored, plus ``_row``."""
    if path.suffix.lower() == ".parquet":
        return f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row FROM read_parquet({_quote(path)}, file_row_number=true)"
    # CSV: the header is line 1, so the first data row is line 2
    return (
        f"SELECT *, row_number() OVER () + 1 AS _row FROM read_csv({_quote(path)}, {_csv_options(path)})"
    )


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    rel = con.sql(f"SELECT * FROM ({raw_scan_sql(path)}) LIMIT 0")
    return [c for c in rel.columns if c != "_row"]


def relation_sql(path: Path, spec: TableSpec, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """A typed SELECT of the contract's columns (names normalised); bad cells become NULL."""
    own = duckdb.connect() if con is None else con
    actual = {normalise_header(c): c for c in file_columns(own, path)}
    parts = []
    for col in spec.columns:
        src = '"' + actual.get(col.name, col.name).replace('"', '""') + '"'
        if col.type == "str":
            parts.append(f"TRIM(CAST({src} AS VARCHAR)) AS {col.name}")
        elif col.type == "float" and path.suffix.lower() == ".csv":
            parts.append(f"TRY_CAST(REPLACE(REPLACE(TRIM({src}), ' ', ''), ',', '.') AS DOUBLE) AS {col.name}")
        else:
            parts.append(f"TRY_CAST({src} AS {SQL_TYPES[col.type]}) AS {col.name}")
    return f"SELECT {', '.join(parts)}, _row FROM ({raw_scan_sql(path)})"


def check_large(path: Path, spec: TableSpec, report: ValidationReport) -> int:
    """Check a large table against the contract; add problems to ``report``; return row count."""
    file = path.name
    con = duckdb.connect()
    try:
        try:
            columns = [normalise_header(c) for c in file_columns(con, path)]
        except duckdb.Error as e:
            report.add(Problem("error", file, f"cannot be read ({str(e).splitlines()[0]})"))
            return 0
        missing = [c for c in spec.column_names if c not in columns]
        for c in missing:
            report.add(Problem("error", file, "required column is missing", column=c))
        for c in columns:
            if c not in spec.column_names:
                report.add(Problem("warning", file, "column is not in the contract; ignored", column=c))
        if missing:
            return 0
        typed = relation_sql(path, spec, con)
        raw = raw_scan_sql(path)
        actual = {normalise_header(c): c for c in file_columns(con, path)}
        con.sql(f"CREATE TEMP VIEW t AS SELECT * FROM ({typed})")
        con.sql(f"CREATE TEMP VIEW r AS SELECT * FROM ({raw})")
        try:
            n_rows = con.sql("SELECT count(*) FROM r").fetchall()[0][0]
        except duckdb.Error as e:
            report.add(Problem("error", file, f"cannot be read ({str(e).splitlines()[0]})"))
            return 0
        if n_rows == 0:
            report.add(Problem("error", file, "file has a header but no rows"))
            return 0
        for col in spec.columns:
            src = '"' + actual[col.name].replace('"', '""') + '"'
            rules: list[tuple[str, str]] = []
            if not col.nullable:
                rules.append(("required: the cell is empty", f"(r.{src} IS NULL OR TRIM(CAST(r.{src} AS VARCHAR)) = '')"))
            if col.type != "str":
                rules.append(
                    (f"type {col.type}: cannot be read as {col.type}",
                     f"(r.{src} IS NOT NULL AND TRIM(CAST(r.{src} AS VARCHAR)) <> '' AND t.{col.name} IS NULL)")
                )
            if col.gt is not None:
                rules.append((f"must be > {col.gt:g}", f"t.{col.name} <= {col.gt}"))
            if col.ge is not None:
                rules.append((f"must be >= {col.ge:g}", f"t.{col.name} < {col.ge}"))
            if col.type == "date":
                rules.append(
                    (f"date out of range {MIN_DATE} .. {MAX_DATE}",
                     f"(t.{col.name} < DATE '{MIN_DATE}' OR t.{col.name} > DATE '{MAX_DATE}')")
                )
            for rule, cond in rules:
                q = (
                    f"SELECT r._row, CAST(r.{src} AS VARCHAR), count(*) OVER () FROM r JOIN t USING (_row) "
                    f"WHERE {cond} ORDER BY r._row LIMIT {MAX_PER_RULE}"
                )
                hits = con.sql(q).fetchall()
                for row, value, _ in hits:
                    report.add(Problem("error", file, rule, row=int(row), column=col.name, value=value))
                if hits:
                    report.add_count(file, col.name, rule, int(hits[0][2]) - len(hits))
        return int(n_rows)
    finally:
        con.close()

"""Large tables (``purchase_lines``): validated and queried in DuckDB, never whole in pandas.

``relation_sql`` gives a typed SELECT over the file that any DuckDB query can build on
(the panel in ``audit_lib.panel`` does); ``check_large`` runs the contract's rules as SQL and
lists the first offending rows of each rule with their row numbers, counting the rest.

A CSV is never left to DuckDB's sniffer (which guesses a header, a separator and types from a
sample and may guess wrong on a broken file): the file is scanned once in Python for its
encoding (UTF-16, NUL bytes, bytes that are neither UTF-8 nor Windows-1252, a mix of the two
are refused with the line), its header is read with the same rules as the small tables, and
DuckDB reads it with those explicit options, every column as text, in strict mode, so that a
row with too many or too few fields or an unclosed quote is an error naming its line.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .problems import MAX_PER_RULE, Problem, ValidationReport
from .read import (
    RESERVED_COLUMNS,
    ReadError,
    detect_separator,
    _utf8_letter,
    normalise_header,
)
from .spec import MAX_DATE, MIN_DATE, TableSpec
from .validate import plausibility_rule

SQL_TYPES = {"str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "date": "DATE", "bool": "BOOLEAN"}
_CHUNK = 8 << 20
# bytes that Windows-1252 leaves undefined
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class CsvLayout:
    """How to read one CSV: its encoding, separator and header (names as in the file)."""

    encoding: str  # utf-8 or latin-1 (DuckDB's name for the single-byte fallback)
    separator: str
    header: tuple[str, ...]


_LAYOUTS: dict[tuple[str, int, int], CsvLayout] = {}


def _line_at(path: Path, offset: int) -> int:
    """The 1-based line of byte ``offset`` (counts newlines in chunks)."""
    line, pos = 1, 0
    with open(path, "rb") as fh:
        while pos < offset:
            block = fh.read(min(_CHUNK, offset - pos))
            if not block:
                break
            line += block.count(b"\n")
            pos += len(block)
    return line


def csv_layout(path: Path) -> CsvLayout:
    """Scan a CSV once for its encoding and read its header; raise :class:`ReadError`."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    file = path.name
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        with open(path, "rb") as fh:
            if not fh.read(1 << 16).strip(b" \t\r\n\xef\xbb\xbf"):
                raise ReadError(Problem("error", file, "file is empty: expected a header row and data"))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(Problem(
            "error", file, "encoding: the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8'", row=1))
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok, first_bad, has_multibyte, undefined_at = True, -1, False, -1
    pos = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            nul = block.find(b"\x00")
            if nul >= 0:
                raise ReadError(Problem(
                    "error", file, "encoding: the file contains NUL bytes (a binary file, or UTF-16 text "
                    "without a byte order mark); save it as 'CSV UTF-8'", row=_line_at(path, pos + nul)))
            if not has_multibyte and _utf8_letter(block) is not None:
                has_multibyte = True
            if undefined_at < 0:
                m = _CP1252_UNDEFINED.search(block)
                if m:
                    undefined_at = pos + m.start()
            if utf8_ok:
                try:
                    decoder.decode(block, final=False)
                except UnicodeDecodeError as e:
                    utf8_ok, first_bad = False, pos + e.start
            pos += len(block)
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok, first_bad = False, max(pos - 1, 0)
    if utf8_ok:
        encoding = "utf-8"
    elif has_multibyte:
        raise ReadError(Problem(
            "error", file, "encoding: mixed encodings: some lines are UTF-8, this line has bytes that are not "
            "UTF-8 (Windows-1252?); save the whole file in one encoding", row=_line_at(path, first_bad)))
    elif undefined_at >= 0:
        raise ReadError(Problem(
            "error", file, "encoding: bytes cannot be read as UTF-8 or Windows-1252", row=_line_at(path, undefined_at)))
    else:
        encoding = "latin-1"
    with open(path, "rb") as fh:
        first = fh.readline(1 << 20)
    text = first.decode("utf-8" if encoding == "utf-8" else "cp1252", "replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise ReadError(Problem("error", file, "the first line is empty: expected the header row", row=1))
    sep = detect_separator(text)
    header = tuple(next(csv.reader([text], delimiter=sep)))
    layout = CsvLayout(encoding, sep, header)
    _LAYOUTS[key] = layout
    return layout


def _csv_scan(path: Path, layout: CsvLayout) -> str:
    cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.header)))
    sep = layout.separator.replace("'", "''")
    return (
        f"read_csv({_quote(path)}, delim='{sep}', quote='\"', escape='\"', header=true, auto_detect=false, "
        f"columns={{{cols}}}, encoding='{layout.encoding}', strict_mode=true, null_padding=false, "
        f"ignore_errors=false, skip=0)"
    )


def _columns(path: Path) -> dict[str, str]:
    """Normalised column name -> the scan's own column name (first of duplicates wins)."""
    if path.suffix.lower() == ".parquet":
        con = duckdb.connect()
        try:
            names = con.sql(f"SELECT * FROM read_parquet({_quote(path)}) LIMIT 0").columns
        finally:
            con.close()
        pairs = [(normalise_header(c), c) for c in names]
    else:
        layout = csv_layout(path)
        pairs = [(normalise_header(h) or f"unnamed_{i + 1}", f"c{i}") for i, h in enumerate(layout.header)]
    out: dict[str, str] = {}
    for norm, own in pairs:
        out.setdefault(norm, own)
    return out


def raw_scan_sql(path: Path) -> str:
    """A SELECT over the file, values as stored (CSV: all text, columns ``c0..``), plus ``_row``
    (the row number a person sees: the CSV line, or the Parquet row from 1)."""
    if path.suffix.lower() == ".parquet":
        return (f"SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row "
                f"FROM read_parquet({_quote(path)}, file_row_number=true)")
    # CSV: the header is line 1, so the first data row is line 2
    return f"SELECT *, row_number() OVER () + 1 AS _row FROM {_csv_scan(path, csv_layout(path))}"


def file_columns(con: duckdb.DuckDBPyConnection | None, path: Path) -> list[str]:
    """The file's column names, normalised."""
    return list(_columns(path))


def _typed_select(source: str, actual: dict[str, str], spec: TableSpec, is_csv: bool) -> str:
    parts = []
    for col in spec.columns:
        src = _ident(actual.get(col.name, col.name))
        if col.type == "str":
            parts.append(f"TRIM(CAST({src} AS VARCHAR)) AS {col.name}")
        elif col.type == "float" and is_csv:
            parts.append(f"TRY_CAST(REPLACE(REPLACE(TRIM({src}), ' ', ''), ',', '.') AS DOUBLE) AS {col.name}")
        elif is_csv:
            parts.append(f"TRY_CAST(TRIM({src}) AS {SQL_TYPES[col.type]}) AS {col.name}")
        else:
            parts.append(f"TRY_CAST({src} AS {SQL_TYPES[col.type]}) AS {col.name}")
    return f"SELECT {', '.join(parts)}, _row FROM ({source})"


def relation_sql(path: Path, spec: TableSpec, con: duckdb.DuckDBPyConnection | None = None) -> str:
    """A typed SELECT of the contract's columns (names normalised); bad cells become NULL."""
    return _typed_select(raw_scan_sql(path), _columns(path), spec, path.suffix.lower() == ".csv")


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
        reason = (f"the row has {counts.group(2)} fields but the header has {counts.group(1)} "
                  "(a truncated file, or the wrong separator?)")
    elif "invalid state" in msg:
        reason = "not a CSV file the contract accepts (not RFC 4180)"
    else:
        lines = [ln.strip() for ln in msg.splitlines() if ln.strip()]
        reason = lines[0].split("Error:", 1)[-1].strip() if lines else type(e).__name__
    return Problem("error", file, f"cannot be read: {reason[:200]}", row=row)


def check_large(path: Path, spec: TableSpec, report: ValidationReport) -> int:
    """Check a large table against the contract; add problems to ``report``; return row count."""
    file = path.name
    try:
        columns = file_columns(None, path)
    except ReadError as e:
        report.add(e.problem)
        return 0
    except duckdb.Error as e:
        report.add(_duckdb_problem(e, file))
        return 0
    except OSError as e:
        report.add(Problem("error", file, f"cannot be opened ({e.strerror or type(e).__name__})"))
        return 0
    for c in columns:
        if c in RESERVED_COLUMNS:
            report.add(Problem("error", file, "column name is reserved by the loader; rename it", column=c))
            return 0
    missing = [c for c in spec.column_names if c not in columns]
    for c in missing:
        report.add(Problem("error", file, "required column is missing", column=c))
    for c in columns:
        if c not in spec.column_names:
            report.add(Problem("warning", file, "column is not in the contract; ignored", column=c))
    if missing:
        return 0
    con = duckdb.connect()
    try:
        return _check_rows(con, path, spec, report)
    except duckdb.Error as e:
        report.add(_duckdb_problem(e, file))
        return 0
    finally:
        con.close()


def _check_rows(con: duckdb.DuckDBPyConnection, path: Path, spec: TableSpec, report: ValidationReport) -> int:
    file = path.name
    actual = _columns(path)
    is_csv = path.suffix.lower() == ".csv"
    if is_csv:  # parse the text once (the rules below scan it many times)
        con.sql(f"CREATE TEMP TABLE r AS SELECT * FROM ({raw_scan_sql(path)})")
    else:
        con.sql(f"CREATE TEMP VIEW r AS SELECT * FROM ({raw_scan_sql(path)})")
    con.sql(f"CREATE TEMP VIEW t AS {_typed_select('SELECT * FROM r', actual, spec, is_csv)}")
    n_rows = con.sql("SELECT count(*) FROM r").fetchall()[0][0]
    if n_rows == 0:
        report.add(Problem("error", file, "file has a header but no rows"))
        return 0
    checks: list[tuple[str, str, str]] = []  # (column, rule, condition)
    for col in spec.columns:
        src = _ident(actual[col.name])
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
        if col.le is not None:
            rules.append((f"must be <= {col.le:g}", f"t.{col.name} > {col.le}"))
        if col.type == "float":
            rules.append(("type float: expected a finite number", f"(isinf(t.{col.name}) OR isnan(t.{col.name}))"))
        plausible = plausibility_rule(spec.name, col.name)
        if plausible is not None and col.type in ("float", "int"):
            bound, rule = plausible
            rules.append((rule, f"abs(t.{col.name}) > {bound!r}"))
        if col.type == "date":
            rules.append(
                (f"date out of range {MIN_DATE} .. {MAX_DATE}",
                 f"(t.{col.name} < DATE '{MIN_DATE}' OR t.{col.name} > DATE '{MAX_DATE}')")
            )
        if col.allowed is not None:
            allowed = ", ".join("'" + a.replace("'", "''") + "'" for a in col.allowed)
            rules.append((f"allowed values: {', '.join(col.allowed)}", f"t.{col.name} NOT IN ({allowed})"))
        checks.extend((col.name, rule, f"CAST(r.{src} AS VARCHAR)|{cond}") for rule, cond in rules)
    # one query for all rules: per rule the first MAX_PER_RULE offending rows and the count
    parts = []
    for k, (_, _, both) in enumerate(checks):
        value, cond = both.split("|", 1)
        parts.append(
            f"SELECT {k} AS k, r._row AS _row, {value} AS v FROM r JOIN t USING (_row) WHERE {cond}"
        )
    hits = con.sql(
        "SELECT k, _row, v, n FROM (SELECT k, _row, v, count(*) OVER (PARTITION BY k) AS n, "
        "row_number() OVER (PARTITION BY k ORDER BY _row) AS i FROM (" + " UNION ALL ".join(parts) + ")) "
        f"WHERE i <= {MAX_PER_RULE} ORDER BY k, _row"
    ).fetchall()
    counted: set[int] = set()
    for k, row, value, n in hits:
        column, rule, _ = checks[k]
        report.add(Problem("error", file, rule, row=int(row), column=column, value=value))
        if k not in counted:
            counted.add(k)
            report.add_count(file, column, rule, int(n) - min(int(n), MAX_PER_RULE))
    return int(n_rows)

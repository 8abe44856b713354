"""The contract's row rules for a large table as ibis expressions (DuckDB or Spark).

Every validation of ``purchase_lines`` runs here (``contract.validate_package`` calls
:func:`check_large`): the first ``MAX_PER_RULE`` offending rows of each rule with their row
numbers and stored values, and the count of the rest, computed where the data lives. The
tests hold it to the report of ``contract.large.check_large_sql``, the same rules in
hand-written DuckDB SQL kept as the reference. The rules are one boolean
expression each over the stored value (``raw_<column>``) and the typed value; one query
unions the offending rows of every rule and keeps the first ones per rule.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from ..contract.package import DataPackage
from ..contract.package import validate_package as validate_locally
from ..contract.problems import MAX_PER_RULE, Problem, ValidationReport
from ..contract.read import RESERVED_COLUMNS, ReadError
from ..contract.spec import MAX_DATE, MIN_DATE, TABLES, ColumnSpec, TableSpec
from ..contract.large import _cell_rule
from ..contract.parse import PARSERS, parse_key
from ..contract.validate import plausibility_rule, unknown_code_rule
from .connect import EngineError, backend_name, connect, engine_settings, first_line
from .read import Scan, scan, sql_trim, typed


_TEMP = itertools.count()


def _blank(raw: ir.Value) -> ir.BooleanValue:
    return sql_trim(raw.cast("string")) == ""


def _null(v: ir.Value) -> ir.BooleanValue:
    """SQL NULL only: ibis's ``isnull`` of a float is also true for NaN on Spark (not on
    DuckDB), so a float's NaN is taken out (``isnan`` of NULL is NULL on DuckDB, false on
    Spark). Not by casting to text (a NaN is 'NaN' there): that cast of every number made the
    validation of 50 M lines cost 1.7 times the CPU of the contract's SQL."""
    if v.type().is_floating():
        return v.isnull() & ~v.isnan().fill_null(False)
    return v.isnull()


Check = tuple[str, str, ir.BooleanValue, Callable[[str], str] | None]


def rules(t: ir.Table, spec: TableSpec, regions: Collection[str] | None = None) -> list[Check]:
    """(column, rule, offending-row condition, describe or None) for every rule of the contract,
    in the order of the SQL reference's ``contract.large._column_rules``; ``t`` has the typed columns and
    ``raw_<column>``; ``describe`` words one listed cell as the small tables do."""
    out: list[Check] = []
    for col in spec.columns:
        if col.name not in t.columns:
            continue  # an optional column the file does not have
        raw, v = t[f"raw_{col.name}"], t[col.name]
        out += _reading_checks(col, raw, v, regions) + _value_checks(col, v, spec.name)
    return out


def _reading_checks(col: ColumnSpec, raw: ir.Value, v: ir.Value, regions: Collection[str] | None) -> list[Check]:
    """A column's rules on reading: required, its type, invisible characters in ids, region codes."""
    out: list[Check] = []
    if not col.nullable:
        out.append((col.name, "required: the cell is empty", _null(raw) | _blank(raw), None))
    if col.type != "str":
        generic = f"type {col.type}: cannot be read as {col.type}"
        out.append((col.name, generic, ~_null(raw) & ~_blank(raw) & _null(v), _cell_rule(PARSERS[col.type], generic)))
    if col.key:
        generic = "type str: an id or code with an invisible or control character"
        out.append(
            (col.name, generic, v.re_search("[\\p{Cf}\\p{Cc}\\p{Co}\\p{Zl}\\p{Zp}]"), _cell_rule(parse_key, generic))
        )
    if col.region and regions is not None:
        known = sorted(set(regions))
        out.append(
            (
                col.name,
                "unknown region code",
                v.notin(known) if known else ibis.null("boolean"),
                functools.partial(unknown_code_rule, known=known),
            )
        )
    return out


def _value_checks(col: ColumnSpec, v: ir.Value, table: str) -> list[Check]:
    """A column's rules on the typed value: bounds, finite, plausible size, date range, allowed."""
    out: list[Check] = []
    if col.gt is not None:
        out.append((col.name, f"must be > {col.gt:g}", v <= col.gt, None))
    if col.ge is not None:
        out.append((col.name, f"must be >= {col.ge:g}", v < col.ge, None))
    if col.le is not None:
        out.append((col.name, f"must be <= {col.le:g}", v > col.le, None))
    if col.type == "float":
        # not ibis's isinf, which compiles to FALSE on Spark (ibis 12.0.0); NaN also passes
        # this test, as NaN compares greater than every number on both engines
        infinite = v.abs() > sys.float_info.max
        out.append((col.name, "type float: expected a finite number", infinite | v.isnan(), None))
    plausible = plausibility_rule(table, col.name)
    if plausible is not None and col.type in ("float", "int"):
        bound, rule = plausible
        out.append((col.name, rule, v.abs() > bound, None))
    if col.type == "date":
        out.append(
            (
                col.name,
                f"date out of range {MIN_DATE} .. {MAX_DATE}",
                (v < ibis.date(str(MIN_DATE))) | (v > ibis.date(str(MAX_DATE))),
                None,
            )
        )
    if col.allowed is not None:
        out.append((col.name, f"allowed values: {', '.join(col.allowed)}", v.notin(list(col.allowed)), None))
    return out


def offending_rows(t: ir.Table, checks: list[Check]) -> ir.Table:
    """Per rule ``k``: its first ``MAX_PER_RULE`` offending rows (``_file``, ``_row``, stored
    value ``v``) and ``n``, the rule's count of offending rows; ordered by rule and row."""
    parts = [
        t.filter(cond).select(
            k=ibis.literal(k, "int64"),
            _file=t["_file"],
            _row=t["_row"].cast("int64"),
            v=t[f"raw_{column}"].cast("string"),
        )
        for k, (column, _, cond, _) in enumerate(checks)
    ]
    u = ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
    u = u.mutate(
        n=ibis._.count().over(group_by="k"), i=ibis.row_number().over(group_by="k", order_by=["_file", "_row"])
    )
    return u.filter(u.i < MAX_PER_RULE).select("k", "_file", "_row", "v", "n").order_by(["k", "_file", "_row"])


def _read_problem(e: Exception, file: str, engine: str) -> Problem:
    if engine == "duckdb":
        import duckdb

        from ..contract.large import _duckdb_problem

        if isinstance(e, duckdb.Error):
            return _duckdb_problem(e, file)
    return Problem("error", file, f"cannot be read: {first_line(e)[:200]}")


def check_header(s: Scan, spec: TableSpec, report: ValidationReport) -> bool:
    """The header rules on a scan (no row is read); add problems; whether the rows can be checked."""
    file = s.name
    for c in s.columns:
        if c in RESERVED_COLUMNS:
            report.add(Problem("error", file, "column name is reserved by the loader; rename it", column=c))
            return False
    dupes = list(dict.fromkeys(n for i, n in enumerate(s.names) if n in s.names[:i]))
    for c in dupes:
        report.add(Problem("error", file, "column appears more than once in the header", column=c))
    missing = [c for c in spec.required_columns if c not in s.columns]
    for c in missing:
        report.add(Problem("error", file, "required column is missing", column=c))
    for c in s.columns:
        if c not in spec.column_names:
            report.add(Problem("warning", file, "column is not in the contract; ignored", column=c))
    return not (missing or dupes)


def check_rows(s: Scan, spec: TableSpec, report: ValidationReport, regions: Collection[str] | None = None) -> int:
    """The row rules on a scan whose header passed :func:`check_header`; return the row count."""
    file = s.name
    t = typed(s, spec, keep_raw=True)
    n_rows = int(t.count().to_pyarrow().as_py())
    if n_rows == 0:
        report.add(Problem("error", file, "file has a header but no rows"))
        return 0
    checks = rules(t, spec, regions)
    hits = offending_rows(t, checks).to_pyarrow().to_pylist()
    dataset = len({h["_file"] for h in hits}) > 1 or s.name != (hits[0]["_file"] if hits else s.name)
    counted: set[int] = set()
    for h in hits:
        column, rule, _, describe = checks[h["k"]]
        where = f"{s.name}/{h['_file']}" if dataset else file
        shown = describe(h["v"]) if describe is not None and h["v"] is not None else rule
        report.add(Problem("error", where, shown, row=int(h["_row"]), column=column, value=h["v"]))
        if h["k"] not in counted:
            counted.add(h["k"])
            report.add_count(file, column, rule, int(h["n"]) - min(int(h["n"]), MAX_PER_RULE))
    return n_rows


def check_scan(s: Scan, spec: TableSpec, report: ValidationReport, regions: Collection[str] | None = None) -> int:
    """The header rules, then (if they pass) the row rules on a Parquet scan; the row count."""
    return check_rows(s, spec, report, regions) if check_header(s, spec, report) else 0


def check_large(
    path: Path | str,
    spec: TableSpec,
    report: ValidationReport,
    engine: Any = None,
    con: Any = None,
    regions: Collection[str] | None = None,
) -> int:
    """Check a large table (a file, or a Parquet dataset folder or glob) on ``engine`` (DuckDB
    by default, or Spark); add problems to ``report``; return the row count.
    ``regions``: the parameters' region codes (None: region codes are not checked)."""
    name = Path(path).name
    own = con is None
    try:
        con = connect(engine) if own else con
    except EngineError as e:
        report.add(Problem("error", name, str(e)))
        return 0
    kind = backend_name(con)
    try:
        s = scan(con, path)
        if not check_header(s, spec, report):  # before any row is read
            return 0
        if s.is_csv:  # parse the text once (the rules scan it many times)
            s = dataclasses.replace(s, table=con.create_table(f"audit_raw_{next(_TEMP)}", s.table, temp=True))
        return check_rows(s, spec, report, regions)
    except ReadError as e:
        report.add(e.problem)
    except EngineError as e:
        report.add(Problem("error", name, str(e)))
    except OSError as e:
        report.add(Problem("error", name, f"cannot be opened ({e.strerror or type(e).__name__})"))
    except Exception as e:  # the engine's own read errors (DuckDB, Spark), named for the file
        report.add(_read_problem(e, name, kind))
    finally:
        if own and kind == "duckdb":
            con.disconnect()
    return 0


def validate_package(
    data_dir: Path | str, engine: Any = None, regions: Collection[str] | None = None
) -> tuple[DataPackage, ValidationReport]:
    """``contract.validate_package`` with the large tables' rows checked on ``engine`` (the
    ``engine`` parameter): DuckDB (the default) is ``contract.validate_package`` itself, which
    checks each large table with :func:`check_large` on its own DuckDB connection; on Spark
    the small tables are checked as always and each large table by :func:`check_large`, one
    SparkSession for all. The same problems for the same package on either engine."""
    if engine_settings(engine)["backend"] == "duckdb":
        return validate_locally(data_dir, regions=regions)
    package, report = validate_locally(data_dir, check_large_tables=False, regions=regions)
    con = None
    for name, table in package.large.items():
        try:
            con = con or connect(engine)
        except EngineError as e:
            report.add(Problem("error", table.path.name, str(e)))
            break
        n = check_large(table.path, TABLES[name], report, con=con, regions=regions)
        package.large[name] = dataclasses.replace(table, n_rows=n)
    return package, report

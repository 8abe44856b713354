"""Type the cells of a statistics export: each column parsed by its type (dates from Excel day
numbers or text, organisation numbers as digits), every failure a problem naming the row and
the column as headed in the file."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..contract.parse import CellError, parse_bool, parse_date, parse_float, parse_int, parse_str
from ..contract.problems import Problem
from .columns import StatColumn
from .xlsx_rows import XlsxErrorValue


def blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


def parse_date_cell(v: object, date1904: bool = False) -> pd.Timestamp:
    if isinstance(v, bool):
        raise CellError("expected a date, found a true/false value")
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        if not (1 <= f < 2958466) or not f.is_integer():
            raise CellError("expected a date (a whole Excel day number or YYYY-MM-DD)")
        base = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH
        d = base + dt.timedelta(days=int(f))
        return pd.Timestamp(d.year, d.month, d.day)
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}", s) and s.endswith("00:00:00"):
            s = s[:10]
        return parse_date(s)
    return parse_date(v)


def _parse_orgnr(v: object) -> str:
    if isinstance(v, bool):
        raise CellError("expected an organisation number, found a true/false value")
    if isinstance(v, (float, np.floating)):
        if not float(v).is_integer():
            raise CellError("expected an organisation number (digits)")
        v = int(v)
    s = re.sub(r"[\s\-\u2010-\u2015]", "", str(v))
    if not s.isdigit():
        raise CellError("expected an organisation number (digits, optionally NNNNNN-NNNN)")
    return s


def _parser(col: StatColumn, date1904: bool) -> Callable[[object], Any]:
    if col.type == "date":
        return lambda v: parse_date_cell(v, date1904)
    return {"str": parse_str, "int": parse_int, "float": parse_float, "bool": parse_bool, "orgnr": _parse_orgnr}[
        col.type
    ]


DTYPE = {
    "str": "object",
    "orgnr": "object",
    "int": "Int64",
    "float": "float64",
    "bool": "boolean",
    "date": "datetime64[ns]",
}


def _outcome(v: Any, parse: Callable[[object], Any], col: StatColumn) -> tuple[Any, str | None]:
    """A non-blank cell's typed value and its problem's message (None when it has none)."""
    if isinstance(v, XlsxErrorValue):
        return None, f"Excel error value {str(v)!r} in the cell"
    try:
        parsed = parse(v)
        if col.ge is not None and parsed < col.ge:
            return None, f"must be >= {col.ge:g}"
        return parsed, None
    except CellError as e:
        return None, f"type {col.type if col.type != 'orgnr' else 'organisation number'}: {e}"


def _parsed_cell_by_cell(
    values: list[Any], rows: list[int], col: StatColumn, header: str, file: str, parse: Callable[[object], Any]
) -> tuple[list[Any], list[Problem]]:
    """The typed values and the problems in row order, parsing each distinct value once (the
    general case, and the reference the fast path of :func:`_parsed_plain` is tested against)."""
    cache: dict[tuple[str, Any], tuple[Any, str | None]] = {}
    out: list[Any] = []
    problems: list[Problem] = []
    for row, v in zip(rows, values):
        if blank(v):
            out.append(None)
            if not col.nullable:
                problems.append(Problem("error", file, "required: the cell is empty", row=row, column=header))
            continue
        k = (type(v).__name__, v)
        hit = cache.get(k)
        if hit is None:
            hit = cache[k] = _outcome(v, parse, col)
        parsed, err = hit
        out.append(parsed)
        if err is not None:
            problems.append(Problem("error", file, err, row=row, column=header, value=str(v)))
    return out, problems


def _parsed_plain(values: list[Any], col: StatColumn, parse: Callable[[object], Any]) -> list[Any] | None:
    """The typed values of a column of one Python type (and empty cells) without a problem, each
    distinct value parsed once and the rest mapped in C; None for any other column (the cell-by-cell
    loop then finds the problems in row order). Within one type, equal values share their parse
    as in the loop's cache (keyed by type and value)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) > 1:
        return None
    typed: dict[Any, Any] = {}
    for u in dict.fromkeys(values):
        if blank(u):
            if not col.nullable:
                return None
            typed[u] = None
            continue
        parsed, err = _outcome(u, parse, col)
        if err is not None:
            return None
        typed[u] = parsed
    return list(map(typed.__getitem__, values))


def type_column(
    values: list[Any],
    rows: list[int],
    col: StatColumn,
    header: str,
    file: str,
    date1904: bool,
) -> tuple[pd.Series, list[Problem]]:
    """Type one column, parsing each distinct value once; every failure is a problem."""
    parse = _parser(col, date1904)
    out = _parsed_plain(values, col, parse)
    problems: list[Problem] = []
    if out is None:
        out, problems = _parsed_cell_by_cell(values, rows, col, header, file, parse)
    if col.type == "date":
        series = pd.Series(pd.to_datetime(pd.Series(out, dtype=object)), name=col.name).astype("datetime64[ns]")
    elif col.type == "float":
        series = pd.Series(out, dtype="float64", name=col.name)
    elif col.type in ("int", "bool"):
        series = pd.Series(out, dtype=DTYPE[col.type], name=col.name)
    else:
        series = pd.Series(out, dtype=object, name=col.name)
    return series, problems

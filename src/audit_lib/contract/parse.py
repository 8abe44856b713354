"""Typing raw cells by the contract: decimal comma, ja/nej booleans, ISO dates.

Each cell that cannot be read as its column's type becomes a :class:`Problem` naming file,
row, column and value; the cell is left empty so that all problems are found in one pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from .problems import Problem
from .spec import ColumnSpec, TableSpec

TRUE = {"true", "ja", "1", "yes", "sant", "j", "y", "t", "1.0"}
FALSE = {"false", "nej", "0", "no", "falskt", "n", "f", "0.0"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_INT = re.compile(r"^[+-]?\d+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class CellError(ValueError):
    pass


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def parse_float(v: object) -> float:
    if isinstance(v, bool):
        raise CellError("expected a number, found a true/false value")
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
    else:
        s = _SPACES.sub("", str(v))
        if "," in s and "." in s:
            # "1.234,5" (dot thousands) or "1,234.5" (comma thousands): the last one is decimal
            s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
        elif "," in s:
            if s.count(",") > 1:
                raise CellError("expected a number (more than one decimal comma)")
            s = s.replace(",", ".")
        s = s.replace("\u2212", "-")  # typographic minus from word processors
        try:
            f = float(s)
        except ValueError:
            raise CellError("expected a number (decimal comma or point)") from None
    if not math.isfinite(f):
        raise CellError("expected a finite number")
    return f


def parse_int(v: object) -> int:
    if isinstance(v, bool):
        raise CellError("expected a whole number, found a true/false value")
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if float(v).is_integer():
            return int(v)
        raise CellError("expected a whole number")
    s = _SPACES.sub("", str(v))
    if _INT.match(s):
        return int(s)
    try:
        f = parse_float(s)
    except CellError:
        raise CellError("expected a whole number") from None
    if f.is_integer():
        return int(f)
    raise CellError("expected a whole number")


def parse_bool(v: object) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)) and int(v) in (0, 1):
        return bool(v)
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise CellError("expected true/false (also ja/nej, 1/0)")


def parse_date(v: object) -> pd.Timestamp:
    if isinstance(v, pd.Timestamp):
        ts = v
    elif isinstance(v, dt.datetime):
        ts = pd.Timestamp(v)
    elif isinstance(v, dt.date):
        ts = pd.Timestamp(v.year, v.month, v.day)
    else:
        s = str(v).strip()
        m = _ISO_DATE.match(s)
        if not m:
            raise CellError("expected a date as YYYY-MM-DD")
        try:
            ts = pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise CellError("not a calendar date (YYYY-MM-DD)") from None
    if ts != ts.normalize():
        raise CellError("expected a date without a time of day")
    return ts


def parse_str(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # Excel turns ids like 2023-14 into text but 1234 into 1234.0
    return str(v).strip()


PARSERS = {"float": parse_float, "int": parse_int, "bool": parse_bool, "date": parse_date, "str": parse_str}
DTYPES = {"float": "float64", "int": "Int64", "bool": "boolean", "date": "datetime64[ns]", "str": "object"}


def parse_column(
    values: pd.Series, col: ColumnSpec, file: str
) -> tuple[pd.Series, list[Problem], set[int]]:
    """Type one column; return (typed series, problems, rows that failed to parse)."""
    parser = PARSERS[col.type]
    out: list[object] = []
    problems: list[Problem] = []
    failed: set[int] = set()
    for row, v in values.items():
        if _is_blank(v):
            out.append(None)
            continue
        try:
            out.append(parser(v))
        except CellError as e:
            problems.append(Problem("error", file, f"type {col.type}: {e}", row=int(row), column=col.name, value=str(v)))
            failed.add(int(row))
            out.append(None)
    series = pd.Series(out, index=values.index, dtype=object, name=col.name)
    if col.type == "float":
        series = pd.to_numeric(series, errors="coerce").astype("float64")
    elif col.type == "date":
        series = pd.to_datetime(series).astype("datetime64[ns]")
    elif col.type == "str":
        series = series.astype(object).where(series.notna(), None)
    else:
        series = series.astype(DTYPES[col.type])
    return series, problems, failed


def parse_table(
    raw: pd.DataFrame, spec: TableSpec, file: str
) -> tuple[pd.DataFrame, list[Problem], set[tuple[int, str]]]:
    """Type every contract column present in ``raw``; unknown columns are kept as text."""
    problems: list[Problem] = []
    failed: set[tuple[int, str]] = set()
    typed = {}
    for name in raw.columns:
        try:
            col = spec.column(name)
        except KeyError:
            typed[name] = raw[name].map(lambda v: None if _is_blank(v) else str(v))
            continue
        series, probs, bad_rows = parse_column(raw[name], col, file)
        typed[name] = series
        problems.extend(probs)
        failed.update((r, name) for r in bad_rows)
    frame = pd.DataFrame(typed, index=raw.index)
    return frame, problems, failed

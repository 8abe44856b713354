"""Typing raw cells by the contract: decimal comma, ja/nej booleans, ISO dates.

Each cell that cannot be read as its column's type becomes a :class:`Problem` naming file,
row, column and value; the cell is left empty so that all problems are found in one pass.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, cast
from decimal import Decimal

import numpy as np
import pandas as pd

from .problems import Problem
from .spec import MAX_DATE, MIN_DATE, ColumnSpec, TableSpec

TRUE = {"true", "ja", "1", "yes", "sant", "j", "y", "t", "1.0"}
FALSE = {"false", "nej", "0", "no", "falskt", "n", "f", "0.0"}
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_INT = re.compile(r"^[+-]?[0-9]+$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
# After spaces are removed and the decimal comma is made a point: ASCII digits only (Python's
# float() would also take "2_389_762", Arabic-Indic and full-width digits).
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
# "900.000" or "1.500": a dot followed by groups of three digits may be a thousands separator
# (900 000) or a decimal point (900.0); such a number is refused as ambiguous.
_DOT_THOUSANDS = re.compile(r"^[+-]?[1-9][0-9]{0,2}(?:\.[0-9]{3})+$")
# Bidirectional control characters (they reorder how text is displayed: "Trojan source").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Whole numbers must fit in 64 bits (the "Int64" column type).
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# Text cells longer than this are refused (a whole file pasted into one cell?).
MAX_TEXT_CHARS = 10_000
_MIN_TS, _MAX_TS = pd.Timestamp(MIN_DATE), pd.Timestamp(MAX_DATE)


class CellError(ValueError):
    pass


def _is_blank(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)) and math.isnan(v):
        return True
    if isinstance(v, np.datetime64) and np.isnat(v):
        return True
    return isinstance(v, str) and not v.strip()


def parse_float(v: object) -> float:
    if isinstance(v, bool):
        raise CellError("expected a number, found a true/false value")
    if isinstance(v, (int, float, np.integer, np.floating)):
        try:
            f = float(v)
        except OverflowError:
            raise CellError("expected a finite number (too large)") from None
    elif not isinstance(v, (str, Decimal)):
        raise CellError(f"expected a number, found {_kind(v)}")
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
        if _DOT_THOUSANDS.match(s) and "," not in str(v):
            raise CellError(
                "ambiguous number: the dot may separate thousands (900.000 = 900 000) or "
                "decimals (900.000 = 900); write 900000 or 900,0"
            )
        if not _NUMBER.match(s):
            raise CellError("expected a number (digits 0-9, decimal comma or point)")
        try:
            f = float(s)
        except (ValueError, OverflowError):
            raise CellError("expected a number (decimal comma or point)") from None
    if not math.isfinite(f):
        raise CellError("expected a finite number")
    return f


def _int_in_range(i: int) -> int:
    if not INT_MIN <= i <= INT_MAX:
        raise CellError("whole number out of range")
    return i


def parse_int(v: object) -> int:
    if isinstance(v, bool):
        raise CellError("expected a whole number, found a true/false value")
    if isinstance(v, (int, np.integer)):
        return _int_in_range(int(v))
    if isinstance(v, (float, np.floating)):
        if math.isfinite(float(v)) and float(v).is_integer():
            return _int_in_range(int(v))
        raise CellError("expected a whole number")
    if not isinstance(v, (str, Decimal)):
        raise CellError(f"expected a whole number, found {_kind(v)}")
    s = _SPACES.sub("", str(v))
    if len(s) > 40:
        raise CellError("whole number out of range")
    if _INT.match(s):
        return _int_in_range(int(s))
    try:
        f = parse_float(s)
    except CellError:
        raise CellError("expected a whole number") from None
    if f.is_integer():
        return _int_in_range(int(f))
    raise CellError("expected a whole number")


def parse_bool(v: object) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)) and int(v) in (0, 1):
        return bool(v)
    if not isinstance(v, (str, int, float, np.integer, np.floating)):
        raise CellError(f"expected true/false, found {_kind(v)}")
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise CellError("expected true/false (also ja/nej, 1/0)")


def parse_date(v: object) -> pd.Timestamp:
    """An ISO date (or a date/datetime object at midnight) within MIN_DATE .. MAX_DATE."""
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        # an instant with a time zone (Parquet) is read as its date in that zone
        if v.tzinfo is None and (v.hour, v.minute, v.second, v.microsecond) != (0, 0, 0, 0):
            raise CellError("expected a date without a time of day")
        y, mo, d = v.year, v.month, v.day
    elif isinstance(v, dt.date):
        y, mo, d = v.year, v.month, v.day
    elif isinstance(v, str):
        m = _ISO_DATE.match(v.strip())
        if not m:
            raise CellError("expected a date as YYYY-MM-DD")
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
        try:
            dt.date(y, mo, d)
        except ValueError:
            raise CellError("not a calendar date (YYYY-MM-DD)") from None
    else:
        raise CellError(f"expected a date as YYYY-MM-DD, found {_kind(v)}")
    if not MIN_DATE <= f"{y:04d}-{mo:02d}-{d:02d}" <= MAX_DATE:
        raise CellError(f"date out of range {MIN_DATE} .. {MAX_DATE}")
    return pd.Timestamp(y, mo, d)


def parse_str(v: object) -> str:
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
        return str(int(v))  # Excel turns ids like 2023-14 into text but 1234 into 1234.0
    if isinstance(v, (bytes, bytearray)):
        try:
            v = bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            raise CellError("expected text, found binary data") from None
    elif isinstance(v, (list, tuple, dict, set, np.ndarray)):
        raise CellError(f"expected text, found {_kind(v)}")
    s = unicodedata.normalize("NFC", str(v).strip())
    if len(s) > MAX_TEXT_CHARS:
        raise CellError(f"text longer than {MAX_TEXT_CHARS} characters")
    return s


def char_names(chars: Iterable[str]) -> str:
    """'U+200B ZERO WIDTH SPACE, ...' for messages (the characters themselves may be invisible)."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}" for c in dict.fromkeys(chars))


def invisible_chars(s: str) -> list[str]:
    """Characters of ``s`` a person cannot see or that change how it is displayed: format
    characters (zero-width space, BOM, bidirectional controls), control characters, private-use
    and line or paragraph separators; an id or code holding one is refused."""
    return [c for c in s if unicodedata.category(c) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp") or c in BIDI_CONTROLS]


def parse_key(v: object) -> str:
    """An id or code: text without invisible or bidirectional control characters."""
    s = parse_str(v)
    bad = invisible_chars(s)
    if bad:
        seen = "".join(c for c in s if c not in bad)
        raise CellError(
            f"an id or code with an invisible or control character ({char_names(bad)}): it would "
            f"differ from {seen!r}, which it looks like; remove the character"
        )
    return s


def _kind(v: object) -> str:
    """What a cell holds, for messages (Parquet and Excel cells may hold lists, times, ...)."""
    if isinstance(v, (list, tuple, np.ndarray)):
        return "a list"
    if isinstance(v, dict):
        return "a record"
    if isinstance(v, (dt.time, dt.timedelta, pd.Timedelta)):
        return "a time"
    if isinstance(v, (bytes, bytearray)):
        return "binary data"
    return f"a value of type {type(v).__name__}"


PARSERS = {"float": parse_float, "int": parse_int, "bool": parse_bool, "date": parse_date, "str": parse_str}
DTYPES = {"float": "float64", "int": "Int64", "bool": "boolean", "date": "datetime64[ns]", "str": "object"}


def _shown(v: object) -> str:
    try:
        s = str(v)
    except Exception:  # a cell whose str() fails
        s = f"<{type(v).__name__}>"
    return s if len(s) <= 200 else s[:200] + "..."


def parse_column(values: pd.Series, col: ColumnSpec, file: str) -> tuple[pd.Series, list[Problem], set[int]]:
    """Type one column; return (typed series, problems, rows that failed to parse)."""
    parser = parse_key if col.key else PARSERS[col.type]
    out: list[object] = []
    problems: list[Problem] = []
    failed: set[int] = set()
    for key, v in values.items():
        row = cast(int, key)
        if _is_blank(v):
            out.append(None)
            continue
        try:
            parsed = parser(v)
            if isinstance(parsed, str) and col.type == "str" and not col.key and not BIDI_CONTROLS.isdisjoint(parsed):
                problems.append(
                    Problem(
                        "warning",
                        file,
                        "bidirectional control characters removed "
                        f"({char_names(c for c in parsed if c in BIDI_CONTROLS)}): they reorder displayed text",
                        row=int(row),
                        column=col.name,
                    )
                )
                parsed = "".join(c for c in parsed if c not in BIDI_CONTROLS)
            out.append(parsed)
        except (CellError, ValueError, TypeError, OverflowError, ArithmeticError) as e:
            if not isinstance(e, CellError):  # never crash on a cell: report it
                e = CellError(f"cannot be read ({type(e).__name__})")
            problems.append(
                Problem("error", file, f"type {col.type}: {e}", row=int(row), column=col.name, value=_shown(v))
            )
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
        series = series.astype(cast(Any, DTYPES[col.type]))
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

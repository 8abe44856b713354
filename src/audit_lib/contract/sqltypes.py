"""Typing a large table's cells in DuckDB SQL by the same rules as ``parse.py`` types the
small tables' cells in Python (``tests/test_contract_reading.py`` compares the two)."""

from __future__ import annotations

from dataclasses import dataclass

from .spec import ColumnSpec, TableSpec

SQL_TYPES = {"str": "VARCHAR", "float": "DOUBLE", "int": "BIGINT", "date": "DATE", "bool": "BOOLEAN"}


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Source:
    """One column of the file as the scan names it, with its DuckDB type (CSV: VARCHAR) and,
    for a time stamp with a time zone, the zone (from the Parquet file's Arrow schema)."""

    name: str
    type: str = "VARCHAR"
    tz: str | None = None


# Whitespace as Python's str.strip() sees it (DuckDB's trim() removes only spaces).
_WS = r"[\s\p{Z}\x{85}\x{1c}-\x{1f}]"
_NUMBER_RE = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_DOT_THOUSANDS_RE = r"[+-]?[1-9][0-9]{0,2}(\.[0-9]{3})+"
_DATE_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T]00:00(:00(\.0+)?)?)?"


def _strip(text: str) -> str:
    return f"regexp_replace({text}, '^{_WS}+|{_WS}+$', '', 'g')"


def _steps(name: str, col: ColumnSpec, src: Source) -> tuple[dict[str, str], dict[str, str], str]:
    """The typed value of one column in three steps (each step's columns computed once), read
    by the same rules as the small tables: (step 1 columns, step 2 columns, final expression).

    Text numbers (``parse.parse_float``): spaces and apostrophes as thousands separators, the
    decimal comma or point (the other one then a thousands separator), ASCII digits only, a dot
    before groups of three digits refused as ambiguous. Text dates (``parse.parse_date``): ISO,
    at most a midnight time. A time stamp with a time zone: its date in that zone."""
    ref, a, b = ident(src.name), ident(f"__a_{name}"), ident(f"__b_{name}")
    text = f"CAST({ref} AS VARCHAR)"
    kind = src.type.upper()
    if col.type == "str":
        return {}, {}, f"nfc_normalize({_strip(text)})"
    if kind == "VARCHAR" and col.type == "float":
        s1 = {f"__a_{name}": f"regexp_replace({text}, '[\\s\\p{{Z}}'']', '', 'g')"}
        rev = f"reverse({a})"
        both = (
            f"CASE WHEN strpos({rev}, ',') < strpos({rev}, '.') THEN replace(replace({a}, '.', ''), ',', '.') "
            f"ELSE replace({a}, ',', '') END"
        )
        one = f"CASE WHEN length({a}) - length(replace({a}, ',', '')) > 1 THEN NULL ELSE replace({a}, ',', '.') END"
        s2 = {
            f"__b_{name}": (
                f"replace(CASE WHEN contains({a}, ',') AND contains({a}, '.') THEN {both} "
                f"WHEN contains({a}, ',') THEN {one} ELSE {a} END, '\u2212', '-')"
            )
        }
        final = (
            f"CASE WHEN regexp_full_match({b}, '{_DOT_THOUSANDS_RE}') AND NOT contains({a}, ',') THEN NULL "
            f"WHEN regexp_full_match({b}, '{_NUMBER_RE}') THEN TRY_CAST({b} AS DOUBLE) END"
        )
        return s1, s2, final
    if kind == "VARCHAR" and col.type == "date":
        s1 = {f"__a_{name}": _strip(text)}
        return s1, {}, f"CASE WHEN regexp_full_match({a}, '{_DATE_RE}') THEN TRY_CAST(substr({a}, 1, 10) AS DATE) END"
    if kind == "VARCHAR":
        return {}, {}, f"TRY_CAST({_strip(text)} AS {SQL_TYPES[col.type]})"
    if col.type == "date":
        if kind == "DATE":
            return {}, {}, ref
        if kind.startswith("TIMESTAMP") and "TIME ZONE" in kind:
            zone = (src.tz or "UTC").replace("'", "''")
            return {}, {}, f"CAST(timezone('{zone}', {ref}) AS DATE)"
        if kind.startswith("TIMESTAMP"):  # a date, not a time of day
            return {}, {}, f"CASE WHEN CAST({ref} AS TIME) = TIME '00:00:00' THEN CAST({ref} AS DATE) END"
        return {}, {}, "CAST(NULL AS DATE)"
    if col.type == "float" and (kind == "BOOLEAN" or kind.startswith(("DATE", "TIME", "INTERVAL"))):
        return {}, {}, "CAST(NULL AS DOUBLE)"
    return {}, {}, f"TRY_CAST({ref} AS {SQL_TYPES[col.type]})"


def typed_select(source: str, actual: dict[str, Source], spec: TableSpec) -> str:
    step1: dict[str, str] = {}
    step2: dict[str, str] = {}
    finals = []
    for col in spec.columns:
        if col.name not in actual and col.optional:
            continue
        s1, s2, final = _steps(col.name, col, actual.get(col.name, Source(col.name)))
        step1.update(s1)
        step2.update(s2)
        finals.append(f"{final} AS {col.name}")
    query = source
    for step in (step1, step2):
        if step:
            query = f"SELECT *, {', '.join(f'{e} AS {ident(n)}' for n, e in step.items())} FROM ({query})"
    return f"SELECT {', '.join(finals)}, _row FROM ({query})"

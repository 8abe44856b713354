"""Rules of the contract checked with pandera, plus the checks between tables.

Parsing (``parse.py``) has already typed every cell; here the typed tables are checked for
required columns, empty cells, unique ids, allowed values, ranges and references, and every
failure becomes a :class:`Problem` with file, row, column, value and rule.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .problems import Problem
from .spec import MAX_DATE, MIN_DATE, ColumnSpec, TableSpec


def _column_checks(col: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if col.allowed is not None:
        checks.append(pa.Check.isin(list(col.allowed), error=f"allowed values: {', '.join(col.allowed)}"))
    if col.ge is not None:
        checks.append(pa.Check.ge(col.ge, error=f"must be >= {col.ge:g}"))
    if col.gt is not None:
        checks.append(pa.Check.gt(col.gt, error=f"must be > {col.gt:g}"))
    if col.le is not None:
        checks.append(pa.Check.le(col.le, error=f"must be <= {col.le:g}"))
    if col.type == "date":
        lo, hi = pd.Timestamp(MIN_DATE), pd.Timestamp(MAX_DATE)
        checks.append(pa.Check.in_range(lo, hi, error=f"date out of range {MIN_DATE} .. {MAX_DATE}"))
    return checks


def pandera_schema(spec: TableSpec, present: list[str]) -> pa.DataFrameSchema:
    columns = {
        c.name: pa.Column(
            None, checks=_column_checks(c), nullable=c.nullable, unique=c.unique, required=True,
        )
        for c in spec.columns
        if c.name in present
    }
    unique = [c for c in spec.unique_together if c in present] if spec.unique_together else None
    return pa.DataFrameSchema(
        columns, unique=unique if unique and len(unique) == len(spec.unique_together) else None,
        strict=False, name=spec.name,
    )


def _rule_text(check: str, column: str | None, spec: TableSpec) -> str:
    if check == "not_nullable":
        return "required: the cell is empty"
    if check == "field_uniqueness":
        return "must be unique: the value appears more than once"
    if check == "multiple_fields_uniqueness":
        return f"must be unique together: ({', '.join(spec.unique_together)}) repeats"
    return check


def check_rules(
    frame: pd.DataFrame, spec: TableSpec, file: str, parse_failed: set[tuple[int, str]]
) -> list[Problem]:
    """All rule violations of one typed table, as problems (never raises on bad data)."""
    problems: list[Problem] = []
    present = [c for c in spec.column_names if c in frame.columns]
    schema = pandera_schema(spec, present)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
        for rec in fc.to_dict("records"):
            column = rec.get("column")
            column = None if column is None or (isinstance(column, float) and pd.isna(column)) else str(column)
            idx = rec.get("index")
            row = None if idx is None or pd.isna(idx) else int(idx)
            if row is not None and column is not None and (row, column) in parse_failed:
                continue  # already reported as a type error
            check = str(rec.get("check"))
            value = rec.get("failure_case")
            if check == "multiple_fields_uniqueness":
                column = ", ".join(spec.unique_together)
            problems.append(
                Problem(
                    "error", file, _rule_text(check, column, spec), row=row, column=column,
                    value=None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value),
                )
            )
    if "share_is_fraction" in spec.extra_checks and {"indicator", "target", "outcome"} <= set(frame.columns):
        share = frame["indicator"] == "coordinated_share"
        for column in ("target", "outcome"):
            bad = frame.index[share & (frame[column] > 1)]
            for row in bad:
                problems.append(
                    Problem(
                        "error", file, "coordinated_share is a fraction 0-1 (19 % is 0.19)",
                        row=int(row), column=column, value=f"{frame.at[row, column]:g}",
                    )
                )
    # pandera reports a duplicated value once per occurrence; keep the report readable
    return _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    out = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def check_reference(
    frame: pd.DataFrame, column: str, file: str, target: pd.Series, target_label: str
) -> list[Problem]:
    known = set(target.dropna().astype(str))
    bad = frame[column].notna() & ~frame[column].astype(str).isin(known)
    return [
        Problem(
            "error", file, f"refers to an unknown {target_label}", row=int(row), column=column,
            value=str(frame.at[row, column]),
        )
        for row in frame.index[bad]
    ]

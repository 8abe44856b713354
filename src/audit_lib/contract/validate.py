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

# Plausibility bounds: values the contract's types allow but no real package holds. A value
# beyond its bound is an error (a typo, öre for kronor, a pasted id), never silently analysed.
# Money is per row: a single procurement (or bid, or saving) above 100 bn SEK is absurd (the
# two regions' combined yearly budgets are about 30 bn SEK); one order line above 10 bn SEK
# likewise. Bounds are on the absolute value (reported savings may be negative).
ABSURD_SEK = 100e9
PLAUSIBLE_ABS_MAX: dict[tuple[str, str], tuple[float, str]] = {
    **{("procurements", c): (ABSURD_SEK, "100 bn SEK for one procurement") for c in (
        "reported_saving_sek", "basket_old_sek", "basket_new_sek", "first_price_sek", "negotiated_price_sek")},
    ("procurement_regions", "estimated_value_sek"): (ABSURD_SEK, "100 bn SEK for one procurement"),
    ("bids", "evaluated_price_sek"): (ABSURD_SEK, "100 bn SEK for one bid"),
    ("targets", "target"): (ABSURD_SEK, "100 bn (SEK, count or share) for one indicator"),
    ("targets", "outcome"): (ABSURD_SEK, "100 bn (SEK, count or share) for one indicator"),
    ("coordination_effort", "hours"): (100_000.0, "100,000 hours (about 60 person-years) on one activity"),
    ("purchase_lines", "amount_sek"): (10e9, "10 bn SEK for one order line"),
    ("purchase_lines", "quantity"): (1e9, "a billion units on one order line"),
}


def plausibility_rule(table: str, column: str) -> tuple[float, str] | None:
    """(bound, rule text) for a column with a plausibility bound, else None."""
    entry = PLAUSIBLE_ABS_MAX.get((table, column))
    if entry is None:
        return None
    bound, what = entry
    return bound, f"absurd value: above the plausibility bound of {what} (|value| <= {bound:g})"


def _column_checks(col: ColumnSpec, table: str = "") -> list[pa.Check]:
    checks: list[pa.Check] = []
    plausible = plausibility_rule(table, col.name)
    if plausible is not None:
        bound, rule = plausible
        checks.append(pa.Check(lambda s, b=bound: s.abs() <= b, element_wise=False, error=rule))
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
            None, checks=_column_checks(c, spec.name), nullable=c.nullable, unique=c.unique, required=True,
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
    except pa.errors.SchemaError as err:  # a single, non-lazy failure (should not happen)
        problems.append(Problem("error", file, f"cannot be validated: {str(err).splitlines()[0]}"))
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
            rule = _rule_text(check, column, spec)
            if check == "multiple_fields_uniqueness":
                column = ", ".join(spec.unique_together)
                rule += _also_on(frame, list(spec.unique_together), row)
                if row is not None and row in frame.index:  # one problem per row, all key values
                    value = ", ".join(str(frame.at[row, c]) for c in spec.unique_together)
            elif check == "field_uniqueness" and column in frame.columns:
                rule += _also_on(frame, [column], row)
            problems.append(
                Problem(
                    "error", file, rule, row=row, column=column,
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


def _also_on(frame: pd.DataFrame, columns: list[str], row: int | None) -> str:
    """' (rows 2, 7, 9)': every row holding the same value(s) as ``row``."""
    if row is None or row not in frame.index:
        return ""
    key = frame.loc[row, columns]
    same = (frame[columns] == key.values).all(axis=1)
    rows = [int(r) for r in frame.index[same.fillna(False)]]
    if len(rows) < 2:
        return ""
    shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
    return f" (rows {shown})"


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

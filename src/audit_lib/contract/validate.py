"""Rules of the contract checked with pandera, plus the checks between tables.

Parsing (``parse.py``) has already typed every cell; here the typed tables are checked for
required columns, empty cells, unique ids, allowed values, ranges and references, and every
failure becomes a :class:`Problem` with file, row, column, value and rule.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection
from typing import TYPE_CHECKING, cast

import pandas as pd

if TYPE_CHECKING:  # imported where a table is checked: 0.5 s that kernels and fork servers need not pay
    import pandera.pandas as pa

from .parse import char_names
from .problems import Problem
from .spec import MAX_DATE, MIN_DATE, ColumnSpec, TableSpec

# Plausibility bounds: values the contract's types allow but no real package holds. A value
# beyond its bound is an error (a typo, öre for kronor, a pasted id), never silently analysed.
# Money is per row: a single procurement (or bid, or saving) above 100 bn SEK is absurd (the
# two regions' combined yearly budgets are about 30 bn SEK); one order line above 10 bn SEK
# likewise. Bounds are on the absolute value (reported savings may be negative).
ABSURD_SEK = 100e9
PLAUSIBLE_ABS_MAX: dict[tuple[str, str], tuple[float, str]] = {
    **{
        ("procurements", c): (ABSURD_SEK, "100 bn SEK for one procurement")
        for c in ("reported_saving_sek", "basket_old_sek", "basket_new_sek", "first_price_sek", "negotiated_price_sek")
    },
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
    import pandera.pandas as pa

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
    import pandera.pandas as pa

    columns = {
        c.name: pa.Column(
            None,
            checks=_column_checks(c, spec.name),
            nullable=c.nullable,
            unique=c.unique,
            required=True,
        )
        for c in spec.columns
        if c.name in present
    }
    unique = [c for c in spec.unique_together if c in present] if spec.unique_together else None
    return pa.DataFrameSchema(
        columns,
        unique=unique if unique and len(unique) == len(spec.unique_together) else None,
        strict=False,
        name=spec.name,
    )


def _rule_text(check: str, column: str | None, spec: TableSpec) -> str:
    if check == "not_nullable":
        return "required: the cell is empty"
    if check == "field_uniqueness":
        return "must be unique: the value appears more than once"
    if check == "multiple_fields_uniqueness":
        return f"must be unique together: ({', '.join(spec.unique_together)}) repeats"
    return check


def check_rules(frame: pd.DataFrame, spec: TableSpec, file: str, parse_failed: set[tuple[int, str]]) -> list[Problem]:
    """All rule violations of one typed table, as problems (never raises on bad data)."""
    import pandera.pandas as pa

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
            elif check == "field_uniqueness" and column is not None and column in frame.columns:
                rule += _also_on(frame, [column], row)
            problems.append(
                Problem(
                    "error",
                    file,
                    rule,
                    row=row,
                    column=column,
                    value=None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value),
                )
            )
    if "bidder_repeats" in spec.extra_checks:
        problems.extend(check_bidder_repeats(frame, file))
    if "share_is_fraction" in spec.extra_checks and {"indicator", "target", "outcome"} <= set(frame.columns):
        share = frame["indicator"] == "coordinated_share"
        for column in ("target", "outcome"):
            bad = frame.index[share & (frame[column] > 1)]
            for row in bad:
                problems.append(
                    Problem(
                        "error",
                        file,
                        "coordinated_share is a fraction 0-1 (19 % is 0.19)",
                        row=int(row),
                        column=column,
                        value=f"{cast(float, frame.at[row, column]):g}",
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


def check_reference(frame: pd.DataFrame, column: str, file: str, target: pd.Series, target_label: str) -> list[Problem]:
    known = set(target.dropna().astype(str))
    bad = frame[column].notna() & ~frame[column].astype(str).isin(known)
    return [
        Problem(
            "error",
            file,
            f"refers to an unknown {target_label}",
            row=int(row),
            column=column,
            value=str(frame.at[row, column]),
        )
        for row in frame.index[bad]
    ]


# Letters of other scripts that look like Latin capitals (for the nearest known code only).
_LOOKALIKE = str.maketrans("АВСЕНІЈКМОРЅТХУавсеіјкморѕтхуΑΒΕΗΙΚΜΝΟΡΤΧΥΖ", "ABCEHIJKMOPSTXYabceijkmopstxyABEHIKMNOPTXYZ")


def _skeleton(code: str) -> str:
    s = unicodedata.normalize("NFKC", code).translate(_LOOKALIKE)
    return "".join(c for c in s if unicodedata.category(c)[0] not in "CZ").upper()


def nearest_code(value: str, known: Collection[str]) -> str | None:
    """The known code ``value`` most resembles (look-alike letters, case and invisible
    characters aside), else None."""
    codes = sorted(known)
    if not codes:
        return None
    skel = {_skeleton(k): k for k in codes}
    v = _skeleton(value)
    if v in skel:
        return skel[v]
    close = difflib.get_close_matches(v, list(skel), n=1, cutoff=0.5)
    return skel[close[0]] if close else None


def unknown_code_rule(value: str, known: Collection[str]) -> str:
    """The rule text for a region code not among the parameters' codes."""
    rule = f"unknown region code (the parameters' regions: {', '.join(sorted(known))})"
    near = nearest_code(value, known)
    if near is not None:
        rule += f"; nearest known code: {near!r}"
    odd = [c for c in value if not c.isascii()]
    if odd:
        rule += f"; it holds {char_names(odd)}"
    elif near is not None and value.upper() == near:
        rule += " (codes are case-sensitive)"
    return rule


def check_codes(frame: pd.DataFrame, spec: TableSpec, file: str, regions: Collection[str]) -> list[Problem]:
    """Every region code of ``frame`` must be one of ``regions`` (the parameters' codes)."""
    known = set(regions)
    problems = []
    for col in spec.columns:
        if not col.region or col.name not in frame.columns:
            continue
        values = frame[col.name]
        bad = values.notna() & ~values.astype(str).isin(known)
        for row in frame.index[bad]:
            v = str(values.at[row])
            problems.append(Problem("error", file, unknown_code_rule(v, known), row=int(row), column=col.name, value=v))
    return problems


def check_bidder_repeats(frame: pd.DataFrame, file: str) -> list[Problem]:
    """A warning for each bidder that bids more than once in a procurement (in one lot, where
    ``lot_id`` is given): kept, and the market method counts its lowest approved bid."""
    keys = ["procurement_id", "lot_id", "bidder_id"] if "lot_id" in frame.columns else ["procurement_id", "bidder_id"]
    if not set(keys) <= set(frame.columns):
        return []
    k = frame[keys].astype(object).where(frame[keys].notna(), "").astype(str)
    repeated = k.duplicated(keep="first")
    where = "in one lot" if "lot_id" in frame.columns else "without a lot_id"
    return [
        Problem(
            "warning",
            file,
            f"bidder bids more than once in a procurement {where} (alternative bids?); "
            "rows kept, the market method counts the bidder's lowest approved bid" + _also_on(k, keys, row),
            row=int(row),
            column=", ".join(keys),
            value=", ".join(str(k.at[row, c]) for c in keys),
        )
        for row in frame.index[repeated]
    ]

"""One statistics export file read into a normalised table: find the header row, tell which table
the file holds by its measure column, keep the data rows and type the cells (used by
:func:`audit_lib.external.uhm.load_statistics`, which reads a folder of them)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract.problems import Problem
from ..run.manifest import sha256_file
from .cells import DTYPE, blank, type_column
from .columns import (
    BY_NAME,
    HEADER_KEYS,
    HEADER_SEARCH_ROWS,
    MEASURE,
    MIN_HEADER_MATCHES,
    REQUIRED,
    TABLE_COLUMNS,
    RawRows,
    TableName,
    header_key,
)
from .csv_rows import read_csv_rows
from .xlsx_rows import read_xlsx_rows


@dataclass(frozen=True)
class StatisticsFile:
    """One file read: which table it holds, where its header was, how many data rows."""

    name: str
    table: TableName
    format: str
    header_row: int
    n_rows: int
    sha256: str
    ignored_columns: tuple[str, ...] = ()


Result = tuple[TableName | None, pd.DataFrame | None, StatisticsFile | None, list[Problem]]
Position = dict[str, tuple[int, str]]  # normalised name -> (column position, header as in file)


def _find_header(raw: RawRows) -> tuple[int, list[Any]] | None:
    for pos, (_, values) in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for v in values if not blank(v) and header_key(v) in HEADER_KEYS) >= MIN_HEADER_MATCHES:
            return pos, values
    return None


def _read_rows(path: Path) -> RawRows | Problem:
    """The file's raw rows, or the problem that stops it being read."""
    file = path.name
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return read_xlsx_rows(path)
        if suffix == ".csv":
            return read_csv_rows(path)
        return Problem("error", file, f"unsupported file type {suffix!r} (use .xlsx or .csv)")
    except ValueError as e:
        return Problem("error", file, str(e))
    except Exception as e:  # decode errors from the shared CSV reader carry their own problem
        problem = getattr(e, "problem", None)
        if isinstance(problem, Problem):
            return problem
        raise


def _header_positions(header_cells: list[Any], file: str, header_row: int) -> tuple[Position, list[str], list[Problem]]:
    """Where each known column is, the headers not known (ignored), and columns that appear twice."""
    position: Position = {}
    ignored: list[str] = []
    problems: list[Problem] = []
    for j, cell in enumerate(header_cells):
        if blank(cell):
            continue
        col = HEADER_KEYS.get(header_key(cell))
        shown = str(cell).replace("\ufeff", "").strip()
        if col is None:
            ignored.append(shown)
        elif col.name in position:
            problems.append(
                Problem(
                    "error",
                    file,
                    f"column appears twice (also in column {position[col.name][0] + 1})",
                    row=header_row,
                    column=shown,
                )
            )
        else:
            position[col.name] = (j, shown)
    return position, ignored, problems


def _which_table(position: Position, file: str, header_row: int) -> TableName | Problem:
    """The table the file holds, by its one measure column."""
    measures = [t for t, m in MEASURE.items() if m in position]
    if not measures:
        return Problem(
            "error",
            file,
            "no measure column: expected one of " + ", ".join(repr(BY_NAME[m].header) for m in MEASURE.values()),
            row=header_row,
        )
    if len(measures) > 1:
        return Problem(
            "error",
            file,
            "several measure columns ("
            + ", ".join(repr(position[MEASURE[t]][1]) for t in measures)
            + "): export one measure per file",
            row=header_row,
        )
    return measures[0]


def _body(
    raw: RawRows, pos: int, width: int, position: Position, table: TableName, file: str
) -> tuple[list[tuple[int, list[Any]]], list[Problem]]:
    """The data rows below the header (blank rows and total rows left out), padded to the header."""
    body: list[tuple[int, list[Any]]] = []
    problems: list[Problem] = []
    key_cols = [position[c][0] for c in ("year", "buyer_org_number", "procurement_id")]
    measure_col = position[MEASURE[table]][0]
    for number, values in raw.rows[pos + 1 :]:
        if all(blank(v) for v in values):
            continue
        if raw.format == "csv" and len(values) != width:
            problems.append(
                Problem(
                    "error",
                    file,
                    f"row has {len(values)} fields but the header has {width} "
                    f"(separator detected: {raw.separator!r}; a truncated file or an unquoted separator?)",
                    row=number,
                )
            )
            continue
        cells = values + [None] * (width - len(values))
        if all(blank(cells[k]) for k in key_cols) and not blank(cells[measure_col]):
            problems.append(
                Problem(
                    "warning",
                    file,
                    "row without year, buyer or procurement id but with a measure (a total row?) is ignored",
                    row=number,
                )
            )
            continue
        body.append((number, cells))
    return body, problems


def _typed_frame(
    table: TableName, position: Position, body: list[tuple[int, list[Any]]], file: str, date1904: bool
) -> tuple[pd.DataFrame, list[Problem]]:
    """The normalised table from the data rows (absent optional columns empty), with its problems."""
    rows = [n for n, _ in body]
    body_cells = [cells for _, cells in body]
    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for name in TABLE_COLUMNS[table]:
        col = BY_NAME[name]
        if name not in position:
            columns[name] = pd.Series([None] * len(rows), dtype=DTYPE[col.type], name=name)
            continue
        j, shown = position[name]
        series, probs = type_column(list(map(itemgetter(j), body_cells)), rows, col, shown, file, date1904)
        columns[name] = series
        problems.extend(probs)
    frame = pd.DataFrame(columns)
    frame["source_file"] = file
    frame["source_row"] = pd.Series(rows, dtype="int64")
    bad_years = frame["year"].notna() & ~frame["year"].between(1990, 2100)
    for i in np.flatnonzero(bad_years.to_numpy(dtype=bool)):
        problems.append(
            Problem(
                "error",
                file,
                "year out of range 1990 .. 2100",
                row=rows[i],
                column=position["year"][1],
                value=str(frame["year"].iloc[i]),
            )
        )
    return frame, problems


def read_statistics_file(path: str | Path) -> Result:
    """Read one export file: its table name, the normalised frame, file facts and problems.

    Never raises on bad content: a file that cannot be used returns ``None`` parts and at least
    one error problem.
    """
    path = Path(path)
    file = path.name
    raw = _read_rows(path)
    if isinstance(raw, Problem):
        return None, None, None, [raw]
    if not any(not blank(v) for _, vals in raw.rows for v in vals):
        return None, None, None, [Problem("error", file, "file is empty: expected a header row and data")]
    found = _find_header(raw)
    if found is None:
        return (
            None,
            None,
            None,
            [
                Problem(
                    "error",
                    file,
                    f"no header row with the statistics columns in the first {HEADER_SEARCH_ROWS} rows "
                    f"(expected headers such as 'Namn för köpare', 'Upphandlings-ID' and a measure: "
                    + ", ".join(repr(BY_NAME[m].header) for m in MEASURE.values())
                    + ")",
                )
            ],
        )
    pos, header_cells = found
    header_row = raw.rows[pos][0]
    problems: list[Problem] = []
    if pos > 0:
        problems.append(Problem("warning", file, f"header found on row {header_row}; the rows above it are ignored"))
    position, ignored, probs = _header_positions(header_cells, file, header_row)
    problems += probs
    table = _which_table(position, file, header_row)
    if isinstance(table, Problem):
        return None, None, None, [*problems, table]
    missing = [c for c in REQUIRED[table] if c not in position]
    for c in missing:
        problems.append(
            Problem("error", file, f"required column is missing (normalised name: {c})", column=BY_NAME[c].header)
        )
    if missing:
        return table, None, None, problems
    body, probs = _body(raw, pos, len(header_cells), position, table, file)
    frame, typing_problems = _typed_frame(table, position, body, file, raw.date1904)
    problems += probs + typing_problems
    info = StatisticsFile(file, table, raw.format, header_row, len(frame), sha256_file(path), tuple(ignored))
    return table, frame, info, problems

"""The national procurement statistics (Upphandlingsmyndigheten): read the exports into tables.

Upphandlingsmyndigheten's statistics database exports one table per measure, as ``.xlsx`` (the
table on the first sheet) or CSV. Each row describes one advertised procurement (or one lot) by
its buyer, procedure, CPV codes and flags, and ends with the measure:

=============================  ===================  ==========================================
measure column in the export   normalised table     one row per
=============================  ===================  ==========================================
``Antal upphandlingar, Summa`` ``procurements``     advertised procurement (``n_procurements``)
``Antal anbud, Summa``         ``lots``             lot (``lot_id``) with ``n_tenders``
``Kontrakterat värde, Summa``  ``contract_values``  procurement with ``contracted_value_sek``
=============================  ===================  ==========================================

A file's table is recognised by its measure column, not its file name, so the exports may be
called anything; several files of one table (e.g. one per year) are stacked. Headers are matched
on the Swedish export headers or on the normalised English names (so a normalised table written
to CSV reads back); rows above the header (titles, filter descriptions) are skipped with a
warning. CSV may use ``;``, ``,`` or tab, UTF-8 with or without BOM or Windows-1252, decimal
comma. Every cell that cannot be read becomes a :class:`~audit_lib.contract.Problem` naming the
file, the row as a person sees it (Excel row, CSV line) and the column as headed in the file;
all problems are collected before :class:`StatisticsError` is raised.

The normalised columns and how the export maps to them: ``docs/external_statistics.md``.
Buyers are chosen by the caller (:func:`resolve_buyers`, by name or organisation number).

This module is the importer; beside it, by what they do: ``columns`` (the normalised columns),
``xlsx_rows`` and ``csv_rows`` (the readers, CSV with the contract's decoding and separators),
``cells`` (typing the cells) and ``buyers``. Their public names are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract.problems import Problem, ValidationReport
from ..run.manifest import sha256_file
from .buyers import Buyer, BuyerNotFound, buyer_table, resolve_buyers
from .cells import DTYPE, blank, type_column
from .columns import (
    BY_NAME,
    COLUMNS,
    HEADER_KEYS,
    HEADER_SEARCH_ROWS,
    MEASURE,
    MIN_HEADER_MATCHES,
    REQUIRED,
    SOURCE_COLUMNS,
    SUFFIXES,
    TABLE_COLUMNS,
    TABLES,
    ColumnType,
    RawRows,
    StatColumn,
    TableName,
    header_key,
)
from .csv_rows import read_csv_rows
from .xlsx_rows import XlsxErrorValue, read_xlsx_rows

__all__ = [
    "BY_NAME", "COLUMNS", "MEASURE", "REQUIRED", "SOURCE_COLUMNS", "TABLES", "TABLE_COLUMNS", "Buyer",
    "BuyerNotFound", "ColumnType", "RawRows", "StatColumn", "Statistics", "StatisticsError", "StatisticsFile",
    "TableName", "XlsxErrorValue", "buyer_table", "load_statistics", "read_csv_rows", "read_statistics_file",
    "read_xlsx_rows", "resolve_buyers", "statistics_files",
]


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


@dataclass
class Statistics:
    """The normalised tables (``lots`` and ``contract_values`` are None where not exported),
    the files they came from and the warnings found while reading."""

    procurements: pd.DataFrame
    lots: pd.DataFrame | None
    contract_values: pd.DataFrame | None
    files: list[StatisticsFile] = field(default_factory=list)
    report: ValidationReport = field(default_factory=ValidationReport)

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.procurements["year"].dropna().unique())

    def buyer_table(self) -> pd.DataFrame:
        """One row per (organisation number, name, sector) seen in any table, with its rows."""
        return buyer_table(self.procurements, self.lots, self.contract_values)


class StatisticsError(Exception):
    """The statistics export cannot be used; ``report`` lists every problem."""

    def __init__(self, report: ValidationReport, where: str = "") -> None:
        self.report = report
        head = f"The statistics export {where} cannot be read:\n" if where else ""
        super().__init__(head + report.format())


# ---------------------------------------------------------------------------------------- one file
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
            problems.append(Problem("error", file, f"column appears twice (also in column {position[col.name][0] + 1})",
                                    row=header_row, column=shown))
        else:
            position[col.name] = (j, shown)
    return position, ignored, problems


def _which_table(position: Position, file: str, header_row: int) -> TableName | Problem:
    """The table the file holds, by its one measure column."""
    measures = [t for t, m in MEASURE.items() if m in position]
    if not measures:
        return Problem(
            "error", file,
            "no measure column: expected one of " + ", ".join(repr(BY_NAME[m].header) for m in MEASURE.values()),
            row=header_row,
        )
    if len(measures) > 1:
        return Problem(
            "error", file,
            "several measure columns (" + ", ".join(repr(position[MEASURE[t]][1]) for t in measures)
            + "): export one measure per file", row=header_row,
        )
    return measures[0]


def _body(raw: RawRows, pos: int, width: int, position: Position, table: TableName,
          file: str) -> tuple[list[tuple[int, list[Any]]], list[Problem]]:
    """The data rows below the header (blank rows and total rows left out), padded to the header."""
    body: list[tuple[int, list[Any]]] = []
    problems: list[Problem] = []
    key_cols = [position[c][0] for c in ("year", "buyer_org_number", "procurement_id")]
    measure_col = position[MEASURE[table]][0]
    for number, values in raw.rows[pos + 1:]:
        if all(blank(v) for v in values):
            continue
        if raw.format == "csv" and len(values) != width:
            problems.append(Problem(
                "error", file,
                f"row has {len(values)} fields but the header has {width} "
                f"(separator detected: {raw.separator!r}; a truncated file or an unquoted separator?)",
                row=number,
            ))
            continue
        cells = values + [None] * (width - len(values))
        if all(blank(cells[k]) for k in key_cols) and not blank(cells[measure_col]):
            problems.append(Problem("warning", file, "row without year, buyer or procurement id but with a "
                                    "measure (a total row?) is ignored", row=number))
            continue
        body.append((number, cells))
    return body, problems


def _typed_frame(table: TableName, position: Position, body: list[tuple[int, list[Any]]], file: str,
                 date1904: bool) -> tuple[pd.DataFrame, list[Problem]]:
    """The normalised table from the data rows (absent optional columns empty), with its problems."""
    rows = [n for n, _ in body]
    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for name in TABLE_COLUMNS[table]:
        col = BY_NAME[name]
        if name not in position:
            columns[name] = pd.Series([None] * len(rows), dtype=DTYPE[col.type], name=name)
            continue
        j, shown = position[name]
        series, probs = type_column([cells[j] for _, cells in body], rows, col, shown, file, date1904)
        columns[name] = series
        problems.extend(probs)
    frame = pd.DataFrame(columns)
    frame["source_file"] = file
    frame["source_row"] = pd.Series(rows, dtype="int64")
    bad_years = frame["year"].notna() & ~frame["year"].between(1990, 2100)
    for i in np.flatnonzero(bad_years.to_numpy(dtype=bool)):
        problems.append(Problem("error", file, "year out of range 1990 .. 2100", row=rows[i],
                                column=position["year"][1], value=str(frame["year"].iloc[i])))
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
        return None, None, None, [Problem(
            "error", file,
            f"no header row with the statistics columns in the first {HEADER_SEARCH_ROWS} rows "
            f"(expected headers such as 'Namn för köpare', 'Upphandlings-ID' and a measure: "
            + ", ".join(repr(BY_NAME[m].header) for m in MEASURE.values()) + ")",
        )]
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
        problems.append(Problem("error", file, f"required column is missing (normalised name: {c})",
                                column=BY_NAME[c].header))
    if missing:
        return table, None, None, problems
    body, probs = _body(raw, pos, len(header_cells), position, table, file)
    frame, typing_problems = _typed_frame(table, position, body, file, raw.date1904)
    problems += probs + typing_problems
    info = StatisticsFile(file, table, raw.format, header_row, len(frame), sha256_file(path), tuple(ignored))
    return table, frame, info, problems


# ---------------------------------------------------------------------------------------- folder
def statistics_files(folder: Path) -> list[Path]:
    """The candidate export files in ``folder`` (``.xlsx`` and ``.csv``; not Office lock files)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES
                  and not p.name.startswith(("~$", ".")))


def _duplicates(frame: pd.DataFrame, keys: list[str], what: str, report: ValidationReport) -> None:
    dup = frame.duplicated(keys, keep="first") & frame[keys].notna().all(axis=1)
    for r in frame.loc[dup, ["source_file", "source_row", *keys]].itertuples(index=False):
        report.add(Problem("warning", r[0], f"{what} appears more than once; every row is counted",
                           row=int(r[1]), value=" / ".join(str(x) for x in r[2:])))


def load_statistics(source: str | Path | Sequence[str | Path]) -> Statistics:
    """Read every export in a folder (or the files given) into the normalised tables.

    Raises :class:`StatisticsError` listing every problem if any file cannot be used, if a
    required column or cell is missing, or if no file holds the procurement counts.
    """
    report = ValidationReport()
    if isinstance(source, (str, Path)):
        folder = Path(source)
        if not folder.is_dir():
            report.add(Problem("error", str(folder), "statistics folder not found"))
            raise StatisticsError(report, str(folder))
        paths = statistics_files(folder)
        where = str(folder)
        if not paths:
            report.add(Problem("error", str(folder), "no .xlsx or .csv files in the statistics folder"))
            raise StatisticsError(report, where)
    else:
        paths = [Path(p) for p in source]
        where = ", ".join(p.name for p in paths)
    frames: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
    files: list[StatisticsFile] = []
    recognised: set[str] = set()
    for p in paths:
        table, frame, info, problems = read_statistics_file(p)
        report.extend(problems)
        if table is not None:
            recognised.add(table)
        if frame is not None and info is not None and table is not None:
            frames[table].append(frame)
            files.append(info)
    if "procurements" not in recognised:
        report.add(Problem("error", where, "no file with the procurement counts (a column "
                           f"{BY_NAME['n_procurements'].header!r})"))
    if not report.ok:
        raise StatisticsError(report, where)

    def stack(name: str) -> pd.DataFrame | None:
        parts = frames[name]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    procurements = stack("procurements")
    lots = stack("lots")
    values = stack("contract_values")
    assert procurements is not None
    _duplicates(procurements, ["year", "buyer_org_number", "procurement_id"], "the same procurement (year / "
                "organisation number / procurement id)", report)
    if lots is not None:
        _duplicates(lots, ["year", "lot_id"], "the same lot (year / lot id)", report)
    return Statistics(procurements, lots, values, files, report)

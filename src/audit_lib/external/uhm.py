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

This module is the importer of a folder; beside it, by what they do: ``export_file`` (one file:
header, table, rows), ``columns`` (the normalised columns), ``xlsx_rows`` and ``csv_rows`` (the
readers, CSV with the contract's decoding and separators), ``cells`` (typing the cells) and
``buyers``. Their public names are importable from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..contract.problems import Problem, ValidationReport
from .buyers import Buyer, BuyerNotFound, buyer_table, resolve_buyers
from .columns import (
    BY_NAME,
    COLUMNS,
    MEASURE,
    REQUIRED,
    SOURCE_COLUMNS,
    SUFFIXES,
    TABLE_COLUMNS,
    TABLES,
    ColumnType,
    RawRows,
    StatColumn,
    TableName,
)
from .csv_rows import read_csv_rows
from .export_file import StatisticsFile, read_statistics_file
from .xlsx_rows import XlsxErrorValue, read_xlsx_rows

__all__ = [
    "BY_NAME",
    "COLUMNS",
    "MEASURE",
    "REQUIRED",
    "SOURCE_COLUMNS",
    "TABLES",
    "TABLE_COLUMNS",
    "Buyer",
    "BuyerNotFound",
    "ColumnType",
    "RawRows",
    "StatColumn",
    "Statistics",
    "StatisticsError",
    "StatisticsFile",
    "TableName",
    "XlsxErrorValue",
    "buyer_table",
    "load_statistics",
    "read_csv_rows",
    "read_statistics_file",
    "read_xlsx_rows",
    "resolve_buyers",
    "statistics_files",
]


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


# ---------------------------------------------------------------------------------------- folder
def statistics_files(folder: Path) -> list[Path]:
    """The candidate export files in ``folder`` (``.xlsx`` and ``.csv``; not Office lock files)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(("~$", "."))
    )


def _duplicates(frame: pd.DataFrame, keys: list[str], what: str, report: ValidationReport) -> None:
    dup = frame.duplicated(keys, keep="first") & frame[keys].notna().all(axis=1)
    for r in frame.loc[dup, ["source_file", "source_row", *keys]].itertuples(index=False):
        report.add(
            Problem(
                "warning",
                r[0],
                f"{what} appears more than once; every row is counted",
                row=int(r[1]),
                value=" / ".join(str(x) for x in r[2:]),
            )
        )


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
        report.add(
            Problem(
                "error", where, f"no file with the procurement counts (a column {BY_NAME['n_procurements'].header!r})"
            )
        )
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
    _duplicates(
        procurements,
        ["year", "buyer_org_number", "procurement_id"],
        "the same procurement (year / organisation number / procurement id)",
        report,
    )
    if lots is not None:
        _duplicates(lots, ["year", "lot_id"], "the same lot (year / lot id)", report)
    return Statistics(procurements, lots, values, files, report)

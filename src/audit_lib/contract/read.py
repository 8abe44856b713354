"""Reading one table file as auditors receive it, before any typing.

CSV with ``,`` or ``;``, UTF-8 with or without BOM or Windows-1252; ``.xlsx`` with the table
on the first visible sheet (header rows above the table are skipped, with a warning); Parquet.
The result is a frame of raw cell values whose index is the row number a person sees when
opening the file (CSV line number, Excel row number, Parquet row ordinal from 1).

This module reads workbooks and Parquet and chooses the reader by suffix; beside it ``csv_raw``
(decoding, separators, CSV rows) and ``raw`` (what a reader returns). Their public names, and the
helpers other readers share, are importable from here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from .csv_raw import _UTF8_MULTIBYTE as _UTF8_MULTIBYTE
from .csv_raw import SEPARATORS, decode_bytes, detect_separator, read_csv_raw, split_line
from .csv_raw import _utf8_letter as _utf8_letter
from .problems import Problem
from .raw import RawTable, ReadError, _drop_empty_unnamed, _first_line, _present, normalise_header
from .spec import TableSpec

__all__ = [
    "HEADER_SEARCH_ROWS",
    "MAX_PARQUET_ROWS",
    "MAX_SMALL_TABLE_BYTES",
    "MAX_XLSX_CELLS",
    "MAX_XLSX_UNPACKED_BYTES",
    "RESERVED_COLUMNS",
    "SEPARATORS",
    "RawTable",
    "ReadError",
    "decode_bytes",
    "detect_separator",
    "normalise_header",
    "read_csv_raw",
    "read_parquet_raw",
    "read_raw",
    "read_xlsx_raw",
    "split_line",
]

# Small tables are read whole; a file above this size is refused (purchase_lines is "large"
# and never read here). Workbooks are also refused when their unpacked size is above
# MAX_XLSX_UNPACKED_BYTES (a "zip bomb": minutes of parsing) or their sheet holds more than
# MAX_XLSX_CELLS filled cells; Parquet files above MAX_PARQUET_ROWS rows.
MAX_SMALL_TABLE_BYTES = 200 * 1024 * 1024
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_XLSX_CELLS = 5_000_000
MAX_PARQUET_ROWS = 5_000_000
HEADER_SEARCH_ROWS = 20
# Column names the loaders use themselves; a file may not have them.
RESERVED_COLUMNS = ("_row", "file_row_number")


def _check_workbook_size(path: Path, file: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReadError(
            Problem("error", file, f"not a readable .xlsx workbook ({type(e).__name__}: {_first_line(e)})")
        ) from e
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ReadError(
            Problem(
                "error",
                file,
                f"workbook unpacks to {unpacked / 2**20:.0f} MiB, above the "
                f"{MAX_XLSX_UNPACKED_BYTES // 2**20} MiB limit (is it the right file?)",
            )
        )


def _sheet_cells(wb: Any, ws: Any, file: str) -> dict[int, dict[int, object]]:
    """The sheet's non-empty cells, {row: {column: value}} (Excel numbering from 1), read
    cell by cell: the work is bounded by the cells the file holds, never by the sheet's
    dimension (one value in column XFD does not make every row 16,384 cells wide). A formula
    whose value Excel never saved is refused with the cell named."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element):  # type: ignore[no-untyped-def]
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                where = f"{get_column_letter(cell['column'])}{cell['row']}"
                raise ReadError(
                    Problem(
                        "error",
                        file,
                        f"cell {where} holds a formula without a saved value ("
                        f"{element.findtext(FORMULA_TAG) or 'formula'}); open the workbook in Excel, let it "
                        "calculate, save, or paste the values",
                        row=cell["row"],
                        column=get_column_letter(cell["column"]),
                    )
                )
            return cell

    rows: dict[int, dict[int, object]] = {}
    n = 0
    with ws._get_source() as src:
        parser = Parser(
            src,
            ws._shared_strings,
            data_only=True,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for idx, cells in parser.parse():
            kept = {c["column"]: c["value"] for c in cells if _present(c["value"])}
            if kept:
                rows[idx] = kept
                n += len(kept)
                if n > MAX_XLSX_CELLS:
                    raise ReadError(
                        Problem(
                            "error",
                            file,
                            f"the sheet holds more than {MAX_XLSX_CELLS} filled cells, above the "
                            "limit for a small table (is it the right file?)",
                        )
                    )
    return rows


def _header_row(cells: dict[int, dict[int, object]], spec: TableSpec, file: str, sheet: str) -> int:
    """The first of the first rows that names at least half of the contract's columns."""
    wanted = set(spec.required_columns)
    for r in range(1, HEADER_SEARCH_ROWS + 1):
        names = {normalise_header(v) for v in cells.get(r, {}).values()}
        if len(names & wanted) >= max(1, len(wanted) // 2):
            return r
    raise ReadError(
        Problem(
            "error",
            file,
            f"no header row with the contract's columns in the first {HEADER_SEARCH_ROWS} rows "
            f"of the sheet '{sheet}' (expected: {', '.join(spec.required_columns)})",
        )
    )


def read_xlsx_raw(path: Path, spec: TableSpec) -> tuple[RawTable, list[Problem]]:
    """The first visible sheet; the header is the first of its first 20 rows that names at
    least half of the contract's columns (title rows above it are skipped, with a warning)."""
    import openpyxl

    file = path.name
    _check_workbook_size(path, file)
    warnings: list[Problem] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            visible = [ws for ws in wb.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
            if not visible:
                raise ReadError(Problem("error", file, "the workbook has no visible sheet"))
            ws = visible[0]
            hidden = [w.title for w in wb.worksheets[: wb.worksheets.index(ws)]]
            if hidden:
                warnings.append(
                    Problem(
                        "warning",
                        file,
                        f"read the sheet '{ws.title}', the first visible one; the hidden sheet(s) "
                        + ", ".join(f"'{h}'" for h in hidden)
                        + " before it are ignored",
                    )
                )
            cells = _sheet_cells(wb, ws, file)
        finally:
            wb.close()
    except ReadError:
        raise
    except Exception as e:  # openpyxl raises many kinds for broken files
        raise ReadError(
            Problem("error", file, f"not a readable .xlsx workbook ({type(e).__name__}: {_first_line(e)})")
        ) from e
    if not cells:
        raise ReadError(Problem("error", file, f"the sheet '{ws.title}' is empty: expected a header row and data"))
    header_at = _header_row(cells, spec, file, ws.title)
    if header_at > 1:
        warnings.append(Problem("warning", file, f"header found on row {header_at}; the rows above it are ignored"))
    body_rows = sorted(r for r in cells if r > header_at)
    used = sorted(set(cells[header_at]).union(*(cells[r] for r in body_rows)))
    head = cells[header_at]
    header = [normalise_header(head[j]) if j in head else f"unnamed_{j}" for j in used]
    body = pd.DataFrame(
        [[cells[r].get(j) for j in used] for r in body_rows],
        columns=header,
        index=pd.Index(body_rows, name="row"),
        dtype=object,
    )
    body = _drop_empty_unnamed(body)
    return RawTable(body), warnings


def read_parquet_raw(path: Path, spec: TableSpec) -> RawTable:
    import pyarrow.parquet as pq

    file = path.name
    try:
        meta = pq.read_metadata(path)
        names = [normalise_header(n) for n in meta.schema.to_arrow_schema().names]
        for name in dict.fromkeys(n for i, n in enumerate(names) if n in names[:i]):
            raise ReadError(Problem("error", file, "column appears more than once in the header", column=name))
        if meta.num_rows > MAX_PARQUET_ROWS:
            raise ReadError(
                Problem(
                    "error",
                    file,
                    f"{meta.num_rows} rows, above the {MAX_PARQUET_ROWS} rows limit for the "
                    f"table '{spec.name}' (is it the right file?)",
                )
            )
        table = pq.read_table(path)
        frame = table.to_pandas(types_mapper=None, date_as_object=True).astype(object)
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(
            Problem("error", file, f"not a readable Parquet file ({type(e).__name__}: {_first_line(e)})")
        ) from e
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame.index = pd.Index(range(1, len(frame) + 1), name="row")
    return RawTable(frame)


def read_raw(path: Path, spec: TableSpec) -> tuple[RawTable, list[Problem]]:
    """Read ``path`` according to its suffix; raise :class:`ReadError` if it cannot be read."""
    warnings: list[Problem]
    try:
        if not path.is_file():
            raise ReadError(Problem("error", path.name, "not a regular file"))
        size = path.stat().st_size
        if size > MAX_SMALL_TABLE_BYTES:
            raise ReadError(
                Problem(
                    "error",
                    path.name,
                    f"file is {size / 2**20:.0f} MiB, above the {MAX_SMALL_TABLE_BYTES // 2**20} MiB "
                    f"limit for the table '{spec.name}' (is it the right file?)",
                )
            )
        suffix = path.suffix.lower()
        if suffix == ".csv":
            raw, warnings = read_csv_raw(path, spec), []
        elif suffix == ".xlsx":
            raw, warnings = read_xlsx_raw(path, spec)
        elif suffix == ".parquet":
            raw, warnings = read_parquet_raw(path, spec), []
        else:
            raise ReadError(Problem("error", path.name, f"unsupported file type {suffix!r}"))
    except OSError as e:
        raise ReadError(Problem("error", path.name, f"cannot be opened ({e.strerror or type(e).__name__})")) from e
    reserved = [c for c in raw.frame.columns if c in RESERVED_COLUMNS]
    for c in reserved:
        raise ReadError(Problem("error", path.name, "column name is reserved by the loader; rename it", column=c))
    return raw, warnings

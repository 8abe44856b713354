"""Reading one table file as auditors receive it, before any typing.

CSV with ``,`` or ``;``, UTF-8 with or without BOM or Windows-1252; ``.xlsx`` with the table
on the first sheet (header rows above the table are skipped, with a warning); Parquet.
The result is a frame of raw cell values whose index is the row number a person sees when
opening the file (CSV line number, Excel row number, Parquet row ordinal from 1).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problems import Problem
from .spec import TableSpec

# Small tables are read whole; a file above this size is refused (purchase_lines is "large"
# and never read here).
MAX_SMALL_TABLE_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 20


@dataclass
class RawTable:
    frame: pd.DataFrame  # object dtype, index = row number as seen by a person
    encoding: str | None = None
    separator: str | None = None


class ReadError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.format())


def normalise_header(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or not), else Windows-1252; return (text, encoding)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise ReadError(_decode_problem(data, e, file, "UTF-8")) from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as e:
        raise ReadError(_decode_problem(data, e, file, "UTF-8 or Windows-1252")) from e


def _decode_problem(data: bytes, e: UnicodeDecodeError, file: str, tried: str) -> Problem:
    line = data[: e.start].count(b"\n") + 1
    return Problem(
        "error", file, f"encoding: bytes cannot be read as {tried}", row=line,
        value=data[e.start : e.start + 4].hex(" "),
    )


def detect_separator(header_line: str) -> str:
    semis, commas = header_line.count(";"), header_line.count(",")
    return ";" if semis > 0 and semis >= commas else ","


def read_csv_raw(path: Path, spec: TableSpec) -> RawTable:
    file = path.name
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ReadError(Problem("error", file, "file is empty: expected a header row and data"))
    text, encoding = decode_bytes(data, file)
    first_line = text.split("\n", 1)[0]
    sep = detect_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    try:
        header = next(reader)
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            rows.append(fields)
            line_numbers.append(reader.line_num)
    except csv.Error as e:
        raise ReadError(Problem("error", file, f"CSV cannot be parsed: {e}", row=reader.line_num)) from e
    header = [normalise_header(h) for h in header]
    if text and not text.endswith(("\n", "\r")) and rows and len(rows[-1]) < len(header):
        raise ReadError(
            Problem("error", file, "file is truncated: the last row is incomplete", row=line_numbers[-1])
        )
    for fields, line in zip(rows, line_numbers):
        if len(fields) != len(header):
            raise ReadError(
                Problem(
                    "error", file,
                    f"row has {len(fields)} fields but the header has {len(header)} "
                    f"(separator detected: {sep!r}; a truncated file or an unquoted separator?)",
                    row=line,
                )
            )
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(line_numbers, name="row"), dtype=object)
    return RawTable(frame, encoding=encoding, separator=sep)


def read_xlsx_raw(path: Path, spec: TableSpec) -> tuple[RawTable, list[Problem]]:
    file = path.name
    try:
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as e:  # openpyxl raises many kinds for broken files
        raise ReadError(Problem("error", file, f"not a readable .xlsx workbook ({type(e).__name__}: {e})")) from e
    if sheet.empty:
        raise ReadError(Problem("error", file, "first sheet is empty: expected a header row and data"))
    wanted = set(spec.column_names)
    header_at = None
    for i in range(min(HEADER_SEARCH_ROWS, len(sheet))):
        cells = {normalise_header(v) for v in sheet.iloc[i].tolist() if _present(v)}
        if len(cells & wanted) >= max(1, len(wanted) // 2):
            header_at = i
            break
    if header_at is None:
        raise ReadError(
            Problem(
                "error", file,
                f"no header row with the contract's columns in the first {HEADER_SEARCH_ROWS} rows "
                f"of the first sheet (expected: {', '.join(spec.column_names)})",
            )
        )
    warnings = []
    if header_at > 0:
        warnings.append(
            Problem("warning", file, f"header found on row {header_at + 1}; the rows above it are ignored")
        )
    header = [normalise_header(v) if _present(v) else f"unnamed_{j + 1}" for j, v in enumerate(sheet.iloc[header_at])]
    body = sheet.iloc[header_at + 1 :].copy()
    body.columns = header
    body.index = pd.Index([i + 1 for i in body.index], name="row")  # Excel rows count from 1
    body = body.loc[~body.apply(lambda r: all(not _present(v) for v in r), axis=1)]
    body = body[[c for c in body.columns if not (c.startswith("unnamed_") and not body[c].map(_present).any())]]
    return RawTable(body.astype(object)), warnings


def read_parquet_raw(path: Path, spec: TableSpec) -> RawTable:
    import pyarrow.parquet as pq

    file = path.name
    try:
        table = pq.read_table(path)
    except Exception as e:
        raise ReadError(Problem("error", file, f"not a readable Parquet file ({type(e).__name__}: {e})")) from e
    frame = table.to_pandas(types_mapper=None, date_as_object=True).astype(object)
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame.index = pd.Index(range(1, len(frame) + 1), name="row")
    return RawTable(frame)


def _present(v: object) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and v != v:
        return False
    if v is pd.NaT or v is pd.NA:
        return False
    return not (isinstance(v, str) and not v.strip())


def read_raw(path: Path, spec: TableSpec) -> tuple[RawTable, list[Problem]]:
    """Read ``path`` according to its suffix; raise :class:`ReadError` if it cannot be read."""
    size = path.stat().st_size
    if size > MAX_SMALL_TABLE_BYTES:
        raise ReadError(
            Problem(
                "error", path.name,
                f"file is {size / 2**20:.0f} MiB, above the {MAX_SMALL_TABLE_BYTES // 2**20} MiB "
                f"limit for the table '{spec.name}' (is it the right file?)",
            )
        )
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_raw(path, spec), []
    if suffix == ".xlsx":
        return read_xlsx_raw(path, spec)
    if suffix == ".parquet":
        return read_parquet_raw(path, spec), []
    raise ReadError(Problem("error", path.name, f"unsupported file type {suffix!r}"))

"""Reading one table file as auditors receive it, before any typing.

CSV with ``,`` or ``;``, UTF-8 with or without BOM or Windows-1252; ``.xlsx`` with the table
on the first visible sheet (header rows above the table are skipped, with a warning); Parquet.
The result is a frame of raw cell values whose index is the row number a person sees when
opening the file (CSV line number, Excel row number, Parquet row ordinal from 1).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .problems import Problem
from .spec import TableSpec

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

# A valid multi-byte UTF-8 sequence (a letter such as å encoded as UTF-8).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


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


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or not), else Windows-1252; return (text, encoding).

    Refused, with the line of the first offending byte: UTF-16/UTF-32 text (Excel's "Unicode
    text"), NUL bytes (binary data), bytes that are neither UTF-8 nor Windows-1252, and a file
    that mixes the two (valid UTF-8 letters beside bytes that are not UTF-8: decoding it either
    way would silently garble some names)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(Problem(
            "error", file, "encoding: the file is UTF-16 (Excel's 'Unicode text'); "
            "save it as 'CSV UTF-8' or 'CSV (semicolon/comma separated)'", row=1))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ReadError(Problem(
            "error", file, "encoding: the file contains NUL bytes (a binary file, or UTF-16 text "
            "without a byte order mark); save it as 'CSV UTF-8'", row=_line_of(data, nul)))
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise ReadError(_decode_problem(data, e.start + 3, file, "UTF-8 (the file starts with a UTF-8 BOM)")) from e
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        bad = e.start
    utf8 = _utf8_letter(data)
    if utf8 is not None:
        raise ReadError(Problem(
            "error", file,
            f"encoding: mixed encodings: line {_line_of(data, utf8)} has UTF-8 letters but this line "
            "has bytes that are not UTF-8 (Windows-1252?); save the whole file in one encoding",
            row=_line_of(data, bad), value=data[bad : bad + 4].hex(" ")))
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as e:
        raise ReadError(_decode_problem(data, e.start, file, "UTF-8 or Windows-1252")) from e


def _utf8_letter(data: bytes) -> int | None:
    """Offset of the first valid multi-byte UTF-8 sequence that decodes to a letter (such as
    å written as UTF-8, which Windows-1252 would show as "Ã¥"), else None."""
    for m in _UTF8_MULTIBYTE.finditer(data):
        if m.group(0).decode("utf-8", "replace").isalpha():
            return m.start()
    return None


def _decode_problem(data: bytes, start: int, file: str, tried: str) -> Problem:
    return Problem(
        "error", file, f"encoding: bytes cannot be read as {tried}", row=_line_of(data, start),
        value=data[start : start + 4].hex(" "),
    )


SEPARATORS = (";", ",")


def detect_separator(header_line: str) -> str:
    """``;`` or ``,``: the one the header line uses more (``;`` on a tie)."""
    semis, commas = header_line.count(";"), header_line.count(",")
    return ";" if semis > 0 and semis >= commas else ","


def _split(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep))
    except (csv.Error, StopIteration):
        return []


def _csv_error(e: csv.Error, file: str, line: int) -> ReadError:
    msg = str(e)
    if "field larger than field limit" in msg:
        text = (f"a cell is longer than {csv.field_size_limit()} characters "
                "(a quote that is never closed?)")
    elif "unexpected end of data" in msg or "EOF" in msg:
        text = "file is truncated: a quoted cell starting here is never closed"
    else:
        text = f"CSV cannot be parsed: {msg}"
    return ReadError(Problem("error", file, text, row=line))


def read_csv_raw(path: Path, spec: TableSpec) -> RawTable:
    file = path.name
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ReadError(Problem("error", file, "file is empty: expected a header row and data"))
    text, encoding = decode_bytes(data, file)
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise ReadError(Problem("error", file, "the first line is empty: expected the header row", row=1))
    if ";" not in first_line and "," not in first_line and "\t" in first_line:
        raise ReadError(Problem(
            "error", file, "separator: the header is separated by tabs; the contract accepts ',' or ';'", row=1))
    sep = detect_separator(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    start = 1
    try:
        header = next(reader)
        while True:
            start = reader.line_num + 1  # a quoted cell may span lines: the row starts here
            try:
                fields = next(reader)
            except StopIteration:
                break
            if not fields or all(not f.strip() for f in fields):
                continue
            rows.append(fields)
            line_numbers.append(start)
    except csv.Error as e:
        raise _csv_error(e, file, start) from e
    header = [normalise_header(h) for h in header]
    if text and not text.endswith(("\n", "\r")) and rows and len(rows[-1]) < len(header):
        raise ReadError(
            Problem("error", file, "file is truncated: the last row is incomplete", row=line_numbers[-1])
        )
    lines = re.split(r"\r\n|\n|\r", text)
    for fields, line in zip(rows, line_numbers):
        if len(fields) != len(header):
            other = [s for s in SEPARATORS if s != sep][0]
            hint = "a truncated file or an unquoted separator?"
            raw_line = lines[line - 1] if 0 < line <= len(lines) else ""
            if len(_split(raw_line, other)) == len(header):
                hint = (f"with {other!r} it would have {len(header)}: the header and the rows use "
                        "different separators")
            raise ReadError(
                Problem(
                    "error", file,
                    f"row has {len(fields)} fields but the header has {len(header)} "
                    f"(separator detected from the header: {sep!r}; {hint})",
                    row=line,
                )
            )
    header = [h if h else f"unnamed_{j + 1}" for j, h in enumerate(header)]
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(line_numbers, name="row"), dtype=object)
    frame = _drop_empty_unnamed(frame)
    return RawTable(frame, encoding=encoding, separator=sep)


def _drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns without a header and without values (a trailing separator) are dropped."""
    keep = [
        c for c in frame.columns
        if not (str(c).startswith("unnamed_") and not frame[c].map(_present).any())
    ]
    return frame.loc[:, keep] if len(keep) != frame.shape[1] else frame


def _check_workbook_size(path: Path, file: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ReadError(Problem(
            "error", file, f"not a readable .xlsx workbook ({type(e).__name__}: {_first_line(e)})")) from e
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ReadError(Problem(
            "error", file, f"workbook unpacks to {unpacked / 2**20:.0f} MiB, above the "
            f"{MAX_XLSX_UNPACKED_BYTES // 2**20} MiB limit (is it the right file?)"))


def _sheet_cells(wb: object, ws: object, file: str) -> dict[int, dict[int, object]]:
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
                raise ReadError(Problem(
                    "error", file, f"cell {where} holds a formula without a saved value ("
                    f"{element.findtext(FORMULA_TAG) or 'formula'}); open the workbook in Excel, let it "
                    "calculate, save, or paste the values", row=cell["row"], column=get_column_letter(cell["column"])))
            return cell

    rows: dict[int, dict[int, object]] = {}
    n = 0
    with ws._get_source() as src:  # type: ignore[attr-defined]
        parser = Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,  # type: ignore[attr-defined]
                        date_formats=wb._date_formats,  # type: ignore[attr-defined]
                        timedelta_formats=wb._timedelta_formats)  # type: ignore[attr-defined]
        for idx, cells in parser.parse():
            kept = {c["column"]: c["value"] for c in cells if _present(c["value"])}
            if kept:
                rows[idx] = kept
                n += len(kept)
                if n > MAX_XLSX_CELLS:
                    raise ReadError(Problem(
                        "error", file, f"the sheet holds more than {MAX_XLSX_CELLS} filled cells, above the "
                        "limit for a small table (is it the right file?)"))
    return rows


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
                warnings.append(Problem(
                    "warning", file, f"read the sheet '{ws.title}', the first visible one; the hidden sheet(s) "
                    + ", ".join(f"'{h}'" for h in hidden) + " before it are ignored"))
            cells = _sheet_cells(wb, ws, file)
        finally:
            wb.close()
    except ReadError:
        raise
    except Exception as e:  # openpyxl raises many kinds for broken files
        raise ReadError(Problem(
            "error", file, f"not a readable .xlsx workbook ({type(e).__name__}: {_first_line(e)})")) from e
    if not cells:
        raise ReadError(Problem("error", file, f"the sheet '{ws.title}' is empty: expected a header row and data"))
    wanted = set(spec.required_columns)
    header_at = None
    for r in range(1, HEADER_SEARCH_ROWS + 1):
        names = {normalise_header(v) for v in cells.get(r, {}).values()}
        if len(names & wanted) >= max(1, len(wanted) // 2):
            header_at = r
            break
    if header_at is None:
        raise ReadError(
            Problem(
                "error", file,
                f"no header row with the contract's columns in the first {HEADER_SEARCH_ROWS} rows "
                f"of the sheet '{ws.title}' (expected: {', '.join(spec.required_columns)})",
            )
        )
    if header_at > 1:
        warnings.append(
            Problem("warning", file, f"header found on row {header_at}; the rows above it are ignored")
        )
    body_rows = sorted(r for r in cells if r > header_at)
    used = sorted(set(cells[header_at]).union(*(cells[r] for r in body_rows)))
    head = cells[header_at]
    header = [normalise_header(head[j]) if j in head else f"unnamed_{j}" for j in used]
    body = pd.DataFrame([[cells[r].get(j) for j in used] for r in body_rows], columns=header,
                        index=pd.Index(body_rows, name="row"), dtype=object)
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
            raise ReadError(Problem(
                "error", file, f"{meta.num_rows} rows, above the {MAX_PARQUET_ROWS} rows limit for the "
                f"table '{spec.name}' (is it the right file?)"))
        table = pq.read_table(path)
        frame = table.to_pandas(types_mapper=None, date_as_object=True).astype(object)
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(Problem(
            "error", file, f"not a readable Parquet file ({type(e).__name__}: {_first_line(e)})")) from e
    frame.columns = [normalise_header(c) for c in frame.columns]
    frame.index = pd.Index(range(1, len(frame) + 1), name="row")
    return RawTable(frame)


def _first_line(e: BaseException) -> str:
    """An exception's message without file paths' folders and without its later lines."""
    lines = str(e).strip().splitlines()
    return lines[0][:300] if lines else type(e).__name__


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
    warnings: list[Problem]
    try:
        if not path.is_file():
            raise ReadError(Problem("error", path.name, "not a regular file"))
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


def split_line(line: str, sep: str) -> list[str]:
    """One line's fields with the separator ``sep`` (none where the line cannot be parsed);
    the statistics importer shares it to find the header and its separator."""
    return _split(line, sep)

"""CSV as auditors save it: decoding the bytes (UTF-8 with or without BOM, Windows-1252; UTF-16,
NUL bytes and mixed encodings refused with the line), the separator (``,`` or ``;``) and the
rows, read raw with the line number a person sees."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .problems import Problem
from .raw import RawTable, ReadError, _drop_empty_unnamed, normalise_header
from .spec import TableSpec

# A valid multi-byte UTF-8 sequence (a letter such as å encoded as UTF-8).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def decode_bytes(data: bytes, file: str) -> tuple[str, str]:
    """Decode as UTF-8 (BOM or not), else Windows-1252; return (text, encoding).

    Refused, with the line of the first offending byte: UTF-16/UTF-32 text (Excel's "Unicode
    text"), NUL bytes (binary data), bytes that are neither UTF-8 nor Windows-1252, and a file
    that mixes the two (valid UTF-8 letters beside bytes that are not UTF-8: decoding it either
    way would silently garble some names)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(
            Problem(
                "error",
                file,
                "encoding: the file is UTF-16 (Excel's 'Unicode text'); "
                "save it as 'CSV UTF-8' or 'CSV (semicolon/comma separated)'",
                row=1,
            )
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ReadError(
            Problem(
                "error",
                file,
                "encoding: the file contains NUL bytes (a binary file, or UTF-16 text "
                "without a byte order mark); save it as 'CSV UTF-8'",
                row=_line_of(data, nul),
            )
        )
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
        raise ReadError(
            Problem(
                "error",
                file,
                f"encoding: mixed encodings: line {_line_of(data, utf8)} has UTF-8 letters but this line "
                "has bytes that are not UTF-8 (Windows-1252?); save the whole file in one encoding",
                row=_line_of(data, bad),
                value=data[bad : bad + 4].hex(" "),
            )
        )
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
        "error",
        file,
        f"encoding: bytes cannot be read as {tried}",
        row=_line_of(data, start),
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
        text = f"a cell is longer than {csv.field_size_limit()} characters (a quote that is never closed?)"
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
        raise ReadError(
            Problem("error", file, "separator: the header is separated by tabs; the contract accepts ',' or ';'", row=1)
        )
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
        raise ReadError(Problem("error", file, "file is truncated: the last row is incomplete", row=line_numbers[-1]))
    lines = re.split(r"\r\n|\n|\r", text)
    for fields, line in zip(rows, line_numbers):
        if len(fields) != len(header):
            other = [s for s in SEPARATORS if s != sep][0]
            hint = "a truncated file or an unquoted separator?"
            raw_line = lines[line - 1] if 0 < line <= len(lines) else ""
            if len(_split(raw_line, other)) == len(header):
                hint = f"with {other!r} it would have {len(header)}: the header and the rows use different separators"
            raise ReadError(
                Problem(
                    "error",
                    file,
                    f"row has {len(fields)} fields but the header has {len(header)} "
                    f"(separator detected from the header: {sep!r}; {hint})",
                    row=line,
                )
            )
    header = [h if h else f"unnamed_{j + 1}" for j, h in enumerate(header)]
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(line_numbers, name="row"), dtype=object)
    frame = _drop_empty_unnamed(frame)
    return RawTable(frame, encoding=encoding, separator=sep)


def split_line(line: str, sep: str) -> list[str]:
    """One line's fields with the separator ``sep`` (none where the line cannot be parsed);
    the statistics importer shares it to find the header and its separator."""
    return _split(line, sep)

"""Read a CSV statistics export into raw rows: the contract's decoding (UTF-8 with or without
BOM, else Windows-1252, with its refusals) and separators (``;``, ``,``; here also tab), with
the header looked for below title lines."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..contract.read import SEPARATORS, decode_bytes, split_line
from .columns import HEADER_KEYS, HEADER_SEARCH_ROWS, MIN_HEADER_MATCHES, RawRows, header_key

CSV_SEPARATORS = (*SEPARATORS, "\t")  # the exports' CSV may also be tab separated


def find_header_line(lines: list[str]) -> tuple[int, str] | None:
    """(line index, separator) of the header among the first lines: the first line that some
    separator splits into at least ``MIN_HEADER_MATCHES`` known headers, with the separator
    that gives the most; None when no line does."""
    best: tuple[int, int, str] | None = None  # (matches, line index, separator)
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        for sep in CSV_SEPARATORS:
            n = sum(header_key(f) in HEADER_KEYS for f in split_line(line.rstrip("\r\n"), sep))
            if n >= MIN_HEADER_MATCHES and (best is None or n > best[0]):
                best = (n, i, sep)
        if best is not None and best[1] == i:
            return best[1], best[2]
    return None


def read_csv_rows(path: Path) -> RawRows:
    """All rows of a CSV file, with the separator found on the header line.

    The header is looked for in the first rows (title lines above it are allowed); the separator
    is the one (``;``, ``,`` or tab) that splits that line into the most known headers.
    """
    data = path.read_bytes()
    text, encoding = decode_bytes(data, path.name)
    lines = text.splitlines(keepends=True)
    found = find_header_line(lines)
    if found is None:
        # no recognisable header: return the first rows so the caller reports it
        rows = [(i + 1, next(csv.reader([ln.rstrip("\r\n")]), [])) for i, ln in enumerate(lines[:HEADER_SEARCH_ROWS])]
        return RawRows(rows, "csv", encoding=encoding)
    start, sep = found
    out: list[tuple[int, list[Any]]] = [
        (i + 1, next(csv.reader([ln.rstrip("\r\n")], delimiter=sep), [])) for i, ln in enumerate(lines[:start])
    ]
    offset = sum(len(ln) for ln in lines[:start])
    reader = csv.reader(io.StringIO(text[offset:], newline=""), delimiter=sep)
    try:
        for fields in reader:
            out.append((start + reader.line_num, list(fields)))
    except csv.Error as e:
        raise ValueError(f"CSV cannot be parsed at line {start + reader.line_num}: {e}") from None
    return RawRows(out, "csv", separator=sep, encoding=encoding)

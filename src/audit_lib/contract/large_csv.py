"""A large CSV's layout, scanned once in Python before DuckDB reads it (``contract.large``).

The encoding (UTF-16, NUL bytes, bytes that are neither UTF-8 nor Windows-1252, a mix of the
two are refused with the line), the separator and header (read with the same rules as the small
tables), the line endings and the runs of empty lines (which DuckDB skips, so that row numbers
can be given back as the file's lines).
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem
from .read import ReadError, _utf8_letter, detect_separator

_CHUNK = 8 << 20
# bytes that Windows-1252 leaves undefined
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# More empty lines than this in a large CSV are refused (their row numbers are kept in the SQL).
MAX_EMPTY_LINES = 10_000


@dataclass(frozen=True)
class CsvLayout:
    """How to read one CSV: its encoding, separator and header (names as in the file)."""

    encoding: str  # utf-8 or latin-1 (DuckDB's name for the single-byte fallback)
    separator: str
    header: tuple[str, ...]
    newline: str = "\n"  # "\n" (also "\r\n") or "\r" (old Mac)
    # (t, j): data rows numbered t and above (from 1) follow j empty lines, which DuckDB skips
    empty_lines: tuple[tuple[int, int], ...] = ()


_LAYOUTS: dict[tuple[str, int, int], CsvLayout] = {}


def _line_at(path: Path, offset: int, newline: bytes = b"\n") -> int:
    """The 1-based line of byte ``offset`` (counts newlines in chunks)."""
    line, pos = 1, 0
    with open(path, "rb") as fh:
        while pos < offset:
            block = fh.read(min(_CHUNK, offset - pos))
            if not block:
                break
            line += block.count(newline)
            pos += len(block)
    return line


def _newline(path: Path) -> bytes:
    """``\r`` for a file whose lines end in a lone carriage return (old Mac), else ``\n``."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    cr, lf = head.find(b"\r"), head.find(b"\n")
    if cr >= 0 and (lf < 0 or cr < lf) and head[cr + 1 : cr + 2] != b"\n":
        return b"\r"
    return b"\n"


def _empty_lines(path: Path, newline: bytes) -> tuple[tuple[int, int], ...]:
    """Where DuckDB's row count and the file's lines part: for each run of empty lines, the
    data-row number (from 1) after which it lies and the number of empty lines so far."""
    nl = newline[0:1]
    pattern = re.compile(re.escape(nl) + (b"(?=\r?\n)" if nl == b"\n" else b"(?=\r)"))
    lines_before, j, out = 0, 0, {}  # newlines before the current buffer
    carry = b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            buf = carry + block
            cut = len(buf) if not block else max(len(buf) - 2, 0)
            last = 0
            for m in pattern.finditer(buf):
                if m.start() >= cut:
                    break
                lines_before += buf.count(nl, last, m.start())
                last = m.start()
                j += 1
                if j > MAX_EMPTY_LINES:
                    raise ReadError(
                        Problem("error", path.name, f"more than {MAX_EMPTY_LINES} empty lines", row=lines_before + 2)
                    )
                # the empty line is line lines_before + 2; the header is line 1
                out[lines_before + 2 - j] = j
            lines_before += buf.count(nl, last, cut)
            carry = buf[cut:]
            if not block:
                break
    return tuple(sorted(out.items()))


def _refuse_empty_or_utf16(path: Path) -> None:
    """An empty file, or one in UTF-16, is refused before its bytes are scanned."""
    file = path.name
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        with open(path, "rb") as fh:
            if not fh.read(1 << 16).strip(b" \t\r\n\xef\xbb\xbf"):
                raise ReadError(Problem("error", file, "file is empty: expected a header row and data"))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(
            Problem(
                "error", file, "encoding: the file is UTF-16 (Excel's 'Unicode text'); save it as 'CSV UTF-8'", row=1
            )
        )


@dataclass
class _EncodingScan:
    """What one pass over the bytes found: UTF-8 or not (and where not), letters, undefined bytes."""

    utf8_ok: bool = True
    first_bad: int = -1
    has_multibyte: bool = False
    undefined_at: int = -1


def _scan_bytes(path: Path) -> _EncodingScan:
    """One pass over the file in chunks; NUL bytes are refused with their line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    scan = _EncodingScan()
    pos = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(_CHUNK)
            if not block:
                break
            nul = block.find(b"\x00")
            if nul >= 0:
                raise ReadError(
                    Problem(
                        "error",
                        path.name,
                        "encoding: the file contains NUL bytes (a binary file, or UTF-16 text "
                        "without a byte order mark); save it as 'CSV UTF-8'",
                        row=_line_at(path, pos + nul, _newline(path)),
                    )
                )
            if not scan.has_multibyte and _utf8_letter(block) is not None:
                scan.has_multibyte = True
            if scan.undefined_at < 0:
                m = _CP1252_UNDEFINED.search(block)
                if m:
                    scan.undefined_at = pos + m.start()
            if scan.utf8_ok:
                try:
                    decoder.decode(block, final=False)
                except UnicodeDecodeError as e:
                    scan.utf8_ok, scan.first_bad = False, pos + e.start
            pos += len(block)
    if scan.utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            scan.utf8_ok, scan.first_bad = False, max(pos - 1, 0)
    return scan


def _encoding(path: Path) -> str:
    """``utf-8`` or ``latin-1`` (Windows-1252); a mix of the two, or undefined bytes, are refused."""
    scan = _scan_bytes(path)
    if scan.utf8_ok:
        return "utf-8"
    if scan.has_multibyte:
        raise ReadError(
            Problem(
                "error",
                path.name,
                "encoding: mixed encodings: some lines are UTF-8, this line has bytes that are not "
                "UTF-8 (Windows-1252?); save the whole file in one encoding",
                row=_line_at(path, scan.first_bad, _newline(path)),
            )
        )
    if scan.undefined_at >= 0:
        raise ReadError(
            Problem(
                "error",
                path.name,
                "encoding: bytes cannot be read as UTF-8 or Windows-1252",
                row=_line_at(path, scan.undefined_at, _newline(path)),
            )
        )
    return "latin-1"


def _header(path: Path, encoding: str, newline: bytes) -> tuple[str, tuple[str, ...]]:
    """The separator and the header's names, from the first line read with the small tables' rules."""
    with open(path, "rb") as fh:
        first = fh.read(1 << 20).split(newline, 1)[0]
    text = first.decode("utf-8" if encoding == "utf-8" else "cp1252", "replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise ReadError(Problem("error", path.name, "the first line is empty: expected the header row", row=1))
    sep = detect_separator(text)
    return sep, tuple(next(csv.reader([text], delimiter=sep)))


def csv_layout(path: Path) -> CsvLayout:
    """Scan a CSV once for its encoding and read its header; raise :class:`ReadError`."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _LAYOUTS:
        return _LAYOUTS[key]
    _refuse_empty_or_utf16(path)
    encoding = _encoding(path)
    newline = _newline(path)
    sep, header = _header(path, encoding, newline)
    layout = CsvLayout(encoding, sep, header, newline.decode(), _empty_lines(path, newline))
    _LAYOUTS[key] = layout
    return layout

"""Read the first sheet of an ``.xlsx`` statistics export into raw rows, streamed with the
standard library (several times faster than openpyxl on the exports, ~600,000 cells each)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree import ElementTree

from .columns import RawRows


class XlsxErrorValue(str):
    """An Excel error cell such as ``#N/A`` (kept apart from text so it is reported as such)."""


_SPREADSHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_COL_RE = re.compile(r"^([A-Z]+)(\d+)$")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _col_index(ref: str | None, fallback: int) -> int:
    if not ref:
        return fallback
    m = _COL_RE.match(ref)
    if not m:
        return fallback
    n = 0
    for ch in m.group(1):
        n = n * 26 + ord(ch) - 64
    return n - 1


def _xlsx_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _part(target: str) -> str:
    """A relationship's target as a path in the zip file."""
    if target.startswith("/"):
        return target.lstrip("/")
    return str(PurePosixPath("xl") / target)


def _workbook_parts(zf: zipfile.ZipFile, names: set[str]) -> tuple[bool, str, str]:
    """(date1904, the first sheet's part, the shared strings' part) from the workbook."""
    wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    date1904 = False
    first_rid = None
    for el in wb.iter():
        tag = _local(el.tag)
        if tag == "workbookPr":
            date1904 = el.get("date1904", "0").lower() in ("1", "true")
        elif tag == "sheet" and first_rid is None:
            first_rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
    rels: dict[str, tuple[str, str]] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for el in ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels")).iter():
            if _local(el.tag) == "Relationship":
                rels[el.get("Id", "")] = (el.get("Type", ""), el.get("Target", ""))
    sheet_part = _part(rels[first_rid][1]) if first_rid in rels else "xl/worksheets/sheet1.xml"
    ss_part = next((_part(t) for ty, t in rels.values() if ty.endswith("/sharedStrings")), "xl/sharedStrings.xml")
    return date1904, sheet_part, ss_part


def _shared_strings(zf: zipfile.ZipFile, part: str, names: set[str]) -> list[str]:
    shared: list[str] = []
    if part in names:
        with zf.open(part) as fh:
            for _, el in ElementTree.iterparse(fh):
                if _local(el.tag) == "si":
                    shared.append("".join(t.text or "" for t in el.iter() if _local(t.tag) == "t"))
                    el.clear()
    return shared


def _cell_value(c: ElementTree.Element, tags: tuple[str, str, str], shared: list[str]) -> Any:
    """A cell's value: shared, inline and formula strings as text, numbers, booleans, errors."""
    v_tag, is_tag, t_tag = tags
    kind = c.get("t")
    v = c.find(v_tag)
    text = None if v is None else v.text
    if kind == "s" and text is not None:
        return shared[int(text)]
    if text is None:
        if kind == "inlineStr":
            inline = c.find(is_tag)
            return None if inline is None else "".join(t.text or "" for t in inline.iter(t_tag))
        return None
    if kind is None or kind == "n":
        return _xlsx_number(text)
    if kind in ("str", "d", "inlineStr"):
        return text
    if kind == "b":
        return text.strip() in ("1", "true")
    if kind == "e":
        return XlsxErrorValue(text)
    return _xlsx_number(text)


def _row_values(
    row: ElementTree.Element, tags: tuple[str, str, str], shared: list[str], letters_index: dict[str, int]
) -> list[Any]:
    """One row's cells in column order (missing cells as None)."""
    values: list[Any] = []
    for c in row:
        ref = c.get("r")
        if ref:
            letters = ref.rstrip("0123456789")
            j = letters_index.get(letters)
            if j is None:
                j = letters_index[letters] = _col_index(ref, len(values))
        else:
            j = len(values)
        value = _cell_value(c, tags, shared)
        n = len(values)
        if j == n:
            values.append(value)
        elif j > n:
            values.extend([None] * (j - n))
            values.append(value)
        else:
            values[j] = value
    return values


def _sheet_rows(fh: IO[bytes], shared: list[str]) -> list[tuple[int, list[Any]]]:
    rows: list[tuple[int, list[Any]]] = []
    letters_index: dict[str, int] = {}
    row_tag = None
    tags = ("", "", "")
    for _, el in ElementTree.iterparse(fh):  # "end" events: an element is complete
        if row_tag is None:
            tag = el.tag
            ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
            row_tag, tags = ns + "row", (ns + "v", ns + "is", ns + "t")
        if el.tag != row_tag:
            continue
        number = int(el.get("r") or len(rows) + 1)
        rows.append((number, _row_values(el, tags, shared, letters_index)))
        el.clear()
    return rows


def read_xlsx_rows(path: Path) -> RawRows:
    """All rows of the first sheet of an ``.xlsx`` workbook, streamed with the standard library.

    Several times faster than openpyxl on the statistics exports (~600,000 cells each).
    Cell values: shared, inline and formula strings as ``str``; numbers as ``int``/``float``
    (dates stay serial numbers: they are converted where a date is expected); booleans as
    ``bool``; error cells as :class:`XlsxErrorValue`. Raises :class:`ValueError` for a file that
    is not a readable workbook.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"not a readable .xlsx workbook ({type(e).__name__}: {e})") from None
    with zf:
        names = set(zf.namelist())
        if "xl/workbook.xml" not in names:
            raise ValueError("not a readable .xlsx workbook (no xl/workbook.xml)")
        date1904, sheet_part, ss_part = _workbook_parts(zf, names)
        if sheet_part not in names:
            raise ValueError(f"not a readable .xlsx workbook (no {sheet_part})")
        shared = _shared_strings(zf, ss_part, names)
        try:
            with zf.open(sheet_part) as fh:
                rows = _sheet_rows(fh, shared)
        except (ElementTree.ParseError, IndexError, ValueError, StopIteration) as e:
            raise ValueError(f"not a readable .xlsx workbook ({type(e).__name__}: {e})") from None
    return RawRows(rows, "xlsx", date1904=date1904)

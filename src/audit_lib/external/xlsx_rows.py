"""Read the first sheet of an ``.xlsx`` statistics export into raw rows with the standard library.

:func:`read_xlsx_rows` takes a fast path for the common shape of a sheet (a regular-expression
scan of the sheet XML after expat has checked that it is well formed) and falls back to
:func:`read_xlsx_rows_reference` (ElementTree, one Element per cell: the reference the tests
compare with) for anything else, so results and errors are the reference's in every case."""

from __future__ import annotations

import gc
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

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
    return _typed_text(kind, text)


def _typed_text(kind: str | None, text: str) -> Any:
    """A cell's value from its type attribute and the text of its ``<v>`` (not a shared string)."""
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
        _place(values, j, _cell_value(c, tags, shared))
    return values


def _place(values: list[Any], j: int, value: Any) -> None:
    """Put a cell's value in column ``j`` (a gap filled with None; an earlier column overwritten)."""
    n = len(values)
    if j == n:
        values.append(value)
    elif j > n:
        values.extend([None] * (j - n))
        values.append(value)
    else:
        values[j] = value


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


def read_xlsx_rows_reference(path: Path) -> RawRows:
    """The reference reader: all rows of the first sheet, streamed with ElementTree.

    :func:`read_xlsx_rows` returns exactly what this returns (and raises what it raises); it is
    kept as the fallback for sheets the fast path does not recognise and as the tests' reference.
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


# The fast path: where it raises, read_xlsx_rows reads the file again with the reference.
class _NotRecognised(Exception):
    """A part the fast path leaves to the reference reader."""


class _NotPlain(_NotRecognised):
    """A row with a cell that is not of the usual shape: read again with the full cell pattern."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small acyclic objects are made."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_ENTITY = re.compile(r"&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


def _entity(m: re.Match[str]) -> str:
    if m[1]:
        return chr(int(m[1], 16))
    return chr(int(m[2])) if m[2] else _NAMED[m[3]]


def _unescape(text: str) -> str:
    """Text with XML's predefined entities and character references replaced (expat checked them)."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _checked_text(data: bytes) -> str:
    """The part as text, once expat (with namespaces, as ElementTree) has found it well formed.

    Left to the reference: encodings but UTF-8, a DOCTYPE, carriage returns, and namespaces but one
    default namespace declared on the root, bound to no prefix, that the first element to end is in
    (the reference takes its row tag from that element): so an unprefixed ``<row`` is a row."""
    declared = _ENCODING.match(data)
    if declared and declared[1].lower() not in (b"utf-8", b"utf8"):
        raise _NotRecognised("encoding")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\r" in data or b"<!DOCTYPE" in data:
        raise _NotRecognised("encoding, DOCTYPE or carriage return")
    parser = expat.ParserCreate(namespace_separator="}")
    root: list[int] = []
    first_end: list[str] = []
    defaults: list[tuple[str, int]] = []
    bound: list[str] = []

    def start(name: str, attrs: Any) -> None:
        root.append(parser.CurrentByteIndex)
        parser.StartElementHandler = None

    def end(name: str) -> None:
        first_end.append(name)
        parser.EndElementHandler = None

    def declaration(prefix: str | None, uri: str | None) -> None:
        if prefix is None:
            defaults.append((uri or "", parser.CurrentByteIndex))
        else:
            bound.append(uri or "")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartNamespaceDeclHandler = declaration
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        raise _NotRecognised("not well formed") from None
    uri = defaults[0][0] if defaults else ""
    first_ns = first_end[0].rpartition("}")[0]
    if len(defaults) > 1 or (defaults and defaults[0][1] != root[0]) or uri in bound or first_ns != uri:
        raise _NotRecognised("namespaces")
    return data.decode("utf-8")


_SST = re.compile(r"""<sst(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*>(.*)</sst>\s*""", re.S)
_PROLOG = re.compile(r"\ufeff?(?:<\?xml[^<>]*\?>)?\s*")
_SI = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si><t(?: xml:space="preserve")?\s*/></si>|(<)')


def _fast_shared_strings(data: bytes) -> list[str]:
    """The shared strings when each is one plain ``<si><t>text</t></si>`` (rich text: reference)."""
    text = _checked_text(data)
    m = _SST.search(text)
    if m is None or not _PROLOG.fullmatch(text, 0, m.start()) or m.end() != len(text):
        raise _NotRecognised("shared strings")
    items = _SI.findall(m[1])
    if any(other for _, other in items):
        raise _NotRecognised("shared strings")
    return [_unescape(t) for t, _ in items]


_SHEET_DATA = re.compile(r"<sheetData\s*(/?)>")
_ROW_TAG = re.compile(r"<row[\s/>]")
_ROW_OPEN = re.compile(r"""\s*<row((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>""")
_ROW_NUMBER = re.compile(r"""(?:\s+[^\s=]+\s*=\s*(?:"[^"]*"|'[^']*'))*?\s+r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# The usual cell (faster), then any cell: (column letters, type, value, inline string, other '<').
_PLAIN_CELL = re.compile(r'<c r="([A-Z]+)[0-9]+"(?: s="[0-9]+")?(?: t="([a-z]+)")?><v>([^<]*)</v></c>()|(<)')
_CELL = re.compile(
    r'<c(?: r="([A-Z]+)[0-9]+")?(?: s="[0-9]+")?(?: t="([A-Za-z]*)")?(?: s="[0-9]+")?\s*'
    r"(?:/>|>(?:<f(?:\s[^<>]*)?(?:/>|>[^<]*</f>))?(?:<v>([^<]*)</v>)?(<is>(?:[^<]|<(?!/is>))*</is>)?</c>)"
    r"|(<)"
)
_IS_CONTENT = re.compile(
    r'(?:[^<]+|<t(?: xml:space="preserve")?>[^<]*</t>|<t(?: xml:space="preserve")?\s*/>'
    r"|</?(?!t[\s/>])[A-Za-z][\w.-]*(?:\s[^<>]*)?/?>)*"
)
_T_TEXT = re.compile(r'<t(?: xml:space="preserve")?>([^<]*)</t>')


def _inline_text(element: str) -> str:
    """The text of an ``<is>`` element: its ``<t>`` elements' texts (in rich-text runs too)."""
    content = element[4:-5]
    if not _IS_CONTENT.fullmatch(content):
        raise _NotRecognised("inline string")
    return "".join(_unescape(t) for t in _T_TEXT.findall(content))


def _fast_row_values(cells: list[tuple[str, ...]], shared: list[str], index: dict[str, int], amp: bool) -> list[Any]:
    """One row's values from its cells' regular-expression groups, placed as _row_values does."""
    values: list[Any] = []
    value: Any
    for letters, kind, text, inline, other in cells:
        if other:
            raise _NotPlain("cell")
        j = index.get(letters) if letters else len(values)
        if j is None:
            j = index[letters] = _col_index(letters + "1", 0)
        if amp:
            text = _unescape(text)
        if not text:
            value = _inline_text(inline) if inline and kind == "inlineStr" else None
        elif kind == "s":
            value = shared[int(text)]
        elif not kind or kind == "n":
            value = int(text) if text.isdigit() and text.isascii() else _xlsx_number(text)
        else:
            value = _typed_text(kind, text)
        if j == len(values):  # the usual case, without a call
            values.append(value)
        else:
            _place(values, j, value)
    return values


def _sheet_body(text: str) -> str:
    """The text inside ``<sheetData>``; no row may be outside it."""
    m = _SHEET_DATA.search(text)
    start = end = len(text) if m is None else m.end()
    if m is not None and not m[1]:
        end = text.find("</sheetData>", start)
    outside = text[: m.start() if m else start] + text[max(end, start) :]
    if end < 0 or "<sheetData" in outside or _ROW_TAG.search(outside):
        raise _NotRecognised("sheetData")
    return text[start:end]


def _fast_sheet_rows(data: bytes, shared: list[str]) -> list[tuple[int, list[Any]]]:
    """The rows of a sheet whose ``<sheetData>`` holds only rows of cells the fast path knows."""
    body = _sheet_body(_checked_text(data))
    amp = "&" in body
    rows: list[tuple[int, list[Any]]] = []
    index: dict[str, int] = {}
    pieces = body.split("</row>")  # each: rows without content, then a row's start tag and cells
    for i, piece in enumerate(pieces):
        pos = 0
        while m := _ROW_OPEN.match(piece, pos):
            r = _ROW_NUMBER.match(m[1])
            number_text = _unescape(r[1] if r[1] is not None else r[2]) if r else None
            number = int(number_text or len(rows) + 1)
            if m[2]:  # <row .../>
                rows.append((number, []))
                pos = m.end()
                continue
            if i == len(pieces) - 1:
                raise _NotRecognised("row not closed")
            content = piece[m.end() :]
            try:
                values = _fast_row_values(_PLAIN_CELL.findall(content), shared, index, amp)
            except _NotPlain:
                values = _fast_row_values(_CELL.findall(content), shared, index, amp)
            rows.append((number, values))
            pos = len(piece)
        if piece[pos:].strip() or (pos == 0 and i < len(pieces) - 1):
            raise _NotRecognised("row")
    return rows


def _read_fast(path: Path) -> RawRows:
    """The fast path: the reference's result, or an exception where it does not recognise the file."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        date1904, sheet_part, ss_part = _workbook_parts(zf, names)
        shared = _fast_shared_strings(zf.read(ss_part)) if ss_part in names else []
        rows = _fast_sheet_rows(zf.read(sheet_part), shared)
    return RawRows(rows, "xlsx", date1904=date1904)


def read_xlsx_rows(path: Path) -> RawRows:
    """All rows of the first sheet of an ``.xlsx`` workbook: what :func:`read_xlsx_rows_reference`
    returns or raises, read by the fast path where it recognises the file.

    Cell values: shared, inline and formula strings as ``str``; numbers as ``int``/``float``
    (dates stay serial numbers); booleans as ``bool``; error cells as :class:`XlsxErrorValue`.
    Raises :class:`ValueError` for a file that is not a readable workbook.
    """
    try:
        with _gc_paused():
            return _read_fast(path)
    except Exception:  # not recognised, or broken: the reference reads it and reports the error
        return read_xlsx_rows_reference(path)

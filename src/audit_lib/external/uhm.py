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
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from ..contract.parse import CellError, parse_bool, parse_date, parse_float, parse_int, parse_str
from ..contract.problems import Problem, ValidationReport
from ..contract.read import decode_bytes

ColumnType = Literal["str", "int", "float", "bool", "date", "orgnr"]
TableName = Literal["procurements", "lots", "contract_values"]
TABLES: tuple[TableName, ...] = ("procurements", "lots", "contract_values")
HEADER_SEARCH_ROWS = 20
MIN_HEADER_MATCHES = 3
SUFFIXES = (".xlsx", ".csv")


@dataclass(frozen=True)
class StatColumn:
    """One column of the normalised tables: its name, the export's header, type and rules."""

    name: str
    header: str
    type: ColumnType
    meaning: str
    nullable: bool = True
    ge: float | None = None


# The export's columns in the export's order; the measures last.
COLUMNS: tuple[StatColumn, ...] = (
    StatColumn("year", "År", "int", "statistics year", nullable=False),
    StatColumn("buyer_name", "Namn för köpare", "str", "buyer's registered name", nullable=False),
    StatColumn("buyer_org_number", "Organisationsnummer för köpare", "orgnr",
               "buyer's organisation number, digits only", nullable=False),
    StatColumn("sector", "Sektor för köpare", "str", "buyer's sector (Kommun, Region, Stat, Annat)",
               nullable=False),
    StatColumn("subsector", "Delsektor för köpare", "str", "buyer's subsector"),
    StatColumn("legal_form", "Juridisk form för köpare", "str", "buyer's legal form"),
    StatColumn("sni_section", "SNI-Avdelning för köpare", "str", "buyer's industry (SNI section)"),
    StatColumn("procurement_type", "Upphandlingsslag", "str", "Varor, Tjänster or Byggentreprenader"),
    StatColumn("cpv_division", "CPV-Huvudgrupp", "str", "CPV division (2 digits) with label"),
    StatColumn("cpv_group", "CPV-Grupp", "str", "CPV group (3 digits) with label"),
    StatColumn("cpv_class", "CPV-Undergrupp", "str", "CPV class (4 digits) with label"),
    StatColumn("cpv_category", "CPV-Kategori", "str", "CPV category (5 digits) with label"),
    StatColumn("cpv_subcategory", "CPV-Underkategori", "str", "CPV subcategory with label"),
    StatColumn("main_cpv", "Huvudsaklig CPV-kod", "str", "main CPV code with label"),
    StatColumn("legal_basis", "Rättslig grund", "str", "directive the procurement falls under"),
    StatColumn("directive_governed", "Direktivstyrd", "bool", "above the EU thresholds"),
    StatColumn("procedure", "Förfarande", "str", "procedure, e.g. Öppet förfarande; empty where not reported"),
    StatColumn("contract_type", "Typ av avtal", "str", "Kontrakt (contract) or Ramavtal (framework agreement)"),
    StatColumn("dynamic_purchasing_system", "Dynamiskt inköpssystem", "bool", "dynamic purchasing system"),
    StatColumn("electronic_auction", "Elektronisk auktion", "bool", "electronic auction"),
    StatColumn("has_lots", "Anbudsområden", "bool", "divided into lots"),
    StatColumn("coordinated_flag", "Samordnad upphandling", "bool",
               "the official 'coordinated procurement' flag, as the lead buyer reported it"),
    StatColumn("environmental_criteria", "Miljömässigt hållbar upphandling", "bool", "environmental criteria"),
    StatColumn("social_criteria", "Socialt hållbar upphandling", "bool", "social criteria"),
    StatColumn("innovation", "Innovationsupphandling", "bool", "innovation procurement"),
    StatColumn("reserved_procurement", "Reserverad upphandling", "bool", "reserved procurement"),
    StatColumn("reserved_execution", "Reserverat genomförande", "bool", "reserved execution"),
    StatColumn("notice_database", "Annonsdatabas", "str", "notice database the data came from"),
    StatColumn("challenged", "Överprövad", "bool", "a review (överprövning) was requested"),
    StatColumn("procurement_id", "Upphandlings-ID", "str", "procurement id in the notice database",
               nullable=False),
    StatColumn("title", "Upphandlingens titel", "str", "procurement title"),
    StatColumn("published_date", "Publiceringsdatum", "date", "date the notice was published"),
    StatColumn("lot_id", "Anbudsområdes-ID", "str", "lot id (lots table)", nullable=False),
    StatColumn("n_procurements", "Antal upphandlingar, Summa", "int", "procurements in the row (1 per row)",
               nullable=False, ge=0),
    StatColumn("n_tenders", "Antal anbud, Summa", "int", "tenders received for the lot", nullable=False, ge=0),
    StatColumn("contracted_value_sek", "Kontrakterat värde, Summa", "float", "contracted value, SEK",
               nullable=False, ge=0),
)
BY_NAME = {c.name: c for c in COLUMNS}
MEASURE: dict[TableName, str] = {
    "procurements": "n_procurements", "lots": "n_tenders", "contract_values": "contracted_value_sek",
}
_DESCRIPTIVE = tuple(c.name for c in COLUMNS if c.name not in MEASURE.values() and c.name != "lot_id")
# The columns of each normalised table, in order (then ``source_file`` and ``source_row``).
TABLE_COLUMNS: dict[TableName, tuple[str, ...]] = {
    "procurements": _DESCRIPTIVE + ("n_procurements",),
    "lots": _DESCRIPTIVE + ("lot_id", "n_tenders"),
    "contract_values": _DESCRIPTIVE + ("contracted_value_sek",),
}
# Columns a file must have for its table; the others are empty where absent.
REQUIRED: dict[TableName, tuple[str, ...]] = {
    "procurements": ("year", "buyer_name", "buyer_org_number", "sector", "procedure", "contract_type",
                     "coordinated_flag", "procurement_id", "title", "published_date", "n_procurements"),
    "lots": ("year", "buyer_name", "buyer_org_number", "sector", "procurement_id", "lot_id", "n_tenders"),
    "contract_values": ("year", "buyer_name", "buyer_org_number", "procurement_id", "contracted_value_sek"),
}
SOURCE_COLUMNS = ("source_file", "source_row")


def _key(text: object) -> str:
    """Header matching key: BOM and surrounding space removed, inner space collapsed, casefolded."""
    return " ".join(str(text).replace("\ufeff", " ").split()).casefold()


_HEADER_KEYS: dict[str, StatColumn] = {}
for _c in COLUMNS:
    _HEADER_KEYS[_key(_c.header)] = _c
    _HEADER_KEYS[_key(_c.name)] = _c


# ---------------------------------------------------------------------------------------- results
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


def buyer_table(*frames: pd.DataFrame | None) -> pd.DataFrame:
    """``buyer_org_number, buyer_name, sector, n_rows`` over the given normalised tables."""
    parts = [t[["buyer_org_number", "buyer_name", "sector"]] for t in frames if t is not None]
    allb = pd.concat(parts, ignore_index=True)
    return (allb.groupby(["buyer_org_number", "buyer_name", "sector"], dropna=False).size()
            .rename("n_rows").reset_index())


class StatisticsError(Exception):
    """The statistics export cannot be used; ``report`` lists every problem."""

    def __init__(self, report: ValidationReport, where: str = "") -> None:
        self.report = report
        head = f"The statistics export {where} cannot be read:\n" if where else ""
        super().__init__(head + report.format())


# ---------------------------------------------------------------------------------------- xlsx
class XlsxErrorValue(str):
    """An Excel error cell such as ``#N/A`` (kept apart from text so it is reported as such)."""


_SPREADSHEET_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   "http://purl.oclc.org/ooxml/spreadsheetml/main")
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


@dataclass
class RawRows:
    """Cells before typing: each row with the row number a person sees."""

    rows: list[tuple[int, list[Any]]]
    format: str
    date1904: bool = False
    separator: str | None = None
    encoding: str | None = None


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

        def part(target: str) -> str:
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)

        sheet_part = part(rels[first_rid][1]) if first_rid in rels else "xl/worksheets/sheet1.xml"
        if sheet_part not in names:
            raise ValueError(f"not a readable .xlsx workbook (no {sheet_part})")
        shared: list[str] = []
        ss_part = next((part(t) for ty, t in rels.values() if ty.endswith("/sharedStrings")), "xl/sharedStrings.xml")
        if ss_part in names:
            with zf.open(ss_part) as fh:
                for _, el in ElementTree.iterparse(fh):
                    if _local(el.tag) == "si":
                        shared.append("".join(t.text or "" for t in el.iter() if _local(t.tag) == "t"))
                        el.clear()
        rows: list[tuple[int, list[Any]]] = []
        letters_index: dict[str, int] = {}
        try:
            with zf.open(sheet_part) as fh:
                row_tag = v_tag = is_tag = t_tag = None
                for _, el in ElementTree.iterparse(fh):  # "end" events: an element is complete
                    if row_tag is None:
                        tag = el.tag
                        ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                        row_tag, v_tag, is_tag, t_tag = ns + "row", ns + "v", ns + "is", ns + "t"
                    if el.tag != row_tag:
                        continue
                    number = int(el.get("r") or len(rows) + 1)
                    values: list[Any] = []
                    for c in el:
                        ref = c.get("r")
                        if ref:
                            letters = ref.rstrip("0123456789")
                            j = letters_index.get(letters)
                            if j is None:
                                j = letters_index[letters] = _col_index(ref, len(values))
                        else:
                            j = len(values)
                        kind = c.get("t")
                        v = c.find(v_tag)
                        text = None if v is None else v.text
                        if kind == "s" and text is not None:
                            value: Any = shared[int(text)]
                        elif text is None:
                            if kind == "inlineStr":
                                inline = c.find(is_tag)
                                value = None if inline is None else "".join(t.text or "" for t in inline.iter(t_tag))
                            else:
                                value = None
                        elif kind is None or kind == "n":
                            value = _xlsx_number(text)
                        elif kind in ("str", "d", "inlineStr"):
                            value = text
                        elif kind == "b":
                            value = text.strip() in ("1", "true")
                        elif kind == "e":
                            value = XlsxErrorValue(text)
                        else:
                            value = _xlsx_number(text)
                        n = len(values)
                        if j == n:
                            values.append(value)
                        elif j > n:
                            values.extend([None] * (j - n))
                            values.append(value)
                        else:
                            values[j] = value
                    rows.append((number, values))
                    el.clear()
        except (ElementTree.ParseError, IndexError, ValueError, StopIteration) as e:
            raise ValueError(f"not a readable .xlsx workbook ({type(e).__name__}: {e})") from None
    return RawRows(rows, "xlsx", date1904=date1904)


# ---------------------------------------------------------------------------------------- csv
def read_csv_rows(path: Path) -> RawRows:
    """All rows of a CSV file, with the separator found on the header line.

    The header is looked for in the first rows (title lines above it are allowed); the separator
    is the one (``;``, ``,`` or tab) that splits that line into the most known headers.
    """
    data = path.read_bytes()
    text, encoding = decode_bytes(data, path.name)
    lines = text.splitlines(keepends=True)
    best: tuple[int, int, str] | None = None  # (matches, line index, separator)
    for i, line in enumerate(lines[:HEADER_SEARCH_ROWS]):
        for sep in (";", ",", "\t"):
            fields = next(csv.reader([line.rstrip("\r\n")], delimiter=sep), [])
            n = sum(_key(f) in _HEADER_KEYS for f in fields)
            if n >= MIN_HEADER_MATCHES and (best is None or n > best[0]):
                best = (n, i, sep)
        if best is not None and best[1] == i:
            break
    if best is None:
        # no recognisable header: return the first rows so the caller reports it
        rows = [(i + 1, next(csv.reader([ln.rstrip("\r\n")]), [])) for i, ln in enumerate(lines[:HEADER_SEARCH_ROWS])]
        return RawRows(rows, "csv", encoding=encoding)
    _, start, sep = best
    rows: list[tuple[int, list[Any]]] = [
        (i + 1, next(csv.reader([ln.rstrip("\r\n")], delimiter=sep), [])) for i, ln in enumerate(lines[:start])
    ]
    offset = sum(len(ln) for ln in lines[:start])
    reader = csv.reader(io.StringIO(text[offset:], newline=""), delimiter=sep)
    try:
        for fields in reader:
            rows.append((start + reader.line_num, list(fields)))
    except csv.Error as e:
        raise ValueError(f"CSV cannot be parsed at line {start + reader.line_num}: {e}") from None
    return RawRows(rows, "csv", separator=sep, encoding=encoding)


# ---------------------------------------------------------------------------------------- typing
def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


def _parse_date_cell(v: object, date1904: bool = False) -> pd.Timestamp:
    if isinstance(v, bool):
        raise CellError("expected a date, found a true/false value")
    if isinstance(v, (int, float, np.integer, np.floating)):
        f = float(v)
        if not (1 <= f < 2958466) or not f.is_integer():
            raise CellError("expected a date (a whole Excel day number or YYYY-MM-DD)")
        base = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH
        d = base + dt.timedelta(days=int(f))
        return pd.Timestamp(d.year, d.month, d.day)
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}", s) and s.endswith("00:00:00"):
            s = s[:10]
        return parse_date(s)
    return parse_date(v)


def _parse_orgnr(v: object) -> str:
    if isinstance(v, bool):
        raise CellError("expected an organisation number, found a true/false value")
    if isinstance(v, (float, np.floating)):
        if not float(v).is_integer():
            raise CellError("expected an organisation number (digits)")
        v = int(v)
    s = re.sub(r"[\s\-\u2010-\u2015]", "", str(v))
    if not s.isdigit():
        raise CellError("expected an organisation number (digits, optionally NNNNNN-NNNN)")
    return s


def _parser(col: StatColumn, date1904: bool) -> Callable[[object], Any]:
    if col.type == "date":
        return lambda v: _parse_date_cell(v, date1904)
    return {"str": parse_str, "int": parse_int, "float": parse_float, "bool": parse_bool,
            "orgnr": _parse_orgnr}[col.type]


_DTYPE = {"str": "object", "orgnr": "object", "int": "Int64", "float": "float64", "bool": "boolean",
          "date": "datetime64[ns]"}


def _type_column(
    values: list[Any], rows: list[int], col: StatColumn, header: str, file: str, date1904: bool,
) -> tuple[pd.Series, list[Problem]]:
    """Type one column, parsing each distinct value once; every failure is a problem."""
    parse = _parser(col, date1904)
    cache: dict[tuple[str, Any], tuple[Any, str | None]] = {}
    out: list[Any] = []
    problems: list[Problem] = []
    for row, v in zip(rows, values):
        if _blank(v):
            out.append(None)
            if not col.nullable:
                problems.append(Problem("error", file, "required: the cell is empty", row=row, column=header))
            continue
        k = (type(v).__name__, v)
        hit = cache.get(k)
        if hit is None:
            if isinstance(v, XlsxErrorValue):
                hit = (None, f"Excel error value {str(v)!r} in the cell")
            else:
                try:
                    parsed = parse(v)
                    err = None
                    if col.ge is not None and parsed < col.ge:
                        parsed, err = None, f"must be >= {col.ge:g}"
                    hit = (parsed, err)
                except CellError as e:
                    hit = (None, f"type {col.type if col.type != 'orgnr' else 'organisation number'}: {e}")
            cache[k] = hit
        parsed, err = hit
        out.append(parsed)
        if err is not None:
            problems.append(Problem("error", file, err, row=row, column=header, value=str(v)))
    if col.type == "date":
        series = pd.Series(pd.to_datetime(pd.Series(out, dtype=object)), name=col.name).astype("datetime64[ns]")
    elif col.type == "float":
        series = pd.Series(out, dtype="float64", name=col.name)
    elif col.type in ("int", "bool"):
        series = pd.Series(out, dtype=_DTYPE[col.type], name=col.name)
    else:
        series = pd.Series(out, dtype=object, name=col.name)
    return series, problems


# ---------------------------------------------------------------------------------------- one file
def _find_header(raw: RawRows) -> tuple[int, list[Any]] | None:
    for pos, (_, values) in enumerate(raw.rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for v in values if not _blank(v) and _key(v) in _HEADER_KEYS) >= MIN_HEADER_MATCHES:
            return pos, values
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_statistics_file(path: str | Path) -> tuple[TableName | None, pd.DataFrame | None, StatisticsFile | None,
                                                      list[Problem]]:
    """Read one export file: its table name, the normalised frame, file facts and problems.

    Never raises on bad content: a file that cannot be used returns ``None`` parts and at least
    one error problem.
    """
    path = Path(path)
    file = path.name
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            raw = read_xlsx_rows(path)
        elif suffix == ".csv":
            raw = read_csv_rows(path)
        else:
            return None, None, None, [Problem("error", file, f"unsupported file type {suffix!r} (use .xlsx or .csv)")]
    except ValueError as e:
        return None, None, None, [Problem("error", file, str(e))]
    except Exception as e:  # decode errors from the shared CSV reader carry their own problem
        problem = getattr(e, "problem", None)
        if isinstance(problem, Problem):
            return None, None, None, [problem]
        raise
    if not any(not _blank(v) for _, vals in raw.rows for v in vals):
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
    position: dict[str, tuple[int, str]] = {}  # normalised name -> (column position, header as in file)
    ignored: list[str] = []
    for j, cell in enumerate(header_cells):
        if _blank(cell):
            continue
        col = _HEADER_KEYS.get(_key(cell))
        shown = str(cell).replace("\ufeff", "").strip()
        if col is None:
            ignored.append(shown)
        elif col.name in position:
            problems.append(Problem("error", file, f"column appears twice (also in column {position[col.name][0] + 1})",
                                    row=header_row, column=shown))
        else:
            position[col.name] = (j, shown)
    measures = [t for t, m in MEASURE.items() if m in position]
    if not measures:
        problems.append(Problem(
            "error", file,
            "no measure column: expected one of " + ", ".join(repr(BY_NAME[m].header) for m in MEASURE.values()),
            row=header_row,
        ))
        return None, None, None, problems
    if len(measures) > 1:
        problems.append(Problem(
            "error", file,
            "several measure columns (" + ", ".join(repr(position[MEASURE[t]][1]) for t in measures)
            + "): export one measure per file", row=header_row,
        ))
        return None, None, None, problems
    table = measures[0]
    missing = [c for c in REQUIRED[table] if c not in position]
    for c in missing:
        problems.append(Problem("error", file, f"required column is missing (normalised name: {c})",
                                column=BY_NAME[c].header))
    if missing:
        return table, None, None, problems

    width = len(header_cells)
    body: list[tuple[int, list[Any]]] = []
    key_cols = [position[c][0] for c in ("year", "buyer_org_number", "procurement_id")]
    measure_col = position[MEASURE[table]][0]
    for number, values in raw.rows[pos + 1:]:
        if all(_blank(v) for v in values):
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
        if all(_blank(cells[k]) for k in key_cols) and not _blank(cells[measure_col]):
            problems.append(Problem("warning", file, "row without year, buyer or procurement id but with a "
                                    "measure (a total row?) is ignored", row=number))
            continue
        body.append((number, cells))
    rows = [n for n, _ in body]
    columns: dict[str, pd.Series] = {}
    for name in TABLE_COLUMNS[table]:
        col = BY_NAME[name]
        if name not in position:
            columns[name] = pd.Series([None] * len(rows), dtype=_DTYPE[col.type], name=name)
            continue
        j, shown = position[name]
        series, probs = _type_column([cells[j] for _, cells in body], rows, col, shown, file, raw.date1904)
        columns[name] = series
        problems.extend(probs)
    frame = pd.DataFrame(columns)
    frame["source_file"] = file
    frame["source_row"] = pd.Series(rows, dtype="int64")
    bad_years = frame["year"].notna() & ~frame["year"].between(1990, 2100)
    for i in np.flatnonzero(bad_years.to_numpy(dtype=bool)):
        problems.append(Problem("error", file, "year out of range 1990 .. 2100", row=rows[i],
                                column=position["year"][1], value=str(frame["year"].iloc[i])))
    info = StatisticsFile(file, table, raw.format, header_row, len(frame), _sha256(path), tuple(ignored))
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


# ---------------------------------------------------------------------------------------- buyers
@dataclass(frozen=True)
class Buyer:
    """A buyer chosen by the parameters: the query as written, and what it matched."""

    query: str
    name: str
    org_numbers: tuple[str, ...]
    sector: str
    names: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """A name that matched more than one organisation number (all are included)."""
        return len(self.org_numbers) > 1


class BuyerNotFound(ValueError):
    """A buyer in the parameters is not in the statistics (the message suggests close names)."""


def _org_query(q: str) -> str | None:
    s = re.sub(r"[\s\-]", "", q)
    return s if s.isdigit() and 6 <= len(s) <= 12 else None


def resolve_buyers(buyers: pd.DataFrame, queries: Iterable[str]) -> list[Buyer]:
    """Match each query (a buyer name, any case, or an organisation number with or without the
    hyphen) against ``buyers`` (:meth:`Statistics.buyer_table`). Raises :class:`BuyerNotFound`
    naming every query that matched nothing (with close names) and any two queries that select
    the same organisation."""
    by_key = buyers.assign(_k=buyers["buyer_name"].map(_key))
    names_all = sorted(by_key["buyer_name"].dropna().unique())
    out: list[Buyer] = []
    errors: list[str] = []
    for q in queries:
        org = _org_query(q)
        hit = by_key[by_key["buyer_org_number"] == org] if org else by_key[by_key["_k"] == _key(q)]
        if hit.empty:
            close = difflib.get_close_matches(str(q).upper(), names_all, n=3, cutoff=0.6)
            hint = f" (close: {', '.join(close)})" if close else ""
            errors.append(f"buyer {q!r} is not in the statistics{hint}")
            continue
        weight = hit.groupby("buyer_name")["n_rows"].sum().sort_values(ascending=False, kind="stable")
        sector = hit.groupby("sector")["n_rows"].sum().sort_values(ascending=False, kind="stable").index[0]
        out.append(Buyer(q, str(weight.index[0]), tuple(sorted(hit["buyer_org_number"].unique())), str(sector),
                         tuple(str(n) for n in weight.index)))
    seen: dict[str, str] = {}
    for b in out:
        for o in b.org_numbers:
            if o in seen:
                errors.append(f"buyers {seen[o]!r} and {b.query!r} select the same organisation {o}")
            seen[o] = b.query
    if errors:
        raise BuyerNotFound("; ".join(errors))
    return out

"""The fast statistics-export reader and column typing give exactly the reference's results.

``read_xlsx_rows`` (regular-expression scan after an expat well-formedness check, else the
reference) against ``read_xlsx_rows_reference`` (ElementTree, the reader as it was), on the real
2021 exports and on hand-made workbooks; ``type_column``'s one-type fast path against its
cell-by-cell loop.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from audit_lib.external import cells, xlsx_rows
from audit_lib.external.columns import BY_NAME
from audit_lib.external.xlsx_rows import read_xlsx_rows, read_xlsx_rows_reference

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(path: Path, sheet_data: str, shared: list[str] = (), ns: str = MAIN, date1904: bool = False) -> Path:
    """A minimal workbook written byte for byte (the sheet's ``<sheetData>`` content as given)."""
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    wb = f'<workbook xmlns="{ns}" xmlns:r="{REL}">{pr}<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    sst = f'<sst xmlns="{ns}" count="{len(shared)}" uniqueCount="{len(shared)}">' + "".join(shared) + "</sst>"
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet = f'{decl}<worksheet xmlns="{ns}" xmlns:r="{REL}"><dimension ref="A1:E9"/><sheetData>{sheet_data}</sheetData><rowBreaks count="0"/></worksheet>'
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", decl + wb)
        zf.writestr("xl/_rels/workbook.xml.rels", decl + rels)
        zf.writestr("xl/sharedStrings.xml", decl + sst)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def typed(raw: Any) -> tuple[Any, ...]:
    """Rows with each value's exact type and repr (1 vs 1.0 vs True, -0.0 vs 0.0)."""
    rows = [(n, [(type(v).__name__, repr(v)) for v in values]) for n, values in raw.rows]
    return rows, raw.format, raw.date1904


SHARED = [
    "<si><t>År</t></si>",
    '<si><t xml:space="preserve"> Tom &amp; Jerry &lt;AB&gt; &#229;&#xE4; </t></si>',
    "<si><t/></si>",
    "<si><t>Ja</t></si>",
]
CELLS = (
    '<row r="1" spans="1:5"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
    '<row r="2"><c r="A2"><v>2021</v></c><c r="B2" t="n"><v>1.5</v></c><c r="C2"><v>1E3</v></c>'
    '<c r="E2" t="b"><v>1</v></c></row>'  # a gap: no D2
    '<row r="4"><c r="B4" t="e"><v>#N/A</v></c><c r="C4" t="str"><f>A1&amp;"x"</f><v>Ar&amp;x</v></c>'
    '<c r="D4" t="inlineStr"><is><r><rPr><b/></rPr><t xml:space="preserve">rich </t></r><r><t>text &amp; more</t></r></is></c>'
    '<c r="A4" t="d"><v>2021-03-04</v></c></row>'  # A after D: placed back in column A
    '<row spans="1:3"><c t="s"><v>3</v></c><c><v>-0.0</v></c><c r="E5" s="2"/><c r="B5"></c></row>'  # no r
    '<row r="7"/><row><c r="C8" t="inlineStr"><is><t>inline</t></is></c><c r="D8" t="inlineStr"/>'
    '<c r="E8" t="str"><f t="shared" si="0"/><v></v></c></row>\n  <row r="9" ht="15"><c r="A9" t="b"><v>0</v></c></row>'
)


@pytest.mark.parametrize("ns", [MAIN, STRICT])
@pytest.mark.parametrize("date1904", [False, True])
def test_fast_path_reads_hand_made_workbooks_as_the_reference(tmp_path, ns, date1904):
    path = workbook(tmp_path / "w.xlsx", CELLS, SHARED, ns=ns, date1904=date1904)
    ref = read_xlsx_rows_reference(path)
    assert typed(xlsx_rows._read_fast(path)) == typed(ref)  # the fast path itself, no fallback
    assert typed(read_xlsx_rows(path)) == typed(ref)
    assert ref.date1904 is date1904
    assert [n for n, _ in ref.rows] == [1, 2, 4, 4, 7, 6, 9]  # a row without r: its position
    assert ref.rows[2][1] == ["2021-03-04", XlsxError("#N/A"), "Ar&x", "rich text & more"]
    assert ref.rows[1][1] == [2021, 1.5, 1000.0, None, True]


def XlsxError(text: str) -> xlsx_rows.XlsxErrorValue:
    return xlsx_rows.XlsxErrorValue(text)


# Shapes the fast path leaves to the reference: the results must still be the reference's.
OTHER_SHAPES = {
    "prefixed": (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>1</x:v>'
        "</x:c></x:row></x:sheetData></x:worksheet>"
    ),
    "comment": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1<!-- c -->2</v></c></row></sheetData></worksheet>',
    "cdata": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><v><![CDATA[a<b]]></v></c></row></sheetData></worksheet>',
    "crlf": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><v>a\r\nb</v></c></row></sheetData></worksheet>',
    "t first": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c t="s" r="B1"><v>0</v></c></row></sheetData></worksheet>',
    "v in row": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><v>5</v><c r="B1"><v>1</v></c></row></sheetData></worksheet>',
    "row elsewhere": f'<worksheet xmlns="{MAIN}"><sheetData/><extLst><row r="3"><c><v>1</v></c></row></extLst></worksheet>',
    "other first ns": (
        f'<worksheet xmlns="{MAIN}" xmlns:o="urn:o"><o:x/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    ),
    "latin-1": '<?xml version="1.0" encoding="ISO-8859-1"?>'
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><v>\xe5</v></c></row></sheetData></worksheet>',
}
BROKEN = {
    "mismatched": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</c></row></sheetData></worksheet>',
    "truncated": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>',
    "bad entity": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="str"><v>&nbsp;</v></c></row></sheetData></worksheet>',
    "shared index": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>9</v></c></row></sheetData></worksheet>',
    "bad number": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>1,5</v></c></row></sheetData></worksheet>',
    "bad row number": f'<worksheet xmlns="{MAIN}"><sheetData><row r="x"><c r="A1"><v>1</v></c></row></sheetData></worksheet>',
    "late error": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row><row></sheetData></worksheet>',
}


def sheet_bytes(path: Path, sheet: str) -> Path:
    workbook(path, "", SHARED)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("xl/worksheets/sheet2.xml", sheet.encode("latin-1" if "ISO-8859-1" in sheet else "utf-8"))
        rels = zf.read("xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet1.xml", b"worksheets/sheet2.xml")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(path.with_suffix(".fixed.xlsx"), "w") as dst:
        for name in src.namelist():
            if name != "xl/_rels/workbook.xml.rels":
                dst.writestr(name, src.read(name))
        dst.writestr("xl/_rels/workbook.xml.rels", rels)
    return path.with_suffix(".fixed.xlsx")


@pytest.mark.parametrize("name", sorted(OTHER_SHAPES))
def test_other_shapes_are_read_by_the_reference(tmp_path, name):
    path = sheet_bytes(tmp_path / "w.xlsx", OTHER_SHAPES[name])
    with pytest.raises(xlsx_rows._NotRecognised):
        xlsx_rows._read_fast(path)  # left to the reference
    assert typed(read_xlsx_rows(path)) == typed(read_xlsx_rows_reference(path))


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_sheets_raise_the_reference_error(tmp_path, name):
    path = sheet_bytes(tmp_path / "w.xlsx", BROKEN[name])
    with pytest.raises(ValueError) as ref:
        read_xlsx_rows_reference(path)
    with pytest.raises(ValueError) as fast:
        read_xlsx_rows(path)
    assert str(fast.value) == str(ref.value)
    assert str(ref.value).startswith("not a readable .xlsx workbook")


def test_not_a_workbook_raises_the_reference_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ValueError) as ref:
        read_xlsx_rows_reference(path)
    with pytest.raises(ValueError) as fast:
        read_xlsx_rows(path)
    assert str(fast.value) == str(ref.value)


@pytest.fixture(scope="module")
def uhm_files(shared_data) -> list[Path]:
    files = sorted((shared_data / "uhm-2021").glob("*.xlsx"))
    if len(files) != 3:
        pytest.skip("uhm-2021 export is absent")
    return files


def test_real_exports_read_by_the_fast_path_as_the_reference(uhm_files):
    for path in uhm_files:
        ref = read_xlsx_rows_reference(path)
        assert len(ref.rows) > 1000
        assert typed(xlsx_rows._read_fast(path)) == typed(ref), path.name


COLUMNS = {
    "year": [2021, 2021, None, 2020, 2021],
    "buyer_name": ["Kommun A", " ", "Kommun B", "Kommun A", None],
    "buyer_org_number": ["212000-0001", "2120000001", 2120000001, "x", None],
    "contracted_value_sek": [1.5, -0.0, 0.0, 2.0, None],
    "published_date": [44197, 44197.0, "2021-01-01", "2021-01-01 00:00:00", None],
    "directive_governed": ["Ja", "Nej", "ja", None, "Ja"],
    "n_tenders": [1, -1, XlsxError("#N/A"), True, 3],
}


@pytest.mark.parametrize("name", sorted(COLUMNS))
@pytest.mark.parametrize("cut", [None, 2, 1])
def test_type_column_fast_path_equals_the_cell_by_cell_loop(name, cut):
    col = BY_NAME[name]
    values = COLUMNS[name][:cut] if cut else COLUMNS[name]
    rows = list(range(2, 2 + len(values)))
    parse = cells._parser(col, False)
    loop_values, loop_problems = cells._parsed_cell_by_cell(values, rows, col, "H", "f.xlsx", parse)
    fast = cells._parsed_plain(values, col, parse)
    if fast is not None:
        assert loop_problems == []
        assert [(type(v), repr(v)) for v in fast] == [(type(v), repr(v)) for v in loop_values]
    series, problems = cells.type_column(values, rows, col, "H", "f.xlsx", False)
    assert problems == loop_problems
    assert len(series) == len(values)


def test_type_column_fast_path_is_taken_for_one_type_without_problems():
    col = BY_NAME["contracted_value_sek"]
    parse = cells._parser(col, False)
    assert cells._parsed_plain([1.5, -0.0, 0.0, 1.5], col, parse) == [1.5, -0.0, -0.0, 1.5]
    assert cells._parsed_plain([1.5, None], col, parse) is None  # an empty required cell: the loop
    title = BY_NAME["title"]
    assert cells._parsed_plain(["a", None, " ", "a"], title, cells._parser(title, False)) == ["a", None, None, "a"]
    assert cells._parsed_plain([1.5, 2], col, parse) is None  # two types: the loop
    assert cells._parsed_plain(["1,5", "x"], col, parse) is None  # a problem: the loop

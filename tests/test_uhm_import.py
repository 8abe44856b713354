"""The statistics importer (audit_lib.external.uhm) on small hand-made exports and on the real
2021 export, which is checked against a straight openpyxl reading of the same files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from audit_lib.external import cells, uhm
from audit_lib.external.uhm import BuyerNotFound, StatisticsError, load_statistics, read_statistics_file, resolve_buyers

H = {c.name: c.header for c in uhm.COLUMNS}
PROC_HEADER = [
    H[c]
    for c in (
        "year",
        "buyer_name",
        "buyer_org_number",
        "sector",
        "procedure",
        "contract_type",
        "coordinated_flag",
        "procurement_id",
        "title",
        "published_date",
        "n_procurements",
    )
]
LOT_HEADER = [
    H[c] for c in ("year", "buyer_name", "buyer_org_number", "sector", "procurement_id", "title", "lot_id", "n_tenders")
]
VALUE_HEADER = [
    H[c] for c in ("year", "buyer_name", "buyer_org_number", "sector", "procurement_id", "contracted_value_sek")
]


def write_xlsx(path: Path, rows: list[list]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Antal upphandlingar, Summa"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], sep: str = ";", encoding: str = "utf-8") -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def proc_rows() -> list[list]:
    return [
        PROC_HEADER,
        [
            2021,
            "REGION SÖRMLAND",
            "232100-0032",
            "Region",
            "Öppet förfarande",
            "Ramavtal",
            "False",
            "MT1",
            "Röntgen till Region Sörmland och Region Västmanland",
            "2021-03-01",
            1,
        ],
        [
            2021,
            "REGION VÄSTMANLAND",
            "2321000172",
            "Region",
            None,
            "Kontrakt",
            True,
            "MT2",
            "Tvätt",
            dt.datetime(2021, 4, 2),
            1,
        ],
        [
            2021,
            "LUNDS KOMMUN",
            2120001132,
            "Kommun",
            "Förenklat förfarande",
            "Kontrakt",
            "nej",
            "SE3",
            "Revision",
            "2021-12-30",
            1,
        ],
    ]


def problems_text(err: StatisticsError) -> str:
    return err.report.format()


# ------------------------------------------------------------------------------------------ reading
def test_xlsx_rows_are_normalised_with_types_and_excel_row_numbers(tmp_path):
    table, frame, info, problems = read_statistics_file(write_xlsx(tmp_path / "whatever.xlsx", proc_rows()))
    assert table == "procurements" and problems == []
    assert info.header_row == 1 and info.n_rows == 3 and info.format == "xlsx"
    assert list(frame.columns) == [*uhm.TABLE_COLUMNS["procurements"], "source_file", "source_row"]
    assert frame["buyer_org_number"].tolist() == ["2321000032", "2321000172", "2120001132"]  # hyphen and number
    assert frame["coordinated_flag"].tolist() == [False, True, False]  # "False", a real boolean, "nej"
    assert frame["published_date"].tolist() == [
        pd.Timestamp(2021, 3, 1),
        pd.Timestamp(2021, 4, 2),
        pd.Timestamp(2021, 12, 30),
    ]
    assert frame["procedure"].tolist()[1] is None
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert str(frame["year"].dtype) == "Int64" and str(frame["coordinated_flag"].dtype) == "boolean"
    # optional columns absent from the file are present and empty
    assert frame["cpv_division"].isna().all() and frame["challenged"].isna().all()


def test_header_rows_above_the_table_are_skipped_with_a_warning(tmp_path):
    rows = [["Upphandlingsmyndighetens statistikdatabas"], ["Urval: år 2021, alla köpare"], [], *proc_rows()]
    table, frame, info, problems = read_statistics_file(write_xlsx(tmp_path / "p.xlsx", rows))
    assert table == "procurements" and info.header_row == 4
    assert [p.severity for p in problems] == ["warning"] and "row 4" in problems[0].rule
    assert frame["source_row"].tolist() == [5, 6, 7]
    assert frame["procurement_id"].tolist() == ["MT1", "MT2", "SE3"]


def test_csv_semicolon_windows_1252_decimal_comma_and_title_lines(tmp_path):
    rows = [
        ["Kontrakterat värde 2021"],
        VALUE_HEADER,
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "1 234,5"],
        [2021, "KÖPINGS KOMMUN", "2120002064", "Kommun", "MT9", "33000000"],
    ]
    path = write_csv(tmp_path / "varden.csv", rows, sep=";", encoding="cp1252")
    table, frame, info, problems = read_statistics_file(path)
    assert table == "contract_values" and info.header_row == 2
    assert frame["contracted_value_sek"].tolist() == [1234.5, 33_000_000.0]
    assert frame["buyer_name"].tolist() == ["REGION SÖRMLAND", "KÖPINGS KOMMUN"]
    assert frame["source_row"].tolist() == [3, 4]  # CSV line numbers


def test_csv_with_commas_and_a_quoted_measure_header(tmp_path):
    rows = [
        LOT_HEADER,
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "Röntgen, två delar", "L1", "3"],
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "Röntgen, två delar", "L2", "1"],
    ]
    table, frame, _, problems = read_statistics_file(write_csv(tmp_path / "anbud.csv", rows, sep=","))
    assert problems == [] and table == "lots"
    assert frame["n_tenders"].tolist() == [3, 1] and frame["title"].iloc[0] == "Röntgen, två delar"


def test_normalised_table_written_as_csv_reads_back(tmp_path):
    _, frame, _, _ = read_statistics_file(write_xlsx(tmp_path / "p.xlsx", proc_rows()))
    out = frame.drop(columns=["source_file", "source_row"]).copy()
    out["published_date"] = out["published_date"].dt.strftime("%Y-%m-%d")
    out.to_csv(tmp_path / "normalised.csv", index=False)
    table, again, _, problems = read_statistics_file(tmp_path / "normalised.csv")
    assert table == "procurements" and problems == []
    cols = list(uhm.TABLE_COLUMNS["procurements"])
    pd.testing.assert_frame_equal(again[cols], frame[cols])


def test_excel_serial_dates_in_both_date_systems():
    assert cells.parse_date_cell(44256) == pd.Timestamp(2021, 3, 1)
    assert cells.parse_date_cell(42794, date1904=True) == pd.Timestamp(2021, 3, 1)
    assert cells.parse_date_cell("2021-03-01 00:00:00") == pd.Timestamp(2021, 3, 1)


# ------------------------------------------------------------------------------------------ broken files
def test_missing_required_column_names_file_and_column(tmp_path):
    rows = [[c for c in r] for r in proc_rows()]
    drop = PROC_HEADER.index(H["coordinated_flag"])
    for r in rows:
        del r[drop]
    write_xlsx(tmp_path / "upphandlingar.xlsx", rows)
    with pytest.raises(StatisticsError) as e:
        load_statistics(tmp_path)
    errs = e.value.report.errors
    assert len(errs) == 1
    assert errs[0].file == "upphandlingar.xlsx" and errs[0].column == "Samordnad upphandling"
    assert "coordinated_flag" in errs[0].rule


def test_bad_numbers_are_reported_with_file_row_column_and_value(tmp_path):
    rows = [
        LOT_HEADER,
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "A", "L1", "tre"],
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "A", "L2", "-1"],
        ["20x1", "REGION SÖRMLAND", "2321000032", "Region", "MT1", "A", "L3", "2,5"],
        [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "A", "L4", "4"],
    ]
    write_csv(tmp_path / "anbud.csv", rows)
    write_xlsx(tmp_path / "upphandlingar.xlsx", proc_rows())
    with pytest.raises(StatisticsError) as e:
        load_statistics(tmp_path)
    found = {(p.file, p.row, p.column, p.value) for p in e.value.report.errors}
    assert found == {
        ("anbud.csv", 2, "Antal anbud, Summa", "tre"),
        ("anbud.csv", 3, "Antal anbud, Summa", "-1"),
        ("anbud.csv", 4, "År", "20x1"),
        ("anbud.csv", 4, "Antal anbud, Summa", "2,5"),
    }
    text = problems_text(e.value)
    assert "anbud.csv, row 2, column 'Antal anbud, Summa': value 'tre'" in text
    assert "must be >= 0" in text


def test_bad_flag_date_org_number_and_empty_required_cell(tmp_path):
    rows = proc_rows()
    rows[1][PROC_HEADER.index(H["coordinated_flag"])] = "kanske"
    rows[2][PROC_HEADER.index(H["published_date"])] = "2021-13-45"
    rows[3][PROC_HEADER.index(H["buyer_org_number"])] = "ABC-123"
    rows[3][PROC_HEADER.index(H["procurement_id"])] = None
    write_xlsx(tmp_path / "p.xlsx", rows)
    with pytest.raises(StatisticsError) as e:
        load_statistics(tmp_path)
    by_col = {p.column: (p.row, p.rule) for p in e.value.report.errors}
    assert by_col["Samordnad upphandling"][0] == 2 and "true/false" in by_col["Samordnad upphandling"][1]
    assert by_col["Publiceringsdatum"][0] == 3
    assert by_col["Organisationsnummer för köpare"][0] == 4
    assert by_col["Upphandlings-ID"] == (4, "required: the cell is empty")


def test_excel_error_cells_and_formulas_without_values_are_reported(tmp_path):
    rows = proc_rows()
    rows[1][PROC_HEADER.index(H["n_procurements"])] = "#N/A"  # stored as an error cell
    rows[2][PROC_HEADER.index(H["n_procurements"])] = "=1/0"  # a formula without a cached value
    _, _, _, problems = read_statistics_file(write_xlsx(tmp_path / "p.xlsx", rows))
    errs = {p.row: p.rule for p in problems if p.severity == "error" and p.column == H["n_procurements"]}
    assert errs == {2: "Excel error value '#N/A' in the cell", 3: "required: the cell is empty"}


def test_garbage_and_unrecognised_files(tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    write_csv(tmp_path / "other.csv", [["a", "b", "c"], [1, 2, 3]])
    with pytest.raises(StatisticsError) as e:
        load_statistics(tmp_path)
    files = {p.file: p.rule for p in e.value.report.errors}
    assert "not a readable .xlsx workbook" in files["broken.xlsx"]
    assert "no header row" in files["other.csv"]
    assert any("no file with the procurement counts" in r for r in files.values())


def test_header_without_a_measure_and_with_two_measures(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", [PROC_HEADER[:-1], proc_rows()[1][:-1]])
    write_xlsx(tmp_path / "b.xlsx", [[*PROC_HEADER, H["n_tenders"]], [*proc_rows()[1], 3]])
    errs = {
        p.file: p.rule
        for p in [*read_statistics_file(tmp_path / "a.xlsx")[3], *read_statistics_file(tmp_path / "b.xlsx")[3]]
    }
    assert errs["a.xlsx"].startswith("no measure column")
    assert errs["b.xlsx"].startswith("several measure columns")


def test_total_rows_are_ignored_and_duplicates_warned(tmp_path):
    rows = proc_rows()
    rows.append(rows[1][:])  # the same procurement again
    rows.append([None, None, None, None, None, None, None, None, "Totalsumma", None, 4])
    write_xlsx(tmp_path / "p.xlsx", rows)
    stats = load_statistics(tmp_path)
    assert len(stats.procurements) == 4
    rules = [p.rule for p in stats.report.warnings]
    assert any("total row" in r for r in rules) and any("appears more than once" in r for r in rules)


def test_several_files_of_one_table_are_stacked_and_recognised_by_measure(tmp_path):
    rows22 = [r[:] for r in proc_rows()]
    for r in rows22[1:]:
        r[0] = 2022
    write_xlsx(tmp_path / "export (1).xlsx", proc_rows())
    write_csv(tmp_path / "export (2).csv", rows22)
    write_csv(
        tmp_path / "tenders.csv", [LOT_HEADER, [2021, "REGION SÖRMLAND", "2321000032", "Region", "MT1", "A", "L1", 2]]
    )
    stats = load_statistics(tmp_path)
    assert stats.years == [2021, 2022] and len(stats.procurements) == 6
    assert sorted(stats.procurements["source_file"].unique()) == ["export (1).xlsx", "export (2).csv"]
    assert stats.lots is not None and stats.contract_values is None
    assert {f.table for f in stats.files} == {"procurements", "lots"}


def test_absent_folder_is_an_error_naming_it(tmp_path):
    with pytest.raises(StatisticsError, match="statistics folder not found"):
        load_statistics(tmp_path / "nowhere")


# ------------------------------------------------------------------------------------------ buyers
def test_buyers_by_name_or_organisation_number(tmp_path):
    rows = proc_rows() + [
        [2021, "Region Sörmland", "2321000032", "Region", "x", "Kontrakt", "False", "MT7", "t", "2021-01-01", 1],
        [2021, "LUNDS KOMMUN", "2120001133", "Kommun", "x", "Kontrakt", "False", "MT8", "t", "2021-01-01", 1],
    ]
    write_xlsx(tmp_path / "p.xlsx", rows)
    bt = load_statistics(tmp_path).buyer_table()
    srm, vml, lund = resolve_buyers(bt, ["region sörmland", "232100-0172", "Lunds  kommun"])
    assert srm.org_numbers == ("2321000032",) and srm.name == "REGION SÖRMLAND" and srm.sector == "Region"
    assert vml.name == "REGION VÄSTMANLAND" and not vml.ambiguous
    assert lund.org_numbers == ("2120001132", "2120001133") and lund.ambiguous
    with pytest.raises(BuyerNotFound, match="REGION SÖRMLANDS.*close: REGION SÖRMLAND"):
        resolve_buyers(bt, ["REGION SÖRMLANDS"])
    with pytest.raises(BuyerNotFound, match="select the same organisation"):
        resolve_buyers(bt, ["REGION SÖRMLAND", "2321000032"])


# ------------------------------------------------------------------------------------------ real data
README_SHA = {
    "number_of_procurements.xlsx": "ba24a0ce29563cd521ae46ab89c0f2eab73612e6371418844733241a82bc6662",
    "number_of_tenders.xlsx": "a3023c6c3418ca51de2db9a3beb2ee18f69b2d48ef6f329df6eaefc53fcc313b",
    "contracted_value.xlsx": "4d2543f4d6616aa29cd9f3ebfc65d99e2082f44f6722c14fd2459ce82a7fe4b4",
}
REGIONS = ("REGION SÖRMLAND", "REGION VÄSTMANLAND")


def openpyxl_frame(path: Path) -> pd.DataFrame:
    """The first sheet read straight with openpyxl, header on row 1, every cell as stored."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return pd.DataFrame(rows[1:], columns=rows[0], dtype=object)


@pytest.fixture(scope="module")
def uhm_dir(shared_data) -> Path:
    d = shared_data / "uhm-2021"
    if not (d / "number_of_procurements.xlsx").is_file():
        pytest.skip("uhm-2021 export is absent")
    return d


@pytest.fixture(scope="module")
def imported(uhm_dir):
    return load_statistics(uhm_dir)


@pytest.fixture(scope="module")
def straight(uhm_dir):
    return {
        "procurements": openpyxl_frame(uhm_dir / "number_of_procurements.xlsx"),
        "lots": openpyxl_frame(uhm_dir / "number_of_tenders.xlsx"),
    }


@pytest.mark.realdata
def test_real_export_files_and_checksums(imported):
    assert {f.name: f.sha256 for f in imported.files} == README_SHA
    assert {f.name: (f.table, f.n_rows, f.header_row) for f in imported.files} == {
        "number_of_procurements.xlsx": ("procurements", 18_421, 1),
        "number_of_tenders.xlsx": ("lots", 11_395, 1),
        "contracted_value.xlsx": ("contract_values", 9_780, 1),
    }
    assert imported.report.ok and imported.years == [2021]


@pytest.mark.realdata
def test_real_counts_match_a_straight_openpyxl_reading_and_the_readme(imported, straight):
    raw = straight["procurements"]
    # README: 18,421 procurements; REGION SÖRMLAND 70, REGION VÄSTMANLAND 61; flag true for 53, none of the regions'
    assert len(raw) == 18_421 == int(imported.procurements["n_procurements"].sum())
    raw_counts = raw["Namn för köpare"].value_counts()
    assert (raw_counts["REGION SÖRMLAND"], raw_counts["REGION VÄSTMANLAND"]) == (70, 61)
    mine = imported.procurements.groupby("buyer_name")["n_procurements"].sum()
    assert (mine["REGION SÖRMLAND"], mine["REGION VÄSTMANLAND"]) == (70, 61)
    flag = raw["Samordnad upphandling"].astype(str) == "True"
    assert int(flag.sum()) == 53 == int(imported.procurements["coordinated_flag"].sum())
    assert not flag[raw["Namn för köpare"].isin(REGIONS)].any()
    # the whole key columns agree row by row with the straight reading
    p = imported.procurements
    # organisation numbers lose their hyphen (17 rows carry Finnish-style ids such as 0145076-7)
    org = raw["Organisationsnummer för köpare"].astype(str)
    assert (~org.str.fullmatch(r"\d+")).sum() == 17
    assert p["buyer_org_number"].tolist() == org.str.replace("-", "", regex=False).tolist()
    assert p["procurement_id"].tolist() == raw["Upphandlings-ID"].astype(str).tolist()
    assert p["sector"].tolist() == raw["Sektor för köpare"].tolist()
    assert p["coordinated_flag"].astype(bool).tolist() == flag.tolist()
    assert p["procedure"].fillna("").tolist() == raw["Förfarande"].fillna("").tolist()
    assert p["contract_type"].tolist() == raw["Typ av avtal"].tolist()


@pytest.mark.realdata
def test_real_tenders_match_a_straight_reading_and_the_readme(imported, straight):
    raw = straight["lots"]
    n = pd.to_numeric(raw["Antal anbud, Summa"])
    assert imported.lots["n_tenders"].astype(int).tolist() == n.astype(int).tolist()
    assert imported.lots["lot_id"].tolist() == raw["Anbudsområdes-ID"].tolist()
    # README: single-tender lots about 26 % for the two regions together, about 22 % for all regions
    two = n[raw["Namn för köpare"].isin(REGIONS)]
    assert len(two) == 100 and (two == 1).mean() == pytest.approx(0.26)
    regions = n[raw["Sektor för köpare"] == "Region"]
    assert (regions == 1).mean() == pytest.approx(0.22, abs=0.01)
    lots = imported.lots
    mine_two = lots.loc[lots["buyer_name"].isin(REGIONS), "n_tenders"]
    assert (mine_two == 1).mean() == pytest.approx((two == 1).mean())


@pytest.mark.realdata
def test_real_tables_as_csv_give_the_same_normalised_tables(imported, straight, tmp_path):
    """The same tables exported as CSV (semicolons, UTF-8 with BOM) import to the same frames."""
    straight["procurements"].to_csv(tmp_path / "upphandlingar.csv", sep=";", index=False, encoding="utf-8-sig")
    straight["lots"].to_csv(tmp_path / "anbud.csv", sep=";", index=False, encoding="utf-8-sig")
    from_csv = load_statistics(tmp_path)
    assert {f.name: (f.table, f.format, f.n_rows) for f in from_csv.files} == {
        "upphandlingar.csv": ("procurements", "csv", 18_421),
        "anbud.csv": ("lots", "csv", 11_395),
    }
    for name in ("procurements", "lots"):
        cols = list(uhm.TABLE_COLUMNS[name])
        a, b = getattr(from_csv, name)[cols], getattr(imported, name)[cols]
        pd.testing.assert_frame_equal(a, b)


def test_csv_header_line_is_found_below_titles_with_the_separator_that_names_most_columns():
    """The CSV reader's header search: title lines are skipped; of the contract's separators
    (and tab) the one that splits the line into the most known headers wins (the Swedish
    measure header contains a comma, so a ;-separated header also "splits" on commas)."""
    from audit_lib.external.csv_rows import find_header_line

    semi = "År;Namn för köpare;Organisationsnummer för köpare;Antal upphandlingar, Summa\n"
    assert find_header_line(["Statistik 2021\n", "Filter: alla\n", semi, "2021;A;1;1\n"]) == (2, ";")
    assert find_header_line(["year\tbuyer_name\tbuyer_org_number\tn_procurements\n"]) == (0, "\t")
    assert find_header_line(['year,buyer_name,"Antal upphandlingar, Summa"\n']) == (0, ",")
    assert find_header_line(["a;b;c\n", "year;buyer_name\n"]) is None  # fewer than three known headers

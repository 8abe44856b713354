"""The data contract's loaders, one kind of bad input at a time: each must be refused (or
warned about) with a problem naming file, row and column; good input in every accepted
format must load to the same typed tables."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audit_lib.contract import DataPackageError, Problem, ValidationReport, load_package, validate_package
from audit_lib.contract import read as read_mod
from audit_lib.contract.parse import CellError, parse_bool, parse_date, parse_float, parse_int, parse_str
from audit_lib.contract.spec import TABLES
from hostile import CASES, TABLES_CSV, Case, csv_text, matches, write_minimal_package


@pytest.fixture
def pkg(tmp_path):
    return write_minimal_package(tmp_path / "data")


def problems_text(report: ValidationReport) -> str:
    return report.format()


# ------------------------------------------------------------------ every hostile case
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_named_precisely(case: Case, pkg):
    case.make(pkg)
    regions = ["SRM", "VML"]  # the region codes of params/demo.yaml
    _, report = validate_package(pkg, regions=regions)
    hits = [p for p in report.problems if matches(p, case.expect)]
    assert hits, f"expected {case.expect} in:\n{problems_text(report)}"
    assert report.ok is (not case.fatal), problems_text(report)
    if case.fatal:
        with pytest.raises(DataPackageError) as err:
            load_package(pkg, regions=regions)
        assert case.expect.file in str(err.value)
    if case.needs_params:  # found only with the parameters' codes
        assert validate_package(pkg)[1].ok


def test_minimal_package_is_valid_and_typed(pkg):
    package = load_package(pkg)
    procs = package["procurements"]
    assert list(procs.index) == [2, 3, 4]  # row numbers as in the file
    assert procs.at[2, "reported_saving_sek"] == pytest.approx(504239.56)  # decimal comma
    assert procs.at[4, "external_consultant"] is True or bool(procs.at[4, "external_consultant"])  # "ja"
    assert procs["completed_date"].dtype == "datetime64[ns]"
    assert package["targets"]["year"].dtype == "Int64"
    assert package.large["purchase_lines"].n_rows == 3


# ------------------------------------------------------------------ formats that must load
@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_accepted_csv_variants_load_identically(tmp_path, sep, encoding):
    ref = load_package(write_minimal_package(tmp_path / "ref"))
    folder = write_minimal_package(tmp_path / "v", sep=sep)
    for p in folder.glob("*.csv"):
        p.write_bytes(p.read_text(encoding="utf-8").replace("\n", "\r\n").encode(encoding))
    got = load_package(folder)
    for name in ref.tables:
        pd.testing.assert_frame_equal(got[name], ref[name], check_dtype=True)


def test_xlsx_and_parquet_load_like_csv(tmp_path):
    ref = load_package(write_minimal_package(tmp_path / "ref"))
    folder = write_minimal_package(tmp_path / "v")
    (folder / "procurements.csv").unlink()
    ref["procurements"].reset_index(drop=True).to_excel(folder / "procurements.xlsx", index=False)
    (folder / "bids.csv").unlink()
    pq.write_table(
        pa.Table.from_pandas(ref["bids"].reset_index(drop=True), preserve_index=False), folder / "bids.parquet"
    )
    got = load_package(folder)
    pd.testing.assert_frame_equal(
        got["procurements"].reset_index(drop=True), ref["procurements"].reset_index(drop=True), check_dtype=False
    )
    assert list(got["bids"].index) == [1, 2, 3]  # Parquet rows count from 1
    assert got["bids"]["evaluated_price_sek"].tolist() == ref["bids"]["evaluated_price_sek"].tolist()


def test_quoted_cell_with_newline_keeps_row_numbers(pkg):
    cols, rows = TABLES_CSV["indicators"]
    rows = [("cost", "Besparingar,\nmöjliggjorda", "true", ""), ("quality", "Kvalitet", "kanske", "")]
    (pkg / "indicators.csv").write_text(csv_text(cols, rows, ","), encoding="utf-8")
    _, report = validate_package(pkg)
    (p,) = report.errors
    assert (p.file, p.row, p.column) == ("indicators.csv", 4, "followed_up")  # the row starts on line 4


def test_trailing_separator_columns_are_dropped(pkg):
    text = (pkg / "bids.csv").read_text(encoding="utf-8").replace("\n", ";;\n")
    (pkg / "bids.csv").write_text(text, encoding="utf-8")
    package, report = validate_package(pkg)
    assert report.ok and not report.warnings, report.format()
    assert list(package["bids"].columns) == TABLES["bids"].column_names


def test_excel_with_blank_rows_above_names_excel_rows(pkg):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    cols, rows = TABLES_CSV["indicators"]
    for j, c in enumerate(cols):
        ws.cell(row=3, column=j + 1, value=c)  # rows 1-2 empty
    for k, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.cell(row=4 + k, column=j + 1, value=v or None)
    ws.cell(row=5, column=3, value="kanske")
    (pkg / "indicators.csv").unlink()
    wb.save(pkg / "indicators.xlsx")
    _, report = validate_package(pkg)
    assert [(p.row, p.column) for p in report.errors] == [(5, "followed_up")]
    assert any("row 3" in p.rule for p in report.warnings)


# ------------------------------------------------------------------ limits
def test_small_table_above_size_limit_is_refused(pkg, monkeypatch):
    monkeypatch.setattr(read_mod, "MAX_SMALL_TABLE_BYTES", 2_000)
    cols, rows = TABLES_CSV["bids"]
    many = [(rows[0][0], f"L{i}", "100", "true", "false") for i in range(200)]
    (pkg / "bids.csv").write_text(csv_text(cols, many), encoding="utf-8")
    _, report = validate_package(pkg)
    assert any(p.file == "bids.csv" and "limit" in p.rule for p in report.errors), report.format()


def test_parquet_above_row_limit_is_refused(pkg, monkeypatch):
    monkeypatch.setattr(read_mod, "MAX_PARQUET_ROWS", 10)
    (pkg / "indicators.csv").unlink()
    t = pa.table(
        {
            "goal_area": ["cost"] * 11,
            "indicator": [f"i{i}" for i in range(11)],
            "followed_up": [True] * 11,
            "reported_to": [None] * 11,
        }
    )
    pq.write_table(t, pkg / "indicators.parquet")
    _, report = validate_package(pkg)
    assert any(p.file == "indicators.parquet" and "rows limit" in p.rule for p in report.errors)


def test_xlsx_zip_bomb_is_refused_before_unpacking(pkg, monkeypatch):
    monkeypatch.setattr(read_mod, "MAX_XLSX_UNPACKED_BYTES", 1_000)
    pd.DataFrame(
        {"goal_area": ["cost"] * 50, "indicator": ["x" * 40] * 50, "followed_up": [True] * 50, "reported_to": [""] * 50}
    ).to_excel(pkg / "indicators.xlsx", index=False)
    (pkg / "indicators.csv").unlink()
    _, report = validate_package(pkg)
    assert any(p.file == "indicators.xlsx" and "unpacks to" in p.rule for p in report.errors)


def test_reserved_column_name_is_refused(pkg):
    text = (pkg / "purchase_lines.csv").read_text(encoding="utf-8").splitlines()
    text = [text[0] + ";_row"] + [line + ";1" for line in text[1:]]
    (pkg / "purchase_lines.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    _, report = validate_package(pkg)
    assert any(p.column == "_row" and "reserved" in p.rule for p in report.errors)


# ------------------------------------------------------------------ odd Parquet cells never crash
def test_parquet_with_lists_bytes_and_timestamps(pkg):
    (pkg / "rollouts.csv").unlink()
    t = pa.table(
        {
            "category": pa.array([["a", "b"], ["c"]]),  # a list where text is expected
            "region": pa.array([b"SRM", b"\xff\xfe"]),  # bytes: valid UTF-8, then not
            "ecommerce_start": pa.array([dt.datetime(2023, 1, 1, 12, 30), dt.datetime(2023, 1, 1)]),
            "category_management_start": pa.array([dt.date(1200, 1, 1), None], type=pa.date32()),
            "coordinated_contract_start": pa.array(
                [pd.Timestamp("2024-01-01", tz="Europe/Stockholm"), None],
                type=pa.timestamp("ns", tz="Europe/Stockholm"),
            ),
        }
    )
    pq.write_table(t, pkg / "rollouts.parquet")
    _, report = validate_package(pkg)
    got = {(p.row, p.column): p.rule for p in report.errors}
    assert "found a list" in got[(1, "category")]
    assert "binary" in got[(2, "region")]
    assert "time of day" in got[(1, "ecommerce_start")]
    assert "out of range" in got[(1, "category_management_start")]
    assert (1, "coordinated_contract_start") not in got  # a time zone: its date in that zone


def test_int_overflow_and_huge_numbers_are_problems(pkg):
    text = (pkg / "targets.csv").read_text(encoding="utf-8")
    text = text.replace("2023;", "99999999999999999999999;", 1).replace(";34;", ";1e400;", 1)
    (pkg / "targets.csv").write_text(text, encoding="utf-8")
    _, report = validate_package(pkg)
    rules = {(p.row, p.column): p.rule for p in report.errors}
    assert "out of range" in rules[(2, "year")]
    assert "number" in rules[(2, "outcome")]


def test_missing_folder_and_file_as_folder(tmp_path):
    _, report = validate_package(tmp_path / "nope")
    assert "does not exist" in report.errors[0].rule
    f = tmp_path / "file.csv"
    f.write_text("x", encoding="utf-8")
    _, report = validate_package(f)
    assert "not a folder" in report.errors[0].rule


def test_many_errors_are_capped_but_counted(pkg):
    cols, rows = TABLES_CSV["bids"]
    many = [(rows[0][0], f"L{i}", "abc", "true", "false") for i in range(50)]
    (pkg / "bids.csv").write_text(csv_text(cols, many), encoding="utf-8")
    _, report = validate_package(pkg)
    assert report.n_errors == 50
    assert len(report.errors) == 20
    assert "and 30 more in bids.csv, column 'evaluated_price_sek'" in report.format()


# ------------------------------------------------------------------ the cell parsers
@pytest.mark.parametrize(
    "text,value",
    [
        ("74,4", 74.4),
        ("74.4", 74.4),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("\u22125", -5.0),
        ("-0,19", -0.19),
        ("1e6", 1e6),
        (" 3 ", 3.0),
    ],
)
def test_parse_float_accepts(text, value):
    assert parse_float(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12 kr", "nan", "inf", "1e400", "--1", "0x10", "(5)"])
def test_parse_float_refuses(text):
    with pytest.raises(CellError):
        parse_float(text) if text else parse_float(object())


@pytest.mark.parametrize(
    "text,value", [("ja", True), ("Nej", False), (" TRUE ", True), ("0", False), (1, True), ("falskt", False)]
)
def test_parse_bool(text, value):
    assert parse_bool(text) is value


def test_parse_bool_refuses():
    for v in ("kanske", "2", 2, ["ja"]):
        with pytest.raises(CellError):
            parse_bool(v)


def test_parse_int_and_date_bounds():
    assert parse_int("2 023") == 2023 and parse_int(2023.0) == 2023 and parse_int("2023,0") == 2023
    for bad in ("2023,5", 2**70, "9" * 50, math.inf, float("nan")):
        with pytest.raises(CellError):
            parse_int(bad)
    assert parse_date("2024-02-29") == pd.Timestamp(2024, 2, 29)
    assert parse_date("2024-02-29T00:00:00") == pd.Timestamp(2024, 2, 29)
    for bad in ("2023-02-29", "1989-12-31", "2101-01-01", "29.02.2024", "2024-02-29 12:00", 45000):
        with pytest.raises(CellError):
            parse_date(bad)


def test_parse_str():
    assert parse_str(1234.0) == "1234"  # Excel made an id a float
    assert parse_str("  IN-1 ") == "IN-1"
    with pytest.raises(CellError):
        parse_str("x" * 20_000)


def test_problem_format_names_everything():
    p = Problem("error", "bids.csv", "must be > 0", row=7, column="evaluated_price_sek", value="-1")
    assert p.format() == "ERROR: bids.csv, row 7, column 'evaluated_price_sek': value '-1' -- must be > 0"
    long = Problem("error", "f.csv", "r", value="x" * 100).format()
    assert "..." in long and len(long) < 120


def test_every_table_and_column_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "data_contract.md").read_text(encoding="utf-8")
    for name, spec in TABLES.items():
        assert f"### {name} (" in doc, name
        section = doc.split(f"### {name} (", 1)[1].split("\n### ", 1)[0]
        for col in spec.columns:
            assert f"| {col.name} | {col.type} |" in section, f"{name}.{col.name}"

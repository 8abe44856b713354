"""The validation of ``purchase_lines`` is one ibis expression (``engine.validate``); the
contract's hand-written DuckDB SQL (``contract.large.check_large_sql``) is kept only as the
reference it is tested against. Over every hostile case that changes ``purchase_lines`` and a
table of hand-made broken files (CSV layouts, encodings, Parquet types, unreadable files), both
must give the same report: every problem (file, row, column, rule text, value), in the same
order, the same counts of the rows not listed, the same row count. And ``audit validate``'s
path (``contract.validate_package``) must go through the ibis expression, not the SQL."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audit_lib.contract import large as sql_reference
from audit_lib.contract import validate_package
from audit_lib.contract.problems import ValidationReport
from audit_lib.contract.spec import TABLES
from audit_lib.engine import validate as evalidate
from hostile import CASES, TABLES_CSV, csv_text, write_minimal_package

SPEC = TABLES["purchase_lines"]
REGIONS = ["SRM", "VML"]
COLS, ROWS = TABLES_CSV["purchase_lines"]


def both_reports(path: Path, regions=REGIONS) -> tuple[tuple, tuple]:
    """(problems, counts, rows) from the SQL reference and from the ibis expression."""
    out = []
    for check in (sql_reference.check_large_sql, evalidate.check_large):
        report = ValidationReport()
        n = check(path, SPEC, report, regions=regions)
        out.append((report.problems, report.suppressed, n))
    return out[0], out[1]


def _pristine(tmp_path_factory) -> dict[str, bytes]:
    folder = write_minimal_package(tmp_path_factory.mktemp("pristine") / "data")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return _pristine(tmp_path_factory)


def _changed_lines_file(folder: Path, pristine: dict[str, bytes]) -> Path | None:
    """The case's purchase_lines file if the case changed it (a regular file), else None."""
    for p in sorted(folder.glob("purchase_lines*")):
        if p.is_file() and not p.is_symlink() and pristine.get(p.name) != p.read_bytes():
            return p
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_hostile_purchase_lines_case_gives_the_same_report(case, pristine, tmp_path):
    folder = write_minimal_package(tmp_path / "data")
    case.make(folder)
    path = _changed_lines_file(folder, pristine)
    if path is None:
        pytest.skip("the case leaves purchase_lines as it was")
    sql, ibis_ = both_reports(path)
    assert ibis_ == sql


def _csv(rows, sep=";", encoding="utf-8", cols=COLS, newline="\n") -> bytes:
    return csv_text(cols, rows, sep).replace("\n", newline).encode(encoding)


def _parquet(columns: dict) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue().to_pybytes()


BAD = ("2024-02-30", "XYZ", "Möbler", "A\u200b1", "-1", "1.234,5")
MANY = [("2024-03-01", "SRM", "Papper", f"A{i}", "0", "10") for i in range(27)]  # more rows than listed
# (file name, content, what it shows); each is validated by both implementations and every
# one has a problem (the good layouts carry the bad row)
FILES = [
    ("purchase_lines.csv", _csv(ROWS + [BAD] + MANY), "semicolons, decimal comma, every kind of bad cell"),
    ("purchase_lines.csv", _csv([tuple(c.replace(",", ".") for c in r) for r in ROWS] + [BAD], sep=","), "commas"),
    ("purchase_lines.csv", _csv(ROWS + [BAD], sep="\t"), "tabs"),
    ("purchase_lines.csv", _csv(ROWS + [BAD[:3] + ("A1",) + BAD[4:]], encoding="cp1252"), "Windows-1252"),
    ("purchase_lines.csv", b"\xef\xbb\xbf" + _csv(ROWS + [BAD]), "UTF-8 with a BOM"),
    ("purchase_lines.csv", _csv(ROWS + [BAD], newline="\r\n"), "CRLF line ends"),
    ("purchase_lines.csv", _csv(ROWS, encoding="utf-16"), "UTF-16: refused, naming the file"),
    ("purchase_lines.csv", _csv(ROWS)[:-9], "truncated mid-row"),
    ("purchase_lines.csv", _csv(ROWS) + b'2024-01-01;"SRM;X;A;1;2\n', "unclosed quote"),
    ("purchase_lines.csv", _csv([]), "a header but no rows"),
    ("purchase_lines.csv", b"", "empty"),
    ("purchase_lines.csv", _csv(ROWS, cols=COLS[:-1] + ["_row"]), "a reserved column name"),
    ("purchase_lines.csv", _csv([r + ("x",) for r in ROWS], cols=COLS + ["note"]), "a column not in the contract"),
    ("purchase_lines.csv", _csv([r[:-1] for r in ROWS], cols=COLS[:-1]), "a required column missing"),
    ("purchase_lines.parquet", b"PAR1 not really parquet", "a corrupt Parquet file"),
    ("purchase_lines.parquet", _csv(ROWS), "a CSV named .parquet"),
    ("purchase_lines.parquet", _parquet({c: [r[i] for r in ROWS + [BAD] + MANY] for i, c in enumerate(COLS)}), "text"),
    (
        "purchase_lines.parquet",
        _parquet(
            {
                "order_date": pa.array([19000, 19001, None, -60000], pa.date32()),
                "region": ["SRM", "VML", "XYZ", None],
                "category": ["Papper", " Möbler ", "Papper", "Papper"],
                "article_id": ["A1", "A2", "A\x07", "A4"],
                "quantity": [1.0, float("nan"), -2.0, float("inf")],
                "amount_sek": pa.array([10, 20, 5_000_000_000_000, -3], pa.int64()),
            }
        ),
        "typed columns: NaN, inf, a NULL date, an ancient date, a huge integer",
    ),
    ("purchase_lines.parquet", _parquet({c: pa.array([], pa.string()) for c in COLS}), "no rows"),
]


@pytest.mark.parametrize("name, content, what", FILES, ids=[f[2] for f in FILES])
def test_hand_made_broken_files_give_the_same_report(name, content, what, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    sql, ibis_ = both_reports(path)
    assert ibis_ == sql
    problems, _, _ = ibis_
    assert problems and all(p.file == name for p in problems)  # every problem names the file


def test_a_missing_file_names_the_file(tmp_path):
    sql, ibis_ = both_reports(tmp_path / "purchase_lines.parquet")
    assert ibis_ == sql and ibis_[0] and ibis_[0][0].file == "purchase_lines.parquet"


def test_without_regions_no_region_rule_on_both(tmp_path):
    path = tmp_path / "purchase_lines.csv"
    path.write_bytes(_csv(ROWS + [BAD]))
    sql, ibis_ = both_reports(path, regions=None)
    assert ibis_ == sql and not [p for p in ibis_[0] if "region" in p.rule]


def test_validate_package_goes_through_the_ibis_expression(tmp_path, monkeypatch):
    """``audit validate`` and the runner call ``contract.validate_package``: its check of
    purchase_lines is the ibis one (the SQL reference is never called), and finds the bad row."""
    folder = write_minimal_package(tmp_path / "data")
    (folder / "purchase_lines.csv").write_bytes(_csv(ROWS + [BAD]))

    def refuse(*args, **kwargs):
        raise AssertionError("the SQL reference was called by the library")

    calls = []
    real = evalidate.check_large

    def spy(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(sql_reference, "check_large_sql", refuse)
    monkeypatch.setattr(evalidate, "check_large", spy)
    package, report = validate_package(folder, regions=REGIONS)
    assert calls == [folder / "purchase_lines.csv"]
    assert package.large["purchase_lines"].n_rows == 4
    lines = [(p.row, p.column) for p in report.problems if p.file == "purchase_lines.csv"]
    assert lines == [(5, "order_date"), (5, "region"), (5, "article_id"), (5, "quantity")]


def test_the_sql_reference_checks_one_file_only(tmp_path):
    folder = tmp_path / "purchase_lines"
    folder.mkdir()
    pq.write_table(pa.table({c: [r[i] for r in ROWS] for i, c in enumerate(COLS)}), folder / "part-0.parquet")
    with pytest.raises(ValueError, match="one file"):
        sql_reference.check_large_sql(folder, SPEC, ValidationReport())
    report = ValidationReport()
    assert evalidate.check_large(folder, SPEC, report, regions=REGIONS) == 3 and report.ok

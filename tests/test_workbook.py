"""The findings workbook (``audit_lib.report.workbook``): typed cells, no formulas from data,
full tables, names from the text catalog, identical bytes on rerun."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from audit_lib.report.workbook import key_figures, tables, write_workbook

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]


def _run_dir(tmp_path: Path, n_rows: int = 250) -> Path:
    run = tmp_path / "run"
    (run / "results").mkdir(parents=True)
    (run / "site").mkdir()
    manifest = {
        "params": {"run_name": "demo", "audit_year": 2025},
        "language": "sv",
        "params_sha256": "ab" * 32,
        "code": {"commit": "c0ffee", "source_sha256": "cd" * 32},
        "inputs": {"data/procurements.csv": {"path": "/x", "sha256": "ef" * 32}},
        "notebooks": [{"name": "q1_process", "status": "ok"}, {"name": "summary", "status": "ok"}],
        "started": "2026-01-01T00:00:00+00:00",
    }
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    q1 = {
        "notebook": "q1_process",
        "status": "ok",
        "title": "Fråga 1",
        "synthetic_data": True,
        "assessment": {"level": "till_stor_del"},
        "coordinated_share_count": 0.25,
        "coordinated_share_count_interval": [0.2, 0.3],
        "value_sek": 1234567.5,
        "n_procurements": 185,
        "largest": {"estimate": 10.0, "low": 8.0, "high": 12.0},
        "undocumented_reasons": HOSTILE,
        "details": [
            {
                "procurement_id": f"IN-{i:04d}",
                "completed_date": "2025-03-01",
                "estimated_value_sek": 1000.0 * i,
                "share": i / n_rows,
                "title": HOSTILE[i % len(HOSTILE)],
            }
            for i in range(n_rows)
        ],
    }
    summary = {
        "notebook": "summary",
        "status": "ok",
        "title": "Sammanfattning",
        "assessments": {
            "q1": {
                "question": "q1",
                "notebook": "q1_process",
                "level": "till_stor_del",
                "status": "ok",
                "comment": "=cmd|' /C calc'!A0",
            }
        },
        "conclusion": {"sentence": "Delvis."},
        "recommendations": [{"text": "-Gör om", "question": "q1"}],
    }
    for name, res in (("q1_process", q1), ("summary", summary)):
        (run / "results" / f"{name}.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    return run


def test_workbook_cells_are_typed_and_text_never_a_formula(tmp_path):
    path = write_workbook(_run_dir(tmp_path), "sv")
    assert path.name == "demo.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Innehåll", "Sammanfattande bedömning", "1 Process"]
    figures = wb["1 Process"]
    rows = {r[4]: r for r in figures.iter_rows(min_row=4, values_only=True)}
    assert rows["coordinated_share_count"][1:4] == (0.25, 0.2, 0.3)
    assert rows["largest.estimate"][1:4] == (10.0, 8.0, 12.0)
    assert rows["n_procurements"][1] == 185
    cells = {c.value: c for c in figures["B"]}
    assert cells[0.25].number_format == "0.0%" and cells[1234567.5].number_format == "#,##0"
    assert figures.freeze_panes == "A4" and figures.auto_filter.ref
    # the table in full, numbers as numbers, dates as dates, text as text
    table = next(wb[n] for n in wb.sheetnames if n.startswith("F1 ") and "details" in n)
    data = list(table.iter_rows(values_only=True))
    assert len(data) == 1 + 250 and data[0][0] == "Upphandling (diarienummer)"
    assert isinstance(data[5][1], dt.datetime) and data[5][2] == 4000.0
    assert table.freeze_panes == "A2" and table.auto_filter.ref == "A1:E251"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert set(HOSTILE) <= texts and "=cmd|' /C calc'!A0" in texts and "-Gör om" in texts


def test_two_writes_give_identical_bytes_and_the_manifest_records_it(tmp_path):
    run = _run_dir(tmp_path)
    a = write_workbook(run, "en").read_bytes()
    b = write_workbook(run, "en").read_bytes()
    assert a == b
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["workbook"]["path"] == "demo.xlsx"
    assert (run / "site" / "demo.xlsx").read_bytes() == a
    wb = openpyxl.load_workbook(run / "demo.xlsx")
    assert wb.sheetnames[:2] == ["Contents", "Closing table"]
    contents = {r[0]: r[1] for r in wb["Contents"].iter_rows(min_row=4, max_row=10, values_only=True)}
    assert contents["Synthetic data"] == "yes" and contents["Audit year"] == 2025


def test_key_figures_and_tables_take_every_scalar_and_list():
    res = {
        "a_sek": 1.0,
        "a_sek_low": 0.5,
        "a_sek_high": 2.0,
        "x": {"y": [{"k": 1}], "z": "t"},
        "ids": ["A", "B"],
        "status": "ok",
        "title": "T",
    }
    assert key_figures(res) == [("a_sek", 1.0, 0.5, 2.0), ("x.z", "t", None, None)]
    assert tables(res) == [("x.y", [{"k": 1}]), ("ids", [{"ids": "A"}, {"ids": "B"}])]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_failed_notebook_gets_a_sheet_that_says_so(tmp_path, language):
    run = _run_dir(tmp_path)
    (run / "results" / "q1_process.json").write_text(json.dumps({"notebook": "q1_process", "status": "failed"}))
    wb = openpyxl.load_workbook(write_workbook(run, language))
    assert wb.worksheets[2]["A2"].value in (
        "Delrapporten misslyckades: siffrorna saknas.",
        "The report failed: its figures are missing.",
    )

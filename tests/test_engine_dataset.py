"""``purchase_lines`` as a Parquet dataset folder (as Spark writes it), not one file: package
discovery finds it, validation checks it file by file (problems name the part file and its row),
and the causality panel is the same as from the one file. DuckDB always; Spark with the suite's
one SparkSession where PySpark and Java are installed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from test_engine import spark  # noqa: F401  (the suite's one SparkSession)

from audit_lib.contract import load_package, validate_package
from audit_lib.contract.package import find_table_files
from audit_lib.contract.period import Period, see_period
from audit_lib.contract.problems import ValidationReport
from audit_lib.engine import validate as evalidate
from audit_lib.engine.panel import purchase_panel


def _split(package: Path, layout: str) -> None:
    """Replace ``purchase_lines.parquet`` by a dataset folder: ``parts`` (three part files),
    ``hive`` (partitioned by year, as ``year=2024/part-0.parquet``) or ``spark`` (a folder named
    ``purchase_lines.parquet`` with part files and Spark's ``_SUCCESS``)."""
    src = package / "purchase_lines.parquet"
    t = pq.read_table(src)
    src.unlink()
    folder = package / ("purchase_lines.parquet" if layout == "spark" else "purchase_lines")
    folder.mkdir()
    if layout == "hive":
        years = pc.year(t.column("order_date"))
        for y in sorted(set(years.to_pylist())):
            (folder / f"year={y}").mkdir()
            pq.write_table(t.filter(pc.equal(years, y)), folder / f"year={y}" / "part-0.parquet")
        return
    n = t.num_rows
    for i, (a, b) in enumerate([(0, n // 3), (n // 3, 2 * n // 3), (2 * n // 3, n)]):
        pq.write_table(t.slice(a, b - a), folder / f"part-{i:05d}.parquet")
    if layout == "spark":
        (folder / "_SUCCESS").write_bytes(b"")


@pytest.mark.parametrize("layout", ["parts", "hive", "spark"])
def test_a_dataset_folder_is_found_validated_and_gives_the_same_panel(demo_dir, demo_copy, layout):
    _split(demo_copy, layout)
    found = find_table_files(demo_copy, ValidationReport())
    assert found["purchase_lines"].is_dir()
    package, report = validate_package(demo_copy)
    assert report.ok, report.format()
    lines = package.large["purchase_lines"]
    original = load_package(demo_dir)
    assert lines.n_rows == original.large["purchase_lines"].n_rows > 0
    end = _mid_last_year(original)
    period = Period(end.replace(month=1, day=1), end)
    a = purchase_panel(see_period(original, period).large["purchase_lines"], 12)
    b = purchase_panel(see_period(package, period).large["purchase_lines"], 12)
    assert a.coverage == b.coverage
    assert a.frame.equals(b.frame)


def _mid_last_year(package):
    """A period end that cuts the lines: the middle of the last year with lines."""
    import duckdb

    last = duckdb.sql(f"SELECT max(order_date) FROM ({package.large['purchase_lines'].sql()})").fetchall()[0][0]
    return last.replace(month=6, day=30)


def test_a_bad_cell_in_a_part_file_names_the_part_and_its_row(demo_copy):
    _split(demo_copy, "parts")
    part = demo_copy / "purchase_lines" / "part-00001.parquet"
    t = pq.read_table(part)
    qty = t.column("quantity").to_pylist()
    qty[41] = -3.0
    pq.write_table(t.set_column(t.schema.get_field_index("quantity"), "quantity", pa.array(qty)), part)
    _, report = validate_package(demo_copy)
    bad = [p for p in report.problems if p.column == "quantity" and p.severity == "error"]
    assert [(p.file, p.row, p.value) for p in bad] == [("purchase_lines/part-00001.parquet", 42, "-3.0")]


def test_folders_that_are_not_a_dataset_are_refused(demo_copy):
    (demo_copy / "purchase_lines").mkdir()  # beside purchase_lines.parquet: two candidates
    report = ValidationReport()
    assert "purchase_lines" not in find_table_files(demo_copy, report)
    assert any("ambiguous" in p.rule for p in report.problems)
    (demo_copy / "purchase_lines.parquet").unlink()
    report = ValidationReport()
    assert "purchase_lines" not in find_table_files(demo_copy, report)
    assert any("without Parquet files" in p.rule for p in report.problems)
    shutil.move(demo_copy / "rollouts.csv", demo_copy / "x.csv")
    (demo_copy / "rollouts.csv").mkdir()  # a small table is one file, never a folder
    report = ValidationReport()
    assert "rollouts" not in find_table_files(demo_copy, report)
    assert any(p.file == "rollouts.csv" and "folder" in p.rule for p in report.problems)


def test_spark_validates_a_dataset_folder_as_duckdb(demo_copy, spark):  # noqa: F811
    _split(demo_copy, "hive")
    _, on_duckdb = validate_package(demo_copy)
    _, on_spark = evalidate.validate_package(demo_copy, {"backend": "spark"})
    assert on_duckdb.ok and on_spark.ok
    assert on_duckdb.format() == on_spark.format()


RUN_BODY = """from audit_lib.contract import load_package
from audit_lib.run.manifest import validated_in_run
pkg = load_package(pathlib.Path(data_dir), check_large_tables=False)
res['n_rows'] = int(pkg.large['purchase_lines'].n_rows) if pkg.large['purchase_lines'].n_rows >= 0 else None
res['validated'] = validated_in_run(R.parent, pathlib.Path(data_dir))
res['parts'] = sorted(p.relative_to(pathlib.Path(data_dir)).as_posix()
                      for p in (pathlib.Path(data_dir) / 'purchase_lines').rglob('*.parquet'))"""


def test_audit_run_snapshots_a_dataset_folder_part_by_part(demo_dir, demo_copy, tmp_path, monkeypatch):
    """``audit run`` over a package whose ``purchase_lines`` is a dataset folder: the folder is
    copied into the run's snapshot and hashed file by file (the manifest names every part with
    the sha256 of the user's file), the kernels read the validated copy, the data folder is
    untouched and the snapshot is gone after the run."""
    import json

    from conftest import snapshot, tiny_notebook, write_params

    from audit_lib.run import runner

    monkeypatch.setenv("AUDIT_PDF", "0")
    _split(demo_copy, "hive")
    before = snapshot(demo_copy)
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "lines", body=RUN_BODY)
    params = write_params(tmp_path / "params", demo_copy)
    r = runner.run(params, out_dir=tmp_path / "out", notebook_dir=nbs, progress=lambda m: None, jobs=1)
    assert r.ok, [(x.name, x.error) for x in r.runs]
    assert snapshot(demo_copy) == before
    inputs = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["inputs"]
    parts = sorted((demo_copy / "purchase_lines").rglob("*.parquet"))
    assert len(parts) >= 2
    for p in parts:
        label = f"data/{p.relative_to(demo_copy).as_posix()}"
        assert inputs[label]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest(), label
    res = json.loads((tmp_path / "out" / "results" / "lines.json").read_text(encoding="utf-8"))
    assert res["validated"] is True
    assert res["parts"] == [p.relative_to(demo_copy).as_posix() for p in parts]
    original = load_package(demo_dir).large["purchase_lines"].n_rows
    assert res["n_rows"] in (None, original)
    assert not (tmp_path / "out" / "inputs").exists()

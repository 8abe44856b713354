"""The package is parsed once per run: the typed tables the runner writes read back exactly as
``load_package`` returns them (demo package, and a package with every column type, layout and
file format of the contract), a changed typed or snapshot file is refused by name, the period
cut still applies, and a run still never writes into the data folder (``run/typed.py``)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from conftest import quiet, snapshot, tiny_notebook, write_params

from audit_lib.contract import DataPackage, load_package, validate_package
from audit_lib.contract.period import Period, see_period
from audit_lib.params import load_params
from audit_lib.run import runner
from audit_lib.run.snapshot import SNAPSHOT, take_snapshot
from audit_lib.run.stage import package_files
from audit_lib.run.typed import STAMP, TYPED, TypedSnapshotError, load_typed, write_typed

REGIONS = ["SRM", "VML"]  # conftest.write_params and the demo package


def stage(data: Path, run: Path, regions: list[str] = REGIONS) -> Path:
    """What the runner does before the notebooks: snapshot, validate once, write typed."""
    _, hashes = take_snapshot(package_files(data), run / SNAPSHOT)
    package, report = validate_package(run / SNAPSHOT, regions=regions)
    assert report.ok, report.format()
    write_typed(run, package, report, hashes, regions)
    return run / SNAPSHOT


def assert_same_package(parsed: DataPackage, typed: DataPackage) -> None:
    assert list(typed.tables) == list(parsed.tables)
    for name, frame in parsed.tables.items():
        got = typed.tables[name]
        assert_frame_equal(
            got,
            frame,
            check_exact=True,
            check_index_type=True,
            check_column_type=True,
            check_categorical=True,
            check_flags=True,
        )
        for column in frame.columns:  # str or None, never NaN, in text cells: as parsed
            assert [repr(v) for v in got[column]] == [repr(v) for v in frame[column]], (name, column)
    assert (typed.root, typed.files, typed.large, typed.metadata) == (
        parsed.root,
        parsed.files,
        parsed.large,
        parsed.metadata,
    )
    assert typed.report == parsed.report


def parsed_in_run(run: Path) -> DataPackage:
    """What a notebook of the run parsed before: the snapshot, large tables not re-checked."""
    return load_package(Path(SNAPSHOT), check_large_tables=False, regions=REGIONS)


def test_the_demo_package_reads_back_exactly(demo_dir, tmp_path, monkeypatch):
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)  # the kernels' working folder; they are given data_dir "inputs"
    typed = load_typed(Path("."), Path(SNAPSHOT), REGIONS)
    assert typed is not None
    assert_same_package(parsed_in_run(run), typed)
    assert typed.large["purchase_lines"].n_rows == -1 and typed.metadata.synthetic
    procs = typed.tables["procurements"]  # a question may change a frame in place, as a parsed one
    procs.loc[procs.index[0], ["basket_old_sek", "completed_date", "planned_coordinated"]] = [
        1.5,
        pd.Timestamp("2020-02-02"),
        False,
    ]
    assert procs.iloc[0]["basket_old_sek"] == 1.5 and load_typed(Path("."), Path(SNAPSHOT), REGIONS) is not None


def every_column_type(demo: Path, dst: Path) -> Path:
    """The demo package made to hold every column type with and without blanks, an optional
    column left out, columns outside the contract (one named like the index), a table in
    Parquet and one in Excel, decimal commas, ja/nej and text to normalise."""
    shutil.copytree(demo, dst)
    procs = pd.read_csv(dst / "procurements.csv", dtype=str, keep_default_na=False)
    procs["row"] = "a column named like the index"
    procs["note"] = ["" if i % 3 else f"anteckning {i}" for i in range(len(procs))]
    procs["title"] = procs["title"].str.replace("a", "\u0061\u030a", n=1)  # NFC-normalised when parsed
    procs["planned_coordinated"] = procs["planned_coordinated"].map({"true": "ja", "false": "nej"})
    procs["reported_saving_sek"] = procs["reported_saving_sek"].str.replace(".", ",", regex=False)
    procs.to_csv(dst / "procurements.csv", index=False)
    bids = pd.read_csv(dst / "bids.csv", dtype=str, keep_default_na=False)
    assert "lot_id" not in bids.columns  # optional: typed as an all-empty text column
    rollouts = pd.read_csv(dst / "rollouts.csv", dtype=str, keep_default_na=False)
    for c in ("ecommerce_start", "category_management_start", "coordinated_contract_start"):
        rollouts[c] = pd.to_datetime(rollouts[c].replace("", None)).dt.date
    rollouts.to_parquet(dst / "rollouts.parquet", index=False)
    (dst / "rollouts.csv").unlink()
    indicators = pd.read_csv(dst / "indicators.csv", dtype=str, keep_default_na=False)
    indicators.to_excel(dst / "indicators.xlsx", index=False)
    (dst / "indicators.csv").unlink()
    lines = pq.read_table(dst / "purchase_lines.parquet")
    lines = lines.append_column("comment", pa.array(["x"] * lines.num_rows))  # a warning of the large table
    pq.write_table(lines, dst / "purchase_lines.parquet")
    return dst


def test_every_column_type_reads_back_exactly(demo_dir, tmp_path, monkeypatch):
    data = every_column_type(demo_dir, tmp_path / "data")
    run = tmp_path / "run"
    stage(data, run)
    monkeypatch.chdir(run)
    parsed = parsed_in_run(run)
    typed = load_typed(Path("."), Path(SNAPSHOT), REGIONS)
    assert typed is not None
    assert_same_package(parsed, typed)
    # the package does hold what this test is about
    dtypes = {str(t) for f in parsed.tables.values() for t in f.dtypes}
    assert {"object", "Int64", "float64", "boolean", "datetime64[ns]"} <= dtypes
    assert parsed.files["rollouts"].suffix == ".parquet" and parsed.files["indicators"].suffix == ".xlsx"
    assert isinstance(parsed.tables["rollouts"].index, pd.RangeIndex)
    assert parsed.tables["bids"]["lot_id"].map(lambda v: v is None).all()
    assert parsed.tables["rollouts"]["ecommerce_start"].isna().any()
    assert {type(v) for v in parsed.tables["procurements"]["non_coordination_reason"]} == {str, type(None)}
    note = parsed.tables["procurements"]["note"]  # outside the contract: kept as text, as pandas types it
    assert note.isna().any() and set(note.dropna().map(type)) == {str}
    assert parsed.tables["procurements"]["reported_saving_sek"].isna().any()
    warned = {(p.file, p.column) for p in parsed.report.warnings}
    assert ("procurements.csv", "row") in warned and not any(f.startswith("purchase_lines") for f, _ in warned)
    stamp = json.loads((run / TYPED / STAMP).read_text(encoding="utf-8"))
    assert set(stamp["sources"]) == {p.name for p in (run / SNAPSHOT).iterdir()}


def _writable(path: Path) -> None:
    os.chmod(path, 0o644)


def test_a_changed_typed_file_is_refused_by_name(demo_dir, tmp_path, monkeypatch):
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)
    path = run / TYPED / "targets.arrow"
    frame = pd.read_feather(path)  # a valid Arrow file with one figure changed
    frame.loc[frame.index[0], "outcome"] = 1.0
    _writable(path)
    frame.to_feather(path)
    with pytest.raises(TypedSnapshotError, match="typed/targets.arrow does not match the sha256"):
        load_typed(Path("."), Path(SNAPSHOT), REGIONS)
    path.unlink()
    with pytest.raises(TypedSnapshotError, match="typed/targets.arrow is missing"):
        load_typed(Path("."), Path(SNAPSHOT), REGIONS)


def test_a_changed_snapshot_file_is_refused_by_name(demo_dir, tmp_path, monkeypatch):
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)
    path = run / SNAPSHOT / "procurements.csv"
    _writable(path)
    path.write_text(path.read_text(encoding="utf-8").replace("IN-2019-0001", "IN-2019-9999", 1), encoding="utf-8")
    with pytest.raises(TypedSnapshotError, match="inputs/procurements.csv changed after the run validated it"):
        load_typed(Path("."), Path(SNAPSHOT), REGIONS)


def test_start_fails_on_a_changed_typed_file(demo_dir, tmp_path, monkeypatch):
    from audit_lib.notebook import start

    params = write_params(tmp_path / "params", demo_dir)
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)
    _writable(run / TYPED / "bids.arrow")
    with open(run / TYPED / "bids.arrow", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(TypedSnapshotError, match="typed/bids.arrow"):
        start("q3_targets", str(params), SNAPSHOT, "results")


def test_no_stamp_for_this_data_means_parse(demo_dir, tmp_path, monkeypatch):
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)
    assert load_typed(Path("."), demo_dir, REGIONS) is None  # another data folder
    assert load_typed(Path("."), Path(SNAPSHOT), ["SRM"]) is None  # validated against other regions
    assert load_typed(tmp_path, Path(SNAPSHOT), REGIONS) is None  # no stamp (interactive work)


def test_the_period_cut_applies_to_the_typed_tables(demo_dir, tmp_path, monkeypatch):
    from audit_lib import notebook

    params = write_params(tmp_path / "params", demo_dir, period_start="2025-01-01", period_end="2025-06-30")
    run = tmp_path / "run"
    stage(demo_dir, run)
    monkeypatch.chdir(run)
    expected = see_period(parsed_in_run(run), Period.of(load_params(params)))

    def no_parsing(*args, **kwargs):
        raise AssertionError("start() parsed the package although the run wrote its typed tables")

    monkeypatch.setattr(notebook, "load_package", no_parsing)
    audit = notebook.start("q3_targets", str(params), SNAPSHOT, "results")
    for name, frame in expected.tables.items():
        assert_frame_equal(audit.package.tables[name], frame, check_exact=True, check_index_type=True)
    done = audit.package.tables["procurements"]["completed_date"]
    assert done.max() <= pd.Timestamp("2025-06-30") < parsed_in_run(run).tables["procurements"]["completed_date"].max()
    targets = audit.package.tables["targets"]
    assert targets.loc[(targets["year"] == 2025) & (targets["period"] == "full_year"), "outcome"].isna().all()
    assert "2025-06-30" in audit.package.large["purchase_lines"].sql()


def test_a_run_reads_the_typed_tables_and_never_writes_into_the_data_folder(demo_copy, tmp_path, no_pdf):
    nbs = tmp_path / "nbs"
    body = (
        "from audit_lib.notebook import start\nfrom audit_lib.run.typed import TYPED, STAMP\n"
        "audit = start(NAME, params_file, data_dir, results_dir, language)\n"
        "res['typed'] = (pathlib.Path(TYPED) / STAMP).is_file()\n"
        "res['procurements'] = len(audit.package['procurements'])"
    )
    tiny_notebook(nbs, "a_typed", body=body)
    params = write_params(tmp_path / "params", demo_copy)
    before = snapshot(demo_copy)
    out = tmp_path / "out"
    result = runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    assert result.ok
    assert snapshot(demo_copy) == before
    res = json.loads((out / "results" / "a_typed.json").read_text(encoding="utf-8"))
    assert res["typed"] is True and res["procurements"] > 0
    assert not (out / TYPED).exists() and not (out / SNAPSHOT).exists() and not (out / "validation.json").exists()
    assert sorted(p.name for p in out.parent.glob(f".{out.name}.*")) == []

"""The user's files are sacred: a run only reads its data folder, publishes only into a folder
that is new, empty or an earlier run's, one run at a time, and analyses exactly the bytes it
hashed (a file changed during the run fails the run; nothing is published)."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit_lib import cli
from audit_lib.run import runner
from audit_lib.run.outdir import RUN_FILES, UnsafeOutput, check_output_folder, lock_path, output_lock
from conftest import quiet, tiny_notebook, write_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS_FILES = sorted((ROOT / "params").glob("*.yaml"))


@pytest.fixture(autouse=True)
def no_pdf(monkeypatch):
    monkeypatch.setenv("AUDIT_PDF", "0")


def tree(folder: Path) -> dict[str, str]:
    """sha256 of every entry under ``folder`` (folders as 'dir'), relative paths."""
    return {
        p.relative_to(folder).as_posix(): ("dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
    }


# ------------------------------------------------------------------ the data folder is read-only
def _small_package(demo_dir: Path, dst: Path, fmt: str) -> Path:
    """The demo package with its small tables as CSV, xlsx, Parquet or a mix of them."""
    shutil.copytree(demo_dir, dst)
    small = sorted(p for p in dst.glob("*.csv"))
    for i, p in enumerate(small):
        kind = fmt if fmt != "mixed" else ("csv", "xlsx", "parquet")[i % 3]
        if kind == "csv":
            continue
        frame = pd.read_csv(p, sep=None, engine="python", dtype=str, keep_default_na=False, encoding="utf-8")
        if kind == "xlsx":
            frame.to_excel(p.with_suffix(".xlsx"), index=False)
        else:
            frame.to_parquet(p.with_suffix(".parquet"), index=False)
        p.unlink()
    return dst


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "mixed"])
def test_a_run_never_writes_into_the_data_folder(fmt, demo_dir, tmp_path):
    """Every file of a package in each format keeps its sha256, and no file appears, after a run
    (today's bug: a package without ``procurements.csv`` got the synthetic demo package written
    over it by every kernel). The mixed package is run with every parameters file."""
    data = _small_package(demo_dir, tmp_path / "data", fmt)
    before = tree(data)
    for i, params in enumerate(PARAMS_FILES if fmt == "mixed" else [ROOT / "params" / "demo.yaml"]):
        out = tmp_path / f"out{i}"
        code = cli.main(["run", str(params), "--data", str(data), "--out", str(out), "--only", "q3_targets"])
        assert tree(data) == before, f"{params.name} changed the data folder"
        if params.name == "demo.yaml":
            assert code == 0 and (out / "q3_targets.html").is_file()


def test_a_read_only_data_folder_runs(demo_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    for p in [*data.iterdir(), data]:
        p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        before = tree(data)
        out = tmp_path / "out"
        assert (
            cli.main(
                [
                    "run",
                    str(ROOT / "params" / "demo.yaml"),
                    "--data",
                    str(data),
                    "--out",
                    str(out),
                    "--only",
                    "q3_targets",
                ]
            )
            == 0
        )
        assert tree(data) == before and (out / "q3_targets.html").is_file()
    finally:
        for p in [data, *data.iterdir()]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)


def test_a_missing_data_folder_is_an_error_not_a_new_demo_package(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert (
        cli.main(["run", str(ROOT / "params" / "demo.yaml"), "--data", str(missing), "--out", str(tmp_path / "out")])
        == 1
    )
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists() and not (tmp_path / "out").exists()


def test_demo_data_never_overwrites_a_users_folder(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "procurements.csv").write_text("my data\n", encoding="utf-8")
    assert cli.main(["demo-data", str(mine), "--lines", "1000"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (mine / "procurements.csv").read_text(encoding="utf-8") == "my data\n"
    assert cli.main(["demo-data", "", "--lines", "1000"]) == 2


# ------------------------------------------------------------------ --out never deletes what is not a run
@pytest.fixture
def params_and_data(tmp_path, demo_dir):
    return write_params(tmp_path / "params", demo_dir), demo_dir


def _refused(capsys, argv: list[str], *words: str) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Nothing was written" in err or "nothing was run" in err, err
    for w in words:
        assert w in err, err
    return err


def test_out_refuses_a_folder_of_the_users_files(tmp_path, params_and_data, capsys, monkeypatch):
    params, data = params_and_data
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.docx").write_bytes(b"my notes")
    before = tree(mine)
    _refused(capsys, ["run", str(params), "--out", str(mine)], "not the output of an earlier audit run")
    assert tree(mine) == before
    # the data folder, a folder inside it, a folder containing it, the project, an empty value
    _refused(capsys, ["run", str(params), "--out", str(data)], "data folder")
    _refused(capsys, ["run", str(params), "--out", str(data / "out")], "inside the data folder")
    _refused(capsys, ["run", str(params), "--out", str(data.parent)], "contains the data folder")
    _refused(capsys, ["run", str(params), "--out", str(ROOT)])
    monkeypatch.chdir(tmp_path)
    _refused(capsys, ["run", str(params), "--out", ""], "empty")
    # an existing file is refused, not renamed
    f = tmp_path / "report.html"
    f.write_text("mine", encoding="utf-8")
    _refused(capsys, ["run", str(params), "--out", str(f)], "not a folder")
    assert f.read_text(encoding="utf-8") == "mine"


def test_a_previous_run_is_replaced_but_a_users_file_in_it_is_not_deleted(tmp_path, demo_dir, capsys):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp_path / "params", demo_dir)
    out = tmp_path / "out"
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    listed = json.loads((out / RUN_FILES).read_text(encoding="utf-8"))["files"]
    assert "results/a_ok.json" in listed and "manifest.json" in listed
    assert not (out / "inputs").exists() and not (out / "validation.json").exists()  # the snapshot is not published
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet, force=True)  # over a previous run: fine
    (out / "my-notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(runner.RunError, match="my-notes.txt"):
        runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet, force=True)
    assert (out / "my-notes.txt").read_text(encoding="utf-8") == "keep me"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no .old-*, lock or staging


def test_verify_keep_cannot_be_the_run_itself(tmp_path, demo_dir, capsys):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    out = tmp_path / "out"
    runner.run(write_params(tmp_path / "params", demo_dir), out_dir=out, notebook_dir=nbs, progress=quiet)
    before = tree(out)
    for keep in (out, out / "sub", tmp_path):
        assert cli.main(["verify", str(out), "--keep", str(keep)]) == 2
        assert "--keep" in capsys.readouterr().err
    assert tree(out) == before


# ------------------------------------------------------------------ one run at a time
def test_a_second_run_into_a_locked_folder_stops_with_a_message(tmp_path, demo_dir):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp_path / "params", demo_dir)
    out = tmp_path / "out"
    with output_lock(out):  # another run (this process) holds the folder
        with pytest.raises(runner.RunError, match="another run .* is writing"):
            runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
        assert not out.exists()
    assert not lock_path(out).exists()
    lock_path(out).write_text("999999999\n", encoding="ascii")  # left by a killed run: taken over
    assert runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet).ok
    assert not lock_path(out).exists()


# ------------------------------------------------------------------ what is validated is what is analysed
def test_an_input_changed_during_the_run_fails_it_and_nothing_is_published(tmp_path, demo_dir):
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    nbs = tmp_path / "nbs"
    target = data / "targets.csv"
    tiny_notebook(
        nbs,
        "a_edit",
        body=(
            "import pathlib, hashlib\n"
            "snap = pathlib.Path(data_dir) / 'targets.csv'\n"
            "res['read_from_snapshot'] = snap.is_file() and not snap.resolve().is_relative_to("
            f"pathlib.Path({str(data)!r}))\n"
            f"p = pathlib.Path({str(target)!r})\n"
            "p.write_bytes(p.read_bytes() + b'\\n')"
        ),
    )
    params = write_params(tmp_path / "params", data)
    out = tmp_path / "out"
    with pytest.raises(runner.RunError, match="targets.csv: changed during the run"):
        runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_the_kernels_read_the_snapshot_whose_hash_is_recorded(tmp_path, demo_dir):
    nbs = tmp_path / "nbs"
    tiny_notebook(
        nbs,
        "a_read",
        body=(
            "import pathlib, hashlib\n"
            "p = pathlib.Path(data_dir) / 'targets.csv'\n"
            "res['data_dir'] = data_dir\n"
            "res['sha'] = hashlib.sha256(p.read_bytes()).hexdigest()\n"
            "res['writable'] = bool(p.stat().st_mode & 0o222)"
        ),
    )
    out = tmp_path / "out"
    runner.run(write_params(tmp_path / "params", demo_dir), out_dir=out, notebook_dir=nbs, progress=quiet)
    res = json.loads((out / "results" / "a_read.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert res["data_dir"] == "inputs" and not res["writable"]
    assert res["sha"] == manifest["inputs"]["data/targets.csv"]["sha256"]
    assert manifest["inputs"]["data/targets.csv"]["path"] == str((demo_dir / "targets.csv").resolve())


# ------------------------------------------------------------------ property: only a run's own files go
names = st.sampled_from(
    [
        "index.html",
        "q1.html",
        "notes.txt",
        "results/q1.json",
        "results/mine.csv",
        "site/index.html",
        "manifest.json",
        "draft.docx",
        "internal/q1.html",
        "notebooks/x.ipynb",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    files=st.lists(names, unique=True, max_size=6),
    listed=st.lists(names, unique=True, max_size=6),
    is_run=st.booleans(),
)
def test_an_output_folder_is_accepted_only_when_every_file_in_it_is_a_runs(tmp_path_factory, files, listed, is_run):
    base = tmp_path_factory.mktemp("prop")
    out = base / "out"
    out.mkdir()
    for f in files:
        (out / f).parent.mkdir(parents=True, exist_ok=True)
        (out / f).write_text(f, encoding="utf-8")
    if is_run:
        (out / "manifest.json").write_text(json.dumps({"manifest_version": 1, "notebooks": []}), encoding="utf-8")
        (out / RUN_FILES).write_text(json.dumps({"files": [*listed, "manifest.json"]}), encoding="utf-8")
    present = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    try:
        check_output_folder(str(out), out, base / "data")
    except UnsafeOutput:
        accepted = False
    else:
        accepted = True
    own = set(listed) | {"manifest.json", RUN_FILES}
    assert accepted == (not present or (is_run and present <= own))
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == present  # a check never deletes


def test_a_run_without_a_data_package_reads_none(tmp_path):
    """A parameters file without data_dir (the method-validation run) runs with an empty
    package: no snapshot, no validation, nothing hashed as data."""
    import yaml

    nbs = tmp_path / "nbs"
    tiny_notebook(
        nbs,
        "a_nodata",
        body=(
            "from audit_lib.notebook import start\n"
            "a = start('a_nodata', params_file, data_dir, results_dir)\n"
            "res['tables'] = len(a.package.tables) + len(a.package.large)\n"
            "res['data_dir'] = data_dir"
        ),
    )
    params = tmp_path / "p.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "run_name": "t",
                "audit_year": 2025,
                "regions": {"SRM": {"sv": "Region Sörmland", "en": "Region Sörmland"}},
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet).ok
    res = json.loads((out / "results" / "a_nodata.json").read_text(encoding="utf-8"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert res == {**res, "tables": 0, "data_dir": ""}
    assert manifest["data_dir"] is None and not [k for k in manifest["inputs"] if k.startswith("data/")]

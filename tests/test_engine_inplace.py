"""``engine.purchase_lines``: a run on Spark reads purchase_lines where it lives (issue 17).

The lines are a ``file://`` dataset folder outside the data folder: the run does not copy them
(its snapshot holds only the pin), hashes every part on the executors (the manifest's sha256 is
hashlib's), validates them on Spark, and the causality question reads exactly the pinned parts:
the same effects (to 1e-9) as the DuckDB run of the same package with the lines in its data
folder. A part changed during the run fails it, naming the part; the refusals are clear. The
Spark tests reuse the suite's one SparkSession (tests/test_engine.py)."""

from __future__ import annotations

import hashlib
import json
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import quiet, tiny_notebook, write_params
from test_engine import spark  # noqa: F401  (the suite's one SparkSession)
from test_engine_causality import _numbers

from audit_lib.params import ParamsError, load_params
from audit_lib.params.settings import ENGINE_ENV
from audit_lib.run import runner
from audit_lib.run.snapshot import SNAPSHOT
from audit_lib.run.stage import package_files
from audit_lib.run.state import Staging

FAST = {"bootstrap_reps": 99}


@pytest.fixture
def lake(demo_dir, tmp_path):
    """The demo package split in two: its small tables in ``data/`` (no purchase_lines) and its
    lines as a two-part dataset folder ``lake/purchase_lines/`` (with Spark's ``_SUCCESS``)."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, ignore=shutil.ignore_patterns("purchase_lines*"))
    folder = tmp_path / "lake" / "purchase_lines"
    folder.mkdir(parents=True)
    lines = pq.read_table(demo_dir / "purchase_lines.parquet")
    half = lines.num_rows // 2
    pq.write_table(lines.slice(0, half), folder / "part-00000.parquet")
    pq.write_table(lines.slice(half), folder / "part-00001.parquet")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")
    return data, folder


def _spark_params(tmp_path, data, location, **sections):
    engine = {"backend": "spark", "master": "local[2]", "purchase_lines": location}
    return write_params(tmp_path / "params", data, engine=engine, **sections)


@pytest.mark.usefixtures("no_pdf")
def test_run_reads_purchase_lines_in_place(lake, demo_dir, tmp_path, monkeypatch, spark):  # noqa: F811
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    data, folder = lake
    before = {p.name: p.stat().st_mtime_ns for p in data.iterdir()}
    params = _spark_params(tmp_path, data, folder.as_uri() + "/", causality=FAST)
    seen = {}

    def snapshot_seen(p, st):  # the staged snapshot, as the notebooks see it
        stage(p, st)
        seen.update({f.relative_to(st.folder / SNAPSHOT).as_posix(): f for f in (st.folder / SNAPSHOT).rglob("*")})
        seen["pin"] = json.loads((st.folder / SNAPSHOT / "purchase_lines.pinned.json").read_text(encoding="utf-8"))

    stage = runner.stage_inputs
    monkeypatch.setattr(runner, "stage_inputs", snapshot_seen)
    res = runner.run(params, out_dir=tmp_path / "spark", only=["causality"], progress=quiet)
    assert res.ok
    assert not [n for n in seen if "part-" in n or n.endswith(".parquet")]  # no purchase line copied
    assert [p["path"] for p in seen["pin"]["parts"]] == ["part-00000.parquet", "part-00001.parquet"]
    inputs = res.manifest["inputs"]
    for part in ("part-00000.parquet", "part-00001.parquet"):
        entry = inputs[f"data/purchase_lines/{part}"]
        assert entry["sha256"] == hashlib.sha256((folder / part).read_bytes()).hexdigest()
        assert entry["size"] == str((folder / part).stat().st_size)
    assert not [k for k in inputs if "_SUCCESS" in k]
    assert {p.name: p.stat().st_mtime_ns for p in data.iterdir()} == before  # the data folder untouched

    monkeypatch.setattr(runner, "stage_inputs", stage)
    duck = runner.run(
        write_params(tmp_path / "duck", demo_dir, causality=FAST),
        out_dir=tmp_path / "duckdb",
        only=["causality"],
        progress=quiet,
    )
    assert duck.ok
    a, b = (
        json.loads((out / "results" / "causality.json").read_text(encoding="utf-8"))
        for out in (tmp_path / "duckdb", tmp_path / "spark")
    )
    assert a["effects"] and a["panel_coverage"] == b["panel_coverage"]
    x, y = _numbers(a["effects"]), _numbers(b["effects"])
    assert x.keys() == y.keys()
    assert [
        k
        for k in x
        if (x[k] != y[k] if isinstance(x[k], str) else not np.isclose(x[k], y[k], rtol=0, atol=1e-9, equal_nan=True))
    ] == []


@pytest.mark.usefixtures("no_pdf")
def test_a_part_changed_during_the_run_fails_it(lake, tmp_path, monkeypatch, spark):  # noqa: F811
    """A notebook (standing for anyone) rewrites a part while the run is on: nothing is
    published and the message names the part."""
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    data, folder = lake
    part = folder / "part-00001.parquet"
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_writer", body=f"open({str(part)!r}, 'ab').write(b'late')")
    params = _spark_params(tmp_path, data, folder.as_uri())
    out = tmp_path / "out"
    with pytest.raises(runner.RunError, match=r"data/purchase_lines/part-00001\.parquet: changed during the run"):
        runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    assert not out.exists()


def _staged(params, tmp_path):
    """``stage_inputs`` alone (no notebook), on a fresh staging folder."""
    p = runner.plan(params, None, tmp_path / "o", ["causality"], 1, None, runner.NOTEBOOK_DIR, quiet, False, None)
    folder = tmp_path / "staging"
    folder.mkdir()
    runner.stage_inputs(p, Staging(folder, package_files(p.data), {}, {}, {}))


def test_refusals(lake, demo_dir, tmp_path, monkeypatch, spark):  # noqa: F811
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    data, folder = lake
    # both in the data folder and in engine.purchase_lines (refused before Spark reads anything)
    with pytest.raises(runner.RunError, match="purchase_lines is ambiguous"):
        _staged(_spark_params(tmp_path / "a", demo_dir, folder.as_uri()), tmp_path / "a")
    # on the DuckDB engine, in the parameters and through --engine
    duck = write_params(tmp_path / "d", data, engine={"backend": "duckdb", "purchase_lines": folder.as_uri()})
    with pytest.raises(ParamsError, match="read in place by the Spark engine only"):
        load_params(duck)
    monkeypatch.setenv(ENGINE_ENV, "duckdb")
    with pytest.raises(ParamsError, match="read in place by the Spark engine only"):
        load_params(_spark_params(tmp_path / "e", data, folder.as_uri()))
    monkeypatch.delenv(ENGINE_ENV)
    with pytest.raises(ParamsError, match="neither a URI"):
        load_params(_spark_params(tmp_path / "r", data, "lake/purchase_lines"))
    # a location without a Parquet part file, and one that does not exist
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("no parquet here", encoding="utf-8")
    with pytest.raises(runner.RunError, match="no Parquet part files"):
        _staged(_spark_params(tmp_path / "n", data, empty.as_uri()), tmp_path / "n")
    with pytest.raises(runner.RunError, match="cannot be listed"):
        _staged(_spark_params(tmp_path / "m", data, (tmp_path / "missing").as_uri()), tmp_path / "m")

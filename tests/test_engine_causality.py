"""The causality question and `audit validate` on the Spark engine, against the DuckDB default:
the same effects of ``results/causality.json`` (to 1e-9) on one small package, cut at the audited
period's end; the same problems for a broken ``purchase_lines``. The Spark tests reuse the
suite's one SparkSession (tests/test_engine.py). Without Spark: ``--engine`` reaches the run's
notebooks, which load the parameters again in their own processes."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, quiet, tiny_notebook
from test_engine import broken_rows, spark  # noqa: F401  (spark: the suite's one SparkSession)

from audit_lib import cli
from audit_lib.contract import load_package
from audit_lib.contract.period import Period, see_period
from audit_lib.params import ParamsError, load_params
from audit_lib.params.loading import with_engine
from audit_lib.params.settings import ENGINE_ENV, EngineParams
from audit_lib.questions import causality as cz
from audit_lib.questions.causality.analysis import purchase_panel
from audit_lib.run import runner

SPARK = {"backend": "spark", "master": "local[2]"}


@pytest.fixture
def no_engine_env(monkeypatch):
    """``audit run --engine`` sets AUDIT_ENGINE for its notebooks: undone after each test."""
    monkeypatch.delenv(ENGINE_ENV, raising=False)


def _numbers(entry, path=""):
    """Every number of a results entry, by its path (None and NaN as NaN)."""
    if isinstance(entry, dict):
        return {k: v for key, val in entry.items() for k, v in _numbers(val, f"{path}/{key}").items()}
    if isinstance(entry, (list, tuple)):
        return {k: v for i, val in enumerate(entry) for k, v in _numbers(val, f"{path}/{i}").items()}
    if isinstance(entry, (bool, str)):
        return {path: entry}
    return {path: np.nan if entry is None else float(entry)}


def test_causality_effects_on_spark_equal_duckdb(demo_dir, spark):  # noqa: F811
    """The question on a 60,000-line package cut at the period's end (2025-06-30, so the cut
    matters), once per engine: the same effects to 1e-9 and the same panel coverage."""
    params = load_params(ROOT / "params" / "demo.yaml")
    params = params.model_copy(update={"period_end": params.period_end.replace(month=6, day=30)})
    package = see_period(load_package(demo_dir, check_large_tables=False), Period.of(params))
    section = params.causality.model_copy(update={"bootstrap_reps": 99})
    duck = cz.results(cz.analyse(package, section, seed=7))
    on_spark = cz.results(cz.analyse(package, section, seed=7, engine=SPARK))
    assert duck["effects"] and duck["effects"].keys() == on_spark["effects"].keys()
    a, b = _numbers(duck["effects"]), _numbers(on_spark["effects"])
    assert a.keys() == b.keys()
    diff = [
        k
        for k in a
        if (a[k] != b[k] if isinstance(a[k], str) else not np.isclose(a[k], b[k], rtol=0, atol=1e-9, equal_nan=True))
    ]
    assert diff == []
    assert duck["panel_coverage"] == on_spark["panel_coverage"]
    uncut = purchase_panel(load_package(demo_dir, check_large_tables=False).large["purchase_lines"], 12)
    assert uncut.coverage["n_lines"] > on_spark["panel_coverage"]["n_lines"]  # the cut matters, Spark made it


def test_audit_validate_on_spark_reports_the_same_problems(demo_dir, tmp_path, capsys, spark):  # noqa: F811
    """`audit validate --engine spark` on a package with a broken purchase_lines (every rule)
    prints the same report as the default engine and exits 1."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    pq.write_table(pa.table(broken_rows()), data / "purchase_lines.parquet")
    params = ["--params", str(ROOT / "params" / "demo.yaml")]
    assert cli.main(["validate", str(data), *params]) == 1
    on_duckdb = capsys.readouterr().out
    assert cli.main(["validate", str(data), *params, "--engine", "spark"]) == 1
    on_spark = capsys.readouterr().out
    assert "purchase_lines.parquet" in on_duckdb and "must be > 0" in on_duckdb
    assert on_spark == on_duckdb


# ---------------------------------------------------------------- without Spark
def test_engine_override_of_the_parameters(no_engine_env, monkeypatch):
    params = load_params(ROOT / "params" / "demo.yaml")
    assert params.engine == EngineParams()
    assert with_engine(params, None) is params and with_engine(params, "duckdb").engine == EngineParams()
    assert with_engine(params, "spark").engine == EngineParams(backend="spark")
    cluster = EngineParams(backend="spark", master="spark://h:7077", conf={"spark.executor.memory": "8g"})
    on_cluster = params.model_copy(update={"engine": cluster})
    assert with_engine(on_cluster, "spark").engine == cluster  # its master and conf kept
    assert with_engine(on_cluster, "duckdb").engine == EngineParams()
    with pytest.raises(ParamsError, match="not one of duckdb, spark"):
        with_engine(params, "polars")
    monkeypatch.setenv(ENGINE_ENV, "spark")  # what `audit run --engine spark` leaves its notebooks
    assert load_params(ROOT / "params" / "demo.yaml").engine == EngineParams(backend="spark")


@pytest.mark.usefixtures("no_pdf", "no_engine_env")
def test_run_engine_reaches_the_notebooks(tmp_path):
    """`audit run --engine spark` is no longer refused: the run's resolved parameters and its
    notebooks' parameters say spark; without the flag, the parameters' engine (duckdb)."""
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_engine", body="res['engine'] = P.engine.backend")
    params = tmp_path / "p.yaml"  # no data package: the engine is what is tested
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
    for i, (engine, expected) in enumerate(((None, "duckdb"), ("spark", "spark"), (None, "duckdb"))):
        out = tmp_path / f"out-{i}-{expected}"
        assert runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet, engine=engine).ok
        assert json.loads((out / "results" / "a_engine.json").read_text(encoding="utf-8"))["engine"] == expected
        assert f"backend: {expected}" in (out / "params.resolved.yaml").read_text(encoding="utf-8")
        # the flag is for its run only: it never leaks into the caller's environment (it once did,
        # and every later run and load_params in the same process was on Spark)
        assert ENGINE_ENV not in os.environ

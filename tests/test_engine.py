"""The large-table work through ibis (audit_lib.engine) against today's direct DuckDB SQL path:
the same panel (same cells, log index to 1e-9, here bit for bit on DuckDB) and the same
validation report, on DuckDB and, where PySpark and Java are installed, on Spark local mode
(one SparkSession for the whole test session). The default install never imports PySpark."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from audit_lib.contract.large import check_large_sql, relation_sql
from audit_lib.contract.problems import ValidationReport
from audit_lib.contract.spec import TABLES
from audit_lib.demo import purchase_lines as pl
from audit_lib.engine import EngineError, connect, engine_settings
from audit_lib.engine import panel as epanel
from audit_lib.engine import validate as evalidate
from audit_lib.panel import aggregate_lines, build_panel

SPEC = TABLES["purchase_lines"]


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    """A small generated package's purchase lines (Parquet), with a few lines missing keys."""
    folder = tmp_path_factory.mktemp("lines")
    path = folder / "purchase_lines.parquet"
    ro = pl.make_rollouts(["Papper", "Möbler"], ["SRM", "VML"], None, None, seed=3)
    pl.write_purchase_lines(path, ro, n_lines=30_000, seed=3, n_months=24)
    t = pq.read_table(path)
    region = t.column("region").to_pylist()
    region[5] = None
    t = t.set_column(t.schema.get_field_index("region"), "region", pa.array(region))
    pq.write_table(t, path)
    return path


def broken_rows() -> dict:
    """Purchase lines with a problem of every rule (values stored as text where a type is wrong)."""
    good = ("2024-01-05", "SRM", "Papper", "A1", "2", "100.5")
    rows = [good] * 3 + [
        ("2024-01-05", "", "Papper", "A1", "2", "10"),  # required: region empty
        ("not a date", "SRM", "Papper", "A1", "2", "10"),  # type date
        ("1850-01-01", "SRM", "Papper", "A1", "2", "10"),  # date out of range
        ("2024-01-05", "SRM", "Papper", "A1", "-1", "10"),  # quantity must be > 0
        ("2024-01-05", "SRM", "Papper", "A1", "0", "10"),  # quantity must be > 0
        ("2024-01-05", "SRM", "Papper", "A1", "two", "10"),  # type float
        ("2024-01-05", "SRM", "Papper", "A1", "2", "1e15"),  # absurd amount
        ("2024-01-05", "SRM", "Papper", "A1", "2", "inf"),  # not finite
        ("2024-01-05", "SRM", "Papper", "A1", "nan", "10"),  # not finite (NaN is not NULL)
        ("2024-01-05", "SRM", "Papper", None, "2", "10"),  # required: article empty
    ]
    rows += [("2024-02-05", "VML", "Möbler", "B2", "-3", "5")] * 25  # more than MAX_PER_RULE of one rule
    names = ["order_date", "region", "category", "article_id", "quantity", "amount_sek"]
    return {n: [r[i] for r in rows] for i, n in enumerate(names)}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    path = folder / "purchase_lines.parquet"
    pq.write_table(pa.table(broken_rows()), path)
    return path


def sql_report(path) -> tuple[list, dict, int]:
    report = ValidationReport()
    n = check_large_sql(path, SPEC, report)
    return report.problems, report.suppressed, n


def engine_report(path, con) -> tuple[list, dict, int]:
    report = ValidationReport()
    n = evalidate.check_large(path, SPEC, report, con=con)
    return report.problems, report.suppressed, n


def assert_same_panel(today, other):
    a, b = today.frame, other.frame
    assert list(a.columns) == list(b.columns)
    assert a[["category", "region", "month"]].equals(b[["category", "region", "month"]])
    assert np.allclose(a["log_index"], b["log_index"], atol=1e-9, rtol=0, equal_nan=True)
    assert np.array_equal(a["n_lines"], b["n_lines"])
    assert today.coverage == other.coverage


# ---------------------------------------------------------------- DuckDB through ibis
@pytest.fixture(scope="module")
def duck():
    con = connect({"backend": "duckdb"})
    yield con
    con.disconnect()


def test_duckdb_aggregate_is_byte_identical_to_todays_sql(lines, duck):
    today = aggregate_lines(relation_sql(lines, SPEC))
    ours = epanel.article_month(epanel.read_typed(duck, lines, SPEC)).to_pyarrow()
    assert ours.equals(today)


def test_duckdb_panel_equals_todays_panel(lines, duck):
    today = build_panel(relation_sql(lines, SPEC), base_months=6)
    ours = epanel.build_panel(lines, base_months=6, con=duck)
    pd.testing.assert_frame_equal(today.frame, ours.frame)
    assert today.coverage == ours.coverage
    assert today.coverage["n_lines_missing_key"] == 1


def test_duckdb_panel_from_csv_equals_todays_panel(lines, duck, tmp_path):
    csv = tmp_path / "purchase_lines.csv"
    pd.read_parquet(lines).to_csv(csv, index=False, sep=";", decimal=",")
    today = build_panel(relation_sql(csv, SPEC))
    pd.testing.assert_frame_equal(today.frame, epanel.build_panel(csv, con=duck).frame)


def test_panel_from_a_partitioned_dataset_folder_and_a_glob(lines, duck, tmp_path):
    today = build_panel(relation_sql(lines, SPEC))
    folder = tmp_path / "purchase_lines"  # partitioned as Spark writes it: category=.../part.parquet
    pq.write_to_dataset(pq.read_table(lines), folder, partition_cols=["category"])
    assert_same_panel(today, epanel.build_panel(folder, con=duck))
    parts = tmp_path / "parts"
    parts.mkdir()
    t = pq.read_table(lines)
    for i, start in enumerate(range(0, t.num_rows, 7_000)):
        pq.write_table(t.slice(start, 7_000), parts / f"part-{i:03d}.parquet")
    assert_same_panel(today, epanel.build_panel(str(parts / "part-*.parquet"), con=duck))


def test_duckdb_validation_report_equals_todays(broken, duck, tmp_path):
    today = sql_report(broken)
    assert today[2] == 38 and len(today[0]) > 8 and today[1]  # every rule hit, one rule counted beyond the list
    assert engine_report(broken, duck) == today
    csv = tmp_path / "purchase_lines.csv"
    pd.DataFrame(broken_rows()).to_csv(csv, index=False)
    assert engine_report(csv, duck) == sql_report(csv)


def test_duckdb_validation_of_a_clean_file_and_missing_columns(lines, duck, tmp_path):
    today = sql_report(lines)
    assert engine_report(lines, duck) == today and today[2] == 30_000 and len(today[0]) == 1  # the missing region
    cut = tmp_path / "purchase_lines.parquet"
    pq.write_table(pq.read_table(lines).drop(["quantity"]).append_column("extra", pa.array([1] * 30_000)), cut)
    assert engine_report(cut, duck) == sql_report(cut)


def test_engine_settings():
    assert engine_settings(None) == {"backend": "duckdb"}
    assert engine_settings("spark") == {"backend": "spark"}
    assert engine_settings({"backend": "spark", "master": "local[2]"})["master"] == "local[2]"
    with pytest.raises(EngineError, match="not one of"):
        engine_settings({"backend": "polars"})


BLOCK_PYSPARK = """
import sys
class Block:  # a default install: no PySpark, no Java
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pyspark", "py4j"):
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
"""


def test_default_run_works_without_pyspark_and_imports_none_of_it(lines, broken):
    """The default engine (DuckDB) runs the notebook imports, the panel (the engine's and the
    causality question's) and the validation with PySpark made unimportable, and imports
    nothing of it (pandera would import an installed PySpark on its own; with the [spark] extra
    absent there is none)."""
    code = BLOCK_PYSPARK + (
        "import audit_lib.notebook, audit_lib.panel, audit_lib.params, audit_lib.engine, audit_lib.cli\n"
        "from pathlib import Path\n"
        "from audit_lib.contract.package import LargeTable\n"
        "from audit_lib.questions.causality.analysis import purchase_panel\n"
        "from audit_lib.contract.problems import ValidationReport\n"
        "from audit_lib.contract.spec import TABLES\n"
        "from audit_lib.engine import panel, validate\n"
        f"p = panel.build_panel(Path({str(lines)!r}))\n"
        "assert p.coverage['n_lines'] == 30000\n"
        f"q = purchase_panel(LargeTable('purchase_lines', Path({str(lines)!r}), -1), 12, audit_lib.params.EngineParams())\n"
        "assert q.coverage == p.coverage  # the causality question's default path\n"
        "r = ValidationReport()\n"
        f"assert validate.check_large(Path({str(broken)!r}), TABLES['purchase_lines'], r) == 38 and r.errors\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')]\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_HOME")}
    env["PATH"] = os.path.dirname(sys.executable)  # no java on the PATH either
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=300)


def test_spark_engine_without_pyspark_is_a_clear_error():
    code = BLOCK_PYSPARK + (
        "from audit_lib.engine import EngineError, connect\n"
        "try:\n    connect({'backend': 'spark'})\nexcept EngineError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120)
    assert "pip install -e .[spark]" in out.stdout


def test_pyspark_is_not_a_default_dependency():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith(("pyspark", "py4j"))]
    assert any(d.startswith("pyspark==") for d in project["optional-dependencies"]["spark"])
    lock = (root / "requirements.lock").read_text().lower()
    assert "\npyspark==" not in lock and "\npy4j==" not in lock


# ---------------------------------------------------------------- Spark local mode
def _spark_available() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.fixture(scope="session")
def spark():
    """One ibis-on-Spark connection (one local SparkSession) for the whole test session."""
    if not _spark_available():
        pytest.skip("PySpark or Java is not installed (the [spark] extra)")
    con = connect(
        {
            "backend": "spark",
            "master": "local[2]",
            "conf": {"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"},
        }
    )
    yield con
    con._session.stop()


def test_spark_panel_equals_todays_panel(lines, spark):
    today = build_panel(relation_sql(lines, SPEC), base_months=6)
    assert_same_panel(today, epanel.build_panel(lines, base_months=6, con=spark))


def test_spark_panel_from_a_partitioned_dataset(lines, spark, tmp_path):
    # partitioned by an ASCII column: pyarrow percent-encodes "Möbler" in a folder name, which
    # Spark decodes byte by byte (a dataset Spark writes itself keeps the name as it is)
    folder = tmp_path / "purchase_lines"
    t = pq.read_table(lines)
    years = pa.array([d.year for d in t.column("order_date").to_pylist()])
    pq.write_to_dataset(t.append_column("year", years), folder, partition_cols=["year"])
    assert_same_panel(build_panel(relation_sql(lines, SPEC)), epanel.build_panel(folder, con=spark))


def test_spark_validation_report_equals_todays(broken, lines, spark):
    assert engine_report(broken, spark) == sql_report(broken)
    assert engine_report(lines, spark) == sql_report(lines)


def test_spark_refuses_csv_with_a_clear_problem(spark, tmp_path):
    csv = tmp_path / "purchase_lines.csv"
    pd.DataFrame(broken_rows()).to_csv(csv, index=False)
    problems, _, n = engine_report(csv, spark)
    assert n == 0 and "Parquet" in problems[0].rule and problems[0].file == "purchase_lines.csv"


# ---------------------------------------------------------------- the rules of contract/sqltypes.py
def hostile_rows() -> dict:
    """Cells that today's reading types by the small tables' rules (contract/sqltypes.py)."""
    quantity = [
        "900.000",
        "1 234,5",
        "2_389_762",
        "\u0663",
        "\u22125",
        "1.234,5",
        "1,234.5",
        "1,2,3",
        "+.5",
        "1e3",
        " 7 ",
        "12'000",
        "1\u00a0000",
        "0,5",
        "inf",
        "nan",
    ]
    n = len(quantity)
    dates = [
        "2024-01-05 00:00",
        "2024-01-05T10:00",
        "2024-02-30",
        " 2024-03-01\u00a0",
        "2024-1-5",
        "2024-01-05T00:00:00.000",
    ] + ["2024-01-05"] * (n - 6)
    articles = ["A\u200b1", "A\tB", " A2\u3000"] + [f"A{i}" for i in range(n - 3)]
    categories = ["Mo\u0308bler", "M\u00f6bler"] + ["Papper"] * (n - 2)
    regions = ["SRM", "XYZ", "VML"] + ["SRM"] * (n - 3)
    return {
        "order_date": dates,
        "region": regions,
        "category": categories,
        "article_id": articles,
        "quantity": quantity,
        "amount_sek": quantity[::-1],
    }


def hostile_files(folder) -> list:
    files = [folder / "purchase_lines.parquet", folder / "purchase_lines.csv"]
    pq.write_table(pa.table(hostile_rows()), files[0])
    pd.DataFrame(hostile_rows()).to_csv(files[1], index=False, sep=";")
    stamps = pd.to_datetime(["2024-01-31 23:30", "2024-06-30 22:30", "2024-03-01 00:00"]).tz_localize("UTC")
    base = {
        "region": ["SRM"] * 3,
        "category": ["Papper"] * 3,
        "article_id": ["A1"] * 3,
        "quantity": [1.0] * 3,
        "amount_sek": [2.0] * 3,
    }
    zoned = pa.table({"order_date": pa.array(stamps.tz_convert("Europe/Stockholm")), **base})
    naive = pa.table({"order_date": pa.array(stamps.tz_localize(None) + pd.Timedelta("1h")), **base})
    for name, t in (("zoned", zoned), ("naive", naive)):
        (folder / name).mkdir()
        files.append(folder / name / "purchase_lines.parquet")
        pq.write_table(t, files[-1])
    (folder / "dupes").mkdir()
    files.append(folder / "dupes" / "purchase_lines.csv")
    files[-1].write_text(
        "order_date;region;Region;category;article_id;quantity;amount_sek\n2024-01-05;SRM;SRM;Papper;A1;1;2\n",
        encoding="utf-8",
    )
    return files


def assert_same_typed_lines(path, con):
    today = duckdb.sql(relation_sql(path, SPEC)).arrow().read_all()
    ours = epanel.read_typed(con, path, SPEC).drop("_file").to_pyarrow()
    assert ours.to_pylist() == today.to_pylist()


def test_duckdb_reads_and_validates_hostile_cells_as_today(duck, tmp_path):
    for path in hostile_files(tmp_path):
        today = ValidationReport()
        n = check_large_sql(path, SPEC, today, regions=["SRM", "VML"])
        ours = ValidationReport()
        assert evalidate.check_large(path, SPEC, ours, con=duck, regions=["SRM", "VML"]) == n, path
        assert (ours.problems, ours.suppressed) == (today.problems, today.suppressed), path
        if "dupes" not in str(path):
            assert_same_typed_lines(path, duck)


def test_spark_reads_and_validates_hostile_cells_as_today(spark, tmp_path):
    for path in [p for p in hostile_files(tmp_path) if p.suffix == ".parquet"]:
        today = ValidationReport()
        n = check_large_sql(path, SPEC, today, regions=["SRM", "VML"])
        ours = ValidationReport()
        assert evalidate.check_large(path, SPEC, ours, con=spark, regions=["SRM", "VML"]) == n, path
        assert (ours.problems, ours.suppressed) == (today.problems, today.suppressed), path
        assert_same_typed_lines(path, spark)


def _capped_sql(path, until):
    from audit_lib.contract.period import CappedTable

    return CappedTable("purchase_lines", path, 0, "order_date", until).sql()


def test_duckdb_panel_sees_no_line_after_the_period(lines, duck):
    import datetime as pydt

    until = pydt.date(2020, 6, 30)  # the lines run from 2019-01 to 2020-12
    today = build_panel(_capped_sql(lines, until), base_months=6)
    ours = epanel.build_panel(lines, base_months=6, con=duck, until=until)
    assert_same_panel(today, ours)
    cut = pd.Timestamp(2020, 6, 1)
    assert ours.frame["month"].max() <= cut < build_panel(relation_sql(lines, SPEC)).frame["month"].max()


def test_spark_panel_sees_no_line_after_the_period(lines, spark):
    import datetime as pydt

    until = pydt.date(2020, 6, 30)  # the lines run from 2019-01 to 2020-12
    assert_same_panel(
        build_panel(_capped_sql(lines, until), base_months=6),
        epanel.build_panel(lines, base_months=6, con=spark, until=until),
    )

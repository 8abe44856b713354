"""The ibis backend for the ``engine`` parameter: DuckDB in-process, or Spark."""

from __future__ import annotations

import shutil
from typing import Any

BACKENDS = ("duckdb", "spark")


class EngineError(Exception):
    """The engine cannot be used (unknown backend, PySpark or Java missing); a usage error."""


def first_line(e: BaseException) -> str:
    """An engine's error in one line for a message: its first non-blank line (Spark's and
    DuckDB's errors run over many), else the error's type."""
    return next((ln.strip() for ln in str(e).splitlines() if ln.strip()), type(e).__name__)


def engine_settings(engine: Any = None) -> dict[str, Any]:
    """The engine parameter as a plain dict: ``None``, a backend name, a dict or a pydantic
    model (``params.EngineParams``); ``backend`` defaults to duckdb."""
    if engine is None:
        out: dict[str, Any] = {}
    elif isinstance(engine, str):
        out = {"backend": engine}
    elif hasattr(engine, "model_dump"):
        out = dict(engine.model_dump())
    else:
        out = dict(engine)
    out = {k: v for k, v in out.items() if v is not None}
    out.setdefault("backend", "duckdb")
    if out["backend"] not in BACKENDS:
        raise EngineError(f"engine.backend: {out['backend']!r} is not one of {', '.join(BACKENDS)}")
    return out


def spark_session(master: str = "local[2]", conf: dict[str, str] | None = None) -> Any:
    """A SparkSession (an existing active one is reused, as Spark does)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError(
            "engine spark: PySpark is not installed; install the extra with `pip install -e .[spark]` "
            "(it needs a Java runtime, e.g. Debian's openjdk-17-jre-headless)"
        ) from None
    if shutil.which("java") is None and not _java_home():
        raise EngineError("engine spark: no Java runtime found (install openjdk-17-jre-headless or set JAVA_HOME)")
    builder = (
        SparkSession.builder.master(master)
        .appName("audit")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
    )
    for k, v in (conf or {}).items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def _java_home() -> bool:
    import os

    home = os.environ.get("JAVA_HOME")
    return home is not None and os.path.exists(os.path.join(home, "bin", "java"))


def _duckdb_compat() -> None:
    """ibis 12.0.0 calls ``DuckDBPyConnection.fetch_arrow_table`` and ``fetch_record_batch``,
    which DuckDB 2 removed (renamed ``to_arrow_table`` and ``to_arrow_reader``; fixed upstream
    in ibis pull request 12001, not yet released). Alias the old names on the connection class
    when they are missing, so the project keeps its pinned DuckDB; remove with the next ibis."""
    import warnings

    import duckdb

    cls = duckdb.DuckDBPyConnection
    if hasattr(cls, "fetch_arrow_table"):
        return

    def fetch_arrow_table(self: Any, *args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "makes an extra copy": the result is small
            return self.to_arrow_table(*args, **kwargs)

    def fetch_record_batch(self: Any, rows_per_batch: int = 1_000_000) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return self.to_arrow_reader(rows_per_batch)

    setattr(cls, "fetch_arrow_table", fetch_arrow_table)  # noqa: B010  (not in DuckDB 2's type stubs)
    setattr(cls, "fetch_record_batch", fetch_record_batch)  # noqa: B010


def connect(engine: Any = None) -> Any:
    """An ibis backend: ``{backend: duckdb}`` (default; ``threads`` optional) or
    ``{backend: spark, master: "local[2]" | "spark://host:7077", conf: {...}}``."""
    import ibis

    settings = engine_settings(engine)
    if settings["backend"] == "duckdb":
        _duckdb_compat()
        kwargs = {"threads": settings["threads"]} if settings.get("threads") else {}
        return ibis.duckdb.connect(**kwargs)
    session = spark_session(settings.get("master", "local[2]"), settings.get("conf"))
    return ibis.pyspark.connect(session)


def backend_name(con: Any) -> str:
    """``duckdb`` or ``spark`` for an ibis backend."""
    return "spark" if con.name == "pyspark" else con.name

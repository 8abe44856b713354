"""The large-table work expressed once with ibis, run on embedded DuckDB (default) or Spark.

``purchase_lines`` can outgrow one machine; the small tables stay in pandas. This package
expresses the large-table work as ibis expressions that compile to DuckDB SQL and to Spark
SQL alike:

- :mod:`.read`: the typed reading of ``purchase_lines`` per the data contract (a file, or a
  Parquet dataset folder or glob as Spark writes it);
- :mod:`.panel`: the category x region x month article aggregate behind the price index
  (:mod:`audit_lib.panel` computes the index from it, the same numpy code on both engines);
- :mod:`.validate`: the contract's row rules (counts of bad rows by rule, example rows).

:func:`connect` gives the backend for the ``engine`` parameter (``{backend: duckdb}`` or
``{backend: spark, master: "local[2]"}``). PySpark is an optional extra (``.[spark]``, needs a
Java runtime) and is imported only when the Spark backend is asked for.
"""

from __future__ import annotations

from .connect import EngineError, connect, engine_settings

__all__ = ["EngineError", "connect", "engine_settings"]

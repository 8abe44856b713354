"""``purchase_lines`` read where it lives (``engine.purchase_lines``): listed, hashed, pinned.

A package too large for one machine is not copied into the run's snapshot. Spark lists the
location's Parquet part files (a folder, recursively, as Spark writes a dataset; a file; a
glob) with size and modification time, and hashes each part on the executors (the
``binaryFile`` source with ``sha2(content, 256)``: the bytes never travel to the driver). The
run writes that listing as a *pin* (``purchase_lines.pinned.json`` in its snapshot) and the
notebooks' engine reads exactly the pinned files (:func:`pinned_scan`), never the folder, so a
part added later is not read. After the notebooks the runner lists (and hashes) the pinned
parts again: a change fails the run (``run/snapshot.py``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..contract.problems import Problem, ValidationReport
from .connect import EngineError, backend_name, first_line
from .read import Scan

PIN_SUFFIX = ".pinned.json"
NAME = "purchase_lines"  # what problems are named after, as for a dataset folder in the package


@dataclass(frozen=True)
class Part:
    """One Parquet part file: ``uri`` as Spark names it, ``path`` within the location."""

    uri: str
    path: str
    size: int
    mtime_ms: int
    sha256: str = ""


def is_pin(path: Path | str) -> bool:
    return str(path).endswith(PIN_SUFFIX)


def _session(con: Any) -> Any:
    if backend_name(con) != "spark":
        raise EngineError("engine.purchase_lines is read in place by the Spark engine only")
    return con._session


def _has_glob(location: str) -> bool:
    return any(ch in location for ch in "*?[")


def qualified(con: Any, location: str) -> str:
    """The location as Spark's file system names it (``file:/data/x`` for ``file:///data/x/``)."""
    s = _session(con)
    path = s._jvm.org.apache.hadoop.fs.Path(location.rstrip("/") or location)
    return str(path.getFileSystem(s._jsc.hadoopConfiguration()).makeQualified(path).toString())


def list_parts(con: Any, location: str, hashed: bool = True) -> list[Part]:
    """The Parquet part files at ``location`` (names starting with ``_`` or ``.`` are metadata,
    left out as Spark leaves them out), sorted; ``hashed``: each with the sha256 of its content,
    computed on the executors."""
    from pyspark.sql import functions as F

    s = _session(con)
    df = (
        s.read.format("binaryFile")
        .option("pathGlobFilter", "*.parquet")
        .option("recursiveFileLookup", "true")
        .load(location)
    )
    cols = [F.col("path"), F.col("length"), F.expr("unix_millis(modificationTime)").alias("mtime")]
    if hashed:
        cols.append(F.sha2(F.col("content"), 256).alias("sha256"))
    base = None if _has_glob(location) else qualified(con, location)
    parts = [
        Part(r["path"], _within(r["path"], base), int(r["length"]), int(r["mtime"]), r["sha256"] if hashed else "")
        for r in df.select(*cols).collect()
    ]
    return sorted(parts, key=lambda p: p.uri)


def hash_parts(con: Any, uris: list[str]) -> dict[str, str]:
    """The sha256 of each of these files, computed on the executors."""
    from pyspark.sql import functions as F

    rows = _session(con).read.format("binaryFile").load(uris).select("path", F.sha2(F.col("content"), 256)).collect()
    return {r[0]: r[1] for r in rows}


def _within(uri: str, base: str | None) -> str:
    """A part's path within a folder location (its file name for a file or a glob)."""
    if base is not None and uri.startswith(base + "/"):
        return uri[len(base) + 1 :]
    return uri.rsplit("/", 1)[-1]


def pin(con: Any, location: str) -> dict[str, Any]:
    """The pin of ``location``: its parts, hashed; ``base``: the folder Spark discovers a
    dataset's partitions under (None for a file or a glob, read as the local path reads them).
    Raises :class:`EngineError` when there is no Parquet part file."""
    try:
        parts = list_parts(con, location)
    except Exception as e:  # Spark's "Path does not exist" and the like
        raise EngineError(f"engine.purchase_lines: {location} cannot be listed: {first_line(e)[:300]}") from None
    if not parts:
        raise EngineError(f"engine.purchase_lines: no Parquet part files (*.parquet) at {location}")
    folder = not _has_glob(location) and any(p.uri != qualified(con, location) for p in parts)
    return {
        "location": location,
        "base": qualified(con, location) if folder else None,
        "parts": [asdict(p) for p in parts],
    }


def write_pin(pinned: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def read_pin(path: Path | str) -> dict[str, Any]:
    pinned: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return pinned


def pinned_scan(con: Any, pinned: dict[str, Any]) -> Scan:
    """The raw scan (as ``engine.read.scan``) of exactly the pinned part files."""
    from .read import scan_of, spark_table

    s = _session(con)
    reader = s.read if pinned["base"] is None else s.read.option("basePath", pinned["base"])
    uris = [p["uri"] for p in pinned["parts"]]
    return scan_of(spark_table(con, reader, uris), _zones(uris[0]), NAME, "spark")


def _zones(uri: str) -> dict[str, str]:
    """The time zone of each time-stamp column of a part's Arrow schema, where pyarrow can
    open the file (``file:``, ``hdfs:`` with libhdfs, ``s3:``); else none (the zone is
    then UTC, as Spark stores an instant)."""
    import pyarrow.fs as pafs
    import pyarrow.parquet as pq

    try:
        fs, path = pafs.FileSystem.from_uri(
            uri.replace("file:/", "file:///", 1) if uri.startswith("file:/") and not uri.startswith("file:///") else uri
        )
        schema = pq.read_schema(path, filesystem=fs)
    except Exception:  # noqa: BLE001 (no filesystem for this scheme here)
        return {}
    return {f.name: f.type.tz for f in schema if getattr(f.type, "tz", None)}


def entries(pinned: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The run's inputs for the pinned parts, labelled as a staged dataset folder's parts
    (``data/purchase_lines/<path>``) with URI, sha256, size and modification time."""
    return {
        f"data/{NAME}/{p['path']}": {
            "path": p["uri"],
            "sha256": p["sha256"],
            "size": str(p["size"]),
            "mtime_ms": str(p["mtime_ms"]),
        }
        for p in pinned["parts"]
    }


def validate_pinned(con: Any, pinned: dict[str, Any], report: ValidationReport, regions: list[str] | None) -> int:
    """The contract's rules on the pinned parts, on the engine (``engine.validate.check_scan``:
    the same problems, named ``purchase_lines/<part>``, as for a dataset folder in the
    package); the row count."""
    from ..contract.spec import TABLES
    from .validate import check_scan

    try:
        return check_scan(pinned_scan(con, pinned), TABLES[NAME], report, regions)
    except Exception as e:  # the engine's own read errors, named for the table
        report.add(Problem("error", NAME, f"cannot be read: {first_line(e)[:200]}"))
        return 0

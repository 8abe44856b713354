"""The package is parsed and validated once per run; the kernels read its typed tables.

After the runner has validated the run's snapshot of the data package (``run/snapshot.py``),
:func:`write_typed` writes each small table exactly as :func:`audit_lib.contract.load_package`
returns it (dtypes, index, column order, text cells as ``str`` or ``None``) to an Arrow IPC file
in ``typed/`` of the run's working folder, with a stamp (``typed/stamp.json``) that records the
sha256 of every snapshot file the tables came from and of every typed file, and what else the
package holds (its files, large tables and warnings). A notebook's ``start()`` in that run calls
:func:`load_typed`, which checks the stamp and reads the typed files instead of parsing the
CSV files again in every kernel.

A typed file or a snapshot file whose sha256 is not the stamp's is never used: ``start()``
fails with :class:`TypedSnapshotError` naming the file. The run's working folder is the run's
own and its files are read-only, so a difference means something changed it after validation,
and what would be analysed is no longer what was validated (re-parsing a changed snapshot would
analyse bytes the manifest does not record). Without a stamp for the data folder (work in
JupyterLab, a notebook run outside ``audit run``), the package is parsed as before.

Imported by every notebook kernel: nothing heavy at module level (pyarrow only when reading).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

import pandas as pd

from ..contract.metadata import read_metadata
from ..contract.package import DataPackage, LargeTable
from ..contract.problems import Problem, ValidationReport
from .manifest import sha256_file

TYPED = "typed"  # the typed tables, relative to the run's working folder
STAMP = "stamp.json"
STAMP_VERSION = 1


class TypedSnapshotError(RuntimeError):
    """A typed table or a snapshot file of the run differs from what the run validated."""


# ------------------------------------------------------------------------------ writing (the runner)
def write_typed(
    run_dir: Path, package: DataPackage, report: ValidationReport, sources: dict[str, str], regions: Collection[str]
) -> Path:
    """Write the validated ``package``'s small tables and the stamp into ``run_dir/typed``
    (read-only files); ``sources`` are the snapshot files' sha256 by file name, ``regions``
    the region codes the package was validated against. Return the stamp's path.

    ``report`` is the validation's report; the problems of the large tables are left out, as a
    notebook's load (which does not re-check them in a run) does not have them."""
    import pyarrow as pa

    folder = run_dir / TYPED
    folder.mkdir()
    large_files = {t.path.name for t in package.large.values()}
    tables: dict[str, dict[str, Any]] = {}
    for name, frame in package.tables.items():
        path = folder / f"{name}.arrow"
        table = pa.Table.from_pandas(frame, preserve_index=None)  # a RangeIndex as such
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.chmod(path, 0o444)
        tables[name] = {"file": path.name, "sha256": sha256_file(path), "dtypes": _dtypes(frame)}
    stamp = {
        "version": STAMP_VERSION,
        "data_dir": str(Path(package.root).resolve()),
        "regions": sorted(regions),
        "sources": dict(sorted(sources.items())),
        "files": [[name, p.name] for name, p in package.files.items()],
        "large": list(package.large),
        "tables": tables,
        "warnings": [dataclasses.asdict(p) for p in report.problems if p.file not in large_files],
        "suppressed": [[f, c, r, n] for (f, c, r), n in report.suppressed.items() if f not in large_files],
    }
    path = folder / STAMP
    path.write_text(json.dumps(stamp, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.chmod(path, 0o444)
    return path


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c): str(t) for c, t in frame.dtypes.items()}


# ------------------------------------------------------------------------------ reading (the kernels)
def load_typed(run_dir: Path, data_dir: Path, regions: Collection[str]) -> DataPackage | None:
    """The package as :func:`~audit_lib.contract.load_package` returns it for ``data_dir``
    in this run (large tables not re-checked), read from the typed tables; None when the run
    has no stamp for this data folder and these regions (then parse the package). Raises
    :class:`TypedSnapshotError` naming the file when a snapshot or typed file differs from the
    stamp."""
    stamp_path = run_dir / TYPED / STAMP
    if not stamp_path.is_file():
        return None
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
        applies = (
            stamp["version"] == STAMP_VERSION
            and Path(stamp["data_dir"]) == Path(data_dir).resolve()
            and stamp["regions"] == sorted(regions)
        )
    except (ValueError, KeyError, TypeError) as e:
        raise TypedSnapshotError(
            f"The run's stamp {TYPED}/{STAMP} cannot be read ({type(e).__name__}); the run's "
            "working folder was changed after validation. Run again."
        ) from None
    if not applies:
        return None
    root = Path(data_dir)
    _check_sources(root, stamp["sources"])
    files = {name: root / file for name, file in stamp["files"]}
    tables = {name: _read_table(run_dir / TYPED, entry) for name, entry in stamp["tables"].items()}
    return DataPackage(
        root=root,
        tables=tables,
        large={n: LargeTable(n, files[n], -1) for n in stamp["large"]},
        files=files,
        report=_report(stamp),
        metadata=read_metadata(root, ValidationReport()),
    )


def _check_sources(root: Path, sources: dict[str, str]) -> None:
    """Every snapshot file has the sha256 it had when it was validated."""
    for file, sha in sources.items():
        path = root / file
        if not path.is_file() or sha256_file(path) != sha:
            what = "is missing" if not path.is_file() else "changed"
            raise TypedSnapshotError(
                f"The data snapshot file {path} {what} after the run validated it; its typed "
                "tables are not used and nothing is analysed from it. Run again."
            )


def _read_table(folder: Path, entry: dict[str, Any]) -> pd.DataFrame:
    """One typed table: the bytes read are the bytes hashed, then typed as recorded."""
    import pyarrow as pa

    path = folder / entry["file"]
    data = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        what = "is missing" if not path.is_file() else "does not match the sha256 its stamp records"
        raise TypedSnapshotError(
            f"The run's typed table {TYPED}/{entry['file']} {what}; it is not used. The run's "
            "working folder was changed after validation. Run again."
        )
    table = pa.ipc.open_file(pa.py_buffer(data)).read_all()
    frame: pd.DataFrame = table.to_pandas()  # copy-on-write: a change to a column copies it, never Arrow's buffer
    for column, dtype in entry["dtypes"].items():
        if dtype == "object":  # text: str or None in each cell, as parsed (Arrow would give pandas' str dtype)
            frame[column] = pd.Series(table.column(column).to_pylist(), index=frame.index, dtype=object)
    if _dtypes(frame) != entry["dtypes"]:
        raise TypedSnapshotError(
            f"The run's typed table {TYPED}/{entry['file']} does not read back with the types "
            "its stamp records; it is not used. Run again."
        )
    return frame


def _report(stamp: dict[str, Any]) -> ValidationReport:
    """The warnings of the validation, as a notebook's load would have found them."""
    report = ValidationReport()
    for p in stamp["warnings"]:
        report.add(Problem(**p))
    for file, column, rule, n in stamp["suppressed"]:
        report.add_count(file, column, rule, n, "warning")
    return report

"""The inputs of ``audit run`` in its staging folder (``run/runner.py``): the package's files
found, copied into a read-only snapshot and validated once (``run/snapshot.py``), its small
tables written typed for the kernels (``run/typed.py``), every input hashed, and the resolved
parameters and the validation stamp written."""

from __future__ import annotations

from pathlib import Path

from ..contract import validate_package
from ..contract.metadata import METADATA_FILE
from ..contract.package import DataPackage, find_table_files
from ..contract.problems import ValidationReport
from ..params import ParamsError, dump_params
from ..safepaths import PathError
from .manifest import collect_inputs, write_validation_stamp
from .snapshot import SNAPSHOT, take_snapshot
from .state import RESULTS, RunError, RunPlan, Staging
from .typed import write_typed


def package_files(data: Path | None) -> dict[str, Path]:
    """The data package's table files (and ``datapackage.json``: is the package synthetic?)."""
    if data is None:
        return {}
    found = ValidationReport()
    originals = find_table_files(data, found)
    if (data / METADATA_FILE).is_file():
        originals[METADATA_FILE] = data / METADATA_FILE
    if not found.ok:
        raise RunError(f"The data package {data} breaks the contract; nothing was run.\n{found.format()}", 1)
    return originals


def stage_inputs(p: RunPlan, st: Staging) -> None:
    """Snapshot and validate the data package, hash every input, and write what the kernels
    read besides the data (the resolved parameters, the validation stamp, the typed tables)."""
    snap_hashes: dict[str, str] = {}
    validated: tuple[DataPackage, ValidationReport] | None = None
    if p.data is not None:
        validated, snap_hashes = _snapshot(p, st)
    try:
        st.inputs = collect_inputs(p.params, p.params_path, st.originals)
    except (ParamsError, PathError) as e:
        raise RunError(str(e)) from None
    moved = [
        f"data/{n}: changed while it was read"
        for n, h in snap_hashes.items()
        if st.inputs.get(f"data/{n}", {}).get("sha256") != h
    ]
    if moved:
        raise RunError("Input files changed while the run read them; nothing was run:\n  " + "\n  ".join(moved), 1)
    (st.folder / RESULTS).mkdir()
    (st.folder / "params.resolved.yaml").write_text(dump_params(p.params), encoding="utf-8")
    if validated is not None:
        write_validation_stamp(st.folder, st.folder / SNAPSHOT, snap_hashes)
        write_typed(st.folder, *validated, snap_hashes, list(p.params.regions))


def _snapshot(p: RunPlan, st: Staging) -> tuple[tuple[DataPackage, ValidationReport], dict[str, str]]:
    """Copy the package into the staging folder and validate the copy; the validated package
    with its report, and the copy's files' sha256."""
    p.say(f"Validating the data package {p.data} ...")
    try:
        _, snap_hashes = take_snapshot(st.originals, st.folder / SNAPSHOT)
    except OSError as e:
        raise RunError(f"The data package {p.data} cannot be read; nothing was run: {e}", 1) from None
    snapped, report = validate_package(st.folder / SNAPSHOT, regions=list(p.params.regions))
    st.synthetic = snapped.metadata.synthetic
    if not report.ok:
        raise RunError(f"The data package {p.data} breaks the contract; nothing was run.\n{report.format()}", 1)
    if report.warnings:
        p.say(report.format())
    return (snapped, report), snap_hashes

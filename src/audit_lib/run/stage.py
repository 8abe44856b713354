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
from ..engine.connect import EngineError, first_line
from .manifest import collect_inputs, sha256_file, write_validation_stamp
from .snapshot import SNAPSHOT, in_place_inputs, pin_in_place, take_snapshot
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
    located = p.params.engine.purchase_lines
    if located and "purchase_lines" in st.originals:
        raise RunError(
            f"purchase_lines is ambiguous: the data package {p.data} has {st.originals['purchase_lines'].name} "
            f"and engine.purchase_lines says {located}; remove one of them. Nothing was run.",
            1,
        )
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
    if validated is not None and located:  # the parts where they live, and the pin the kernels read
        st.inputs = dict(sorted((st.inputs | in_place_inputs(st.folder / SNAPSHOT)).items()))
        pin_file = validated[0].files["purchase_lines"]
        snap_hashes = snap_hashes | {pin_file.name: sha256_file(pin_file)}
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
    if p.params.engine.purchase_lines:  # listed, hashed and validated where it lives, not copied
        p.say(f"Listing, hashing and validating purchase_lines at {p.params.engine.purchase_lines} ...")
        try:
            pin_in_place(p.params.engine, snapped, report, st.folder / SNAPSHOT, list(p.params.regions))
        except EngineError as e:
            raise RunError(f"{e}; nothing was run.", 1) from None
    st.synthetic = snapped.metadata.synthetic
    if not report.ok:
        raise RunError(f"The data package {p.data} breaks the contract; nothing was run.\n{report.format()}", 1)
    if report.warnings:
        p.say(report.format())
    return (snapped, report), snap_hashes


def current_inputs(p: RunPlan, st: Staging) -> dict[str, dict[str, str]]:
    """Every input of the run as it is now, for the check before publishing: the local files
    hashed again and, for ``engine.purchase_lines``, the pinned parts listed and hashed again
    where they live (``run/snapshot.py``)."""
    now = collect_inputs(p.params, p.params_path, st.originals)
    if p.data is not None and p.params.engine.purchase_lines:
        from .snapshot import relist_in_place

        try:
            now |= relist_in_place(p.params.engine, st.folder / SNAPSHOT)
        except Exception as e:  # Spark's own errors (a folder gone): the run fails, nothing published
            raise OSError(
                f"purchase_lines at {p.params.engine.purchase_lines} cannot be listed again: {first_line(e)}"
            ) from None
    return dict(sorted(now.items()))

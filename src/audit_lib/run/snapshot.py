"""What is validated is what is analysed: a run reads its data package from a snapshot.

Before anything is validated, every table file of the package is copied into the run's
working folder (``inputs/``) and the copy is hashed, so the hash recorded in the
manifest is the hash of exactly the bytes that are validated and analysed. The user's data
folder is only ever read. Before the run is published, every input (data, parameters,
evidence register) is hashed again where it lives; a file that changed during the run fails
the run, and nothing is published.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from typing import TYPE_CHECKING

from .manifest import sha256_file, tree_files

if TYPE_CHECKING:  # pragma: no cover
    from ..contract.package import DataPackage
    from ..contract.problems import ValidationReport
    from ..params import EngineParams

SNAPSHOT = "inputs"  # the snapshot folder, relative to the run's working folder


def copy_hashed(src: Path, dst: Path) -> str:
    """Copy ``src`` to ``dst`` and return the sha256 of the copy (the bytes the kernels read).
    Only a regular file is opened (a FIFO or device named like a table would block or never
    end)."""
    st = os.stat(src)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{src.name} is not a regular file")
    shutil.copyfile(src, dst)
    shutil.copystat(src, dst)
    os.chmod(dst, 0o444)  # the snapshot is read-only to the kernels
    return sha256_file(dst)


def take_snapshot(files: dict[str, Path], dst: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Copy the package's table files into ``dst``; return the copies and their sha256 by
    file name (as ``manifest.collect_inputs`` names them). A table given as a dataset folder
    (``purchase_lines/``, Parquet part files as Spark writes them) is copied file by file, each
    hashed under its path in the package (``purchase_lines/part-00000.parquet``)."""
    dst.mkdir(parents=True, exist_ok=True)
    copies: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    for name, src in sorted(files.items()):
        target = dst / src.name
        if src.is_dir() and not src.is_symlink():
            for part in tree_files(src):
                rel = part.relative_to(src.parent).as_posix()
                (dst / rel).parent.mkdir(parents=True, exist_ok=True)
                hashes[rel] = copy_hashed(part, dst / rel)
        else:
            hashes[src.name] = copy_hashed(src, target)
        copies[name] = target
    return copies, hashes


def remove_snapshot(folder: Path) -> None:
    """Remove the snapshot (its files are read-only; the folder is the run's own)."""
    if folder.is_dir():
        for p in folder.rglob("*"):
            if p.is_file() and not p.is_symlink():
                os.chmod(p, 0o644)
        shutil.rmtree(folder, ignore_errors=True)


def changed_inputs(recorded: dict[str, dict[str, str]], now: dict[str, dict[str, str]]) -> list[str]:
    """The inputs (labels) whose file changed, appeared or vanished since ``recorded`` (a part
    read in place: also its size or modification time)."""
    out = []
    for label in sorted(set(recorded) | set(now)):
        a, b = recorded.get(label), now.get(label)
        if a is None:
            out.append(f"{label}: appeared during the run")
        elif b is None:
            out.append(f"{label}: disappeared during the run ({a['path']})")
        elif any(a.get(k) != b.get(k) for k in ("sha256", "size", "mtime_ms")):
            moved = [f"{k} {a.get(k)} -> {b.get(k)}" for k in ("size", "mtime_ms") if a.get(k) != b.get(k)]
            out.append(f"{label}: changed during the run" + (f" ({a['path']}: {', '.join(moved)})" if moved else ""))
    return out


# ------------------------------------------------------------------------------ read in place
def pin_in_place(
    engine: EngineParams, package: DataPackage, report: ValidationReport, snapshot: Path, regions: list[str]
) -> None:
    """``engine.purchase_lines`` instead of a copy: its Parquet parts listed and hashed on the
    engine, validated there (the same report as for a copy), and pinned: the list is written
    into the snapshot (read-only) and is the package's ``purchase_lines``, which the notebooks'
    engine reads file by file (``engine/inplace.py``). Raises ``EngineError`` (no Spark, no
    part file at the location)."""
    from ..contract.package import LargeTable
    from ..engine import connect
    from ..engine.inplace import NAME, PIN_SUFFIX, pin, validate_pinned, write_pin

    con = connect(engine)
    pinned = pin(con, str(engine.purchase_lines))
    n = validate_pinned(con, pinned, report, regions)
    path = snapshot / f"{NAME}{PIN_SUFFIX}"
    write_pin(pinned, path)
    os.chmod(path, 0o444)
    package.large[NAME] = LargeTable(NAME, path, n)
    package.files[NAME] = path


def in_place_inputs(snapshot: Path) -> dict[str, dict[str, str]]:
    """The run's inputs for the pinned parts (URI, sha256, size, modification time), labelled
    as a staged folder's parts (``data/purchase_lines/part-00000.parquet``)."""
    from ..engine.inplace import NAME, PIN_SUFFIX, entries, read_pin

    return entries(read_pin(snapshot / f"{NAME}{PIN_SUFFIX}"))


def relist_in_place(engine: EngineParams, snapshot: Path) -> dict[str, dict[str, str]]:
    """The pinned parts as they are now where they live: listed again (size, modification
    time) and hashed again on the executors; a part gone is left out (it disappeared)."""
    from ..engine import connect
    from ..engine.inplace import NAME, PIN_SUFFIX, entries, hash_parts, list_parts, read_pin

    pinned = read_pin(snapshot / f"{NAME}{PIN_SUFFIX}")
    con = connect(engine)
    listed = {p.uri: p for p in list_parts(con, pinned["location"], hashed=False)}
    present = [p["uri"] for p in pinned["parts"] if p["uri"] in listed]
    hashes = hash_parts(con, present) if present else {}
    now = [
        p | {"size": listed[p["uri"]].size, "mtime_ms": listed[p["uri"]].mtime_ms, "sha256": hashes.get(p["uri"], "")}
        for p in pinned["parts"]
        if p["uri"] in listed
    ]
    return entries(pinned | {"parts": now})

"""Paths a run is given: never a system folder, never a tree too large to read.

A path in the parameters (or a data folder) that is ``/``, ``/proc``, ``/etc``, ``/usr/lib`` ...
is refused, symlinks followed (``system_folder``); a folder the run hashes as an input is walked
with a bound on its entries and bytes (``bounded_files``), refused before any of it is read.
"""

from __future__ import annotations

import os
from pathlib import Path


class PathError(ValueError):
    """A path points at a system folder, or at a tree too large to read."""


# refused with everything inside them (pseudo files, devices, the system's own files) ...
SYSTEM_FOLDERS = tuple(
    Path(p)
    for p in (
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/boot",
        "/etc",
        "/bin",
        "/sbin",
        "/lib",
        "/lib32",
        "/lib64",
        "/usr/bin",
        "/usr/sbin",
        "/usr/lib",
        "/usr/lib64",
        "/usr/libexec",
        "/usr/include",
        "/usr/share",
        "/var/run",
        "/var/lib",
        "/var/log",
        "/var/cache",
    )
)
# ... and refused themselves (a project may live in /usr/src/app or /home/me, not in /usr or /home)
SYSTEM_ROOTS = tuple(
    Path(p) for p in ("/usr", "/usr/local", "/var", "/home", "/opt", "/srv", "/mnt", "/media", "/root", "/tmp")
)
MAX_TREE_ENTRIES = 10_000
MAX_TREE_BYTES = 2 * 1024**3


def system_folder(path: Path) -> Path | None:
    """The system folder ``path`` is (or lies in), after following symlinks; else None."""
    p = Path(os.path.realpath(path))
    if p == Path(p.anchor) or p in SYSTEM_ROOTS:
        return p
    return next((s for s in SYSTEM_FOLDERS if p == s or s in p.parents), None)


def bounded_files(root: Path) -> list[Path]:
    """The files under ``root`` (symlinked folders not followed), refusing a tree of more than
    ``MAX_TREE_ENTRIES`` files and folders or ``MAX_TREE_BYTES``, or a symlink into a system
    folder (``PathError``), before reading any of it."""
    entries = size = 0
    files = []
    for folder, dirs, names in os.walk(root):
        entries += len(dirs) + len(names)
        if entries > MAX_TREE_ENTRIES:
            raise PathError(
                f"{root}: holds more than {MAX_TREE_ENTRIES:,} files and folders; "
                "point the parameter at the folder that holds only the files needed"
            )
        for name in names:
            p = Path(folder) / name
            if p.is_symlink() and (sys_dir := system_folder(p)) is not None:
                raise PathError(f"{p}: a link into the system folder {sys_dir}")
            size += p.stat().st_size if p.is_file() else 0
            if size > MAX_TREE_BYTES:
                raise PathError(
                    f"{root}: holds more than {MAX_TREE_BYTES:,} bytes; "
                    "point the parameter at the folder that holds only the files needed"
                )
            files.append(p)
    return files

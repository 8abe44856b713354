"""Where a run may publish, and one run at a time per output folder.

A run writes only into a folder that is missing, empty, or the output of an earlier run of
this tool (its ``manifest.json`` says so, and it holds no file that run did not write). It
never publishes into, over or around the data folder, and a path that is empty (an unset shell
variable), a file or a symlink is refused. The rules are checked before anything is written;
a refusal is a :class:`UnsafeOutput` with a message for the user (exit code 2).

The files a run wrote are listed in ``run-files.json`` in its folder; a later run into the same
folder replaces exactly those, and refuses when the folder holds anything else (a user's notes
saved into the run folder are never deleted).

:func:`output_lock` holds ``.<name>.lock`` beside the folder for the whole run (created
exclusively, holding the run's process id; removed at the end; a lock left by a killed process
is taken over), so two runs into one folder cannot both report success.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

RUN_FILES = "run-files.json"  # the files a run wrote, relative to its folder
MANIFEST = "manifest.json"
SIGNATURES = "signatures.json"  # written by `audit sign` into a finished run


class UnsafeOutput(Exception):
    """The output folder is not one a run may write into; nothing was written."""


def _inside(a: Path, b: Path) -> bool:
    """``a`` is ``b`` or lies inside it."""
    return a == b or b in a.parents


def written_files(folder: Path) -> list[str]:
    """Every file under ``folder``, relative, sorted (what a run is about to publish)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def _previous_run_files(out: Path) -> set[str] | None:
    """The files the earlier run in ``out`` wrote, or ``None`` when ``out`` is not the output
    of a run of this tool."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "manifest_version" not in manifest or "notebooks" not in manifest:
        return None
    try:
        listed = json.loads((out / RUN_FILES).read_text(encoding="utf-8"))
        return set(listed["files"]) | {RUN_FILES, SIGNATURES}
    except (OSError, ValueError, KeyError, TypeError):
        # a run from before run-files.json: its known layout
        return {p for p in written_files(out) if _known_layout(p)}


_TOP_FILES = {MANIFEST, "cache.json", "params.resolved.yaml", "validation.json", "index.html", RUN_FILES, SIGNATURES}
_TOP_DIRS = {"results", "notebooks", "internal", "site"}


def _known_layout(rel: str) -> bool:
    parts = rel.split("/")
    if len(parts) > 1:
        return parts[0] in _TOP_DIRS
    return rel in _TOP_FILES or rel.endswith((".html", ".pdf", ".xlsx"))


def check_output_folder(
    out_arg: str | Path | None, out: Path, data: Path | None, protected: tuple[Path, ...] = ()
) -> None:
    """Refuse an output folder a run must not write into (see the module docstring).

    ``out_arg`` is the path as the user gave it (``""`` is refused: an unset variable), ``out``
    its resolved form; ``data`` the data folder; ``protected`` other folders (the project)
    that must never be the output folder or lie inside it."""
    if out_arg is not None and str(out_arg).strip() == "":
        raise UnsafeOutput(
            "--out is empty (an unset shell variable?); name the output folder, "
            "e.g. --out outputs/my-run. Nothing was written."
        )
    out = Path(os.path.abspath(out))
    if Path(out_arg or out).is_symlink():
        raise UnsafeOutput(f"{out_arg or out} is a symbolic link; give the real folder. Nothing was written.")
    if out == Path(out.anchor):
        raise UnsafeOutput(f"{out} is the root of the file system. Nothing was written.")
    if data is not None:
        d = data.resolve()
        if _inside(out, d):
            raise UnsafeOutput(
                f"the output folder {out} is {'the data folder' if out == d else 'inside the data folder ' + str(d)}: "
                "a run never writes into the data package. Choose another --out. Nothing was written."
            )
        if _inside(d, out):
            raise UnsafeOutput(
                f"the output folder {out} contains the data folder {d}: publishing would replace it. "
                "Choose another --out. Nothing was written."
            )
    for p in protected:
        if _inside(p.resolve(), out):
            raise UnsafeOutput(
                f"the output folder {out} contains {p}: publishing would replace it. "
                "Choose another --out. Nothing was written."
            )
    if out.exists() and not out.is_dir():
        raise UnsafeOutput(f"{out} exists and is not a folder; a run publishes a folder. Nothing was written.")
    if not out.exists() or not any(out.iterdir()):
        return
    previous = _previous_run_files(out)
    if previous is None:
        raise UnsafeOutput(
            f"{out} is not empty and is not the output of an earlier audit run (no manifest.json of this "
            "tool): its files would be replaced. Choose an empty or new --out. Nothing was written."
        )
    foreign = [p for p in written_files(out) if p not in previous]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UnsafeOutput(
            f"{out} holds files the earlier run did not write ({shown}); a new run would delete them. "
            "Move them out of the run folder, or choose another --out. Nothing was written."
        )


def _alive(pid: int) -> bool:
    from .execute import process_alive

    return process_alive(pid)


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run stops with a clear message."""
    lock = lock_path(out)
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = int(lock.read_text(encoding="ascii").strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and _alive(holder):
                raise UnsafeOutput(
                    f"another run (process {holder}) is writing to {out}; wait for it to finish, "
                    "or choose another --out."
                ) from None
            lock.unlink(missing_ok=True)  # left by a killed run
            continue
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        break
    else:
        raise UnsafeOutput(f"could not take the lock {lock} for {out}; another run is starting there.")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def write_run_files(staging: Path) -> None:
    """List every file of the finished run (written last, before the run is published)."""
    files = [p for p in written_files(staging) if p != RUN_FILES]
    (staging / RUN_FILES).write_text(json.dumps({"files": files}, indent=1) + "\n", encoding="utf-8")

"""The run manifest: what was run, on what, with which code. Timestamps live only here."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from ..params import RunParams, dump_params
from .execute import NotebookRun
from .notebooks import PROJECT_ROOT

PACKAGES = ("audit-lib", "duckdb", "matplotlib", "nbconvert", "numpy", "pandas", "pandera", "papermill",
            "pyarrow", "pyfixest", "scipy", "statsmodels")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hashes(files: dict[str, Path]) -> dict[str, str]:
    return {p.name: sha256_file(p) for _, p in sorted(files.items())}


def write_validation_stamp(run_dir: Path, data_dir: Path, hashes: dict[str, str]) -> None:
    """Record that the package with these file hashes passed validation in this run, so the
    notebooks of the run need not re-check the large tables."""
    (run_dir / "validation.json").write_text(
        json.dumps({"data_dir": str(data_dir), "files": hashes}, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )


def validated_in_run(run_dir: Path, data_dir: Path) -> bool:
    stamp = run_dir / "validation.json"
    if not stamp.is_file():
        return False
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    if Path(recorded.get("data_dir", "")) != Path(data_dir).resolve():
        return False
    files = recorded.get("files", {})
    return all((data_dir / n).is_file() and sha256_file(data_dir / n) == h for n, h in files.items())


def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def build_manifest(
    params: RunParams, params_path: Path, data_dir: Path, hashes: dict[str, str], runs: list[NotebookRun],
    started: float, ended: float, language: str,
) -> dict[str, Any]:
    resolved = dump_params(params)
    return {
        "code": git_state(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "params_file": str(params_path),
        "params_sha256": hashlib.sha256(resolved.encode("utf-8")).hexdigest(),
        "language": language,
        "data_dir": str(data_dir),
        "inputs": hashes,
        "started": _iso(started),
        "ended": _iso(ended),
        "notebooks": [
            {"name": r.name, "status": r.status, "seconds": round(r.seconds, 2), "error": r.error}
            for r in runs
        ],
    }


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc).isoformat(timespec="seconds")

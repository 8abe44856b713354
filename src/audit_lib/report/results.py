"""The results recorder: every figure a report states, as JSON at ``results/<notebook>.json``.

Values are written from the objects themselves (never scraped from HTML), converted to plain
JSON: numpy scalars to numbers, NaN to null, dates to ISO strings, frames to lists of records.
Keys are sorted and the file ends with a newline, so identical results give identical bytes.
The file is written aside and moved into place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = sorted(value) if isinstance(value, set) else value
        return [to_jsonable(v) for v in items]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.tolist())
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if hasattr(value, "to_json") and callable(value.to_json):
        return to_jsonable(value.to_json())
    return value


def dumps(results: dict[str, Any]) -> str:
    return json.dumps(to_jsonable(results), sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_json_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_results(results_dir: Path, name: str) -> dict[str, Any] | None:
    """The results JSON a notebook recorded in the folder; None when it has none."""
    p = Path(results_dir) / f"{name}.json"
    if not p.is_file():
        return None
    data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return data


def read_all_results(results_dir: Path | None, skip: Iterable[str] = ()) -> dict[str, dict[str, Any]] | None:
    """Every results JSON in a folder, by notebook name in name order, less those in ``skip``;
    None when no folder is given or it is not there."""
    if results_dir is None or not Path(results_dir).is_dir():
        return None
    names = [p.stem for p in sorted(Path(results_dir).glob("*.json"))]
    return {name: read_results(results_dir, name) or {} for name in names if name not in set(skip)}


def executed_notebooks(results_dir: Path) -> set[str] | None:
    """The notebooks a run executed (``notebooks/*.ipynb`` beside ``results/``); None when there
    is no such folder (an interactive session)."""
    executed = Path(results_dir).parent / "notebooks"
    return {p.stem for p in executed.glob("*.ipynb")} if executed.is_dir() else None

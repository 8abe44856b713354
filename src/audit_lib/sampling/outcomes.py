"""The sample as a file and the recorded file reviews: the sample's CSV, where the outcomes are and
reading them (errors name the row and column)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .design import SamplingError
from .selection import Sample


def read_outcomes(path: Any) -> pd.DataFrame:
    """The recorded file-review outcomes: a CSV (``,`` or ``;``) with ``procurement_id`` and
    ``misstatement_sek`` (overstatement found; 0 when none). Errors name row and column."""
    df = pd.read_csv(path, dtype={"procurement_id": str}, sep=None, engine="python")
    for col in ("procurement_id", "misstatement_sek"):
        if col not in df.columns:
            raise SamplingError(f"column {col!r} is missing")
    values = pd.to_numeric(df["misstatement_sek"].astype(str).str.replace(",", ".", regex=False), errors="coerce")
    bad = df.index[values.isna()]
    if len(bad):
        raise SamplingError(
            f"row {bad[0] + 2}, column misstatement_sek: not a number ({df.at[bad[0], 'misstatement_sek']!r})"
        )
    return df.assign(misstatement_sek=values)


# ------------------------------------------------------------------ the sample as a file
OUTCOMES_FILE = "sampling-outcomes.csv"  # the file reviews' outcomes, in the evidence register's folder


def sample_csv(sample: Sample) -> str:
    """The sample's items as CSV text (``audit sample`` writes it; a run records its sha256)."""
    items = sample.items.assign(completed_date=sample.items["completed_date"].dt.date)
    text: str = items.to_csv(index=False, float_format="%.2f", lineterminator="\n")
    return text


def outcomes_path(params: Any) -> Any:
    """Where the recorded file-review outcomes are: ``sampling.outcomes_file`` when set, else
    ``sampling-outcomes.csv`` in the evidence register's folder when it is there; else None
    (the files are yet to be reviewed)."""
    if params.sampling is not None and params.sampling.outcomes_file:
        return params.path(params.sampling.outcomes_file)
    register = params.path(params.evidence)
    if register is None:
        return None
    found = (register if register.is_dir() else register.parent) / OUTCOMES_FILE
    return found if found.is_file() else None


def load_outcomes(params: Any) -> pd.DataFrame | None:
    """The recorded outcomes (``read_outcomes``) of the file the parameters point to, or None;
    an error names the file."""
    path = outcomes_path(params)
    if path is None:
        return None
    try:
        return read_outcomes(path)
    except (OSError, ValueError) as e:
        raise SamplingError(f"{path}: {e}") from e

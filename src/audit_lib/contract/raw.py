"""What reading a table file gives (:class:`RawTable`, raw cell values by the row a person sees)
or the one problem that stops it (:class:`ReadError`), and the header and cell helpers the CSV,
xlsx and Parquet readers share."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .problems import Problem


@dataclass
class RawTable:
    frame: pd.DataFrame  # object dtype, index = row number as seen by a person
    encoding: str | None = None
    separator: str | None = None


class ReadError(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.format())


def normalise_header(name: object) -> str:
    return str(name).strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def _drop_empty_unnamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns without a header and without values (a trailing separator) are dropped."""
    keep = [c for c in frame.columns if not (str(c).startswith("unnamed_") and not frame[c].map(_present).any())]
    return frame.loc[:, keep] if len(keep) != frame.shape[1] else frame


def _first_line(e: BaseException) -> str:
    """An exception's message without file paths' folders and without its later lines."""
    lines = str(e).strip().splitlines()
    return lines[0][:300] if lines else type(e).__name__


def _present(v: object) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and v != v:
        return False
    if v is pd.NaT or v is pd.NA:
        return False
    return not (isinstance(v, str) and not v.strip())

"""What the steps of ``audit run`` share (``run/runner.py``): the plan, the staging folder's
state, the result and the error that stops a run before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..params import RunParams
from .cache import Fingerprint
from .execute import NotebookRun
from .manifest import display_path
from .notebooks import NotebookInfo
from .snapshot import SNAPSHOT

RESULTS = "results"  # the results folder, relative to the run folder (the kernels' working folder)


class RunError(Exception):
    """The run could not start (bad parameters or data); nothing was written."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class RunResult:
    out_dir: Path
    runs: list[NotebookRun] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.runs)

    @property
    def executed(self) -> list[str]:
        return [r.name for r in self.runs if not r.reused]

    @property
    def reused(self) -> list[str]:
        return [r.name for r in self.runs if r.reused]


def notebook_parameters(params_path: Path, language: str, has_data: bool = True) -> dict[str, str]:
    """The values papermill injects. None depends on the staging folder: the parameters file is
    given relative to the project root when inside it, the data is the run's snapshot of the
    package (``inputs`` in the working folder; empty for a run without a data package) and
    results go to ``results`` beside it."""
    return {
        "params_file": display_path(params_path),
        "data_dir": SNAPSHOT if has_data else "",
        "results_dir": RESULTS,
        "language": language,
    }


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, decided before anything is written (``plan``)."""

    params_path: Path
    params: RunParams
    data: Path | None
    out: Path
    notebooks: list[NotebookInfo]
    lang: str
    notebook_dir: Path
    jobs: int
    force: bool
    signed: bool
    say: Callable[[str], None]
    started: float


@dataclass
class Staging:
    """The run's staging folder and what the run knows once its inputs are in place: the
    code and environment, the previous run's cache record, the inputs' hashes and each
    notebook's fingerprint (filled in as the notebooks are executed or reused)."""

    folder: Path
    originals: dict[str, Path]
    code: dict[str, Any]
    env: dict[str, Any]
    previous: dict[str, Any]
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    synthetic: bool = False
    fingerprints: dict[str, Fingerprint] = field(default_factory=dict)
    previous_pdf: dict[str, str] = field(default_factory=dict)  # the previous run's PDF record (cache.json)
    pdf: dict[str, str] = field(default_factory=dict)  # this run's

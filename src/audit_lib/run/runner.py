"""``audit run``: validate, execute every notebook, render, index, publish atomically.

1. The parameters are validated (strict schema), then the data package (every problem at
   once). Any error stops the run before anything is written.
2. Notebooks run with papermill in separate processes (``jobs`` at a time) into a staging
   folder beside the output folder; summary-type notebooks (``order >= 900``) run last.
3. Each executed notebook is made deterministic and rendered to self-contained HTML; failed
   notebooks are rendered with their failing cell and traceback under a banner, and their
   results JSON says ``"status": "failed"``.
4. The index, the resolved parameters and the manifest are written; then the staging folder
   replaces the output folder in one rename. A crash leaves the previous output untouched.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import validate_package
from ..params import dump_params, load_params
from ..report.results import dumps, write_json_atomic
from .execute import NotebookRun, execute_notebook
from .manifest import build_manifest, input_hashes, write_validation_stamp
from .notebooks import NOTEBOOK_DIR, PROJECT_ROOT, NotebookInfo, discover, select
from .publish import render_reports
from .site import build_site


class RunError(Exception):
    """The run could not start (bad parameters or data); nothing was written."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class RunResult:
    out_dir: Path
    runs: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.runs)


def _parameters(params_file: Path, data_dir: Path, results_dir: Path, language: str) -> dict[str, str]:
    return {"params_file": str(params_file), "data_dir": str(data_dir), "results_dir": str(results_dir),
            "language": language}


def _run_one(info: NotebookInfo, staging: Path, params: dict[str, str]) -> NotebookRun:
    dst = staging / "notebooks" / f"{info.name}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    return execute_notebook(info.path, dst, params, info.path.parent, info.name)


def run(
    params_path: str | Path, data_dir: str | Path | None = None, out_dir: str | Path | None = None,
    only: list[str] | None = None, jobs: int = 1, language: str | None = None,
    notebook_dir: Path = NOTEBOOK_DIR, progress: Callable[[str], None] | None = None,
) -> RunResult:
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.time()
    try:
        params = load_params(params_path)
    except Exception as e:  # ParamsError carries the precise message
        raise RunError(str(e)) from None
    lang = language or params.language
    data = Path(data_dir).resolve() if data_dir else params.data_path
    if params.generate_demo_data and not (data / "procurements.csv").exists() and data_dir is None:
        from ..demo.generate import generate

        say(f"Creating the demo data package in {data} ...")
        generate(data)
    out = Path(out_dir) if out_dir else PROJECT_ROOT / "outputs" / params.run_name
    out = out.resolve()
    try:
        notebooks = select(discover(notebook_dir), only or params.notebooks)
    except ValueError as e:
        raise RunError(str(e)) from None

    say(f"Validating the data package {data} ...")
    package, report = validate_package(data)
    if not report.ok:
        raise RunError(f"The data package {data} breaks the contract; nothing was run.\n{report.format()}", 1)
    if report.warnings:
        say(report.format())

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    result = RunResult(out)
    try:
        results_dir = staging / "results"
        results_dir.mkdir()
        resolved = staging / "params.resolved.yaml"
        resolved.write_text(dump_params(params), encoding="utf-8")
        hashes = input_hashes(package.files)
        write_validation_stamp(staging, data, hashes)
        nb_params = _parameters(Path(params_path).resolve(), data, results_dir, lang)
        phases = [[n for n in notebooks if not n.after_all], [n for n in notebooks if n.after_all]]
        total, done = len(notebooks), 0
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            for phase in phases:
                futures = {pool.submit(_run_one, n, staging, nb_params): n for n in phase}
                for fut in as_completed(futures):
                    r = fut.result()
                    done += 1
                    result.runs.append(r)
                    mark = "ok" if r.status == "ok" else f"FAILED at cell {r.failed_cell}: {r.error}"
                    say(f"[{done}/{total}] {r.name}: {mark} ({r.seconds:.1f} s)")
        order = {n.name: i for i, n in enumerate(notebooks)}
        result.runs.sort(key=lambda r: order[r.name])
        render_reports(result.runs, staging, params, lang)
        build_site(staging, lang)
        manifest = build_manifest(params, Path(params_path), data, hashes, result.runs, started, time.time(), lang)
        write_json_atomic(staging / "manifest.json", dumps(manifest))
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"Published {out} ({'all ok' if result.ok else 'WITH FAILURES'}).")
    return result


def _publish(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` (the old output is removed only after the swap)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)

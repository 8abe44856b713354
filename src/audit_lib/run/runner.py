"""``audit run``: validate, execute every notebook, render, index, publish atomically.

1. The parameters are validated (strict schema), then the data package (every problem at
   once). Any error stops the run before anything is written.
2. Each notebook's cache key (code, parameters, inputs: ``run/cache.py``) is compared with
   the previous run in the same output folder; an unchanged notebook's outputs are copied
   from it instead of executing it (``force`` executes all).
3. The other notebooks run with papermill in separate processes (``jobs`` at a time) into a
   staging folder beside the output folder, with the staging folder as working folder and only
   stable paths injected (``results_dir = "results"``), so that where a run is staged never
   shows in its outputs. Notebooks with ``order >= 900`` (summary, follow-up) read the others'
   results and run after all of them, one after another in their order.
4. The manifest is built (``manifest.json``; times live only there), each executed notebook is
   made deterministic and rendered to self-contained HTML with the provenance appendix; failed
   notebooks are rendered with their failing cell and traceback under a banner, and their
   results JSON says ``"status": "failed"``.
5. The index, the resolved parameters, the manifest and the cache record are written; then the
   staging folder replaces the output folder in one rename. A crash leaves the previous output
   untouched (a staging folder left by a killed run is removed by the next run).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract import validate_package
from ..contract.metadata import METADATA_FILE
from ..contract.package import find_table_files
from ..contract.problems import ValidationReport
from ..evidence import load_register
from ..params import ParamsError, RunParams, dump_params, load_params
from ..safepaths import PathError, system_folder
from ..report.results import dumps, write_json_atomic
from ..report.workbook import write_workbook
from .cache import (cache_entry, cache_json, copy_html, copy_outputs, fingerprint, html_reusable, html_with_new_appendix,
                    internal_reusable, read_cache, reusable, why_rerun)
from .execute import NotebookRun, execute_notebook, failed_placeholder, process_alive, remove_orphan_socket_dirs
from .manifest import (appendix_html, build_manifest, code_state, collect_inputs, display_path, environment,
                       notebook_entry, write_validation_stamp)
from .signoff import archive_signed, is_signed
from .outdir import UnsafeOutput, check_output_folder, output_lock, write_run_files
from .snapshot import SNAPSHOT, changed_inputs, remove_snapshot, take_snapshot
from .notebooks import NOTEBOOK_DIR, PROJECT_ROOT, NotebookInfo, discover, select
from .publish import render_reports
from .render import Mapper, write_text
from .site import build_site

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
    return {"params_file": display_path(params_path), "data_dir": SNAPSHOT if has_data else "",
            "results_dir": RESULTS, "language": language}


def _run_one(info: NotebookInfo, staging: Path, params: dict[str, str]) -> NotebookRun:
    dst = staging / "notebooks" / f"{info.name}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    return execute_notebook(info.path, dst, params, staging, info.name)


@contextmanager
def _render_pool(jobs: int) -> Iterator[Mapper]:
    """How report pages are rendered: ``jobs`` at a time in worker processes (nbconvert takes
    1–2 s a page), or in this process with one job."""
    if jobs <= 1:
        yield map
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield pool.map


def _lost(info: NotebookInfo, staging: Path, exc: BaseException) -> NotebookRun:
    """A notebook whose worker process failed (it never reported back)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    failed_placeholder(info.path, staging / "notebooks" / f"{info.name}.ipynb", text)
    return NotebookRun(info.name, "failed", 0.0, f"{type(exc).__name__}: {exc}", None)


def run(
    params_path: str | Path, data_dir: str | Path | None = None, out_dir: str | Path | None = None,
    only: list[str] | None = None, jobs: int = 1, language: str | None = None,
    notebook_dir: Path = NOTEBOOK_DIR, progress: Callable[[str], None] | None = None, force: bool = False,
    engine: str | None = None,
) -> RunResult:
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.time()
    params_path = Path(params_path)
    try:
        params = load_params(params_path)
        load_register(params.path(params.evidence), params.audit_year, params)  # every problem before any run
    except Exception as e:  # ParamsError and EvidenceError carry the precise message
        raise RunError(str(e)) from None
    lang = language or params.language
    if (engine or params.engine.backend) != "duckdb":
        raise RunError(f"engine {engine or params.engine.backend}: the review's notebooks do not use the Spark engine "
                       "yet (the library path is in audit_lib.engine; see docs/scale.md). Run with the default "
                       "engine, duckdb. Nothing was run.")
    data = Path(data_dir).resolve() if data_dir else params.data_path
    out = (Path(out_dir) if out_dir is not None else PROJECT_ROOT / "outputs" / params.run_name).resolve()
    try:
        for what, p in (("the data folder", data), ("the output folder", out)):
            if p is not None and (system := system_folder(p)) is not None:
                raise UnsafeOutput(f"{what} {p} is or lies in the system folder {system}; nothing was run.")
        check_output_folder(out_dir, out, data, protected=(PROJECT_ROOT, params_path.resolve().parent))
        notebooks = select(discover(notebook_dir), only or params.notebooks)
    except (UnsafeOutput, ValueError) as e:
        raise RunError(str(e)) from None
    if data is not None and not data.is_dir():
        hint = (f" For the demo, write the demo package first: `audit demo-data {display_path(data)}` (or `make demo`)."
                if params.generate_demo_data else "")
        raise RunError(f"The data package {data} does not exist; nothing was run.{hint}", 1)
    signed = out.is_dir() and is_signed(out)
    if signed and not force:
        raise RunError(f"{out} holds a signed run; it is not overwritten. Run into another --out, or give --force "
                       "to move the signed run aside (to <out>.signed-<n>) first.")
    try:
        with output_lock(out):
            if signed:
                say(f"Moved the signed run aside to {archive_signed(out)}.")
            return _run_locked(params_path, params, data, out, notebooks, jobs, lang, notebook_dir, say, force,
                               started)
    except UnsafeOutput as e:
        raise RunError(str(e)) from None


def _run_locked(
    params_path: Path, params: RunParams, data: Path | None, out: Path, notebooks: list[NotebookInfo], jobs: int,
    lang: str, notebook_dir: Path, say: Callable[[str], None], force: bool, started: float,
) -> RunResult:
    """The run proper, while this process holds the output folder's lock."""
    found = ValidationReport()
    originals = find_table_files(data, found) if data is not None else {}
    if data is not None and (data / METADATA_FILE).is_file():  # datapackage.json: is the package synthetic?
        originals[METADATA_FILE] = data / METADATA_FILE
    if not found.ok:
        raise RunError(f"The data package {data} breaks the contract; nothing was run.\n{found.format()}", 1)
    code = code_state([n.path for n in notebooks])
    env = environment()
    previous = {} if force else read_cache(out)

    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    remove_orphan_socket_dirs()
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    result = RunResult(out)
    fingerprints = {}
    try:
        snap_hashes: dict[str, str] = {}
        synthetic = False
        if data is not None:
            say(f"Validating the data package {data} ...")
            try:
                _, snap_hashes = take_snapshot(originals, staging / SNAPSHOT)
            except OSError as e:
                raise RunError(f"The data package {data} cannot be read; nothing was run: {e}", 1) from None
            snapped, report = validate_package(staging / SNAPSHOT, regions=list(params.regions))
            synthetic = snapped.metadata.synthetic
            if not report.ok:
                raise RunError(f"The data package {data} breaks the contract; nothing was run.\n{report.format()}", 1)
            if report.warnings:
                say(report.format())
        try:
            inputs = collect_inputs(params, params_path, originals)
        except (ParamsError, PathError) as e:
            raise RunError(str(e)) from None
        moved = [f"data/{n}: changed while it was read" for n, h in snap_hashes.items()
                 if inputs.get(f"data/{n}", {}).get("sha256") != h]
        if moved:
            raise RunError("Input files changed while the run read them; nothing was run:\n  " + "\n  ".join(moved), 1)
        results_dir = staging / RESULTS
        results_dir.mkdir()
        (staging / "params.resolved.yaml").write_text(dump_params(params), encoding="utf-8")
        if data is not None:
            write_validation_stamp(staging, staging / SNAPSHOT, snap_hashes)
        nb_params = notebook_parameters(params_path, lang, has_data=data is not None)
        total, done = len(notebooks), 0

        def report_run(r: NotebookRun) -> None:
            nonlocal done
            done += 1
            result.runs.append(r)
            if r.reused:
                mark = "unchanged since the last run: outputs reused"
            elif r.status == "ok":
                mark = f"ok ({r.seconds:.1f} s)"
            else:
                mark = f"FAILED at cell {r.failed_cell}: {r.error} ({r.seconds:.1f} s)"
            why = f" [{r.reason}]" if (r.reason and not r.reused and previous) else ""
            say(f"[{done}/{total}] {r.name}: {mark}{why}")

        def cached(info: NotebookInfo) -> NotebookRun | None:
            fp = fingerprint(info, params, lang, code, env, inputs,
                             results_dir if info.after_all else None)
            fingerprints[info.name] = fp
            if reusable(previous, out, info.name, fp):
                copy_outputs(out, staging, info.name)
                return NotebookRun(info.name, "ok", 0.0, reused=True, key=fp.key, reason="unchanged")
            return None

        def finish(info: NotebookInfo, fut: Future) -> NotebookRun:
            try:
                r = fut.result()
            except Exception as e:  # the worker process died or could not start the notebook
                r = _lost(info, staging, e)
            r.key = fingerprints[info.name].key
            r.reason = why_rerun(previous, info.name, fingerprints[info.name]) if previous else "first run"
            return r

        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures: dict[Future, NotebookInfo] = {}
            for info in [n for n in notebooks if not n.after_all]:
                hit = cached(info)
                if hit:
                    report_run(hit)
                else:
                    futures[pool.submit(_run_one, info, staging, nb_params)] = info
            for fut in as_completed(futures):
                report_run(finish(futures[fut], fut))
            for info in [n for n in notebooks if n.after_all]:  # in order: each may read the ones before
                hit = cached(info)
                report_run(hit or finish(info, pool.submit(_run_one, info, staging, nb_params)))
        ended = time.time()

        order = {n.name: i for i, n in enumerate(notebooks)}
        result.runs.sort(key=lambda r: order[r.name])
        manifest = build_manifest(params, params_path, data, inputs, code, env, result.runs, started, ended, lang,
                                  notebook_dir, synthetic=synthetic)
        appendices = {r.name: appendix_html(manifest, lang, r.name) for r in result.runs}
        in_place = set()
        for r in result.runs:  # a reused notebook's report: copied, or with the new appendix
            if not r.reused:
                continue
            if html_reusable(previous, out, r.name, appendices[r.name]):
                copy_html(out, staging, r.name)
                in_place.add(r.name)
            elif (html := html_with_new_appendix(previous, out, r.name, appendices[r.name])) is not None:
                write_text(staging / f"{r.name}.html", html)
                in_place.add(r.name)
        with _render_pool(jobs) as mapper:
            render_reports(result.runs, staging, params, lang, appendix=appendices.get, skip=in_place, mapper=mapper,
                           synthetic=synthetic)
            manifest["notebooks"] = [notebook_entry(r) for r in result.runs]  # statuses as rendered
            result.manifest = manifest
            write_json_atomic(staging / "manifest.json", dumps(manifest))
            internal = {r.name: p for r in result.runs
                        if r.reused and r.status == "ok" and (p := internal_reusable(previous, out, r.name))}
            build_site(staging, lang, reuse_internal=internal, mapper=mapper)
        write_workbook(staging, lang)
        entries = {r.name: cache_entry(fingerprints[r.name], staging, r.name, appendices[r.name])
                   for r in result.runs if r.status == "ok"}
        write_json_atomic(staging / "cache.json", cache_json(entries))
        try:
            changed = changed_inputs(inputs, collect_inputs(params, params_path, originals))
        except (ParamsError, PathError, OSError) as e:
            changed = [f"the inputs cannot be read again: {e}"]
        if changed:
            raise RunError("Inputs changed during the run, so its findings may not match the recorded hashes; "
                           "nothing was published. Run again:\n  " + "\n  ".join(changed), 1)
        remove_snapshot(staging / SNAPSHOT)
        (staging / "validation.json").unlink(missing_ok=True)
        write_run_files(staging)
        _publish(staging, out)
    finally:
        remove_snapshot(staging / SNAPSHOT)
        shutil.rmtree(staging, ignore_errors=True)
    n_reused = len(result.reused)
    extra = f"; {n_reused} unchanged notebook(s) reused, --force reruns all" if n_reused else ""
    say(f"Published {out} ({'all ok' if result.ok else 'WITH FAILURES'}{extra}).")
    return result


def remove_stale(out: Path) -> None:
    """Clean up after runs that were killed (their process no longer exists): remove their
    staging folders, and put back a previous output that a killed run had moved aside but not
    yet replaced. A running run's folders are left alone."""
    for p in sorted(out.parent.glob(f".{out.name}.old-*")) + sorted(out.parent.glob(f".{out.name}.staging-*")):
        pid = p.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        if ".old-" in p.name and not out.exists():
            os.replace(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)


def _publish(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` (the old output is removed only after the swap)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)

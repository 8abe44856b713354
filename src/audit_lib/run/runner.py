"""``audit run``: validate, execute every notebook, render, index, publish atomically.

In four steps, each a function of this module: :func:`plan` (parameters, folders, notebooks;
nothing written), then, holding the output folder's lock and on a staging folder,
:func:`execute` (after :func:`stage_inputs`), :func:`render` and :func:`publish`.

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
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract import validate_package
from ..contract.metadata import METADATA_FILE
from ..contract.package import find_table_files
from ..contract.problems import ValidationReport
from ..evidence import contradictions, load_register, what_if
from ..params import ParamsError, RunParams, dump_params, load_params
from ..params.loading import run_engine
from ..params.settings import ENGINE_ENV
from ..safepaths import PathError, system_folder
from ..questions.sampling import manifest_record as sample_record
from ..report.results import dumps, read_results, write_json_atomic
from ..report.workbook import write_workbook
from .cache import (Fingerprint, cache_entry, cache_json, copy_html, copy_outputs, fingerprint, html_reusable,
                    html_with_new_appendix, internal_reusable, read_cache, reusable, why_rerun)
from .execute import NotebookRun, lost_run, remove_orphan_socket_dirs, run_in_staging
from .manifest import (appendix_html, build_manifest, code_state, collect_inputs, display_path, environment,
                       notebook_entry, write_validation_stamp)
from .signoff import archive_signed, is_signed
from .outdir import UnsafeOutput, check_output_folder, output_lock, write_run_files
from .snapshot import SNAPSHOT, changed_inputs, remove_snapshot, take_snapshot
from .notebooks import NOTEBOOK_DIR, PROJECT_ROOT, NotebookInfo, discover, select
from .publish import remove_stale, render_reports, swap_into_place
from .render import render_pool, write_text
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


def run(
    params_path: str | Path, data_dir: str | Path | None = None, out_dir: str | Path | None = None,
    only: list[str] | None = None, jobs: int = 1, language: str | None = None,
    notebook_dir: Path = NOTEBOOK_DIR, progress: Callable[[str], None] | None = None, force: bool = False,
    engine: str | None = None,
) -> RunResult:
    """Validate, execute every notebook, render, index and publish atomically (see the module
    docstring): :func:`plan`, then, holding the output folder's lock, :func:`execute`,
    :func:`render` and :func:`publish` on a staging folder. ``engine`` (``--engine``) reaches the
    notebooks through ``AUDIT_ENGINE`` for this run only: the caller's environment is restored
    afterwards (a later run in the same process sees its own parameters' engine)."""
    before = os.environ.get(ENGINE_ENV)
    try:
        p = plan(Path(params_path), data_dir, out_dir, only, jobs, language, notebook_dir, progress or _say, force,
                 engine)
        with output_lock(p.out):
            if p.signed:
                p.say(f"Moved the signed run aside to {archive_signed(p.out)}.")
            return _run_locked(p)
    except UnsafeOutput as e:
        raise RunError(str(e)) from None
    finally:
        if before is None:
            os.environ.pop(ENGINE_ENV, None)
        else:
            os.environ[ENGINE_ENV] = before


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ plan
def plan(
    params_path: Path, data_dir: str | Path | None, out_dir: str | Path | None, only: list[str] | None, jobs: int,
    language: str | None, notebook_dir: Path, say: Callable[[str], None], force: bool, engine: str | None,
) -> RunPlan:
    """Check the parameters, the evidence register, the engine and the folders, and choose the
    notebooks; raise :class:`RunError` (nothing written) on any problem."""
    started = time.time()
    params = _load_params(params_path, say)
    params = run_engine(params, engine)  # --engine: for the run and its notebooks
    data = Path(data_dir).resolve() if data_dir else params.data_path
    out = (Path(out_dir) if out_dir is not None else PROJECT_ROOT / "outputs" / params.run_name).resolve()
    try:
        _check_folders(params_path, data, out_dir, out)
        notebooks = select(discover(notebook_dir), only or params.notebooks, params)
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
    return RunPlan(params_path, params, data, out, notebooks, language or params.language, notebook_dir, jobs, force,
                   signed, say, started)


def _load_params(params_path: Path, say: Callable[[str], None]) -> RunParams:
    """The parameters and the evidence register, every problem before any run; the register's
    contradictions and a what-if run are said (warnings: the run goes on)."""
    try:
        params = load_params(params_path)
        register = load_register(params.path(params.evidence), params.audit_year, params)
    except Exception as e:  # ParamsError and EvidenceError carry the precise message
        raise RunError(str(e)) from None
    for c in contradictions(register):
        say(f"warning: evidence register: {c}")
    for w in what_if(register, params):
        say(f"warning: what-if run: {w['parameter']} is {w['value']!r}, the board's documented rule is {w['rule']!r} "
            f"({w['source']}); every page says so")
    return params


def _check_folders(params_path: Path, data: Path | None, out_dir: str | Path | None, out: Path) -> None:
    """Neither folder is a system folder; the output folder is safe to replace."""
    for what, p in (("the data folder", data), ("the output folder", out)):
        if p is not None and (system := system_folder(p)) is not None:
            raise UnsafeOutput(f"{what} {p} is or lies in the system folder {system}; nothing was run.")
    check_output_folder(out_dir, out, data, protected=(PROJECT_ROOT, params_path.resolve().parent))


def _package_files(data: Path | None) -> dict[str, Path]:
    """The data package's table files (and ``datapackage.json``: is the package synthetic?)."""
    if data is None:
        return {}
    found = ValidationReport()
    originals = find_table_files(data, found)
    if (data / METADATA_FILE).is_file():
        originals[METADATA_FILE] = data / METADATA_FILE
    if not found.ok:
        raise RunError(f"The data package {data} breaks the contract; nothing was run.\n{found.format()}", 1)
    return originals


def _run_locked(p: RunPlan) -> RunResult:
    """The run proper, while this process holds the output folder's lock."""
    originals = _package_files(p.data)
    code = code_state([n.path for n in p.notebooks])
    env = environment()
    previous = {} if p.force else read_cache(p.out)
    p.out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(p.out)
    remove_orphan_socket_dirs()
    folder = p.out.parent / f".{p.out.name}.staging-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    st = Staging(folder, originals, code, env, previous)
    try:
        stage_inputs(p, st)
        result = execute(p, st)
        ended = time.time()
        appendices = render(p, st, result, ended)
        publish(p, st, result, appendices)
    finally:
        remove_snapshot(folder / SNAPSHOT)
        shutil.rmtree(folder, ignore_errors=True)
    n_reused = len(result.reused)
    extra = f"; {n_reused} unchanged notebook(s) reused, --force reruns all" if n_reused else ""
    p.say(f"Published {p.out} ({'all ok' if result.ok else 'WITH FAILURES'}{extra}).")
    return result


def stage_inputs(p: RunPlan, st: Staging) -> None:
    """Snapshot and validate the data package, hash every input, and write what the kernels
    read besides the data (the resolved parameters, the validation stamp)."""
    snap_hashes: dict[str, str] = {}
    if p.data is not None:
        snap_hashes = _snapshot(p, st)
    try:
        st.inputs = collect_inputs(p.params, p.params_path, st.originals)
    except (ParamsError, PathError) as e:
        raise RunError(str(e)) from None
    moved = [f"data/{n}: changed while it was read" for n, h in snap_hashes.items()
             if st.inputs.get(f"data/{n}", {}).get("sha256") != h]
    if moved:
        raise RunError("Input files changed while the run read them; nothing was run:\n  " + "\n  ".join(moved), 1)
    (st.folder / RESULTS).mkdir()
    (st.folder / "params.resolved.yaml").write_text(dump_params(p.params), encoding="utf-8")
    if p.data is not None:
        write_validation_stamp(st.folder, st.folder / SNAPSHOT, snap_hashes)


def _snapshot(p: RunPlan, st: Staging) -> dict[str, str]:
    """Copy the package into the staging folder and validate the copy; its files' sha256."""
    p.say(f"Validating the data package {p.data} ...")
    try:
        _, snap_hashes = take_snapshot(st.originals, st.folder / SNAPSHOT)
    except OSError as e:
        raise RunError(f"The data package {p.data} cannot be read; nothing was run: {e}", 1) from None
    snapped, report = validate_package(st.folder / SNAPSHOT, regions=list(p.params.regions))
    st.synthetic = snapped.metadata.synthetic
    if not report.ok:
        raise RunError(f"The data package {p.data} breaks the contract; nothing was run.\n{report.format()}", 1)
    if report.warnings:
        p.say(report.format())
    return snap_hashes


# ------------------------------------------------------------------------------ execute
def execute(p: RunPlan, st: Staging) -> RunResult:
    """Run each notebook whose cache key changed (``jobs`` at a time), reuse the others'
    outputs; the notebooks that read the others' results (``after_all``) run last, in order."""
    result = RunResult(p.out)
    nb_params = notebook_parameters(p.params_path, p.lang, has_data=p.data is not None)
    with ProcessPoolExecutor(max_workers=max(1, p.jobs)) as pool:
        futures: dict[Future[NotebookRun], NotebookInfo] = {}
        for info in [n for n in p.notebooks if not n.after_all]:
            hit = _cached(p, st, info)
            if hit:
                _report(p, st, result, hit)
            else:
                futures[pool.submit(run_in_staging, info, st.folder, nb_params)] = info
        for fut in as_completed(futures):
            _report(p, st, result, _finished(st, futures[fut], fut))
        for info in [n for n in p.notebooks if n.after_all]:  # in order: each may read the ones before
            hit = _cached(p, st, info)
            _report(p, st, result, hit or _finished(st, info, pool.submit(run_in_staging, info, st.folder, nb_params)))
    order = {n.name: i for i, n in enumerate(p.notebooks)}
    result.runs.sort(key=lambda r: order[r.name])
    return result


def _cached(p: RunPlan, st: Staging, info: NotebookInfo) -> NotebookRun | None:
    """The notebook's fingerprint (recorded in ``st``); if the previous run has the same one
    and intact outputs, they are copied and the notebook is reused."""
    fp = fingerprint(info, p.params, p.lang, st.code, st.env, st.inputs,
                     st.folder / RESULTS if info.after_all else None)
    st.fingerprints[info.name] = fp
    if reusable(st.previous, p.out, info.name, fp):
        copy_outputs(p.out, st.folder, info.name)
        return NotebookRun(info.name, "ok", 0.0, reused=True, key=fp.key, reason="unchanged")
    return None


def _finished(st: Staging, info: NotebookInfo, fut: Future[NotebookRun]) -> NotebookRun:
    """The executed notebook's outcome, with its cache key and why it ran."""
    try:
        r = fut.result()
    except Exception as e:  # the worker process died or could not start the notebook
        r = lost_run(info, st.folder, e)
    r.key = st.fingerprints[info.name].key
    r.reason = why_rerun(st.previous, info.name, st.fingerprints[info.name]) if st.previous else "first run"
    return r


def _report(p: RunPlan, st: Staging, result: RunResult, r: NotebookRun) -> None:
    """Record one notebook's outcome and say it (``[done/total] name: ...``)."""
    result.runs.append(r)
    if r.reused:
        mark = "unchanged since the last run: outputs reused"
    elif r.status == "ok":
        mark = f"ok ({r.seconds:.1f} s)"
    else:
        mark = f"FAILED at cell {r.failed_cell}: {r.error} ({r.seconds:.1f} s)"
    why = f" [{r.reason}]" if (r.reason and not r.reused and st.previous) else ""
    p.say(f"[{len(result.runs)}/{len(p.notebooks)}] {r.name}: {mark}{why}")


# ------------------------------------------------------------------------------ render
def render(p: RunPlan, st: Staging, result: RunResult, ended: float) -> dict[str, str]:
    """Build the manifest, render the reports (a reused notebook's report is copied, or given
    the new appendix), the index, the site and the workbook; return each report's appendix."""
    manifest = build_manifest(p.params, p.params_path, p.data, st.inputs, st.code, st.env, result.runs, p.started,
                              ended, p.lang, p.notebook_dir, synthetic=st.synthetic)
    appendices = {r.name: appendix_html(manifest, p.lang, r.name) for r in result.runs}
    in_place = _reuse_reports(p, st, result, appendices)
    with render_pool(p.jobs) as mapper:
        render_reports(result.runs, st.folder, p.params, p.lang, appendix=appendices.get, skip=in_place,
                       mapper=mapper, synthetic=st.synthetic)
        manifest["notebooks"] = [notebook_entry(r) for r in result.runs]  # statuses as rendered
        if (drawn := sample_record(read_results(st.folder / RESULTS, "sampling"))) is not None:
            manifest["sampling"] = drawn  # the sample the run drew (its CSV's sha256: as `audit sample` writes it)
        result.manifest = manifest
        write_json_atomic(st.folder / "manifest.json", dumps(manifest))
        internal = {r.name: path for r in result.runs
                    if r.reused and r.status == "ok" and (path := internal_reusable(st.previous, p.out, r.name))}
        build_site(st.folder, p.lang, reuse_internal=internal, mapper=mapper)
    write_workbook(st.folder, p.lang)
    return appendices


def _reuse_reports(p: RunPlan, st: Staging, result: RunResult, appendices: dict[str, str]) -> set[str]:
    """Put each reused notebook's report in place: copied when its appendix is unchanged, else
    the previous report with the new appendix. The names whose report is in place."""
    in_place = set()
    for r in result.runs:
        if not r.reused:
            continue
        if html_reusable(st.previous, p.out, r.name, appendices[r.name]):
            copy_html(p.out, st.folder, r.name)
            in_place.add(r.name)
        elif (html := html_with_new_appendix(st.previous, p.out, r.name, appendices[r.name])) is not None:
            write_text(st.folder / f"{r.name}.html", html)
            in_place.add(r.name)
    return in_place


# ------------------------------------------------------------------------------ publish
def publish(p: RunPlan, st: Staging, result: RunResult, appendices: dict[str, str]) -> None:
    """Write the cache record, check that no input changed during the run, remove the
    snapshot and the validation stamp, list the run's files and move the staging folder into
    place in one rename."""
    entries = {r.name: cache_entry(st.fingerprints[r.name], st.folder, r.name, appendices[r.name])
               for r in result.runs if r.status == "ok"}
    write_json_atomic(st.folder / "cache.json", cache_json(entries))
    try:
        changed = changed_inputs(st.inputs, collect_inputs(p.params, p.params_path, st.originals))
    except (ParamsError, PathError, OSError) as e:
        changed = [f"the inputs cannot be read again: {e}"]
    if changed:
        raise RunError("Inputs changed during the run, so its findings may not match the recorded hashes; "
                       "nothing was published. Run again:\n  " + "\n  ".join(changed), 1)
    remove_snapshot(st.folder / SNAPSHOT)
    (st.folder / "validation.json").unlink(missing_ok=True)
    write_run_files(st.folder)
    swap_into_place(st.folder, p.out)

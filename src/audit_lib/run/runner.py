"""``audit run``: validate, execute every notebook, render, index, publish atomically.

In four steps: :func:`plan` (parameters, folders, notebooks; nothing written), then, holding
the output folder's lock and on a staging folder, :func:`execute` (after :func:`stage_inputs`),
:func:`render` and :func:`publish`. ``plan``, ``render`` and ``publish`` are in this module;
``stage_inputs`` in ``run/stage.py``, ``execute`` in ``run/schedule.py`` and what the steps
share (``RunPlan``, ``Staging``, ``RunResult``, ``RunError``) in ``run/state.py``.

1. The parameters are validated (strict schema), then the data package (every problem at
   once), on its snapshot in the staging folder; its small tables are written typed, once, for
   every notebook to read (``run/typed.py``). Any error stops the run before anything is written.
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
from pathlib import Path

from ..evidence import contradictions, load_register, what_if
from ..params import ParamsError, RunParams, load_params
from ..params.loading import run_engine
from ..params.settings import ENGINE_ENV
from ..safepaths import PathError, system_folder
from ..questions.sampling import manifest_record as sample_record
from ..report.results import dumps, read_results, write_json_atomic
from ..report.workbook import write_workbook
from .cache import (
    cache_entry,
    cache_json,
    copy_html,
    html_reusable,
    html_with_new_appendix,
    internal_reusable,
    read_cache,
    read_pdf_record,
)
from .early import EarlyPages, early_pages, render_early, run_manifest
from .execute import remove_orphan_socket_dirs
from .manifest import (
    appendix_html,
    code_state,
    display_path,
    environment,
    notebook_entry,
)
from .signoff import archive_signed, is_signed
from .outdir import UnsafeOutput, check_output_folder, output_lock, write_run_files
from .snapshot import SNAPSHOT, changed_inputs, remove_snapshot
from .notebooks import NOTEBOOK_DIR, PROJECT_ROOT, discover, select
from .publish import remove_stale, render_reports, swap_into_place
from . import profile
from .render import render_pool, write_text
from .pool import start_workers
from .schedule import bound_to_run, execute, notebook_pool
from .pdf import PreviousPdf
from .site import build_site
from .stage import current_inputs, package_files, stage_inputs
from .state import RESULTS, RunError, RunPlan, RunResult, Staging, notebook_parameters
from .typed import TYPED

# the names callers and tests reach through this module
__all__ = [
    "RESULTS",
    "RunError",
    "RunPlan",
    "RunResult",
    "Staging",
    "execute",
    "notebook_parameters",
    "plan",
    "publish",
    "remove_stale",
    "render",
    "run",
    "stage_inputs",
]


def run(
    params_path: str | Path,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    only: list[str] | None = None,
    jobs: int = 1,
    language: str | None = None,
    notebook_dir: Path = NOTEBOOK_DIR,
    progress: Callable[[str], None] | None = None,
    force: bool = False,
    engine: str | None = None,
) -> RunResult:
    """Validate, execute every notebook, render, index and publish atomically (see the module
    docstring): :func:`plan`, then, holding the output folder's lock, :func:`execute`,
    :func:`render` and :func:`publish` on a staging folder. ``engine`` (``--engine``) reaches the
    notebooks through ``AUDIT_ENGINE`` for this run only: the caller's environment is restored
    afterwards (a later run in the same process sees its own parameters' engine)."""
    before = os.environ.get(ENGINE_ENV)
    try:
        p = plan(
            Path(params_path), data_dir, out_dir, only, jobs, language, notebook_dir, progress or _say, force, engine
        )
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
    params_path: Path,
    data_dir: str | Path | None,
    out_dir: str | Path | None,
    only: list[str] | None,
    jobs: int,
    language: str | None,
    notebook_dir: Path,
    say: Callable[[str], None],
    force: bool,
    engine: str | None,
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
        hint = (
            f" For the demo, write the demo package first: `audit demo-data {display_path(data)}` (or `make demo`)."
            if params.generate_demo_data
            else ""
        )
        raise RunError(f"The data package {data} does not exist; nothing was run.{hint}", 1)
    signed = out.is_dir() and is_signed(out)
    if signed and not force:
        raise RunError(
            f"{out} holds a signed run; it is not overwritten. Run into another --out, or give --force "
            "to move the signed run aside (to <out>.signed-<n>) first."
        )
    return RunPlan(
        params_path,
        params,
        data,
        out,
        notebooks,
        language or params.language,
        notebook_dir,
        jobs,
        force,
        signed,
        say,
        started,
    )


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
        say(
            f"warning: what-if run: {w['parameter']} is {w['value']!r}, the board's documented rule is {w['rule']!r} "
            f"({w['source']}); every page says so"
        )
    return params


def _check_folders(params_path: Path, data: Path | None, out_dir: str | Path | None, out: Path) -> None:
    """Neither folder is a system folder; the output folder is safe to replace."""
    for what, p in (("the data folder", data), ("the output folder", out)):
        if p is not None and (system := system_folder(p)) is not None:
            raise UnsafeOutput(f"{what} {p} is or lies in the system folder {system}; nothing was run.")
    check_output_folder(out_dir, out, data, protected=(PROJECT_ROOT, params_path.resolve().parent))


def _run_locked(p: RunPlan) -> RunResult:
    """The run proper, while this process holds the output folder's lock."""
    profile.begin()
    originals = package_files(p.data)
    code = code_state([n.path for n in p.notebooks])
    env = environment()
    previous = {} if p.force else read_cache(p.out)
    p.out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(p.out)
    remove_orphan_socket_dirs()
    folder = p.out.parent / f".{p.out.name}.staging-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    st = Staging(folder, originals, code, env, previous, previous_pdf={} if p.force else read_pdf_record(p.out))
    try:
        sure = bound_to_run(p, st)
        with notebook_pool(p, st, sure or p.notebooks) as workers:
            if sure:  # some notebooks will run: their kernels' fork servers start during staging
                start_workers(workers)
            with profile.step("run stage"):
                stage_inputs(p, st)
            early = early_pages(p, st)
            with profile.step("run execute"):
                result = execute(p, st, workers, lambda r: render_early(p, st, early, r))
        ended = time.time()
        with profile.step("run render"):
            appendices = render(p, st, result, ended, early)
        with profile.step("run publish"):
            publish(p, st, result, appendices)
    finally:
        remove_snapshot(folder / SNAPSHOT)
        remove_snapshot(folder / TYPED)
        shutil.rmtree(folder, ignore_errors=True)
    n_reused = len(result.reused)
    extra = f"; {n_reused} unchanged notebook(s) reused, --force reruns all" if n_reused else ""
    p.say(f"Published {p.out} ({'all ok' if result.ok else 'WITH FAILURES'}{extra}).")
    return result


# ------------------------------------------------------------------------------ render
def render(p: RunPlan, st: Staging, result: RunResult, ended: float, early: EarlyPages | None = None) -> dict[str, str]:
    """Build the manifest, render the reports (a reused notebook's report is copied, or given
    the new appendix; ``early``: the pages rendered while the notebooks ran, kept where their
    appendix is this one), the index, the site and the workbook; return each report's appendix."""
    manifest = run_manifest(p, st, result.runs, ended)
    appendices = {r.name: appendix_html(manifest, p.lang, r.name) for r in result.runs}
    in_place = _reuse_reports(p, st, result, appendices)
    early = early or EarlyPages()
    kept = {r.name for r in result.runs if r.name in early.public and early.appendices[r.name] == appendices[r.name]}
    in_place |= kept
    with render_pool(p.jobs) as mapper, profile.step("render reports"):
        render_reports(
            result.runs,
            st.folder,
            p.params,
            p.lang,
            appendix=appendices.get,
            skip=in_place,
            mapper=mapper,
            synthetic=st.synthetic,
        )
        manifest["notebooks"] = [notebook_entry(r) for r in result.runs]  # statuses as rendered
        if (drawn := sample_record(read_results(st.folder / RESULTS, "sampling"))) is not None:
            manifest["sampling"] = drawn  # the sample the run drew (its CSV's sha256: as `audit sample` writes it)
        result.manifest = manifest
        write_json_atomic(st.folder / "manifest.json", dumps(manifest))
        internal = {
            r.name: path
            for r in result.runs
            if r.reused and r.status == "ok" and (path := internal_reusable(st.previous, p.out, r.name))
        }
        before = PreviousPdf(p.out / f"{p.params.run_name}.pdf", st.previous_pdf) if st.previous_pdf else None
        with profile.step("render site"):
            built = build_site(
                st.folder,
                p.lang,
                reuse_internal=internal,
                rendered=early.internal & kept,
                mapper=mapper,
                previous_pdf=before,
            )
        st.pdf = built.pdf.record() if built.pdf is not None else {}
    with profile.step("render workbook"):
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
    snapshot, the typed tables and the validation stamp, list the run's files and move the staging folder into
    place in one rename."""
    entries = {
        r.name: cache_entry(st.fingerprints[r.name], st.folder, r.name, appendices[r.name])
        for r in result.runs
        if r.status == "ok"
    }
    write_json_atomic(st.folder / "cache.json", cache_json(entries, st.pdf))
    try:
        changed = changed_inputs(st.inputs, current_inputs(p, st))
    except (ParamsError, PathError, OSError) as e:
        changed = [f"the inputs cannot be read again: {e}"]
    if changed:
        raise RunError(
            "Inputs changed during the run, so its findings may not match the recorded hashes; "
            "nothing was published. Run again:\n  " + "\n  ".join(changed),
            1,
        )
    remove_snapshot(st.folder / SNAPSHOT)
    remove_snapshot(st.folder / TYPED)
    (st.folder / "validation.json").unlink(missing_ok=True)
    write_run_files(st.folder)
    swap_into_place(st.folder, p.out)

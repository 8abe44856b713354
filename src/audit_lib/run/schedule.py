"""The execute step of ``audit run`` (``run/runner.py``): each notebook whose cache key changed
runs with papermill (``run/execute.py``), ``jobs`` at a time and the longest first; the
others' outputs are reused."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager

from .cache import Fingerprint, copy_outputs, fingerprint, must_rerun, reusable, why_rerun
from .execute import NotebookRun, lost_run, prestart, run_in_staging
from .manifest import read_manifest
from .notebooks import NotebookInfo
from .pool import worker_pool
from .state import RESULTS, RunPlan, RunResult, Staging, notebook_parameters


def notebook_pool(p: RunPlan, st: Staging, preload: list[NotebookInfo]) -> AbstractContextManager[ProcessPoolExecutor]:
    """The run's ``jobs`` notebook workers, each starting its fork server (importing what the
    ``preload`` notebooks import) in the staging folder as soon as
    :func:`~audit_lib.run.pool.start_workers` starts them."""
    return worker_pool(p.jobs, prestart, (st.folder, [n.path for n in preload]))


def bound_to_run(p: RunPlan, st: Staging) -> list[NotebookInfo]:
    """The notebooks that will run whatever the data holds, known before the inputs are read:
    every notebook on a first run (or with ``force``), else those whose code, packages or
    parameters changed since the last run, with the after-all notebooks that read their
    results. The runner starts the workers' fork servers while it stages the inputs only when
    some notebook is bound to run (an unchanged rerun starts none)."""
    if not st.previous:
        return list(p.notebooks)
    changed = [n for n in p.notebooks if not n.after_all and must_rerun(st.previous, n.name, _fingerprint(p, st, n))]
    after = [
        n for n in p.notebooks if n.after_all and (changed or must_rerun(st.previous, n.name, _fingerprint(p, st, n)))
    ]
    return [*changed, *after]


def longest_first(p: RunPlan, notebooks: list[NotebookInfo]) -> list[NotebookInfo]:
    """``notebooks`` with the longest first, so that the last to finish are short ones: by the
    seconds each took when it last ran into this output folder, else its ``cost`` hint
    (``run/notebooks.py``); ties keep the run order."""
    last = {
        e.get("name"): float(e.get("seconds") or 0)
        for e in (read_manifest(p.out) or {}).get("notebooks", [])
        if isinstance(e, dict) and e.get("executed") and e.get("status") == "ok"
    }
    return sorted(notebooks, key=lambda n: -(last.get(n.name) or n.cost))


def execute(
    p: RunPlan,
    st: Staging,
    workers: ProcessPoolExecutor | None = None,
    ran: Callable[[NotebookRun], None] | None = None,
) -> RunResult:
    """Run each notebook whose cache key changed (``jobs`` at a time, the longest first, in
    ``workers`` or a pool of its own), reuse the others' outputs; the notebooks that read the
    others' results (``after_all``) run last, in order. ``ran`` is called in this process with
    each executed notebook's outcome while the workers go on with the next ones (the last
    one's while the first after-all notebook runs)."""
    if workers is None:
        with notebook_pool(p, st, p.notebooks) as own:
            return execute(p, st, own, ran)
    result = RunResult(p.out)
    nb_params = notebook_parameters(p.params_path, p.lang, has_data=p.data is not None)
    futures: dict[Future[NotebookRun], NotebookInfo] = {}
    todo = []
    for info in [n for n in p.notebooks if not n.after_all]:
        hit = _cached(p, st, info)
        if hit:
            _report(p, st, result, hit)
        else:
            todo.append(info)
    for info in longest_first(p, todo):
        futures[workers.submit(run_in_staging, info, st.folder, nb_params)] = info
    then = ran or (lambda r: None)
    last: NotebookRun | None = None  # finished, its ``ran`` left until the next one is submitted
    for done, fut in enumerate(as_completed(futures), 1):
        r = _finished(st, futures[fut], fut)
        _report(p, st, result, r)
        if done < len(futures):
            then(r)
        else:
            last = r  # the workers are idle: start the first after-all notebook before its pages
    for info in [n for n in p.notebooks if n.after_all]:  # in order: each may read the ones before
        hit = _cached(p, st, info)
        running = None if hit else workers.submit(run_in_staging, info, st.folder, nb_params)
        if last is not None:
            then(last)  # while this one runs
        last = _finished(st, info, running) if running is not None else hit
        assert last is not None
        _report(p, st, result, last)
    if last is not None:
        then(last)
    order = {n.name: i for i, n in enumerate(p.notebooks)}
    result.runs.sort(key=lambda r: order[r.name])
    return result


def _fingerprint(p: RunPlan, st: Staging, info: NotebookInfo) -> Fingerprint:
    return fingerprint(
        info, p.params, p.lang, st.code, st.env, st.inputs, st.folder / RESULTS if info.after_all else None
    )


def _cached(p: RunPlan, st: Staging, info: NotebookInfo) -> NotebookRun | None:
    """The notebook's fingerprint (recorded in ``st``); if the previous run has the same one
    and intact outputs, they are copied and the notebook is reused."""
    fp = _fingerprint(p, st, info)
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

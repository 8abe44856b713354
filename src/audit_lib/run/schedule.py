"""The execute step of ``audit run`` (``run/runner.py``): each notebook whose cache key changed
runs with papermill (``run/execute.py``), ``jobs`` at a time and the longest first; the
others' outputs are reused."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager

from .cache import Fingerprint, copy_outputs, fingerprint, must_rerun, reusable, why_rerun
from . import warm
from .execute import NotebookRun, kernel_env, lost_run, prestart, run_in_staging
from .manifest import read_manifest
from .notebooks import NotebookInfo
from .pool import kill_tree, worker_pool
from .state import RESULTS, RunPlan, RunResult, Staging, notebook_parameters


@contextmanager
def notebook_pool(p: RunPlan, st: Staging, preload: list[NotebookInfo]) -> Iterator[ProcessPoolExecutor]:
    """The run's ``jobs`` notebook workers and their one fork server (``run/warm.py``), which
    imports what the ``preload`` notebooks import in the staging folder: both start when the
    first notebook is submitted or :func:`~audit_lib.run.pool.start_workers` starts the
    workers. Leaving the block stops the server and every kernel it forked."""
    shared = warm.shared_server(st.folder, [n.path for n in preload], kernel_env(dict(os.environ)))
    try:
        with worker_pool(
            p.jobs, prestart, (shared.address if shared else None,), first=shared.start if shared else None
        ) as pool:
            yield pool
    finally:
        if shared is not None:
            kill_tree([shared.pid] if shared.pid else [])
            shared.close()


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
    others' results (``after_all``) run last, in order. ``ran`` is called with each notebook's
    outcome as it finishes, in a thread of this process (:class:`_Pages`), while the workers
    go on with the next ones."""
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
    with _Pages(ran) as pages:
        for fut in as_completed(futures):
            r = _finished(st, futures[fut], fut)
            _report(p, st, result, r)
            pages.add(r)
        for info in [n for n in p.notebooks if n.after_all]:  # in order: each may read the ones before
            hit = _cached(p, st, info)
            r = _finished(st, info, workers.submit(run_in_staging, info, st.folder, nb_params)) if not hit else hit
            _report(p, st, result, r)
            pages.add(r)
    order = {n.name: i for i, n in enumerate(p.notebooks)}
    result.runs.sort(key=lambda r: order[r.name])
    return result


class _Pages:
    """``ran(r)`` for each finished notebook, in the order they finished, in one thread of this
    process: the runner goes on submitting notebooks (the after-all ones as soon as the others
    are done) while the pages of those before are rendered. Leaving the block waits for the
    pages and raises the first error; a page that failed also stops the run at the next
    notebook that finishes. On an exception (Ctrl-C) the pages not yet begun are dropped."""

    def __init__(self, ran: Callable[[NotebookRun], None] | None) -> None:
        self.ran = ran
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="audit-pages") if ran else None
        self.done: list[Future[None]] = []

    def add(self, r: NotebookRun) -> None:
        if self.pool is None or self.ran is None:
            return
        for f in self.done:
            if f.done() and f.exception() is not None:
                raise f.exception()  # type: ignore[misc]
        self.done.append(self.pool.submit(self.ran, r))

    def __enter__(self) -> _Pages:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self.pool is None:
            return
        self.pool.shutdown(wait=kind is None, cancel_futures=kind is not None)
        if kind is None:
            for f in self.done:
                f.result()


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

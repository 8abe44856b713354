"""The worker processes of a run (notebooks and report pages), stopped at once on Ctrl-C.

Leaving a ``with ProcessPoolExecutor()`` block waits for every running task; a notebook's
worker that is interrupted may hang in its kernel's shutdown, so Ctrl-C did not stop a run.
:func:`worker_pool` instead, on any exception (``KeyboardInterrupt`` included), cancels what
has not started, kills the workers and every process they started and re-raises; the run's
fork server and the kernels it forked (each in its own session, so the terminal's Ctrl-C does
not reach it) are killed as the notebooks' pool is left (``schedule.notebook_pool``); the
runner then removes its staging folder, so nothing half-written is published.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .execute import process_alive, remove_orphan_socket_dirs


def descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (children first found, then theirs), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pids: list[int]) -> None:
    """SIGKILL each of ``pids`` and what it started (those gone already are skipped)."""
    for pid in [*(d for p in pids for d in descendants(p)), *pids]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class _Pool(ProcessPoolExecutor):
    """A process pool that calls ``first()`` before its first task is submitted (before its
    workers start)."""

    def __init__(self, first: Callable[[], Any] | None, **kw: Any) -> None:
        super().__init__(**kw)
        self._first = first

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self._first is not None:
            first, self._first = self._first, None
            first()
        return super().submit(fn, *args, **kwargs)


@contextmanager
def worker_pool(
    jobs: int,
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    first: Callable[[], Any] | None = None,
) -> Iterator[ProcessPoolExecutor]:
    """``jobs`` worker processes (each runs ``initializer(*initargs)`` first; ``first()`` runs
    in this process before they start); on leaving the block with an exception, stop them and
    everything they started at once, then re-raise."""
    pool = _Pool(first, max_workers=max(1, jobs), initializer=initializer, initargs=initargs)
    try:
        yield pool
    except BaseException:
        workers = [p.pid for p in list((pool._processes or {}).values()) if p.pid is not None]
        kill_tree(workers)
        pool.shutdown(wait=False, cancel_futures=True)
        _gone(workers)
        remove_orphan_socket_dirs()  # the killed workers' kernels' socket folders
        raise
    pool.shutdown(wait=True)


def _gone(pids: list[int], timeout: float = 2.0) -> None:
    """Wait (at most ``timeout`` s) until the killed ``pids`` are gone."""
    end = time.monotonic() + timeout
    while any(process_alive(p) for p in pids) and time.monotonic() < end:
        time.sleep(0.02)


def start_workers(pool: ProcessPoolExecutor) -> None:
    """Start the pool's workers now (each runs its initializer while the caller goes on)."""
    pool.submit(int)

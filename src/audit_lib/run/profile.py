"""Where a run's time goes: with ``AUDIT_PROFILE=1`` the runner writes one line per step to
the run log (stderr), never into the outputs: ``[profile] <elapsed since the run started> <step>
<seconds>``. Steps are the run's own (stage, execute, render, site, publish) and, per executed
notebook, the kernel start, each cell and writing the notebook (from papermill's cell timings)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, UTC
from typing import Any

PROFILE_ENV = "AUDIT_PROFILE"
_START_ENV = "AUDIT_PROFILE_T0"  # the run's start (epoch seconds), inherited by worker processes


def enabled() -> bool:
    return os.environ.get(PROFILE_ENV, "0") not in ("", "0")


def begin() -> None:
    """Mark the run's start (the worker processes it starts inherit it)."""
    if enabled():
        os.environ[_START_ENV] = repr(time.time())


def note(step: str, seconds: float) -> None:
    """Say one step's duration in the run log (when profiling)."""
    if enabled():
        t0 = float(os.environ.get(_START_ENV) or time.time())
        print(f"[profile] {time.time() - t0:7.2f} {step} {seconds:.2f}", file=sys.stderr, flush=True)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        note(name, time.perf_counter() - started)


def _when(value: Any) -> float | None:
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()  # papermill's: UTC


def cells(name: str, nb: Any, started: float, ended: float) -> None:
    """The executed notebook's kernel start (from ``started``, epoch seconds, to its first
    cell), each cell's duration and the kernel's shutdown (from its last cell to ``ended``),
    from papermill's metadata (before it is dropped)."""
    if not enabled():
        return
    timed = [(i, c.metadata.get("papermill", {})) for i, c in enumerate(nb.cells)]
    first = next((_when(m.get("start_time")) for _, m in timed if m.get("start_time")), None)
    if first is not None:
        note(f"{name} kernel-start", first - started)
    for i, m in timed:
        if m.get("duration") is not None:
            note(f"{name} cell{i:02d}", float(m["duration"]))
    last = [w for _, m in timed if (w := _when(m.get("end_time"))) is not None]
    if last:
        note(f"{name} shutdown", ended - last[-1])

"""Run numpy's BLAS on one thread while the estimators work.

The estimators multiply many small matrices (bootstrap replications, a few hundred rows
each). With OpenBLAS's default of one thread per core, each small product pays for waking
and synchronising threads; on a shared machine whose cores are busy with other work this made
the causality notebook several times slower (measured: 29 s against 4.7 s for the main
estimates on the demo). ``single_threaded_blas`` sets the thread count to one and restores it.

It uses ``threadpoolctl`` when installed, else OpenBLAS's own thread-count functions in the
library bundled with numpy (found with ctypes), else does nothing: results never depend on it.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

_PAIRS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _openblas() -> tuple[Any, Any] | None:  # ctypes functions (their class is private)
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "*openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _PAIRS:
            if hasattr(lib, get) and hasattr(lib, set_):
                return getattr(lib, get), getattr(lib, set_)
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-not-found]
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
        return
    funcs = None
    try:
        funcs = _openblas()
    except Exception:  # noqa: BLE001 - a missing or different BLAS only means no change
        funcs = None
    if funcs is None:
        yield
        return
    get, set_ = funcs
    get.restype = ctypes.c_int
    before = int(get())
    set_.argtypes = [ctypes.c_int]
    set_(1)
    try:
        yield
    finally:
        set_(before)

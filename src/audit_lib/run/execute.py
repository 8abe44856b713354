"""Execute one notebook with papermill, in its own process, and make its output deterministic.

Determinism: papermill's timings (``metadata.papermill``) and each cell's
``metadata.execution`` are dropped, cells keep their source ids and the cells papermill adds
get fixed ids (``<notebook>-x<index>``) instead of random ones, memory addresses in plain-text reprs
(``<… at 0x7f…>``) are blanked, the notebook title is set, and the kernel runs with
``SOURCE_DATE_EPOCH`` and ``PYTHONHASHSEED`` fixed. Each kernel is reached over Unix sockets
in its own temporary folder, not TCP, so a run opens no network port. The runner injects only
paths that do not depend on where the run is staged (see ``runner.notebook_parameters``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from . import profile
from .notebooks import NotebookInfo

if TYPE_CHECKING:
    from .warm import Address, ForkClient, ForkServer

KERNEL = "python3"


# Each kernel's socket folder in the temporary folder: <prefix><pid of the runner process>-<random>.
SOCKET_DIR_PREFIX = "audit-kernel-"
# A Unix socket path may hold at most 107 bytes; the kernel adds "-<n>" to the prefix.
_MAX_SOCKET_PREFIX = 90


def _ipc_kernel_manager(socket_dir: Path, fork_server: ForkServer | ForkClient | None = None) -> type | None:
    """A kernel manager that talks to its kernel over Unix sockets (IPC) in ``socket_dir``
    instead of TCP on localhost: no port is opened, and the kernel does not warn about
    unencrypted TCP. Each kernel needs its own folder: jupyter_client's default socket name
    (``kernel-ipc-<n>`` in the working folder) is picked by probing which files exist, which
    races between notebooks run in parallel. ``None`` (stay on TCP) when the folder's path is
    too long for a socket name. With ``fork_server`` the kernel is forked from it, warm
    (``run/warm.py``)."""
    prefix = str(socket_dir.resolve() / "k")
    if len(prefix.encode()) > _MAX_SOCKET_PREFIX:
        return None
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    from .warm import ForkProvisioner

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return prefix

        async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
            if self.provisioner is None and fork_server is not None:
                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                self.provisioner.fork_server = fork_server
            cmd, kwargs = await super()._async_pre_start_kernel(**kw)
            return cmd, kwargs

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts (SIGINT) every kernel before it stops it: one still in a
            # message handler then logs "KeyboardInterrupt caught in kernel". A finished
            # notebook's kernel has nothing to interrupt; a running cell is still interrupted.
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return IPCKernelManager


def process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie, killed but not yet reaped, is not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def remove_orphan_socket_dirs() -> None:
    """Remove the socket folders of runs that were killed (their process no longer runs)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SOCKET_DIR_PREFIX}*-*"):
        pid = folder.name.removeprefix(SOCKET_DIR_PREFIX).split("-")[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class NotebookRun:
    name: str
    status: str  # ok | failed
    seconds: float
    error: str | None = None  # the failing cell's exception, one line
    failed_cell: int | None = None  # index of the failing cell in the source notebook (0 = first)
    reused: bool = False  # outputs copied from the previous run (cache hit)
    key: str | None = None  # the cache key (see run/cache.py)
    reason: str | None = None  # why it was executed (cache miss) or reused


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _stable_text(value: Any) -> Any:
    if isinstance(value, list):
        return [_ADDRESS.sub(">", v) for v in value]
    return _ADDRESS.sub(">", value) if isinstance(value, str) else value


def source_ids(src: Path) -> list[str]:
    """The cell ids stored in the source notebook (raw JSON: nbformat would invent missing ones)."""
    try:
        cells = json.loads(Path(src).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    return [c["id"] for c in cells if isinstance(c.get("id"), str)]


def deterministic(
    nb: nbformat.NotebookNode, name: str, title: str | None = None, keep_ids: list[str] | tuple[str, ...] = ()
) -> nbformat.NotebookNode:
    """Drop timings and random ids. Cells keep the ids of the source notebook (``keep_ids``, so
    a failing cell can be found there); the cells papermill adds (injected parameters, error
    markers) get ``<name>-x<index>``."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    if title:
        nb.metadata["title"] = title
    keep = set(keep_ids)
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if cid not in keep or cid in seen:
            cell["id"] = f"{name}-x{i:03d}"
        seen.add(cell["id"])
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("collapsed", None)
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and "text/plain" in data:
                data["text/plain"] = _stable_text(data["text/plain"])
    return nb


def failed_cell_info(nb: nbformat.NotebookNode, ids: list[str] | None = None) -> tuple[int | None, str | None]:
    """The failing cell (its index in the source notebook when ``ids`` are the source's cell
    ids, else in ``nb``) and its exception in one line."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                if ids and cell.get("id") in ids:
                    i = ids.index(cell.get("id"))
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, None


def kernel_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` as the run's kernels (and their fork server) start with it: the variables this
    process had when it imported ``audit_lib`` (``audit_lib.ENVIRONMENT_AT_IMPORT``), those the
    run sets on purpose (``AUDIT_*``, jupyter_client's ``JPY_*``) and the fixed ones. What a
    library's import added since is left out: pandera, imported when the runner validates the
    package, sets two variables, which the kernels of a second run in the same process got and
    the first run's did not."""
    from .. import ENVIRONMENT_AT_IMPORT as start

    kept = {k: v for k, v in env.items() if k in start or k.startswith(("AUDIT_", "JPY_"))}
    return {"SOURCE_DATE_EPOCH": "0", "MPLBACKEND": "Agg", **kept, "PYTHONHASHSEED": "0"}


def kernel_environment() -> None:
    """This worker process's environment made exactly what the run's kernels start with
    (:func:`kernel_env`): jupyter_client builds each kernel's environment from it, over IPC or
    TCP, and a worker's own fork server starts with it."""
    env = kernel_env(dict(os.environ))
    for k in set(os.environ) - set(env):
        del os.environ[k]
    os.environ.update(env)


def prestart(address: Address | None) -> None:
    """A worker's initializer: its kernels are forked by the run's shared fork server at
    ``address`` (``run/warm.py``; None: warm kernels are off); papermill is imported while the
    server imports."""
    from . import warm

    kernel_environment()
    warm.use(address)
    import papermill  # noqa: F401  # now: the first notebook does not wait for it


def execute_notebook(src: Path, dst: Path, parameters: dict[str, Any], cwd: Path, name: str) -> NotebookRun:
    """Run ``src`` into ``dst``; never raises for a failing cell (it is reported instead)."""
    import papermill as pm

    kernel_environment()
    started = time.perf_counter()
    wall = time.time()
    status, error, cell = "ok", None, None
    socket_dir = Path(tempfile.mkdtemp(prefix=f"{SOCKET_DIR_PREFIX}{os.getpid()}-"))
    from . import warm

    manager = _ipc_kernel_manager(socket_dir, warm.server(cwd, [Path(src)]))
    try:
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            report_mode=False,
            shutdown_kernel="immediate",  # every output is in: the kernel is stopped, not asked to
            **({"kernel_manager_class": manager} if manager else {}),
        )
    except pm.PapermillExecutionError as e:
        status, error, cell = "failed", f"{e.ename}: {e.evalue}", e.exec_count
    except Exception as e:  # kernel died, notebook unreadable, ...
        status, error = "failed", f"{type(e).__name__}: {e}"
        failed_placeholder(src, dst, traceback.format_exc())
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
    seconds = time.perf_counter() - started
    nb = nbformat.read(str(dst), as_version=4)
    profile.cells(name, nb, wall, wall + seconds)
    profile.note(f"{name} papermill", seconds)
    ids = source_ids(src)
    if status == "failed":
        idx, msg = failed_cell_info(nb, ids)
        cell = idx if idx is not None else cell
        error = error or msg
    nbformat.write(deterministic(nb, name, keep_ids=ids), str(dst))
    return NotebookRun(name, status, seconds, error, cell)


def failed_placeholder(src: Path, dst: Path, text: str) -> None:
    """Make sure ``dst`` exists and ends with a cell showing ``text`` (a traceback) when the
    run failed outside a cell (kernel died, worker process lost)."""
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        try:
            dst.write_text(nbformat.writes(nbformat.read(str(src), as_version=4)), encoding="utf-8")
        except Exception:
            dst.write_text(nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8")
    _append_error_cell(dst, text)


def _append_error_cell(dst: Path, text: str) -> None:
    nb = nbformat.read(str(dst), as_version=4)
    cell = nbformat.v4.new_code_cell("# the run failed outside a cell")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="RunError", evalue=text.splitlines()[-1], traceback=text.splitlines())
    ]
    nb.cells.append(cell)
    nbformat.write(nb, str(dst))


def run_in_staging(info: NotebookInfo, staging: Path, params: dict[str, str]) -> NotebookRun:
    """Execute one notebook of a run into ``staging/notebooks`` (in a worker process)."""
    dst = staging / "notebooks" / f"{info.name}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    return execute_notebook(info.path, dst, params, staging, info.name)


def lost_run(info: NotebookInfo, staging: Path, exc: BaseException) -> NotebookRun:
    """A notebook whose worker process failed (it never reported back)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    failed_placeholder(info.path, staging / "notebooks" / f"{info.name}.ipynb", text)
    return NotebookRun(info.name, "failed", 0.0, f"{type(exc).__name__}: {exc}", None)

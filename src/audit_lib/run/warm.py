"""Warm kernels: each notebook still gets a fresh kernel process and namespace, but the kernel
is forked from a parent that has already imported ipykernel and the modules the notebooks
import (pandas, matplotlib, statsmodels, the library), so that they are paid once per worker
process instead of once per notebook.

The parent (the *fork server*, ``python -m audit_lib.run.warm MODULE...``) is started by a
runner's worker process in the run's working folder with the worker's environment. It
imports the modules, says ``ready`` and then, for each request (one JSON line: the kernel's
command, environment and working folder), forks a child that becomes the kernel exactly as
``python -m ipykernel_launcher -f <connection file>`` would (own session, the request's
environment and working folder, ``sys.path`` as the launcher leaves it) and answers its pid.

The fork is a ``jupyter_client`` kernel provisioner (:class:`ForkProvisioner`, a
``LocalProvisioner`` that launches through the server); papermill and nbclient drive the
kernel as any other. A kernel command other than the stock ``ipykernel_launcher`` one, an
environment whose interpreter-start variables (``PYTHON*``) differ from the server's, or a
server that is not there falls back to the ordinary launch. ``AUDIT_WARM_KERNELS=0`` turns it
off (the outputs are the same either way: ``tests/test_speed_warm.py``).
"""

from __future__ import annotations

import ast
import atexit
import json
import multiprocessing.util
import os
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

WARM_ENV = "AUDIT_WARM_KERNELS"
LAUNCHER = ["-m", "ipykernel_launcher"]


def enabled() -> bool:
    return os.environ.get(WARM_ENV, "1") != "0"


# What the library imports inside its functions (not at the top of a module the notebooks
# import), so that a kernel would load it on every run: the fork server imports it once, when
# a notebook it serves imports the library. Only costs the server's start; a module that is
# missing or fails is left to the notebook.
LIBRARY_REACHES = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.ipc",
    "matplotlib.pyplot",
    "scipy.stats",
    "statsmodels.regression.linear_model",  # what the questions use (statsmodels.api: 0.7 s more)
    "duckdb",
    "audit_lib.report.display",
)
# What one module imports inside its functions, preloaded only for a server whose notebooks
# import that module: in a run only the causality question builds its panel on the engine
# (ibis and its DuckDB backend, about 2 s), so a server for, say, the one-parameter rerun's
# q3_targets, summary and followup does not import it.
REACHES_OF = {"audit_lib.questions.causality": ("ibis", "audit_lib.engine.panel")}


def notebook_imports(notebooks: Path | Iterable[Path]) -> list[str]:
    """The modules the notebooks import (``notebooks``: the notebook files, or a folder for all
    of its notebooks): top-level ``import`` statements of their code cells, with ``from package
    import name`` also as ``package.name`` (a submodule, such as a question or page module, when
    it is one), sorted."""
    paths = sorted(notebooks.glob("*.ipynb")) if isinstance(notebooks, Path) else sorted(notebooks)
    mods: set[str] = set()
    for path in paths:
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            tree = ast.parse("\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"))
        except (OSError, ValueError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module)
                mods.update(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return sorted(mods)


def preload(notebooks: Path | Iterable[Path]) -> list[str]:
    """What a fork server serving ``notebooks`` imports before it forks: what they import,
    when one of them imports the library :data:`LIBRARY_REACHES`, and :data:`REACHES_OF` of
    each module they import (only what this run's notebooks need: a server for a few light
    notebooks is ready sooner)."""
    mods = notebook_imports(notebooks)
    uses_library = any(m == "audit_lib" or m.startswith("audit_lib.") for m in mods)
    reaches = [r for m in mods for r in REACHES_OF.get(m, ()) if r not in mods]
    return [*mods, *(LIBRARY_REACHES if uses_library else ()), *dict.fromkeys(reaches)]


# ------------------------------------------------------------------------------ worker side
class ForkServer:
    """The fork server of one worker process (see the module docstring)."""

    def __init__(self, cwd: Path, modules: list[str], options: list[str] | None = None) -> None:
        self.cwd = str(cwd)
        self.env = dict(os.environ)
        self.options = list(options or [])  # the interpreter's options in the kernel's command (-X...)
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, *self.options, "-m", "audit_lib.run.warm", *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=self.cwd,
            env=self.env,
        )
        self.ready = False

    def _wait_ready(self) -> bool:
        if not self.ready and self.proc is not None:
            assert self.proc.stdout is not None
            self.ready = self.proc.stdout.readline().strip() == b"ready"
            if not self.ready:
                self.close()
        return self.ready

    def eligible(self, cmd: list[str], env: dict[str, str]) -> bool:
        """Whether a kernel started by ``cmd`` with ``env`` is the same when forked."""
        same_start = all(env.get(k) == self.env.get(k) for k in set(env) | set(self.env) if k.startswith("PYTHON"))
        n = len(self.options)
        return (
            len(cmd) > n + 3
            and cmd[1 : n + 1] == self.options
            and cmd[n + 1 : n + 3] == LAUNCHER
            and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
            and same_start
        )

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int | None:
        """Fork a kernel; its pid, or ``None`` (launch it the ordinary way)."""
        if not self.eligible(cmd, env) or not self._wait_ready() or self.proc is None:
            return None
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(
                json.dumps({"argv": cmd[len(self.options) + 3 :], "env": env, "cwd": cwd}).encode() + b"\n"
            )
            self.proc.stdin.flush()
            return int(json.loads(self.proc.stdout.readline())["pid"])
        except (OSError, ValueError, KeyError):
            self.close()
            return None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self.ready = False


_SERVER: ForkServer | None = None


def server(cwd: Path, notebooks: Path | Iterable[Path]) -> ForkServer | None:
    """This worker process's fork server for kernels working in ``cwd`` (started on first use,
    importing what ``notebooks`` need: :func:`preload`); ``None`` when warm kernels are off."""
    global _SERVER
    if not enabled():
        return None
    if _SERVER is not None and (_SERVER.cwd != str(cwd) or _SERVER.proc is None):
        _SERVER.close()
        _SERVER = None
    if _SERVER is None:
        _SERVER = ForkServer(cwd, preload(notebooks), kernel_options())
        # a runner's worker process ends without atexit (multiprocessing runs its finalizers):
        # the server goes with it, not left for the end of input to stop it
        multiprocessing.util.Finalize(_SERVER, _SERVER.close, exitpriority=10)
        atexit.register(_SERVER.close)
    return _SERVER


def kernel_options(kernel: str = "python3") -> list[str]:
    """The interpreter options of the kernel's command (e.g. ``-Xfrozen_modules=off``): the fork
    server starts with the same, so a forked kernel is the interpreter the command would start."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        argv = KernelSpecManager().get_kernel_spec(kernel).argv
        return list(argv[1 : argv.index("-m")])
    except Exception:  # no such kernel, or not started with -m: nothing will be eligible
        return []


class ForkedKernel:
    """What ``LocalProvisioner`` needs of a ``Popen`` for a kernel forked by the server (not a
    child of this process: it is polled by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        from .execute import process_alive

        if self.returncode is None and not process_alive(self.pid):
            self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return code

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkProvisioner(LocalProvisioner):
    """A ``LocalProvisioner`` that forks the kernel from the worker's fork server."""

    fork_server: ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it (POSIX, not independent)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        pid = self.fork_server.fork(cmd, env, cwd) if self.fork_server is not None else None
        if pid is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(pid)  # type: ignore[assignment]  # what LocalProvisioner uses of a Popen
        self.pid = self.pgid = pid
        self.cwd = cwd
        return self.connection_info


# ------------------------------------------------------------------------------ server side
def _kernel(req: dict[str, Any]) -> None:
    """In the forked child: become the kernel ``python -m ipykernel_launcher`` would start."""
    code = 1
    try:
        server_pid = os.getppid()
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # as a launched interpreter has them
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # the server's requests and answers stay its own; the kernel writes to stderr
        os.close(devnull)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        if sys.path and sys.path[0] in ("", os.getcwd()):  # a launched kernel has not its folder first
            del sys.path[0]
        sys.argv = [req["launcher"], *req["argv"]]  # as `python -m ipykernel_launcher` sets it
        from ipykernel import kernelapp

        # The kernel polls its parent and ends when it is gone: a launched kernel's parent is the
        # runner's worker (JPY_PARENT_PID), a forked one's is the server, which ends with the worker.
        parent = server_pid if os.environ.get("JPY_PARENT_PID") else 0
        kernelapp.IPKernelApp.launch_instance(argv=req["argv"], parent_handle=parent)
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            os._exit(code)


def serve(modules: list[str], inp: IO[bytes], out: IO[bytes]) -> None:
    """Import ``modules``, say ready, then fork one kernel per request line until end of input."""
    import importlib.util

    importlib.import_module("ipykernel.kernelapp")
    for m in modules:
        try:
            importlib.import_module(m)
        except Exception:  # not a module (``from m import function``), or the notebook meets the error itself
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system
    # Ctrl-C stops the run, not the server: it ends when its worker does (end of input) and says nothing
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    out.write(b"ready\n")
    out.flush()
    launcher = importlib.util.find_spec("ipykernel_launcher")
    for line in inp:
        req = {**json.loads(line), "launcher": launcher.origin if launcher else sys.argv[0]}
        pid = os.fork()
        if pid == 0:
            _kernel(req)
        out.write(json.dumps({"pid": pid}).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    serve(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer)

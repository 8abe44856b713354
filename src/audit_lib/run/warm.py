"""Warm kernels: each notebook still gets a fresh kernel process and namespace, but the kernel
is forked from a parent that has already imported ipykernel and the modules the notebooks
import (pandas, matplotlib, statsmodels, the library), so that they are paid once per run
instead of once per notebook.

The parent (the *fork server*, ``python -m audit_lib.run.warm_server MODULE...``) imports the
modules and then, for each request (one JSON line: the kernel's command, environment and
working folder), forks a child that becomes the kernel exactly as ``python -m
ipykernel_launcher -f <connection file>`` would (own session, the request's environment and
working folder, ``sys.path`` as the launcher leaves it) and answers its pid. A run has one
(:class:`SharedServer`): the runner starts it in the run's working folder with the kernels'
environment when the first notebook is submitted, and its workers send their requests to its
Unix socket (:class:`ForkClient`), so the notebooks' imports are paid once per run, not once
per worker (on two cores the two servers' imports used to compete with each other and with
the validation of the package). It ends when the runner closes it, or when the runner is gone
(end of its input). A process outside a run (one notebook) starts a server of its own
(:class:`ForkServer`, requests on its standard input, ``ready`` when it has imported).

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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning.local_provisioner import LocalProvisioner

from .warm_server import read_line

WARM_ENV = "AUDIT_WARM_KERNELS"
SERVER = "audit_lib.run.warm_server"  # the fork server's module
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
def eligible(cmd: list[str], env: dict[str, str], server_env: dict[str, str], options: list[str]) -> bool:
    """Whether a kernel started by ``cmd`` with ``env`` is the same when forked from a server
    started with ``server_env`` and the interpreter ``options``."""
    same_start = all(env.get(k) == server_env.get(k) for k in set(env) | set(server_env) if k.startswith("PYTHON"))
    n = len(options)
    return (
        len(cmd) > n + 3
        and cmd[1 : n + 1] == options
        and cmd[n + 1 : n + 3] == LAUNCHER
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        and same_start
    )


def _request(cmd: list[str], env: dict[str, str], cwd: str, options: list[str]) -> bytes:
    return json.dumps({"argv": cmd[len(options) + 3 :], "env": env, "cwd": cwd}).encode() + b"\n"


@dataclass(frozen=True)
class Address:
    """How a run's worker reaches the run's :class:`SharedServer` (picklable: it is the
    workers' initializer argument): its socket, working folder, environment and options."""

    path: str
    cwd: str
    env: dict[str, str]
    options: list[str]


class SharedServer:
    """The run's one fork server, started by the runner (:meth:`start`, on the first notebook
    submitted: an unchanged rerun starts none). The runner binds its Unix socket and hands it
    over, so a worker can connect as soon as the server is started; the server accepts once it
    has imported."""

    def __init__(self, cwd: Path, modules: list[str], env: dict[str, str], options: list[str]) -> None:
        from .execute import SOCKET_DIR_PREFIX  # removed as an orphan if the runner is killed

        self.folder = Path(tempfile.mkdtemp(prefix=f"{SOCKET_DIR_PREFIX}{os.getpid()}-"))
        self.address = Address(str(self.folder / "fork"), str(cwd), env, options)
        self.modules = modules
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server (once). If it cannot be started, the workers' requests fail at once
        and their kernels are launched the ordinary way."""
        if self.proc is not None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
                listener.bind(self.address.path)
                listener.listen(16)
                fd = listener.fileno()
                self.proc = subprocess.Popen(  # its input is its lifeline: it ends when the runner does
                    [sys.executable, *self.address.options, "-m", SERVER, "--listen", str(fd), *self.modules],
                    stdin=subprocess.PIPE,
                    cwd=self.address.cwd,
                    env=self.address.env,
                    pass_fds=(fd,),
                )
        except OSError:  # e.g. a socket path too long for the system
            Path(self.address.path).unlink(missing_ok=True)
        # the server holds the only listening socket now: if it dies, a worker's request fails
        # at once (and that kernel is launched the ordinary way) instead of waiting

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        shutil.rmtree(self.folder, ignore_errors=True)


def shared_server(cwd: Path, notebooks: Iterable[Path], env: dict[str, str]) -> SharedServer | None:
    """The run's fork server (not started) for kernels working in ``cwd`` with ``env``,
    importing what ``notebooks`` need (:func:`preload`); ``None`` when warm kernels are off."""
    return SharedServer(cwd, preload(notebooks), env, kernel_options()) if enabled() else None


class ForkClient:
    """A run's worker's way to the run's :class:`SharedServer`."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self.cwd = address.cwd
        self.usable = True  # until a request fails

    def eligible(self, cmd: list[str], env: dict[str, str]) -> bool:
        return eligible(cmd, env, self.address.env, self.address.options)

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int | None:
        """Fork a kernel; its pid, or ``None`` (launch it the ordinary way)."""
        if not self.usable or not self.eligible(cmd, env):
            return None
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.connect(self.address.path)
                s.sendall(_request(cmd, env, cwd, self.address.options))
                return int(json.loads(read_line(s))["pid"])
        except (OSError, ValueError, KeyError):
            self.close()
            return None

    def alive(self) -> bool:
        return self.usable

    def close(self) -> None:
        self.usable = False


def use(address: Address | None) -> None:
    """This worker's kernels are forked by the run's shared server at ``address`` (None: warm
    kernels are off)."""
    global _SERVER
    if address is not None:
        _SERVER = ForkClient(address)


class ForkServer:
    """The fork server of a process outside a run, or of a worker whose run's shared server
    failed (see the module docstring)."""

    def __init__(self, cwd: Path, modules: list[str], options: list[str] | None = None) -> None:
        self.cwd = str(cwd)
        self.env = dict(os.environ)
        self.options = list(options or [])  # the interpreter's options in the kernel's command (-X...)
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, *self.options, "-m", SERVER, *modules],
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
        return eligible(cmd, env, self.env, self.options)

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int | None:
        """Fork a kernel; its pid, or ``None`` (launch it the ordinary way)."""
        if not self.eligible(cmd, env) or not self._wait_ready() or self.proc is None:
            return None
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(_request(cmd, env, cwd, self.options))
            self.proc.stdin.flush()
            return int(json.loads(self.proc.stdout.readline())["pid"])
        except (OSError, ValueError, KeyError):
            self.close()
            return None

    def alive(self) -> bool:
        return self.proc is not None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
        self.ready = False


_SERVER: ForkServer | ForkClient | None = None


def server(cwd: Path, notebooks: Path | Iterable[Path]) -> ForkServer | ForkClient | None:
    """This process's fork server for kernels working in ``cwd``: the run's shared one
    (:func:`use`), else one of its own (started on first use, importing what ``notebooks``
    need: :func:`preload`); ``None`` when warm kernels are off."""
    global _SERVER
    if not enabled():
        return None
    if _SERVER is not None and (_SERVER.cwd != str(cwd) or not _SERVER.alive()):
        _SERVER.close()
        _SERVER = None
    if _SERVER is None:
        _SERVER = own = ForkServer(cwd, preload(notebooks), kernel_options())
        # a runner's worker process ends without atexit (multiprocessing runs its finalizers):
        # the server goes with it, not left for the end of input to stop it
        multiprocessing.util.Finalize(own, own.close, exitpriority=10)
        atexit.register(own.close)
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
    """A ``LocalProvisioner`` that forks the kernel from the run's fork server (or the
    process's own)."""

    fork_server: ForkServer | ForkClient | None = None

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

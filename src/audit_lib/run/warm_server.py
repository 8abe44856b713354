"""The fork server of warm kernels (``run/warm.py``), the process side: ``python -m
audit_lib.run.warm_server MODULE...`` imports the modules, says ``ready`` and forks one kernel
per request line on its input; ``python -m audit_lib.run.warm_server --listen FD MODULE...``
(the run's shared server) takes one request per connection to the listening Unix socket
``FD`` and ends when its input does. Kept apart from ``warm.py`` so that the server imports
only what it preloads, and what a kernel needs to start."""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from typing import IO, Any


def read_line(s: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


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
        for k, v in _SET_BY_IMPORTS.items():  # as the imports would set them in a launched kernel
            os.environ.setdefault(k, v)
        if sys.path and sys.path[0] in ("", os.getcwd()):  # a launched kernel has not its folder first
            del sys.path[0]
        sys.argv = [req["launcher"], *req["argv"]]  # as `python -m ipykernel_launcher` sets it
        from ipykernel import kernelapp

        # The kernel polls its parent and ends when it is gone: a launched kernel's parent is the
        # runner's worker (JPY_PARENT_PID), a forked one's is the server, which ends with the run.
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


# What every kernel imports as it starts (``IPKernelApp.initialize``): the kernel class, its
# shell and its extensions, its debuggers (debugpy: 0.16 of the 0.2 s a forked kernel took to
# initialise; 0.05 s with these), the history's sqlite3, tornado's queues and event loop. None
# of them starts a thread on import.
KERNEL_START = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.queues",
    "tornado.platform.asyncio",
)


# What the imports above added to the environment (debugpy sets PYDEVD_USE_FRAME_EVAL when it is
# not set): a launched kernel's own imports would add it to the request's environment, so each
# forked kernel gets it the same way (only where the request does not set it).
_SET_BY_IMPORTS: dict[str, str] = {}


def _prepare(modules: list[str]) -> str:
    """Import ``modules`` and set the server's signals; the launcher's path (a kernel's argv[0])."""
    import importlib.util

    before = dict(os.environ)
    for m in KERNEL_START:
        importlib.import_module(m)
    for m in modules:
        try:
            importlib.import_module(m)
        except Exception:  # not a module (``from m import function``), or the notebook meets the error itself
            pass
    _SET_BY_IMPORTS.update({k: v for k, v in os.environ.items() if k not in before})
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system
    # Ctrl-C stops the run, not the server: it ends when its worker does (end of input) and says nothing
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    launcher = importlib.util.find_spec("ipykernel_launcher")
    return launcher.origin if launcher and launcher.origin else sys.argv[0]


def _fork(line: bytes, launcher: str, *closed_in_kernel: selectors.BaseSelector | socket.socket) -> bytes:
    """Fork the kernel of one request line; the answer (its pid, one JSON line). The child
    closes ``closed_in_kernel`` and becomes the kernel (:func:`_kernel`)."""
    req = {**json.loads(line), "launcher": launcher}
    pid = os.fork()
    if pid == 0:
        for c in closed_in_kernel:
            c.close()
        _kernel(req)
    return json.dumps({"pid": pid}).encode() + b"\n"


def serve(modules: list[str], inp: IO[bytes], out: IO[bytes]) -> None:
    """Import ``modules``, say ready, then fork one kernel per request line until end of input."""
    launcher = _prepare(modules)
    out.write(b"ready\n")
    out.flush()
    for line in inp:
        out.write(_fork(line, launcher))
        out.flush()


def serve_socket(listener: socket.socket, modules: list[str], lifeline: IO[bytes]) -> None:
    """Import ``modules``, then fork one kernel per connection to ``listener`` (one request
    line, answered with the pid) until ``lifeline`` ends (the runner is gone or closed it)."""
    launcher = _prepare(modules)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(lifeline, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is lifeline:
                if not os.read(lifeline.fileno(), 4096):
                    return
                continue
            conn, _ = listener.accept()
            with conn:
                line = read_line(conn)
                if line:  # the kernel keeps none of the server's sockets
                    conn.sendall(_fork(line, launcher, sel, conn, listener))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--listen"]:
        serve_socket(socket.socket(fileno=int(sys.argv[2])), sys.argv[3:], sys.stdin.buffer)
    else:
        serve(sys.argv[1:], sys.stdin.buffer, sys.stdout.buffer)

"""Warm kernels (run/warm.py): a run's outputs are byte-identical with and without them, and
the kernels really are forked from the warm parent when they are on."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import snapshot, tiny_notebook, write_params

from audit_lib.run import runner, warm

pytestmark = pytest.mark.usefixtures("no_pdf")

# Where the kernel came from (its parent's command line) goes to a file beside the results,
# left out of the comparison; everything else a kernel can see of its start is recorded.
BODY = """import os, sys, pandas as pd
import matplotlib.pyplot as plt
from IPython.display import display
from audit_lib.report.display import figure
from audit_lib.report.style import setup_matplotlib
setup_matplotlib()
pathlib.Path('kernel_parent.txt').write_text(pathlib.Path(f'/proc/{os.getppid()}/cmdline').read_text())
res['sys_path'] = sys.path
res['cwd_is_run_folder'] = pathlib.Path('results').is_dir()
res['argv0'] = sys.argv[0]
res['env'] = sorted(k for k in os.environ if k != 'AUDIT_WARM_KERNELS')
res['own_session'] = os.getsid(0) == os.getpid()
res['main'] = __name__
res['hash'] = hash('warm')
res['names'] = sorted(k for k in globals() if not k.startswith('_'))
display(pd.DataFrame({'x': [1.5, 2.5]}))
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([1, 2], [3, 4])
display(figure(fig, 'two points'))"""


def _run(tmp_path: Path, data: Path, out: str, body: str = BODY, names: str = "abc") -> dict[str, bytes]:
    """A run of the tiny notebooks ``names`` doing ``body`` with two workers, which must leave
    no process behind; its output folder's files."""
    nbs = tmp_path / "nbs"
    for order, name in enumerate(names, 1):
        tiny_notebook(nbs, name, order=10 * order, body=body)
    params = write_params(tmp_path / "params", data)
    existing = descendants()
    r = runner.run(params, out_dir=tmp_path / out, notebook_dir=nbs, progress=lambda m: None, jobs=2)
    assert r.ok, [(x.name, x.error) for x in r.runs]
    assert not left_behind(tmp_path, existing)
    return snapshot(tmp_path / out)


def descendants() -> set[int]:
    """This process's descendants now (the suite's own, e.g. its one SparkSession's JVM)."""
    return _tree(Path("/nonexistent"))[0]


def left_behind(folder: Path, existing: set[int]) -> list[str]:
    """The processes a run left: this process's descendants that were not there before the run
    (``existing``), and any process working in ``folder`` (a kernel or fork server whose parent
    is gone is no descendant any more)."""
    mine, found = _tree(folder)
    gone = []
    for pid in sorted((mine - existing) | found):
        try:
            gone.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " "))
        except OSError:
            continue
    return gone


def _tree(folder: Path) -> tuple[set[int], set[int]]:
    """This process's descendants, and the processes whose working folder is under ``folder``."""
    parent: dict[int, int] = {}
    found: set[int] = set()
    for d in Path("/proc").iterdir():
        try:
            parent[int(d.name)] = int((d / "stat").read_text().rpartition(")")[2].split()[1])
            if os.readlink(d / "cwd").startswith(str(folder)):
                found.add(int(d.name))
        except (ValueError, OSError):
            continue
    mine, grew = {os.getpid()}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in mine} - mine
        grew, mine = bool(more), mine | more
    return mine - {os.getpid()}, found


def test_outputs_are_byte_identical_with_and_without_warm_kernels(tmp_path, demo_copy, monkeypatch):
    monkeypatch.setattr(
        runner, "code_state", lambda paths: {"commit": "x", "dirty": False, "source_sha256": "pinned", "notebooks": {}}
    )
    monkeypatch.setenv(warm.WARM_ENV, "0")
    cold = _run(tmp_path, demo_copy, "cold")
    monkeypatch.setenv(warm.WARM_ENV, "1")
    hot = _run(tmp_path, demo_copy, "warm")
    assert warm.SERVER.encode() in hot["kernel_parent.txt"]  # forked from the warm parent
    assert warm.SERVER.encode() not in cold["kernel_parent.txt"]
    res = json.loads(hot["results/a.json"])
    assert res["own_session"] and res["cwd_is_run_folder"] and res["main"] == "__main__"
    assert "ipykernel_launcher" in res["argv0"]
    assert "pd" in res["names"] and "audit" not in res["names"]  # the notebook's own names only
    nb = nbformat.reads(hot["notebooks/b.ipynb"].decode(), as_version=4)
    assert any("<svg" in o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))

    def compared(snap: dict[str, bytes]) -> dict[str, bytes]:
        return {k: v for k, v in snap.items() if k not in ("manifest.json", "kernel_parent.txt")}

    assert compared(hot).keys() == compared(cold).keys()
    for k in compared(cold):
        assert hot[k] == cold[k], k


def test_notebook_imports_and_what_can_be_forked(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import json, os.path\nfrom audit_lib.notebook import start\nfrom . import rel\nx = 1"
        ),
        nbformat.v4.new_markdown_cell("import not_code"),
    ]
    nbformat.write(nb, str(tmp_path / "n.ipynb"))
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    # ``from m import name``: ``m.name`` too (a submodule when it is one, else skipped by the server)
    assert warm.notebook_imports(tmp_path) == ["audit_lib.notebook", "audit_lib.notebook.start", "json", "os.path"]

    server = warm.ForkServer.__new__(warm.ForkServer)
    server.env, server.options = {"PYTHONHASHSEED": "0", "HOME": "/root"}, ["-Xfrozen_modules=off"]
    stock = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"]
    assert not server.eligible([sys.executable, *stock[2:]], {"PYTHONHASHSEED": "0"})  # other options
    assert server.eligible(stock, {"PYTHONHASHSEED": "0", "HOME": "/elsewhere"})
    assert not server.eligible(stock, {"PYTHONHASHSEED": "1"})  # fixed when the interpreter starts
    assert not server.eligible(stock, {"PYTHONHASHSEED": "0", "PYTHONPATH": "/x"})
    assert not server.eligible(["/usr/bin/other-python", *stock[1:]], {"PYTHONHASHSEED": "0"})
    assert server.eligible([*stock, "--HistoryManager.hist_file=:memory:"], {"PYTHONHASHSEED": "0"})
    assert not server.eligible([sys.executable, "-m", "other_launcher", "-f", "k.json"], {"PYTHONHASHSEED": "0"})


def test_a_kernel_that_dies_or_a_cell_that_raises_fails_as_without_warm_kernels(tmp_path, demo_copy, monkeypatch):
    """Killed, exited and raising notebooks report the same outcome (cell, error) warm and cold,
    the others still run, and nothing is left running after either run."""
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_killed", order=10, body="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    tiny_notebook(nbs, "b_exits", order=20, body="import os\nos._exit(3)")
    tiny_notebook(nbs, "c_raises", order=30, body="raise ValueError('row 3, column amount: not a number')")
    tiny_notebook(nbs, "d_fine", order=40)
    params = write_params(tmp_path / "params", demo_copy)
    outcomes = {}
    existing = descendants()
    for on in ("0", "1"):
        monkeypatch.setenv(warm.WARM_ENV, on)
        r = runner.run(params, out_dir=tmp_path / f"out{on}", notebook_dir=nbs, progress=lambda m: None, jobs=2)
        outcomes[on] = [(x.name, x.status, x.failed_cell, x.error) for x in r.runs]
        assert not left_behind(tmp_path, existing), on
    assert outcomes["1"] == outcomes["0"]
    assert [o[1] for o in outcomes["1"]] == ["failed", "failed", "failed", "ok"]
    assert outcomes["1"][0][3] == outcomes["1"][1][3] == "DeadKernelError: Kernel died"
    assert outcomes["1"][2][2:] == (2, "ValueError: row 3, column amount: not a number")


WHO = """import os, time
time.sleep(0.5)
res['worker'] = os.environ['JPY_PARENT_PID']
res['parent'] = pathlib.Path(f'/proc/{os.getppid()}/cmdline').read_text().split(chr(0))"""


def _who(tmp_path: Path, data: Path, out: str) -> list[dict]:
    snap = _run(tmp_path, data, out, WHO, "abcd")
    return [json.loads(snap[f"results/{n}.json"]) for n in "abcd"]


def test_one_fork_server_serves_both_workers_of_a_run(tmp_path, demo_copy):
    """One process imports the notebooks' modules for the whole run: the kernels of both
    workers are forked by the same shared server (on two cores, two servers' imports slowed
    each other and the validation of the package), which is gone after the run."""
    got = _who(tmp_path, demo_copy, "out")
    assert len({r["worker"] for r in got}) == 2  # both workers ran notebooks
    parents = {tuple(r["parent"]) for r in got}
    assert len(parents) == 1
    (cmd,) = parents
    assert warm.SERVER in cmd and "--listen" in cmd


def test_a_shared_server_that_does_not_start_leaves_the_run_to_ordinary_kernels(tmp_path, demo_copy, monkeypatch):
    monkeypatch.setattr(warm.SharedServer, "start", lambda self: None)
    got = _who(tmp_path, demo_copy, "out")
    assert all("--listen" not in r["parent"] for r in got)


def test_kernels_do_not_inherit_what_the_runner_s_imports_set(monkeypatch):
    """A run's kernels start from the environment the process had when it imported the
    library, not from what a library imported since set in it: pandera, imported when the
    runner validates, sets PYARROW_IGNORE_TIMEZONE, which the kernels of a second run in the
    same process got and the first run's did not (the byte-identity test above caught it)."""
    from audit_lib import ENVIRONMENT_AT_IMPORT
    from audit_lib.run.execute import kernel_env

    at_start = next(iter(ENVIRONMENT_AT_IMPORT))
    monkeypatch.setenv("SET_BY_SOME_IMPORT", "1")
    monkeypatch.setenv("AUDIT_ENGINE", "duckdb")
    env = kernel_env(dict(os.environ))
    assert "SET_BY_SOME_IMPORT" not in env and env["AUDIT_ENGINE"] == "duckdb" and at_start in env
    assert env["PYTHONHASHSEED"] == "0" and "SOURCE_DATE_EPOCH" in env and "MPLBACKEND" in env

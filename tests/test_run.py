"""The runner on tiny notebooks (a temporary notebooks folder): failures are reported and the
others still run, after-all notebooks run last and in order, nothing is half-written where a
finished run was (an exception, or the process killed mid-run), and the CLI exit codes.

The shared helpers (``tiny_notebook``, ``write_params``, ``quiet``, ``snapshot``, the
``no_pdf`` fixture) are in conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import quiet, snapshot, tiny_notebook, write_params

from audit_lib.run import runner
from audit_lib.run.execute import process_alive
from audit_lib.run.notebooks import discover
from audit_lib.run.pool import descendants

pytestmark = pytest.mark.usefixtures("no_pdf")

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------ helpers
def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.glob(f".{out.name}.*"))


def own_socket_dirs(pid: int) -> set[Path]:
    """The kernel socket folders of the run in process ``pid`` (named by its workers' pids)."""
    pids = {pid, *descendants(pid)}
    return {
        p
        for p in Path(tempfile.gettempdir()).glob("audit-kernel-*")
        if p.name.removeprefix("audit-kernel-").split("-")[0] in {str(x) for x in pids}
    }


def hanging_run(params: Path, out: Path, nbs: Path, marker: Path, jobs: int) -> subprocess.Popen[bytes]:
    """`audit run` (forced) on ``nbs`` in a subprocess of its own session, returned once a
    notebook has touched ``marker`` (it then hangs)."""
    code = (
        f"from audit_lib.run.runner import run\nfrom pathlib import Path\n"
        f"run({str(params)!r}, out_dir={str(out)!r}, notebook_dir=Path({str(nbs)!r}), jobs={jobs}, force=True)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    if not marker.exists():
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError("the run never started its notebook")
    return proc


# ------------------------------------------------------------------------------ failures
@pytest.fixture
def mixed(tmp_path, demo_dir):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok", order=10)
    tiny_notebook(nbs, "b_bad", order=20, body="x = 1\nraise ValueError('planted failure in b')")
    tiny_notebook(nbs, "c_ok", order=30)
    # after-all notebooks: y runs before z and z sees y's results
    tiny_notebook(nbs, "y_after", order=950, body="res['seen'] = sorted(p.stem for p in R.glob('*.json'))")
    tiny_notebook(nbs, "z_after", order=960, body="res['seen'] = sorted(p.stem for p in R.glob('*.json'))")
    return nbs, write_params(tmp_path / "params", demo_dir)


def test_failing_notebook_is_marked_and_the_others_still_run(mixed, tmp_path):
    nbs, params = mixed
    out = tmp_path / "out"
    messages: list[str] = []
    result = runner.run(params, out_dir=out, notebook_dir=nbs, jobs=2, progress=messages.append)
    status = {r.name: r.status for r in result.runs}
    assert status == {"a_ok": "ok", "b_bad": "failed", "c_ok": "ok", "y_after": "ok", "z_after": "ok"}
    assert not result.ok
    bad = next(r for r in result.runs if r.name == "b_bad")
    assert bad.failed_cell == 2 and "planted failure in b" in bad.error
    assert any("b_bad: FAILED at cell 2" in m and "planted failure in b" in m for m in messages)
    # the failed report: banner, and the failing cell's code and traceback are shown
    html = (out / "b_bad.html").read_text(encoding="utf-8")
    assert 'class="failed-banner"' in html and "planted failure in b" in html and "ValueError" in html
    assert 'class="failed-banner"' not in (out / "a_ok.html").read_text(encoding="utf-8")
    res = json.loads((out / "results" / "b_bad.json").read_text(encoding="utf-8"))
    assert res["status"] == "failed" and "planted failure" in res["error"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<tr class="failed"><td><a href="b_bad.html">' in index
    # after-all notebooks ran after the others, in order
    y = json.loads((out / "results" / "y_after.json").read_text(encoding="utf-8"))
    z = json.loads((out / "results" / "z_after.json").read_text(encoding="utf-8"))
    assert set(y["seen"]) >= {"a_ok", "c_ok"} and "z_after" not in y["seen"]
    assert "y_after" in z["seen"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [n["status"] for n in manifest["notebooks"]] == ["ok", "failed", "ok", "ok", "ok"]
    assert leftovers(out) == []


def test_cli_exit_codes(mixed, tmp_path, monkeypatch, capsys):
    from audit_lib import cli

    nbs, params = mixed
    monkeypatch.setattr(runner, "discover", lambda folder: discover(nbs))
    assert cli.main(["run", str(params), "--out", str(tmp_path / "o1"), "--only", "a_ok", "b_bad"]) == 1
    assert cli.main(["run", str(params), "--out", str(tmp_path / "o2"), "--only", "a_ok"]) == 0
    assert cli.main(["run", str(params), "--out", str(tmp_path / "o3"), "--only", "nope"]) == 2
    assert "unknown notebook(s): nope" in capsys.readouterr().err
    bad_params = write_params(tmp_path / "p2", tmp_path / "no-such-data")
    assert cli.main(["run", str(bad_params), "--out", str(tmp_path / "o4")]) == 1
    assert not (tmp_path / "o4").exists()


# ------------------------------------------------------------------------------ never half-written
def test_an_exception_mid_run_leaves_the_previous_output_intact(tmp_path, demo_dir, monkeypatch):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp_path / "params", demo_dir)
    out = tmp_path / "out"
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    before = snapshot(out)

    def boom(*args, **kwargs):
        raise RuntimeError("crash while rendering")

    monkeypatch.setattr(runner, "render_reports", boom)
    with pytest.raises(RuntimeError, match="crash while rendering"):
        runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet, force=True)
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_killed_run_leaves_the_previous_output_intact(tmp_path, demo_dir):
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp_path / "params", demo_dir)
    out = tmp_path / "out"
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    before = snapshot(out)
    # a second run whose notebook signals that it is executing, then hangs
    marker = tmp_path / "started"
    tiny_notebook(nbs, "a_ok", body=f"pathlib.Path({str(marker)!r}).touch()\nimport time\ntime.sleep(120)")
    proc = hanging_run(params, out, nbs, marker, jobs=1)
    try:
        assert leftovers(out), "the run should be staging beside the output"
        sockets = own_socket_dirs(proc.pid)  # not other runs' (other tests, other users)
        assert sockets, "the kernel should be reached over Unix sockets in a temporary folder"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert snapshot(out) == before  # the finished run is untouched
    # the next run removes the killed run's staging folder
    tiny_notebook(nbs, "a_ok")
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    assert leftovers(out) == []
    # ... and the killed kernel's socket folder
    assert not sockets & set(Path(tempfile.gettempdir()).glob("audit-kernel-*"))


def test_ctrl_c_stops_a_run_at_once_and_leaves_nothing(tmp_path, demo_dir):
    """SIGINT to the run's process group (Ctrl-C in a terminal) while notebooks execute: the
    run exits within seconds, non-zero, with no process left running, no staging folder, no
    kernel socket folder, and the previous output untouched."""
    nbs = tmp_path / "nbs"
    for name, order in (("a_ok", 10), ("b_ok", 20)):
        tiny_notebook(nbs, name, order=order)
    params = write_params(tmp_path / "params", demo_dir)
    out = tmp_path / "out"
    runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    before = snapshot(out)
    marker = tmp_path / "started"
    for name, order in (("a_ok", 10), ("b_ok", 20)):
        body = f"pathlib.Path({str(marker)!r}).touch()\nimport time\ntime.sleep(120)"
        tiny_notebook(nbs, name, order=order, body=body)
    proc = hanging_run(params, out, nbs, marker, jobs=2)
    try:
        time.sleep(0.5)
        started = descendants(proc.pid)
        sockets = own_socket_dirs(proc.pid)
        assert started and sockets
        os.killpg(proc.pid, signal.SIGINT)
        t = time.time()
        status = proc.wait(timeout=20)
        assert time.time() - t < 10
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert status != 0
    time.sleep(0.2)
    assert [p for p in started if process_alive(p)] == []
    assert not sockets & set(Path(tempfile.gettempdir()).glob("audit-kernel-*"))
    assert leftovers(out) == []
    assert snapshot(out) == before


def test_remove_stale_puts_back_an_output_moved_aside_by_a_killed_run(tmp_path):
    out = tmp_path / "out"
    dead = 2**22 + 12345  # above the default pid_max: no such process
    old = tmp_path / f".out.old-{dead}"
    old.mkdir()
    (old / "index.html").write_text("previous", encoding="utf-8")
    staging = tmp_path / f".out.staging-{dead}"
    staging.mkdir()
    mine = tmp_path / f".out.staging-{os.getpid()}"
    mine.mkdir()
    runner.remove_stale(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "previous"
    assert not old.exists() and not staging.exists()
    assert mine.exists()  # a live run's folder is left alone


def test_injected_parameters_do_not_depend_on_the_staging_folder(tmp_path, demo_dir):
    inside = ROOT / "params" / "demo.yaml"
    got = runner.notebook_parameters(inside, "sv")
    assert got == {"params_file": "params/demo.yaml", "data_dir": "inputs", "results_dir": "results", "language": "sv"}
    assert runner.notebook_parameters(inside, "en", has_data=False)["data_dir"] == ""


@pytest.fixture
def own_tempdir(monkeypatch):
    """A temporary folder of the test's own for the run's kernel socket folders (others' runs
    create theirs in the system's), short enough for a socket path."""
    folder = tempfile.mkdtemp(prefix="t")
    monkeypatch.setattr(tempfile, "tempdir", folder)
    yield Path(folder)
    monkeypatch.undo()
    shutil.rmtree(folder, ignore_errors=True)


def test_the_kernel_is_reached_over_unix_sockets_not_tcp(tmp_path, demo_dir, capfd, own_tempdir):
    """No network port is opened by a run, and the kernel has nothing to warn about,
    and its socket folder is removed when the notebook is done."""
    nbs = tmp_path / "nbs"
    tiny_notebook(
        nbs,
        "t_transport",
        body=("from ipykernel.kernelapp import IPKernelApp\nres['transport'] = IPKernelApp.instance().transport"),
    )
    out = tmp_path / "out"
    before = set(Path(tempfile.gettempdir()).glob("audit-kernel-*"))
    result = runner.run(write_params(tmp_path / "params", demo_dir), out_dir=out, notebook_dir=nbs, progress=quiet)
    assert result.ok
    res = json.loads((out / "results" / "t_transport.json").read_text(encoding="utf-8"))
    assert res["transport"] == "ipc"
    assert "without encryption" not in capfd.readouterr().err
    assert set(Path(tempfile.gettempdir()).glob("audit-kernel-*")) <= before  # the notebook's is gone


def test_internal_renditions_in_parallel_skip_a_broken_notebook_with_a_warning(mixed, tmp_path, capsys):
    from concurrent.futures import ProcessPoolExecutor

    from audit_lib.run.site import build_internal

    nbs, params = mixed
    out = tmp_path / "out"
    runner.run(params, out_dir=out, notebook_dir=nbs, jobs=2, progress=quiet)
    names = ["a_ok", "b_bad", "c_ok"]
    assert sorted(p.name for p in (out / "internal").glob("*.html")) == sorted(
        f"{n}.html" for n in [*names, "y_after", "z_after"]
    )
    expected = (out / "internal" / "c_ok.html").read_bytes()
    (out / "notebooks" / "a_ok.ipynb").write_text("{ not a notebook", encoding="utf-8")
    for p in (out / "internal").glob("*.html"):
        p.unlink()
    with ProcessPoolExecutor(max_workers=2) as pool:
        done = build_internal(out, names, "sv", mapper=pool.map)
    assert done == ["b_bad.html", "c_ok.html"]
    assert "no internal rendition of a_ok" in capsys.readouterr().err
    assert (out / "internal" / "c_ok.html").read_bytes() == expected  # the same page as the run's
    assert not (out / "internal" / "a_ok.html").exists()

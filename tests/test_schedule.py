"""How a run schedules its notebooks (issue 18): the longest first, the kernels' fork servers
started while the inputs are staged only when some notebook is bound to run, and each server
importing only what the notebooks it serves need. None of it may change an output: that the
outputs are byte-identical is tested in test_speed_warm.py and test_cache.py."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from conftest import tiny_notebook, write_params

from audit_lib.run import cache, runner, warm
from audit_lib.run.notebooks import NotebookInfo, discover
from audit_lib.run.schedule import longest_first

pytestmark = pytest.mark.usefixtures("no_pdf")


def _info(name: str, cost: float = 0.0, order: int = 10) -> NotebookInfo:
    return NotebookInfo(name, Path(f"{name}.ipynb"), order, name, (), cost=cost)


def test_must_rerun_looks_at_code_packages_and_parameters_not_inputs():
    old = cache.Fingerprint("c", "e", "p", {"data/a.csv": "1"})
    prev = {"n": {"key": old.key, "parts": old.to_json()}}
    assert not cache.must_rerun(prev, "n", cache.Fingerprint("c", "e", "p", {}))  # inputs not read yet
    assert not cache.must_rerun(prev, "n", cache.Fingerprint("c", "e", "p", {"data/a.csv": "2"}))
    assert cache.must_rerun(prev, "n", cache.Fingerprint("c2", "e", "p", {}))
    assert cache.must_rerun(prev, "n", cache.Fingerprint("c", "e2", "p", {}))
    assert cache.must_rerun(prev, "n", cache.Fingerprint("c", "e", "p2", {}))
    assert cache.must_rerun({}, "n", old)
    assert cache.must_rerun({"n": {"key": old.key}}, "n", old)  # an entry without its parts


def test_longest_first_by_last_times_then_by_cost_hint(tmp_path):
    a, b, c, d = _info("a", 1), _info("b", 12), _info("c"), _info("d", 4)
    plan = SimpleNamespace(out=tmp_path / "out")
    assert [n.name for n in longest_first(plan, [a, b, c, d])] == ["b", "d", "a", "c"]  # no run yet: the hints
    plan.out.mkdir()
    (plan.out / "manifest.json").write_text(
        json.dumps(
            {
                "notebooks": [
                    {"name": "a", "status": "ok", "executed": True, "seconds": 20.0},
                    {"name": "b", "status": "ok", "executed": False, "seconds": 0.0},  # reused: not timed
                    {"name": "c", "status": "failed", "executed": True, "seconds": 99.0},  # failed early
                    {"name": "d", "status": "ok", "executed": True, "seconds": 2.5},
                ]
            }
        ),
        encoding="utf-8",
    )
    assert [n.name for n in longest_first(plan, [a, b, c, d])] == ["a", "b", "d", "c"]
    assert [n.name for n in longest_first(plan, [c, _info("e"), _info("f")])] == ["c", "e", "f"]  # ties: run order


def test_the_real_notebooks_hint_that_causality_and_the_statistics_are_the_longest():
    cost = {n.name: n.cost for n in discover()}
    heaviest = sorted(cost, key=lambda k: -cost[k])[:2]
    assert set(heaviest) == {"causality", "external_statistics"}


def test_a_server_preloads_the_library_only_for_notebooks_that_import_it(tmp_path):
    tiny_notebook(tmp_path, "lib")  # imports audit_lib.params
    plain = nbformat.v4.new_notebook()
    plain.cells = [nbformat.v4.new_code_cell("import json\nx = 1")]
    nbformat.write(plain, str(tmp_path / "plain.ipynb"))
    only_plain = warm.preload([tmp_path / "plain.ipynb"])
    assert only_plain == ["json"]
    both = warm.preload([tmp_path / "plain.ipynb", tmp_path / "lib.ipynb"])
    assert "audit_lib.params.load_params" in both and set(warm.LIBRARY_REACHES) <= set(both)
    assert warm.preload(tmp_path) == both  # a folder: every notebook in it


def test_only_a_server_for_the_causality_notebook_preloads_ibis():
    """In a run only the causality question reaches the engine (ibis); measured with cold
    kernels, 1 Dec: every other notebook's kernel ends without ibis imported."""
    nbs = {n.name: n.path for n in discover()}
    rerun = warm.preload([nbs["q3_targets"], nbs["summary"], nbs["followup"]])
    assert "ibis" not in rerun and "statsmodels.regression.linear_model" in rerun
    full = warm.preload(list(nbs.values()))
    assert {"ibis", "audit_lib.engine.panel"} <= set(full)
    assert full.count("ibis") == 1
    assert "audit_lib.questions.causality" in warm.notebook_imports([nbs["causality"]])


def test_workers_start_during_staging_only_when_a_notebook_is_bound_to_run(tmp_path, demo_copy, monkeypatch):
    real = runner.code_state
    monkeypatch.setattr(runner, "code_state", lambda paths: {**real(paths), "source_sha256": "pinned"})
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_small", order=10, sections=("q3_targets",))
    tiny_notebook(nbs, "b_big", order=20, sections=("q1_process",), body="import time\ntime.sleep(0.5)")
    tiny_notebook(nbs, "z_after", order=960, sections=("followup",))
    with (nbs / "b_big.ipynb").open(encoding="utf-8") as fh:
        nb = json.load(fh)
    nb["metadata"]["audit"]["cost"] = 5
    (nbs / "b_big.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    started: list[list[str]] = []

    def pool(p, st, preload):
        started.append([n.name for n in preload])
        return real_pool(p, st, preload)

    real_pool = runner.notebook_pool
    monkeypatch.setattr(runner, "notebook_pool", pool)
    began: list[bool] = []
    real_start = runner.start_workers
    monkeypatch.setattr(runner, "start_workers", lambda w: (began.append(True), real_start(w)))
    out = tmp_path / "out"

    def run(level: float) -> list[str]:
        params = write_params(tmp_path / "params", demo_copy, q3_targets={"forecast_level": level})
        said: list[str] = []
        assert runner.run(params, out_dir=out, notebook_dir=nbs, jobs=1, progress=said.append).ok
        return [m.split("] ", 1)[1].split(":", 1)[0] for m in said if m.startswith("[")]

    assert run(0.8) == ["b_big", "a_small", "z_after"]  # first run: the costliest first, after-all last
    assert started[-1] == ["a_small", "b_big", "z_after"] and began == [True]
    assert run(0.8) == ["a_small", "b_big", "z_after"]  # all reused, reported in run order
    assert started[-1] == ["a_small", "b_big", "z_after"] and began == [True]  # no worker started
    run(0.9)  # a_small's section changed: it and the after-all notebook are bound to run
    assert started[-1] == ["a_small", "z_after"] and began == [True, True]


def test_pages_rendered_as_each_notebook_finishes_are_the_pages_the_render_step_writes(
    tmp_path, demo_copy, monkeypatch
):
    """The public pages and internal renditions rendered during execution (run/early.py) are
    byte for byte what the render step writes after the last notebook; a notebook that failed
    is left to the render step."""
    from conftest import snapshot

    from audit_lib.run import early

    monkeypatch.setattr(
        runner, "code_state", lambda paths: {"commit": "x", "dirty": False, "source_sha256": "pinned", "notebooks": {}}
    )
    params = Path(__file__).resolve().parents[1] / "params" / "demo.yaml"
    only = ["q3_targets", "q5_indicators", "summary"]
    seen: list[tuple[str, bool]] = []
    real = runner.render_early

    def watched(p, st, pages, r):
        real(p, st, pages, r)
        seen.append((r.name, r.name in pages.public and r.name in pages.internal))

    monkeypatch.setattr(runner, "render_early", watched)
    runner.run(params, data_dir=demo_copy, out_dir=tmp_path / "early", only=only, jobs=2, progress=lambda m: None)
    assert sorted(seen) == [("q3_targets", True), ("q5_indicators", True), ("summary", True)]
    monkeypatch.setattr(runner, "render_early", lambda *a: None)
    runner.run(params, data_dir=demo_copy, out_dir=tmp_path / "late", only=only, jobs=2, progress=lambda m: None)
    a, b = snapshot(tmp_path / "early"), snapshot(tmp_path / "late")
    assert a.keys() == b.keys() and "internal/q3_targets.html" in a
    assert [k for k in a if k != "manifest.json" and a[k] != b[k]] == []

    failed = early.EarlyPages({"x": ""})
    early.render_early(None, None, failed, SimpleNamespace(name="x", reused=False, status="failed"))  # type: ignore[arg-type]
    assert not failed.public and not failed.internal


def test_an_internal_rendition_that_fails_early_is_left_to_the_site_step(tmp_path, demo_copy, monkeypatch):
    """As before the early pages: an internal rendition that cannot be rendered never fails the
    run; the site step renders it again (and warns if it fails there too)."""
    from audit_lib.run import early

    monkeypatch.setattr(early, "render_file_or_error", lambda job: "RuntimeError: boom")
    params = Path(__file__).resolve().parents[1] / "params" / "demo.yaml"
    out = tmp_path / "out"
    res = runner.run(params, data_dir=demo_copy, out_dir=out, only=["q3_targets"], jobs=1, progress=lambda m: None)
    assert res.ok and (out / "internal" / "q3_targets.html").is_file() and (out / "q3_targets.html").is_file()


def test_pages_are_rendered_beside_the_run_and_never_hold_back_the_after_all_notebooks(monkeypatch):
    """Each notebook's pages are rendered in a thread of the runner's process as it finishes,
    in the order they finished, once each; the after-all notebooks are submitted without
    waiting for any page (issue 18: the runner rendered the pages of the notebooks that had
    finished, one after the other, before it submitted the summary: 2.2 s of idle workers in
    the demo run). A page that fails fails the run."""
    import threading
    from concurrent.futures import Future

    from audit_lib.run import schedule
    from audit_lib.run.execute import NotebookRun

    log: list[str] = []
    summary_submitted = threading.Event()

    class Workers:
        def submit(self, fn, info, *args):
            log.append(f"run {info.name}")
            if info.name == "summary":
                summary_submitted.set()
            done: Future[NotebookRun] = Future()
            done.set_result(NotebookRun(info.name, "ok", 0.1))
            return done

    def pages(r):
        if r.name in ("a", "b"):  # the old runner waited here, in its own thread, before the summary
            log.append(f"pages {r.name} {summary_submitted.wait(5)}")
        else:
            log.append(f"pages {r.name}")

    monkeypatch.setattr(schedule, "_cached", lambda p, st, info: None)
    monkeypatch.setattr(schedule, "_finished", lambda st, info, fut: fut.result())
    monkeypatch.setattr(schedule, "notebook_parameters", lambda *a, **k: {})
    monkeypatch.setattr(schedule, "longest_first", lambda p, todo: todo)
    nbs = [_info("a", order=10), _info("b", order=20), _info("summary", order=950), _info("followup", order=960)]
    p = SimpleNamespace(notebooks=nbs, params_path=Path("p.yaml"), lang="sv", data=None, out=Path("out"), say=print)
    st = SimpleNamespace(previous={}, folder=Path("staging"))
    ran = schedule.execute(p, st, Workers(), pages)  # type: ignore[arg-type]
    assert [r.name for r in ran.runs] == ["a", "b", "summary", "followup"]
    assert [e for e in log if e.startswith("run")] == ["run a", "run b", "run summary", "run followup"]
    assert sorted(e for e in log if e.startswith("pages")) == [
        "pages a True",
        "pages b True",
        "pages followup",
        "pages summary",
    ]
    assert log.index("pages summary") < log.index("pages followup")

    def broken(r):
        raise RuntimeError(f"page of {r.name}")

    with pytest.raises(RuntimeError, match="page of (a|b)"):  # a and b finish in either order
        schedule.execute(p, st, Workers(), broken)  # type: ignore[arg-type]


def test_no_question_module_imports_all_of_statsmodels():
    """``statsmodels.api`` imports every model (0.7 s more than OLS on this machine, in each fork
    server); the questions import only what they use."""
    from conftest import fresh_python

    code = (
        "import sys, pkgutil, importlib, audit_lib.questions as q\n"
        "for m in pkgutil.walk_packages(q.__path__, 'audit_lib.questions.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('statsmodels.regression.linear_model' in sys.modules, 'statsmodels.api' in sys.modules)"
    )
    assert fresh_python(code).split() == ["True", "False"]


def test_the_fork_server_does_not_import_pandera():
    """The kernels of a run read the typed tables the runner wrote after it validated the
    package; pandera (0.5 s, and it imports an installed PySpark) is imported where a table is
    checked, so the fork server, which imports what every notebook imports, does without it."""
    from conftest import fresh_python

    code = (
        "import sys, importlib\nfrom pathlib import Path\nfrom audit_lib.run import warm\n"
        "for m in warm.preload(Path(sys.argv[1])):\n"
        "    try:\n        importlib.import_module(m)\n    except Exception:\n        pass\n"
        "import audit_lib.contract.validate\n"
        "print('audit_lib.questions.causality' in sys.modules, 'pandera' in sys.modules)"
    )
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    assert fresh_python(code, str(notebooks)).split() == ["True", "False"]

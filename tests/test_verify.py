"""``audit verify``: re-execute a finished run, report every difference file by file and every
input that no longer matches its recorded hash; exit non-zero when it does not verify."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import quiet, tiny_notebook, write_params

from audit_lib import cli
from audit_lib.run import runner
from audit_lib.run.verify import FileDiff, VerifyReport, compare_dirs, describe, json_diff, verify

pytestmark = pytest.mark.usefixtures("no_pdf")

COUNT_TARGETS = "res['n_target_lines'] = sum(1 for _ in open(P.data_path / 'targets.csv', encoding='utf-8'))"


def _project(tmp: Path, data_src: Path) -> tuple[Path, Path]:
    data = tmp / "data"
    shutil.copytree(data_src, data)
    nbs = tmp / "nbs"
    tiny_notebook(nbs, "a_ok", body=COUNT_TARGETS)
    tiny_notebook(nbs, "b_ok", order=20)
    return nbs, write_params(tmp / "params", data)


@pytest.fixture(scope="module")
def finished(tmp_path_factory, demo_dir):
    tmp = tmp_path_factory.mktemp("verify")
    nbs, params = _project(tmp, demo_dir)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIT_PDF", "0")
        runner.run(params, out_dir=tmp / "out", notebook_dir=nbs, progress=quiet)
    return tmp / "out"


def test_an_unchanged_run_verifies(finished, capsys):
    assert cli.main(["verify", str(finished)]) == 0
    out = capsys.readouterr().out
    assert "every recorded input file matches" in out and "byte-identical" in out and out.rstrip().endswith("VERIFIED")


def test_changed_outputs_are_named_file_by_file(finished, tmp_path):
    copy = tmp_path / "out"
    shutil.copytree(finished, copy)
    res = copy / "results" / "a_ok.json"
    res.write_text(
        res.read_text(encoding="utf-8").replace('"n_target_lines": ', '"n_target_lines": 1'), encoding="utf-8"
    )
    a = copy / "a_ok.html"
    a.write_text(a.read_text(encoding="utf-8").replace("a_ok: done", "a_ok: edited"), encoding="utf-8")
    b = copy / "b_ok.html"
    b.write_text(b.read_text(encoding="utf-8").replace("sha256</th>", "SHA-256</th>"), encoding="utf-8")
    (copy / "notebooks" / "b_ok.ipynb").unlink()
    report = verify(copy, progress=quiet)
    kinds = {d.path: (d.kind, d.detail) for d in report.diffs}
    assert kinds["results/a_ok.json"] == ("differs", "at n_target_lines")
    assert kinds["a_ok.html"][0] == "differs"
    assert kinds["b_ok.html"] == ("appendix_only", "")
    assert kinds["notebooks/b_ok.ipynb"][0] == "only_in_rerun"
    assert set(kinds) <= {"results/a_ok.json", "a_ok.html", "b_ok.html", "notebooks/b_ok.ipynb"} | {
        k for k in kinds if k.startswith("site/")
    }
    assert not report.ok
    text = report.format()
    assert "results/a_ok.json: differs - at n_target_lines" in text and "NOT VERIFIED" in text


def test_a_changed_data_file_is_named_and_fails(tmp_path, demo_dir, capsys):
    nbs, params = _project(tmp_path, demo_dir)
    runner.run(params, out_dir=tmp_path / "out", notebook_dir=nbs, progress=quiet)
    t = tmp_path / "data" / "targets.csv"
    t.write_text(
        t.read_text(encoding="utf-8") + t.read_text(encoding="utf-8").splitlines()[1].replace("2019", "2018", 1) + "\n",
        encoding="utf-8",
    )
    assert cli.main(["verify", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "data/targets.csv: changed since the run" in out
    assert "results/a_ok.json: differs - at n_target_lines" in out  # and what it changed
    assert out.rstrip().endswith("NOT VERIFIED")


def test_verify_needs_a_manifest(tmp_path, capsys):
    assert cli.main(["verify", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


# ------------------------------------------------------------------------------ comparison units
def test_json_diff_names_paths():
    a = {"x": 1, "t": [{"g": 1.0}, {"g": 2.0}], "only_a": 1}
    b = {"x": 1, "t": [{"g": 1.0}, {"g": 2.5}], "only_b": 1}
    assert json_diff(a, b) == ["only_a", "only_b", "t[1].g"]
    assert json_diff([1, 2], [1]) == ["(top) (length 2 vs 1)"]
    assert json_diff(a, a) == []


def test_float_rounding_is_explained_but_still_a_difference():
    a = b'{"x": -0.04882598957030218, "n": 3}'
    b = b'{"x": -0.04882598957030204, "n": 3}'
    d = describe("results/q.json", a, b)
    assert d.kind == "differs" and "floating-point digits only" in d.detail and "3e-15" in d.detail
    assert "floating-point" not in describe("results/q.json", a, b'{"x": -0.05, "n": 3}').detail


def test_appendix_only_differences_pass_unless_strict(tmp_path):
    page = '<p>finding</p><section class="run-appendix">commit {}</section>'
    d = describe("q.html", page.format("a").encode(), page.format("b").encode())
    assert d.kind == "appendix_only"
    assert describe("q.html", b"<p>1</p>", b"<p>2</p>").kind == "differs"
    r = VerifyReport(tmp_path, diffs=[FileDiff("q.html", "appendix_only")])
    assert r.ok
    r.strict = True
    assert not r.ok


def test_compare_dirs_skips_manifest_and_cache(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d, v in ((a, "1"), (b, "2")):
        (d / "results").mkdir(parents=True)
        (d / "manifest.json").write_text(v, encoding="utf-8")
        (d / "cache.json").write_text(v, encoding="utf-8")
        (d / "results" / "x.json").write_text("{}", encoding="utf-8")
    diffs, n = compare_dirs(a, b)
    assert diffs == [] and n == 1

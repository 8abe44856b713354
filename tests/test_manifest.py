"""The run manifest and the provenance appendix of every report."""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import quiet, tiny_notebook, write_params

from audit_lib.params import dump_params, load_params
from audit_lib.run import manifest as mf
from audit_lib.run import runner

pytestmark = pytest.mark.usefixtures("no_pdf")

ROOT = Path(__file__).resolve().parents[1]
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def finished(tmp_path_factory, demo_dir):
    """One run of a good and a failing notebook, with an evidence register and a folder
    named by a parameter section (followup.previous_results_dir)."""
    tmp = tmp_path_factory.mktemp("manifest")
    nbs = tmp / "nbs"
    tiny_notebook(nbs, "a_ok", sections=("followup",))
    tiny_notebook(nbs, "b_bad", order=20, body="raise RuntimeError('planted')")
    ev = tmp / "params" / "evidence"
    ev.mkdir(parents=True)
    (ev / "q3.yaml").write_text("year: 2025\n", encoding="utf-8")
    prev = tmp / "prev" / "results"
    prev.mkdir(parents=True)
    (prev / "q3_targets.json").write_text('{"status": "ok"}\n', encoding="utf-8")
    params = write_params(
        tmp / "params",
        demo_dir,
        evidence="evidence",
        followup={"previous_results_dir": str(prev)},
        q3_targets={"forecast_level": 0.7},
    )
    with pytest.MonkeyPatch.context() as mp:  # module-scoped: the autouse no_pdf is per test
        mp.setenv("AUDIT_PDF", "0")
        result = runner.run(params, out_dir=tmp / "out", notebook_dir=nbs, progress=quiet)
    return {
        "out": tmp / "out",
        "params": params,
        "nbs": nbs,
        "data": demo_dir,
        "ev": ev,
        "prev": prev,
        "result": result,
        "manifest": json.loads((tmp / "out" / "manifest.json").read_text()),
    }


def test_manifest_records_code_parameters_inputs_packages_and_times(finished):
    m = finished["manifest"]
    assert m["code"]["commit"] and len(m["code"]["commit"]) == 40  # a commit (HEAD may move while tests run)
    assert isinstance(m["code"]["dirty"], bool)
    assert re.fullmatch(r"[0-9a-f]{64}", m["code"]["source_sha256"])
    assert m["code"]["notebooks"] == {
        "a_ok": sha(finished["nbs"] / "a_ok.ipynb"),
        "b_bad": sha(finished["nbs"] / "b_bad.ipynb"),
    }
    params = load_params(finished["params"])
    assert m["params_sha256"] == hashlib.sha256(dump_params(params).encode("utf-8")).hexdigest()
    assert m["params"]["q3_targets"]["forecast_level"] == 0.7
    # every input file with its sha256: data package, evidence, the parameters file, and the
    # files a parameter section points to
    data_files = [p for p in finished["data"].iterdir() if p.suffix in (".csv", ".parquet")]
    assert len(data_files) >= 8
    for p in data_files:
        assert m["inputs"][f"data/{p.name}"] == {"path": str(p.resolve()), "sha256": sha(p)}
    assert m["inputs"]["evidence/q3.yaml"]["sha256"] == sha(finished["ev"] / "q3.yaml")
    assert m["inputs"]["params/params.yaml"]["sha256"] == sha(finished["params"])
    assert m["inputs"]["followup.previous_results_dir/q3_targets.json"]["sha256"] == sha(
        finished["prev"] / "q3_targets.json"
    )
    assert m["python"] == platform.python_version()
    assert m["packages"]["pandas"] == pd.__version__ and m["packages"]["papermill"]
    started, ended = datetime.fromisoformat(m["started"]), datetime.fromisoformat(m["ended"])
    assert started <= ended and m["seconds"] >= 0
    nbs = {n["name"]: n for n in m["notebooks"]}
    assert nbs["a_ok"]["status"] == "ok" and nbs["a_ok"]["executed"] and nbs["a_ok"]["seconds"] > 0
    assert nbs["b_bad"]["status"] == "failed" and "planted" in nbs["b_bad"]["error"]
    assert re.fullmatch(r"[0-9a-f]{64}", nbs["a_ok"]["key"])


def test_every_report_carries_the_appendix_and_no_times(finished):
    out, m = finished["out"], finished["manifest"]
    for name in ("a_ok", "b_bad"):
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert '<section class="run-appendix">' in html
        assert m["params_sha256"] in html and m["code"]["commit"] in html and m["code"]["source_sha256"] in html
        assert m["code"]["notebooks"][name] in html
        for label, v in m["inputs"].items():
            assert v["sha256"] in html and label in html
        assert "pandas " + m["packages"]["pandas"] in html
    # times and absolute paths live in the manifest only
    for p in list(out.glob("*.html")) + list((out / "results").glob("*.json")):
        text = p.read_text(encoding="utf-8")
        assert not ISO_TIME.search(text), p
        assert str(out) not in text and str(finished["data"]) not in text, p


def test_a_notebook_kernel_does_not_import_the_runner_machinery():
    """``audit_lib.notebook`` imports ``run.manifest`` (validation stamp); it must not pull in
    nbformat (about 2.5 s through jsonschema) or papermill into every kernel."""
    code = "import sys, audit_lib.notebook; print(sorted(m for m in ('nbformat', 'papermill', 'nbconvert') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_tree_hash_follows_content_and_ignores_caches(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n", encoding="utf-8")
    h = mf.tree_hash(tmp_path)
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / ".hidden").write_text("x", encoding="utf-8")
    assert mf.tree_hash(tmp_path) == h
    (tmp_path / "pkg" / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert mf.tree_hash(tmp_path) != h
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "a.py").rename(tmp_path / "pkg" / "b.py")
    assert mf.tree_hash(tmp_path) != h  # names count too


def test_appendix_escapes_labels_and_says_where_times_are():
    m = {
        "code": {"commit": None, "dirty": None, "source_sha256": "abc", "notebooks": {}},
        "params_file": "params/<x>.yaml",
        "params_sha256": "ph",
        "language": "sv",
        "python": "3.11",
        "packages": {"pandas": "3"},
        "inputs": {"data/<script>.csv": {"path": "/secret/place", "sha256": "ih"}},
    }
    html = mf.appendix_html(m, "en")
    assert "<script>" not in html and "&lt;script&gt;.csv" in html and "params/&lt;x&gt;.yaml" in html
    assert "unknown (no git history)" in html and "manifest.json" in html and "/secret/place" not in html
    assert "Bilaga" in mf.appendix_html(m, "sv")


def test_display_path_is_relative_inside_the_project():
    assert mf.display_path(ROOT / "params" / "demo.yaml") == "params/demo.yaml"
    assert mf.display_path(Path("/tmp/elsewhere.yaml")) == "/tmp/elsewhere.yaml"

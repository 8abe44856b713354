"""The run cache: a rerun skips what is unchanged, reruns exactly what depends on a change.

Tiny notebooks (test_run.tiny_notebook): ``a_q3`` reads section q3_targets and records its
forecast_level; ``b_q1`` reads section q1_process and records nothing from it; ``z_after``
runs after all others and copies their results.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import snapshot, tiny_notebook, write_params

from audit_lib.params import load_params
from audit_lib.run import cache, runner
from audit_lib.run.notebooks import NotebookInfo, discover


pytestmark = pytest.mark.usefixtures("no_pdf")


def _params(folder: Path, data: Path, level: float = 0.8, q1_rule: float | None = None, sig: float = 0.05) -> Path:
    q1 = {"criteria": {"ja": [{"input": "x", "op": ">=", "value": q1_rule}]}} if q1_rule is not None else {}
    return write_params(folder, data, q3_targets={"forecast_level": level}, q1_process=q1, significance_level=sig)


@pytest.fixture
def project(tmp_path, demo_copy, monkeypatch):
    # Pin the library's source hash: other work on src/audit_lib while the test runs would
    # otherwise (rightly) rerun everything. That the hash enters the key is tested below.
    real = runner.code_state
    monkeypatch.setattr(runner, "code_state", lambda paths: {**real(paths), "source_sha256": "pinned"})
    nbs = tmp_path / "nbs"
    tiny_notebook(
        nbs, "a_q3", order=10, sections=("q3_targets",), body="res['forecast_level'] = P.q3_targets.forecast_level"
    )
    tiny_notebook(nbs, "b_q1", order=20, sections=("q1_process",))
    tiny_notebook(
        nbs,
        "z_after",
        order=960,
        sections=("followup",),
        body="res['others'] = {p.stem: json.loads(p.read_text()) for p in sorted(R.glob('*.json'))}",
    )
    return nbs, demo_copy, tmp_path / "params", tmp_path / "out"


def _run(nbs, params, out, **kw):
    messages: list[str] = []
    r = runner.run(params, out_dir=out, notebook_dir=nbs, progress=messages.append, jobs=2, **kw)
    assert r.ok
    return r, "\n".join(messages)


def test_rerun_skips_unchanged_and_reruns_what_depends_on_a_change(project):
    nbs, data, pdir, out = project
    r, _ = _run(nbs, _params(pdir, data), out)
    assert r.executed == ["a_q3", "b_q1", "z_after"]
    first = snapshot(out)
    rendered = (out / "b_q1.html").stat().st_mtime_ns
    internal = (out / "internal" / "b_q1.html").stat().st_mtime_ns
    internal_a = (out / "internal" / "a_q3.html").stat().st_mtime_ns

    # nothing changed: nothing executes, and every output is byte-identical
    r, log = _run(nbs, _params(pdir, data), out)
    assert r.executed == [] and r.reused == ["a_q3", "b_q1", "z_after"]
    assert "unchanged since the last run" in log
    again = snapshot(out)

    def mine(snap):  # the runner's outputs (site/ is the site builder's, checked in its tests)
        return {k: v for k, v in snap.items() if k != "manifest.json" and not k.startswith("site/")}

    assert mine(again) == mine(first)
    assert (out / "b_q1.html").stat().st_mtime_ns == rendered  # copied, not rendered again
    assert (out / "internal" / "b_q1.html").stat().st_mtime_ns == internal  # so is the rendition with code

    # one parameter of q3_targets: a_q3 reruns, and z_after, whose input (a_q3's results) changed
    r, log = _run(nbs, _params(pdir, data, level=0.9), out)
    assert r.executed == ["a_q3", "z_after"] and r.reused == ["b_q1"]
    # b_q1's report is made again: its appendix records the run's new parameters hash. It is
    # last run's page with the new appendix spliced in, byte for byte a fresh rendering's.
    assert (out / "b_q1.html").stat().st_mtime_ns != rendered
    assert (out / "b_q1.html").read_bytes() != first["b_q1.html"]
    fresh = out.parent / "fresh"
    _run(nbs, _params(pdir, data, level=0.9), fresh, force=True)
    for name in ("a_q3.html", "b_q1.html", "z_after.html", "internal/b_q1.html"):
        assert (out / name).read_bytes() == (fresh / name).read_bytes(), name
    # ... but its internal rendition has no appendix: copied
    assert (out / "internal" / "b_q1.html").stat().st_mtime_ns == internal
    assert (out / "internal" / "a_q3.html").stat().st_mtime_ns != internal_a  # executed: rendered
    assert "a_q3: ok" in log and "parameters changed" in log
    z = json.loads((out / "results" / "z_after.json").read_text(encoding="utf-8"))
    assert z["others"]["a_q3"]["forecast_level"] == 0.9

    # q1_process changed, but b_q1's results did not: z_after is reused
    r, _ = _run(nbs, _params(pdir, data, level=0.9, q1_rule=1.0), out)
    assert r.executed == ["b_q1"] and r.reused == ["a_q3", "z_after"]

    # --force reruns every notebook
    r, _ = _run(nbs, _params(pdir, data, level=0.9, q1_rule=1.0), out, force=True)
    assert r.executed == ["a_q3", "b_q1", "z_after"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [n["executed"] for n in manifest["notebooks"]] == [True, True, True]


def test_changed_data_code_or_outputs_rerun(project):
    nbs, data, pdir, out = project
    params = _params(pdir, data)
    _run(nbs, params, out)
    # a data file: every notebook reads the package
    t = data / "targets.csv"
    t.write_text(
        t.read_text(encoding="utf-8").replace("synthetic (demo data", "synthetic (changed demo data", 1),
        encoding="utf-8",
    )
    r, log = _run(nbs, params, out)
    assert r.executed == ["a_q3", "b_q1", "z_after"] and "inputs changed: data/targets.csv" in log
    # one notebook's code
    tiny_notebook(nbs, "b_q1", order=20, sections=("q1_process",), body="res['extra'] = 1")
    r, log = _run(nbs, params, out)
    assert r.executed == ["b_q1", "z_after"] and "code changed" in log
    # an output edited by hand is not reused
    p = out / "results" / "a_q3.json"
    p.write_text(p.read_text(encoding="utf-8").replace('"ok"', '"ok" '), encoding="utf-8")
    r, log = _run(nbs, params, out)
    assert "a_q3" in r.executed and "previous outputs missing or modified" in log
    # an internal rendition edited by hand is rendered again, not copied
    p = out / "internal" / "b_q1.html"
    good = p.read_bytes()
    p.write_text("tampered", encoding="utf-8")
    r, _ = _run(nbs, params, out)
    assert "b_q1" in r.reused and p.read_bytes() == good


# ------------------------------------------------------------------------------ the key, unit by unit
def _info(name, sections=(), order=10, path=Path("x.ipynb")):
    return NotebookInfo(name, path, order, name, tuple(sections))


CODE = {"source_sha256": "s", "notebooks": {"a": "na", "z": "nz"}}
ENV = {"python": "3", "packages": {}}


def test_parameters_part_reads_common_keys_and_own_sections(tmp_path, demo_dir):
    p1 = load_params(_params(tmp_path / "p1", demo_dir, level=0.8, q1_rule=1.0))
    p2 = load_params(_params(tmp_path / "p2", demo_dir, level=0.9, q1_rule=1.0))
    a = _info("a", ["q1_process"])
    assert cache.fingerprint(a, p1, "sv", CODE, ENV, {}).key == cache.fingerprint(a, p2, "sv", CODE, ENV, {}).key
    b = _info("a", ["q3_targets"])
    assert cache.fingerprint(b, p1, "sv", CODE, ENV, {}).key != cache.fingerprint(b, p2, "sv", CODE, ENV, {}).key
    assert cache.fingerprint(a, p1, "sv", CODE, ENV, {}).key != cache.fingerprint(a, p1, "en", CODE, ENV, {}).key
    # a common key is read by every notebook
    p4 = load_params(_params(tmp_path / "p4", demo_dir, level=0.8, q1_rule=1.0, sig=0.1))
    assert cache.fingerprint(a, p1, "sv", CODE, ENV, {}).key != cache.fingerprint(a, p4, "sv", CODE, ENV, {}).key
    # so are the code (library source, notebook) and the environment
    k = cache.fingerprint(a, p1, "sv", CODE, ENV, {}).key
    assert cache.fingerprint(a, p1, "sv", {**CODE, "source_sha256": "t"}, ENV, {}).key != k
    assert cache.fingerprint(a, p1, "sv", {**CODE, "notebooks": {"a": "other"}}, ENV, {}).key != k
    assert cache.fingerprint(a, p1, "sv", CODE, {"python": "3", "packages": {"pandas": "9"}}, {}).key != k
    # the notebooks list only selects what runs
    p3 = p1.model_copy(update={"notebooks": ["a"]})
    assert cache.params_part(p1, ["q1_process"], "sv") == cache.params_part(p3, ["q1_process"], "sv")


def test_inputs_part_and_after_all_results(tmp_path):
    inputs = {
        "data/t.csv": {"path": "/x", "sha256": "1"},
        "evidence/q3.yaml": {"path": "/y", "sha256": "2"},
        "followup.previous_results_dir/q3.json": {"path": "/z", "sha256": "3"},
        "params/demo.yaml": {"path": "/p", "sha256": "4"},
    }
    assert cache.input_part(_info("a", ["q3_targets"]), inputs) == {"data/t.csv": "1", "evidence/q3.yaml": "2"}
    assert "followup.previous_results_dir/q3.json" in cache.input_part(_info("z", ["followup"]), inputs)
    res = tmp_path / "results"
    res.mkdir()
    (res / "a.json").write_text("{}", encoding="utf-8")
    (res / "z.json").write_text("{}", encoding="utf-8")  # its own results are not its input
    fp = cache.fingerprint(_info("z", ["followup"], order=960), load_params_stub(), "sv", CODE, ENV, inputs, res)
    assert "results/a.json" in fp.inputs and "results/z.json" not in fp.inputs
    before = fp.key
    (res / "a.json").write_text('{"changed": 1}', encoding="utf-8")
    assert (
        cache.fingerprint(_info("z", ["followup"], order=960), load_params_stub(), "sv", CODE, ENV, inputs, res).key
        != before
    )


def load_params_stub():
    from audit_lib.params import parse_params

    return parse_params(
        {"run_name": "t", "audit_year": 2025, "data_dir": "d", "regions": {"SRM": {"sv": "S", "en": "S"}}}
    )


def test_why_rerun_names_the_change():
    old = cache.Fingerprint("c", "e", "p", {"data/a.csv": "1", "data/b.csv": "2"})
    prev = {"n": {"key": old.key, "parts": old.to_json()}}
    assert cache.why_rerun(prev, "n", cache.Fingerprint("c2", "e", "p", dict(old.inputs))) == "code changed"
    assert cache.why_rerun(prev, "n", cache.Fingerprint("c", "e", "p2", dict(old.inputs))) == "parameters changed"
    assert (
        cache.why_rerun(prev, "n", cache.Fingerprint("c", "e", "p", {"data/a.csv": "9", "data/b.csv": "2"}))
        == "inputs changed: data/a.csv"
    )
    assert cache.why_rerun({}, "n", old) == "no previous result"


def test_every_real_notebook_declares_its_sections():
    """The cache trusts metadata.audit.sections: each must name real parameter sections."""
    from audit_lib.params import SECTION_NAMES

    for info in discover():
        assert set(info.sections) <= set(SECTION_NAMES), (info.name, info.sections)


def test_a_new_appendix_is_spliced_only_into_an_intact_report_with_the_recorded_one(tmp_path):
    from audit_lib.run.manifest import sha256_file, sha256_json

    page = '<main><h2 id="a">A</h2></main>\n<footer class="audit-appendix"><p>run 1</p></footer>\n</body>'
    html = tmp_path / "n.html"
    html.write_text(page, encoding="utf-8")
    previous = {"n": {"html": sha256_file(html), "appendix_block": sha256_json("<p>run 1</p>")}}
    new = cache.html_with_new_appendix(previous, tmp_path, "n", "<p>run 2</p>")
    assert new == page.replace("run 1", "run 2")
    # not the recorded appendix, no report, a report edited since, two appendices, no appendix
    assert (
        cache.html_with_new_appendix(
            {"n": {**previous["n"], "appendix_block": sha256_json("x")}}, tmp_path, "n", "<p>run 2</p>"
        )
        is None
    )
    assert cache.html_with_new_appendix({}, tmp_path, "n", "<p>run 2</p>") is None
    assert cache.html_with_new_appendix(previous, tmp_path, "n", "") is None
    html.write_text(page + " ", encoding="utf-8")
    assert cache.html_with_new_appendix(previous, tmp_path, "n", "<p>run 2</p>") is None
    twice = page.replace("</body>", '<footer class="audit-appendix"><p>run 1</p></footer></body>')
    html.write_text(twice, encoding="utf-8")
    assert (
        cache.html_with_new_appendix({"n": {**previous["n"], "html": sha256_file(html)}}, tmp_path, "n", "<p>run 2</p>")
        is None
    )


# An appendix as the manifest writes it: attributes in the order nbconvert's BeautifulSoup pass
# does not keep (it sorts them), a void element it closes, an entity it writes as a character.
REAL_LIKE = (
    '<section class="run-appendix"><div class="table-wrap" role="region" tabindex="0" aria-label="Run {n}">'
    "<table><tr><td>run {n}<br>sha256 &#x27;ab&#x27;</td></tr></table></div></section>"
)


def test_the_appendix_splice_applies_to_a_real_rendered_page(tmp_path):
    """The splice on a page as nbconvert renders it (the hand-made page above cannot show that
    the exporter rewrites the appendix's markup, so the recorded hash never matched)."""
    import nbformat

    from audit_lib.run.cache import Fingerprint, cache_entry
    from audit_lib.run.render import as_rendered, render_html

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n## Part\n\ntext")]
    one, two = REAL_LIKE.format(n=1), REAL_LIKE.format(n=2)
    assert as_rendered(one) != one  # the exporter's pass changes it: what the old check missed
    (tmp_path / "n.html").write_text(render_html(nb, language="sv", appendix_html=one), encoding="utf-8")
    entry = cache_entry(Fingerprint("c", "e", "p"), tmp_path, "n", one)
    new = cache.html_with_new_appendix({"n": entry}, tmp_path, "n", two)
    assert new is not None and new == render_html(nb, language="sv", appendix_html=two)


def test_a_reused_notebooks_report_gets_the_new_appendix_without_rendering(project, monkeypatch):
    from audit_lib.run import early, publish

    rendered: list[str] = []
    real = publish.render_file

    def spy(job):
        rendered.append(job.html.name)
        return real(job)

    monkeypatch.setattr(publish, "render_file", spy)
    monkeypatch.setattr(early, "render_file", spy)  # pages rendered as each notebook finishes
    nbs, data, pdir, out = project
    runner.run(_params(pdir, data), out_dir=out, notebook_dir=nbs, progress=lambda m: None, jobs=1)
    rendered.clear()
    r = runner.run(_params(pdir, data, level=0.9), out_dir=out, notebook_dir=nbs, progress=lambda m: None, jobs=1)
    assert r.reused == ["b_q1"] and "b_q1.html" not in rendered and "a_q3.html" in rendered
    fresh = out.parent / "fresh"
    runner.run(
        _params(pdir, data, level=0.9), out_dir=fresh, notebook_dir=nbs, progress=lambda m: None, jobs=1, force=True
    )
    assert (out / "b_q1.html").read_bytes() == (fresh / "b_q1.html").read_bytes()

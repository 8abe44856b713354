"""Same parameters, same data, twice: byte-identical reports, results JSON and executed
notebooks, whatever the output folder (so the staging folder never shows in an output)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import quiet, snapshot

from audit_lib.run import runner
from audit_lib.run.verify import verify

pytestmark = pytest.mark.usefixtures("no_pdf")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo.yaml"


@pytest.fixture(autouse=True)
def frozen_code(monkeypatch):
    """The code version as at the first run: in a shared working tree a commit made by someone
    else between the two runs would rightly change every report's appendix."""
    real, memo = runner.code_state, {}

    def frozen(paths):
        key = tuple(sorted(str(p) for p in paths))
        if key not in memo:
            memo[key] = real(paths)
        return memo[key]

    monkeypatch.setattr(runner, "code_state", frozen)


def _differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    names = (set(a) | set(b)) - {"manifest.json"}
    return sorted(n for n in names if a.get(n) != b.get(n))


def test_two_runs_of_the_demo_are_byte_identical(tmp_path, demo_dir):
    """Question 3 and the follow-up on the (small) demo package, into two different folders."""
    only = ["q3_targets", "followup"]
    first = runner.run(DEMO, data_dir=demo_dir, out_dir=tmp_path / "one", only=only, progress=quiet)
    second = runner.run(
        DEMO, data_dir=demo_dir, out_dir=tmp_path / "elsewhere" / "two", only=only, progress=quiet, jobs=2
    )
    assert first.ok and second.ok
    a, b = snapshot(tmp_path / "one"), snapshot(tmp_path / "elsewhere" / "two")
    assert {
        "q3_targets.html",
        "followup.html",
        "index.html",
        "results/q3_targets.json",
        "results/followup.json",
        "notebooks/q3_targets.ipynb",
    } <= set(a)
    assert _differences(a, b) == []
    for name, content in a.items():
        text = content.decode("utf-8", "replace")
        assert "staging" not in text and str(tmp_path) not in text, name
    injected = a["notebooks/q3_targets.ipynb"].decode("utf-8")
    assert 'results_dir = \\"results\\"' in injected and 'params_file = \\"params/demo.yaml\\"' in injected


@pytest.mark.slow
def test_the_full_demo_twice_and_verified(tmp_path):
    """Every notebook on the full demo package (written by ``audit demo-data``), twice, then verify."""
    from audit_lib.demo.generate import generate

    data = generate(tmp_path / "data").path
    first = runner.run(DEMO, data_dir=data, out_dir=tmp_path / "one", progress=quiet, jobs=2)
    second = runner.run(DEMO, data_dir=data, out_dir=tmp_path / "two", progress=quiet, jobs=2)
    assert [r.name for r in first.runs] == [r.name for r in second.runs]
    assert _differences(snapshot(tmp_path / "one"), snapshot(tmp_path / "two")) == []
    report = verify(tmp_path / "one", progress=quiet)
    assert report.ok, report.format()

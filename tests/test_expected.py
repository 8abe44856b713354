"""Every question's recorded results on a small fixed package, checked against a stored file
(one ``tests/expected/<notebook>.expected.json`` per notebook, in the style of Open
Contracting's cardinal: a fixture and its expected output per indicator).

The package is the test demo package (seeded, 60,000 purchase lines); the review runs twice,
2024 and then 2025 with the 2024 results as last year's, as ``make demo`` does. The
parameters are a copy of ``params/`` in a temporary folder, so the national statistics (a
path relative to it) are absent and the external-statistics results record that. Structure,
keys, texts, booleans and integers must be equal; floating-point numbers equal to 1e-7
(relative; 1e-10 absolute near zero), since the last bits of a least-squares fit may differ
between processors (and an ill-conditioned fit amplifies them); any real change moves a figure
by far more.

After a change that is meant to move a figure, regenerate and review the diff:
``AUDIT_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/test_expected.py``.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from audit_lib.run import runner
from audit_lib.run.newyear import set_section_key

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "tests" / "expected"
UPDATE = os.environ.get("AUDIT_UPDATE_EXPECTED") == "1"
YEARS = {"2024": "demo-2024.yaml", "2025": "demo.yaml"}


def quiet(msg: str) -> None:
    """No progress output."""


@pytest.fixture(scope="module")
def review(demo_dir, tmp_path_factory) -> dict[str, Path]:
    """The demo review of both years on the small package: each year's results folder."""
    root = tmp_path_factory.mktemp("expected")
    params = root / "params"
    shutil.copytree(ROOT / "params", params)
    out = {}
    for year, name in YEARS.items():
        path = params / name
        if year == "2025":
            text = set_section_key(
                path.read_text(encoding="utf-8"), "followup", "previous_results_dir", "../out-2024/results"
            )  # relative: the results record it
            path.write_text(text, encoding="utf-8")
        res = runner.run(path, data_dir=demo_dir, out_dir=root / f"out-{year}", progress=quiet, jobs=2)
        assert res.ok, [(r.name, r.error) for r in res.runs if r.status != "ok"]
        out[year] = root / f"out-{year}" / "results"
    return out


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Where ``got`` differs from ``expected`` (floats compared to 1e-7 relative)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = [f"{where}.{k}: missing" for k in expected if k not in got]
        out += [f"{where}.{k}: not expected" for k in got if k not in expected]
        for k in expected:
            if k in got:
                out += differences(expected[k], got[k], f"{where}.{k}")
        return out
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{where}: {len(got)} items, expected {len(expected)}"]
        return [d for i, (e, g) in enumerate(zip(expected, got)) for d in differences(e, g, f"{where}[{i}]")]
    if isinstance(expected, float) or isinstance(got, float):
        if isinstance(expected, bool) or isinstance(got, bool) or expected is None or got is None:
            return [] if expected == got else [f"{where}: {got!r}, expected {expected!r}"]
        if (
            isinstance(expected, (int, float))
            and isinstance(got, (int, float))
            and (math.isclose(expected, got, rel_tol=1e-7, abs_tol=1e-10))
        ):
            return []
        return [f"{where}: {got!r}, expected {expected!r}"]
    return [] if expected == got and type(expected) is type(got) else [f"{where}: {got!r}, expected {expected!r}"]


def cases() -> list[tuple[str, str]]:
    names = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb") if p.stem != "method_validation")
    return [(year, n) for year in YEARS for n in names]


@pytest.mark.parametrize(("year", "notebook"), cases())
def test_recorded_results_are_the_expected_ones(review, year, notebook):
    got = json.loads((review[year] / f"{notebook}.json").read_text(encoding="utf-8"))
    stored = EXPECTED / year / f"{notebook}.expected.json"
    if UPDATE:
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert stored.is_file(), f"{stored} is missing: run with AUDIT_UPDATE_EXPECTED=1 and review the new file"
    diff = differences(json.loads(stored.read_text(encoding="utf-8")), got, notebook)
    assert not diff, "\n".join(diff[:20]) + (f"\n... and {len(diff) - 20} more" if len(diff) > 20 else "")


def test_the_comparison_sees_a_changed_figure():
    """The checker itself: a moved figure, a new key, a type change and float noise."""
    base = {"a": 1.0, "b": [1, {"c": "x"}], "d": True}
    assert differences(base, {"a": 1.0 + 1e-9, "b": [1, {"c": "x"}], "d": True}) == []
    assert differences(base, {"a": 1.001, "b": [1, {"c": "x"}], "d": True}) == [".a: 1.001, expected 1.0"]
    assert differences(base, {"a": 1.0, "b": [1, {"c": "y"}], "d": True}) == [".b[1].c: 'y', expected 'x'"]
    assert differences(base, {"a": 1.0, "b": [1], "d": True, "e": 0}) == [".e: not expected", ".b: 1 items, expected 2"]
    assert differences({"d": True}, {"d": 1}) == [".d: 1, expected True"]

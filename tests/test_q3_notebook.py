"""The Q3 notebook through papermill: what it records, in Swedish and in English."""

from __future__ import annotations

import pytest

from conftest import run_notebook


@pytest.fixture(scope="module")
def q3_results(demo_dir, tmp_path_factory):
    return run_notebook("q3_targets", demo_dir, tmp_path_factory.mktemp("q3"))


def find(rows, year, indicator, period="full_year"):
    hits = [r for r in rows if r["year"] == year and r["indicator"] == indicator and r["period"] == period]
    assert len(hits) == 1
    return hits[0]


def test_results_reproduce_the_published_table(q3_results):
    assert q3_results["status"] == "ok"
    table = q3_results["table"]
    r23 = find(table, 2023, "enabled_savings_sek")
    assert r23["target"] == 66e6 and r23["outcome"] == pytest.approx(74.4e6)
    assert r23["gap"] == pytest.approx(8.4e6) and r23["gap_pct"] == pytest.approx(0.1273, abs=1e-4)
    r24 = find(table, 2024, "enabled_savings_sek")
    assert r24["gap"] == pytest.approx(-1.9e6) and r24["gap_pct"] == pytest.approx(-0.0271, abs=1e-4)
    c22 = find(table, 2022, "coordinated_count")
    assert c22["target"] is None and c22["gap"] is None and c22["outcome"] == 27  # no target, not zero
    share = find(table, 2025, "coordinated_share", "interim")
    assert share["target"] == 0.30 and share["outcome"] == 0.19
    assert set(table[0]) >= {"year", "indicator", "period", "target", "outcome", "gap", "gap_pct"}


def test_anchoring_and_assessment(q3_results):
    share = [a for a in q3_results["anchoring"] if a["indicator"] == "coordinated_share" and a["year"] == 2025]
    assert share and share[0]["within_interval"] is False  # 30 % is far above the register's history
    a = q3_results["assessment"]
    assert a["level"] == "till_viss_del"  # the report's assessment
    assert a["inputs"]["derivation_documented"] is False  # from the evidence register
    assert a["rule"]["till_stor_del"][2]["holds"] is False
    # 50 % within the interval against >= 50 %: on the edge, and a neighbouring threshold flips it
    viss = {c["input"]: c for c in a["rule"]["till_viss_del"]}
    assert viss["within_interval_share"]["margin"] == pytest.approx(0.0, abs=1e-9)
    assert a["on_edge"] is True and a["stable"] is False and a["n_not_assessable"] == 0


def test_english_run(demo_dir, tmp_path):
    res = run_notebook("q3_targets", demo_dir, tmp_path, language="en")
    assert res["language"] == "en"
    assert res["title"].startswith("Question 3")


def test_results_record_the_parameters_they_were_computed_with(q3_results):
    p = q3_results["parameters"]
    assert p["q3_targets"]["forecast_level"] == 0.8 and p["q3_targets"]["min_history_years"] == 3
    assert p["q3_targets"]["criteria"]["ja"]  # the criteria as resolved, defaults included
    assert isinstance(p["seed"], int) and 0 < p["edge_tolerance"] < 1


def test_a_what_if_run_says_so_and_a_contradiction_is_for_the_auditors_only(demo_dir, tmp_path):
    """A parameter other than the board's documented rule: recorded and bannered on the page.
    A fact its own observation contradicts: shown in the internal rendition, not the public one."""
    import json

    import nbformat
    import yaml

    from audit_lib.params import load_params_data
    from audit_lib.run.render import public_cells
    from conftest import ROOT

    register = tmp_path / "evidence"
    register.mkdir()
    (register / "q3.yaml").write_text(
        yaml.safe_dump(
            {
                "year": 2025,
                "observations": [
                    {
                        "id": "E3.1",
                        "question": "q3",
                        "text": {"sv": "Metoden för målen är dokumenterad"},
                        "source": "Verksamhetsplan",
                        "date": "2025-09-01",
                        "shows": {"derivation_documented": True},
                    }
                ],
                "facts": {"q3": {"derivation_documented": {"value": False, "evidence": ["E3.1"]}}},
                "rules": {"q3_targets.forecast_level": {"value": 0.9, "source": "Riktlinje för mål"}},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    params = load_params_data(ROOT / "params" / "demo.yaml")
    params["evidence"] = str(register)
    params_file = tmp_path / "whatif.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    r = run_notebook("q3_targets", demo_dir, tmp_path, params_file=params_file)
    assert [(w["parameter"], w["value"], w["rule"]) for w in r["what_if"]] == [("q3_targets.forecast_level", 0.8, 0.9)]
    nb = nbformat.read(str(tmp_path / "q3_targets.ipynb"), as_version=4)
    everything = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    public = json.dumps([c.get("outputs", []) for c in public_cells(nb).cells], ensure_ascii=False)
    assert "Känslighetsanalys" in public and "styrelsens dokumenterade regel är 0.9" in public
    assert "registret motsäger sig självt" in everything and "E3.1" in everything
    assert "registret motsäger sig självt" not in public

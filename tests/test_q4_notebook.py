"""The Q4 notebook through papermill on the test demo package: what it records, in Swedish and
in English. The real bid data are not the region's report's: the method-validation run shows
them (tests/test_method_validation_notebook.py), so even with the folder given q4 shows none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SHARED_DATA, run_notebook

from audit_lib.params import load_params_data

YEAR = 2025


def params_copy(tmp: Path, real_bids_dir: str) -> Path:
    """params/demo.yaml with its paths made absolute and this question's evidence only (so that
    another question's evidence file cannot break this test)."""
    data = load_params_data(ROOT / "params" / "demo.yaml")
    evidence = tmp / "evidence"
    evidence.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "params" / "evidence" / "demo-2025" / "q4.yaml", evidence / "q4.yaml")
    data["evidence"] = str(evidence)
    data["data_dir"] = str((ROOT / "params" / data["data_dir"]).resolve())
    data["q4_savings_model"]["real_bids_dir"] = real_bids_dir
    out = tmp / "demo.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def q4_sv(demo_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q4sv")
    return run_notebook(
        "q4_savings_model", demo_dir, tmp, params_copy(tmp, str(SHARED_DATA / "bids-real")), language="sv"
    )


@pytest.fixture(scope="module")
def q4_en(demo_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("q4en")
    res = run_notebook("q4_savings_model", demo_dir, tmp, params_copy(tmp, str(tmp / "no-such-folder")), language="en")
    return res, (tmp / "q4_savings_model.ipynb").read_text(encoding="utf-8")


def planted_year(planted, *keys):
    return sorted({x for k in keys for x in planted[k] if x.startswith(f"IN-{YEAR}-")})


def test_reconciliation_lists_are_the_planted_cases(q4_sv, planted):
    assert q4_sv["status"] == "ok"
    assert q4_sv["invalid_applications"] == planted_year(
        planted, "invalid_market_too_few_bids", "invalid_unapproved_counted", "invalid_basket_missing"
    )
    assert q4_sv["invalid_by_kind"]["unapproved_counted"] == planted_year(planted, "invalid_unapproved_counted")
    assert q4_sv["mismatches"] == planted_year(planted, "mismatch")
    assert {r["finding"] for r in q4_sv["findings"]} == {
        "market_too_few_bids",
        "unapproved_counted",
        "basket_inputs_missing",
        "mismatch",
    }


def test_coverage_totals_and_interval(q4_sv):
    cov = q4_sv["coverage"]
    assert q4_sv["coverage_count"] == pytest.approx(cov["n_computable"] / cov["n_procurements"])
    assert 0.5 <= q4_sv["coverage_count"] <= 0.7  # the report: about 40 % not computable
    assert 0 < q4_sv["coverage_value"] <= 1
    assert {r["category"] for r in q4_sv["coverage_by_category"]} and {
        r["region"] for r in q4_sv["coverage_by_region"]
    } == {"SRM", "VML"}
    tot = q4_sv["totals"]
    assert set(tot) == {"reported", "recomputed", "median", "second_lowest", "estimated_value"}
    assert tot["reported"] == pytest.approx(66.3e6, abs=1)
    assert tot["second_lowest"] < tot["median"] < tot["recomputed"] < tot["reported"]
    iv = q4_sv["interval"]
    assert iv["low"] < min(tot.values()) and iv["high"] > max(tot.values())
    assert iv["reported_position"] == "within" and iv["reported"] == tot["reported"]
    # cost reduction and cost avoidance kept apart, and their sum labelled as such
    kinds = {r["saving_type"] for r in q4_sv["by_method"] if r["method"] == ""}
    assert kinds == {"cost_reduction", "cost_avoidance", "both"}
    assert all(r["min_mean_saving"] >= 0 for r in q4_sv["by_n_bids"])
    sens = {(r["min_bids"], r["tolerance_pct"]): r for r in q4_sv["sensitivity"]}
    assert {m for m, _ in sens} == {2, 3, 4, 5}
    assert sens[(2, 0.01)]["n_invalid"] < sens[(3, 0.01)]["n_invalid"] < sens[(5, 0.01)]["n_invalid"]


def test_assessment_is_nej_with_its_rule(q4_sv):
    a = q4_sv["assessment"]
    assert a["level"] == "nej" and a["computed_level"] == "nej"
    assert a["inputs"]["assumptions_documented"] is False and a["inputs"]["accuracy_followed_up"] is False
    assert a["inputs"]["savings_coverage_count"] == pytest.approx(q4_sv["coverage_count"])
    viss = {c["input"]: c["holds"] for c in a["rule"]["till_viss_del"]}
    assert viss["assumptions_documented"] is False and viss["savings_coverage_count"] is False


def test_no_real_bid_data_in_the_regions_report(q4_sv):
    """The Swedish run is given the real-bid folder: q4 neither records nor shows it."""
    assert "real_data" not in q4_sv


def test_english_run(q4_en, q4_sv):
    res, nb = q4_en
    assert res["language"] == "en" and res["title"].startswith("Question 4")
    assert "real_data" not in res and "real bid data" not in nb and "BRL" not in nb
    # seeded: the same interval whatever the language
    assert res["interval"] == q4_sv["interval"]
    assert res["invalid_applications"] == q4_sv["invalid_applications"]

"""The causality notebook through papermill on the small demo package (60,000 lines): the
recorded effects recover the demo's planted effects within their intervals."""

from __future__ import annotations

import math

import pytest
import yaml

from conftest import ROOT, run_notebook


@pytest.fixture(scope="module")
def results(demo_dir, tmp_path_factory):
    # params/demo.yaml with fewer bootstrap replications (paths made absolute for the copy)
    data = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    data["evidence"] = str(ROOT / "params" / data["evidence"])
    data["causality"]["bootstrap_reps"] = 399
    tmp = tmp_path_factory.mktemp("causality")
    params_file = tmp / "demo.yaml"
    params_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return run_notebook("causality", demo_dir, tmp, params_file=params_file)


def test_planted_effects_within_intervals(results, planted):
    assert results["status"] == "ok"
    assert set(results["effects"]) == {"ecommerce", "category_management", "coordination"}
    for name, truth in planted["effects"].items():
        e = results["effects"][name]
        assert e["identified"] is True and e["interpretation"] == "causal"
        assert e["ci_low"] <= truth <= e["ci_high"], (name, e)
        assert e["ci_high"] - e["ci_low"] < 0.03  # informative, not just wide
        assert e["pretrend_p"] >= 0.05
        assert e["ci_method"] == "cluster_jackknife"
        tw = e["twfe"]
        assert tw["ci_low"] <= truth <= tw["ci_high"]


def test_coinciding_rollouts_reported_jointly(results, planted):
    joint = results["joint_effects"]["ecommerce+category_management"]
    assert joint["cells"] == ["Kontorsmaterial/SRM"]
    truth = planted["effects"]["ecommerce"] + planted["effects"]["category_management"]
    assert joint["ci_low"] <= truth <= joint["ci_high"]
    assert joint["interpretation"] == "associational"  # one cell: weakly identified
    ident = {r["group"]: r for r in results["identification"]}
    assert ident["ecommerce"]["joint_with"] == ["ecommerce+category_management"]


def test_savings_in_sek_and_board_comparison(results):
    coord = results["sek"]["coordination"]
    assert coord["saving_low_sek"] < coord["saving_sek"] < coord["saving_high_sek"]
    assert coord["saving_sek"] == pytest.approx(coord["spend_sek"] * (math.exp(-results["effects"]["coordination"]["estimate"]) - 1))
    board = results["board_comparison"]
    assert {r["category"] for r in board} >= {"Textil", "Kontorsmaterial"}
    assert all(r["reported_sek"] >= r["reported_coordinated_sek"] >= 0 for r in board)


def test_diagnostics_recorded(results):
    es = results["event_study"]
    assert {r["estimator"] for r in es} == {"imputation", "twfe"}
    assert any(r["event_time"] < 0 for r in es if r["estimator"] == "imputation")
    assert {r["group"] for r in results["placebo"]} >= {"coordination"}
    assert len(results["leave_one_wave_out"]) >= 5
    naive = {r["group"]: r["estimate"] for r in results["naive_before_after"]}
    assert naive["coordination"] > results["effects"]["coordination"]["ci_high"]  # the trend hides part of it
    uv = {r["group"]: r["estimate"] for r in results["unit_value"]}
    assert uv["ecommerce"] < results["effects"]["ecommerce"]["ci_low"]  # the mix shift looks like a price cut
    assert results["panel_coverage"]["n_lines"] == 60_000


def test_assessment_and_plain_language(results):
    a = results["assessment"]
    assert a["question"] == "causality"
    assert a["level"] == "ja"  # coordination identified, no pre-trend, placebo and TWFE agree, dates verified
    assert a["inputs"]["rollout_dates_verified"] is True
    text = " ".join(results["assessment_text"])
    assert "Samordnat avtal" in text and "associativ" in text  # the joint cell is called associational

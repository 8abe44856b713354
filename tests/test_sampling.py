"""Monetary-unit sampling (``audit_lib.sampling``, ``audit sample``): selection properties and
the evaluation against the AICPA Audit Guide *Audit Sampling* (its MUS method and tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from audit_lib.params import load_params_data
from audit_lib.sampling import (
    SamplingError,
    evaluate,
    evaluate_sample,
    interval_from_misstatement,
    population,
    reliability_factor,
    sample_size,
    select,
)

from conftest import ROOT


def _pop(values, prefix="P") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "procurement_id": [f"{prefix}{i:03d}" for i in range(len(values))],
            "title": "t",
            "lead_region": "SRM",
            "completed_date": pd.Timestamp("2025-03-01"),
            "estimated_value_sek": [float(v) for v in values],
        }
    )


# ------------------------------------------------------------------ the guide's tables
# AICPA Audit Guide "Audit Sampling" (2008; tables unchanged in the 2012/2014 editions), the MUS
# confidence (reliability) factors for overstatement misstatements, by number of misstatements,
# at risks of incorrect acceptance of 5 % and 10 %.
AICPA_FACTORS = {
    0.95: [3.00, 4.75, 6.30, 7.76, 9.16, 10.52, 11.85, 13.15, 14.44, 15.71, 16.97],
    0.90: [2.31, 3.89, 5.33, 6.69, 8.00, 9.28, 10.54, 11.78, 13.00, 14.21, 15.41],
}


@pytest.mark.parametrize("confidence", sorted(AICPA_FACTORS))
def test_reliability_factors_reproduce_the_aicpa_table(confidence):
    assert [reliability_factor(k, confidence) for k in range(11)] == AICPA_FACTORS[confidence]


def test_sample_size_by_the_aicpa_formula():
    # n = BV * RF / (TM - EM * EF): 1,000,000 * 3.00 / (50,000 - 10,000 * 1.6) = 88.2 -> 89
    assert sample_size(1_000_000, 50_000, 10_000, 0.95) == 89
    # no expected misstatement: interval = TM / 3.0
    assert interval_from_misstatement(60_000, 0, 0.95) == pytest.approx(20_000)
    assert sample_size(1_000_000, 60_000) == 50
    with pytest.raises(SamplingError, match="no room"):
        interval_from_misstatement(50_000, 40_000, 0.95)
    with pytest.raises(SamplingError, match="confidence must be one of"):
        interval_from_misstatement(50_000, 1_000, 0.93)


# ------------------------------------------------------------------ evaluation
def test_projected_misstatement_of_an_aicpa_exam_item():
    # AICPA Uniform CPA Examination, released auditing question: PPS sample with a sampling
    # interval of $10,000; an account recorded at $5,000 is audited at $2,000. Tainting 60 %,
    # projected misstatement .60 x 10,000 = $6,000.
    ev = evaluate([(5_000, 3_000)], interval=10_000)
    assert ev.items.loc[0, "tainting"] == pytest.approx(0.6)
    assert ev.projected == pytest.approx(6_000)


def test_upper_misstatement_limit_by_the_aicpa_method():
    # A textbook MUS exercise (risk of incorrect acceptance 5 %, tolerable misstatement 65,000,
    # sampling interval 12,300; misstatements: 15,000 audited 12,500; 10,000 audited 4,000;
    # 3,000 audited 2,000), evaluated by hand with the AICPA guide's method (chapter 6) and
    # factors (3.00, 4.75, 6.30):
    #   the 15,000 item is at least the interval: its 2,500 counts as is, not projected;
    #   taintings 0.60 and 0.333: projected 7,380 and 4,100; projected total 13,980;
    #   basic precision 3.00 x 12,300 = 36,900;
    #   incremental allowance 7,380 x (4.75 - 3.00 - 1) + 4,100 x (6.30 - 4.75 - 1) = 5,535 + 2,255;
    #   upper misstatement limit 36,900 + 13,980 + 7,790 = 58,670, below the tolerable 65,000.
    ev = evaluate([(15_000, 2_500), (10_000, 6_000), (3_000, 1_000)], interval=12_300, tolerable=65_000)
    assert ev.basic_precision == pytest.approx(36_900)
    assert ev.projected == pytest.approx(13_980)
    assert ev.incremental_allowance == pytest.approx(7_790)
    assert ev.upper_limit == pytest.approx(58_670)
    assert ev.exceeds_tolerable is False
    assert list(ev.items["stratum"]) == ["known", "projected", "projected"]
    # no misstatement: the bound is the basic precision alone
    none = evaluate([], interval=12_300, tolerable=30_000)
    assert none.upper_limit == pytest.approx(36_900) and none.exceeds_tolerable is True


def test_order_of_findings_does_not_matter_and_understatements_are_left_out():
    a = evaluate([(3_000, 1_000), (10_000, 6_000), (8_000, -500)], interval=12_300)
    b = evaluate([(10_000, 6_000), (3_000, 1_000)], interval=12_300)
    assert a.upper_limit == pytest.approx(b.upper_limit)


# ------------------------------------------------------------------ selection
def test_certainty_items_are_always_selected():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.uniform(1_000, 50_000, 200), [400_000, 250_000, 180_000]])
    pop = _pop(values)
    big = set(pop.loc[pop["estimated_value_sek"] >= pop["estimated_value_sek"].sum() / 40, "procurement_id"])
    assert len(big) >= 3
    for seed in range(60):
        s = select(pop, size=40, seed=seed)
        chosen = s.items.set_index("procurement_id")
        assert big <= set(chosen.index)
        assert set(chosen.loc[list(big), "stratum"]) == {"certainty"}
        assert s.size in (40, 41) and len(s.items) <= s.size


def test_same_seed_same_sample_other_seed_other_sample():
    pop = _pop(np.random.default_rng(2).uniform(1_000, 90_000, 300))
    a, b, c = (select(pop, size=30, seed=s) for s in (7, 7, 8))
    pd.testing.assert_frame_equal(a.items, b.items)
    assert a.start == b.start and a.start != c.start
    assert list(a.items["procurement_id"]) != list(c.items["procurement_id"])


def _check_frequencies(seeds: int) -> None:
    values = np.array([1, 2, 3, 5, 8, 13, 21, 34] * 5, dtype=float) * 1_000
    pop = _pop(values)
    size = 10
    interval = values.sum() / size
    counts = pd.Series(0, index=pop["procurement_id"])
    for seed in range(seeds):
        counts[select(pop, size=size, seed=seed).items["procurement_id"]] += 1
    expected = np.minimum(values / interval, 1.0)
    freq = counts.to_numpy() / seeds
    se = np.sqrt(expected * (1 - expected) / seeds)
    assert np.all(np.abs(freq - expected) <= 4 * se + 1e-9), np.c_[values, freq, expected]


def test_selection_frequency_is_proportional_to_value():
    _check_frequencies(300)


@pytest.mark.slow
def test_selection_frequency_is_proportional_to_value_over_many_seeds():
    _check_frequencies(4_000)


def test_risk_stratum_is_selected_in_full_and_not_sampled():
    pop = _pop([10_000] * 50 + [999_999])
    s = select(pop, size=5, seed=3, risk={"P050": "named", "P001": "named"})
    assert s.book_value == pytest.approx(49 * 10_000)
    risk = s.items[s.items["stratum"] == "risk"]
    assert list(risk["procurement_id"]) == ["P001", "P050"] and set(risk["reason"]) == {"named"}
    assert "P001" not in set(s.items.loc[s.items["stratum"] != "risk", "procurement_id"])


def test_evaluate_sample_counts_risk_items_as_known_and_rejects_unknown_ids():
    pop = _pop([10_000] * 50)
    s = select(pop, size=5, seed=3, risk={"P000": "named"})
    pps = s.items.loc[s.items["stratum"] == "pps", "procurement_id"].iloc[0]
    ev = evaluate_sample(s, pd.DataFrame({"procurement_id": ["P000", pps], "misstatement_sek": [1_000.0, 5_000.0]}))
    assert ev.projected == pytest.approx(1_000 + 0.5 * s.interval)
    with pytest.raises(SamplingError, match="not in the sample"):
        evaluate_sample(s, pd.DataFrame({"procurement_id": ["nope"], "misstatement_sek": [1.0]}))


# ------------------------------------------------------------------ audit sample on the demo
def _params_file(tmp_path, demo_dir, sampling: dict) -> object:
    data = load_params_data(ROOT / "params" / "demo.yaml")
    data.update(data_dir=str(demo_dir), evidence=str(ROOT / "params" / data["evidence"]), sampling=sampling)
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_audit_sample_on_the_demo(demo_dir, demo_package, tmp_path, capsys):
    from audit_lib.cli import main

    outcomes = tmp_path / "outcomes.csv"
    params = _params_file(
        tmp_path,
        demo_dir,
        {
            "tolerable_misstatement_sek": 20_000_000,
            "expected_misstatement_sek": 2_000_000,
            "risk_stratum": ["delegation_breach", "single_bid"],
            "single_bid_min_sek": 5_000_000,
            "outcomes_file": str(outcomes),
        },
    )
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    outcomes.write_text("procurement_id,misstatement_sek\n", encoding="utf-8")
    assert main(["sample", str(params), "--out", str(a)]) == 0
    assert main(["sample", str(params), "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    sample = pd.read_csv(a)
    interval = (20_000_000 - 2_000_000 * 1.6) / 3.0
    pop = population(demo_package["procurements"], demo_package["procurement_regions"], 2025)
    above = set(pop.loc[pop["estimated_value_sek"] >= interval, "procurement_id"])
    assert above and above <= set(sample["procurement_id"])
    assert set(sample["stratum"]) == {"risk", "certainty", "pps"}
    assert sample["reason"].notna().all()
    assert "selected" in capsys.readouterr().out
    # a recorded misstatement is evaluated
    pid = sample.loc[sample["stratum"] == "pps", "procurement_id"].iloc[0]
    outcomes.write_text(f"procurement_id;misstatement_sek\n{pid};100000\n", encoding="utf-8")
    assert main(["sample", str(params), "--out", str(a)]) == 0
    assert "upper misstatement limit" in capsys.readouterr().out
    c = tmp_path / "c.csv"
    assert main(["sample", str(params), "--out", str(c), "--seed", "1"]) == 0
    assert c.read_bytes() != a.read_bytes()


def test_audit_sample_without_a_section_is_a_usage_error(demo_dir, tmp_path, capsys):
    from audit_lib.cli import main

    params = _params_file(tmp_path, demo_dir, None)
    assert main(["sample", str(params)]) == 2
    assert "no 'sampling' section" in capsys.readouterr().err

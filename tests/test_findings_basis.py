"""Findings an auditor can sign (issue 13): no figure more precise than its basis (question 2's
administrative gain over the range of its assumed cost, its net beside what question 4 can
confirm, the net on the tile as in the text), the board's rule on question 4's page from the
evidence register, and the cover letter's decision-level recommendation in the summary."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from test_q2_gains import HOURLY, PER_PROC, period, tables_for_analyse

from audit_lib.evidence import BoardRule
from audit_lib.params import Q2Params, Q4Params
from audit_lib.questions import q2_gains as q2
from audit_lib.questions import summary as s
from audit_lib.report.fmt import Formatter
from audit_lib.report.pages import q2_gains as page2
from audit_lib.report.texts import Texts

ROOT = Path(__file__).resolve().parents[1]


def text(parts) -> str:
    """The visible text of page parts (tags dropped, spaces joined)."""
    return html.unescape(re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", "".join(str(p) for p in parts))))


# ------------------------------------------------------------------ question 2
def test_the_administrative_gain_scales_with_its_assumed_cost():
    row = {
        "admin_gain_sek": 2_000_000.0,
        "coordination_cost_est_low": 100_000.0,
        "coordination_cost_est_high": 300_000.0,
    }
    r = q2.admin_gain_range(row, 250_000.0, (0.5, 2.0))
    assert (r["cost_low_sek"], r["cost_high_sek"]) == (125_000.0, 500_000.0)
    assert (r["admin_gain_low_sek"], r["admin_gain_high_sek"]) == (1_000_000.0, 4_000_000.0)
    # the net's unfavourable end: least gain against most cost; favourable: most gain, least cost
    assert (r["admin_net_est_low_sek"], r["admin_net_est_high_sek"]) == (700_000.0, 3_900_000.0)
    assert q2.admin_gain_range({}, 250_000.0, (0.5, 2.0)) == {}


def test_the_factors_must_bracket_the_assumption():
    assert Q2Params().cost_per_procurement_factors == (0.5, 2.0)
    with pytest.raises(ValueError, match="low <= 1 <= high"):
        Q2Params(cost_per_procurement_factors=(1.5, 2.0))


def test_confirmed_savings_count_only_recomputed_savings_without_a_finding():
    gains = pd.DataFrame(
        {
            "procurement_id": ["A", "B", "C", "D", "E"],
            "year": [2025, 2025, 2025, 2025, 2024],
            "saving_computed": [True, True, True, False, True],
            "enabled_saving_sek": [100.0, 200.0, 300.0, float("nan"), 50.0],
        }
    )
    recomputed = pd.DataFrame(
        {
            "procurement_id": ["A", "B", "C", "D"],
            "applied_status": ["computed", "computed", "not_applicable", "no_method"],
        }
    )
    findings = pd.DataFrame({"procurement_id": ["B"]})  # B's reported saving does not agree
    b = q2.confirmed_savings(gains, recomputed, findings, 2025)
    assert (b["n_saving"], b["n_confirmed"]) == (3, 1)
    assert (b["enabled_sek"], b["confirmed_sek"], b["unconfirmed_sek"]) == (600.0, 100.0, 500.0)
    assert b["unconfirmed_share"] == pytest.approx(500 / 600) and b["reliable"] is False
    none_found = q2.confirmed_savings(gains[gains["procurement_id"] == "A"], recomputed, findings.iloc[:0], 2025)
    assert none_found["reliable"] is True and none_found["unconfirmed_sek"] == 0.0


def tables_with_methods():
    """``tables_for_analyse`` with the savings model's inputs: C1 market (no bids table: its
    saving cannot be recomputed), C2 negotiation 1.5 -> 1.0 mnkr (agrees with its 0.5 mnkr),
    C4 basket 5 -> 3 mnkr (agrees with its 2 mnkr)."""
    tables = tables_for_analyse()
    p = tables["procurements"]
    nan = float("nan")
    tables["procurements"] = p.assign(
        basket_old_sek=[nan, nan, nan, 5e6, nan, nan, nan],
        basket_new_sek=[nan, nan, nan, 3e6, nan, nan, nan],
        first_price_sek=[nan, 1.5e6, nan, nan, nan, nan, nan],
        negotiated_price_sek=[nan, 1.0e6, nan, nan, nan, nan, nan],
    )
    return tables


def q2_result(with_model: bool = True):
    model = Q4Params() if with_model else None
    params = Q2Params(
        hourly_cost_sek=HOURLY,
        cost_per_procurement_sek=PER_PROC,
        bootstrap_reps=200,
        examples_years=2,
        high_effort_factor=2.0,
    )
    return q2.analyse(tables_with_methods(), params, period(2025), seed=5, savings_model=model)


def test_the_net_rests_on_what_question_4_can_confirm():
    res = q2_result()
    assert res.basis == {
        "n_saving": 3,
        "n_confirmed": 2,
        "enabled_sek": 3.5e6,
        "confirmed_sek": 2.5e6,
        "unconfirmed_sek": 1e6,
        "unconfirmed_share": pytest.approx(1 / 3.5),
        "reliable": False,
    }
    assert q2.results(res)["savings_basis"] == res.basis
    assert q2.results(res)["admin_gain_range"]["admin_gain_high_sek"] == 2 * res.row["admin_gain_sek"]
    assert q2_result(False).basis is None  # without question 4's parameters nothing is claimed


@pytest.mark.parametrize("language", ["sv", "en"])
def test_q2_page_says_what_each_money_figure_rests_on(language):
    t, f = Texts(language), Formatter(language)
    res = q2_result()
    row = res.row
    shown = text(page2.key_figures(res, t, f))
    net = page2.money_range(row["net_est_sek"], row["net_est_low"], row["net_est_high"], t, f)
    # the headline net is the net the text states, with the same interval
    tile, _, sentences = shown.partition(t("q2_gains.kf_coverage"))
    assert net in tile and f.mnkr(row["net_est_sek"]) in sentences
    assert f.mnkr(row["net_est_low"]) in sentences and f.mnkr(row["net_est_high"]) in sentences
    assert t("q2_gains.kf_net_unconfirmed") in tile
    # the administrative gain: its assumption beside the figure, and the figure over its range
    assert f.sek(PER_PROC) in tile and f.sek(0.5 * PER_PROC) in tile and f.sek(2 * PER_PROC) in tile
    admin = page2.money_range(row["admin_gain_sek"], 0.5 * row["admin_gain_sek"], 2 * row["admin_gain_sek"], t, f)
    assert admin in tile
    assert page2.admin_range_sentence(res, t, f) in sentences
    # what question 4 cannot confirm: 1.0 of 3.5 mnkr, beside the net
    assert f.sek(1e6) in sentences and f.mnkr(3.5e6) in sentences and f.percent(1 / 3.5, 1) in sentences
    # all confirmed: no such claim
    confirmed = q2_result()
    object.__setattr__(confirmed, "basis", {**confirmed.basis, "reliable": True})
    assert t("q2_gains.kf_net_unconfirmed") not in text(page2.key_figures(confirmed, t, f))
    assert page2.basis_note(confirmed, t, f) == []


def test_q2_page_says_what_the_causality_page_measures():
    t, f = Texts("en"), Formatter("en")
    shown = text(page2.savings_rate(q2_result(), t, f))
    assert "price index" in shown and "Both can hold" in shown


# ------------------------------------------------------------------ question 4: the board's rule
def q4_result(min_bids: int):
    from audit_lib.questions import q4_savings_model as q4

    return q4.analyse(
        tables_with_methods(),
        Q4Params(market_min_bids=min_bids, n_resamples=100, null_model_sims=100),
        period(2025),
        seed=1,
    )


def test_the_board_rule_comes_from_the_register_and_a_parameter_is_a_what_if():
    from audit_lib.report.pages import q4_savings_model as page4

    rules = {"q4_savings_model.market_min_bids": BoardRule(value=3, source="Riktlinje 2023")}
    same, other = q4_result(3), q4_result(5)
    assert page4.min_bids_rule(same, rules) == (3, "Riktlinje 2023", None)
    assert page4.min_bids_rule(other, rules) == (3, "Riktlinje 2023", 5)
    assert page4.min_bids_rule(other, {}) == (5, None, None)  # no documented rule: the parameter stands for it
    assert list(page4.board_rows(other, rules)) == list(
        other.sensitivity["min_bids"].eq(3) & other.sensitivity["tolerance_pct"].eq(0.01)
    )
    for language in ("sv", "en"):
        t, f = Texts(language), Formatter(language)
        shown = text(page4.intro(other, t, f, rules))
        assert t("q4_savings_model.intro", min_bids=3) in shown and "Riktlinje 2023" in shown
        assert t("q4_savings_model.rule_what_if", value=5, rule=3) in shown
        assert t("q4_savings_model.intro", min_bids=5) not in shown
        plain = text(page4.intro(same, t, f, rules))
        assert "Riktlinje 2023" in plain and t("q4_savings_model.rule_what_if", value=3, rule=3) not in plain


# ------------------------------------------------------------------ the summary
def decision_level(material: int, status: str = "ok") -> dict:
    return {"status": status, "assessment_inputs": {"material_violations": material, "level_violations": material}}


def test_a_material_breach_brings_the_cover_letters_recommendation():
    t = Texts("sv")
    made = [{"id": "R1", "question": "q1", "text": "x", "status": "new"}]
    rec = s.decision_level_recommendation(decision_level(1), made, t)
    assert rec is not None and rec["status"] == "new" and rec["question"] is None
    assert rec["text"] == t("summary.recommendation_decision_level", n=1) and "1 väsentlig avvikelse" in rec["text"]
    assert s.with_decision_level(made, decision_level(1), t) == [*made, rec]
    assert s.decision_level_recommendation(decision_level(0), made, t) is None  # no material breach
    assert s.decision_level_recommendation(decision_level(2, "failed"), made, t) is None
    assert s.decision_level_recommendation(None, made, t) is None
    own = [*made, {"id": "R9", "question": "decision_level", "text": "y", "status": "new"}]
    assert s.decision_level_recommendation(decision_level(1), own, t) is None  # the auditors wrote their own
    assert "2 material breaches" in s.decision_level_recommendation(decision_level(2), [], Texts("en"))["text"]


def test_the_summary_and_its_page_carry_the_recommendation_and_the_answer_date():
    from audit_lib.evidence import EvidenceRegister
    from audit_lib.params import SummaryParams
    from audit_lib.report.pages import summary as page

    t, f = Texts("en"), Formatter("en")
    params = SummaryParams(answer_by=dt.date(2026, 2, 26))
    res = s.analyse({"decision_level": decision_level(1)}, None, params, EvidenceRegister(year=2025), "en", 2025, t, f)
    assert [r["id"] for r in res.recommendations] == ["decision_level"]
    assert s.results(res)["conclusion"]["answer_by"] == "2026-02-26"
    shown = text(page.recommendations(res, t, f)) + text(page.conclusion(res, t, f))
    assert "decisions to initiate procurements are taken at the level the delegation order requires" in shown
    assert "2026-02-26" in shown
    quiet = s.analyse(
        {"decision_level": decision_level(0)}, None, params, EvidenceRegister(year=2025), "en", 2025, t, f
    )
    assert quiet.recommendations == []


# ------------------------------------------------------------------ the causality page
METHODS_WORDS = ("TWFE", "jackknife", "Webb", "bootstrap", "F-test", "F test", "imputation", "(log)")


@pytest.fixture(scope="module")
def causality_result(demo_dir):
    from audit_lib.contract import load_package
    from audit_lib.contract.period import Period, see_period
    from audit_lib.params import load_params
    from audit_lib.questions import causality as cz

    params = load_params(ROOT / "params" / "demo.yaml")
    period_ = Period.of(params)
    package = see_period(load_package(demo_dir, regions=list(params.regions)), period_)
    return cz.analyse(package, params.causality, period_, params.seed, params.significance_level)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_causality_page_speaks_plainly_and_keeps_its_methods_in_an_appendix(causality_result, language):
    from audit_lib.report.pages import causality as page

    t, f = Texts(language), Formatter(language)
    res = causality_result
    main = text(
        [
            *page.data(res, t, f),
            *page.identification(res, t, f),
            *page.effects(res, t, f),
            *page.warnings(res, t, f),
            *page.money(res, t, f),
            *page.conclusions(res, t, f),
        ]
    )
    found = [w for w in METHODS_WORDS if w.lower() in main.lower()]
    assert not found, found
    assert t("causality.vs_q2") in main and t("causality.methods_pointer") in main
    appendix = text([*page.methods(res, t, f), *page.event_studies(res, t, f), *page.diagnostics(res, t, f)])
    assert appendix.lstrip().startswith(t("causality.methods_heading"))
    # the methods keep their technical names, in brackets after plain words (the Webb weights went)
    assert all(w in appendix for w in ("TWFE", "F-test" if language == "sv" else "F test"))
    assert 'id="methods"' in str(page.methods(res, t, f)[0])  # the conclusions point to it; the page's contents link it
    # the plain table says, per initiative, whether prices already moved before the start
    e = res.analysis.effects
    assert page.moved_before(e, 0.05, t) == [
        t("common.yes") if p < 0.05 else t("common.no") for p in e["pretrend_min_p"]
    ]


def test_without_purchase_lines_there_is_no_methods_appendix():
    from audit_lib.params import CausalityParams
    from audit_lib.questions import causality as cz
    from audit_lib.report.pages import causality as page

    class NoLines(dict):
        large: dict = {}

        def has(self, name: str) -> bool:
            return name in self

    res = cz.analyse(NoLines(rollouts=pd.DataFrame()), CausalityParams(), seed=1)
    assert page.methods(res, Texts("en"), Formatter("en")) == []

"""The pages of questions 1 and 2: the criteria's inputs, intervals, ranges and coverage shown
exactly as the notebooks showed them before the page modules, and the parts a result gives."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from audit_lib.contract.period import Period
from audit_lib.params import Q1Params, Q2Params
from audit_lib.questions import q1_process as q1
from audit_lib.questions import q2_gains as q2
from audit_lib.report.fmt import Formatter
from audit_lib.report.pages import q1_process as page1
from audit_lib.report.pages import q2_gains as page2
from audit_lib.report.texts import Texts
from test_q1_process import register, targets_table
from test_q2_gains import HOURLY, PER_PROC, period, tables_for_analyse


@pytest.fixture(params=["sv", "en"])
def tf(request):
    return Texts(request.param), Formatter(request.param)


def q1_notebook_show_input(t, f):
    """The notebook's ``show_input`` before the page module (the reference)."""

    def show_input(name, v):
        if isinstance(v, bool) or v is None:
            return {True: t("common.yes"), False: t("common.no"), None: "–"}[v]
        return f.percent(v) if name.endswith("_share") or name == "coordinated_share_count" else f.number(v, 2)

    return show_input


@pytest.mark.parametrize(
    "name, value",
    [
        ("coordinated_share_count", 0.1895),
        ("plan_followed_share", 4 / 7),
        ("reasons_documented_share", float("nan")),
        ("target_attainment", 0.6316),
        ("ownership_clear", False),
        ("process_documented", True),
        ("anything", None),
    ],
)
def test_q1_inputs_show_as_the_notebook_did(tf, name, value):
    t, f = tf
    assert page1.INPUTS.bind(t, f)(name, value) == q1_notebook_show_input(t, f)(name, value)


def test_q1_inputs_known_strings():
    show = page1.INPUTS.bind(Texts("sv"), Formatter("sv"))
    assert show("coordinated_share_count", 0.1895) == "19\xa0%"
    assert show("target_attainment", 0.6316) == "0,63"
    assert show("ownership_clear", False) == "nej" and show("x", None) == "–"


def test_q1_interval_with_and_without_ends():
    t, f = Texts("sv"), Formatter("sv")
    assert page1.interval(0.19, 0.135, 0.26, t, f) == "19,0\xa0% (14–26\xa0%)"
    assert page1.interval(0.19, None, 0.26, t, f) == f.percent(0.19, 1)
    assert page1.interval(float("nan"), 0.1, 0.2, t, f) == "–"


def test_q1_parts_of_a_result(tf):
    t, f = tf
    p, r = register()
    tables = {"procurements": p, "procurement_regions": r, "targets": targets_table()}
    res = q1.analyse(tables, Q1Params(bootstrap_reps=200), Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    kf = page1.key_figures(res, t, f)
    assert str(res.largest["procurement_id"]) in str(kf[2])
    assert "warning" not in str(kf[1])  # the year has procurements: a sentence, no warning
    pnc = page1.not_coordinated(res, t, f)
    html = "".join(str(x) for x in pnc)
    assert "P06" in html and "Olika behov" in html and t("q1_process.no_reason") in html
    shown = page1.with_intervals(res.by_year, t, f)
    assert shown["share_s"].tolist() == [
        page1.interval(s, lo, hi, t, f)
        for s, lo, hi in zip(res.by_year["share"], res.by_year["share_low"], res.by_year["share_high"])
    ]


def q2_notebook_show_input(t, f):
    """The notebook's ``show_input`` before the page module (the reference)."""

    def show_input(name, v):
        if isinstance(v, bool) or v is None:
            return {True: t("common.yes"), False: t("common.no"), None: "–"}[v]
        if name.endswith("_coverage") or name.endswith("_share"):
            return f.percent(v)
        return f.count(v) if name.endswith("_examples") else f.number(v, 2)

    return show_input


@pytest.mark.parametrize(
    "name, value",
    [
        ("effort_coverage", 0.75),
        ("saving_coverage", float("nan")),
        ("lessons_share", 1 / 3),
        ("good_examples", 3),
        ("poor_examples", 12),
        ("net_positive_low", True),
        ("net_positive_low", None),
        ("costs_followed_up", False),
        ("other", 1234.5),
    ],
)
def test_q2_inputs_show_as_the_notebook_did(tf, name, value):
    t, f = tf
    assert page2.INPUTS.bind(t, f)(name, value) == q2_notebook_show_input(t, f)(name, value)


def test_q2_known_strings():
    t, f = Texts("sv"), Formatter("sv")
    show = page2.INPUTS.bind(t, f)
    assert show("effort_coverage", 0.5) == "50\xa0%" and show("good_examples", 3) == "3"
    assert show("other", 1234.5) == "1\xa0234,50" and show("net_positive_low", True) == "ja"
    assert page2.money_range(1.2e6, 0.8e6, 1.6e6, t, f, 2) == "1,20\xa0mnkr (0,80–1,60\xa0mnkr)"
    assert page2.of(1, 3, t, f) == "1 av 3 (33\xa0%)" and page2.of(0, 0, t, f) == "0 av 0 (–)"
    assert page2.millions(2_345_000, f) == "2,3" and page2.millions(2_345_000, f, 2) == "2,35"


def test_q2_flags_in_words():
    t = Texts("en")
    row = pd.Series({"external_consultant": True, "high_effort": True})
    assert page2.flags(row, t) == f"{t('q2_gains.flag_external_consultant')}, {t('q2_gains.flag_high_effort')}"
    assert page2.flags(pd.Series({"external_consultant": False, "high_effort": False}), t) == ""


def test_q2_parts_of_a_result(tf):
    t, f = tf
    params = Q2Params(
        hourly_cost_sek=HOURLY,
        cost_per_procurement_sek=PER_PROC,
        bootstrap_reps=200,
        examples_years=2,
        high_effort_factor=2.0,
    )
    res = q2.analyse(tables_for_analyse(), params, period(2025))
    html = "".join(str(x) for x in page2.examples(res, t, f))
    assert "C2" in html and "C5" in html and "C1" in html
    assert f.count(70.0) in html  # the threshold in the introduction
    kf = page2.key_figures(res, t, f)
    assert t("q2_gains.no_effort") not in "".join(str(x) for x in kf)
    no_effort = q2.analyse(tables_for_analyse(with_effort=False), params, period(2025))
    assert t("q2_gains.no_effort")[:20] in str(page2.key_figures(no_effort, t, f)[0])

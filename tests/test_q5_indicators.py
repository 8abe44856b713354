"""Question 5 on hand-made indicator tables with known coverage, on the demo package (the
report: only cost is followed up, by two indicators reported to the regional boards), and
through papermill."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from audit_lib.questions import q5_indicators as q5
from conftest import run_notebook

AREAS = ["cost", "quality", "commercial_soundness", "administration", "learning"]
BODIES = ["regionfullmaktige", "regionstyrelse", "inkopsnamnden"]


def indicators(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["goal_area", "indicator", "followed_up", "reported_to"])


HAND = indicators(
    [
        ("cost", "Besparing", True, "Regionstyrelse"),  # reported (case does not matter)
        ("cost", "Andel samordnade", True, "regionstyrelse"),
        ("quality", "Nöjdhet", True, None),  # followed up, reported nowhere
        ("administration", "Handläggningstid", True, "intern ledningsgrupp"),  # followed up, not to a governing body
        ("learning", "Lärdomar", False, "regionstyrelse"),  # named recipient but not followed up
    ]
)


def test_indicator_status_classifies_each_row():
    s = q5.indicator_status(HAND, BODIES)
    assert list(s["status"]) == [
        "reported",
        "reported",
        "followed_up_not_reported",
        "followed_up_not_reported",
        "defined_not_followed_up",
    ]
    assert list(s["recipient"]) == ["regionstyrelse", "regionstyrelse", "not_reported", "other", "not_followed_up"]


def test_coverage_per_goal_area():
    c = q5.coverage(q5.indicator_status(HAND, BODIES), AREAS).set_index("goal_area")
    assert list(c.index) == AREAS  # the mission's order
    assert c.loc["cost", "n_indicators"] == 2 and c.loc["cost", "n_reported"] == 2
    assert c.loc["cost", "reported_to"] == "regionstyrelse"
    assert c.loc["quality", "status"] == "followed_up_not_reported"
    assert c.loc["administration", "status"] == "followed_up_not_reported"
    assert c.loc["commercial_soundness", "status"] == "no_indicator"
    assert c.loc["commercial_soundness", "n_indicators"] == 0
    assert c.loc["learning", "status"] == "defined_not_followed_up"
    assert c.loc["learning", "n_followed_up"] == 0


def test_area_outside_the_mission_is_kept_and_marked():
    s = q5.indicator_status(HAND, BODIES)
    c = q5.coverage(s, ["cost", "quality"])
    assert list(c["goal_area"]) == ["cost", "quality", "administration", "learning"]
    assert list(c["in_mission"]) == [True, True, False, False]
    inputs = q5.assessment_inputs(c, pd.DataFrame())
    assert inputs["n_goal_areas"] == 2 and inputs["goal_areas_followed_share"] == 1.0
    assert inputs["goal_areas_reported_share"] == 0.5


def test_coverage_matrix_counts():
    m = q5.coverage_matrix(q5.indicator_status(HAND, BODIES), AREAS, BODIES)
    assert list(m.columns) == BODIES + ["other", "not_reported", "not_followed_up"]
    assert m.loc["cost", "regionstyrelse"] == 2
    assert m.loc["quality", "not_reported"] == 1
    assert m.loc["administration", "other"] == 1
    assert m.loc["learning", "not_followed_up"] == 1
    assert m.loc["commercial_soundness"].sum() == 0
    assert int(m.to_numpy().sum()) == len(HAND)


def test_assessment_inputs_known_values():
    c = q5.coverage(q5.indicator_status(HAND, BODIES), AREAS)
    targets = pd.DataFrame({"indicator": ["a", "b"], "periods": ["full_year"] * 2, "target": [1, 2], "outcome": [1, 2]})
    i = q5.assessment_inputs(c, targets)
    assert i["goal_areas_followed_share"] == pytest.approx(3 / 5)  # cost, quality, administration
    assert i["goal_areas_reported_share"] == pytest.approx(1 / 5)  # cost only
    assert i["n_indicators_followed_up"] == 4
    assert i["n_indicators_with_target"] == 2


def test_no_indicators_table_means_unknown_not_zero():
    assert q5.indicator_status(None, BODIES) is None
    assert q5.coverage(None, AREAS) is None and q5.coverage_matrix(None, AREAS, BODIES) is None
    i = q5.assessment_inputs(None, pd.DataFrame())
    assert math.isnan(i["goal_areas_followed_share"]) and math.isnan(i["goal_areas_reported_share"])
    assert i["n_indicators_followed_up"] is None


def test_empty_indicators_table_is_zero_coverage():
    c = q5.coverage(q5.indicator_status(indicators([]), BODIES), AREAS)
    assert (c["status"] == "no_indicator").all()
    assert q5.assessment_inputs(c, pd.DataFrame())["goal_areas_followed_share"] == 0.0


def test_targets_set_in_the_audit_year():
    t = pd.DataFrame(
        [
            (2025, "coordinated_share", 0.30, 0.19, "interim"),
            (2025, "coordinated_share", 0.30, 0.21, "full_year"),
            (2025, "coordinated_count", None, 36, "full_year"),  # no target: not steering
            (2024, "enabled_savings_sek", 70e6, 68.1e6, "full_year"),
            (2025, "enabled_savings_sek", 70e6, 66.3e6, "full_year"),
        ],
        columns=["year", "indicator", "target", "outcome", "period"],
    )
    s = q5.targets_set(t, 2025).set_index("indicator")
    assert list(s.index) == ["coordinated_share", "enabled_savings_sek"]
    assert s.loc["coordinated_share", "periods"] == "full_year, interim"
    assert s.loc["coordinated_share", "outcome"] == 0.21  # full year preferred
    assert len(q5.targets_set(t, 2030)) == 0


def test_demo_reproduces_the_report(demo_package):
    s = q5.indicator_status(demo_package["indicators"], BODIES)
    c = q5.coverage(s, AREAS).set_index("goal_area")
    # the report: two indicators (enabled savings, share coordinated), both cost, reported to the regional boards;
    # quality, commercial soundness, administration and learning not followed up
    assert c.loc["cost", "n_followed_up"] == 2 and c.loc["cost", "reported_to"] == "regionstyrelse"
    assert (c.drop(index="cost")["n_followed_up"] == 0).all()
    i = q5.assessment_inputs(c.reset_index(), q5.targets_set(demo_package["targets"], 2025))
    assert i["goal_areas_followed_share"] == pytest.approx(0.2)
    assert i["n_indicators_with_target"] == 2  # coordinated share and enabled savings have 2025 targets


def test_coverage_grid_figure():
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    from audit_lib.report.figures.q5_indicators import coverage_grid

    m = q5.coverage_matrix(q5.indicator_status(HAND, BODIES), AREAS, BODIES)
    fig = coverage_grid(m, {a: a.upper() for a in AREAS}, {})
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    kept = [c for i, c in enumerate(m.columns) if m[c].sum() > 0 or i >= len(m.columns) - 2]
    assert [x.get_text() for x in ax.get_xticklabels()] == kept  # empty governing bodies dropped
    assert [y.get_text() for y in ax.get_yticklabels()] == [a.upper() for a in AREAS]
    cells = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(cells) == len(AREAS) * len(kept)
    numbers = sorted(t.get_text() for t in ax.texts if t.get_text().isdigit())
    assert numbers == ["1", "1", "1", "2"]  # four non-empty cells
    import matplotlib.pyplot as plt

    plt.close(fig)


# ------------------------------------------------------------------ the notebook through papermill
@pytest.fixture(scope="module")
def q5_results(demo_dir, tmp_path_factory):
    return run_notebook("q5_indicators", demo_dir, tmp_path_factory.mktemp("q5"))


def test_notebook_records_coverage_and_assessment(q5_results):
    assert q5_results["status"] == "ok" and q5_results["indicators_available"] is True
    cov = {r["goal_area"]: r for r in q5_results["coverage"]}
    assert cov["cost"]["status"] == "reported" and cov["quality"]["status"] == "defined_not_followed_up"
    assert q5_results["assessment_inputs"]["goal_areas_followed_share"] == pytest.approx(0.2)
    a = q5_results["assessment"]
    assert a["level"] == "till_viss_del"  # the report's assessment
    assert a["inputs"]["results_used_in_steering"] is True  # from the evidence register
    assert a["rule"]["till_stor_del"][0]["holds"] is False  # 20 % of goal areas < 60 %
    assert a["on_edge"] is True  # 20 % against >= 20 % for Till viss del
    assert a["rule"]["till_viss_del"][0]["margin"] == pytest.approx(0.0, abs=1e-9)
    matrix = {r["goal_area"]: r for r in q5_results["matrix"]}
    assert matrix["cost"]["regionstyrelse"] == 2 and matrix["learning"]["not_followed_up"] == 1


def test_notebook_without_indicators_table(demo_copy, tmp_path):
    (demo_copy / "indicators.csv").unlink()
    res = run_notebook("q5_indicators", demo_copy, tmp_path, language="en")
    assert res["status"] == "ok" and res["indicators_available"] is False
    assert res["coverage"] is None and res["assessment_inputs"]["goal_areas_followed_share"] is None
    assert res["title"].startswith("Question 5")
    # a missing table cannot satisfy any condition on coverage: shown as missing, not as zero
    assert res["assessment"]["rule"]["till_viss_del"][0]["holds"] is None
    html = (tmp_path / "q5_indicators.ipynb").read_text(encoding="utf-8")
    assert "no indicators table" in html


def test_key_counts_uncovered_and_outside_the_mission():
    """What the page states, on the hand-made table plus an area the mission does not name."""
    extra = pd.concat([HAND, indicators([("innovation", "Nya idéer", True, None)])], ignore_index=True)
    s = q5.indicator_status(extra, BODIES)
    c = q5.coverage(s, AREAS)
    assert q5.key_counts(s, c) == {
        "areas_followed": 3,
        "areas_reported": 1,
        "n_areas": 5,
        "indicators_followed": 5,
        "n_indicators": 6,
    }
    assert q5.uncovered_areas(c) == ["commercial_soundness", "learning"]  # the mission's order
    assert q5.areas_outside_mission(c) == ["innovation"]
    assert q5.key_counts(None, None) is None
    assert q5.uncovered_areas(None) == [] and q5.areas_outside_mission(None) == []


def _period(year):
    import datetime as dt

    from audit_lib.contract.period import Period

    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


TARGETS = pd.DataFrame(
    [
        (2025, "coordinated_share", 0.30, 0.21, "full_year"),
        (2024, "enabled_savings_sek", 70e6, 68.1e6, "full_year"),
    ],
    columns=["year", "indicator", "target", "outcome", "period"],
)


def test_analyse_is_the_chain_of_steps_and_results_records_it():
    from audit_lib.params import Q5Params

    res = q5.analyse(
        {"indicators": HAND, "targets": TARGETS}, Q5Params(goal_areas=AREAS, governing_bodies=BODIES), _period(2025)
    )
    assert res.audit_year == 2025 and list(res.targets["indicator"]) == ["coordinated_share"]
    assert res.inputs == q5.assessment_inputs(res.coverage, res.targets)
    assert res.counts is not None and res.counts["areas_reported"] == 1
    assert res.uncovered == ["commercial_soundness", "learning"] and res.outside == []
    recorded = q5.results(res)
    assert list(recorded) == [
        "indicators_available",
        "coverage",
        "indicators",
        "matrix",
        "targets_in_audit_year",
        "assessment_inputs",
    ]
    assert recorded["indicators_available"] is True
    assert list(recorded["matrix"].columns[:2]) == ["goal_area", "regionfullmaktige"]
    assert recorded["matrix"]["goal_area"].tolist() == AREAS


def test_analyse_without_indicators_table():
    from audit_lib.params import Q5Params

    res = q5.analyse({"targets": TARGETS}, Q5Params(), _period(2024))
    assert res.status is None and res.coverage is None and res.matrix is None and res.counts is None
    assert list(res.targets["indicator"]) == ["enabled_savings_sek"]
    recorded = q5.results(res)
    assert recorded["indicators_available"] is False and recorded["matrix"] is None
    assert recorded["assessment_inputs"]["n_indicators_with_target"] == 1


def test_page_states_the_counts_labels_and_targets():
    from audit_lib.params import Q5Params
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import q5_indicators as page
    from audit_lib.report.texts import Texts

    t, f = Texts("en"), Formatter("en")
    res = q5.analyse(
        {"indicators": HAND, "targets": TARGETS}, Q5Params(goal_areas=AREAS, governing_bodies=BODIES), _period(2025)
    )
    html = "".join(str(x) for x in page.coverage(res, t, f, BODIES))
    assert t("q5_indicators.of", k="3", n="5") in html and t("q5_indicators.of", k="4", n="5") in html
    assert t(
        "q5_indicators.uncovered", areas=f"{t('goal_area.commercial_soundness')}, {t('goal_area.learning')}"
    ) in html.replace("&#x27;", "'")
    assert page.area("innovation", t) == "innovation"  # no name in the catalog: the code
    assert page.recipient("other", t) == t("q5_indicators.recipient.other")
    assert len(page.indicators(res, t, f)) == 5
    targets = "".join(str(x) for x in page.targets(res, t, f))
    assert "30%" in targets and "21%" in targets
    empty = q5.analyse({"targets": TARGETS}, Q5Params(), _period(2023))
    assert [str(x) for x in page.coverage(empty, t, f, BODIES)] == [
        str(page.d.callout(t("q5_indicators.no_table"), "warning"))
    ]
    assert page.indicators(empty, t, f) == []
    assert t("q5_indicators.no_targets", year=2023) in str(page.targets(empty, t, f)[-1])


def test_page_inputs_shows_shares_as_percent_and_the_rest_as_whole_numbers():
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import q5_indicators as page
    from audit_lib.report.texts import Texts

    show = page.INPUTS.bind(Texts("en"), Formatter("en"))
    assert show("goal_areas_followed_share", 0.2) == "20%"
    assert show("n_indicators_with_target", 2.4) == "2"
    assert show("n_indicators_followed_up", None) == "–" and show("x", True) == "yes"

"""Question 6 on hand-made registers with known shares and repeated problems, the Wilson
interval against known values and by simulation, the demo's planted cases, and the notebook
through papermill."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from audit_lib.questions import q6_learning as q6
from conftest import run_notebook


def view(rows) -> pd.DataFrame:
    """Rows: (id, year, category, planned, coordinated, consultant, lessons)."""
    df = pd.DataFrame(
        rows,
        columns=[
            "procurement_id",
            "year",
            "category",
            "planned_coordinated",
            "coordinated",
            "external_consultant",
            "lessons_documented",
        ],
    )
    df["title"] = df["procurement_id"] + " titel"
    return df


HAND = view(
    [
        # 2023
        ("A1", 2023, "IT", True, False, False, False),  # planned, not coordinated
        ("A2", 2023, "IT", True, True, False, True),
        ("A3", 2023, "Textil", False, False, True, False),  # consultant
        ("A4", 2023, "Textil", False, False, False, True),
        # 2024
        ("B1", 2024, "IT", True, False, False, True),  # planned, not coordinated again: repeated in IT
        ("B2", 2024, "Textil", False, False, False, False),
        ("B3", 2024, "Måltider", True, False, True, False),  # both problems, once
        ("B4", 2024, "Måltider", False, True, False, True),
        # 2025
        ("C1", 2025, "IT", False, True, False, True),
        ("C2", 2025, "Textil", False, False, True, True),  # consultant again: repeated in Textil
        ("C3", 2025, "Måltider", False, False, False, False),
        ("C4", 2025, "Fordon", False, False, False, False),
        ("C5", 2025, "IT", True, True, False, False),
        # outside a three-year window
        ("Z1", 2021, "Fordon", True, False, True, False),
    ]
)


def test_wilson_known_values():
    lo, hi = q6.wilson(5, 10, 0.95)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    lo, hi = q6.wilson(0, 10, 0.95)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.2775, abs=1e-4)
    assert all(math.isnan(x) for x in q6.wilson(0, 0, 0.95))


def test_wilson_coverage_by_simulation():
    """The 95 % Wilson interval covers the true share about 95 % of the time (n = 60, p = 0.25)."""
    rng = np.random.default_rng(11)
    n, p, sims = 60, 0.25, 2000
    ks = rng.binomial(n, p, sims)
    hits = 0
    for k in ks:
        lo, hi = q6.wilson(int(k), n, 0.95)
        hits += lo <= p <= hi
    assert 0.93 < hits / sims < 0.97


def test_learning_by_year_counts():
    by = q6.learning_by_year(HAND, 0.95).set_index("year")
    assert by.loc[2023, "n"] == 4 and by.loc[2023, "n_lessons"] == 2 and by.loc[2023, "lessons_share"] == 0.5
    assert by.loc[2025, "n"] == 5 and by.loc[2025, "lessons_share"] == pytest.approx(2 / 5)
    assert by.loc[2025, "n_coordinated"] == 2 and by.loc[2025, "coordinated_lessons_share"] == pytest.approx(0.5)
    assert by.loc[2024, "n_consultant"] == 1 and by.loc[2024, "consultant_share"] == pytest.approx(0.25)
    assert by.loc[2021, "n_coordinated"] == 0 and math.isnan(by.loc[2021, "coordinated_lessons_share"])
    lo, hi = q6.wilson(2, 5, 0.95)
    assert by.loc[2025, "lessons_low"] == pytest.approx(lo) and by.loc[2025, "lessons_high"] == pytest.approx(hi)


def test_consultant_procurements_in_window():
    c = q6.consultant_procurements(HAND, 2023, 2025)
    assert list(c["procurement_id"]) == ["A3", "B3", "C2"]
    assert list(c["lessons_documented"]) == [False, False, True]


def test_problem_events():
    ev = q6.problem_events(HAND)
    planned = set(ev.loc[ev["problem"] == "planned_not_coordinated", "procurement_id"])
    assert planned == {"A1", "B1", "B3", "Z1"}  # A2 and C5 were planned and coordinated
    assert set(ev.loc[ev["problem"] == "external_consultant", "procurement_id"]) == {"A3", "B3", "C2", "Z1"}


def test_repeated_problems_over_the_window():
    r = q6.repeated_problems(HAND, 2025, window_years=3, min_repeat_years=2)
    key = {(x.category, x.problem): x for x in r.itertuples()}
    it = key[("IT", "planned_not_coordinated")]
    assert it.repeated and it.years == [2023, 2024] and it.n_procurements == 2 and it.lessons_share == 0.5
    tex = key[("Textil", "external_consultant")]
    assert tex.repeated and tex.years == [2023, 2025]
    assert not key[("Måltider", "planned_not_coordinated")].repeated
    assert not key[("Måltider", "external_consultant")].repeated
    assert ("Fordon", "planned_not_coordinated") not in key  # 2021 is outside the window
    assert list(r["repeated"]) == sorted(r["repeated"], reverse=True)  # repeated first
    # a longer window brings Fordon in, still once
    r5 = q6.repeated_problems(HAND, 2025, window_years=5, min_repeat_years=2)
    assert not r5[(r5["category"] == "Fordon")]["repeated"].any()
    # a stricter threshold: nothing repeats in three years
    assert not q6.repeated_problems(HAND, 2025, 3, 3)["repeated"].any()


def test_assessment_inputs_known_values():
    by = q6.learning_by_year(HAND, 0.95)
    r = q6.repeated_problems(HAND, 2025, 3, 2)
    n_cat = q6.categories_in_window(HAND, 2025, 3)
    assert n_cat == 4  # IT, Textil, Måltider, Fordon
    i = q6.assessment_inputs(by, r, n_cat, 2025)
    assert i["lessons_documented_share"] == pytest.approx(0.4) and i["n_completed"] == 5
    assert i["consultant_share"] == pytest.approx(0.2)
    assert i["n_categories_repeated"] == 2 and i["categories_repeated_share"] == pytest.approx(0.5)
    empty = q6.assessment_inputs(by, r.iloc[0:0], n_cat, 2030)
    assert math.isnan(empty["lessons_documented_share"]) and empty["n_categories_repeated"] == 0


def test_demo_planted_cases(demo_package, planted):
    from audit_lib.questions import common

    v = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    ev = q6.problem_events(v)
    assert set(ev.loc[ev["problem"] == "planned_not_coordinated", "procurement_id"]) == set(
        planted["planned_not_coordinated"]
    )
    c = q6.consultant_procurements(v, 2019, 2025).set_index("procurement_id")
    for pid in planted["mammography"]:  # the poor example: run by an external consultant, no lessons written
        assert pid in c.index and not c.loc[pid, "lessons_documented"]
    by = q6.learning_by_year(v, 0.95)
    assert (by["lessons_low"] <= by["lessons_share"]).all() and (by["lessons_share"] <= by["lessons_high"]).all()
    # the demo documents lessons in about a quarter of procurements (50 % in IT, textiles, meals; 15 % elsewhere)
    assert 0.15 < by["lessons_share"].mean() < 0.35


def test_lessons_figure():
    from audit_lib.report.figures.q6_learning import lessons_by_year

    by = q6.learning_by_year(HAND, 0.95)
    fig = lessons_by_year(by, {"all": "Alla", "coordinated": "Samordnade"}, "Andel", lambda x: f"{100 * x:.0f} %")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Alla", "Samordnade"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2023", "2024", "2025"]
    assert ax.get_ylim() == (0, 1)
    # the points plotted are the shares (all procurements, offset left of the year)
    pts = ax.lines[0].get_xydata()
    assert np.allclose(pts[:, 1], by["lessons_share"]) and np.allclose(pts[:, 0], by["year"] - 0.08)
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_problems_figure_marks_repeated():
    from audit_lib.report.figures.q6_learning import problems_by_category

    r = q6.repeated_problems(HAND, 2025, 3, 2)
    fig = problems_by_category(r, {p: p for p in q6.PROBLEMS})
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["IT", "Måltider", "Textil"]
    filled = [p for p in ax.patches if p.get_hatch() is None and p.get_width() > 0]
    hatched = [p for p in ax.patches if p.get_hatch() == "///" and p.get_width() > 0]
    assert sorted(p.get_width() for p in filled) == [2, 2]  # IT planned (2), Textil consultant (2)
    assert sorted(p.get_width() for p in hatched) == [1, 1]  # Måltider, once each
    import matplotlib.pyplot as plt

    plt.close(fig)


# ------------------------------------------------------------------ the notebook through papermill
@pytest.fixture(scope="module")
def q6_results(demo_dir, tmp_path_factory):
    return run_notebook("q6_learning", demo_dir, tmp_path_factory.mktemp("q6"))


def test_notebook_records_shares_with_intervals(q6_results, demo_package):
    from audit_lib.questions import common

    assert q6_results["status"] == "ok" and q6_results["window"] == [2023, 2025]
    v = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    y = v[v["year"] == 2025]
    i = q6_results["assessment_inputs"]
    assert i["n_completed"] == len(y)
    assert i["lessons_documented_share"] == pytest.approx(y["lessons_documented"].mean())
    assert i["lessons_documented_low"] < i["lessons_documented_share"] < i["lessons_documented_high"]
    row = next(r for r in q6_results["by_year"] if r["year"] == 2025)
    assert row["n_consultant"] == int(y["external_consultant"].sum())
    ids = {r["procurement_id"] for r in q6_results["consultant_procurements"]}
    assert "IN-2024-0011" in ids  # the mammography stands


def test_notebook_assessment_follows_the_rule_and_the_evidence(q6_results):
    a = q6_results["assessment"]
    assert a["level"] == "till_viss_del"  # the report's assessment
    assert a["inputs"]["learning_structure_exists"] is False and a["inputs"]["development_work_ongoing"] is True
    stor = {c["input"]: c["holds"] for c in a["rule"]["till_stor_del"]}
    assert stor["learning_structure_exists"] is False
    assert all(c["holds"] for c in a["rule"]["till_viss_del"])


def test_repeated_lessons_share_over_the_repeated_problems():
    """IT (planned, not coordinated: A1 no, B1 yes) and Textil (consultant: A3 no, C2 yes) repeat:
    2 of their 4 procurements documented lessons; the single-year problems do not count."""
    r = q6.repeated_problems(HAND, 2025, 3, 2)
    assert q6.repeated_lessons_share(r) == pytest.approx(0.5)
    assert math.isnan(q6.repeated_lessons_share(q6.repeated_problems(HAND, 2025, 3, 3)))  # none repeats
    assert math.isnan(q6.repeated_lessons_share(r.iloc[0:0]))


def tables_of(v: pd.DataFrame) -> dict:
    """The package's two tables behind a view: a coordinated procurement has two regions."""
    procurements = v.drop(columns=["year", "coordinated"]).assign(
        completed_date=pd.to_datetime(v["year"].astype(str) + "-06-01")
    )
    regions = pd.DataFrame(
        [
            (pid, reg, 1.0)
            for pid, c in zip(v["procurement_id"], v["coordinated"])
            for reg in (("X", "Y") if c else ("X",))
        ],
        columns=["procurement_id", "region", "estimated_value_sek"],
    )
    return {"procurements": procurements, "procurement_regions": regions}


def test_analyse_is_the_chain_of_steps_and_results_records_it():
    import datetime as dt

    from audit_lib.contract.period import Period
    from audit_lib.params import Q6Params

    res = q6.analyse(
        tables_of(HAND), Q6Params(window_years=3, min_repeat_years=2), Period(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    )
    assert res.window == (2023, 2025) and res.n_categories == 4
    assert list(res.consultants["procurement_id"]) == ["A3", "B3", "C2"]
    assert res.repeated_lessons_share == pytest.approx(0.5)
    assert res.inputs["lessons_documented_share"] == pytest.approx(0.4)
    assert res.inputs["n_categories_repeated"] == 2
    assert list(res.by_year["year"]) == [2021, 2023, 2024, 2025]
    recorded = q6.results(res)
    assert list(recorded) == ["by_year", "consultant_procurements", "repeated_problems", "window", "assessment_inputs"]
    assert recorded["window"] == [2023, 2025]


def test_page_shows_counts_with_intervals_and_folds_the_consultants():
    import datetime as dt

    from audit_lib.contract.period import Period
    from audit_lib.params import Q6Params
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import q6_learning as page
    from audit_lib.report.texts import Texts

    t, f = Texts("en"), Formatter("en")
    lo, hi = q6.wilson(2, 5, 0.95)
    assert page.with_interval(2, 0.4, lo, hi, f) == f"2 (40%; {f.percent(lo)} – {f.percent(hi)})"
    assert page.with_interval(0, float("nan"), float("nan"), float("nan"), f) == "0 (–; –)"
    res = q6.analyse(tables_of(HAND), Q6Params(), Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
    lessons = page.lessons(res, t, f, 0.95)
    assert len(lessons) == 6 and "2 (40%; " in str(lessons[3])
    consultants = page.consultants(res, t, f)
    assert str(consultants[-1]).startswith("<details><summary>") and "A3" in str(consultants[-1])
    repeated = page.repeated(res, t, f, 2)
    summary = t("q6_learning.repeated_summary", k="2", n="4", share="50%")
    assert str(repeated[2]) == str(page.d.callout(summary, "warning"))
    show = page.INPUTS.bind(t, f)
    assert show("lessons_documented_share", 0.4) == "40%" and show("lessons_documented_low", 0.118) == "0"
    assert show("n_completed", 5) == "5"

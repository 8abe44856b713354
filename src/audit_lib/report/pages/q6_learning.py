"""What the page of question 6 shows: documented lessons by year with their intervals, the
procurements an external consultant ran, and problems repeated in a category."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.q6_learning import PROBLEMS, Q6Result
from .. import display as d
from ..figures.q6_learning import lessons_by_year, problems_by_category
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, interval, yes_no

INPUTS = InputFormat(decimals=0)  # the criteria's inputs: shares as percent, other figures as whole numbers


def with_interval(k: Any, share: Any, low: Any, high: Any, f: Formatter) -> str:
    """ "k (share; low – high)": a count with its share and the share's interval."""
    return f"{f.count(k)} ({f.percent(share)}; {interval(low, high, f.percent)})"


def _shown_by_year(by_year: pd.DataFrame, f: Formatter) -> pd.DataFrame:
    """The lessons by year with each share and its interval as text (all and coordinated
    procurements) and the consultants' count and share."""
    return by_year.assign(
        lessons_s=[
            with_interval(*x, f)
            for x in zip(
                by_year["n_lessons"], by_year["lessons_share"], by_year["lessons_low"], by_year["lessons_high"]
            )
        ],
        coord_s=[
            with_interval(*x, f)
            for x in zip(
                by_year["n_coordinated_lessons"],
                by_year["coordinated_lessons_share"],
                by_year["coordinated_lessons_low"],
                by_year["coordinated_lessons_high"],
            )
        ],
        consultant_s=[
            f"{f.count(k)} ({f.percent(s, 1)})" for k, s in zip(by_year["n_consultant"], by_year["consultant_share"])
        ],
    )


def _boxes(res: Q6Result, t: Texts, f: Formatter) -> d.Html:
    """The key-figure boxes: documented lessons, the consultants' share and repeated problems."""
    inputs, (first, last) = res.inputs, res.window
    return d.key_figures(
        [
            (
                t(
                    "q6_learning.kf_lessons",
                    year=last,
                    low=f.percent(inputs["lessons_documented_low"]),
                    high=f.percent(inputs["lessons_documented_high"]),
                    n=f.count(inputs["n_completed"]),
                ),
                f.percent(inputs["lessons_documented_share"]),
            ),
            (t("q6_learning.kf_consultant", year=last), f.percent(inputs["consultant_share"], 1)),
            (
                t("q6_learning.kf_repeated", first=first, last=last),
                t("q6_learning.of", k=f.count(inputs["n_categories_repeated"]), n=f.count(inputs["n_categories"])),
            ),
        ]
    )


def lessons(res: Q6Result, t: Texts, f: Formatter, level: float) -> list[d.Html]:
    """The key figures, documented lessons by year (all and coordinated procurements, with
    intervals at ``level``), the consultants' share, and the figure."""
    by_year = res.by_year
    shown = _shown_by_year(by_year, f)
    fig = lessons_by_year(
        by_year,
        {k: t(f"q6_learning.legend_{k}") for k in ("all", "coordinated")},
        t("q6_learning.axis_share"),
        f.percent,
    )
    return [
        _boxes(res, t, f),
        d.heading(t("q6_learning.lessons_heading")),
        d.paragraph(t("q6_learning.lessons_intro", level=f.percent(level))),
        d.table(
            shown,
            {
                "year": t("common.year"),
                "n": t("q6_learning.col_n"),
                "lessons_s": t("q6_learning.col_lessons"),
                "n_coordinated": t("q6_learning.col_n_coordinated"),
                "coord_s": t("q6_learning.col_coordinated_lessons"),
                "consultant_s": t("q6_learning.col_consultant"),
            },
            numeric=["n", "lessons_s", "n_coordinated", "coord_s", "consultant_s"],
        ),
        d.figure(
            fig,
            t("q6_learning.lessons_caption"),
            key="q6-fig1",
            data=d.FigureData(
                shown,
                {
                    "year": t("common.year"),
                    "lessons_s": t("q6_learning.legend_all"),
                    "coord_s": t("q6_learning.legend_coordinated"),
                },
                numeric=("lessons_s", "coord_s"),
            ),
        ),
        d.callout(t("q6_learning.flag_caveat"), "caution"),
    ]


def consultants(res: Q6Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The window's procurements run by an external consultant, folded away."""
    cons, (first, last) = res.consultants, res.window
    parts = [d.heading(t("q6_learning.consultant_heading"))]
    if not len(cons):
        return parts + [d.callout(t("q6_learning.no_consultants", first=first, last=last), "info")]
    cv = cons.assign(
        planned_s=cons["planned_coordinated"].map(lambda b: yes_no(bool(b), t)),
        coordinated_s=cons["coordinated"].map(lambda b: yes_no(bool(b), t)),
        lessons_s=cons["lessons_documented"].map(lambda b: yes_no(bool(b), t)),
    )
    table = d.table(
        cv,
        {
            "procurement_id": t("q6_learning.col_id"),
            "year": t("common.year"),
            "title": t("common.title"),
            "category": t("common.category"),
            "planned_s": t("q6_learning.col_planned"),
            "coordinated_s": t("q6_learning.col_coordinated"),
            "lessons_s": t("q6_learning.col_lessons_documented"),
        },
    )
    summary = d.esc(t("q6_learning.consultant_show", n=f.count(len(cv))))
    return parts + [
        d.paragraph(t("q6_learning.consultant_intro", first=first, last=last)),
        d.Html(f"<details><summary>{summary}</summary>{table}</details>"),
    ]


def repeated(res: Q6Result, t: Texts, f: Formatter, min_repeat_years: int) -> list[d.Html]:
    """Problems by category over the window: which recur in at least ``min_repeat_years`` years,
    with the share of their procurements that documented lessons, and the figure."""
    rep, inputs, (first, last) = res.repeated, res.inputs, res.window
    parts = [
        d.heading(t("q6_learning.repeated_heading")),
        d.paragraph(t("q6_learning.repeated_intro", first=first, last=last, min_years=min_repeat_years)),
    ]
    if not len(rep):
        return parts + [d.callout(t("q6_learning.no_problems", first=first, last=last), "info")]
    rv = rep.assign(
        problem_s=rep["problem"].map(lambda x: t(f"q6_learning.problem.{x}")),
        years_s=rep["years"].map(lambda ys: ", ".join(str(y) for y in ys)),
        repeated_s=rep["repeated"].map(lambda b: yes_no(bool(b), t)),
        lessons_s=rep["lessons_share"].map(f.percent),
    )
    fig = problems_by_category(rep, {k: t(f"q6_learning.problem.{k}") for k in PROBLEMS})
    return parts + [
        d.callout(
            t(
                "q6_learning.repeated_summary",
                k=f.count(inputs["n_categories_repeated"]),
                n=f.count(inputs["n_categories"]),
                share=f.percent(res.repeated_lessons_share),
            ),
            "warning" if inputs["n_categories_repeated"] else "info",
        ),
        d.table(
            rv,
            {
                "category": t("common.category"),
                "problem_s": t("q6_learning.col_problem"),
                "n_procurements": t("q6_learning.col_n_procurements"),
                "years_s": t("q6_learning.col_years"),
                "repeated_s": t("q6_learning.col_repeated"),
                "lessons_s": t("q6_learning.col_lessons_share"),
            },
            numeric=["n_procurements", "lessons_s"],
        ),
        d.figure(
            fig,
            t("q6_learning.repeated_caption", first=first, last=last, min_years=min_repeat_years),
            key="q6-fig2",
            data=d.FigureData(
                rv,
                {
                    "category": t("common.category"),
                    "problem_s": t("q6_learning.col_problem"),
                    "n_procurements": t("q6_learning.col_n_procurements"),
                    "repeated_s": t("q6_learning.col_repeated"),
                },
                {"n_procurements": f.count},
            ),
        ),
    ]

"""What the page of question 5 shows: the mission's goal areas against the indicators followed
up and reported, where each indicator ends up, and the audit year's targets."""

from __future__ import annotations

from collections.abc import Sequence

from ...questions.q5_indicators import Q5Result
from .. import display as d
from ..figures.q5_indicators import coverage_grid
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, label, yes_no
from .q3_targets import value

INPUTS = InputFormat(decimals=0)  # the criteria's inputs: shares as percent, other figures as whole numbers


def area(a: str, t: Texts) -> str:
    """A goal area's name; the code when the catalog has none."""
    return label(t, [f"goal_area.{a}"], a)


def recipient(r: str, t: Texts) -> str:
    """Where an indicator is reported (a governing body, other, not reported ...); the code when
    the catalog has no name for it."""
    return label(t, [f"q5_indicators.recipient.{r}"], r)


def coverage(res: Q5Result, t: Texts, f: Formatter, governing_bodies: Sequence[str]) -> list[d.Html]:
    """The key figures, the goal areas' coverage and the areas without an indicator followed up
    (a warning alone when there is no ``indicators`` table)."""
    cov, counts = res.coverage, res.counts
    if cov is None or counts is None:
        return [d.callout(t("q5_indicators.no_table"), "warning")]
    shown = cov.assign(
        area_label=cov["goal_area"].map(lambda a: area(a, t)),
        reported_to_label=cov["reported_to"].map(
            lambda s: ", ".join(recipient(x, t) for x in s.split(", ")) if s else "–"
        ),
        status_label=cov["status"].map(lambda s: t(f"q5_indicators.status.{s}")),
    )
    parts = [
        d.key_figures(
            [
                (
                    t("q5_indicators.kf_areas_followed"),
                    t("q5_indicators.of", k=f.count(counts["areas_followed"]), n=f.count(counts["n_areas"])),
                ),
                (
                    t("q5_indicators.kf_areas_reported"),
                    t("q5_indicators.of", k=f.count(counts["areas_reported"]), n=f.count(counts["n_areas"])),
                ),
                (
                    t("q5_indicators.kf_indicators_followed"),
                    t("q5_indicators.of", k=f.count(counts["indicators_followed"]), n=f.count(counts["n_indicators"])),
                ),
            ]
        ),
        d.heading(t("q5_indicators.coverage_heading")),
        d.paragraph(t("q5_indicators.coverage_intro", bodies=", ".join(recipient(b, t) for b in governing_bodies))),
        d.table(
            shown,
            {
                "area_label": t("q5_indicators.col_goal_area"),
                "n_indicators": t("q5_indicators.col_n_indicators"),
                "n_followed_up": t("q5_indicators.col_n_followed_up"),
                "n_reported": t("q5_indicators.col_n_reported"),
                "reported_to_label": t("q5_indicators.col_reported_to"),
                "status_label": t("q5_indicators.col_status"),
            },
            numeric=["n_indicators", "n_followed_up", "n_reported"],
        ),
    ]
    uncovered = [area(a, t) for a in res.uncovered]
    parts.append(
        d.callout(t("q5_indicators.uncovered", areas=", ".join(uncovered)), "warning")
        if uncovered
        else d.callout(t("q5_indicators.all_covered"), "info")
    )
    if res.outside:
        parts.append(d.callout(t("q5_indicators.outside_mission", areas=", ".join(res.outside)), "info"))
    return parts


def indicators(res: Q5Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The coverage grid and the table of indicators (nothing without an ``indicators`` table)."""
    status, matrix = res.status, res.matrix
    if res.coverage is None or status is None or matrix is None:
        return []
    fig = coverage_grid(matrix, {a: area(a, t) for a in matrix.index}, {c: recipient(c, t) for c in matrix.columns})
    ind = status.assign(
        area_label=status["goal_area"].map(lambda a: area(a, t)),
        followed_label=status["followed_up"].map(lambda b: yes_no(bool(b), t)),
        recipient_label=status["recipient"].map(lambda r: recipient(r, t)),
        status_label=status["status"].map(lambda s: t(f"q5_indicators.status.{s}")),
    )
    return [
        d.heading(t("q5_indicators.matrix_heading"), 3),
        d.figure(
            fig,
            t("q5_indicators.matrix_caption"),
            key="q5-fig1",
            data=d.FigureData(
                matrix.reset_index(drop=True).assign(area_label=[area(a, t) for a in matrix.index]),
                {"area_label": t("q5_indicators.col_goal_area"), **{c: recipient(c, t) for c in matrix.columns}},
                {c: f.count for c in matrix.columns},
            ),
        ),
        d.heading(t("q5_indicators.indicators_heading"), 3),
        d.table(
            ind,
            {
                "area_label": t("q5_indicators.col_goal_area"),
                "indicator": t("q5_indicators.col_indicator"),
                "followed_label": t("q5_indicators.col_followed_up"),
                "recipient_label": t("q5_indicators.col_reported_to"),
                "status_label": t("q5_indicators.col_status"),
            },
        ),
        d.callout(t("q5_indicators.coverage_caveat"), "caution"),
    ]


def targets(res: Q5Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The indicators with a target in the audit year (a warning when there is none)."""
    in_year, year = res.targets, res.audit_year
    parts = [d.heading(t("q5_indicators.targets_heading"))]
    if not len(in_year):
        return parts + [d.callout(t("q5_indicators.no_targets", year=year), "warning")]
    tv = in_year.assign(
        indicator_label=in_year["indicator"].map(lambda i: label(t, [f"indicator.{i}"], i)),
        periods_label=in_year["periods"].map(lambda s: ", ".join(t(f"period.{x}") for x in s.split(", "))),
        target_s=[value(i, x, f) for i, x in zip(in_year["indicator"], in_year["target"])],
        outcome_s=[value(i, x, f) for i, x in zip(in_year["indicator"], in_year["outcome"])],
    )
    return parts + [
        d.paragraph(t("q5_indicators.targets_intro", year=year)),
        d.table(
            tv,
            {
                "indicator_label": t("q5_indicators.col_indicator"),
                "periods_label": t("q5_indicators.col_periods"),
                "target_s": t("q5_indicators.col_target"),
                "outcome_s": t("q5_indicators.col_outcome"),
            },
            numeric=["target_s", "outcome_s"],
        ),
    ]

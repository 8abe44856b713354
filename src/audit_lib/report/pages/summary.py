"""What the summary page shows: the overall conclusion and the closing table, this review's
recommendations, and how the conclusion was reached (each dimension's questions and rule)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...questions.summary import DimensionConclusion, SummaryResult, join_words, question_number
from ...run.index import closing_table, recommendations_list
from .. import display as d
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, label
from . import responses as responses_page

SCORES = InputFormat(percent_suffixes=(), count_names=("n_assessed",))  # a dimension's inputs: counts, scores


def conclusion(res: SummaryResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The conclusion's sentence, the auditors' comment, the answer date, what the causal
    analysis says, and the closing table."""
    parts = [d.heading(t("summary.conclusion_heading")), d.callout(res.sentence, "info")]
    if res.comment:
        parts.append(d.paragraph(res.comment))
    if res.answer_by:
        parts.append(d.paragraph(t("summary.answer_by", date=res.answer_by.isoformat())))
    if res.causality:
        parts += [
            d.heading(t("summary.causality_heading"), 3),
            d.bullets(res.causality["items"]),
            d.paragraph(res.causality["note"]),
        ]
    return [
        *parts,
        d.heading(t("summary.table_heading")),
        d.Html(closing_table([r.to_json() for r in res.rows], t, link=res.linked)),
    ]


def recommendations(res: SummaryResult, t: Texts, f: Formatter) -> list[d.Html]:
    """This review's recommendations (or a note that there are none)."""
    parts = [d.heading(t("summary.recommendations_heading"))]
    recs: list[Mapping[str, Any]] = list(res.recommendations)
    if recs:
        answer_by = res.answer_by.isoformat() if res.answer_by else None
        as_of = res.responses_as_of.isoformat() if res.responses_as_of else ""
        return [
            *parts,
            d.paragraph(t("summary.recommendations_intro")),
            d.Html(recommendations_list(recs, t)),
            *responses_page.section(res.responses, t, f, answer_by, as_of, level=3),
        ]
    return [*parts, d.callout(t("summary.no_recommendations"), "info")]


def names(questions: list[str], res: SummaryResult, t: Texts) -> str:
    """ "Fråga 1 (Ja), fråga 2 ...": the questions with their levels where assessed."""
    levels = res.levels
    return ", ".join(
        t("summary.question_short", n=question_number(q)) + (f" ({t(f'level.{levels[q]}')})" if levels.get(q) else "")
        for q in questions
    )


def _incomplete(c: DimensionConclusion, t: Texts) -> d.Html:
    missing = [t("summary.question_short", n=question_number(q)) for q in c.missing]
    return d.callout(t("summary.dimension_incomplete", questions=join_words(missing, t("summary.and"))), "warning")


def dimension(c: DimensionConclusion, res: SummaryResult, t: Texts, f: Formatter) -> list[d.Html]:
    """One dimension: its questions and its assessment, override or what is missing."""
    parts = [
        d.heading(label(t, [f"summary.dimension.{c.name}"], c.name), 3),
        d.paragraph(t("summary.dimension_questions", questions=names(c.questions, res, t))),
    ]
    if c.assessment is not None:
        return [*parts, d.assessment_box(c.assessment, t, SCORES.bind(t, f))]
    if c.override is not None:
        o = c.override
        return [
            *parts,
            _incomplete(c, t),
            d.callout(
                t("assess.override", computed="–", author=o.author, date=o.date) + " " + o.justification,
                "info",
                title=t(f"level.{o.level}"),
            ),
        ]
    return [*parts, _incomplete(c, t)]


def how(res: SummaryResult, t: Texts, f: Formatter) -> list[d.Html]:
    """How the conclusion was reached: the level scores, then each dimension."""
    parts = [
        d.heading(t("summary.how_heading")),
        d.paragraph(t("summary.how_intro", **{k: f.number(v, 0) for k, v in res.level_scores.items()})),
    ]
    if not res.conclusions:
        parts.append(d.callout(t("summary.conclusion_none"), "warning"))
    return parts + [part for c in res.conclusions for part in dimension(c, res, t, f)]

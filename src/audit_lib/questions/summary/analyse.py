"""The summary's entry point: ``analyse`` (the other notebooks' results, the evidence register,
the run's texts and formats in; a ``SummaryResult`` out) and ``results``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...contract.period import Period
from ...evidence import EvidenceRegister
from ...params import SummaryParams
from ...report.fmt import Formatter
from ...report.texts import Texts
from ...responses import ResponseStatus
from ...responses import responses as judge_responses
from .conclusion import DimensionConclusion, causality_statement, conclude, conclusion_sentence
from .recommendations import review_recommendations, with_decision_level
from .rows import QuestionRow, question_rows, rule_text


@dataclass(frozen=True)
class SummaryResult:
    """The closing table's rows, the overall conclusion and this review's recommendations."""

    rows: list[QuestionRow]  # question_rows
    conclusions: list[DimensionConclusion]  # conclude
    sentence: str  # conclusion_sentence
    comment: str | None  # the auditors' comment on the conclusion
    answer_by: dt.date | None
    causality: dict[str, Any] | None  # causality_statement
    recommendations: list[dict[str, Any]]  # review_recommendations
    level_scores: dict[str, float]
    linked: bool  # the run executed the notebooks (the closing table links to their pages)
    responses: list[ResponseStatus] = field(default_factory=list)  # the board's answers to these recommendations
    responses_as_of: dt.date | None = None  # the day they are judged on

    @property
    def levels(self) -> dict[str, str | None]:
        """Each question's level in force (None without an assessment)."""
        return {r.question: r.level for r in self.rows}


def analyse(
    results: Mapping[str, Mapping[str, Any]] | None,
    ran: set[str] | None,
    params: SummaryParams,
    evidence: EvidenceRegister,
    language: str,
    audit_year: int,
    t: Texts,
    f: Formatter,
    period: Period | None = None,
) -> SummaryResult:
    """The summary from ``results`` (notebook -> its results JSON; a notebook without one is
    absent) and ``ran``, the notebooks this run executed (None outside a run). The board's
    answers to this review's recommendations are judged on ``summary.responses_as_of``, by
    default the end of the audited ``period``."""
    questions, results = params.questions, results or {}
    comments = {q: evidence.comment_for(q, language) for q in questions}
    rows = question_rows(
        questions,
        {nb: results.get(nb) for nb in questions.values()},
        ran or set(),
        audit_year,
        comments,
        rule_text(t, f),
        {q: evidence.comment_level(q) for q in questions},
        lambda written, level: t(
            "summary.comment_other_level", written=t(f"level.{written}"), level=t(f"level.{level}")
        ),
    )
    overrides = {name: evidence.override_for(f"summary.{name}", language) for name in params.dimensions}
    scores: dict[str, float] = {str(k): v for k, v in params.level_scores.items()}
    conclusions = conclude({r.question: r.level for r in rows}, params.dimensions, scores, overrides)
    as_of = params.responses_as_of or (period.end if period is not None else dt.date(audit_year, 12, 31))
    made = with_decision_level(
        review_recommendations(evidence.recommendations, language), results.get("decision_level"), t
    )
    ids = {r["id"] for r in made}
    answers = [s for s in judge_responses(evidence, params.answer_by, as_of, language) if s.id in ids]
    return SummaryResult(
        rows=rows,
        conclusions=conclusions,
        sentence=conclusion_sentence(conclusions, t, t.has),
        comment=evidence.comment_for("summary", language),
        answer_by=params.answer_by,
        causality=causality_statement(results.get("causality"), t, f),
        recommendations=made,
        level_scores=scores,
        linked=ran is not None,
        responses=answers,
        responses_as_of=as_of,
    )


def results(res: SummaryResult) -> dict[str, Any]:
    """What the results JSON records: each question's row, the conclusion, the recommendations."""
    return {
        "assessments": {r.question: r.to_json() for r in res.rows},
        "conclusion": {
            "sentence": res.sentence,
            "comment": res.comment,
            "complete": all(c.level is not None for c in res.conclusions) and bool(res.conclusions),
            "answer_by": res.answer_by.isoformat() if res.answer_by else None,
            "causality": res.causality,
            "dimensions": {c.name: c.to_json() for c in res.conclusions},
        },
        "recommendations": res.recommendations,
        "responses": [s.to_json() for s in res.responses],
        "responses_as_of": res.responses_as_of.isoformat() if res.responses_as_of else None,
    }

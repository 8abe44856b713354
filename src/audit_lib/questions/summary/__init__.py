"""The summary: the report's closing table (question, assessment, comment) and the overall
conclusion, from the other notebooks' results and the evidence register.

Pure functions; the summary notebook reads ``results/<notebook>.json`` and passes the dicts in.

- ``question_status``: ``ok``, ``failed`` or ``not_run`` for one question's notebook. A
  notebook that failed or did not run is never shown with an assessment.
- ``question_rows``: one row per audit question (in the order of ``SummaryParams.questions``):
  status, level, computed level, whether overridden, and the comment. The comment is the
  auditors' (``comments`` in the evidence register) if there is one, else the override's
  justification, else one generated from the rule (the conditions of the next level up that
  did not hold).
- ``dimension_inputs`` and ``conclude``: the overall conclusion. Each dimension (e.g.
  ``appropriate``, ``efficient``) names the questions that inform it; their levels become
  scores (``SummaryParams.level_scores``) and the inputs ``mean_score``, ``min_score``,
  ``max_score``, ``n_assessed``; the dimension's criteria (params) give its level on the
  four-level scale, exactly as a question's assessment. The evidence register may override a
  dimension (``overrides: {summary.efficient: ...}``). A dimension with a question that has no
  assessment is not concluded (unless overridden): a missing question is never read as Nej.
- ``analyse``: the one entry point the notebook calls (the other notebooks' results, the
  evidence register, the run's texts and formats in; a ``SummaryResult`` out), and ``results``
  what its results JSON records. The words it records (comments, the conclusion's sentence) are
  in the report's language, so it takes ``t`` and ``f``; the page is ``report/pages/summary.py``.

The package, by what each part does (every public name is importable from here): ``rows`` (the
closing table), ``conclusion`` (the overall conclusion and its sentence, the causality
statement), ``recommendations`` (this review's) and ``analyse``.
"""

from __future__ import annotations

from .analyse import SummaryResult, analyse, results
from .conclusion import (
    CAUSAL_TREATMENTS,
    DimensionConclusion,
    causality_statement,
    conclude,
    conclusion_sentence,
    contrast,
    dimension_inputs,
    join_words,
    question_number,
)
from .recommendations import decision_level_recommendation, review_recommendations, with_decision_level
from .rows import OP_WORDS, QuestionRow, default_format_value, question_rows, question_status, rule_comment, rule_text

__all__ = [
    "CAUSAL_TREATMENTS",
    "OP_WORDS",
    "DimensionConclusion",
    "QuestionRow",
    "SummaryResult",
    "analyse",
    "causality_statement",
    "conclude",
    "conclusion_sentence",
    "contrast",
    "decision_level_recommendation",
    "default_format_value",
    "dimension_inputs",
    "join_words",
    "question_number",
    "question_rows",
    "question_status",
    "results",
    "review_recommendations",
    "rule_comment",
    "rule_text",
    "with_decision_level",
]

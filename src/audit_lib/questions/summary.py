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
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..assess import Assessment, Override, assess
from ..contract.period import Period
from ..evidence import EvidenceRegister
from ..params import LEVELS, ConclusionDimension, SummaryParams
from ..report.fmt import Formatter
from ..report.texts import Texts
from ..responses import ResponseStatus
from ..responses import responses as judge_responses

# a condition's comparison in words (``assess.op_ge`` ... in the text catalog), never as ``>=``
OP_WORDS = {">=": "ge", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", "<": "lt"}


def question_status(result: Mapping[str, Any] | None, was_run: bool, audit_year: int) -> str:
    """``ok`` when the notebook finished (its results say ``status: ok``) for this audit year;
    ``failed`` when it ran without finishing; ``not_run`` otherwise (including results left
    from another audit year)."""
    if result is not None and result.get("audit_year") not in (None, audit_year):
        return "failed" if was_run else "not_run"
    if result is not None and result.get("status") == "ok":
        return "ok"
    if (result is not None and result.get("status") == "failed") or was_run:
        return "failed"
    return "not_run"


@dataclass
class QuestionRow:
    question: str
    notebook: str
    status: str  # ok | failed | not_run
    level: str | None = None
    computed_level: str | None = None
    overridden: bool = False
    comment: str | None = None
    comment_source: str | None = None  # register | override | rule
    title: str | None = None
    comment_level: str | None = None  # the level a register comment was written for, when stated
    comment_other_level: bool = False  # ... and it differs from the level in force

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "notebook": self.notebook, "status": self.status, "level": self.level,
                "computed_level": self.computed_level, "overridden": self.overridden, "comment": self.comment,
                "comment_source": self.comment_source, "title": self.title, "comment_level": self.comment_level,
                "comment_other_level": self.comment_other_level}


def default_format_value(name: str, value: Any, yes: str, no: str, fmt: Any) -> str:
    """A generic value format for generated comments: yes/no, percent for ``*_share``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, (int, float)):
        if name.endswith("_share"):
            return str(fmt.percent(value))
        return str(fmt.count(value) if float(value).is_integer() else fmt.number(value, 2))
    return str(value)


def rule_comment(assessment: Mapping[str, Any], t: Callable[..., str], label: Callable[[str], str],
                 value: Callable[[str, Any], str]) -> str:
    """A comment generated from an assessment's rule: the level reached and, unless it is Ja,
    the conditions of the next level up that did not hold (or could not be checked)."""
    level = assessment["computed_level"]
    i = LEVELS.index(level)
    if i == 0:
        return t("summary.rule_comment_top")
    above = LEVELS[i - 1]
    conds = (assessment.get("rule") or {}).get(above) or []
    if not conds:
        return t("summary.rule_comment_no_conditions", level=t(f"level.{above}"))
    failing = []
    for c in conds:
        if c.get("holds") is True:
            continue
        wanted = t(f"assess.op_{OP_WORDS[c['op']]}", value=value(c["input"], c["value"]))
        if c.get("actual") is None:
            failing.append(t("summary.rule_condition_missing", input=label(c["input"]), wanted=wanted))
        else:
            failing.append(t("summary.rule_condition", input=label(c["input"]), wanted=wanted,
                             actual=value(c["input"], c["actual"])))
    return t("summary.rule_comment", level=t(f"level.{above}"), conditions="; ".join(failing))


def question_rows(
    questions: Mapping[str, str], results: Mapping[str, Mapping[str, Any] | None], ran: set[str],
    audit_year: int, comments: Mapping[str, str | None], rule_text: Callable[[Mapping[str, Any]], str],
    comment_levels: Mapping[str, str | None] | None = None,
    other_level_note: Callable[[str, str], str] | None = None,
) -> list[QuestionRow]:
    """One row per question id in ``questions`` (id -> notebook). ``results`` maps notebook ->
    its results dict (or None), ``ran`` the notebooks that were executed in this run,
    ``comments`` question id -> the auditors' comment (or None), ``rule_text`` builds a comment
    from an assessment dict. ``comment_levels``: question id -> the level the auditors wrote
    their comment for; where it differs from the level in force the row says so
    (``comment_other_level``) and ``other_level_note(written, level)`` is put before the
    comment, so it is never read as a comment on the level shown."""
    rows = []
    for q, nb in questions.items():
        res = results.get(nb)
        status = question_status(res, nb in ran, audit_year)
        row = QuestionRow(q, nb, status, title=(res or {}).get("title") if status == "ok" else None)
        a = (res or {}).get("assessment") if status == "ok" else None
        if a:
            row.level, row.computed_level = a["level"], a["computed_level"]
            row.overridden = bool(a.get("overridden"))
            if comments.get(q):
                row.comment, row.comment_source = comments[q], "register"
                row.comment_level = (comment_levels or {}).get(q)
                if row.comment_level is not None and row.comment_level != row.level:
                    row.comment_other_level = True
                    if other_level_note is not None:
                        row.comment = f"{other_level_note(row.comment_level, row.level)} {row.comment}"
            elif a.get("override") and a["override"].get("justification"):
                row.comment, row.comment_source = a["override"]["justification"], "override"
            else:
                row.comment, row.comment_source = rule_text(a), "rule"
        rows.append(row)
    return rows


def dimension_inputs(levels: Mapping[str, str | None], questions: list[str],
                     level_scores: Mapping[str, float]) -> dict[str, Any]:
    """``mean_score``, ``min_score``, ``max_score`` over the questions' levels, ``n_assessed``
    and ``missing`` (questions without an assessment)."""
    scores = [level_scores[str(levels[q])] for q in questions if levels.get(q)]
    missing = [q for q in questions if not levels.get(q)]
    nan = float("nan")
    return {
        "mean_score": sum(scores) / len(scores) if scores else nan,
        "min_score": min(scores) if scores else nan,
        "max_score": max(scores) if scores else nan,
        "n_assessed": len(scores),
        "missing": missing,
    }


@dataclass
class DimensionConclusion:
    name: str
    questions: list[str]
    inputs: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    assessment: Assessment | None = None
    override: Override | None = None

    @property
    def level(self) -> str | None:
        if self.override is not None:
            return self.override.level
        return self.assessment.level if self.assessment else None

    @property
    def computed_level(self) -> str | None:
        return self.assessment.computed_level if self.assessment else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "questions": self.questions, "level": self.level,
            "computed_level": self.computed_level, "overridden": self.override is not None,
            "missing": self.missing,
            "inputs": {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.inputs.items()},
            "assessment": self.assessment.to_json() if self.assessment else None,
            "override": None if self.override is None else {
                "level": self.override.level, "justification": self.override.justification,
                "author": self.override.author, "date": self.override.date},
        }


def conclude(levels: Mapping[str, str | None], dimensions: Mapping[str, ConclusionDimension],
             level_scores: Mapping[str, float], overrides: Mapping[str, Override | None]) -> list[DimensionConclusion]:
    """The overall conclusion, one entry per dimension, in the order of ``dimensions``.
    ``overrides`` maps dimension name -> the auditors' override (or None)."""
    out = []
    for name, dim in dimensions.items():
        inp = dimension_inputs(levels, dim.questions, level_scores)
        missing = inp.pop("missing")
        o = overrides.get(name)
        a = None if missing else assess(f"summary.{name}", dim.criteria, inp, o)
        out.append(DimensionConclusion(name, list(dim.questions), inp, missing, a, o))
    return out


def contrast(conclusions: list[DimensionConclusion]) -> bool:
    """Whether the dimensions' levels differ (the sentence then reads "..., but ...")."""
    return len({c.level for c in conclusions}) > 1


def question_number(q: str) -> str:
    """``q5`` -> ``5``; other ids unchanged."""
    return q[1:] if q[:1] == "q" and q[1:].isdigit() else q


def conclusion_sentence(conclusions: list[DimensionConclusion], t: Callable[..., str],
                        has: Callable[[str], bool]) -> str:
    """The overall conclusion as one sentence, e.g. "... är ändamålsenligt ..., men att det
    endast till viss del är effektivt." ``t`` gives texts, ``has`` says whether a key exists.
    With a dimension that cannot be concluded, a sentence naming the missing questions."""
    if not conclusions:
        return t("summary.conclusion_none")
    missing = sorted({q for c in conclusions if c.level is None for q in c.missing})
    if missing:
        names = [t("summary.question_short", n=question_number(q)) for q in missing]
        return t("summary.conclusion_incomplete", questions=join_words(names, t("summary.and")))

    def phrase(c: DimensionConclusion) -> str:
        key = f"summary.phrase.{c.name}.{c.level}"
        if has(key):
            return t(key)
        dim = t(f"summary.dimension.{c.name}") if has(f"summary.dimension.{c.name}") else c.name
        return t("summary.phrase.generic", level=t(f"level.{c.level}").lower(), dimension=dim)

    phrases = [phrase(c) for c in conclusions]
    if len(phrases) == 2:
        key = "summary.conclusion_contrast" if contrast(conclusions) else "summary.conclusion_same"
        return t(key, first=phrases[0], second=phrases[1])
    return t("summary.conclusion_list", phrases=join_words(phrases, t("summary.and")))


def join_words(items: list[str], and_word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {and_word} " + items[-1]


def review_recommendations(recommendations: list[Any], language: str) -> list[dict[str, Any]]:
    """This review's recommendations: those of the register with status ``new`` (the default).
    Recommendations of earlier reviews that are being followed up carry another status
    (open, in progress, done, not started) and belong to the follow-up report."""
    return [{"id": r.id, "question": r.question, "text": r.text.get(language), "status": r.status}
            for r in recommendations if r.status == "new"]


def decision_level_recommendation(result: Mapping[str, Any] | None, made: list[dict[str, Any]],
                                  t: Callable[..., str]) -> dict[str, Any] | None:
    """The auditors' routine recommendation from the cover letter (ensure that decisions are
    taken at the level the delegation order requires), when the decision-level check
    (``result``, its results JSON) finds a material breach and the register's recommendations
    of this review (``made``) have none on the decision level already. None otherwise."""
    if not result or result.get("status") != "ok":
        return None
    n = int((result.get("assessment_inputs") or {}).get("material_violations") or 0)
    if n <= 0 or any(r.get("question") == "decision_level" or r.get("basis") == "decision_level" for r in made):
        return None
    return {"id": "decision_level", "question": None, "basis": "decision_level",
            "text": t("summary.recommendation_decision_level", n=n), "status": "new"}


def with_decision_level(made: list[dict[str, Any]], result: Mapping[str, Any] | None,
                        t: Callable[..., str]) -> list[dict[str, Any]]:
    """This review's recommendations with the decision-level one added where it applies."""
    extra = decision_level_recommendation(result, made, t)
    return made if extra is None else [*made, extra]


CAUSAL_TREATMENTS = ("coordination", "ecommerce", "category_management")


def causality_statement(res: Mapping[str, Any] | None, t: Callable[..., str], fmt: Any) -> dict[str, Any] | None:
    """The answer to "did coordination lower prices, or was it e-commerce and category
    management?" as a statement, from the causality notebook's results: per initiative its
    estimated price change with interval and its share of the three together, and whether the
    design identifies them (if not, why, and no causal words). None when the notebook did not
    run or had no data."""
    if not res or res.get("status") != "ok" or not res.get("effects") or "identified" not in res:
        return None
    eff = res["effects"]
    shown = [g for g in CAUSAL_TREATMENTS if g in eff and eff[g].get("estimate") is not None]
    total = sum(eff[g]["estimate"] for g in shown)
    same_sign = len({math.copysign(1, eff[g]["estimate"]) for g in shown}) == 1 and total != 0
    def pct(x: float | None) -> str:  # an effect on the log price, as a percent change
        return fmt.percent(math.expm1(x), 1) if x is not None else "–"

    items = []
    for g in shown:
        e = eff[g]
        items.append(t("summary.causality_item", group=t(f"causality.treatment.{g}"), pct=pct(e["estimate"]),
                       low=pct(e.get("ci_low")), high=pct(e.get("ci_high")),
                       share=fmt.percent(e["estimate"] / total) if same_sign else "–"))
    identified = bool(res["identified"])
    if identified:
        note = t("summary.causality_identified")
    else:
        alpha = 1 - float((res.get("settings") or {}).get("level", 0.95))
        groups: dict[str, list[str]] = {}
        for g, why in (res.get("identification_reasons") or {}).items():
            for r in why:
                if r != "other_initiative" and "+" not in g:
                    groups.setdefault(r, []).append(t(f"causality.treatment.{g}"))
        reasons = "; ".join(t(f"causality.reason.{r}", groups=", ".join(gs), alpha=fmt.number(alpha, 2))
                            for r, gs in groups.items())
        note = t("summary.causality_not_identified", reasons=reasons)
    return {"identified": identified, "items": items, "note": note}


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


def rule_text(t: Texts, f: Formatter) -> Callable[[Mapping[str, Any]], str]:
    """``rule_comment`` in the report's words: inputs by their label, values in their format."""
    def label(name: str) -> str:
        return t(f"input.{name}") if t.has(f"input.{name}") else name

    def value(name: str, v: Any) -> str:
        return default_format_value(name, v, t("common.yes"), t("common.no"), f)

    return lambda a: rule_comment(a, t, label, value)


def analyse(results: Mapping[str, Mapping[str, Any]] | None, ran: set[str] | None, params: SummaryParams,
            evidence: EvidenceRegister, language: str, audit_year: int, t: Texts, f: Formatter,
            period: Period | None = None) -> SummaryResult:
    """The summary from ``results`` (notebook -> its results JSON; a notebook without one is
    absent) and ``ran``, the notebooks this run executed (None outside a run). The board's
    answers to this review's recommendations are judged on ``summary.responses_as_of``, by
    default the end of the audited ``period``."""
    questions, results = params.questions, results or {}
    comments = {q: evidence.comment_for(q, language) for q in questions}
    rows = question_rows(questions, {nb: results.get(nb) for nb in questions.values()}, ran or set(), audit_year,
                         comments, rule_text(t, f), {q: evidence.comment_level(q) for q in questions},
                         lambda written, level: t("summary.comment_other_level", written=t(f"level.{written}"),
                                                  level=t(f"level.{level}")))
    overrides = {name: evidence.override_for(f"summary.{name}", language) for name in params.dimensions}
    scores: dict[str, float] = {str(k): v for k, v in params.level_scores.items()}
    conclusions = conclude({r.question: r.level for r in rows}, params.dimensions, scores, overrides)
    as_of = params.responses_as_of or (period.end if period is not None else dt.date(audit_year, 12, 31))
    made = with_decision_level(review_recommendations(evidence.recommendations, language),
                               results.get("decision_level"), t)
    ids = {r["id"] for r in made}
    answers = [s for s in judge_responses(evidence, params.answer_by, as_of, language) if s.id in ids]
    return SummaryResult(
        rows=rows, conclusions=conclusions, sentence=conclusion_sentence(conclusions, t, t.has),
        comment=evidence.comment_for("summary", language), answer_by=params.answer_by,
        causality=causality_statement(results.get("causality"), t, f),
        recommendations=made, level_scores=scores, linked=ran is not None, responses=answers, responses_as_of=as_of,
    )


def results(res: SummaryResult) -> dict[str, Any]:
    """What the results JSON records: each question's row, the conclusion, the recommendations."""
    return {
        "assessments": {r.question: r.to_json() for r in res.rows},
        "conclusion": {"sentence": res.sentence, "comment": res.comment,
                       "complete": all(c.level is not None for c in res.conclusions) and bool(res.conclusions),
                       "answer_by": res.answer_by.isoformat() if res.answer_by else None,
                       "causality": res.causality,
                       "dimensions": {c.name: c.to_json() for c in res.conclusions}},
        "recommendations": res.recommendations,
        "responses": [s.to_json() for s in res.responses],
        "responses_as_of": res.responses_as_of.isoformat() if res.responses_as_of else None,
    }

"""The summary's closing table: one row per audit question (status, level, whether overridden, the
comment: the auditors', else the override's justification, else one generated from the rule)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...params import LEVELS
from ...report.fmt import Formatter
from ...report.texts import Texts

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
        return {
            "question": self.question,
            "notebook": self.notebook,
            "status": self.status,
            "level": self.level,
            "computed_level": self.computed_level,
            "overridden": self.overridden,
            "comment": self.comment,
            "comment_source": self.comment_source,
            "title": self.title,
            "comment_level": self.comment_level,
            "comment_other_level": self.comment_other_level,
        }


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


def rule_comment(
    assessment: Mapping[str, Any], t: Callable[..., str], label: Callable[[str], str], value: Callable[[str, Any], str]
) -> str:
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
            failing.append(
                t(
                    "summary.rule_condition",
                    input=label(c["input"]),
                    wanted=wanted,
                    actual=value(c["input"], c["actual"]),
                )
            )
    return t("summary.rule_comment", level=t(f"level.{above}"), conditions="; ".join(failing))


def question_rows(
    questions: Mapping[str, str],
    results: Mapping[str, Mapping[str, Any] | None],
    ran: set[str],
    audit_year: int,
    comments: Mapping[str, str | None],
    rule_text: Callable[[Mapping[str, Any]], str],
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


def rule_text(t: Texts, f: Formatter) -> Callable[[Mapping[str, Any]], str]:
    """``rule_comment`` in the report's words: inputs by their label, values in their format."""

    def label(name: str) -> str:
        return t(f"input.{name}") if t.has(f"input.{name}") else name

    def value(name: str, v: Any) -> str:
        return default_format_value(name, v, t("common.yes"), t("common.no"), f)

    return lambda a: rule_comment(a, t, label, value)

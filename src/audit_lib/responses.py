"""The board's responses to the review's recommendations, judged against their dates.

The auditors ask the board to answer by a date (``summary.answer_by``). The evidence register
records each answer (``responses``): the day it was received, what it says, and the measures
it promises, each with an owner, a deadline and a status. This module judges them on a given
day ``as_of`` (a date the auditors state, never the clock, so a rerun gives the same page):

- an answer is ``in_time`` (received by the answer date), ``late``, ``missing`` (none, and the
  answer date has passed) or ``not_due`` (none yet, the answer date is still to come);
- a measure is ``done`` (by its deadline), ``done_late``, ``rejected`` (with its reason),
  ``overdue`` (not done and its deadline has passed) or ``not_due``;
- a recommendation is ``overdue`` when its answer is missing or late, or one of its measures
  is overdue.

What happened after ``as_of`` is not seen: an answer received later counts as not yet
received, a measure completed later as not yet done (so an earlier review rerun with this
year's register says what was known on its day).

Pure functions of the register; no I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from .evidence import EvidenceRegister, Measure, Recommendation, Response


@dataclass(frozen=True)
class MeasureStatus:
    text: str
    owner: str
    deadline: str  # ISO date
    status: str  # planned | in_progress | done | rejected: as the register says
    outcome: str  # done | done_late | rejected | overdue | not_due: as judged on as_of
    completed: str | None
    reason: str | None


@dataclass(frozen=True)
class ResponseStatus:
    id: str
    question: str | None
    recommendation: str
    answer_by: str | None  # the day the board had to answer by
    received: str | None  # the day the answer was received
    answer: str | None
    answered: str  # in_time | late | missing | not_due
    deadline: str | None  # the last deadline of its measures
    owner: str | None  # the owners of its measures, in order, without repeats
    status: str  # the measures' overall state: no_measures | planned | in_progress | done | rejected
    overdue: bool
    measures: tuple[MeasureStatus, ...]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["measures"] = [asdict(m) for m in self.measures]
        return out


def measure_outcome(m: Measure, as_of: dt.date) -> str:
    """A measure's state on ``as_of`` (see the module text)."""
    if m.status == "rejected":
        return "rejected"
    if m.status == "done" and (m.completed is None or m.completed <= as_of):
        return "done_late" if m.completed is not None and m.completed > m.deadline else "done"
    return "overdue" if as_of > m.deadline else "not_due"


def answered(response: Response | None, answer_by: dt.date | None, as_of: dt.date) -> str:
    """Whether the answer came in time (``in_time``, ``late``), or has not come (``missing``
    once the answer date has passed, ``not_due`` before it)."""
    received = response.received if response is not None else None
    if received is not None and received <= as_of:
        return "late" if answer_by is not None and received > answer_by else "in_time"
    return "missing" if answer_by is not None and as_of > answer_by else "not_due"


def _overall(statuses: list[str]) -> str:
    """The measures' overall state: done when all are done or rejected (and one done)."""
    if not statuses:
        return "no_measures"
    if all(s == "rejected" for s in statuses):
        return "rejected"
    if all(s in ("done", "rejected") for s in statuses):
        return "done"
    if any(s in ("in_progress", "done") for s in statuses):
        return "in_progress"
    return "planned"


def judge(
    rec: Recommendation, response: Response | None, answer_by: dt.date | None, as_of: dt.date, language: str = "sv"
) -> ResponseStatus:
    """One recommendation's response, judged on ``as_of``."""
    state = answered(response, answer_by, as_of)
    seen = response if response is not None and state in ("in_time", "late") else None
    measures = tuple(
        MeasureStatus(
            m.text.get(language),
            m.owner,
            m.deadline.isoformat(),
            m.status,
            measure_outcome(m, as_of),
            m.completed.isoformat() if m.completed else None,
            m.reason.get(language) if m.reason else None,
        )
        for m in (seen.measures if seen is not None else [])
    )
    owners = list(dict.fromkeys(m.owner for m in measures))
    return ResponseStatus(
        id=rec.id,
        question=rec.question,
        recommendation=rec.text.get(language),
        answer_by=answer_by.isoformat() if answer_by else None,
        received=seen.received.isoformat() if seen is not None and seen.received else None,
        answer=seen.answer.get(language) if seen is not None and seen.answer else None,
        answered=state,
        deadline=max((m.deadline for m in measures), default=None),
        owner=", ".join(owners) or None,
        status=_overall([m.status for m in measures]),
        overdue=state in ("missing", "late") or any(m.outcome == "overdue" for m in measures),
        measures=measures,
    )


def responses(
    reg: EvidenceRegister, answer_by: dt.date | None, as_of: dt.date, language: str = "sv"
) -> list[ResponseStatus]:
    """Every recommendation of the register with its response, in the register's order."""
    by_rec = {r.recommendation: r for r in reg.responses}
    return [judge(rec, by_rec.get(rec.id), answer_by, as_of, language) for rec in reg.recommendations]


def without_answer(statuses: list[ResponseStatus]) -> list[str]:
    """The recommendations whose answer is missing (the answer date has passed)."""
    return [s.id for s in statuses if s.answered == "missing"]


def counts(statuses: list[ResponseStatus]) -> dict[str, int]:
    """How many answers came in time, late, are missing or not yet due; how many promised
    measures were done, done late, rejected, are overdue or not yet due."""
    out = {k: 0 for k in ("in_time", "late", "missing", "not_due")}
    for s in statuses:
        out[s.answered] += 1
    measures = {f"measures_{k}": 0 for k in ("done", "done_late", "rejected", "overdue", "not_due")}
    for s in statuses:
        for m in s.measures:
            measures[f"measures_{m.outcome}"] += 1
    return {**out, **measures, "recommendations": len(statuses), "overdue": sum(s.overdue for s in statuses)}

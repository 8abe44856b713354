"""The board's responses on a page: each recommendation with its answer (in time, late,
missing) and each promised measure with its owner, deadline and state (done, done late,
rejected, overdue, not yet due). Used by the summary (this year's answers) and the follow-up
(last year's promised measures, a year on)."""

from __future__ import annotations

import pandas as pd

from ...responses import ResponseStatus, counts, without_answer
from .. import display as d
from ..fmt import Formatter
from ..texts import Texts


def _answer(s: ResponseStatus, t: Texts) -> str:
    return t(f"responses.answered.{s.answered}", date=s.received or "")


def _outcome(outcome: str, reason: str | None, t: Texts) -> str:
    return t(f"responses.outcome.{outcome}", reason=reason or "")


def rows(statuses: list[ResponseStatus], t: Texts) -> list[dict[str, str]]:
    """One row per promised measure (a recommendation without measures: one row saying so)."""
    out = []
    for s in statuses:
        first = {"recommendation": f"{s.id}: {s.recommendation}", "answer": _answer(s, t)}
        if not s.measures:  # no measure: none promised in an answer, or no answer (yet) to promise one
            none = t("responses.no_measure") if s.answered in ("in_time", "late") else ""
            out.append({**first, "measure": none, "owner": "", "deadline": "", "outcome": ""})
        for i, m in enumerate(s.measures):
            head = first if i == 0 else {"recommendation": "", "answer": ""}
            out.append(
                {
                    **head,
                    "measure": m.text,
                    "owner": m.owner,
                    "deadline": m.deadline,
                    "outcome": _outcome(m.outcome, m.reason, t),
                }
            )
    return out


def section(
    statuses: list[ResponseStatus], t: Texts, f: Formatter, answer_by: str | None, as_of: str, level: int = 2
) -> list[d.Html]:
    """Heading, a sentence of counts, the table, and the recommendations without an answer."""
    parts = [d.heading(t("responses.heading"), level)]
    if not statuses:
        return [*parts, d.paragraph(t("responses.none"))]
    c = counts(statuses)
    if answer_by and c["not_due"] == len(statuses):  # the report goes out before any answer is due
        parts.append(d.paragraph(t("responses.intro_not_due", answer_by=answer_by, as_of=as_of)))
    elif answer_by:
        parts.append(
            d.paragraph(
                t(
                    "responses.intro",
                    answer_by=answer_by,
                    as_of=as_of,
                    n=f.count(len(statuses)),
                    in_time=f.count(c["in_time"]),
                    late=f.count(c["late"]),
                    missing=f.count(c["missing"]),
                )
            )
        )
    else:
        parts.append(d.paragraph(t("responses.intro_no_date", as_of=as_of)))
    columns = {
        k: t(f"responses.col_{k}") for k in ("recommendation", "answer", "measure", "owner", "deadline", "outcome")
    }
    parts.append(
        d.table(pd.DataFrame(rows(statuses, t), columns=list(columns)), columns, caption=t("responses.caption"))
    )
    missing = without_answer(statuses)
    if missing:
        parts.append(d.callout(t("responses.without_answer", ids=", ".join(missing)), "warning"))
    return parts

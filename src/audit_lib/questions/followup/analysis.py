"""Follow-up: whether there is a previous year to compare with, and ``analyse``, the one entry
point the notebook calls (both years' results and the evidence register in, a
``FollowupResult`` out), with ``results``, what its results JSON records."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...evidence import EvidenceRegister
from ...params import RunParams
from ...responses import ResponseStatus
from ...responses import responses as judge_responses
from .assessments import assessment_changes, criteria_by_notebook, direction_counts
from .figures import figure_changes, parameter_names
from .recommendations import recommendation_followup, status_counts

Results = Mapping[str, Mapping[str, Any]]  # notebook -> its results JSON


def previous_year_of(previous: Mapping[str, Mapping[str, Any]]) -> int | None:
    """The audit year most of the previous results were recorded for."""
    years = Counter(r.get("audit_year") for r in previous.values() if isinstance(r.get("audit_year"), int))
    return years.most_common(1)[0][0] if years else None


def availability(
    configured: bool, found: bool, previous: Mapping[str, Mapping[str, Any]], current_year: int
) -> dict[str, Any]:
    """Whether there is a previous year to compare with, and if not, why (``reason``:
    ``not_configured`` | ``not_found`` | ``empty`` | ``not_earlier`` | ``ok``)."""
    ok = {k: r for k, r in previous.items() if r.get("status") == "ok"}
    year = previous_year_of(ok)
    if not configured:
        reason = "not_configured"
    elif not found:
        reason = "not_found"
    elif not ok:
        reason = "empty"
    elif year is not None and year >= current_year:
        reason = "not_earlier"
    else:
        reason = "ok"
    return {
        "available": reason == "ok",
        "reason": reason,
        "previous_year": year,
        "n_previous": len(ok),
        "n_previous_failed": len(previous) - len(ok),
    }


@dataclass(frozen=True)
class FollowupResult:
    """This year's run against last year's: availability, assessments, figures, recommendations."""

    availability: dict[str, Any]  # see ``availability``
    previous_results_dir: str | None  # as the parameters give it
    previous: dict[str, Any]  # last year's results by notebook (less its follow-up)
    current: dict[str, Any]  # this year's results by notebook (less the follow-up)
    assessments: pd.DataFrame  # assessment_changes (empty when nothing to compare with)
    directions: dict[str, int]  # direction_counts
    figures: pd.DataFrame  # figure_changes
    failed_now: list[str]  # this year's notebooks that did not finish
    followed_up: pd.DataFrame  # recommendation_followup
    recommendation_status: dict[str, int]  # status_counts
    register: list[dict[str, Any]]  # this year's recommendations, as JSON
    language: str
    audit_year: int
    measures: list[ResponseStatus] = field(default_factory=list)  # the board's answers to last year's recommendations
    answer_by: dt.date | None = None  # the day last year's review asked the board to answer by
    measures_as_of: dt.date | None = None  # the day the measures are judged on (the period's end)


def previous_answer_by(previous_all: Results | None) -> dt.date | None:
    """The answer date last year's summary recorded (None when absent)."""
    summary = (previous_all or {}).get("summary") or {}
    value = (summary.get("conclusion") or {}).get("answer_by")
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _observations(evidence: EvidenceRegister, language: str) -> dict[str, dict[str, Any]]:
    return {
        o.id: {"text": o.text.get(language), "source": o.source, "date": o.date.isoformat()}
        for o in evidence.observations
    }


def analyse(
    current: Results | None, previous_all: Results | None, params: RunParams, evidence: EvidenceRegister, language: str
) -> FollowupResult:
    """This year's ``current`` results (by notebook, without the follow-up's own) against last
    year's ``previous_all`` (None when the folder is not there); whether a previous folder is
    configured is read from ``params.followup.previous_results_dir``."""
    section, year = params.followup, params.audit_year
    configured = params.path(section.previous_results_dir) is not None
    previous = {k: v for k, v in (previous_all or {}).items() if k != "followup"}
    current = dict(current or {})
    avail = availability(configured, configured and previous_all is not None, previous, year)
    compared = previous if avail["available"] else {}
    assessments = assessment_changes(compared, current, criteria_by_notebook(params))
    figures = figure_changes(compared, current, parameter_names(params, set(compared) | set(current)))
    register = [r.model_dump(mode="json") for r in evidence.recommendations]
    previous_recs = ((previous_all or {}).get("followup") or {}).get("recommendations") if avail["available"] else None
    followed = recommendation_followup(register, _observations(evidence, language), previous_recs)
    answer_by = previous_answer_by(previous_all)
    carried = {r.id for r in evidence.recommendations if r.status != "new"}
    measures = [s for s in judge_responses(evidence, answer_by, params.period_end, language) if s.id in carried]
    return FollowupResult(
        availability=avail,
        previous_results_dir=section.previous_results_dir,
        previous=previous,
        current=current,
        assessments=assessments,
        directions=direction_counts(assessments),
        figures=figures,
        failed_now=sorted(k for k, r in current.items() if r.get("status") != "ok"),
        followed_up=followed,
        recommendation_status=status_counts(followed),
        register=register,
        language=language,
        audit_year=year,
        measures=measures,
        answer_by=answer_by,
        measures_as_of=params.period_end,
    )


def results(res: FollowupResult) -> dict[str, Any]:
    """What the results JSON records (no comparison when there is no previous year)."""
    available = res.availability["available"]
    return {
        "available": available,
        "reason": res.availability["reason"],
        "previous_year": res.availability["previous_year"],
        "previous_results_dir": res.previous_results_dir,
        "assessments": res.assessments if available else [],
        "assessment_changes": res.directions if available else None,
        "figures": res.figures if available else [],
        "recommendations_followed_up": res.followed_up,
        "recommendation_status": res.recommendation_status,
        "recommendations": res.register,
        "responses": [s.to_json() for s in res.measures],
    }

"""This review's recommendations for the summary: the register's new ones, and the routine one on
the decision level where that check finds a material breach."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def review_recommendations(recommendations: list[Any], language: str) -> list[dict[str, Any]]:
    """This review's recommendations: those of the register with status ``new`` (the default).
    Recommendations of earlier reviews that are being followed up carry another status
    (open, in progress, done, not started) and belong to the follow-up report."""
    return [
        {"id": r.id, "question": r.question, "text": r.text.get(language), "status": r.status}
        for r in recommendations
        if r.status == "new"
    ]


def decision_level_recommendation(
    result: Mapping[str, Any] | None, made: list[dict[str, Any]], t: Callable[..., str]
) -> dict[str, Any] | None:
    """The auditors' routine recommendation from the cover letter (ensure that decisions are
    taken at the level the delegation order requires), when the decision-level check
    (``result``, its results JSON) finds a material breach and the register's recommendations
    of this review (``made``) have none on the decision level already. None otherwise."""
    if not result or result.get("status") != "ok":
        return None
    n = int((result.get("assessment_inputs") or {}).get("material_violations") or 0)
    if n <= 0 or any(r.get("question") == "decision_level" or r.get("basis") == "decision_level" for r in made):
        return None
    return {
        "id": "decision_level",
        "question": None,
        "basis": "decision_level",
        "text": t("summary.recommendation_decision_level", n=n),
        "status": "new",
    }


def with_decision_level(
    made: list[dict[str, Any]], result: Mapping[str, Any] | None, t: Callable[..., str]
) -> list[dict[str, Any]]:
    """This review's recommendations with the decision-level one added where it applies."""
    extra = decision_level_recommendation(result, made, t)
    return made if extra is None else [*made, extra]

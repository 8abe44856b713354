"""The evidence register's entries: observations, facts, comments, overrides, recommendations, the
board's responses and documented rules (strict: an unknown key is an error), and the register
whose references must resolve."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from ..assess import Override
from ..params import Level, _default_questions

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "decision_level", "causality", "external_statistics")
# question id -> the parameter section whose criteria assess it (facts and overrides apply)
ASSESSED = {**_default_questions(), "decision_level": "decision_level", "causality": "causality"}
# what an observation or a recommendation may be about: a question, the follow-up, the summary
TOPICS = (*QUESTIONS, "followup", "summary")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    sv: str
    en: str | None = None

    def get(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.sv


class Observation(_Strict):
    id: str
    question: str
    text: Text
    source: str = Field(min_length=1, description="document or interview reference")
    date: dt.date
    shows: dict[str, bool | float | int | str] = Field(
        default_factory=dict, description="what it shows about the question's facts, by fact name (for the check)"
    )


class Fact(_Strict):
    value: bool | float | int | str
    evidence: list[str] = Field(default_factory=list, description="observation ids")


class Comment(Text):
    """The auditors' comment on a question's assessment, as in the report's closing table."""

    evidence: list[str] = Field(default_factory=list, description="observation ids")
    level: Level | None = Field(None, description="the level the comment was written for")


class OverrideEntry(_Strict):
    level: Level
    justification: Text
    author: str = Field(min_length=1)
    date: dt.date


class Recommendation(_Strict):
    id: str
    question: str | None = None
    text: Text
    status: Literal["open", "in_progress", "done", "not_started", "new"] = "new"
    status_evidence: list[str] = Field(default_factory=list)


class Measure(_Strict):
    """A measure the board promises in its answer, and what became of it."""

    text: Text
    owner: str = Field(min_length=1, description="who is responsible (a role or a body)")
    deadline: dt.date
    status: Literal["planned", "in_progress", "done", "rejected"] = "planned"
    completed: dt.date | None = Field(None, description="the day it was done (status done)")
    reason: Text | None = Field(None, description="why it was rejected (status rejected)")
    evidence: list[str] = Field(default_factory=list, description="observation ids")

    @model_validator(mode="after")
    def _status_fits(self) -> Measure:
        if self.status == "rejected" and self.reason is None:
            raise ValueError("a rejected measure needs its reason (reason: {sv: ..., en: ...})")
        if self.completed is not None and self.status != "done":
            raise ValueError(
                f"completed is given but status is {self.status!r}: only a done measure has a completion day"
            )
        return self


class Response(_Strict):
    """The board's answer to one recommendation (``received`` empty: no answer yet)."""

    recommendation: str = Field(description="the recommendation's id")
    received: dt.date | None = None
    answer: Text | None = None
    measures: list[Measure] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list, description="observation ids (e.g. the board's minutes)")

    @model_validator(mode="after")
    def _answered(self) -> Response:
        if self.received is None and (self.answer is not None or self.measures):
            raise ValueError(
                f"response to {self.recommendation}: an answer or measures without the day it was "
                "received (received: YYYY-MM-DD)"
            )
        return self


class BoardRule(_Strict):
    """A rule the board (or its administration) has documented, with where it is written: the
    value a parameter takes in the review. A run whose parameter differs is a what-if run."""

    value: bool | float | int | str
    source: str = Field(min_length=1, description="the document the rule is written in")
    date: dt.date | None = None
    text: Text | None = None


class EvidenceRegister(_Strict):
    year: int
    observations: list[Observation] = Field(default_factory=list)
    facts: dict[str, dict[str, Fact]] = Field(default_factory=dict, description="question -> name -> fact")
    overrides: dict[str, OverrideEntry] = Field(default_factory=dict)
    comments: dict[str, Comment] = Field(default_factory=dict, description="question -> closing-table comment")
    recommendations: list[Recommendation] = Field(default_factory=list)
    responses: list[Response] = Field(default_factory=list, description="the board's answers to the recommendations")
    rules: dict[str, BoardRule] = Field(
        default_factory=dict, description="parameter (section.key) -> the board's documented rule for it"
    )

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> EvidenceRegister:
        ids = [o.id for o in self.observations]
        dupes = _twice(ids)
        if dupes:
            raise ValueError(f"observation ids must be unique: {', '.join(dupes)}")
        dupes = _twice([r.id for r in self.recommendations])
        if dupes:
            raise ValueError(f"recommendation ids must be unique: {', '.join(dupes)}")
        dupes = _twice([r.recommendation for r in self.responses])
        if dupes:
            raise ValueError(f"more than one response to recommendation(s) {', '.join(dupes)}")
        if info.context and info.context.get("part_of_folder"):
            return self  # one file of a folder: references may point to another file (checked merged)
        recs = [r.id for r in self.recommendations]
        for r in self.responses:
            if r.recommendation not in recs:
                raise ValueError(
                    f"response to {r.recommendation!r}: no such recommendation in the register"
                    f"{nearest(r.recommendation, recs)}"
                )
        for where, refs in self._references():
            missing = [e for e in refs if e not in ids]
            if missing:
                raise ValueError(f"{where}: unknown observation id(s) {', '.join(missing)}{nearest(missing[0], ids)}")
        return self

    def _references(self) -> list[tuple[str, list[str]]]:
        """Every list of observation ids, with where it is."""
        return (
            [(f"facts.{q}.{name}", f.evidence) for q, named in self.facts.items() for name, f in named.items()]
            + [(f"comments.{q}", c.evidence) for q, c in self.comments.items()]
            + [(f"recommendation {r.id}", r.status_evidence) for r in self.recommendations]
            + [(f"response to {r.recommendation}", r.evidence) for r in self.responses]
            + [
                (f"response to {r.recommendation}, measure {i + 1}", m.evidence)
                for r in self.responses
                for i, m in enumerate(r.measures)
            ]
        )

    def observations_for(self, question: str) -> list[Observation]:
        return [o for o in self.observations if o.question == question]

    def fact_evidence(self, question: str) -> dict[str, list[str]]:
        """Per fact of ``question``, the observation ids it rests on."""
        return {k: list(f.evidence) for k, f in self.facts.get(question, {}).items() if f.evidence}

    def evidence_for(self, question: str) -> list[Observation]:
        """The observations a page on ``question`` lists: those tagged to it, then those its
        facts cite that are tagged to another question (so every link on the page resolves)."""
        own = self.observations_for(question)
        cited = {i for ids in self.fact_evidence(question).values() for i in ids} - {o.id for o in own}
        return own + [o for o in self.observations if o.id in cited]

    def facts_for(self, question: str) -> dict[str, bool | float | int | str]:
        return {k: f.value for k, f in self.facts.get(question, {}).items()}

    def comment_for(self, question: str, language: str = "sv") -> str | None:
        """The auditors' closing-table comment on ``question`` (None when there is none)."""
        c = self.comments.get(question)
        return c.get(language) if c is not None else None

    def comment_level(self, question: str) -> Level | None:
        """The level the auditors wrote their comment on ``question`` for (None if not stated)."""
        c = self.comments.get(question)
        return c.level if c is not None else None

    def override_for(self, question: str, language: str = "sv") -> Override | None:
        o = self.overrides.get(question)
        if o is None:
            return None
        return Override(o.level, o.justification.get(language), o.author, o.date.isoformat())


class EvidenceError(Exception):
    pass


def _twice(values: list[str]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


def nearest(name: str, valid: Collection[str]) -> str:
    """`` (did you mean 'q3'?)`` for the closest valid name (case ignored), else the valid names."""
    by_lower = {v.lower(): v for v in sorted(valid)}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {by_lower[close[0]]!r}?)"
    return f" (valid: {', '.join(sorted(valid))})" if valid else " (none is valid here)"

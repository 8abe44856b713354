"""The auditors' evidence register: one YAML file per audit year.

Much of an audit is interviews and documents. The register records, per question:
- ``observations``: what was seen or heard, each with its source reference and date;
- ``facts``: named inputs to the assessment criteria that only the auditors can establish
  (e.g. ``derivation_documented: false`` for question 3), each citing observations;
- ``overrides``: an assessment set by the auditors, with a written justification and author
  (keyed by question id, or ``summary.<dimension>`` for the overall conclusion);
- ``comments``: the auditors' one-line comment per question for the closing table (and
  ``summary`` for the overall conclusion), citing observations;
- ``recommendations``: the review's recommendations, with their follow-up status.

The format is documented in ``docs/evidence_register.md``; loading is strict (unknown keys are
errors) and uses safe YAML loading.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from .assess import Override
from .params import Level

QUESTIONS = ("q1", "q2", "q3", "q4", "q5", "q6", "decision_level", "causality", "external_statistics")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    sv: str
    en: str | None = None

    def get(self, language: str) -> str:
        return (self.en if language == "en" and self.en else self.sv)


class Observation(_Strict):
    id: str
    question: str
    text: Text
    source: str = Field(min_length=1, description="document or interview reference")
    date: dt.date


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


class EvidenceRegister(_Strict):
    year: int
    observations: list[Observation] = Field(default_factory=list)
    facts: dict[str, dict[str, Fact]] = Field(default_factory=dict, description="question -> name -> fact")
    overrides: dict[str, OverrideEntry] = Field(default_factory=dict)
    comments: dict[str, Comment] = Field(default_factory=dict, description="question -> closing-table comment")
    recommendations: list[Recommendation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> EvidenceRegister:
        ids = [o.id for o in self.observations]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"observation ids must be unique: {', '.join(dupes)}")
        if info.context and info.context.get("part_of_folder"):
            return self  # one file of a folder: references may point to another file (checked merged)
        known = set(ids)
        for q, facts in self.facts.items():
            for name, fact in facts.items():
                missing = [e for e in fact.evidence if e not in known]
                if missing:
                    raise ValueError(f"facts.{q}.{name}: unknown observation id(s) {', '.join(missing)}")
        for q, c in self.comments.items():
            missing = [e for e in c.evidence if e not in known]
            if missing:
                raise ValueError(f"comments.{q}: unknown observation id(s) {', '.join(missing)}")
        for r in self.recommendations:
            missing = [e for e in r.status_evidence if e not in known]
            if missing:
                raise ValueError(f"recommendation {r.id}: unknown observation id(s) {', '.join(missing)}")
        return self

    def observations_for(self, question: str) -> list[Observation]:
        return [o for o in self.observations if o.question == question]

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


def empty_register(year: int) -> EvidenceRegister:
    return EvidenceRegister(year=year)


def _read_one(p: Path, part_of_folder: bool = False) -> EvidenceRegister:
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return EvidenceRegister.model_validate(data, context={"part_of_folder": part_of_folder})
    except yaml.YAMLError as e:
        raise EvidenceError(f"{p}: not valid YAML: {e}") from None
    except ValidationError as e:
        lines = [f"{p}: invalid evidence register"]
        for err in e.errors():
            key = ".".join(str(x) for x in err["loc"]) or "(top level)"
            msg = "unknown key (misspelled?)" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"  {key}: {msg}")
        raise EvidenceError("\n".join(lines)) from None


def merge_registers(parts: list[tuple[str, EvidenceRegister]]) -> EvidenceRegister:
    """Merge the files of a register folder; the same id, fact or override twice is an error."""
    obs, recs, facts, overrides, comments = [], [], {}, {}, {}
    for source, reg in parts:
        obs.extend(reg.observations)
        recs.extend(reg.recommendations)
        for q, named in reg.facts.items():
            for name, fact in named.items():
                if name in facts.setdefault(q, {}):
                    raise EvidenceError(f"{source}: fact {q}.{name} is defined in more than one file")
                facts[q][name] = fact
        for q, o in reg.overrides.items():
            if q in overrides:
                raise EvidenceError(f"{source}: override for {q} is defined in more than one file")
            overrides[q] = o
        for q, c in reg.comments.items():
            if q in comments:
                raise EvidenceError(f"{source}: comment for {q} is defined in more than one file")
            comments[q] = c
    rec_ids = [r.id for r in recs]
    dupes = sorted({i for i in rec_ids if rec_ids.count(i) > 1})
    if dupes:
        raise EvidenceError(f"recommendation ids must be unique: {', '.join(dupes)}")
    year = parts[0][1].year if parts else 0
    try:
        return EvidenceRegister(year=year, observations=obs, facts=facts, overrides=overrides,
                                comments=comments, recommendations=recs)
    except ValidationError as e:
        raise EvidenceError(f"evidence register: {e.errors()[0]['msg']}") from None


def load_register(path: str | Path | None, year: int) -> EvidenceRegister:
    """Load the register: one YAML file, or a folder of YAML files (one per question, say)
    merged into one. With no path, an empty register (every fact counts as missing)."""
    if path is None:
        return empty_register(year)
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        if not files:
            raise EvidenceError(f"{p}: evidence folder has no .yaml files")
        parts = [(str(f), _read_one(f, part_of_folder=True)) for f in files]
        for source, reg in parts:
            if reg.year != year:
                raise EvidenceError(f"{source}: register is for {reg.year}, the run audits {year}")
        return merge_registers(parts)
    if not p.is_file():
        raise EvidenceError(f"{p}: evidence register not found")
    reg = _read_one(p)
    if reg.year != year:
        raise EvidenceError(f"{p}: register is for {reg.year}, the run audits {year}")
    return reg

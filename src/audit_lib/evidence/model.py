"""The auditors' evidence register: one YAML file per audit year.

Much of an audit is interviews and documents. The register records, per question:
- ``observations``: what was seen or heard, each with its source reference and date;
- ``facts``: named inputs to the assessment criteria that only the auditors can establish
  (e.g. ``derivation_documented: false`` for question 3), each citing observations;
- ``overrides``: an assessment set by the auditors, with a written justification and author
  (keyed by question id, or ``summary.<dimension>`` for the overall conclusion);
- ``comments``: the auditors' one-line comment per question for the closing table (and
  ``summary`` for the overall conclusion), citing observations;
- ``recommendations``: the review's recommendations, with their follow-up status;
- ``responses``: the board's answer to each recommendation (when it was received, what it
  says) and the measures it promises, each with an owner, a deadline and a status (planned,
  in progress, done, rejected with a reason); ``audit_lib.responses`` judges them.

The format is documented in ``docs/evidence_register.md``; loading is strict and uses safe
YAML loading: an unknown or twice-written key, an unknown question id and (given the run's
parameters) a fact no criterion uses are errors naming the nearest valid name, never ignored.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from .assess import Override
from .params import Level, _default_questions
from .yamlfile import DuplicateKeyError
from .yamlfile import loads as load_yaml

if TYPE_CHECKING:  # pragma: no cover
    from .params import RunParams

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
        return (self.en if language == "en" and self.en else self.sv)


class Observation(_Strict):
    id: str
    question: str
    text: Text
    source: str = Field(min_length=1, description="document or interview reference")
    date: dt.date
    shows: dict[str, bool | float | int | str] = Field(
        default_factory=dict, description="what it shows about the question's facts, by fact name (for the check)")


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
            raise ValueError(f"completed is given but status is {self.status!r}: only a done measure has a completion day")
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
            raise ValueError(f"response to {self.recommendation}: an answer or measures without the day it was "
                             "received (received: YYYY-MM-DD)")
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
        default_factory=dict, description="parameter (section.key) -> the board's documented rule for it")

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
                raise ValueError(f"response to {r.recommendation!r}: no such recommendation in the register"
                                 f"{nearest(r.recommendation, recs)}")
        for where, refs in self._references():
            missing = [e for e in refs if e not in ids]
            if missing:
                raise ValueError(f"{where}: unknown observation id(s) {', '.join(missing)}{nearest(missing[0], ids)}")
        return self

    def _references(self) -> list[tuple[str, list[str]]]:
        """Every list of observation ids, with where it is."""
        return ([(f"facts.{q}.{name}", f.evidence) for q, named in self.facts.items() for name, f in named.items()]
                + [(f"comments.{q}", c.evidence) for q, c in self.comments.items()]
                + [(f"recommendation {r.id}", r.status_evidence) for r in self.recommendations]
                + [(f"response to {r.recommendation}", r.evidence) for r in self.responses]
                + [(f"response to {r.recommendation}, measure {i + 1}", m.evidence)
                   for r in self.responses for i, m in enumerate(r.measures)])

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


def parameter_value(params: Any, dotted: str) -> Any:
    """The value of ``section.key`` in the run's parameters; KeyError naming the nearest."""
    node = params
    for part in dotted.split("."):
        fields = list(getattr(type(node), "model_fields", {}))
        if part not in fields:
            raise KeyError(f"rules.{dotted}: no parameter {part!r}{nearest(part, fields)}")
        node = getattr(node, part)
    return node


def what_if(reg: EvidenceRegister, params: Any) -> list[dict[str, Any]]:
    """The parameters that differ from the board's documented rules: a run with any is a
    what-if run (an analyst's sensitivity), not the review's finding on the board's rules."""
    out = []
    for dotted, rule in sorted(reg.rules.items()):
        value = parameter_value(params, dotted)
        if value != rule.value:
            out.append({"parameter": dotted, "value": value, "rule": rule.value, "source": rule.source,
                        "date": rule.date.isoformat() if rule.date else None})
    return out


def contradictions(reg: EvidenceRegister, question: str | None = None) -> list[str]:
    """Facts (of ``question``, or all) that an observation of the register contradicts: an
    observation tagged to the fact's question, or cited by the fact, whose ``shows`` gives the
    fact another value. For the auditors, before publishing; a contradiction is a warning, not
    an error (the auditors decide which is right)."""
    out = []
    for q, named in sorted(reg.facts.items()):
        if question is not None and q != question:
            continue
        for name, fact in sorted(named.items()):
            for o in reg.observations:
                if (o.question == q or o.id in fact.evidence) and name in o.shows and o.shows[name] != fact.value:
                    out.append(f"fact {q}.{name} = {fact.value!r}, but observation {o.id} ({o.source}, "
                               f"{o.date.isoformat()}) shows {o.shows[name]!r}")
    return out


def empty_register(year: int) -> EvidenceRegister:
    return EvidenceRegister(year=year)


def _twice(values: list[str]) -> list[str]:
    return sorted({v for v in values if values.count(v) > 1})


def nearest(name: str, valid: list[str] | tuple[str, ...] | set[str]) -> str:
    """`` (did you mean 'q3'?)`` for the closest valid name (case ignored), else the valid names."""
    by_lower = {v.lower(): v for v in sorted(valid)}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f" (did you mean {by_lower[close[0]]!r}?)"
    return f" (valid: {', '.join(sorted(valid))})" if valid else " (none is valid here)"


def fact_names(params: RunParams) -> dict[str, set[str]]:
    """Per assessed question, the inputs its criteria in ``params`` name: the valid fact names."""
    out = {}
    for q, section in ASSESSED.items():
        criteria = getattr(params, section).criteria
        out[q] = {c.input for level in ("ja", "till_stor_del", "till_viss_del") for c in getattr(criteria, level)}
    return out


def name_problems(reg: EvidenceRegister, params: RunParams | None = None) -> list[str]:
    """Question ids, fact names and dimension names the register uses that nothing reads: each
    with the nearest valid name. Fact names and dimensions are checked only with ``params``."""
    problems = []
    for i, o in enumerate(reg.observations):
        if o.question not in TOPICS:
            problems.append(f"observations[{i}] ({o.id}).question: unknown question {o.question!r}"
                            f"{nearest(o.question, TOPICS)}")
    for r in reg.recommendations:
        if r.question is not None and r.question not in TOPICS:
            problems.append(f"recommendation {r.id}.question: unknown question {r.question!r}"
                            f"{nearest(r.question, TOPICS)}")
    names = fact_names(params) if params is not None else None
    for q, named in reg.facts.items():
        if q not in ASSESSED:
            problems.append(f"facts.{q}: no assessed question {q!r}{nearest(q, ASSESSED)}")
        elif names is not None:
            problems += [f"facts.{q}.{n}: no criterion of {ASSESSED[q]} uses {n!r}{nearest(n, names[q])}"
                         for n in named if n not in names[q]]
    dims = list(params.summary.dimensions) if params is not None else None
    for key in reg.overrides:
        if key.startswith("summary."):
            dim = key.removeprefix("summary.")
            if dims is not None and dim not in dims:
                problems.append(f"overrides.{key}: unknown dimension {dim!r}{nearest(dim, dims)}")
        elif key not in ASSESSED:
            valid = [*ASSESSED, *(f"summary.{d}" for d in dims or [])]
            problems.append(f"overrides.{key}: no assessed question {key!r}{nearest(key, valid)}")
    if params is not None:
        for key in reg.rules:
            try:
                parameter_value(params, key)
            except KeyError as e:
                problems.append(str(e.args[0]))
    shown = [*(params.summary.questions if params is not None else ASSESSED), "summary"]
    problems += [f"comments.{q}: no question {q!r} in the closing table{nearest(q, shown)}"
                 for q in reg.comments if q not in shown]
    return problems


def _read_one(p: Path, part_of_folder: bool = False, params: RunParams | None = None) -> EvidenceRegister:
    try:
        data = load_yaml(p.read_text(encoding="utf-8"))
        reg = EvidenceRegister.model_validate(data, context={"part_of_folder": part_of_folder})
    except DuplicateKeyError as e:
        raise EvidenceError(f"{p}: {e}") from None
    except yaml.YAMLError as e:
        raise EvidenceError(f"{p}: not valid YAML: {e}") from None
    except ValidationError as e:
        lines = [f"{p}: invalid evidence register"]
        for err in e.errors():
            key = ".".join(str(x) for x in err["loc"]) or "(top level)"
            msg = "unknown key (misspelled?)" if err["type"] == "extra_forbidden" else err["msg"]
            lines.append(f"  {key}: {msg}")
        raise EvidenceError("\n".join(lines)) from None
    problems = name_problems(reg, params)
    if problems:
        raise EvidenceError("\n".join([f"{p}: invalid evidence register", *(f"  {m}" for m in problems)]))
    return reg


def merge_registers(parts: list[tuple[str, EvidenceRegister]]) -> EvidenceRegister:
    """Merge the files of a register folder; the same id, fact or override twice is an error."""
    obs, recs, facts, overrides, comments, responses, rules = [], [], {}, {}, {}, [], {}
    for source, reg in parts:
        for key, rule in reg.rules.items():
            if key in rules:
                raise EvidenceError(f"{source}: the board's rule for {key} is defined in more than one file")
            rules[key] = rule
        obs.extend(reg.observations)
        recs.extend(reg.recommendations)
        responses.extend(reg.responses)
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
    dupes = _twice([r.id for r in recs])
    if dupes:
        raise EvidenceError(f"recommendation ids must be unique: {', '.join(dupes)}")
    year = parts[0][1].year if parts else 0
    try:
        return EvidenceRegister(year=year, observations=obs, facts=facts, overrides=overrides,
                                comments=comments, recommendations=recs, responses=responses, rules=rules)
    except ValidationError as e:
        raise EvidenceError(f"evidence register: {e.errors()[0]['msg']}") from None


def load_register(path: str | Path | None, year: int, params: RunParams | None = None) -> EvidenceRegister:
    """Load the register: one YAML file, or a folder of YAML files (one per question, say)
    merged into one. With no path, an empty register (every fact counts as missing). With the
    run's ``params``, a fact no criterion uses and an unknown summary dimension are errors."""
    if path is None:
        return empty_register(year)
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
        if not files:
            raise EvidenceError(f"{p}: evidence folder has no .yaml files")
        parts = [(str(f), _read_one(f, part_of_folder=True, params=params)) for f in files]
        for source, reg in parts:
            if reg.year != year:
                raise EvidenceError(f"{source}: register is for {reg.year}, the run audits {year}")
        return merge_registers(parts)
    if not p.is_file():
        raise EvidenceError(f"{p}: evidence register not found")
    reg = _read_one(p, params=params)
    if reg.year != year:
        raise EvidenceError(f"{p}: register is for {reg.year}, the run audits {year}")
    return reg

"""Loading the evidence register: one YAML file, or a folder of files merged (the same id, fact or
override twice is an error); safe YAML, errors name the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import ValidationError

from ..yamlfile import DuplicateKeyError
from ..yamlfile import loads as load_yaml
from .checks import name_problems
from .model import (
    BoardRule,
    Comment,
    EvidenceError,
    EvidenceRegister,
    Fact,
    Observation,
    OverrideEntry,
    Recommendation,
    Response,
    _twice,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..params import RunParams


def empty_register(year: int) -> EvidenceRegister:
    return EvidenceRegister(year=year)


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
    obs: list[Observation] = []
    recs: list[Recommendation] = []
    responses: list[Response] = []
    facts: dict[str, dict[str, Fact]] = {}
    overrides: dict[str, OverrideEntry] = {}
    comments: dict[str, Comment] = {}
    rules: dict[str, BoardRule] = {}
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
        return EvidenceRegister(
            year=year,
            observations=obs,
            facts=facts,
            overrides=overrides,
            comments=comments,
            recommendations=recs,
            responses=responses,
            rules=rules,
        )
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

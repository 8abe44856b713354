"""Checks of an evidence register against the run: names nothing reads (each with the nearest
valid name), facts an observation contradicts, parameters that differ from the board's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import ASSESSED, TOPICS, EvidenceRegister, nearest

if TYPE_CHECKING:  # pragma: no cover
    from ..params import RunParams


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
            out.append(
                {
                    "parameter": dotted,
                    "value": value,
                    "rule": rule.value,
                    "source": rule.source,
                    "date": rule.date.isoformat() if rule.date else None,
                }
            )
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
                    out.append(
                        f"fact {q}.{name} = {fact.value!r}, but observation {o.id} ({o.source}, "
                        f"{o.date.isoformat()}) shows {o.shows[name]!r}"
                    )
    return out


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
            problems.append(
                f"observations[{i}] ({o.id}).question: unknown question {o.question!r}{nearest(o.question, TOPICS)}"
            )
    for r in reg.recommendations:
        if r.question is not None and r.question not in TOPICS:
            problems.append(
                f"recommendation {r.id}.question: unknown question {r.question!r}{nearest(r.question, TOPICS)}"
            )
    names = fact_names(params) if params is not None else None
    for q, named in reg.facts.items():
        if q not in ASSESSED:
            problems.append(f"facts.{q}: no assessed question {q!r}{nearest(q, ASSESSED)}")
        elif names is not None:
            problems += [
                f"facts.{q}.{n}: no criterion of {ASSESSED[q]} uses {n!r}{nearest(n, names[q])}"
                for n in named
                if n not in names[q]
            ]
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
    problems += [
        f"comments.{q}: no question {q!r} in the closing table{nearest(q, shown)}"
        for q in reg.comments
        if q not in shown
    ]
    return problems

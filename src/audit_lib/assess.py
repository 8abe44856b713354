"""The four-level assessment scale: criteria and inputs give a level, traceably.

Levels, strongest first: Ja, Till stor del, Till viss del, Nej. The criteria for each
question live in the parameters (``Criteria``): per level, conditions on named inputs.
The levels are tried from Ja downwards; the first whose conditions all hold is the computed
assessment; if none holds, Nej. Inputs come from the analysis (figures) and from the
auditors' evidence register (facts established in interviews and documents). An override
from the evidence register replaces the computed level, and is shown as an override with
its author and justification.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass, field
from typing import Any

from .params import LEVELS, Condition, Criteria, Level

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
        "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class ConditionResult:
    input: str
    op: str
    value: Any
    actual: Any
    holds: bool | None  # None: the input is missing, so the condition cannot hold


@dataclass(frozen=True)
class Override:
    level: Level
    justification: str
    author: str
    date: str = ""


@dataclass
class Assessment:
    question: str
    level: Level  # the level in force (override if any, else computed)
    computed_level: Level
    inputs: dict[str, Any]
    trace: dict[str, list[ConditionResult]] = field(default_factory=dict)
    override: Override | None = None

    @property
    def overridden(self) -> bool:
        return self.override is not None and self.override.level != self.computed_level

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "level": self.level,
            "computed_level": self.computed_level,
            "overridden": self.override is not None,
            "override": asdict(self.override) if self.override else None,
            "inputs": {k: _jsonable(v) for k, v in sorted(self.inputs.items())},
            "rule": {
                lvl: [
                    {"input": c.input, "op": c.op, "value": _jsonable(c.value),
                     "actual": _jsonable(c.actual), "holds": c.holds}
                    for c in conds
                ]
                for lvl, conds in self.trace.items()
            },
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def check(cond: Condition, inputs: dict[str, Any]) -> ConditionResult:
    actual = inputs.get(cond.input)
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return ConditionResult(cond.input, cond.op, cond.value, None, None)
    try:
        holds = bool(_OPS[cond.op](actual, cond.value))
    except TypeError:
        holds = False
    return ConditionResult(cond.input, cond.op, cond.value, actual, holds)


def assess(
    question: str, criteria: Criteria, inputs: dict[str, Any], override: Override | None = None
) -> Assessment:
    """Apply ``criteria`` to ``inputs``; a level with no conditions never holds."""
    trace: dict[str, list[ConditionResult]] = {}
    computed: Level = "nej"
    for level in LEVELS[:-1]:
        conds: list[Condition] = getattr(criteria, level)
        results = [check(c, inputs) for c in conds]
        trace[level] = results
        if conds and all(r.holds for r in results):
            computed = level
            break
    level = override.level if override else computed
    return Assessment(question, level, computed, dict(inputs), trace, override)

"""The four-level assessment scale: criteria and inputs give a level, traceably.

Levels, strongest first: Ja, Till stor del, Till viss del, Nej. The criteria for each
question live in the parameters (``Criteria``): per level, conditions on named inputs.
The levels are tried from Ja downwards; the first whose conditions all hold is the computed
assessment; if none holds, Nej. A condition whose input is missing is *not assessable*: it
neither holds nor fails, and a level is decided on the conditions that can be assessed; the
assessment says how many could not be. A level resting mostly on missing inputs is not
reached: more of its conditions must be assessable than not (so a missing table never lifts a
level on the strength of one remaining fact).

Each condition records its ``margin``: how far the value lies on the passing side of the
threshold (negative: on the failing side), for ordered comparisons. The *deciding* conditions
are those of the level reached and the failing ones of the level just above it; the
assessment is ``on_edge`` when a deciding condition lies within ``tolerance`` of its threshold
(``tolerance`` x max(1, |threshold|)), so a small change in the figure would change the level.
``stability`` moves each numeric threshold to its neighbours (``step``, scaled the same way) one
at a time; a verdict that flips there records how (``flips``; ``stable`` when none does). Inputs come from the analysis (figures) and from the
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

DEFAULT_TOLERANCE = 0.02  # on_edge: within 2 % of the threshold (2 percentage points for a share)
DEFAULT_STEP = 0.05  # stability: thresholds moved by 5 % (5 percentage points for a share)
_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}


@dataclass(frozen=True)
class ConditionResult:
    input: str
    op: str
    value: Any
    actual: Any
    holds: bool | None  # None: the input is missing, so the condition is not assessable
    margin: float | None = None  # distance from the threshold, positive on the passing side

    @property
    def assessable(self) -> bool:
        return self.holds is not None

    def near(self, tolerance: float) -> bool:
        """Within ``tolerance`` (scaled by the threshold, at least 1) of the threshold."""
        if self.margin is None or not isinstance(self.value, (int, float)) or isinstance(self.value, bool):
            return False
        return abs(self.margin) <= tolerance * max(1.0, abs(float(self.value)))


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
    tolerance: float = DEFAULT_TOLERANCE
    flips: list[dict[str, Any]] = field(default_factory=list)  # see ``stability``

    @property
    def not_assessable(self) -> list[str]:
        """Inputs of the levels tried whose value is missing (each once, in order)."""
        seen: list[str] = []
        for results in self.trace.values():
            for r in results:
                if not r.assessable and r.input not in seen:
                    seen.append(r.input)
        return seen

    @property
    def deciding(self) -> list[ConditionResult]:
        """The conditions that decide the level: those of the level reached that hold and the
        failing ones of the level just above it."""
        levels = list(self.trace)
        out: list[ConditionResult] = []
        if self.computed_level in self.trace:
            out += [r for r in self.trace[self.computed_level] if r.holds]
            above = levels[: levels.index(self.computed_level)]
        else:
            above = levels
        if above:
            out += [r for r in self.trace[above[-1]] if r.holds is False]
        return out

    @property
    def on_edge(self) -> bool:
        return any(r.near(self.tolerance) for r in self.deciding)

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
                    {
                        "input": c.input,
                        "op": c.op,
                        "value": _jsonable(c.value),
                        "actual": _jsonable(c.actual),
                        "holds": c.holds,
                        "margin": _jsonable(c.margin),
                        "assessable": c.assessable,
                    }
                    for c in conds
                ]
                for lvl, conds in self.trace.items()
            },
            "on_edge": self.on_edge,
            "stable": not self.flips,
            "flips": [{k: _jsonable(v) for k, v in f.items()} for f in self.flips],
            "edge_tolerance": self.tolerance,
            "deciding": sorted({c.input for c in self.deciding}),
            "not_assessable": self.not_assessable,
            "n_not_assessable": len(self.not_assessable),
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) and not hasattr(v, "item"):
        return None
    x = float(v)
    return x if math.isfinite(x) else None


def margin(op: str, actual: Any, value: Any) -> float | None:
    """How far ``actual`` lies on the passing side of ``value`` (negative: the failing side),
    for ordered comparisons of numbers; None otherwise."""
    a, v = _number(actual), _number(value)
    if a is None or v is None or op not in (">=", ">", "<=", "<"):
        return None
    return a - v if op in (">=", ">") else v - a


def check(cond: Condition, inputs: dict[str, Any]) -> ConditionResult:
    actual = inputs.get(cond.input)
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return ConditionResult(cond.input, cond.op, cond.value, None, None)
    try:
        holds = bool(_OPS[cond.op](actual, cond.value))
    except TypeError:
        holds = False
    return ConditionResult(cond.input, cond.op, cond.value, actual, holds, margin(cond.op, actual, cond.value))


def level_holds(results: list[ConditionResult]) -> bool:
    """A level holds when every condition that can be assessed holds and more of its
    conditions can be assessed than cannot."""
    assessable = [r for r in results if r.assessable]
    return len(assessable) > len(results) - len(assessable) and all(r.holds for r in assessable)


def _computed(criteria: Criteria, inputs: dict[str, Any]) -> tuple[Level, dict[str, list[ConditionResult]]]:
    trace: dict[str, list[ConditionResult]] = {}
    for level in LEVELS[:-1]:
        results = [check(c, inputs) for c in getattr(criteria, level)]
        trace[level] = results
        if level_holds(results):
            return level, trace
    return "nej", trace


def stability(criteria: Criteria, inputs: dict[str, Any], step: float = DEFAULT_STEP) -> list[dict[str, Any]]:
    """The level under neighbouring thresholds: each numeric threshold moved by ``step``
    (scaled like the edge tolerance) down and up, one at a time. Returns the moves that change
    the computed level: ``level_of_threshold`` (the level whose condition moved), ``input``,
    ``op``, ``value`` (as set), ``moved_to`` and ``level`` (the level it gives)."""
    base, _ = _computed(criteria, inputs)
    flips = []
    for lvl in LEVELS[:-1]:
        conds: list[Condition] = getattr(criteria, lvl)
        for i, c in enumerate(conds):
            v = _number(c.value)
            if v is None or c.op not in (">=", ">", "<=", "<"):
                continue
            for sign in (-1, 1):
                moved = v + sign * step * max(1.0, abs(v))
                changed = criteria.model_copy(
                    update={lvl: [*conds[:i], c.model_copy(update={"value": moved}), *conds[i + 1 :]]}
                )
                level, _ = _computed(changed, inputs)
                if level != base:
                    flips.append(
                        {
                            "level_of_threshold": lvl,
                            "input": c.input,
                            "op": c.op,
                            "value": c.value,
                            "moved_to": moved,
                            "level": level,
                        }
                    )
    return flips


def assess(
    question: str,
    criteria: Criteria,
    inputs: dict[str, Any],
    override: Override | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    step: float | None = DEFAULT_STEP,
) -> Assessment:
    """Apply ``criteria`` to ``inputs``; a level with no conditions (or mostly not assessable
    ones) never holds."""
    computed, trace = _computed(criteria, inputs)
    level = override.level if override else computed
    flips = stability(criteria, inputs, step) if step else []
    return Assessment(question, level, computed, dict(inputs), trace, override, tolerance, flips)

"""The summary's overall conclusion: each dimension's inputs and level (its criteria, or the
auditors' override), the conclusion as one sentence, and the causality notebook's answer as a
statement."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...assess import Assessment, Override, assess
from ...params import ConclusionDimension


def dimension_inputs(
    levels: Mapping[str, str | None], questions: list[str], level_scores: Mapping[str, float]
) -> dict[str, Any]:
    """``mean_score``, ``min_score``, ``max_score`` over the questions' levels, ``n_assessed``
    and ``missing`` (questions without an assessment)."""
    scores = [level_scores[str(levels[q])] for q in questions if levels.get(q)]
    missing = [q for q in questions if not levels.get(q)]
    nan = float("nan")
    return {
        "mean_score": sum(scores) / len(scores) if scores else nan,
        "min_score": min(scores) if scores else nan,
        "max_score": max(scores) if scores else nan,
        "n_assessed": len(scores),
        "missing": missing,
    }


@dataclass
class DimensionConclusion:
    name: str
    questions: list[str]
    inputs: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    assessment: Assessment | None = None
    override: Override | None = None

    @property
    def level(self) -> str | None:
        if self.override is not None:
            return self.override.level
        return self.assessment.level if self.assessment else None

    @property
    def computed_level(self) -> str | None:
        return self.assessment.computed_level if self.assessment else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "questions": self.questions,
            "level": self.level,
            "computed_level": self.computed_level,
            "overridden": self.override is not None,
            "missing": self.missing,
            "inputs": {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.inputs.items()},
            "assessment": self.assessment.to_json() if self.assessment else None,
            "override": None
            if self.override is None
            else {
                "level": self.override.level,
                "justification": self.override.justification,
                "author": self.override.author,
                "date": self.override.date,
            },
        }


def conclude(
    levels: Mapping[str, str | None],
    dimensions: Mapping[str, ConclusionDimension],
    level_scores: Mapping[str, float],
    overrides: Mapping[str, Override | None],
) -> list[DimensionConclusion]:
    """The overall conclusion, one entry per dimension, in the order of ``dimensions``.
    ``overrides`` maps dimension name -> the auditors' override (or None)."""
    out = []
    for name, dim in dimensions.items():
        inp = dimension_inputs(levels, dim.questions, level_scores)
        missing = inp.pop("missing")
        o = overrides.get(name)
        a = None if missing else assess(f"summary.{name}", dim.criteria, inp, o)
        out.append(DimensionConclusion(name, list(dim.questions), inp, missing, a, o))
    return out


def contrast(conclusions: list[DimensionConclusion]) -> bool:
    """Whether the dimensions' levels differ (the sentence then reads "..., but ...")."""
    return len({c.level for c in conclusions}) > 1


def question_number(q: str) -> str:
    """``q5`` -> ``5``; other ids unchanged."""
    return q[1:] if q[:1] == "q" and q[1:].isdigit() else q


def conclusion_sentence(
    conclusions: list[DimensionConclusion], t: Callable[..., str], has: Callable[[str], bool]
) -> str:
    """The overall conclusion as one sentence, e.g. "... är ändamålsenligt ..., men att det
    endast till viss del är effektivt." ``t`` gives texts, ``has`` says whether a key exists.
    With a dimension that cannot be concluded, a sentence naming the missing questions."""
    if not conclusions:
        return t("summary.conclusion_none")
    missing = sorted({q for c in conclusions if c.level is None for q in c.missing})
    if missing:
        names = [t("summary.question_short", n=question_number(q)) for q in missing]
        return t("summary.conclusion_incomplete", questions=join_words(names, t("summary.and")))

    def phrase(c: DimensionConclusion) -> str:
        key = f"summary.phrase.{c.name}.{c.level}"
        if has(key):
            return t(key)
        dim = t(f"summary.dimension.{c.name}") if has(f"summary.dimension.{c.name}") else c.name
        return t("summary.phrase.generic", level=t(f"level.{c.level}").lower(), dimension=dim)

    phrases = [phrase(c) for c in conclusions]
    if len(phrases) == 2:
        key = "summary.conclusion_contrast" if contrast(conclusions) else "summary.conclusion_same"
        return t(key, first=phrases[0], second=phrases[1])
    return t("summary.conclusion_list", phrases=join_words(phrases, t("summary.and")))


def join_words(items: list[str], and_word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {and_word} " + items[-1]


CAUSAL_TREATMENTS = ("coordination", "ecommerce", "category_management")


def causality_statement(res: Mapping[str, Any] | None, t: Callable[..., str], fmt: Any) -> dict[str, Any] | None:
    """The answer to "did coordination lower prices, or was it e-commerce and category
    management?" as a statement, from the causality notebook's results: per initiative its
    estimated price change with interval and its share of the three together, and whether the
    design identifies them (if not, why, and no causal words). None when the notebook did not
    run or had no data."""
    if not res or res.get("status") != "ok" or not res.get("effects") or "identified" not in res:
        return None
    eff = res["effects"]
    shown = [g for g in CAUSAL_TREATMENTS if g in eff and eff[g].get("estimate") is not None]
    total = sum(eff[g]["estimate"] for g in shown)
    same_sign = len({math.copysign(1, eff[g]["estimate"]) for g in shown}) == 1 and total != 0

    def pct(x: float | None) -> str:  # an effect on the log price, as a percent change
        return fmt.percent(math.expm1(x), 1) if x is not None else "–"

    items = []
    for g in shown:
        e = eff[g]
        items.append(
            t(
                "summary.causality_item",
                group=t(f"causality.treatment.{g}"),
                pct=pct(e["estimate"]),
                low=pct(e.get("ci_low")),
                high=pct(e.get("ci_high")),
                share=fmt.percent(e["estimate"] / total) if same_sign else "–",
            )
        )
    identified = bool(res["identified"])
    if identified:
        note = t("summary.causality_identified")
    else:
        alpha = 1 - float((res.get("settings") or {}).get("level", 0.95))
        groups: dict[str, list[str]] = {}
        for g, why in (res.get("identification_reasons") or {}).items():
            for r in why:
                if r != "other_initiative" and "+" not in g:
                    groups.setdefault(r, []).append(t(f"causality.treatment.{g}"))
        reasons = "; ".join(
            t(f"causality.reason.{r}", groups=", ".join(gs), alpha=fmt.number(alpha, 2)) for r, gs in groups.items()
        )
        note = t("summary.causality_not_identified", reasons=reasons)
    return {"identified": identified, "items": items, "note": note}

"""The evaluation of the reviewed sample: the Stringer bound on the overstatement (basic precision,
projected misstatement, incremental allowance) against the tolerable misstatement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from .design import SamplingError, reliability_factor
from .selection import Sample


@dataclass
class Evaluation:
    interval: float
    confidence: float
    basic_precision: float
    projected: float  # projected misstatement of the sampled items plus known misstatement
    incremental_allowance: float
    upper_limit: float
    tolerable: float | None
    items: pd.DataFrame  # procurement_id, value, misstatement, tainting, projected, stratum

    @property
    def exceeds_tolerable(self) -> bool | None:
        return None if self.tolerable is None else self.upper_limit > self.tolerable

    def summary(self) -> dict[str, Any]:
        return {
            "interval_sek": self.interval,
            "confidence": self.confidence,
            "basic_precision_sek": self.basic_precision,
            "projected_misstatement_sek": self.projected,
            "incremental_allowance_sek": self.incremental_allowance,
            "upper_misstatement_limit_sek": self.upper_limit,
            "tolerable_misstatement_sek": self.tolerable,
            "exceeds_tolerable": self.exceeds_tolerable,
            "n_misstatements": int((self.items["misstatement_sek"] > 0).sum()),
        }


def evaluate(
    findings: Iterable[tuple[float, float]],
    interval: float,
    confidence: float = 0.95,
    tolerable: float | None = None,
    ids: Iterable[str] | None = None,
    known: Iterable[bool] | None = None,
) -> Evaluation:
    """The Stringer bound from ``findings``: (recorded value, overstatement) of each examined
    item with a misstatement (items without one need not be listed). An item is counted with
    its actual misstatement, not projected, when its value is at least the interval or
    ``known`` says so (the risk stratum); understatements (negative) are left out of the
    overstatement bound."""
    f = list(findings)
    ids = list(ids) if ids is not None else [str(i + 1) for i in range(len(f))]
    known = list(known) if known is not None else [False] * len(f)
    rows: list[dict[str, Any]] = []
    for pid, (value, miss), k in zip(ids, f, known):
        certain = k or value >= interval
        t = min(max(miss, 0.0) / value, 1.0) if value > 0 else 1.0
        rows.append(
            {
                "procurement_id": pid,
                "estimated_value_sek": value,
                "misstatement_sek": miss,
                "tainting": None if certain else t,
                "projected_sek": max(miss, 0.0) if certain else t * interval,
                "stratum": "known" if certain else "projected",
            }
        )
    items = pd.DataFrame(
        rows,
        columns=["procurement_id", "estimated_value_sek", "misstatement_sek", "tainting", "projected_sek", "stratum"],
    )
    taints = sorted((r["tainting"] for r in rows if r["tainting"] is not None and r["tainting"] > 0), reverse=True)
    known_sum = float(items.loc[items["stratum"] == "known", "projected_sek"].clip(lower=0).sum())
    rf = [reliability_factor(k, confidence) for k in range(len(taints) + 1)]
    basic = interval * rf[0]
    projected = sum(t * interval for t in taints) + known_sum
    incremental = sum(t * interval * (rf[i + 1] - rf[i] - 1) for i, t in enumerate(taints))
    return Evaluation(
        interval, confidence, basic, projected, incremental, basic + projected + incremental, tolerable, items
    )


def evaluate_sample(sample: Sample, outcomes: pd.DataFrame, tolerable: float | None = None) -> Evaluation:
    """Evaluate the recorded file reviews (``outcomes``: ``procurement_id, misstatement_sek``) of
    ``sample``; an outcome for a procurement that was not selected is an error."""
    by_id = sample.items.set_index("procurement_id")
    unknown = sorted(set(outcomes["procurement_id"]) - set(by_id.index))
    if unknown:
        raise SamplingError("outcomes for procurements that are not in the sample: " + ", ".join(map(str, unknown)))
    o = outcomes[outcomes["misstatement_sek"].astype(float) != 0]
    values = [float(cast(float, by_id.at[p, "estimated_value_sek"])) for p in o["procurement_id"]]
    known = [bool(by_id.at[p, "stratum"] == "risk") for p in o["procurement_id"]]
    return evaluate(
        zip(values, o["misstatement_sek"].astype(float)),
        sample.interval,
        sample.confidence,
        tolerable,
        ids=o["procurement_id"].astype(str),
        known=known,
    )

"""The sampling page: the monetary-unit sample of the audit year's procurements for file review
(the one ``audit sample`` writes: same parameters, same seed, same items) and, once the auditors
have recorded what the file reviews found, its evaluation (projected misstatement and upper
misstatement limit against the tolerable misstatement). The method is in ``audit_lib.sampling``.

``draw_sample`` is shared with ``audit sample``, so the command and the run draw one sample.
No assessment on the four-level scale: the sample is the auditors' working material.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..contract.period import Period
from ..params import RunParams, SamplingParams
from ..report.fmt import number
from ..report.texts import Texts
from ..sampling import Evaluation, Sample, SamplingError, draw, evaluate_sample, population, risk_stratum, sample_csv
from . import common


def draw_sample(
    tables: common.Tables, params: RunParams, t: Texts, seed: int, pop: pd.DataFrame | None = None
) -> Sample:
    """The monetary-unit sample of ``params.audit_year`` (with its risk stratum) that
    ``params.sampling`` asks for; the reasons in the words of ``t``. ``pop``: the population
    (``sampling.population``) when the caller has it already."""
    if params.sampling is None:
        raise SamplingError("the parameters have no 'sampling' section (give size, or tolerable_misstatement_sek)")
    if pop is None:
        pop = population(tables["procurements"], tables["procurement_regions"], params.audit_year)
    risk = risk_stratum(tables, params, pop, t)
    reasons = {"certainty": t("sampling.reason_certainty"), "pps": t("sampling.reason_pps")}
    return draw(pop, params.sampling, seed, risk, reasons, money=lambda x: number(x, t.language))


@dataclass(frozen=True)
class SamplingResult:
    sample: Sample
    population: int  # procurements completed in the audit year
    population_value_sek: float
    evaluation: Evaluation | None  # None: no file review recorded yet
    reviewed: pd.DataFrame  # the recorded outcomes: procurement_id, misstatement_sek (and stratum, value)
    tolerable: float | None
    csv_sha256: str  # of the sample as `audit sample` writes it
    audit_year: int

    @property
    def not_reviewed(self) -> int:
        return len(self.sample.items) - len(self.reviewed)


def analyse(
    tables: common.Tables,
    params: SamplingParams | None,
    period: Period,
    seed: int = 0,
    *,
    run: RunParams,
    t: Texts,
    outcomes: pd.DataFrame | None = None,
) -> SamplingResult:
    """The sample (``draw_sample``) and, with ``outcomes`` (``sampling.read_outcomes``), its
    evaluation. ``params`` is ``run.sampling``; ``period`` is the audited period the tables
    already see. An outcome for a procurement not in the sample is an error."""
    pop = population(tables["procurements"], tables["procurement_regions"], run.audit_year)
    sample = draw_sample(tables, run, t, seed, pop)
    tolerable = params.tolerable_misstatement_sek if params is not None else None
    ev = evaluate_sample(sample, outcomes, tolerable) if outcomes is not None else None
    reviewed = pd.DataFrame(columns=["procurement_id", "misstatement_sek"])
    if outcomes is not None:
        by_id = sample.items.set_index("procurement_id")
        reviewed = (
            outcomes[["procurement_id", "misstatement_sek"]]
            .assign(
                title=outcomes["procurement_id"].map(by_id["title"]),
                estimated_value_sek=outcomes["procurement_id"].map(by_id["estimated_value_sek"]),
                stratum=outcomes["procurement_id"].map(by_id["stratum"]),
            )
            .sort_values("procurement_id")
            .reset_index(drop=True)
        )
    digest = hashlib.sha256(sample_csv(sample).encode("utf-8")).hexdigest()
    return SamplingResult(
        sample, len(pop), float(pop["estimated_value_sek"].sum()), ev, reviewed, tolerable, digest, run.audit_year
    )


def results(res: SamplingResult) -> dict[str, Any]:
    """What ``results/sampling.json`` records: the sample's design and every item with why it
    was selected, the recorded file reviews and the evaluation (None before any review)."""
    items = res.sample.items.assign(completed_date=res.sample.items["completed_date"].dt.date)
    ev = res.evaluation
    return {
        "design": {
            **res.sample.summary(),
            "population": res.population,
            "population_value_sek": res.population_value_sek,
            "tolerable_misstatement_sek": res.tolerable,
            "sample_csv_sha256": res.csv_sha256,
        },
        "items": items,
        "reviewed": res.reviewed,
        # nested, not top-level figures: the follow-up compares a notebook's top-level numbers
        # across years, and a new year's sample is another sample
        "review": {"n_reviewed": len(res.reviewed), "n_not_reviewed": res.not_reviewed},
        "evaluation": ev.summary() if ev is not None else None,
        "misstatements": ev.items if ev is not None else [],
    }


def manifest_record(results: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the run's manifest records of its sample (from ``results/sampling.json``): seed,
    interval, random start, the selected ids and the sha256 of the sample's CSV, and the
    evaluation; None when the run drew no sample."""
    if not results or results.get("status") != "ok" or not results.get("design"):
        return None
    design = results["design"]
    keys = ("seed", "interval_sek", "random_start_sek", "size", "selected", "sample_csv_sha256")
    return {
        **{k: design.get(k) for k in keys},
        "procurement_ids": [r["procurement_id"] for r in results.get("items") or []],
        "n_reviewed": (results.get("review") or {}).get("n_reviewed"),
        "evaluation": results.get("evaluation"),
    }

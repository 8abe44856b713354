"""Question 2's entry point: ``analyse`` (tables, parameters, period, seed in; a ``Q2Result``
out), the figures the criteria use and ``results``, what the results JSON records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...contract.period import Period
from ...params import Q2Params, Q4Params
from .. import common
from .comparison import rate_seeds, savings_rate_comparison
from .costs import admin_gain_range, gains_table, savings_basis, year_summary
from .learning import example_years, examples, high_effort_threshold, learning_figures


def assessment_inputs(year_row: pd.Series | dict[str, Any], learning: dict[str, Any]) -> dict[str, Any]:
    """Figures for the criteria, for the audit year: coverage of the cost data
    (``effort_coverage``) and of the savings (``saving_coverage``), whether the enabled savings
    exceed the extrapolated cost even at the interval's unfavourable end
    (``net_positive_low``), the share with lessons documented, and the number of good and poor
    examples found."""
    r = dict(year_row)
    low = r.get("net_est_low", float("nan"))
    return {
        "effort_coverage": r.get("effort_coverage", float("nan")),
        "saving_coverage": r.get("saving_coverage", float("nan")),
        "net_positive_low": (bool(low > 0) if low is not None and math.isfinite(low) else None),
        "lessons_share": learning.get("lessons_share", float("nan")),
        "good_examples": learning.get("n_good", 0),
        "poor_examples": learning.get("n_poor", 0),
    }


def _optional(tables: common.Tables, name: str) -> pd.DataFrame | None:
    """An optional table, or None where the package does not have it."""
    try:
        return tables[name]
    except KeyError:
        return None


@dataclass(frozen=True)
class Q2Result:
    """What question 2 finds: gains and costs per coordinated procurement and per year, the
    savings rates compared, the good and poor examples and the figures the criteria use."""

    gains: pd.DataFrame  # gains_table
    summary: pd.DataFrame  # year_summary
    row: dict[str, Any]  # the audit year's row of ``summary``; empty without coordinated procurements
    has_effort: bool  # whether any coordination effort is recorded
    all_years: list[int]  # the years of the register
    rate_all: dict[str, Any]  # savings_rate_comparison over all years
    rate_year: dict[str, Any]  # ... over the audit year
    example_years: list[int]
    examples: pd.DataFrame
    threshold: float  # high_effort_threshold
    learning: dict[str, Any]  # learning_figures
    inputs: dict[str, Any]  # assessment_inputs
    params: Q2Params
    audit_year: int
    admin_range: dict[str, Any]  # admin_gain_range
    basis: dict[str, Any] | None = None  # savings_basis, where question 4's parameters were given


def analyse(
    tables: common.Tables, params: Q2Params, period: Period, seed: int = 0, savings_model: Q4Params | None = None
) -> Q2Result:
    """Question 2 on the package as the period sees it; the savings-rate intervals are
    bootstrapped with seeds derived from ``seed`` (``rate_seeds``). With ``savings_model``
    (question 4's parameters), how much of the enabled savings its recomputation confirms."""
    p, year, seeds = params, period.end.year, rate_seeds(seed)
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    effort = _optional(tables, "coordination_effort")
    gains = gains_table(view, effort, p.hourly_cost_sek, p.cost_per_procurement_sek)
    summary = year_summary(gains, p.interval_level)
    current = summary[summary["year"] == year]
    row = {str(k): v for k, v in current.iloc[0].to_dict().items()} if len(current) else {}
    years = example_years(year, p.examples_years)
    ex = examples(gains, years, p.high_effort_factor)
    learning = learning_figures(gains, ex, years, p.interval_level)
    return Q2Result(
        gains=gains,
        summary=summary,
        row=row,
        has_effort=effort is not None and len(effort) > 0,
        all_years=sorted(int(y) for y in view["year"].unique()),
        rate_all=savings_rate_comparison(view, None, p.interval_level, p.bootstrap_reps, seeds["all_years"]),
        rate_year=savings_rate_comparison(view, [year], p.interval_level, p.bootstrap_reps, seeds["audit_year"]),
        example_years=years,
        examples=ex,
        threshold=high_effort_threshold(gains, p.high_effort_factor),
        learning=learning,
        inputs=assessment_inputs(row, learning),
        params=p,
        audit_year=year,
        admin_range=admin_gain_range(row, p.cost_per_procurement_sek, p.cost_per_procurement_factors),
        basis=savings_basis(tables, gains, savings_model, year) if savings_model is not None and row else None,
    )


def results(res: Q2Result) -> dict[str, Any]:
    """The figures the results JSON records: the audit year's gains and costs (the recorded
    cost and the net only where effort is recorded at all), their coverage, the parameters of
    the cost model, and every table behind the page."""
    row, effort, p = res.row, res.has_effort, res.params
    return dict(
        enabled_savings_sek=row.get("enabled_savings_sek"),
        coordination_cost_sek=row.get("coordination_cost_sek") if effort else None,
        net_sek=row.get("net_sek") if effort else None,
        admin_gain_sek=row.get("admin_gain_sek"),
        coordination_cost_est_sek=row.get("coordination_cost_est_sek"),
        coordination_cost_est_interval=[row.get("coordination_cost_est_low"), row.get("coordination_cost_est_high")],
        net_est_sek=row.get("net_est_sek"),
        net_est_interval=[row.get("net_est_low"), row.get("net_est_high")],
        admin_net_sek=row.get("admin_net_sek") if effort else None,
        coverage={
            "n_coordinated": row.get("n_coordinated", 0),
            "n_effort": row.get("n_effort", 0),
            "effort_coverage": row.get("effort_coverage"),
            "n_saving": row.get("n_saving", 0),
            "saving_coverage": row.get("saving_coverage"),
        },
        hourly_cost_sek=p.hourly_cost_sek,
        cost_per_procurement_sek=p.cost_per_procurement_sek,
        interval_level=p.interval_level,
        by_year=res.summary,
        savings_rate_all_years=res.rate_all,
        savings_rate_audit_year=res.rate_year,
        examples=res.examples,
        examples_years=res.example_years,
        learning=res.learning,
        assessment_inputs=res.inputs,
        admin_gain_range=res.admin_range,
        savings_basis=res.basis,
    )

"""The question's one entry point: ``analyse`` runs every step on one data package for the
audit year and returns a ``Q4Result``; ``results`` gives what the results JSON records."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...contract.period import Period
from ...params import Q4Params
from .. import common
from .baselines import baseline_frame, by_method, saving_matrix, totals, totals_beside_interval
from .bids import bid_summary
from .constants import COMPUTED
from .interval import bootstrap_totals, interval, top_share
from .market_bias import log_price_sd, market_bias, null_model, saving_by_n_bids
from .recompute import coverage, reasons_table, recompute
from .reconcile import earlier_findings, finding_lists, reconcile


def sensitivity(
    procurements: pd.DataFrame,
    regions: pd.DataFrame,
    bids: pd.DataFrame | None,
    audit_year: int,
    min_bids: Sequence[int],
    tolerances_pct: Sequence[float],
    tolerance_sek: float,
) -> pd.DataFrame:
    """Coverage, recomputed total and findings for the audit year under each minimum number
    of approved bids and each relative tolerance: ``min_bids, tolerance_pct, coverage_count,
    coverage_value, recomputed_sek, n_invalid, n_mismatch``."""
    rows = []
    summary = bid_summary(bids) if bids is not None else None
    for m in min_bids:
        t = recompute(procurements, regions, bids, m, summary)
        cov = coverage(t, regions, audit_year)
        rec = float(t.loc[t["year"] == audit_year, "recomputed_sek"].sum())
        for tol in tolerances_pct:
            year = t[t["year"] == audit_year]
            lists = finding_lists(reconcile(year, bids, m, tolerance_sek, tol, summary), audit_year)
            rows.append(
                dict(
                    min_bids=int(m),
                    tolerance_pct=float(tol),
                    coverage_count=cov["coverage_count"],
                    coverage_value=cov["coverage_value"],
                    recomputed_sek=rec,
                    n_invalid=len(lists["invalid_applications"]),
                    n_mismatch=len(lists["mismatches"]),
                )
            )
    return pd.DataFrame(rows)


def register_rule(sens: pd.DataFrame, market_min_bids: int, tolerance_pct: float) -> pd.Series:
    """True on the rows of ``sensitivity`` computed under the register's own rule (its minimum
    number of bids and its relative tolerance)."""
    return (sens["min_bids"] == market_min_bids) & ((sens["tolerance_pct"] - tolerance_pct).abs() < 1e-12)


def optional_table(tables: common.Tables, name: str) -> pd.DataFrame | None:
    """The table ``name`` where the package has it, else None (a package answers ``has``; a
    plain dict of tables answers ``in``)."""
    has = getattr(tables, "has", None)
    present = has(name) if callable(has) else name in tables  # type: ignore[operator]
    return tables[name] if present else None


@dataclass(frozen=True)
class Q4Result:
    """All figures of the question for one audit year (see ``analyse``)."""

    table: pd.DataFrame  # recompute: one row per procurement, every year
    coverage: dict[str, Any]
    reasons: pd.DataFrame
    findings: pd.DataFrame  # reconcile, every year
    lists: dict[str, Any]  # finding_lists of the audit year
    by_method: pd.DataFrame
    baselines: pd.DataFrame
    totals: pd.DataFrame
    by_n_bids: pd.DataFrame
    null_model: pd.DataFrame
    log_sd: float
    bootstrap: pd.DataFrame
    interval: dict[str, Any]
    sensitivity: pd.DataFrame
    inputs: dict[str, Any]  # assessment_inputs
    audit_year: int
    params: Q4Params
    year_findings: pd.DataFrame  # the audit year's findings
    earlier: dict[str, int]  # earlier_findings
    top_share: float  # share of the year's recomputed total from its params.top_k largest savings
    n_not_computable: int  # the audit year's procurements no method can be computed for
    totals_shown: pd.DataFrame  # totals_beside_interval
    bias: dict[str, Any]  # market_bias
    sensitivity_rule: pd.Series  # register_rule

    def totals_dict(self) -> dict[str, float]:
        return {str(r.basis): float(r.total_sek) for r in self.totals.itertuples()}  # type: ignore[arg-type]


def assessment_inputs(
    table: pd.DataFrame, cov: dict[str, Any], lists: dict[str, Any], iv: dict[str, Any], audit_year: int
) -> dict[str, Any]:
    """Figures for the criteria: ``savings_coverage_count``, ``savings_coverage_value``, ``invalid_application_share``
    (invalid applications among the year's procurements with a method applied),
    ``savings_mismatch_share`` (mismatches among those whose method could be recomputed),
    ``reported_within_range`` and ``range_width_share`` (range width / reported total)."""
    y = table[table["year"] == audit_year]
    applied = y[y["saving_method"] != "none"]
    computed = y[y["applied_status"] == COMPUTED]
    rep = iv["reported"]
    return {
        "savings_coverage_count": cov["coverage_count"],
        "savings_coverage_value": cov["coverage_value"],
        "invalid_application_share": len(lists["invalid_applications"]) / len(applied) if len(applied) else math.nan,
        "savings_mismatch_share": len(lists["mismatches"]) / len(computed) if len(computed) else math.nan,
        "reported_within_range": iv["reported_position"] == "within",
        "range_width_share": (iv["high"] - iv["low"]) / rep if rep else math.nan,
    }


def _market_bias_frames(
    bids: pd.DataFrame | None, base: pd.DataFrame, params: Q4Params, year: int, seed: int
) -> tuple[float, pd.DataFrame, pd.DataFrame]:
    """The log-price spread, the null model at that spread, and the audit year's savings by
    number of bids."""
    sd = log_price_sd(bids) if bids is not None and len(bids) else math.nan
    ns = range(2, params.max_n_bids + 1)
    nm = (
        null_model(sd, ns, params.null_model_sims, seed)
        if math.isfinite(sd)
        else pd.DataFrame(columns=["n", "mean_share", "median_share", "second_lowest_share"])
    )
    by_n = saving_by_n_bids(base[base["year"] == year] if len(base) else base, params.max_n_bids)
    return sd, nm, by_n


def checked_savings(tables: common.Tables, params: Q4Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every reported saving recomputed (``recompute``) and reconciled (``reconcile``) under the
    rules ``params`` states (minimum approved bids, tolerances): ``(table, findings)``, all years.
    Question 2 uses it too, for how much of the enabled savings this question confirms."""
    procurements, regions, bids = tables["procurements"], tables["procurement_regions"], optional_table(tables, "bids")
    summary = bid_summary(bids) if bids is not None else None
    table = recompute(procurements, regions, bids, params.market_min_bids, summary)
    findings = reconcile(table, bids, params.market_min_bids, params.tolerance_sek, params.tolerance_pct, summary)
    return table, findings


def analyse(tables: common.Tables, params: Q4Params, period: Period, seed: int = 0) -> Q4Result:
    """Run the whole question on one data package for the period's year: ``procurements``,
    ``procurement_regions`` and (where present) ``bids``; ``seed`` drives the bootstrap and the
    null model."""
    p, year = params, period.end.year
    procurements, regions, bids = tables["procurements"], tables["procurement_regions"], optional_table(tables, "bids")
    table, findings = checked_savings(tables, p)
    cov = coverage(table, regions, year)
    lists = finding_lists(findings, year)
    base = baseline_frame(table, bids)
    tot = totals(table, base, year)
    boot = bootstrap_totals(saving_matrix(table, base, year), p.n_resamples, p.interval_level, seed)
    reported = float(tot.loc[tot["basis"] == "reported", "total_sek"].iloc[0])
    iv = {**interval(boot, reported, p.interval_baselines), "level": p.interval_level}
    sd, nm, by_n = _market_bias_frames(bids, base, p, year, seed)
    sens = sensitivity(
        procurements, regions, bids, year, p.sensitivity_min_bids, p.sensitivity_tolerance_pct, p.tolerance_sek
    )
    return Q4Result(
        table=table,
        coverage=cov,
        reasons=reasons_table(table, year),
        findings=findings,
        lists=lists,
        by_method=by_method(table, year),
        baselines=base,
        totals=tot,
        by_n_bids=by_n,
        null_model=nm,
        log_sd=sd,
        bootstrap=boot,
        interval=iv,
        sensitivity=sens,
        inputs=assessment_inputs(table, cov, lists, iv, year),
        audit_year=year,
        params=p,
        year_findings=findings[findings["year"] == year],
        earlier=earlier_findings(findings, year),
        top_share=top_share(table.loc[table["year"] == year, "recomputed_sek"], p.top_k),
        n_not_computable=cov["n_procurements"] - cov["n_computable"],
        totals_shown=totals_beside_interval(tot, boot),
        bias=market_bias(by_n, nm, p.market_min_bids, p.max_n_bids),
        sensitivity_rule=register_rule(sens, p.market_min_bids, p.tolerance_pct),
    )


def results(res: Q4Result) -> dict[str, Any]:
    """The figures the results JSON records, in the order the report has always recorded them."""
    cov, lists = res.coverage, res.lists
    return {
        "coverage_count": cov["coverage_count"],
        "coverage_value": cov["coverage_value"],
        "coverage": {k: v for k, v in cov.items() if not k.startswith("by_")},
        "coverage_by_year": cov["by_year"],
        "coverage_by_category": cov["by_category"],
        "coverage_by_region": cov["by_region"],
        "reasons": res.reasons,
        "invalid_applications": lists["invalid_applications"],
        "invalid_by_kind": lists["invalid_by_kind"],
        "mismatches": lists["mismatches"],
        "findings": res.year_findings.drop(columns=["title"]),
        "findings_all_years": res.findings.drop(columns=["title"]),
        "by_method": res.by_method,
        "totals": res.totals_dict(),
        "totals_table": res.totals,
        "bootstrap": res.bootstrap,
        "interval": res.interval,
        "by_n_bids": res.by_n_bids,
        "null_model": res.null_model,
        "log_price_sd": res.log_sd,
        "sensitivity": res.sensitivity,
        "top_share": {"k": res.params.top_k, "share": res.top_share},
        "assessment_inputs": res.inputs,
    }

"""Decision level: was each procurement initiated by the body its region's delegation order
requires?

The delegation rules are parameters (``DecisionLevelParams.rules``): per region, from which
estimated contract value which body must initiate a procurement; ``bodies_rank`` lists the
bodies highest first, and a body ranked above the required one may always decide. Pure
functions from ``procurement_regions`` (one row per procurement and region) and the
procurement view to findings:

- ``required_body``: the body a region's rules require for an estimated value;
- ``check``: every procurement-region with its required and recorded body and the reasons it
  breaks a rule: ``level_too_low`` (recorded body ranked below the required one),
  ``unknown_body`` (a body name that is not in ``bodies_rank``: flagged, never ranked),
  ``missing_body`` (no body recorded where a rule applies), ``missing_reference`` (no decision
  reference, when references are required);
- ``violations``: the rows that break a rule;
- ``coverage`` and ``assessment_inputs``: breaches weighed by count and by value; a single
  breach above the materiality threshold (an amount, or a share of the period's value) is
  ``material`` and, under the default criteria, decisive;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``DecisionLevelResult`` out), and ``results`` the figures its results JSON records.

Body names are compared after folding case, surrounding space and the Swedish letters å, ä, ö
(so ``Regionfullmäktige`` and ``regionfullmaktige`` are the same body); any other spelling is
an unknown body.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from ..contract.period import Period
from ..params import DecisionLevelParams, DelegationRule
from . import common

REASONS = ("level_too_low", "unknown_body", "missing_body", "missing_reference")


def normalise_body(name: object) -> str | None:
    """Case-, space- and diacritic-folded text (a body name); None when missing or blank."""
    if name is None or (isinstance(name, float) and name != name) or name is pd.NA:
        return None
    s = str(name).strip().casefold()
    if not s:
        return None
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def rules_for(rules: Sequence[DelegationRule], region: str) -> list[DelegationRule]:
    """A region's rules, highest threshold first."""
    return sorted((r for r in rules if r.region == region), key=lambda r: -r.from_value_sek)


def required_body(rules: Sequence[DelegationRule], region: str, value: float) -> DelegationRule | None:
    """The rule that applies to ``value`` in ``region``: the one with the highest threshold at or
    below the value. None when the region has no rules or the value is below all of them."""
    for r in rules_for(rules, region):
        if value >= r.from_value_sek:
            return r
    return None


_CHECK_COLUMNS = [
    "procurement_id",
    "region",
    "year",
    "title",
    "estimated_value_sek",
    "required_body",
    "rule_from_value_sek",
    "rule_source",
    "recorded_body",
    "initiation_ref",
    "rule_applies",
    "reasons",
    "violation",
]


def _reasons(
    rule: DelegationRule | None, recorded: str | None, rank: Mapping[str | None, int], missing_reference: bool
) -> list[str]:
    """The ``REASONS`` codes of one procurement-region: the recorded body against the rule's
    body (by rank, lower rank = higher body), then a missing initiation reference."""
    reasons = []
    if rule is not None:
        if recorded is None:
            reasons.append("missing_body")
        elif recorded not in rank:
            reasons.append("unknown_body")
        elif rank[recorded] > rank[normalise_body(rule.body)]:
            reasons.append("level_too_low")
    elif recorded is not None and recorded not in rank:
        reasons.append("unknown_body")
    if missing_reference:
        reasons.append("missing_reference")
    return reasons


def check(
    regions: pd.DataFrame,
    view: pd.DataFrame,
    rules: Sequence[DelegationRule],
    bodies_rank: Sequence[str],
    require_reference: bool = True,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Every procurement-region (of procurements completed in ``years``; all when None).

    Columns: ``procurement_id, region, year, title, estimated_value_sek, required_body,
    rule_from_value_sek, rule_source, recorded_body`` (as recorded), ``initiation_ref``,
    ``rule_applies`` (the region has a rule for this value), ``reasons`` (list of codes from
    ``REASONS``, empty when the row complies) and ``violation``.
    """
    rank = {normalise_body(b): i for i, b in enumerate(bodies_rank)}
    v = view[["procurement_id", "year", "title"]]
    if years is not None:
        v = v[v["year"].isin(list(years))]
    r = regions.merge(v, on="procurement_id", how="inner")
    rows = []
    for row in cast(Iterable[Any], r.itertuples(index=False)):
        rule = required_body(rules, row.region, float(row.estimated_value_sek))
        recorded = normalise_body(row.initiated_by)
        no_ref = normalise_body(row.initiation_ref) is None
        reasons = _reasons(rule, recorded, rank, missing_reference=require_reference and no_ref)
        rows.append(
            dict(
                procurement_id=row.procurement_id,
                region=row.region,
                year=int(row.year),
                title=row.title,
                estimated_value_sek=float(row.estimated_value_sek),
                required_body=rule.body if rule else None,
                rule_from_value_sek=rule.from_value_sek if rule else float("nan"),
                rule_source=rule.source if rule else None,
                recorded_body=None if recorded is None else str(row.initiated_by).strip(),
                initiation_ref=None if no_ref else str(row.initiation_ref).strip(),
                rule_applies=rule is not None,
                reasons=reasons,
                violation=bool(reasons),
            )
        )
    out = pd.DataFrame(rows, columns=_CHECK_COLUMNS)
    out["violation"] = out["violation"].astype(bool)
    out["rule_applies"] = out["rule_applies"].astype(bool)
    return out.sort_values(["procurement_id", "region"]).reset_index(drop=True)


def violations(checked: pd.DataFrame) -> pd.DataFrame:
    """The rows that break a rule, largest estimated value first."""
    v = checked.loc[checked["violation"].astype(bool)]
    return v.sort_values(
        ["estimated_value_sek", "procurement_id", "region"], ascending=[False, True, True]
    ).reset_index(drop=True)


def reason_counts(checked: pd.DataFrame) -> dict[str, int]:
    """How many procurement-regions break each rule (a row may break more than one)."""
    return {r: int(checked["reasons"].map(lambda rs, r=r: r in rs).sum()) for r in REASONS}


def coverage(checked: pd.DataFrame, rules: Sequence[DelegationRule]) -> dict[str, Any]:
    """How much could be checked: rows, rows a rule applies to, regions in the data without
    rules (their rows cannot be checked against a value threshold), unknown body names."""
    ruled = {r.region for r in rules}
    unknown = sorted({b for b, rs in zip(checked["recorded_body"], checked["reasons"]) if "unknown_body" in rs})
    return {
        "n_rows": int(len(checked)),
        "n_procurements": int(checked["procurement_id"].nunique()),
        "n_rule_applies": int(checked["rule_applies"].sum()),
        "regions_without_rules": sorted(set(checked["region"]) - ruled),
        "unknown_bodies": unknown,
    }


LEVEL_REASONS = frozenset({"level_too_low", "unknown_body", "missing_body"})


def level_breaches(checked: pd.DataFrame) -> pd.Series:
    """Rows decided too low, by an unknown body or by none recorded, where a rule applies."""
    bad = checked["reasons"].map(lambda rs: bool(LEVEL_REASONS & set(rs)))
    return bad & checked["rule_applies"].astype(bool)


def material(checked: pd.DataFrame, amount_sek: float, share: float) -> pd.Series:
    """Level breaches that are material: an estimated value at or above ``amount_sek``, or at or
    above ``share`` of the estimated value of all rows a rule applies to."""
    ruled_value = float(checked.loc[checked["rule_applies"].astype(bool), "estimated_value_sek"].sum())
    big = (checked["estimated_value_sek"] >= amount_sek) | (
        (checked["estimated_value_sek"] >= share * ruled_value) if ruled_value > 0 else False
    )
    return level_breaches(checked) & big


def assessment_inputs(
    checked: pd.DataFrame, materiality_amount_sek: float = 50e6, materiality_share: float = 0.10
) -> dict[str, Any]:
    """``level_violations`` (decided too low, by an unknown body or by none recorded, where a
    rule applies), their share of rows a rule applies to by count (``level_violation_share``)
    and by estimated value (``violation_share_value``), ``material_violations`` (those at or
    above the materiality amount or share, see ``material``) and ``missing_references``.

    Where nothing could be checked (no rows, or no rule applies to any) the figures are None,
    not zero: an empty check is not a clean result, and the criteria cannot hold on it."""
    counts = reason_counts(checked)
    breach = level_breaches(checked)
    level = int(breach.sum())
    ruled = checked["rule_applies"].astype(bool)
    n = int(ruled.sum())
    value = float(checked.loc[ruled, "estimated_value_sek"].sum())
    return {
        "level_violations": level if n else None,
        "level_violation_share": level / n if n else None,
        "violation_share_value": float(checked.loc[breach, "estimated_value_sek"].sum()) / value
        if n and value > 0
        else None,
        "material_violations": int(material(checked, materiality_amount_sek, materiality_share).sum()) if n else None,
        "missing_references": counts["missing_reference"] if len(checked) else None,
        "rows_checked": int(len(checked)),
    }


def years_checked(view: pd.DataFrame, period: str, audit_year: int) -> list[int]:
    """The completion years checked: the audit year alone (``period`` ``audit_year``), or every
    year in the procurement view, ascending (``all_years``)."""
    if period == "audit_year":
        return [int(audit_year)]
    return sorted(int(y) for y in view["year"].unique())


def too_low(violating: pd.DataFrame) -> pd.DataFrame:
    """The violations decided by a body ranked below the required one, in their order."""
    return violating[violating["reasons"].map(lambda rs: "level_too_low" in rs)]


def rules_in_order(rules: Sequence[DelegationRule]) -> list[DelegationRule]:
    """The delegation rules by region, highest threshold first within a region."""
    return sorted(rules, key=lambda r: (r.region, -r.from_value_sek))


RECORDED_COLUMNS = [
    "procurement_id",
    "region",
    "year",
    "title",
    "estimated_value_sek",
    "required_body",
    "recorded_body",
    "rule_from_value_sek",
    "rule_source",
    "initiation_ref",
    "reasons",
]


@dataclass(frozen=True)
class DecisionLevelResult:
    """What the decision-level check finds: every procurement-region checked, the violations
    (and those decided too low), the counts by reason, what could be checked, the criteria's
    figures, and the years and rules it checked against."""

    checked: pd.DataFrame  # check
    violations: pd.DataFrame  # violations
    too_low: pd.DataFrame  # too_low
    counts: dict[str, int]  # reason_counts
    coverage: dict[str, Any]  # coverage
    inputs: dict[str, Any]  # assessment_inputs
    period: str  # "audit_year" or "all_years"
    years: list[int]  # years_checked
    rules: list[DelegationRule]
    audit_year: int


def analyse(tables: common.Tables, params: DecisionLevelParams, period: Period, seed: int = 0) -> DecisionLevelResult:
    """The decision-level check on the package as the period sees it (no randomness: ``seed``
    is unused)."""
    regions = tables["procurement_regions"]
    view = common.procurement_view(tables["procurements"], regions)
    year = period.end.year
    years = years_checked(view, params.period, year)
    checked = check(regions, view, params.rules, params.bodies_rank, params.require_reference, years)
    found = violations(checked)
    inputs = assessment_inputs(checked, params.materiality_amount_sek, params.materiality_share)
    return DecisionLevelResult(
        checked,
        found,
        too_low(found),
        reason_counts(checked),
        coverage(checked, params.rules),
        inputs,
        params.period,
        years,
        list(params.rules),
        year,
    )


def results(res: DecisionLevelResult) -> dict[str, Any]:
    """The figures the results JSON records (the violations without the check's flags)."""
    return {
        "violations": res.violations[RECORDED_COLUMNS],
        "n_violations": len(res.violations),
        "reason_counts": res.counts,
        "coverage": res.coverage,
        "period": res.period,
        "years": res.years,
        "rules": [r.model_dump() for r in res.rules],
        "assessment_inputs": res.inputs,
    }

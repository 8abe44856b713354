"""What the page of question 4 shows: the model's coverage, the register against the
recomputation, savings by type, the market method's bias, the totals under each baseline, the
range and the sensitivity table. (The real bid-level data are shown by the method-validation
run: ``report/pages/method_validation.py``.) The parts on the money (market bias, baselines, the
range) are in ``q4_savings_totals``, importable from here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ...questions.q4_savings_model import MISMATCH, Q4Result, register_rule
from .. import display as d
from ..figures import q4_savings_model as fig4
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, region_name
from .q4_savings_totals import baselines, bids_data, bids_labels, interval, market_bias

__all__ = [
    "INPUTS",
    "Q",
    "RULE",
    "baselines",
    "bids_data",
    "bids_labels",
    "board_rows",
    "coverage",
    "findings_table",
    "interval",
    "intro",
    "market_bias",
    "min_bids_rule",
    "reconciliation",
    "saving_types",
    "sensitivity",
]

# the criteria's inputs: shares and the coverage figures as percent with one decimal
INPUTS = InputFormat(percent_prefixes=("savings_coverage",), percent_decimals=1)

Q = "q4_savings_model"

RULE = f"{Q}.market_min_bids"  # the board's rule a register entry (evidence ``rules``) may document


def min_bids_rule(res: Q4Result, rules: Mapping[str, Any] | None) -> tuple[Any, str | None, Any]:
    """The market-price method's minimum number of approved bids as the page states the
    board's rule: ``(rule, source, what_if)``. The rule and its source come from the evidence
    register's ``rules`` where it documents one (never from the analyst's parameter); else the
    parameter stands for the rule (source None). ``what_if`` is the parameter's value where it
    differs from the documented rule (this run is then a what-if), else None."""
    documented = (rules or {}).get(RULE)
    param = res.params.market_min_bids
    if documented is None:
        return param, None, None
    return documented.value, documented.source, (param if param != documented.value else None)


def _rule_text(res: Q4Result, t: Texts, rules: Mapping[str, Any] | None) -> str:
    rule, source, what_if = min_bids_rule(res, rules)
    text = t(f"{Q}.intro", min_bids=rule)
    if source is not None:
        text += " " + t(f"{Q}.rule_source", source=source)
    if what_if is not None:
        text += " " + t(f"{Q}.rule_what_if", value=what_if, rule=rule)
    return text


def intro(res: Q4Result, t: Texts, f: Formatter, rules: Mapping[str, Any] | None = None) -> list[d.Html]:
    """What the question is (the market-price method's rule as the board documents it in the
    evidence register's ``rules``, and this run's own value where it is a what-if), and the
    year's key figures."""
    cov, lists, iv, tot = res.coverage, res.lists, res.interval, res.totals_dict()
    return [
        d.paragraph(_rule_text(res, t, rules)),
        d.callout(t("common.enabled_not_realised"), "caution"),
        d.key_figures(
            [
                (t(f"{Q}.kf_reported", year=res.audit_year), f.mnkr(tot["reported"])),
                (t(f"{Q}.kf_recomputed"), f.mnkr(tot["recomputed"])),
                (t(f"{Q}.kf_range"), t(f"{Q}.range_value", low=f.mnkr(iv["low"]), high=f.mnkr(iv["high"]))),
                (t(f"{Q}.kf_coverage_count"), f.percent(cov["coverage_count"])),
                (t(f"{Q}.kf_coverage_value"), f.percent(cov["coverage_value"])),
                (
                    t(f"{Q}.kf_findings"),
                    f"{f.count(len(lists['invalid_applications']))} / {f.count(len(lists['mismatches']))}",
                ),
            ]
        ),
    ]


def coverage(res: Q4Result, t: Texts, f: Formatter, params: Any, language: str) -> list[d.Html]:
    """Coverage by year (figure), by category and by region, and why methods could not be
    computed. ``params``: the run's parameters (for the regions' names)."""
    cov, year = res.coverage, res.audit_year
    cols = {
        "n_procurements": t(f"{Q}.col_n"),
        "n_computable": t(f"{Q}.col_n_computable"),
        "coverage_count": t(f"{Q}.col_coverage_count"),
        "value_sek": t(f"{Q}.col_value"),
        "coverage_value": t(f"{Q}.col_coverage_value"),
    }
    fmt: dict[str, Callable[[Any], str]] = {
        "n_procurements": f.count,
        "n_computable": f.count,
        "coverage_count": f.percent,
        "value_sek": f.mnkr,
        "coverage_value": f.percent,
    }
    by_region = cov["by_region"].assign(
        region_name=cov["by_region"]["region"].map(lambda r: region_name(r, params, language))
    )
    return [
        d.heading(t(f"{Q}.coverage_heading")),
        d.paragraph(t(f"{Q}.coverage_intro")),
        d.paragraph(
            t(
                f"{Q}.coverage_sentence",
                year=year,
                n_computable=f.count(cov["n_computable"]),
                n=f.count(cov["n_procurements"]),
                count=f.percent(cov["coverage_count"]),
                not_computed=f.count(res.n_not_computable),
                value=f.percent(cov["coverage_value"]),
            )
        ),
        _coverage_figure(res, t, f),
        d.heading(t(f"{Q}.by_category_heading", year=year), 3),
        d.table(cov["by_category"], {"category": t("common.category"), **cols}, fmt),
        d.heading(t(f"{Q}.by_region_heading", year=year), 3),
        d.table(by_region, {"region_name": t("common.region"), **cols}, fmt),
        d.paragraph(t(f"{Q}.by_region_note")),
        *_reasons(res, t, f),
    ]


def _coverage_figure(res: Q4Result, t: Texts, f: Formatter) -> d.Html:
    """The figure of coverage by year, with its numbers."""
    cov = res.coverage
    fig = fig4.coverage_by_year(
        cov["by_year"],
        res.audit_year,
        {"count": t(f"{Q}.legend_count"), "value": t(f"{Q}.legend_value"), "ylabel": t(f"{Q}.axis_coverage")},
    )
    return d.figure(
        fig,
        t(f"{Q}.coverage_figure_caption"),
        key="q4-fig-coverage",
        data=d.FigureData(
            cov["by_year"].assign(year_s=lambda x: x["year"].map(lambda y: str(int(y)))),
            {
                "year_s": t("common.year"),
                "coverage_count": t(f"{Q}.legend_count"),
                "coverage_value": t(f"{Q}.legend_value"),
            },
            {"coverage_count": f.percent, "coverage_value": f.percent},
        ),
    )


def _reasons(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    reasons = res.reasons.assign(
        method_label=res.reasons["method"].map(lambda m: t(f"{Q}.method.{m}")),
        status_label=res.reasons["reason"].map(lambda r: t(f"{Q}.reason.{r}") if r else t(f"{Q}.status_computed")),
    )
    return [
        d.heading(t(f"{Q}.reasons_heading", year=res.audit_year), 3),
        d.paragraph(t(f"{Q}.reasons_intro")),
        d.table(
            reasons,
            {
                "method_label": t(f"{Q}.col_method"),
                "status_label": t(f"{Q}.col_status"),
                "n": t(f"{Q}.col_n"),
                "share": t(f"{Q}.col_share_of_year"),
            },
            {"n": f.count, "share": f.percent},
        ),
    ]


def findings_table(findings: pd.DataFrame, t: Texts, f: Formatter) -> d.Html:
    """Findings, one row each: procurement, title, kind, reported and recomputed saving."""
    shown = findings.assign(finding_label=findings["finding"].map(lambda k: t(f"{Q}.finding.{k}")))
    return d.table(
        shown,
        {
            "procurement_id": t("common.procurement"),
            "title": t("common.title"),
            "finding_label": t(f"{Q}.col_finding"),
            "reported_sek": t(f"{Q}.col_reported"),
            "recomputed_sek": t(f"{Q}.col_recomputed"),
            "difference_sek": t(f"{Q}.col_difference"),
            "n_approved": t(f"{Q}.col_approved"),
            "n_unapproved": t(f"{Q}.col_unapproved"),
        },
        {
            "reported_sek": f.sek,
            "recomputed_sek": f.sek,
            "difference_sek": f.sek,
            "n_approved": f.count,
            "n_unapproved": f.count,
        },
    )


def reconciliation(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The register against the recomputation: the counts (this year and earlier years), then
    the year's invalid applications and mismatches."""
    p, year, lists, yf = res.params, res.audit_year, res.lists, res.year_findings
    parts = [
        d.heading(t(f"{Q}.reconcile_heading")),
        d.paragraph(t(f"{Q}.reconcile_intro", tol_sek=f.sek(p.tolerance_sek), tol_pct=f.percent(p.tolerance_pct, 1))),
        d.paragraph(
            t(
                f"{Q}.findings_summary",
                year=year,
                n_invalid=f.count(len(lists["invalid_applications"])),
                n_mismatch=f.count(len(lists["mismatches"])),
                n_invalid_before=f.count(res.earlier["invalid"]),
                n_mismatch_before=f.count(res.earlier["mismatch"]),
            )
        ),
    ]
    for key, rows in (
        ("invalid_heading", yf[yf["finding"] != MISMATCH]),
        ("mismatch_heading", yf[yf["finding"] == MISMATCH]),
    ):
        parts.append(d.heading(t(f"{Q}.{key}", year=year), 3))
        parts.append(findings_table(rows, t, f) if len(rows) else d.callout(t(f"{Q}.none_found", year=year), "info"))
    return parts


def saving_types(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The year by method, with a subtotal per saving type and their sum kept apart."""
    bm = res.by_method

    def label(m: str, k: str) -> str:
        if m:
            return t(f"{Q}.method.{m}")
        return t(f"{Q}.sum_both") if k == "both" else t(f"{Q}.subtotal", kind=t(f"{Q}.saving_type.{k}"))

    shown = bm.assign(
        label=[label(m, k) for m, k in zip(bm["method"], bm["saving_type"])],
        kind=[t(f"{Q}.saving_type.{k}") if k != "both" else "" for k in bm["saving_type"]],
    )
    return [
        d.heading(t(f"{Q}.types_heading")),
        d.paragraph(t(f"{Q}.types_intro")),
        d.table(
            shown,
            {
                "label": t(f"{Q}.col_method"),
                "kind": t(f"{Q}.col_saving_type"),
                "n_applied": t(f"{Q}.col_n_applied"),
                "n_computed": t(f"{Q}.col_n_computed"),
                "reported_sek": t(f"{Q}.col_reported"),
                "recomputed_sek": t(f"{Q}.col_recomputed"),
            },
            {"n_applied": f.count, "n_computed": f.count, "reported_sek": f.mnkr, "recomputed_sek": f.mnkr},
        ),
        d.callout(t(f"{Q}.types_sum_note"), "caution"),
    ]


def board_rows(res: Q4Result, rules: Mapping[str, Any] | None) -> pd.Series:
    """The rows of the sensitivity table under the board's rule: its minimum number of bids as
    the register documents it (``min_bids_rule``), at the run's tolerance."""
    return register_rule(res.sensitivity, min_bids_rule(res, rules)[0], res.params.tolerance_pct)


def sensitivity(res: Q4Result, t: Texts, f: Formatter, rules: Mapping[str, Any] | None = None) -> list[d.Html]:
    """Coverage, total and findings under each minimum number of bids and tolerance; the rows
    under the board's rule marked (``board_rows``)."""
    sens = res.sensitivity.assign(rule=board_rows(res, rules).map(lambda b: t("common.yes") if b else ""))
    return [
        d.heading(t(f"{Q}.sensitivity_heading")),
        d.paragraph(t(f"{Q}.sensitivity_intro", tol_sek=f.sek(res.params.tolerance_sek))),
        d.table(
            sens,
            {
                "min_bids": t(f"{Q}.col_min_bids"),
                "tolerance_pct": t(f"{Q}.col_tolerance"),
                "coverage_count": t(f"{Q}.col_coverage_count"),
                "coverage_value": t(f"{Q}.col_coverage_value"),
                "recomputed_sek": t(f"{Q}.col_recomputed"),
                "n_invalid": t(f"{Q}.col_n_invalid"),
                "n_mismatch": t(f"{Q}.col_n_mismatch"),
                "rule": t(f"{Q}.col_register_rule"),
            },
            {
                "min_bids": f.count,
                "tolerance_pct": lambda x: f.percent(x, 1),
                "coverage_count": f.percent,
                "coverage_value": f.percent,
                "recomputed_sek": f.mnkr,
                "n_invalid": f.count,
                "n_mismatch": f.count,
            },
        ),
    ]

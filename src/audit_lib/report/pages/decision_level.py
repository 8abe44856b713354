"""What the page of the decision-level check shows: the delegation rules, the breaches found
(each decided too low in a sentence, all in a table), their materiality, and the figure of
estimated values against the rules' thresholds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ...params import DecisionLevelParams
from ...questions.decision_level import DecisionLevelResult, normalise_body, rules_for, rules_in_order
from .. import display as d
from ..figures.decision_level import values_against_thresholds
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, label, region_name, yes_no

# the criteria's inputs: shares (by count and by value) as percent with one decimal, every other figure as a count
INPUTS = InputFormat(percent_suffixes=("_share", "_share_value"), percent_decimals=1, count_suffixes=("",))


def body(name: Any, t: Texts) -> str:
    """A decision body's name from the catalog (the name as recorded when it has none);
    "missing" for None."""
    if name is None:
        return t("decision_level.missing")
    return label(t, [f"decision_level.body.{normalise_body(name)}"], name)


def rules(res: DecisionLevelResult, t: Texts, f: Formatter, p: DecisionLevelParams, params: Any) -> list[d.Html]:
    """The ranking of bodies and the delegation rules by region (a warning when there are none,
    or when regions in the data have none). ``params``: the run's parameters (region names)."""
    parts = [
        d.heading(t("decision_level.rules_heading")),
        d.paragraph(t("decision_level.rules_intro", ranking=", ".join(body(b, t) for b in p.bodies_rank))),
    ]
    if not res.rules:
        return parts + [d.callout(t("decision_level.no_rules"), "warning")]
    shown = pd.DataFrame(
        [
            dict(
                region=region_name(r.region, params, t.language),
                from_value=r.from_value_sek,
                body=body(r.body, t),
                source=r.source,
            )
            for r in rules_in_order(res.rules)
        ]
    )
    parts.append(
        d.table(
            shown,
            {
                "region": t("common.region"),
                "from_value": t("decision_level.col_from_value"),
                "body": t("decision_level.col_body"),
                "source": t("decision_level.col_source"),
            },
            formats={"from_value": f.mnkr},
        )
    )
    without = res.coverage["regions_without_rules"]
    if without:
        parts.append(d.callout(t("decision_level.regions_without_rules", regions=", ".join(without)), "warning"))
    return parts


def _key_figures(res: DecisionLevelResult, t: Texts, f: Formatter, p: DecisionLevelParams) -> d.Html:
    counts = res.counts
    return d.key_figures(
        [
            (t("decision_level.kf_checked"), f.count(res.coverage["n_rows"])),
            (t("decision_level.kf_level"), f.count(counts["level_too_low"])),
            (t("decision_level.kf_unknown"), f.count(counts["unknown_body"] + counts["missing_body"])),
            (t("decision_level.kf_reference"), f.count(counts["missing_reference"]) if p.require_reference else "–"),
        ]
    )


def _level_sentences(res: DecisionLevelResult, t: Texts, f: Formatter, params: Any) -> list[d.Html]:
    return [
        d.callout(
            t(
                "decision_level.level_sentence",
                procurement=r.procurement_id,
                title=r.title,
                region=region_name(str(r.region), params, t.language),
                value=f.mnkr(r.estimated_value_sek),
                required=body(r.required_body, t),
                threshold=f.mnkr(r.rule_from_value_sek),
                recorded=body(r.recorded_body, t),
            ),
            "warning",
        )
        for r in res.too_low.itertuples()
    ]


def _rule_text(required_body: Any, from_value: Any, t: Texts, f: Formatter) -> str:
    if required_body is None:
        return t("decision_level.no_rule")
    return t("decision_level.rule_text", threshold=f.mnkr(from_value), body=body(required_body, t))


def _violations_table(res: DecisionLevelResult, t: Texts, f: Formatter, params: Any) -> list[d.Html]:
    v = res.violations
    shown = v.assign(
        region_name=v["region"].map(lambda c: region_name(c, params, t.language)),
        required=[_rule_text(b, x, t, f) for b, x in zip(v["required_body"], v["rule_from_value_sek"])],
        recorded=v["recorded_body"].map(lambda b: body(b, t)),
        reasons_s=v["reasons"].map(lambda rs: ", ".join(t(f"decision_level.reason.{x}") for x in rs)),
    )
    return [
        d.heading(t("decision_level.list_heading"), 3),
        d.table(
            shown,
            {
                "procurement_id": t("common.procurement"),
                "title": t("common.title"),
                "region_name": t("common.region"),
                "estimated_value_sek": t("decision_level.col_value"),
                "required": t("decision_level.col_required"),
                "recorded": t("decision_level.col_recorded"),
                "reasons_s": t("decision_level.col_reasons"),
            },
            formats={"estimated_value_sek": f.mnkr},
        ),
    ]


def findings(res: DecisionLevelResult, t: Texts, f: Formatter, p: DecisionLevelParams, params: Any) -> list[d.Html]:
    """The period checked, the key figures, each decision taken too low, the breaches'
    materiality, unknown bodies, and the table of violations."""
    inputs, years = res.inputs, res.years
    parts = [
        d.heading(t("decision_level.findings_heading")),
        d.paragraph(
            t("decision_level.period_audit_year", year=res.audit_year)
            if res.period == "audit_year"
            else t("decision_level.period_all_years", first=years[0], last=years[-1])
        ),
        _key_figures(res, t, f, p),
        *_level_sentences(res, t, f, params),
    ]
    if inputs["level_violations"] is not None:
        parts.append(
            d.paragraph(
                t(
                    "decision_level.materiality",
                    share_value=f.percent(inputs["violation_share_value"] or 0.0, 1),
                    share_count=f.percent(inputs["level_violation_share"], 1),
                    amount=f.mnkr(p.materiality_amount_sek),
                    share=f.percent(p.materiality_share),
                    n=f.count(inputs["material_violations"]),
                )
            )
        )
    if res.coverage["unknown_bodies"]:
        parts.append(
            d.callout(t("decision_level.unknown_bodies", names=", ".join(res.coverage["unknown_bodies"])), "warning")
        )
    if not len(res.checked):
        return parts + [d.callout(t("decision_level.no_rows"), "warning")]
    if not len(res.violations):
        return parts + [d.paragraph(t("decision_level.none_found"))]
    return parts + _violations_table(res, t, f, params)


def _tick(f: Formatter) -> Callable[[float], str]:
    """The value axis's tick labels: whole numbers from 1 up, two decimals below."""
    return lambda v: f.number(v, 0 if v >= 1 else 2)


def figure(res: DecisionLevelResult, t: Texts, f: Formatter) -> list[d.Html]:
    """Estimated values against the rules' thresholds, one panel per region (nothing when no
    row was checked)."""
    if not len(res.checked):
        return []
    thresholds = {
        r: [(x.from_value_sek, body(x.body, t)) for x in rules_for(res.rules, r)]
        for r in sorted({x.region for x in res.rules})
    }
    fig = values_against_thresholds(
        res.checked,
        thresholds,
        {k: t(f"decision_level.legend_{k}") for k in ("ok", "violation")},
        t("decision_level.value_axis"),
        tick_format=_tick(f),
    )
    checked = res.checked.sort_values(["region", "procurement_id"])
    data = d.FigureData(
        checked.assign(violation_s=checked["violation"].map(lambda b: yes_no(bool(b), t))),
        {
            "region": t("common.region"),
            "procurement_id": t("common.procurement"),
            "estimated_value_sek": t("decision_level.col_value"),
            "violation_s": t("decision_level.legend_violation"),
        },
        {"estimated_value_sek": f.mnkr},
    )
    return [d.figure(fig, t("decision_level.figure_caption"), key="dl-fig1", data=data)]

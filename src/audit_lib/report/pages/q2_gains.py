"""What the page of question 2 shows: the audit year's enabled savings against the cost of
coordinating, the figures by year with their coverage, the savings rates of coordinated and
single-region procurements, and the good and poor examples with the lessons documented."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...params import Q2Params
from ...questions.q2_gains import Q2Result
from .. import display as d
from ..figures.q2_gains import effort_per_procurement, gains_vs_cost
from ..fmt import MISSING, Formatter
from ..texts import Texts
from ..values import InputFormat, yes_no

# the criteria's inputs: coverages and shares as percent, numbers of examples as counts
INPUTS = InputFormat(percent_suffixes=("_coverage", "_share"), count_suffixes=("_examples",))

EXAMPLE_FLAGS = ("external_consultant", "high_effort")


def money_range(value: Any, low: Any, high: Any, t: Texts, f: Formatter, decimals: int = 1) -> str:
    """An amount in mnkr with its interval ("1,2 mnkr (0,8–1,6 mnkr)")."""
    return t(
        "q2_gains.kf_range",
        value=f.mnkr(value, decimals),
        low=f.number(low / 1e6, decimals),
        high=f.mnkr(high, decimals),
    )


def of(k: Any, n: Any, t: Texts, f: Formatter) -> str:
    """ "k of n (share)": how many of the coordinated procurements have a figure."""
    return t("q2_gains.kf_of", k=f.count(k), n=f.count(n), share=f.percent(k / n if n else float("nan")))


def millions(x: Any, f: Formatter, decimals: int = 1) -> str:
    """An amount in millions, without the unit (the table's caption names it)."""
    return f.number(x / 1e6, decimals)


def intro(t: Texts, f: Formatter, params: Q2Params) -> list[d.Html]:
    return [
        d.paragraph(
            t(
                "q2_gains.intro",
                hourly=f.sek(params.hourly_cost_sek),
                per_procurement=f.sek(params.cost_per_procurement_sek),
            )
        )
    ]


def net_label(res: Q2Result, t: Texts) -> str:
    """The net's label: after the estimated cost (as the text states it), and, where question
    4 cannot confirm all the enabled savings it rests on, saying so."""
    unconfirmed = res.basis is not None and not res.basis["reliable"]
    return t("q2_gains.kf_net_unconfirmed" if unconfirmed else "q2_gains.kf_net_est")


def admin_range_sentence(res: Q2Result, t: Texts, f: Formatter) -> str:
    """The administrative gain rests on an assumed cost per procedure: it, and its net, over
    the plausible range of that cost (``cost_per_procurement_factors``)."""
    r = res.admin_range
    return t(
        "q2_gains.admin_range_sentence",
        cost=f.sek(r["cost_per_procurement_sek"]),
        cost_low=f.sek(r["cost_low_sek"]),
        cost_high=f.sek(r["cost_high_sek"]),
        low=f.mnkr(r["admin_gain_low_sek"]),
        high=f.mnkr(r["admin_gain_high_sek"]),
        net_low=f.mnkr(r["admin_net_est_low_sek"]),
        net_high=f.mnkr(r["admin_net_est_high_sek"]),
    )


def basis_note(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """Where question 4's recomputation cannot confirm every enabled saving the net rests on:
    how much it cannot confirm."""
    b = res.basis
    if b is None or b["reliable"]:
        return []
    return [
        d.callout(
            t(
                "q2_gains.basis_unconfirmed",
                n=f.count(b["n_saving"] - b["n_confirmed"]),
                n_saving=f.count(b["n_saving"]),
                unconfirmed=f.sek(b["unconfirmed_sek"]),
                enabled=f.mnkr(b["enabled_sek"]),
                share=f.percent(b["unconfirmed_share"], 1),
            ),
            "warning",
        )
    ]


def _boxes(res: Q2Result, t: Texts, f: Formatter) -> d.Html:
    """The audit year's key-figure boxes: enabled savings, the cost (recorded and estimated), the
    net, the administrative gain and the effort's coverage."""
    row, year, effort = res.row, res.audit_year, res.has_effort
    return d.key_figures(
        [
            (t("q2_gains.kf_enabled", year=year), f.mnkr(row["enabled_savings_sek"])),
            (t("q2_gains.kf_cost", year=year), f.mnkr(row["coordination_cost_sek"], 2) if effort else MISSING),
            (
                t("q2_gains.kf_cost_est"),
                money_range(
                    row["coordination_cost_est_sek"],
                    row["coordination_cost_est_low"],
                    row["coordination_cost_est_high"],
                    t,
                    f,
                    2,
                ),
            ),
            (
                net_label(res, t),
                money_range(row["net_est_sek"], row["net_est_low"], row["net_est_high"], t, f) if effort else MISSING,
            ),
            (
                t(
                    "q2_gains.kf_admin_assumed",
                    cost=f.sek(res.params.cost_per_procurement_sek),
                    cost_low=f.sek(res.admin_range["cost_low_sek"]),
                    cost_high=f.sek(res.admin_range["cost_high_sek"]),
                ),
                money_range(
                    row["admin_gain_sek"],
                    res.admin_range["admin_gain_low_sek"],
                    res.admin_range["admin_gain_high_sek"],
                    t,
                    f,
                ),
            ),
            (t("q2_gains.kf_coverage"), of(row["n_effort"], row["n_coordinated"], t, f)),
        ]
    )


def _sentences(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The audit year's gains and costs, and its administrative gain, in sentences."""
    row, year = res.row, res.audit_year
    return [
        d.paragraph(
            t(
                "q2_gains.summary_sentence",
                year=year,
                n=f.count(row["n_coordinated"]),
                n_saving=f.count(row["n_saving"]),
                saving_share=f.percent(row["saving_coverage"]),
                enabled=f.mnkr(row["enabled_savings_sek"]),
                n_effort=f.count(row["n_effort"]),
                effort_share=f.percent(row["effort_coverage"]),
                hours=f.count(row["hours"]),
                cost=f.mnkr(row["coordination_cost_sek"], 2),
                cost_est=f.mnkr(row["coordination_cost_est_sek"], 2),
                cost_low=f.mnkr(row["coordination_cost_est_low"], 2),
                cost_high=f.mnkr(row["coordination_cost_est_high"], 2),
                net_est=f.mnkr(row["net_est_sek"]),
                net_low=f.mnkr(row["net_est_low"]),
                net_high=f.mnkr(row["net_est_high"]),
            )
        ),
        d.paragraph(
            t(
                "q2_gains.admin_sentence",
                admin=f.mnkr(row["admin_gain_sek"]),
                n=f.count(row["n_coordinated"]),
                admin_net=f.mnkr(row["admin_net_sek"]),
                admin_net_est=f.mnkr(row["admin_net_est_sek"]),
            )
        ),
    ]


def key_figures(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The audit year's key figures and sentences on gains, costs and the administrative gain."""
    row, year, effort = res.row, res.audit_year, res.has_effort
    parts = [] if effort else [d.callout(t("q2_gains.no_effort"), "warning")]
    if not row:
        parts.append(d.callout(t("q2_gains.no_coordinated", year=year), "warning"))
    else:
        parts += [_boxes(res, t, f), *_sentences(res, t, f)]
        parts.append(d.paragraph(admin_range_sentence(res, t, f)))
        parts += basis_note(res, t, f)
    return parts + [
        d.callout(t("common.enabled_not_realised"), "caution"),
        d.callout(t("q2_gains.net_caution"), "caution"),
    ]


def _money_table(summary: pd.DataFrame, t: Texts, f: Formatter) -> d.Html:
    data = _money_data(summary, t, f)
    return d.table(
        data.frame,
        data.columns,
        data.formats,
        numeric=data.numeric,
        caption=t("q2_gains.table_caption", unit=t("q2_gains.money_axis")),
    )


def _money_data(summary: pd.DataFrame, t: Texts, f: Formatter) -> d.FigureData:
    """Gains and costs per year in mnkr: the table on the page and the figure's numbers."""

    def m(x: Any) -> str:
        return millions(x, f)

    shown = summary.assign(
        cost_est=[
            f"{millions(v, f, 2)} ({millions(lo, f, 2)}–{millions(hi, f, 2)})"
            for v, lo, hi in zip(
                summary["coordination_cost_est_sek"],
                summary["coordination_cost_est_low"],
                summary["coordination_cost_est_high"],
            )
        ]
    )
    return d.FigureData(
        shown,
        {
            "year": t("common.year"),
            "enabled_savings_sek": t("q2_gains.col_enabled"),
            "admin_gain_sek": t("q2_gains.col_admin"),
            "coordination_cost_sek": t("q2_gains.col_cost"),
            "cost_est": t("q2_gains.col_cost_est"),
            "net_sek": t("q2_gains.col_net"),
        },
        {
            "enabled_savings_sek": m,
            "coordination_cost_sek": lambda x: millions(x, f, 2),
            "admin_gain_sek": m,
            "net_sek": m,
        },
        ("cost_est",),
    )


def _coverage_table(summary: pd.DataFrame, t: Texts, f: Formatter) -> d.Html:
    coverage = summary.assign(
        saving_cov=[of(k, n, t, f) for k, n in zip(summary["n_saving"], summary["n_coordinated"])],
        effort_cov=[of(k, n, t, f) for k, n in zip(summary["n_effort"], summary["n_coordinated"])],
    )
    return d.table(
        coverage,
        {
            "year": t("common.year"),
            "n_coordinated": t("q2_gains.col_n"),
            "saving_cov": t("q2_gains.col_saving_coverage"),
            "effort_cov": t("q2_gains.col_effort_coverage"),
            "hours": t("q2_gains.col_hours"),
        },
        formats={"n_coordinated": f.count, "hours": f.count},
        numeric=["saving_cov", "effort_cov"],
    )


def by_year(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """Gains against costs per year (figure and table in mnkr) and the coverage of the data."""
    summary, row = res.summary, res.row
    parts = [d.heading(t("q2_gains.by_year_heading"))]
    if len(summary):
        legend = {k: t(f"q2_gains.legend_{k}") for k in ("enabled", "admin", "cost_recorded", "cost_estimated")}
        parts += [
            d.figure(
                gains_vs_cost(summary, legend, t("q2_gains.money_axis")),
                t("q2_gains.by_year_caption"),
                key="q2-fig1",
                data=_money_data(summary, t, f),
            ),
            _money_table(summary, t, f),
        ]
    if row:
        parts += [
            d.heading(t("q2_gains.coverage_heading"), 3),
            d.paragraph(
                t(
                    "q2_gains.coverage_sentence",
                    year=res.audit_year,
                    n_effort=f.count(row["n_effort"]),
                    n=f.count(row["n_coordinated"]),
                    share=f.percent(row["effort_coverage"]),
                    low=f.percent(row["effort_coverage_low"]),
                    high=f.percent(row["effort_coverage_high"]),
                )
            ),
        ]
    if len(summary):
        parts.append(_coverage_table(summary, t, f))
    return parts


def savings_rate(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The savings rate of coordinated against single-region procurements, over all years and
    in the audit year, with the interval of the difference (associational)."""
    first_last = t("q2_gains.years_all", first=res.all_years[0], last=res.all_years[-1]) if res.all_years else ""
    parts = [d.heading(t("q2_gains.rate_heading"))]
    for rate, years in ((res.rate_all, first_last), (res.rate_year, t("q2_gains.years_one", year=res.audit_year))):
        parts.append(
            d.paragraph(
                t(
                    "q2_gains.rate_sentence",
                    years=years,
                    rate_c=f.percent(rate["rate_coordinated"], 1),
                    n_c=f.count(rate["n_coordinated"]),
                    rate_s=f.percent(rate["rate_single"], 1),
                    n_s=f.count(rate["n_single"]),
                    diff=f.percent_points(rate["difference"], 1),
                    low=f.number(100 * rate["difference_low"], 1),
                    high=f.percent_points(rate["difference_high"], 1),
                )
            )
        )
    lo, hi = res.rate_all["difference_low"], res.rate_all["difference_high"]
    if lo == lo and hi == hi:
        parts.append(
            d.callout(t("q2_gains.rate_no_difference") if lo <= 0 <= hi else t("q2_gains.rate_difference"), "info")
        )
    return parts + [d.callout(t("common.associational"), "caution"), d.paragraph(t("q2_gains.rate_vs_causality"))]


def flags(r: Any, t: Texts) -> str:
    """The example's flags in words ("external consultant, high effort")."""
    return ", ".join(t(f"q2_gains.flag_{k}") for k in EXAMPLE_FLAGS if r[k])


def _example_tables(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    examples = res.examples
    ex = examples.assign(
        flags=[flags(r, t) for _, r in examples.iterrows()],
        lessons=examples["lessons_documented"].map(lambda b: yes_no(b, t)),
    )
    cols = {
        "procurement_id": t("common.procurement"),
        "year": t("common.year"),
        "title": t("common.title"),
        "category": t("common.category"),
        "flags": t("q2_gains.col_flags"),
        "hours": t("q2_gains.col_hours"),
        "lessons": t("q2_gains.col_lessons"),
    }
    parts = []
    for kind in ("poor", "good"):
        part = ex[ex["kind"] == kind]
        shown = {k: v for k, v in cols.items() if kind == "poor" or k not in ("flags", "lessons")}
        parts += [
            d.heading(t(f"q2_gains.{kind}_heading"), 3),
            d.table(part, shown, formats={"hours": lambda x: f.number(x, 1)}, max_rows=None if kind == "poor" else 12)
            if len(part)
            else d.paragraph(t("q2_gains.none_found")),
        ]
    return parts


def examples(res: Q2Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The poor and good examples of the example years, the effort per procurement against the
    high-effort threshold, and the lessons documented."""
    years, learning, gains, p = res.example_years, res.learning, res.gains, res.params
    parts = [
        d.heading(t("q2_gains.examples_heading", first=years[0], last=years[-1])),
        d.paragraph(
            t("q2_gains.examples_intro", factor=f.number(p.high_effort_factor, 1), threshold=f.count(res.threshold))
        ),
    ]
    parts += _example_tables(res, t, f)
    if gains["effort_recorded"].any():
        poor = res.examples.loc[res.examples["kind"] == "poor", "procurement_id"].tolist()
        legend = {k: t(f"q2_gains.legend_{k}") for k in ("procurement", "threshold")}
        parts.append(
            d.figure(
                effort_per_procurement(gains, res.threshold, poor, legend, t("q2_gains.hours_axis")),
                t("q2_gains.effort_caption"),
                key="q2-fig2",
                data=d.FigureData(
                    gains[gains["effort_recorded"]].sort_values(["year", "procurement_id"]),
                    {
                        "year": t("common.year"),
                        "procurement_id": t("common.procurement"),
                        "hours": t("q2_gains.col_hours"),
                    },
                    {"hours": f.count},
                ),
            )
        )
    parts.append(
        d.paragraph(
            t(
                "q2_gains.learning_sentence",
                k=f.count(learning["lessons_documented"]),
                n=f.count(learning["n_coordinated"]),
                first=years[0],
                last=years[-1],
                share=f.percent(learning["lessons_share"]),
                low=f.percent(learning["lessons_share_low"]),
                high=f.percent(learning["lessons_share_high"]),
                poor_with=f.count(learning["poor_with_lessons"]),
                poor=f.count(learning["n_poor"]),
            )
        )
    )
    return parts

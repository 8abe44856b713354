"""What the page of question 1 shows: the audit year's coordinated share against the target, the
funnel from plan to coordination, the shares by year, category and region, and the planned
procurements that were not coordinated with their reasons."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.q1_process import FUNNEL_STAGES, Q1Result
from .. import display as d
from ..figures.q1_process import FUNNEL_SHOWN, funnel_chart, share_by_group, share_by_year
from ..fmt import MISSING, Formatter
from ..texts import Texts
from ..values import InputFormat, region_name

# the criteria's inputs: shares (and the coordinated share itself) as percent, else two decimals
INPUTS = InputFormat(percent_names=("coordinated_share_count",))

SHARE_FORMATS = ("n", "coordinated", "planned", "planned_not_coordinated")  # shown as counts


def interval(value: Any, low: Any, high: Any, t: Texts, f: Formatter) -> str:
    """A share with its interval ("41,2 % (30–52 %)"); the share alone when the interval is missing."""
    if value is None or value != value or low is None or high is None:
        return f.percent(value, 1)
    return t("q1_process.kf_interval", value=f.percent(value, 1), low=f.number(100 * low), high=f.percent(high))


def _target_value(res: Q1Result) -> Any:
    return res.target.get("target") if res.target else None


def _stage_counts(res: Q1Result) -> pd.Series:
    return res.funnel.set_index("stage")["count"]


def intro(t: Texts) -> list[d.Html]:
    return [d.paragraph(t("q1_process.intro"))]


def _boxes(res: Q1Result, t: Texts, f: Formatter) -> d.Html:
    """The key-figure boxes: the audit year's shares (count and value), the target, the planned
    but not coordinated procurements and those without a documented reason."""
    ys, target, year, tgt, fn = res.year_share, res.target, res.audit_year, _target_value(res), _stage_counts(res)
    return d.key_figures(
        [
            (
                t("q1_process.kf_share_count", year=year),
                interval(ys.get("share"), ys.get("share_low"), ys.get("share_high"), t, f),
            ),
            (
                t("q1_process.kf_share_value", year=year),
                interval(ys.get("share_value"), ys.get("share_value_low"), ys.get("share_value_high"), t, f),
            ),
            (
                t("q1_process.kf_target", period=t(f"period.{target['period']}") if target else MISSING),
                f.percent(tgt),
            ),
            (t("q1_process.kf_pnc"), f.count(fn["planned_not_coordinated"])),
            (t("q1_process.kf_undocumented"), f.count(fn["reason_missing"])),
        ]
    )


def _share_sentence(res: Q1Result, t: Texts, f: Formatter) -> d.Html:
    """The audit year's share in a sentence, or a warning when it has no procurements."""
    ys, year, tgt = res.year_share, res.audit_year, _target_value(res)
    if not ys:
        return d.callout(t("q1_process.no_procurements", year=year), "warning")
    return d.paragraph(
        t(
            "q1_process.share_sentence",
            year=year,
            n=f.count(ys["n"]),
            k=f.count(ys["coordinated"]),
            share=f.percent(ys["share"], 1),
            low=f.percent(ys["share_low"], 1),
            high=f.percent(ys["share_high"], 1),
            level=f.percent(res.interval_level),
            target=f.percent(tgt),
            share_value=f.percent(ys["share_value"], 1),
            value_low=f.percent(ys["share_value_low"]),
            value_high=f.percent(ys["share_value_high"]),
        )
    )


def _largest(res: Q1Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The largest procurement in a sentence (nothing without one)."""
    largest = res.largest
    if largest:
        status = t("q1_process.status_coordinated") if largest["coordinated"] else t("q1_process.status_single")
        return [
            d.paragraph(
                t(
                    "q1_process.largest_sentence",
                    procurement=largest["procurement_id"],
                    title=largest["title"],
                    value=f.mnkr(largest["value_sek"]),
                    share=f.percent(largest["share_of_total"]),
                    status=status,
                )
            )
        ]
    return []


def key_figures(res: Q1Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The key figures, the audit year's share in a sentence, the largest procurement, the
    board's own outcome and the notes on a missing target and on the intervals."""
    target, year, tgt = res.target, res.audit_year, _target_value(res)
    parts = [_boxes(res, t, f), _share_sentence(res, t, f), *_largest(res, t, f)]
    if target and target["outcome"] == target["outcome"]:
        parts.append(
            d.paragraph(
                t(
                    "q1_process.board_outcome",
                    year=year,
                    period=t(f"period.{target['period']}"),
                    outcome=f.percent(target["outcome"], 1),
                )
            )
        )
    if not target or tgt != tgt:
        parts.append(d.callout(t("q1_process.no_target"), "warning"))
    parts.append(d.callout(t("q1_process.interval_note"), "caution"))
    return parts


def funnel(res: Q1Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The funnel from the plan to coordination: figure, table and a sentence."""
    stage_labels = {s: t(f"q1_process.stage.{s}") for s in FUNNEL_STAGES}
    table, fn = res.funnel, _stage_counts(res)
    return [
        d.heading(t("q1_process.funnel_heading")),
        d.paragraph(t("q1_process.funnel_intro")),
        d.figure(
            funnel_chart(table, stage_labels, t("q1_process.count_axis")),
            t("q1_process.funnel_caption", year=res.audit_year),
            key="q1-fig1",
            data=d.FigureData(
                table[table["stage"].isin(FUNNEL_SHOWN)].assign(stage_label=lambda x: x["stage"].map(stage_labels)),
                {"stage_label": t("q1_process.col_stage"), "count": t("q1_process.col_count")},
                {"count": f.count},
            ),
        ),
        d.table(
            table.assign(stage_label=table["stage"].map(stage_labels)),
            {
                "stage_label": t("q1_process.col_stage"),
                "count": t("q1_process.col_count"),
                "share_of_parent": t("q1_process.col_share_of_parent"),
                "value_sek": t("q1_process.col_value"),
            },
            formats={"count": f.count, "share_of_parent": lambda x: f.percent(x, 1), "value_sek": f.mnkr},
        ),
        d.paragraph(
            t(
                "q1_process.plan_sentence",
                planned=f.count(fn["planned"]),
                coordinated=f.count(fn["planned_coordinated"]),
                share=f.percent(res.inputs["plan_followed_share"], 1),
                missing=f.count(fn["reason_missing"]),
                pnc=f.count(fn["planned_not_coordinated"]),
            )
        ),
    ]


def share_columns(first_col: str, first_label: str, t: Texts) -> dict[str, str]:
    """The columns of a share table, its first column (year, category, region) named."""
    return {
        first_col: first_label,
        "n": t("q1_process.col_n"),
        "coordinated": t("q1_process.col_coordinated"),
        "share_s": t("q1_process.col_share"),
        "share_value_s": t("q1_process.col_share_value"),
        "planned_not_coordinated": t("q1_process.col_pnc"),
    }


def with_intervals(table: pd.DataFrame, t: Texts, f: Formatter) -> pd.DataFrame:
    """A share table with its shares shown with their intervals (``share_s``, ``share_value_s``)."""
    return table.assign(
        share_s=[
            interval(s, lo, hi, t, f) for s, lo, hi in zip(table["share"], table["share_low"], table["share_high"])
        ],
        share_value_s=[
            interval(s, lo, hi, t, f)
            for s, lo, hi in zip(table["share_value"], table["share_value_low"], table["share_value_high"])
        ],
    )


def _share_table(table: pd.DataFrame, first_col: str, first_label: str, t: Texts, f: Formatter) -> d.Html:
    return d.table(
        with_intervals(table, t, f),
        share_columns(first_col, first_label, t),
        formats={k: f.count for k in SHARE_FORMATS},
        numeric=["share_s", "share_value_s"],
    )


def _legend(t: Texts) -> dict[str, str]:
    return {k: t(f"q1_process.legend_{k}") for k in ("count", "value", "target")}


def _year_data(res: Q1Result, t: Texts, f: Formatter) -> d.FigureData:
    """The figure of shares by year as numbers: both shares with their intervals, the target."""
    shown = with_intervals(res.by_year, t, f).assign(
        target_s=lambda x: x["year"].map(lambda y: f.percent(res.targets_by_year.get(y)))
    )
    return d.FigureData(
        shown,
        {
            "year": t("common.year"),
            "share_s": t("q1_process.col_share"),
            "share_value_s": t("q1_process.col_share_value"),
            "target_s": t("q1_process.legend_target"),
        },
        numeric=("share_s", "share_value_s", "target_s"),
    )


def by_year(res: Q1Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The coordinated share per year against the board's targets: figure and table."""
    return [
        d.heading(t("q1_process.by_year_heading")),
        d.figure(
            share_by_year(res.by_year, res.targets_by_year, _legend(t), t("q1_process.percent_axis")),
            t("q1_process.by_year_caption"),
            key="q1-fig2",
            data=_year_data(res, t, f),
        ),
        _share_table(res.by_year, "year", t("common.year"), t, f),
    ]


def by_group(res: Q1Result, t: Texts, f: Formatter, params: Any, language: str) -> list[d.Html]:
    """The audit year's share per category (figure and table) and per region (table; the
    regions' names from the run parameters ``params`` in ``language``)."""
    year, by_category, by_region = res.audit_year, res.by_category, res.by_region
    parts = [d.heading(t("q1_process.by_category_heading", year=year)), d.paragraph(t("q1_process.by_category_intro"))]
    if len(by_category):
        parts.append(
            d.figure(
                share_by_group(by_category, "category", _target_value(res), _legend(t), t("q1_process.percent_axis")),
                t("q1_process.by_category_caption", year=year),
                key="q1-fig3",
                data=d.FigureData(
                    with_intervals(by_category, t, f),
                    {
                        "category": t("common.category"),
                        "n": t("q1_process.col_n"),
                        "share_s": t("q1_process.col_share"),
                    },
                    {"n": f.count},
                    ("share_s",),
                ),
            )
        )
    parts.append(_share_table(by_category, "category", t("common.category"), t, f))
    named = by_region.assign(region_name=by_region["region"].map(lambda c: region_name(c, params, language)))
    parts += [
        d.paragraph(t("q1_process.by_region_intro")),
        _share_table(named, "region_name", t("common.region"), t, f),
    ]
    return parts


def _reason(r: Any, t: Texts) -> Any:
    return t("q1_process.no_reason") if r is None or r != r else r


def not_coordinated(res: Q1Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The planned procurements that were not coordinated: the finding, the reasons and the list."""
    year, reasons, pnc, fn = res.audit_year, res.reasons, res.pnc, _stage_counts(res)
    parts = [d.heading(t("q1_process.pnc_heading")), d.paragraph(t("q1_process.pnc_intro"))]
    n_missing, n_pnc = int(fn["reason_missing"]), int(fn["planned_not_coordinated"])
    if n_missing:
        parts.append(
            d.callout(
                t("q1_process.undocumented_finding", missing=f.count(n_missing), pnc=f.count(n_pnc), year=year),
                "warning",
            )
        )
    elif n_pnc:
        parts.append(d.callout(t("q1_process.all_documented", year=year), "info"))
    if len(reasons):
        parts.append(
            d.table(
                reasons.assign(reason_s=reasons["reason"].map(lambda r: _reason(r, t))),
                {
                    "reason_s": t("q1_process.col_reason"),
                    "count": t("q1_process.col_count"),
                    "share": t("q1_process.col_reason_share"),
                },
                formats={"count": f.count, "share": f.percent},
            )
        )
        shown = pnc.assign(reason_s=pnc["reason"].map(lambda r: _reason(r, t)))
        parts += [
            d.heading(t("q1_process.list_heading", year=year), 3),
            d.table(
                shown,
                {
                    "procurement_id": t("common.procurement"),
                    "title": t("common.title"),
                    "category": t("common.category"),
                    "lead_region": t("q1_process.col_lead"),
                    "estimated_value_sek": t("q1_process.col_value"),
                    "reason_s": t("q1_process.col_reason"),
                },
                formats={"estimated_value_sek": f.mnkr},
            ),
        ]
    return parts

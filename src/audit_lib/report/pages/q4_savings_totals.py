"""The part of question 4's page on the money: the market method's saving by number of bids
beside the null model, the totals under each baseline with their intervals, and the range the
register's figure falls in. (:mod:`.q4_savings_model` shows them; its other parts are there.)"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.q4_savings_model import Q4Result
from .. import display as d
from ..figures import q4_savings_model as fig4
from ..fmt import MISSING, Formatter
from ..texts import Texts

Q = "q4_savings_model"


def bids_labels(t: Texts, null: str) -> dict[str, str]:
    """The labels of the figure of savings by number of bids (``null``: the null model's)."""
    return {
        "mean": t(f"{Q}.basis.mean"),
        "median": t(f"{Q}.basis.median"),
        "second_lowest": t(f"{Q}.basis.second_lowest"),
        "null": null,
        "xlabel": t(f"{Q}.axis_n_bids"),
        "ylabel": t(f"{Q}.axis_share_of_lowest"),
        "pooled": t(f"{Q}.pooled_suffix"),
    }


def bids_data(
    byn: pd.DataFrame, null: pd.DataFrame | None, null_label: str, t: Texts, f: Formatter, max_n: int
) -> d.FigureData:
    """The numbers of a figure of savings by number of bids (with the null model's, if any)."""
    labels, pct = bids_labels(t, null_label), (lambda x: f.percent(x, 1))
    shown = byn.assign(n_label=[f"{n}{labels['pooled']}" if n == max_n else str(n) for n in byn["n"]])
    columns = {"n_label": labels["xlabel"], **{f"{k}_share": labels[k] for k in ("mean", "median", "second_lowest")}}
    if null is not None and len(null):
        shown = shown.assign(null_share=shown["n"].map(null.set_index("n")["mean_share"]))
        columns["null_share"] = null_label
    return d.FigureData(shown, columns, {k: pct for k in columns if k != "n_label"}, ("n_label",))


def market_bias(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The market method's saving by number of bids, beside the null model (where the year
    has market procurements with bids)."""
    byn, p, bias = res.by_n_bids, res.params, res.bias
    parts = [d.heading(t(f"{Q}.market_heading")), d.paragraph(t(f"{Q}.market_intro"))]
    if not len(byn):
        return parts
    parts.append(
        d.paragraph(
            t(
                f"{Q}.market_min_saving",
                n=f.count(bias["n_procurements"]),
                year=res.audit_year,
                min=f.sek(bias["min_mean_saving"]),
            )
        )
    )
    fig = fig4.saving_vs_bids(byn, res.null_model, bids_labels(t, t(f"{Q}.legend_null")), p.max_n_bids)
    parts.append(
        d.figure(
            fig,
            t(f"{Q}.market_figure_caption"),
            key="q4-fig-bids",
            data=bids_data(byn, res.null_model, t(f"{Q}.legend_null"), t, f, p.max_n_bids),
        )
    )
    if (null := bias["null"]) is not None:
        parts.append(
            d.paragraph(
                t(
                    f"{Q}.null_sentence",
                    sd=f.number(res.log_sd, 2),
                    n_lo=null["n_lo"],
                    share_lo=f.percent(null["share_lo"], 1),
                    n_hi=null["n_hi"],
                    share_hi=f.percent(null["share_hi"], 1),
                )
            )
        )
    pooled = t(f"{Q}.pooled_suffix")
    parts.append(
        d.table(
            byn.assign(n_label=[f"{n}{pooled}" if n == p.max_n_bids else str(n) for n in byn["n"]]),
            {
                "n_label": t(f"{Q}.col_n_bids"),
                "n_procurements": t(f"{Q}.col_n"),
                "mean_share": t(f"{Q}.col_mean_share"),
                "median_share": t(f"{Q}.col_median_share"),
                "second_lowest_share": t(f"{Q}.col_second_share"),
            },
            {
                "n_procurements": f.count,
                "mean_share": lambda x: f.percent(x, 1),
                "median_share": lambda x: f.percent(x, 1),
                "second_lowest_share": lambda x: f.percent(x, 1),
            },
        )
    )
    return parts


def _vs_reported(x: Any, f: Formatter) -> str:
    return f.percent(x, 1) if x == x and abs(x) > 1e-12 else MISSING


def baselines(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The year's total under each basis with its interval, and the figure of the range."""
    tt = res.totals_shown
    level_s = f.percent(res.params.interval_level)
    shown = tt.assign(
        interval_s=[
            t(f"{Q}.range_value", low=f.mnkr(lo), high=f.mnkr(hi)) if ok else MISSING
            for ok, lo, hi in zip(tt["in_bootstrap"], tt["low"], tt["high"])
        ],
        label=tt["basis"].map(lambda b: t(f"{Q}.basis.{b}")),
    )
    fig = fig4.baseline_totals(
        res.totals,
        res.bootstrap,
        res.interval,
        {
            **{b: t(f"{Q}.basis.{b}") for b in res.totals["basis"]},
            "range": t(f"{Q}.legend_range"),
            "xlabel": t(f"{Q}.axis_mnkr"),
        },
    )
    return [
        d.heading(t(f"{Q}.baselines_heading")),
        d.paragraph(t(f"{Q}.baselines_intro")),
        d.table(
            shown,
            {
                "label": t(f"{Q}.col_basis"),
                "total_sek": t(f"{Q}.col_total"),
                "market_sek": t(f"{Q}.col_market"),
                "n_market": t(f"{Q}.col_n_market"),
                "interval_s": t(f"{Q}.col_interval", level=level_s),
                "vs_reported": t(f"{Q}.col_vs_reported"),
            },
            {
                "total_sek": f.mnkr,
                "market_sek": f.mnkr,
                "n_market": f.count,
                "vs_reported": lambda x: _vs_reported(x, f),
            },
            numeric=["interval_s"],
        ),
        d.figure(
            fig,
            t(f"{Q}.baselines_figure_caption", level=level_s),
            key="q4-fig-baselines",
            data=d.FigureData(
                shown,
                {
                    "label": t(f"{Q}.col_basis"),
                    "total_sek": t(f"{Q}.col_total"),
                    "interval_s": t(f"{Q}.col_interval", level=level_s),
                },
                {"total_sek": f.mnkr},
                ("interval_s",),
            ),
        ),
        d.callout(t(f"{Q}.estimate_caveat"), "info"),
        d.callout(t("common.enabled_not_realised"), "caution"),
    ]


def interval(res: Q4Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The year's savings as a range, where the register's figure falls in it, and how much of
    the total its largest procurements carry."""
    iv, p = res.interval, res.params
    position = iv["reported_position"]
    return [
        d.heading(t(f"{Q}.interval_heading")),
        d.paragraph(t(f"{Q}.interval_intro", n_resamples=f.count(p.n_resamples))),
        d.paragraph(
            t(
                f"{Q}.interval_sentence",
                year=res.audit_year,
                low=f.mnkr(iv["low"]),
                high=f.mnkr(iv["high"]),
                level=f.percent(p.interval_level),
                point_low=f.mnkr(iv["point_low"]),
                point_high=f.mnkr(iv["point_high"]),
                reported=f.mnkr(iv["reported"]),
            )
        ),
        d.callout(
            t(f"{Q}.position_{position}", width=f.percent(res.inputs["range_width_share"])),
            "warning" if position != "within" else "info",
        ),
        d.paragraph(t(f"{Q}.concentration", k=p.top_k, share=f.percent(res.top_share))),
        d.callout(t("common.enabled_not_realised"), "caution"),
    ]

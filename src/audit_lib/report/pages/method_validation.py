"""What the method-validation page shows: mpdta's effects beside the published figures, Decarolis
(2014) Table 2A column 1 beside the paper, the staggered estimate on the full Decarolis data, and
the savings model's market method on real bid-level data."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from ...params import MethodValidationParams
from ...questions.method_validation import DECIMALS, MethodValidationResult
from ...questions.q4_savings_model import RealData, RealSource
from .. import display as d
from ..figures import q4_savings_model as fig4
from ..figures.method_validation import event_study
from .q4_savings_model import bids_data, bids_labels
from ..fmt import Formatter
from ..texts import Texts

_MV = "method_validation"
_Q4 = "q4_savings_model"


def _yes_no(t: Texts) -> Callable[[Any], str]:
    return lambda b: t("common.yes") if b else t("common.no")


def p_value(x: float, f: Formatter) -> str:
    """A p-value as "< 0,001" or "= 0,123"."""
    return f"< {f.number(0.001, 3)}" if x < 0.001 else f"= {f.number(x, 3)}"


def interval2(r: dict[str, Any], f: Formatter) -> str:
    """An estimate's interval with two decimals; "–" when it has none."""
    return f"{f.number(r['low'], 2)} – {f.number(r['high'], 2)}" if r.get("low") is not None else "–"


def _event_data(es: pd.DataFrame, t: Texts, number: Any, level: str) -> d.FigureData:
    """An event study's numbers: each event time's estimate and interval."""
    e = es.sort_values("event_time")
    return d.FigureData(
        e.assign(interval=[f"{number(lo)} – {number(hi)}" for lo, hi in zip(e["low"], e["high"])]),
        {
            "event_time": t(f"{_MV}.axis_event_time"),
            "att": t(f"{_MV}.fig_estimate"),
            "interval": t(f"{_MV}.col_interval", level=level),
        },
        {"att": number},
        ("event_time", "interval"),
    )


def _mpdta_tables(m: dict[str, Any], t: Texts, f: Formatter, level: str) -> list[d.Html]:
    """The twelve ATT(g, t) and the three aggregations, each beside its published figure."""
    n4, yes_no = partial(f.number, decimals=4), _yes_no(t)
    cells = m["att_gt"].assign(
        interval=[f"{f.number(r['low'], 4)} – {f.number(r['high'], 4)}" for r in m["att_gt"].to_dict("records")]
    )
    aggregates = pd.DataFrame([{"name": t(f"{_MV}.agg_{k}"), **v} for k, v in m["aggregates"].items()])
    return [
        d.table(
            cells,
            {
                "group": t(f"{_MV}.col_group"),
                "time": t(f"{_MV}.col_time"),
                "published": t(f"{_MV}.col_published"),
                "att": t(f"{_MV}.col_reproduced"),
                "se": t(f"{_MV}.col_se"),
                "interval": t(f"{_MV}.col_interval", level=level),
                "matches": t(f"{_MV}.col_match"),
            },
            formats={"published": n4, "att": n4, "se": n4, "matches": yes_no},
            numeric=["interval"],
        ),
        d.table(
            aggregates,
            {
                "name": t(f"{_MV}.col_aggregate"),
                "published": t(f"{_MV}.col_published"),
                "estimate": t(f"{_MV}.col_reproduced"),
                "se": t(f"{_MV}.col_se"),
                "matches": t(f"{_MV}.col_match"),
            },
            formats={"published": n4, "estimate": n4, "se": n4, "matches": yes_no},
        ),
    ]


def mpdta(res: MethodValidationResult, t: Texts, f: Formatter, p: MethodValidationParams) -> list[d.Html]:
    """The twelve ATT(g, t) and the three aggregations beside the published figures."""
    parts = [d.heading(t(f"{_MV}.mpdta_heading"))]
    m = res.mpdta
    if m is None:
        return [*parts, d.callout(t(f"{_MV}.absent", name="mpdta"), "warning")]
    n4, level = partial(f.number, decimals=4), f.percent(p.interval_level)
    pt, pe = m["pretrend"], m["pretrend_event"]
    return [
        *parts,
        d.paragraph(t(f"{_MV}.mpdta_intro")),
        *_mpdta_tables(m, t, f, level),
        d.callout(
            t(f"{_MV}.all_match" if m["all_match"] else f"{_MV}.some_differ"), "info" if m["all_match"] else "warning"
        ),
        d.paragraph(
            t(
                f"{_MV}.pretrend_sentence",
                stat=f.number(pt["statistic"], 2),
                df=pt["df"],
                p=p_value(pt["p_value"], f),
                stat_e=f.number(pe["statistic"], 2),
                df_e=pe["df"],
                p_e=p_value(pe["p_value"], f),
            )
        ),
        d.figure(
            event_study(m["event_study"], t(f"{_MV}.axis_event_time"), t(f"{_MV}.axis_log"), "mpdta"),
            t(f"{_MV}.event_caption_mpdta"),
            key="mv-fig1",
            data=_event_data(m["event_study"], t, n4, level),
        ),
    ]


def table2(res: MethodValidationResult, t: Texts, f: Formatter) -> list[d.Html]:
    """Decarolis (2014) Table 2A column 1 beside the paper, and the few-treated case."""
    parts = [d.heading(t(f"{_MV}.decarolis_heading"))]
    if res.decarolis is None:
        return [*parts, d.callout(t(f"{_MV}.absent", name="Decarolis (2014)"), "warning")]
    t2, ri = res.decarolis["table2a_col1"], res.decarolis["table2a_col1"]["randomization"]
    keys = ("estimate", "se", "n", "r2")
    figs = pd.DataFrame(
        {
            "name": [t(f"{_MV}.fig_{k}") for k in keys],
            "published": [f.number(t2["published"][k], DECIMALS[k]) for k in keys],
            "reproduced": [f.number(t2[k], DECIMALS[k]) for k in keys],
            "matches": [t2["matches"][k] for k in keys],
        }
    )
    all_match = all(t2["matches"].values())
    parts += [
        d.heading(t(f"{_MV}.table2_heading"), 3),
        d.paragraph(t(f"{_MV}.table2_intro")),
        d.table(
            figs,
            {
                "name": t(f"{_MV}.col_figure"),
                "published": t(f"{_MV}.col_published"),
                "reproduced": t(f"{_MV}.col_reproduced"),
                "matches": t(f"{_MV}.col_match"),
            },
            formats={"matches": _yes_no(t)},
            numeric=["published", "reproduced"],
        ),
        d.callout(
            t(f"{_MV}.table2_match" if all_match else f"{_MV}.table2_differ"), "info" if all_match else "warning"
        ),
    ]
    if t2["inference"] == "randomization":
        parts.append(
            d.callout(
                t(
                    f"{_MV}.few_treated_case",
                    treated=t2["n_treated_authorities"],
                    n=t2["n_authorities"],
                    draws=ri["draws"],
                    p=f.number(ri["p_value"], 3),
                    min_p=f.number(ri["min_p_value"], 3),
                    low=f.number(ri["low"], 2),
                    high=f.number(ri["high"], 2),
                ),
                "warning",
            )
        )
    return parts


def _estimators(dc: dict[str, Any], t: Texts, f: Formatter) -> pd.DataFrame:
    """The paper's estimate, two-way fixed effects (auctions, authority-years) and the three
    staggered aggregations, each with its interval and its number of observations."""
    t2, st, tw = dc["table2a_col1"], dc["staggered"], dc["twfe_full"]
    a, meta = st["aggregates"], st["meta"]

    def count_of(n: Any, unit: str) -> str:
        return t(f"{_MV}.n_{unit}", n=f.count(n))

    rows = [
        {"name": t(f"{_MV}.est_paper"), "estimate": t2["estimate"], "se": t2["se"], "n": count_of(t2["n"], "auctions")},
        {"name": t(f"{_MV}.est_twfe_auctions"), **tw["auctions"], "n": count_of(tw["auctions"]["n"], "auctions")},
        {
            "name": t(f"{_MV}.est_twfe_panel"),
            **tw["authority_years"],
            "n": count_of(tw["authority_years"]["n"], "authority_years"),
        },
    ]
    rows += [
        {"name": t(f"{_MV}.est_cs_{k}"), **a[k], "n": count_of(meta["n_units"], "authorities")}
        for k in ("simple", "event_time", "group")
    ]
    return pd.DataFrame(rows).assign(interval=[interval2(r, f) for r in rows])


def _staggered_estimates(dc: dict[str, Any], t: Texts, f: Formatter, level: str) -> list[d.Html]:
    """The staggered estimate's heading and data, beside the paper's and two-way fixed effects."""
    st, tw = dc["staggered"], dc["twfe_full"]
    a, meta = st["aggregates"], st["meta"]
    n2 = partial(f.number, decimals=2)
    return [
        d.heading(t(f"{_MV}.staggered_heading"), 3),
        d.paragraph(
            t(
                f"{_MV}.staggered_intro",
                auctions=f.count(st["n_auctions"]),
                units=f.count(meta["n_units"] + meta["dropped_first_period"]),
                years=f.count(st["n_authority_years"]),
                treated=meta["n_treated_units"] + meta["dropped_first_period"],
                dropped=meta["dropped_first_period"],
                share=f.percent(st["fpsb_share_after_adoption"]),
            )
        ),
        d.table(
            _estimators(dc, t, f),
            {
                "name": t(f"{_MV}.col_estimator"),
                "estimate": t(f"{_MV}.fig_estimate"),
                "se": t(f"{_MV}.col_se"),
                "interval": t(f"{_MV}.col_interval", level=level),
                "n": t(f"{_MV}.col_n"),
            },
            formats={"estimate": n2, "se": n2},
            numeric=["interval", "n"],
        ),
        d.paragraph(
            t(
                f"{_MV}.differs",
                cs=n2(a["simple"]["estimate"]),
                twfe=n2(tw["auctions"]["estimate"]),
                twfe_panel=n2(tw["authority_years"]["estimate"]),
            )
        ),
    ]


def _staggered_inference(st: dict[str, Any], t: Texts, f: Formatter, p: MethodValidationParams) -> d.Html:
    """How the staggered estimate's interval was found: randomization inference with too few
    treated clusters, else clustered standard errors."""
    n2, meta = partial(f.number, decimals=2), st["meta"]
    treated, least = meta["n_treated_clusters"], p.min_treated_clusters
    if meta["inference"] == "randomization":
        r = st["randomization"]
        return d.callout(
            t(
                f"{_MV}.inference_randomization",
                treated=treated,
                min=least,
                p=f.number(r["p_value"], 3),
                draws=r["draws"],
                low=n2(r["low"]),
                high=n2(r["high"]),
            ),
            "warning",
        )
    return d.paragraph(t(f"{_MV}.inference_cluster", treated=treated, min=least))


def _staggered_detail(
    st: dict[str, Any], paper: float, t: Texts, f: Formatter, p: MethodValidationParams, level: str
) -> list[d.Html]:
    """The pre-trend tests, the effects by adoption group and the event study."""
    n2, least = partial(f.number, decimals=2), p.min_treated_clusters
    pt, pe, by_group = st["pretrend"], st["pretrend_event"], st["by_group"]
    groups = by_group.assign(
        note=[t(f"{_MV}.few_note", min=least) if x else "" for x in by_group["few_treated"]],
        interval=[interval2(r, f) for r in by_group.to_dict("records")],
    )
    return [
        d.paragraph(
            t(
                f"{_MV}.pretrend_decarolis",
                stat=n2(pt["statistic"]),
                df=pt["df"],
                p=p_value(pt["p_value"], f),
                min_units=pt["min_treated_units"],
                stat_e=n2(pe["statistic"]),
                df_e=pe["df"],
                p_e=p_value(pe["p_value"], f),
            )
        ),
        d.heading(t(f"{_MV}.by_group_heading"), 4),
        d.table(
            groups,
            {
                "group": t(f"{_MV}.col_group"),
                "n_treated": t(f"{_MV}.col_n_treated"),
                "att": t(f"{_MV}.fig_estimate"),
                "interval": t(f"{_MV}.col_interval", level=level),
                "note": t(f"{_MV}.col_note"),
            },
            formats={"att": n2, "n_treated": f.count},
            numeric=["interval"],
        ),
        d.figure(
            event_study(
                st["event_study"],
                t(f"{_MV}.axis_event_time"),
                t(f"{_MV}.axis_pp"),
                "Decarolis (2014)",
                reference=paper,
                reference_label=t(f"{_MV}.legend_paper"),
            ),
            t(f"{_MV}.event_caption_decarolis"),
            key="mv-fig2",
            data=_event_data(st["event_study"], t, n2, level),
        ),
    ]


def staggered(res: MethodValidationResult, t: Texts, f: Formatter, p: MethodValidationParams) -> list[d.Html]:
    """The staggered estimate on the full Decarolis data beside two-way fixed effects, its
    inference, pre-trend tests, effects by adoption group and event study (nothing without data)."""
    dc = res.decarolis
    if dc is None:
        return []
    st, level = dc["staggered"], f.percent(p.interval_level)
    return [
        *_staggered_estimates(dc, t, f, level),
        _staggered_inference(st, t, f, p),
        *_staggered_detail(st, dc["table2a_col1"]["estimate"], t, f, p, level),
    ]


def _real_source(src: RealSource, real: RealData, t: Texts, f: Formatter, max_n: int) -> list[d.Html]:
    b, ra = src.bids, src.analysis
    summ = ra["summary"].assign(label=ra["summary"]["baseline"].map(lambda x: t(f"{_Q4}.basis.{x}")))
    parts = [
        d.heading(
            t(
                f"{_MV}.real_source_heading",
                name=b.source,
                tenders=f.count(b.notes["tenders"]),
                bids=f.count(b.notes["bids"]),
            ),
            3,
        ),
        d.paragraph(
            t(
                f"{_MV}.real_sentence",
                n=f.count(ra["n_tenders"]),
                min_bids=real.min_bids,
                median_ratio=f.percent(ra["median_ratio"]),
                second_ratio=f.percent(ra["second_lowest_ratio"]),
                above=f.percent(ra["mean_above_median_share"]),
            )
        ),
        d.table(
            summ,
            {
                "label": t(f"{_Q4}.col_basis"),
                "total": t(f"{_MV}.col_total_brl"),
                "median_per_tender": t(f"{_MV}.col_median_tender_brl"),
                "median_share_of_lowest": t(f"{_MV}.col_median_share_lowest"),
                "ratio_to_mean": t(f"{_MV}.col_ratio_to_mean"),
            },
            {
                "total": f.number,
                "median_per_tender": f.number,
                "median_share_of_lowest": lambda x: f.percent(x, 1),
                "ratio_to_mean": f.percent,
            },
        ),
    ]
    if b.notes.get("rows_dropped_nonpositive"):
        parts.append(d.paragraph(t(f"{_MV}.real_dropped", n=f.count(b.notes["rows_dropped_nonpositive"]))))
    fig = fig4.saving_vs_bids(ra["by_n_bids"], None, bids_labels(t, ""), max_n)
    parts.append(
        d.figure(
            fig,
            t(f"{_MV}.real_figure_caption", name=b.source),
            key=f"mv-fig-real-{b.name}",
            data=bids_data(ra["by_n_bids"], None, "", t, f, max_n),
        )
    )
    return parts


def real_bids(res: MethodValidationResult, t: Texts, f: Formatter, max_n: int) -> list[d.Html]:
    """The savings model's market method on real bid-level data, or why it is skipped (no folder
    given, or none there); ``max_n``: bids from which tenders are pooled in the figure."""
    real = res.real_bids
    parts = [d.heading(t(f"{_MV}.real_heading"))]
    if real.status == "not_configured":
        return [*parts, d.callout(t(f"{_MV}.real_not_configured"), "info")]
    if not real.available:
        return [*parts, d.callout(t(f"{_MV}.real_absent", path=real.folder), "warning")]
    parts.append(d.paragraph(t(f"{_MV}.real_intro")))
    for src in real.sources:
        parts.extend(_real_source(src, real, t, f, max_n))
    return parts

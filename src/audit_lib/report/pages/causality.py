"""What the page of the causality question shows: the panel, what the staggered rollouts
identify, the estimates beside TWFE, event studies and pre-trend tests, diagnostics, what
simpler methods would say, the effects in SEK and the conclusions.

Each function is one notebook cell's output, built from ``questions.causality.analyse``'s
result; each returns no parts when the package had no purchase lines or rollouts. The parts for
reviewers after the assessment (methods, event studies, diagnostics) are in
``causality_details``, the values every part uses in ``causality_values``; both are re-exported
here, so a notebook needs only this module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...questions.causality import Analysis, CausalityResult, design_identified, members, reason_groups
from .. import display as d
from ..figures import causality as figs
from ..fmt import MISSING, Formatter
from ..texts import Texts
from . import causality_figures as cf
from .causality_details import diagnostics, event_studies, methods
from ..values import yes_no
from .causality_values import INPUTS, conclusion_values, label, labels, mn, pct, shown_groups, with_interval

__all__ = [
    "INPUTS",
    "assessment_question",
    "assessment_text",
    "conclusion_texts",
    "conclusion_values",
    "conclusions",
    "data",
    "diagnostics",
    "effects",
    "event_studies",
    "identification",
    "label",
    "labels",
    "methods",
    "mn",
    "money",
    "moved_before",
    "no_data",
    "pct",
    "shown_groups",
    "warnings",
    "with_interval",
]


# ---------------------------------------------------------------- cells
def no_data(res: CausalityResult, t: Texts) -> list[d.Html]:
    """Why the page is empty: no purchase lines or no rollouts in the package."""
    return [] if res.available else [d.callout(t("causality.no_data"), "warning")]


def data(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The panel: lines and cells used, what was left out, and the price index by cell."""
    a, cov, p = res.analysis, res.panel_coverage, res.params
    if a is None or cov is None:
        return []
    dc = a.data.coverage
    parts = [
        d.heading(t("causality.data_heading")),
        d.key_figures(
            [
                (t("causality.key_lines"), f.count(cov["n_lines_used"])),
                (t("causality.key_cells"), f.count(dc["n_cells"])),
                (t("causality.key_spend"), f.mnkr(cov["spend_used_sek"])),
            ]
        ),
        d.paragraph(
            t(
                "causality.data_intro",
                n_lines=f.count(cov["n_lines_used"]),
                first=dc["first_month"],
                last=dc["last_month"],
                n_cells=f.count(dc["n_cells"]),
                n_clusters=f.count(dc["n_clusters"]),
                n_cell_months=f.count(dc["n_cell_months"]),
            )
        ),
    ]
    parts += _left_out(cov, dc, p.min_cell_months, t, f)
    fig = figs.price_index(
        a.data.frame, a.data.cells, a.data.treatments, labels(a.data.groups, t), t("causality.index_ylabel")
    )
    parts.append(
        d.figure(
            fig,
            t("causality.index_caption", base=p.index_base_months),
            key="causality-fig1",
            data=cf.index_data(a.data.frame, t, f),
        )
    )
    return parts


def _left_out(
    cov: Mapping[str, Any], dc: Mapping[str, Any], min_cell_months: int, t: Texts, f: Formatter
) -> list[d.Html]:
    """What the panel left out: lines (not positive, no key) and cells (too short, no rollout)."""
    parts = []
    excluded = cov["n_lines_not_positive"] + cov["n_lines_missing_key"]
    if excluded:
        parts.append(
            d.paragraph(
                t(
                    "causality.data_excluded",
                    n_not_positive=f.count(cov["n_lines_not_positive"]),
                    n_missing_key=f.count(cov["n_lines_missing_key"]),
                    share=f.percent(excluded / cov["n_lines"], 2),
                )
            )
        )
    if dc["n_cells_too_short"] or dc["n_cells_without_rollout"]:
        parts.append(
            d.paragraph(
                t(
                    "causality.data_dropped_cells",
                    n_short=f.count(dc["n_cells_too_short"]),
                    months=min_cell_months,
                    n_no_rollout=f.count(dc["n_cells_without_rollout"]),
                )
            )
        )
    return parts


def _joint_with(idt: pd.DataFrame, t: Texts) -> list[str]:
    """Per identification row: the other initiatives a separate group starts together with."""
    return [
        "" if j else ", ".join(label(m, t) for w in ws for m in members(w) if m != g)
        for g, ws, j in zip(idt["group"], idt["joint_with"], idt["joint"])
    ]


def identification(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The rollout timeline and what it identifies: joint cells, omitted and close starts."""
    a, p = res.analysis, res.params
    if a is None:
        return []
    fig = figs.rollout_timeline(
        a.data.cells,
        a.data.treatments,
        labels(a.data.groups, t),
        t("causality.joint_marker"),
        a.data.origin,
        int(a.data.frame["time"].max()) + 1,
    )
    idt = a.identification
    parts = [
        d.heading(t("causality.rollout_heading")),
        d.paragraph(t("causality.rollout_intro")),
        d.figure(
            fig,
            t("causality.rollout_caption"),
            key="causality-fig2",
            data=cf.rollout_data(a.data.cells, a.data.treatments, labels(a.data.groups, t), t),
        ),
        d.heading(t("causality.ident_heading")),
        d.paragraph(t("causality.ident_intro", min_clusters=p.min_treated_clusters)),
        d.table(
            idt.assign(
                group_s=idt["group"].map(lambda g: label(g, t)),
                with_s=_joint_with(idt, t),
                status_s=idt["status"].map(lambda s: t(f"causality.status.{s}")),
            ),
            {
                "group_s": t("causality.col_group"),
                "n_cells": t("causality.col_cells"),
                "n_clusters": t("causality.col_clusters"),
                "with_s": t("causality.col_joint_with"),
                "status_s": t("causality.col_status"),
            },
            numeric=["n_cells", "n_clusters"],
        ),
    ]
    for r in idt[idt["joint"] & (idt["n_cells"] > 0)].itertuples():
        parts.append(
            d.callout(
                t(
                    "causality.ident_joint",
                    members=" + ".join(label(m, t) for m in members(str(r.group))),
                    cells=", ".join(r.cells),  # type: ignore[arg-type]
                ),
                "warning",
            )
        )
    if res.omitted:
        parts.append(
            d.callout(t("causality.omitted_warning", names=", ".join(label(m, t) for m in res.omitted)), "warning")
        )
    n_close = int(idt.loc[~idt["joint"], "n_close_starts"].sum()) // 2
    if n_close:
        parts.append(d.callout(t("causality.ident_close", n=f.count(n_close), months=p.close_start_months), "info"))
    return parts


def moved_before(e: pd.DataFrame, alpha: float, t: Texts) -> list[str]:
    """Per group, in words: did prices already move before the start (a pre-trend test below
    ``alpha``)? "–" where no test could be run."""
    return [MISSING if not np.isfinite(p) else yes_no(bool(p < alpha), t) for p in e["pretrend_min_p"]]


def _plain_effects_table(a: Analysis, t: Texts, f: Formatter) -> d.Html:
    """For elected auditors: each initiative's price change with its interval, whether prices
    already moved before the start, and how to read it."""
    e = a.effects
    identified = e["interpretation"] != "not_identified"
    shown = e.assign(
        group_s=e["group"].map(lambda g: label(g, t)),
        effect_s=[
            with_interval(x, lo, hi, lambda v: pct(v, f)) if ok else MISSING
            for x, lo, hi, ok in zip(e["estimate"], e["ci_low"], e["ci_high"], identified)
        ],
        before_s=moved_before(e, a.settings.alpha, t),
        interp_s=e["interpretation"].map(lambda x: t(f"causality.interp.{x}")),
    )
    return d.table(
        shown,
        {
            "group_s": t("causality.col_group"),
            "effect_s": t("causality.col_effect_plain"),
            "before_s": t("causality.col_moved_before"),
            "interp_s": t("causality.col_interpretation"),
        },
        numeric=["effect_s"],
    )


def effects(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The price change per initiative in plain words, and why the design does not identify
    the effects (if so); how they were estimated is in the methods appendix (``methods``)."""
    a = res.analysis
    if a is None:
        return []
    e, s = a.effects, a.settings
    parts = [
        d.heading(t("causality.results_heading")),
        d.paragraph(t("causality.results_intro_plain")),
        _plain_effects_table(a, t, f),
    ]
    if not design_identified(e, a.data.treatments):
        why = [
            t(f"causality.reason.{r}", groups=", ".join(label(g, t) for g in gs), alpha=f.number(s.alpha, 2))
            for r, gs in reason_groups(e, a.data.treatments).items()
        ]
        parts.append(d.callout(t("causality.not_identified", reasons="; ".join(why)), "caution"))
    return parts


def _naive_items(frame: pd.DataFrame, a: Analysis, t: Texts, f: Formatter) -> str:
    names, rows = labels(a.data.groups, t), a.effects.set_index("group")
    sub = frame[frame["group"].isin(shown_groups(a))]
    return "; ".join(
        t("causality.naive_item", group=names[g], naive=pct(x, f), estimate=pct(rows.loc[g, "estimate"], f))
        for g, x in zip(sub["group"], sub["estimate"])
    )


def warnings(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """What the naive before/after and the unit-value comparisons would say instead."""
    a = res.analysis
    if a is None:
        return []
    return [
        d.heading(t("causality.warning_heading")),
        d.callout(
            t("causality.naive_warning", window=res.params.naive_window_months, items=_naive_items(a.naive, a, t, f)),
            "caution",
        ),
        d.callout(t("causality.unit_value_warning", items=_naive_items(a.unit_value, a, t, f)), "caution"),
    ]


def _board(res: CausalityResult, a: Analysis, t: Texts, f: Formatter) -> list[d.Html]:
    b, share = a.board, res.board_share
    if share is None:
        return []
    data = d.FigureData(
        b.assign(
            saving_s=b["saving_sek"].map(lambda x: mn(x, f)),
            reported_s=b["reported_sek"].map(lambda x: mn(x, f)),
            coordinated_s=b["reported_coordinated_sek"].map(lambda x: mn(x, f)),
        ),
        {
            "category": t("common.category"),
            "first_month": t("causality.col_first_month"),
            "saving_s": t("causality.col_saving_coordination"),
            "reported_s": t("causality.col_reported"),
            "coordinated_s": t("causality.col_reported_coordinated"),
        },
        numeric=("saving_s", "reported_s", "coordinated_s"),
    )
    table = d.table(data.frame, data.columns, numeric=data.numeric)
    fig = figs.money_by_category(
        b,
        {
            "estimated": t("causality.legend_estimated"),
            "reported": t("causality.legend_reported"),
            "reported_coordinated": t("causality.legend_reported_coordinated"),
        },
        t("causality.money_xlabel"),
    )
    identified = a.effects.set_index("group").loc["coordination", "identified"]
    caveat = "causality.board_caveat" if identified else "causality.board_caveat_associational"
    return [
        d.heading(t("causality.board_heading"), 3),
        d.paragraph(t("causality.board_intro")),
        table,
        d.figure(fig, t("causality.money_caption"), key="causality-fig6", data=data),
        d.paragraph(
            t(
                "causality.board_total",
                saving=mn(b["saving_sek"].sum(), f),
                low=mn(b["saving_low_sek"].sum(), f),
                high=mn(b["saving_high_sek"].sum(), f),
            )
        ),
        d.callout(
            t(caveat, share=f.percent(share["estimate"]), low=f.percent(share["low"]), high=f.percent(share["high"])),
            "caution",
        ),
        d.callout(t("common.enabled_not_realised"), "info"),
    ]


def money(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The effects in SEK, and the coordination effect beside the board's reported savings."""
    a = res.analysis
    if a is None:
        return []
    sk = a.sek[a.sek["group"].isin(shown_groups(a))]
    return [
        d.heading(t("causality.sek_heading")),
        d.paragraph(t("causality.sek_intro")),
        d.table(
            sk.assign(
                group_s=sk["group"].map(lambda g: label(g, t)),
                spend_s=sk["spend_sek"].map(lambda x: mn(x, f)),
                saving_s=[
                    with_interval(x, lo, hi, lambda v: mn(v, f))
                    for x, lo, hi in zip(sk["saving_sek"], sk["saving_low_sek"], sk["saving_high_sek"])
                ],
            ),
            {
                "group_s": t("causality.col_group"),
                "spend_s": t("causality.col_spend"),
                "saving_s": t("causality.col_saving"),
            },
            numeric=["spend_s", "saving_s"],
        ),
        *_board(res, a, t, f),
    ]


def conclusion_texts(res: CausalityResult, t: Texts, f: Formatter) -> list[str]:
    """The plain-language conclusions, in the run's language."""
    a = res.analysis
    return [] if a is None else [t(key, **conclusion_values(v, t, f)) for key, v in a.conclusions]


def conclusions(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The conclusions as bullets, and a caution when some effect is only associational."""
    a = res.analysis
    if a is None:
        return []
    parts = [d.heading(t("causality.conclusions_heading")), d.bullets(conclusion_texts(res, t, f))]
    rows = a.effects.set_index("group")
    if any((rows["interpretation"] == "associational") & ~rows.index.str.contains("+", regex=False)):
        parts.append(d.callout(t("common.associational"), "caution"))
    return [*parts, d.paragraph(t("causality.vs_q2")), d.paragraph(t("causality.methods_pointer"))]


def assessment_text(res: CausalityResult, t: Texts, f: Formatter) -> dict[str, list[str]]:
    """What the results JSON records of the conclusions (nothing without data)."""
    return {"assessment_text": conclusion_texts(res, t, f)} if res.available else {}


def assessment_question(res: CausalityResult, t: Texts) -> list[d.Html]:
    """The question the assessment answers."""
    return [d.paragraph(t("causality.assessment_question"))] if res.available else []

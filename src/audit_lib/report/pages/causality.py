"""What the page of the causality question shows: the panel, what the staggered rollouts
identify, the estimates beside TWFE, event studies and pre-trend tests, diagnostics, what
simpler methods would say, the effects in SEK and the conclusions.

Each function is one notebook cell's output, built from ``questions.causality.analyse``'s
result; each returns no parts when the package had no purchase lines or rollouts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ...questions.causality import (
    Analysis,
    CausalityResult,
    design_identified,
    members,
    pretrend_tests_table,
    reason_groups,
)
from .. import display as d
from ..figures import causality as figs
from . import causality_figures as cf
from ..fmt import MISSING, Formatter
from ..texts import Texts
from ..values import InputFormat, interval, yes_no

INPUTS = InputFormat(percent_suffixes=(), decimals=3)  # the criteria's inputs: numbers with three decimals


# ---------------------------------------------------------------- values
def label(group: str, t: Texts) -> str:
    """An effect group's name: the initiative's, or "a + b (together)" for a joint group."""
    names = [t(f"causality.treatment.{m}") for m in members(group)]
    return names[0] if len(names) == 1 else t("causality.joint_label", members=" + ".join(names))


def labels(groups: list[str], t: Texts) -> dict[str, str]:
    return {g: label(g, t) for g in groups}


def pct(x: Any, f: Formatter, decimals: int = 1) -> str:
    """An effect on the log price, shown as a percent change (a tiny change as zero)."""
    v = float(np.expm1(x))
    return f.percent(0.0 if abs(v) < 0.5 * 10 ** -(decimals + 2) else v, decimals)


def with_interval(x: Any, lo: Any, hi: Any, show: Callable[[Any], str]) -> str:
    """"x (lo – hi)" in the given format; "–" when ``x`` is missing."""
    return f"{show(x)} ({interval(lo, hi, show)})" if np.isfinite(x) else MISSING


def mn(x: Any, f: Formatter) -> str:
    """SEK in millions, the unit in the column heading."""
    return f.number(x / 1e6, 1)


def conclusion_values(v: Mapping[str, Any], t: Texts, f: Formatter) -> dict[str, str]:
    """A conclusion's values: group names labelled, fractions as percent, p-values."""
    out = {}
    for k, x in v.items():
        if k in ("group", "with"):
            out[k] = label(x, t)
        elif k == "others":
            out[k] = ", ".join(label(g, t) for g in x)
        elif k == "pct" or k.endswith("_pct"):
            out[k] = f.percent(x, 1)
        elif k == "p":
            out[k] = f.number(x, 3)
        else:
            out[k] = f.count(x)
    return out


def shown_groups(a: Analysis) -> list[str]:
    """The effect groups with an estimate to show (all but the not identified)."""
    rows = a.effects.set_index("group")
    return [g for g in a.data.groups if rows.loc[g, "interpretation"] != "not_identified"]


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
        d.key_figures([(t("causality.key_lines"), f.count(cov["n_lines_used"])),
                       (t("causality.key_cells"), f.count(dc["n_cells"])),
                       (t("causality.key_spend"), f.mnkr(cov["spend_used_sek"]))]),
        d.paragraph(t("causality.data_intro", n_lines=f.count(cov["n_lines_used"]), first=dc["first_month"],
                      last=dc["last_month"], n_cells=f.count(dc["n_cells"]), n_clusters=f.count(dc["n_clusters"]),
                      n_cell_months=f.count(dc["n_cell_months"]))),
    ]
    excluded = cov["n_lines_not_positive"] + cov["n_lines_missing_key"]
    if excluded:
        parts.append(d.paragraph(t("causality.data_excluded", n_not_positive=f.count(cov["n_lines_not_positive"]),
                                   n_missing_key=f.count(cov["n_lines_missing_key"]),
                                   share=f.percent(excluded / cov["n_lines"], 2))))
    if dc["n_cells_too_short"] or dc["n_cells_without_rollout"]:
        parts.append(d.paragraph(t("causality.data_dropped_cells", n_short=f.count(dc["n_cells_too_short"]),
                                   months=p.min_cell_months, n_no_rollout=f.count(dc["n_cells_without_rollout"]))))
    fig = figs.price_index(a.data.frame, a.data.cells, a.data.treatments, labels(a.data.groups, t),
                           t("causality.index_ylabel"))
    parts.append(d.figure(fig, t("causality.index_caption", base=p.index_base_months), key="causality-fig1",
                          data=cf.index_data(a.data.frame, t, f)))
    return parts


def _joint_with(idt: pd.DataFrame, t: Texts) -> list[str]:
    """Per identification row: the other initiatives a separate group starts together with."""
    return ["" if j else ", ".join(label(m, t) for w in ws for m in members(w) if m != g)
            for g, ws, j in zip(idt["group"], idt["joint_with"], idt["joint"])]


def identification(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The rollout timeline and what it identifies: joint cells, omitted and close starts."""
    a, p = res.analysis, res.params
    if a is None:
        return []
    fig = figs.rollout_timeline(a.data.cells, a.data.treatments, labels(a.data.groups, t),
                                t("causality.joint_marker"), a.data.origin, int(a.data.frame["time"].max()) + 1)
    idt = a.identification
    parts = [
        d.heading(t("causality.rollout_heading")), d.paragraph(t("causality.rollout_intro")),
        d.figure(fig, t("causality.rollout_caption"), key="causality-fig2",
                 data=cf.rollout_data(a.data.cells, a.data.treatments, labels(a.data.groups, t), t)),
        d.heading(t("causality.ident_heading")),
        d.paragraph(t("causality.ident_intro", min_clusters=p.min_treated_clusters)),
        d.table(idt.assign(group_s=idt["group"].map(lambda g: label(g, t)), with_s=_joint_with(idt, t),
                           status_s=idt["status"].map(lambda s: t(f"causality.status.{s}"))),
                {"group_s": t("causality.col_group"), "n_cells": t("causality.col_cells"),
                 "n_clusters": t("causality.col_clusters"), "with_s": t("causality.col_joint_with"),
                 "status_s": t("causality.col_status")}, numeric=["n_cells", "n_clusters"]),
    ]
    for r in idt[idt["joint"] & (idt["n_cells"] > 0)].itertuples():
        parts.append(d.callout(t("causality.ident_joint", members=" + ".join(label(m, t) for m in members(str(r.group))),
                                 cells=", ".join(r.cells)), "warning"))  # type: ignore[arg-type]
    if res.omitted:
        parts.append(d.callout(t("causality.omitted_warning", names=", ".join(label(m, t) for m in res.omitted)),
                               "warning"))
    n_close = int(idt.loc[~idt["joint"], "n_close_starts"].sum()) // 2
    if n_close:
        parts.append(d.callout(t("causality.ident_close", n=f.count(n_close), months=p.close_start_months), "info"))
    return parts


def _effects_table(a: Analysis, t: Texts, f: Formatter) -> d.Html:
    """For reviewers: both estimators and both pre-trend tests per group."""
    e = a.effects
    identified = e["interpretation"] != "not_identified"

    def show(x: Any) -> str:
        return pct(x, f)

    shown = e.assign(
        group_s=e["group"].map(lambda g: label(g, t)),
        effect_s=[with_interval(x, lo, hi, show) if ok else MISSING
                  for x, lo, hi, ok in zip(e["estimate"], e["ci_low"], e["ci_high"], identified)],
        twfe_s=[with_interval(x, lo, hi, show) for x, lo, hi in zip(e["twfe_estimate"], e["twfe_ci_low"], e["twfe_ci_high"])],
        pretrend_s=e["pretrend_p"].map(lambda x: f.number(x, 3)),
        pretrend_f_s=e["pretrend_p_f"].map(lambda x: f.number(x, 3)),
        interp_s=e["interpretation"].map(lambda x: t(f"causality.interp.{x}")),
    )
    return d.table(shown, {"group_s": t("causality.col_group"), "effect_s": t("causality.col_effect"),
                           "twfe_s": t("causality.col_twfe"), "pretrend_s": t("causality.col_pretrend"),
                           "pretrend_f_s": t("causality.col_pretrend_f"), "interp_s": t("causality.col_interpretation")},
                   numeric=["effect_s", "twfe_s", "pretrend_s", "pretrend_f_s"])


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
        effect_s=[with_interval(x, lo, hi, lambda v: pct(v, f)) if ok else MISSING
                  for x, lo, hi, ok in zip(e["estimate"], e["ci_low"], e["ci_high"], identified)],
        before_s=moved_before(e, a.settings.alpha, t),
        interp_s=e["interpretation"].map(lambda x: t(f"causality.interp.{x}")),
    )
    return d.table(shown, {"group_s": t("causality.col_group"), "effect_s": t("causality.col_effect_plain"),
                           "before_s": t("causality.col_moved_before"), "interp_s": t("causality.col_interpretation")},
                   numeric=["effect_s"])


def effects(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The price change per initiative in plain words, and why the design does not identify
    the effects (if so); how they were estimated is in the methods appendix (``methods``)."""
    a = res.analysis
    if a is None:
        return []
    e, s = a.effects, a.settings
    parts = [d.heading(t("causality.results_heading")), d.paragraph(t("causality.results_intro_plain")),
             _plain_effects_table(a, t, f)]
    if not design_identified(e, a.data.treatments):
        why = [t(f"causality.reason.{r}", groups=", ".join(label(g, t) for g in gs), alpha=f.number(s.alpha, 2))
               for r, gs in reason_groups(e, a.data.treatments).items()]
        parts.append(d.callout(t("causality.not_identified", reasons="; ".join(why)), "caution"))
    return parts


def methods(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The methods appendix for reviewers, after the assessment: how the estimates were made
    (both estimators side by side, the intervals' method, whether the estimators agree); the
    event studies, the pre-trend tests and the robustness checks follow it (``event_studies``,
    ``diagnostics``, one level down)."""
    a = res.analysis
    if a is None:
        return []
    e, s = a.effects, a.settings
    parts = [d.heading(t("causality.methods_heading"), anchor="methods"), d.paragraph(t("causality.methods_intro")),
             d.heading(t("causality.estimators_heading"), 3), d.paragraph(t("causality.results_intro")),
             _effects_table(a, t, f)]
    n_cl = a.data.coverage["n_clusters"]
    note = "causality.interval_note" if n_cl < s.few_clusters_below else "causality.interval_note_analytic"
    parts.append(d.paragraph(t(note, level=f.percent(s.level), n_clusters=n_cl, df=n_cl - 1, reps=f.count(s.reps),
                               seed=s.seed)))
    shown, names = shown_groups(a), labels(a.data.groups, t)
    forest = e.rename(columns={"estimate": "robust_estimate", "ci_low": "robust_low", "ci_high": "robust_high",
                               "twfe_ci_low": "twfe_low", "twfe_ci_high": "twfe_high"})
    fig = figs.estimate_comparison(forest, shown, names,
                                   {"robust": t("causality.legend_robust"), "twfe": t("causality.legend_twfe")},
                                   t("causality.forest_xlabel"))
    parts.append(d.figure(fig, t("causality.forest_caption"), key="causality-fig3",
                          data=cf.forest_data(e, shown, names, t, f)))
    rows = e.set_index("group")
    differ = [g for g in shown if rows.loc[g, "twfe_differs"]]
    if differ:
        parts.append(d.callout(t("causality.diverge", groups=", ".join(names[g] for g in differ),
                                 share=f.percent(s.divergence_share)), "warning"))
    else:
        parts.append(d.callout(t("causality.agree", share=f.percent(s.divergence_share)), "info"))
    return parts


def _pretrend_table(a: Analysis, t: Texts, f: Formatter) -> d.Html:
    pt = pd.DataFrame(pretrend_tests_table(a.estimates.pretrend, a.settings.alpha, a.settings.tests))
    shown = pt.assign(
        driver_s=lambda x: x["driver"].map(lambda g: label(g, t)),
        test_s=lambda x: x["test"].map(lambda k: t(f"causality.test.{k}")),
        stat_s=lambda x: x["statistic"].map(lambda v: f.number(v, 2)),
        p_s=lambda x: x["p_value"].map(lambda v: f.number(v, 4)),
        rejects_s=lambda x: x["rejects"].map(lambda b: yes_no(bool(b), t)))
    return d.table(shown, {"driver_s": t("causality.col_group"), "test_s": t("causality.col_test"),
                           "stat_s": t("causality.col_statistic"), "p_s": t("causality.col_p"),
                           "rejects_s": t("causality.col_rejects")}, numeric=["stat_s", "p_s"])


def event_studies(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The event studies (robust and TWFE) and every pre-trend test that was run."""
    a = res.analysis
    if a is None:
        return []
    s, rows, names = a.settings, a.effects.set_index("group"), labels(a.data.groups, t)
    shown = shown_groups(a)
    titles = {g: t("causality.event_title", group=names[g], p=f.number(rows.loc[g, "pretrend_min_p"], 3))
              for g in shown}
    legend = {"imputation": t("causality.legend_robust"), "twfe": t("causality.legend_twfe")}
    fig = figs.event_studies(a.estimates.event_study, shown, titles, legend, t("causality.event_xlabel"),
                             t("causality.event_ylabel"))
    return [
        d.heading(t("causality.event_heading"), 3),
        d.paragraph(t("causality.event_intro", alpha=f.number(1 - s.level, 2), post=s.post)),
        d.figure(fig, t("causality.event_caption"), key="causality-fig4",
                 data=cf.event_data(a.estimates.event_study, shown, names, legend, t, f)),
        d.heading(t("causality.pretrend_heading"), 4),
        d.paragraph(t("causality.pretrend_intro", alpha=f.number(s.alpha, 2),
                      tests=", ".join(t(f"causality.test.{k}") for k in s.tests))),
        _pretrend_table(a, t, f),
    ]


def diagnostics(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The placebo with shifted dates and leave-one-wave-out."""
    a = res.analysis
    if a is None:
        return []
    shown, names, rows = shown_groups(a), labels(a.data.groups, t), a.effects.set_index("group")
    pl = a.placebo[a.placebo["group"].isin(shown)]
    parts = [
        d.heading(t("causality.diag_heading"), 3),
        d.paragraph(t("causality.placebo_intro", shift=res.params.placebo_shift_months)),
        d.table(pl.assign(group_s=pl["group"].map(lambda g: label(g, t)),
                          effect_s=[with_interval(x, lo, hi, lambda v: pct(v, f))
                                    for x, lo, hi in zip(pl["estimate"], pl["ci_low"], pl["ci_high"])],
                          zero_s=pl["covers_zero"].map(lambda b: yes_no(bool(b), t))),
                {"group_s": t("causality.col_group"), "effect_s": t("causality.col_placebo"),
                 "zero_s": t("causality.col_covers_zero")},
                numeric=["effect_s"]),
        d.paragraph(t("causality.loo_intro")),
    ]
    loo = a.leave_one_out
    loo_groups = [g for g in shown if (loo["group"] == g).sum() > 1]
    if loo_groups:
        fig = figs.leave_one_out(loo, a.effects, loo_groups, names, t("causality.loo_all"), t("causality.loo_xlabel"))
        parts.append(d.figure(fig, t("causality.loo_caption"), key="causality-fig5",
                              data=cf.loo_data(loo, loo_groups, names, t, f)))
        for g in loo_groups:
            lg = loo[loo["group"] == g]
            parts.append(d.paragraph(t("causality.loo_range", group=names[g], low=pct(lg["estimate"].min(), f),
                                       high=pct(lg["estimate"].max(), f), all=pct(rows.loc[g, "estimate"], f))))
    return parts


def _naive_items(frame: pd.DataFrame, a: Analysis, t: Texts, f: Formatter) -> str:
    names, rows = labels(a.data.groups, t), a.effects.set_index("group")
    sub = frame[frame["group"].isin(shown_groups(a))]
    return "; ".join(t("causality.naive_item", group=names[g], naive=pct(x, f), estimate=pct(rows.loc[g, "estimate"], f))
                     for g, x in zip(sub["group"], sub["estimate"]))


def warnings(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """What the naive before/after and the unit-value comparisons would say instead."""
    a = res.analysis
    if a is None:
        return []
    return [d.heading(t("causality.warning_heading")),
            d.callout(t("causality.naive_warning", window=res.params.naive_window_months,
                        items=_naive_items(a.naive, a, t, f)), "caution"),
            d.callout(t("causality.unit_value_warning", items=_naive_items(a.unit_value, a, t, f)), "caution")]


def _board(res: CausalityResult, a: Analysis, t: Texts, f: Formatter) -> list[d.Html]:
    b, share = a.board, res.board_share
    if share is None:
        return []
    data = d.FigureData(b.assign(saving_s=b["saving_sek"].map(lambda x: mn(x, f)),
                                 reported_s=b["reported_sek"].map(lambda x: mn(x, f)),
                                 coordinated_s=b["reported_coordinated_sek"].map(lambda x: mn(x, f))),
                        {"category": t("common.category"), "first_month": t("causality.col_first_month"),
                         "saving_s": t("causality.col_saving_coordination"), "reported_s": t("causality.col_reported"),
                         "coordinated_s": t("causality.col_reported_coordinated")},
                        numeric=("saving_s", "reported_s", "coordinated_s"))
    table = d.table(data.frame, data.columns, numeric=data.numeric)
    fig = figs.money_by_category(b, {"estimated": t("causality.legend_estimated"),
                                     "reported": t("causality.legend_reported"),
                                     "reported_coordinated": t("causality.legend_reported_coordinated")},
                                 t("causality.money_xlabel"))
    identified = a.effects.set_index("group").loc["coordination", "identified"]
    caveat = "causality.board_caveat" if identified else "causality.board_caveat_associational"
    return [
        d.heading(t("causality.board_heading"), 3), d.paragraph(t("causality.board_intro")), table,
        d.figure(fig, t("causality.money_caption"), key="causality-fig6", data=data),
        d.paragraph(t("causality.board_total", saving=mn(b["saving_sek"].sum(), f), low=mn(b["saving_low_sek"].sum(), f),
                      high=mn(b["saving_high_sek"].sum(), f))),
        d.callout(t(caveat, share=f.percent(share["estimate"]), low=f.percent(share["low"]),
                    high=f.percent(share["high"])), "caution"),
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
        d.table(sk.assign(group_s=sk["group"].map(lambda g: label(g, t)), spend_s=sk["spend_sek"].map(lambda x: mn(x, f)),
                          saving_s=[with_interval(x, lo, hi, lambda v: mn(v, f)) for x, lo, hi in
                                    zip(sk["saving_sek"], sk["saving_low_sek"], sk["saving_high_sek"])]),
                {"group_s": t("causality.col_group"), "spend_s": t("causality.col_spend"),
                 "saving_s": t("causality.col_saving")},
                numeric=["spend_s", "saving_s"]),
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

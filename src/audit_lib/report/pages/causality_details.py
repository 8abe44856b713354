"""The causality page for reviewers, after the assessment: the methods (both estimators side by
side), the event studies with the pre-trend tests, and the diagnostics (placebo, leave one
wave out). Each function is one notebook cell's output (``pages.causality`` re-exports them)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.causality import Analysis, CausalityResult, pretrend_tests_table
from .. import display as d
from ..figures import causality as figs
from ..fmt import MISSING, Formatter
from ..texts import Texts
from ..values import yes_no
from . import causality_figures as cf
from .causality_values import label, labels, pct, shown_groups, with_interval


def _effects_table(a: Analysis, t: Texts, f: Formatter) -> d.Html:
    """For reviewers: both estimators and both pre-trend tests per group."""
    e = a.effects
    identified = e["interpretation"] != "not_identified"

    def show(x: Any) -> str:
        return pct(x, f)

    shown = e.assign(
        group_s=e["group"].map(lambda g: label(g, t)),
        effect_s=[
            with_interval(x, lo, hi, show) if ok else MISSING
            for x, lo, hi, ok in zip(e["estimate"], e["ci_low"], e["ci_high"], identified)
        ],
        twfe_s=[
            with_interval(x, lo, hi, show) for x, lo, hi in zip(e["twfe_estimate"], e["twfe_ci_low"], e["twfe_ci_high"])
        ],
        pretrend_s=e["pretrend_p"].map(lambda x: f.number(x, 3)),
        pretrend_f_s=e["pretrend_p_f"].map(lambda x: f.number(x, 3)),
        interp_s=e["interpretation"].map(lambda x: t(f"causality.interp.{x}")),
    )
    return d.table(
        shown,
        {
            "group_s": t("causality.col_group"),
            "effect_s": t("causality.col_effect"),
            "twfe_s": t("causality.col_twfe"),
            "pretrend_s": t("causality.col_pretrend"),
            "pretrend_f_s": t("causality.col_pretrend_f"),
            "interp_s": t("causality.col_interpretation"),
        },
        numeric=["effect_s", "twfe_s", "pretrend_s", "pretrend_f_s"],
    )


def methods(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The methods appendix for reviewers, after the assessment: how the estimates were made
    (both estimators side by side, the intervals' method, whether the estimators agree); the
    event studies, the pre-trend tests and the robustness checks follow it (``event_studies``,
    ``diagnostics``, one level down)."""
    a = res.analysis
    if a is None:
        return []
    e, s = a.effects, a.settings
    parts = [
        d.heading(t("causality.methods_heading"), anchor="methods"),
        d.paragraph(t("causality.methods_intro")),
        d.heading(t("causality.estimators_heading"), 3),
        d.paragraph(t("causality.results_intro")),
        _effects_table(a, t, f),
    ]
    n_cl = a.data.coverage["n_clusters"]
    note = "causality.interval_note" if n_cl < s.few_clusters_below else "causality.interval_note_analytic"
    parts.append(
        d.paragraph(t(note, level=f.percent(s.level), n_clusters=n_cl, df=n_cl - 1, reps=f.count(s.reps), seed=s.seed))
    )
    shown, names = shown_groups(a), labels(a.data.groups, t)
    forest = e.rename(
        columns={
            "estimate": "robust_estimate",
            "ci_low": "robust_low",
            "ci_high": "robust_high",
            "twfe_ci_low": "twfe_low",
            "twfe_ci_high": "twfe_high",
        }
    )
    fig = figs.estimate_comparison(
        forest,
        shown,
        names,
        {"robust": t("causality.legend_robust"), "twfe": t("causality.legend_twfe")},
        t("causality.forest_xlabel"),
    )
    parts.append(
        d.figure(fig, t("causality.forest_caption"), key="causality-fig3", data=cf.forest_data(e, shown, names, t, f))
    )
    rows = e.set_index("group")
    differ = [g for g in shown if rows.loc[g, "twfe_differs"]]
    if differ:
        parts.append(
            d.callout(
                t("causality.diverge", groups=", ".join(names[g] for g in differ), share=f.percent(s.divergence_share)),
                "warning",
            )
        )
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
        rejects_s=lambda x: x["rejects"].map(lambda b: yes_no(bool(b), t)),
    )
    return d.table(
        shown,
        {
            "driver_s": t("causality.col_group"),
            "test_s": t("causality.col_test"),
            "stat_s": t("causality.col_statistic"),
            "p_s": t("causality.col_p"),
            "rejects_s": t("causality.col_rejects"),
        },
        numeric=["stat_s", "p_s"],
    )


def event_studies(res: CausalityResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The event studies (robust and TWFE) and every pre-trend test that was run."""
    a = res.analysis
    if a is None:
        return []
    s, rows, names = a.settings, a.effects.set_index("group"), labels(a.data.groups, t)
    shown = shown_groups(a)
    titles = {
        g: t("causality.event_title", group=names[g], p=f.number(rows.loc[g, "pretrend_min_p"], 3)) for g in shown
    }
    legend = {"imputation": t("causality.legend_robust"), "twfe": t("causality.legend_twfe")}
    fig = figs.event_studies(
        a.estimates.event_study, shown, titles, legend, t("causality.event_xlabel"), t("causality.event_ylabel")
    )
    return [
        d.heading(t("causality.event_heading"), 3),
        d.paragraph(t("causality.event_intro", alpha=f.number(1 - s.level, 2), post=s.post)),
        d.figure(
            fig,
            t("causality.event_caption"),
            key="causality-fig4",
            data=cf.event_data(a.estimates.event_study, shown, names, legend, t, f),
        ),
        d.heading(t("causality.pretrend_heading"), 4),
        d.paragraph(
            t(
                "causality.pretrend_intro",
                alpha=f.number(s.alpha, 2),
                tests=", ".join(t(f"causality.test.{k}") for k in s.tests),
            )
        ),
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
        d.table(
            pl.assign(
                group_s=pl["group"].map(lambda g: label(g, t)),
                effect_s=[
                    with_interval(x, lo, hi, lambda v: pct(v, f))
                    for x, lo, hi in zip(pl["estimate"], pl["ci_low"], pl["ci_high"])
                ],
                zero_s=pl["covers_zero"].map(lambda b: yes_no(bool(b), t)),
            ),
            {
                "group_s": t("causality.col_group"),
                "effect_s": t("causality.col_placebo"),
                "zero_s": t("causality.col_covers_zero"),
            },
            numeric=["effect_s"],
        ),
        d.paragraph(t("causality.loo_intro")),
    ]
    loo = a.leave_one_out
    loo_groups = [g for g in shown if (loo["group"] == g).sum() > 1]
    if loo_groups:
        fig = figs.leave_one_out(loo, a.effects, loo_groups, names, t("causality.loo_all"), t("causality.loo_xlabel"))
        parts.append(
            d.figure(
                fig, t("causality.loo_caption"), key="causality-fig5", data=cf.loo_data(loo, loo_groups, names, t, f)
            )
        )
        for g in loo_groups:
            lg = loo[loo["group"] == g]
            parts.append(
                d.paragraph(
                    t(
                        "causality.loo_range",
                        group=names[g],
                        low=pct(lg["estimate"].min(), f),
                        high=pct(lg["estimate"].max(), f),
                        all=pct(rows.loc[g, "estimate"], f),
                    )
                )
            )
    return parts

"""The numbers behind each figure of the causality page, as the collapsed table beside it
(:class:`~audit_lib.report.display.FigureData`): the figure's own data, labelled in the run's
language and written as the page writes its numbers."""

from __future__ import annotations


import pandas as pd

from .. import display as d
from ..fmt import Formatter
from ..texts import Texts
from . import causality_values as cv


def index_data(frame: pd.DataFrame, t: Texts, f: Formatter) -> d.FigureData:
    """The price index by category, region and month."""
    shown = frame.sort_values(["category", "region", "month"]).assign(
        month_s=lambda x: pd.to_datetime(x["month"]).dt.strftime("%Y-%m")
    )
    return d.FigureData(
        shown,
        {
            "category": t("common.category"),
            "region": t("common.region"),
            "month_s": t("causality.data_month"),
            "index": t("causality.index_ylabel"),
        },
        {"index": lambda x: f.number(x, 1)},
    )


def rollout_data(cells: pd.DataFrame, treatments: list[str], names: dict[str, str], t: Texts) -> d.FigureData:
    """Each cell's start month of each initiative."""
    c = cells.sort_values(["category", "region"])
    starts = {
        f"start_{k}": c[f"date__{k}"].map(lambda x: pd.Timestamp(x).strftime("%Y-%m") if pd.notna(x) else "")
        for k in treatments
    }
    return d.FigureData(
        c.assign(**starts),
        {
            "category": t("common.category"),
            "region": t("common.region"),
            **{f"start_{k}": names[k] for k in treatments},
        },
    )


def forest_data(e: pd.DataFrame, shown: list[str], names: dict[str, str], t: Texts, f: Formatter) -> d.FigureData:
    """Each shown group's robust and TWFE estimate with its interval, as percent changes."""
    r = e.set_index("group").loc[shown].reset_index()
    show = lambda x: cv.pct(x, f)  # noqa: E731
    return d.FigureData(
        r.assign(
            group_s=r["group"].map(names),
            robust_s=[cv.with_interval(x, lo, hi, show) for x, lo, hi in zip(r["estimate"], r["ci_low"], r["ci_high"])],
            twfe_s=[
                cv.with_interval(x, lo, hi, show)
                for x, lo, hi in zip(r["twfe_estimate"], r["twfe_ci_low"], r["twfe_ci_high"])
            ],
        ),
        {
            "group_s": t("causality.col_group"),
            "robust_s": t("causality.legend_robust"),
            "twfe_s": t("causality.legend_twfe"),
        },
        numeric=("robust_s", "twfe_s"),
    )


def event_data(
    es: pd.DataFrame, shown: list[str], names: dict[str, str], legend: dict[str, str], t: Texts, f: Formatter
) -> d.FigureData:
    """Each shown group's effects by month since the start, both estimators, in percent."""
    r = pd.concat([es[es["group"] == g].sort_values(["estimator", "event_time"]) for g in shown])
    show = lambda x: f.percent(x, 1)  # noqa: E731
    return d.FigureData(
        r.assign(
            group_s=r["group"].map(names),
            estimator_s=r["estimator"].map(legend),
            effect_s=[cv.with_interval(x, lo, hi, show) for x, lo, hi in zip(r["estimate"], r["ci_low"], r["ci_high"])],
        ),
        {
            "group_s": t("causality.col_group"),
            "estimator_s": t("causality.data_method"),
            "event_time": t("causality.event_xlabel"),
            "effect_s": t("causality.event_ylabel"),
        },
        numeric=("event_time", "effect_s"),
    )


def loo_data(loo: pd.DataFrame, groups: list[str], names: dict[str, str], t: Texts, f: Formatter) -> d.FigureData:
    """Each group's estimate without each rollout wave, as percent changes."""
    r = loo[loo["group"].isin(groups)]
    show = lambda x: cv.pct(x, f)  # noqa: E731
    return d.FigureData(
        r.assign(
            group_s=r["group"].map(names),
            effect_s=[cv.with_interval(x, lo, hi, show) for x, lo, hi in zip(r["estimate"], r["ci_low"], r["ci_high"])],
        ),
        {"group_s": t("causality.col_group"), "wave": t("causality.loo_xlabel"), "effect_s": t("causality.col_effect")},
        numeric=("wave", "effect_s"),
    )

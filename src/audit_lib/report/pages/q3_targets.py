"""What the page of question 3 shows: targets against outcomes, each target beside its
history, and whether the audit year's targets are realistic."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.q3_targets import INDICATOR_ORDER, Q3Result
from .. import display as d
from ..figures.q3_targets import target_vs_outcome
from ..fmt import Formatter
from ..texts import Texts
from ..values import InputFormat, yes_no

INPUTS = InputFormat()  # the criteria's inputs: shares as percent, other figures with two decimals


def value(indicator: str, x: Any, f: Formatter) -> str:
    """An indicator's value in its unit: money in mnkr, the share in percent, else a count."""
    return {"enabled_savings_sek": f.mnkr, "coordinated_share": f.percent}.get(indicator, f.count)(x)


def gap_value(indicator: str, x: Any, f: Formatter) -> str:
    """A difference in the indicator's unit (a share's difference in percentage points)."""
    return {"enabled_savings_sek": f.mnkr, "coordinated_share": f.percent_points}.get(indicator, f.count)(x)


def _labels(frame: Any, t: Texts) -> dict[str, Any]:
    return {
        "indicator_label": frame["indicator"].map(lambda i: t(f"indicator.{i}")),
        "period_label": frame["period"].map(lambda x: t(f"period.{x}")),
    }


def targets(res: Q3Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The table of targets and outcomes (and a note when some rows are synthetic)."""
    table = res.table
    shown = table.assign(
        **_labels(table, t),
        target_s=[
            value(i, x, f) if s else t("q3_targets.no_target")
            for i, x, s in zip(table["indicator"], table["target"], table["target_set"])
        ],
        outcome_s=[value(i, x, f) for i, x in zip(table["indicator"], table["outcome"])],
        gap_s=[gap_value(i, x, f) for i, x in zip(table["indicator"], table["gap"])],
        gap_pct_s=table["gap_pct"].map(lambda x: f.percent(x, 1)),
        synthetic_s=table["synthetic"].map(lambda b: t("common.yes") if b else ""),
    )
    parts = [
        d.heading(t("q3_targets.table_heading")),
        d.paragraph(t("q3_targets.table_intro")),
        d.table(
            shown,
            {
                "indicator_label": t("q3_targets.col_indicator"),
                "year": t("common.year"),
                "period_label": t("q3_targets.col_period"),
                "target_s": t("q3_targets.col_target"),
                "outcome_s": t("q3_targets.col_outcome"),
                "gap_s": t("q3_targets.col_gap"),
                "gap_pct_s": t("q3_targets.col_gap_pct"),
                "synthetic_s": t("q3_targets.col_synthetic"),
            },
            numeric=["target_s", "outcome_s", "gap_s", "gap_pct_s"],
        ),
    ]
    if table["synthetic"].any():
        parts.append(d.callout(t("common.synthetic_note"), "info"))
    return parts


def anchoring(res: Q3Result, t: Texts, f: Formatter, level: float) -> list[d.Html]:
    """Each target beside the earlier outcomes: the trend forecast and its interval."""
    anchor = res.anchor
    n_max = int(anchor["n_history"].max()) if len(anchor) else 0
    an = anchor.assign(
        **_labels(anchor, t),
        target_s=[value(i, x, f) for i, x in zip(anchor["indicator"], anchor["target"])],
        last_s=[value(i, x, f) for i, x in zip(anchor["indicator"], anchor["last_outcome"])],
        forecast_s=[value(i, x, f) for i, x in zip(anchor["indicator"], anchor["forecast"])],
        interval_s=[
            f"{value(i, lo, f)} – {value(i, hi, f)}" if lo == lo else t("q3_targets.not_enough_history")
            for i, lo, hi in zip(anchor["indicator"], anchor["forecast_low"], anchor["forecast_high"])
        ],
        within_s=anchor["within_interval"].map(lambda b: "" if b is None else yes_no(b, t)),
        percentile_s=anchor["percentile"].map(lambda x: f.percent(x)),
    )
    return [
        d.heading(t("q3_targets.anchoring_heading")),
        d.paragraph(t("q3_targets.anchoring_intro", level=f.percent(level))),
        d.callout(t("q3_targets.few_years", n=n_max, df=max(n_max - 2, 0)), "warning"),
        d.table(
            an,
            {
                "indicator_label": t("q3_targets.col_indicator"),
                "year": t("common.year"),
                "period_label": t("q3_targets.col_period"),
                "target_s": t("q3_targets.col_target"),
                "n_history": t("q3_targets.col_n_history"),
                "last_s": t("q3_targets.col_last"),
                "forecast_s": t("q3_targets.col_forecast"),
                "interval_s": t("q3_targets.col_interval"),
                "within_s": t("q3_targets.col_within"),
                "percentile_s": t("q3_targets.col_percentile"),
            },
            numeric=["target_s", "last_s", "forecast_s", "percentile_s", "n_history"],
        ),
        d.paragraph(t("q3_targets.register_share_note")),
    ]


def realism(res: Q3Result, t: Texts, f: Formatter) -> list[d.Html]:
    """The audit year's targets against their forecast interval, in sentences, and the figure."""
    anchor, year = res.anchor, res.audit_year
    parts = [d.heading(t("q3_targets.realism_heading"))]
    current = anchor[(anchor["year"] == year) & anchor["within_interval"].notna()].drop_duplicates("indicator")
    for r in current.itertuples():
        ind = str(r.indicator)
        parts.append(
            d.paragraph(
                t(
                    "q3_targets.realism_sentence",
                    indicator=t(f"indicator.{ind}"),
                    year=r.year,
                    n=r.n_history,
                    forecast=value(ind, r.forecast, f),
                    low=value(ind, r.forecast_low, f),
                    high=value(ind, r.forecast_high, f),
                    target=value(ind, r.target, f),
                    percentile=f.percent(r.percentile),
                )
            )
        )
        above = float(r.target) > float(r.forecast_high)  # type: ignore[arg-type]
        key = "inside" if r.within_interval else ("outside_high" if above else "outside_low")
        parts.append(d.callout(t(f"q3_targets.realism_{key}"), "info" if r.within_interval else "warning"))
    names = {
        i: t(f"indicator.{i}") + (f" ({t('q3_targets.unit_mnkr')})" if i == "enabled_savings_sek" else "")
        for i in INDICATOR_ORDER
    }
    fig = target_vs_outcome(
        res.table,
        anchor,
        ["coordinated_count", "enabled_savings_sek"],
        names,
        {"enabled_savings_sek": 1e6},
        {k: t(f"q3_targets.legend_{k}") for k in ("target", "outcome", "interval")},
        year,
    )
    parts.append(d.figure(fig, t("q3_targets.figure_caption"), key="q3-fig1", data=_figure_data(res, anchor, t, f)))
    return parts


def _figure_data(res: Q3Result, anchor: Any, t: Texts, f: Formatter) -> d.FigureData:
    """The figure's numbers: each drawn indicator's outcome and target by year, and the audit
    year's forecast interval."""
    drawn = ("coordinated_count", "enabled_savings_sek")
    full = res.table[res.table["period"] == "full_year"]
    tb = pd.concat([full[full["indicator"] == i].sort_values("year") for i in drawn])
    fc = anchor[anchor["year"] == res.audit_year].drop_duplicates("indicator").set_index("indicator")
    shown = tb.assign(
        indicator_label=tb["indicator"].map(lambda i: t(f"indicator.{i}")),
        outcome_s=[value(i, x, f) for i, x in zip(tb["indicator"], tb["outcome"])],
        target_s=[
            value(i, x, f) if s else t("q3_targets.no_target")
            for i, x, s in zip(tb["indicator"], tb["target"], tb["target_set"])
        ],
        interval_s=[
            f"{value(i, fc.at[i, 'forecast_low'], f)} – {value(i, fc.at[i, 'forecast_high'], f)}"
            if y == res.audit_year and i in fc.index and fc.at[i, "forecast_low"] == fc.at[i, "forecast_low"]
            else ""
            for i, y in zip(tb["indicator"], tb["year"])
        ],
    )
    return d.FigureData(
        shown,
        {
            "indicator_label": t("q3_targets.col_indicator"),
            "year": t("common.year"),
            "outcome_s": t("q3_targets.legend_outcome"),
            "target_s": t("q3_targets.legend_target"),
            "interval_s": t("q3_targets.legend_interval"),
        },
        numeric=("outcome_s", "target_s", "interval_s"),
    )

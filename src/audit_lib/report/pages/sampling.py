"""What the sampling page shows: how the sample was drawn (in plain words), the procurements
chosen with why each was chosen, and what the file reviews found (projected misstatement,
upper misstatement limit against the tolerable misstatement), or that the files are yet to be
reviewed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...questions.sampling import SamplingResult
from .. import display as d
from ..fmt import Formatter
from ..texts import Texts

ITEM_COLUMNS = (
    "procurement_id",
    "title",
    "completed_date",
    "estimated_value_sek",
    "reason",
)  # the reason names the way
MAX_ROWS = 15  # the first rows of a long table; the whole table one click away


def _kr(f: Formatter, t: Texts) -> Any:
    """Kronor in full, as the page writes an amount in a sentence."""
    return lambda x: f"{f.number(x)} {'kr' if t.language == 'sv' else 'SEK'}"


def design(res: SamplingResult, t: Texts, f: Formatter, p: Any) -> list[d.Html]:
    """What the sample is and how it was drawn: the population, the three ways of being chosen,
    where the sampling interval comes from, and that the draw is reproducible."""
    s = res.sample.summary()
    kr = _kr(f, t)
    parts = [
        d.paragraph(t("sampling.intro")),
        d.key_figures(
            [
                (t("sampling.kf_population", year=res.audit_year), f.count(res.population)),
                (t("sampling.kf_selected"), f.count(s["selected"])),
                (t("sampling.kf_interval"), kr(s["interval_sek"])),
                (t("sampling.kf_reviewed"), f.count(len(res.reviewed))),
            ]
        ),
        d.heading(t("sampling.design_heading")),
        d.paragraph(
            t(
                "sampling.design",
                population=res.population,
                year=res.audit_year,
                value=f.mnkr(res.population_value_sek),
                selected=f.count(s["selected"]),
                risk=f.count(s["n_risk"]),
                certainty=f.count(s["n_certainty"]),
                pps=f.count(s["n_pps"]),
            )
        ),
    ]
    if p.size is not None:
        parts.append(
            d.paragraph(t("sampling.interval_from_size", size=f.count(p.size), interval=kr(s["interval_sek"])))
        )
    else:
        parts.append(
            d.paragraph(
                t(
                    "sampling.interval_from_misstatement",
                    interval=kr(s["interval_sek"]),
                    tolerable=kr(p.tolerable_misstatement_sek),
                    expected=kr(p.expected_misstatement_sek),
                    confidence=f.percent(p.confidence),
                )
            )
        )
    if s["zero_value_not_sampled"]:
        parts.append(d.paragraph(t("sampling.zero_value", n=s["zero_value_not_sampled"])))
    parts.append(d.paragraph(t("sampling.reproducible", seed=s["seed"])))
    return parts


def items(res: SamplingResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The procurements chosen, each with how and why it was chosen."""
    shown = res.sample.items.assign(completed_date=res.sample.items["completed_date"].dt.strftime("%Y-%m-%d"))
    return [
        d.heading(t("sampling.items_heading")),
        d.table(
            shown,
            {c: t(f"sampling.col_{c}") for c in ITEM_COLUMNS},
            formats={"estimated_value_sek": f.number},
            caption=t("sampling.items_caption", n=len(shown)),
            max_rows=MAX_ROWS,
        ),
    ]


def evaluation(res: SamplingResult, t: Texts, f: Formatter) -> list[d.Html]:
    """What the file reviews found, in plain words; before any review, that it is yet to come."""
    parts = [d.heading(t("sampling.evaluation_heading"))]
    ev = res.evaluation
    if ev is None:
        return parts + [d.callout(t("sampling.not_reviewed"), "info")]
    kr = _kr(f, t)
    selected = len(res.sample.items)
    if res.not_reviewed > 0:
        parts.append(
            d.callout(
                t(
                    "sampling.partly_reviewed",
                    reviewed=f.count(len(res.reviewed)),
                    selected=f.count(selected),
                    left=f.count(res.not_reviewed),
                ),
                "warning",
            )
        )
    else:
        parts.append(d.paragraph(t("sampling.all_reviewed", selected=f.count(selected))))
    found = ev.items[ev.items["misstatement_sek"] > 0]
    parts.append(
        d.paragraph(
            t("sampling.found", n=len(found), total=kr(found["misstatement_sek"].sum()))
            if len(found)
            else t("sampling.found_none")
        )
    )
    figures = [(t("sampling.kf_projected"), kr(ev.projected)), (t("sampling.kf_upper"), kr(ev.upper_limit))]
    if ev.tolerable is not None:
        figures.append((t("sampling.kf_tolerable"), kr(ev.tolerable)))
    parts += [
        d.key_figures(figures),
        d.paragraph(t("sampling.projected", projected=kr(ev.projected))),
        d.paragraph(t("sampling.upper_limit", upper=kr(ev.upper_limit), confidence=f.percent(ev.confidence))),
    ]
    # an error found in a file not yet reviewed can only raise the limit: below is preliminary, above is not
    below = "sampling.below_tolerable_so_far" if res.not_reviewed > 0 else "sampling.below_tolerable"
    verdict = {
        None: ("sampling.no_tolerable", "info"),
        True: ("sampling.exceeds_tolerable", "warning"),
        False: (below, "info"),
    }[ev.exceeds_tolerable]
    parts.append(d.callout(t(verdict[0], tolerable=kr(ev.tolerable) if ev.tolerable is not None else ""), verdict[1]))
    return parts + [_reviewed_table(res, t, f)]


def _reviewed_table(res: SamplingResult, t: Texts, f: Formatter) -> d.Html:
    """Each file reviewed: what was found and, for a procurement chosen at random, how far it
    counts (its error's share of its value, and that share of the interval)."""
    ev = res.evaluation
    assert ev is not None
    counted = ev.items.set_index("procurement_id")
    r = res.reviewed
    shown = r.assign(
        stratum=r["stratum"].map(lambda s: t(f"sampling.stratum.{s}")),
        tainting=r["procurement_id"].map(counted["tainting"]) if len(counted) else None,
        projected_sek=r["procurement_id"].map(counted["projected_sek"]).fillna(0.0) if len(counted) else 0.0,
    )
    pct = lambda x: f.percent(x) if pd.notna(x) else "–"  # noqa: E731
    return d.table(
        shown,
        {
            c: t(f"sampling.col_{c}")
            for c in (
                "procurement_id",
                "title",
                "stratum",
                "estimated_value_sek",
                "misstatement_sek",
                "tainting",
                "projected_sek",
            )
        },
        formats={
            "estimated_value_sek": f.number,
            "misstatement_sek": f.number,
            "tainting": pct,
            "projected_sek": f.number,
        },
        caption=t("sampling.reviewed_caption"),
        max_rows=MAX_ROWS,
    )

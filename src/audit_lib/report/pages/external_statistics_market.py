"""The parts of the national statistics' page on the market: coordination (the official flag and
what was detected, with the procurements listed for review) and competition with intervals
against the peers. (:mod:`.external_statistics` shows them; its other parts are there.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...questions.external_statistics import AUDITED, NATIONAL, PEERS, ExternalStatisticsResult, Findings
from .. import display as d
from ..figures.external_statistics import competition_vs_peers
from ..fmt import Formatter
from ..texts import Texts

Labels = Mapping[str, str]  # buyer query or group -> its name on the page


def _flag_sentence(flags: pd.DataFrame, t: Texts, f: Formatter) -> d.Html:
    fl = flags.set_index("group")
    return d.paragraph(
        t(
            "external_statistics.flag_sentence",
            n_flagged=f.count(fl.at[NATIONAL, "n_flagged"]),
            n=f.count(fl.at[NATIONAL, "n_procurements"]),
            share=f.percent(fl.at[NATIONAL, "flagged_share"], 1),
            n_peers_flagged=f.count(fl.at[PEERS, "n_flagged"]),
            n_peers=f.count(fl.at[PEERS, "n_procurements"]),
            n_audited_flagged=f.count(fl.at[AUDITED, "n_flagged"]),
            n_audited=f.count(fl.at[AUDITED, "n_procurements"]),
        )
    )


def _count_tables(found: Findings, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    flags, joint = found.flags, found.joint
    ft = flags.assign(
        group_s=flags["group"].map(label),
        n_s=flags["n_procurements"].map(f.count),
        flagged_s=flags["n_flagged"].map(f.count),
        share_s=flags["flagged_share"].map(lambda x: f.percent(x, 1)),
    )
    jt = joint.assign(
        group_s=joint["group"].map(label),
        detected_s=joint["n_detected_joint"].map(f.count),
        lead_s=joint["n_detected_lead"].map(f.count),
        same_s=joint["n_same_title"].map(f.count),
    )
    return [
        d.table(
            ft,
            {
                "group_s": t("external_statistics.col_buyer"),
                "n_s": t("external_statistics.col_n_procurements"),
                "flagged_s": t("external_statistics.col_n_flagged"),
                "share_s": t("external_statistics.col_flagged_share"),
            },
            numeric=["n_s", "flagged_s", "share_s"],
        ),
        d.table(
            jt,
            {
                "group_s": t("external_statistics.col_buyer"),
                "detected_s": t("external_statistics.col_n_detected"),
                "lead_s": t("external_statistics.col_n_lead"),
                "same_s": t("external_statistics.col_n_same_title"),
            },
            numeric=["detected_s", "lead_s", "same_s"],
        ),
    ]


def _reason(reason: str, detail: Any, flagged: Any, t: Texts) -> str:
    """Why a procurement is listed: the reason, what matched, and whether it carries the flag."""
    return (
        t(f"external_statistics.reason_{reason}")
        + ("" if reason == "same_title" else ": " + str(detail))
        + (" " + t("external_statistics.flagged_suffix") if flagged is True else "")
    )


def _signals_table(signals: pd.DataFrame, t: Texts, label: Labels) -> d.Html:
    sg = signals.assign(
        date_s=signals["published_date"].map(lambda x: "" if pd.isna(x) else x.date().isoformat()),
        registered_s=[
            label.get(q, n) if isinstance(q, str) else n for q, n in zip(signals["buyer"], signals["buyer_name"])
        ],
        reason_s=[
            _reason(r, x, fl, t) for r, x, fl in zip(signals["reason"], signals["detail"], signals["coordinated_flag"])
        ],
        participants_s=signals["participants"].map(lambda qs: ", ".join(label[q] for q in qs)),
    )
    return d.table(
        sg,
        {
            "date_s": t("external_statistics.col_date"),
            "registered_s": t("external_statistics.col_registered"),
            "procurement_id": t("external_statistics.col_procurement_id"),
            "title": t("common.title"),
            "reason_s": t("external_statistics.col_reason"),
            "participants_s": t("external_statistics.col_participants"),
        },
        max_rows=100,
    )


def coordination(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The official flag and the coordination detected, with the procurements listed for review."""
    found = res.findings
    if found is None:
        return []
    return [
        d.heading(t("external_statistics.coord_heading")),
        d.paragraph(t("external_statistics.coord_intro")),
        _flag_sentence(found.flags, t, f),
        *_count_tables(found, t, f, label),
        d.paragraph(t("external_statistics.coord_table_note")),
        d.paragraph(t("external_statistics.detect_intro")),
        _signals_table(found.signals, t, label)
        if len(found.signals)
        else d.paragraph(t("external_statistics.detect_none")),
        d.callout(t("external_statistics.detect_lower_bound"), "caution"),
    ]


def _estimate(x: Any, lo: Any, hi: Any, show: Any, t: Texts) -> str:
    return str(t("external_statistics.estimate_interval", estimate=show(x), low=show(lo), high=show(hi)))


def _competition_table(comp: pd.DataFrame, t: Texts, f: Formatter, label: Labels, min_tenders: int) -> d.Html:
    one = lambda x: f.number(x, 1)  # noqa: E731
    ct = comp.assign(
        group_s=comp["group"].map(label),
        lots_s=comp["n_lots"].map(f.count),
        single_s=[
            _estimate(x, lo, hi, f.percent, t)
            for x, lo, hi in zip(
                comp["single_tender_share"], comp["single_tender_share_low"], comp["single_tender_share_high"]
            )
        ],
        mean_s=[
            _estimate(x, lo, hi, one, t)
            for x, lo, hi in zip(
                comp["mean_tenders_per_lot"], comp["mean_tenders_per_lot_low"], comp["mean_tenders_per_lot_high"]
            )
        ],
        min_s=comp["share_min_tenders"].map(f.percent),
    )
    return d.table(
        ct,
        {
            "group_s": t("external_statistics.col_buyer"),
            "lots_s": t("external_statistics.col_n_lots"),
            "single_s": t("external_statistics.col_single_share"),
            "mean_s": t("external_statistics.col_mean"),
            "min_s": t("external_statistics.col_min_tenders", k=min_tenders),
        },
        numeric=["lots_s", "single_s", "mean_s", "min_s"],
    )


def _competition_data(dist: pd.DataFrame, comp: pd.DataFrame, t: Texts, f: Formatter, label: Labels) -> d.FigureData:
    """The figure's numbers: each group's estimates with their intervals, then every peer buyer's."""
    one = lambda x: f.number(x, 1)  # noqa: E731
    groups = comp.assign(
        group_s=comp["group"].map(label),
        single_s=[
            _estimate(x, lo, hi, f.percent, t)
            for x, lo, hi in zip(
                comp["single_tender_share"], comp["single_tender_share_low"], comp["single_tender_share_high"]
            )
        ],
        mean_s=[
            _estimate(x, lo, hi, one, t)
            for x, lo, hi in zip(
                comp["mean_tenders_per_lot"], comp["mean_tenders_per_lot_low"], comp["mean_tenders_per_lot_high"]
            )
        ],
    )
    peers = dist[dist["group"] == PEERS]
    buyers = pd.DataFrame(
        {
            "group_s": [f"{t('external_statistics.legend_peer_buyer')}: {n}" for n in peers["buyer_name"]],
            "single_s": peers["single_tender_share"].map(f.percent).to_list(),
            "mean_s": peers["mean_tenders_per_lot"].map(one).to_list(),
        }
    )
    return d.FigureData(
        pd.concat([groups, buyers], ignore_index=True),
        {
            "group_s": t("external_statistics.col_buyer"),
            "single_s": t("external_statistics.col_single_share"),
            "mean_s": t("external_statistics.col_mean"),
        },
        numeric=("single_s", "mean_s"),
    )


def _competition_sentences(found: Findings, c: Any, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """Per audited buyer with lots: its single-tender share against the peers', and the cluster note."""
    ranks = {e["buyer"]: e["peer_share_below_single_tender_share"] for e in found.entries}
    parts = []
    for g in found.groups.order:
        if not c.at[g, "n_lots"]:
            continue
        low, high = c.at[g, "single_tender_share_low"], c.at[g, "single_tender_share_high"]
        peer_low, peer_high = c.at[PEERS, "single_tender_share_low"], c.at[PEERS, "single_tender_share_high"]
        side = "higher" if low > peer_high else "lower" if high < peer_low else "overlap"
        parts.append(
            d.paragraph(
                t(
                    "external_statistics.comp_sentence",
                    buyer=label[g],
                    share=f.percent(c.at[g, "single_tender_share"]),
                    n=f.count(c.at[g, "n_lots"]),
                    low=f.percent(low),
                    high=f.percent(high),
                    peer_share=f.percent(c.at[PEERS, "single_tender_share"]),
                    peer_low=f.percent(peer_low),
                    peer_high=f.percent(peer_high),
                    rank=f.percent(ranks[g]),
                )
                + " "
                + t("external_statistics.comp_" + side)
            )
        )
    parts.append(
        d.paragraph(
            t(
                "external_statistics.comp_cluster_note",
                low=f.percent(c.at[AUDITED, "single_tender_share_cluster_low"]),
                high=f.percent(c.at[AUDITED, "single_tender_share_cluster_high"]),
                peer_low=f.percent(c.at[PEERS, "single_tender_share_cluster_low"]),
                peer_high=f.percent(c.at[PEERS, "single_tender_share_cluster_high"]),
            )
        )
    )
    return parts


def competition(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels, params: Any) -> list[d.Html]:
    """Competition per buyer with intervals, against the peers, and the figure (``params``: the
    question's parameters: ``interval_level``, ``market_min_tenders``, ``min_peer_lots``)."""
    found = res.findings
    if found is None:
        return []
    parts = [d.heading(t("external_statistics.comp_heading"))]
    comp = found.comp
    if comp is None:
        return [*parts, d.paragraph(t("external_statistics.comp_none"))]
    level = f.percent(params.interval_level)
    parts += [
        d.paragraph(t("external_statistics.comp_intro", level=level)),
        _competition_table(comp, t, f, label, params.market_min_tenders),
    ]
    c: Any = comp.set_index("group")  # Any: pandas' stubs type a cell as any scalar
    parts += _competition_sentences(found, c, t, f, label)
    assert found.dist is not None  # both come from the lots table
    fig = competition_vs_peers(
        found.dist,
        comp,
        list(found.groups.order),
        PEERS,
        label,
        {"single": t("external_statistics.ax_single"), "mean": t("external_statistics.ax_mean")},
        {
            "peer_buyer": t("external_statistics.legend_peer_buyer"),
            "interval": t("external_statistics.legend_interval"),
        },
    )
    return [
        *parts,
        d.figure(
            fig,
            t("external_statistics.comp_caption", min_lots=params.min_peer_lots, level=level),
            key="es-fig2",
            data=_competition_data(found.dist, comp, t, f, label),
        ),
        d.paragraph(
            t(
                "external_statistics.comp_market_note",
                k=params.market_min_tenders,
                share=f.percent(c.at[AUDITED, "share_min_tenders"]),
                peer_share=f.percent(c.at[PEERS, "share_min_tenders"]),
            )
        ),
        d.callout(t("common.associational"), "caution"),
    ]

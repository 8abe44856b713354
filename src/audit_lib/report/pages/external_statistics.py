"""What the page of the national procurement statistics shows: the files read and the buyers,
volumes against the peers, the mix of procedures, coordination (flagged and detected),
competition with intervals, and the statistics beside the board's register.

Each part is empty where the statistics are not available (``res.findings`` is None), except
the introduction, which then says why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ...questions.external_statistics import AUDITED, NATIONAL, PEERS, ExternalStatisticsResult, Findings
from .. import display as d
from ..figures.external_statistics import competition_vs_peers, composition_bars
from ..fmt import Formatter
from ..texts import Texts

Labels = Mapping[str, str]  # buyer query or group -> its name on the page


def labels(res: ExternalStatisticsResult, t: Texts, regions: Mapping[str, Any], language: str) -> dict[str, str]:
    """Each audited buyer's name on the page (its region's name where linked to one, else its
    registered name), and the peers', the audited buyers' and all buyers' labels."""
    found = res.findings
    if found is None:
        return {}
    label = {b.query: getattr(regions[found.region_of[b.query]], language) if b.query in found.region_of
             else b.name for b in found.buyers}
    label[PEERS] = t("external_statistics.peers_label", sectors=", ".join(found.groups.peer_sectors))
    label[AUDITED] = t("external_statistics.audited_label")
    label[NATIONAL] = t("external_statistics.all_buyers_label")
    return label


def intro(res: ExternalStatisticsResult, t: Texts) -> list[d.Html]:
    """What the page is about, and why there is nothing more where the statistics are missing."""
    parts = [d.paragraph(t("external_statistics.intro"))]
    if res.findings is None:
        parts.append(d.callout(t(f"external_statistics.unavailable_{res.unavailable_reason}",
                                 folder=res.statistics_dir or ""), "info"))
    return parts


def _years(found: Findings) -> str:
    return ", ".join(map(str, found.years))


def sources(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The files read, the warnings while reading, the buyers and the key figures."""
    found = res.findings
    if found is None:
        return []
    files = pd.DataFrame([dict(name=x.name, table=t(f"external_statistics.table_{x.table}"), rows=f.count(x.n_rows),
                               header_row=x.header_row, sha=x.sha256[:16]) for x in found.stats.files])
    parts = [
        d.heading(t("external_statistics.sources_heading")),
        d.paragraph(t("external_statistics.sources_intro", years=_years(found), folder=res.statistics_dir)),
        d.table(files, {"name": t("external_statistics.col_file"), "table": t("external_statistics.col_table"),
                        "rows": t("external_statistics.col_rows"), "header_row": t("external_statistics.col_header_row"),
                        "sha": t("external_statistics.col_checksum")}, numeric=["rows", "header_row"]),
    ]
    if found.n_warnings:
        parts.append(d.callout(t("external_statistics.warnings", n=found.n_warnings,
                                 first=found.stats.report.warnings[0].format()), "info"))
    groups = found.groups
    parts.append(d.paragraph(t("external_statistics.buyers_line", buyers=", ".join(label[b.query] for b in found.buyers),
                               n=f.count(len(groups.peers)), sectors=", ".join(groups.peer_sectors))))
    parts += [d.callout(t("external_statistics.ambiguous_buyer", query=b.query, n=len(b.org_numbers),
                          orgs=", ".join(b.org_numbers)), "warning") for b in found.buyers if b.ambiguous]
    parts.append(d.key_figures(_key_figures(found.entries, t, f, label)))
    return parts


def _key_figures(entries: Iterable[Mapping[str, Any]], t: Texts, f: Formatter, label: Labels) -> list[tuple[str, str]]:
    kf = []
    for e in entries:
        kf.append((t("external_statistics.kf_procurements", buyer=label[e["buyer"]]), f.count(e["n_procurements"])))
        kf.append((t("external_statistics.kf_detected", buyer=label[e["buyer"]], flagged=f.count(e["n_flagged_coordinated"])),
                   f.count(e["n_detected_joint"])))
        if e["n_lots"]:
            kf.append((t("external_statistics.kf_single", buyer=label[e["buyer"]]), f.percent(e["single_tender_share"])))
    return kf


def volume(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """Advertised procurements per buyer and year, against the peers."""
    if res.findings is None:
        return []
    rows = []
    for r in res.findings.per_year.itertuples():
        if r.group == PEERS:
            against = t("external_statistics.vol_peer", n=f.count(r.n_buyers), median=f.number(r.per_buyer_median),
                        q1=f.number(r.per_buyer_q1), q3=f.number(r.per_buyer_q3))
        else:
            against = t("external_statistics.vol_rank", share=f.percent(r.peer_share_below))
        rows.append(dict(buyer=label[str(r.group)], year=r.year, n=f.count(r.n_procurements), against=against))
    return [d.heading(t("external_statistics.volume_heading")), d.paragraph(t("external_statistics.volume_intro")),
            d.table(pd.DataFrame(rows), {"buyer": t("external_statistics.col_buyer"), "year": t("common.year"),
                                         "n": t("external_statistics.col_n_procurements"),
                                         "against": t("external_statistics.col_peer_comparison")},
                    numeric=["n"])]


def _wide(found: Findings, mix: pd.DataFrame, column_label: str, t: Texts, f: Formatter, label: Labels) -> d.Html:
    """A mix as a table: one row per value, one column per group (share and count)."""
    data = _wide_data(found, mix, column_label, t, f, label)
    return d.table(data.frame, data.columns, numeric=data.numeric)


def _wide_data(found: Findings, mix: pd.DataFrame, column_label: str, t: Texts, f: Formatter,
               label: Labels) -> d.FigureData:
    order = [*found.groups.order, PEERS]
    out = pd.DataFrame({"value": list(dict.fromkeys(mix["value"]))})
    out["value_s"] = out["value"].map(lambda v: v if v else t("external_statistics.not_reported"))
    for g in order:
        m = mix[mix["group"] == g].set_index("value")
        out[g] = [t("external_statistics.share_count", share=f.percent(m.at[v, "share"]), n=f.count(m.at[v, "n"]))
                  for v in out["value"]]
    return d.FigureData(out, {"value_s": column_label, **{g: label[g] for g in order}}, numeric=tuple(order))


def mix(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The mix of procedures (table and figure) and of contract types."""
    found = res.findings
    if found is None:
        return []
    value_labels = {v: (v if v else t("external_statistics.not_reported")) for v in found.mix_procedure["value"]}
    fig = composition_bars(found.mix_procedure, [*found.groups.order, PEERS], label, value_labels)
    return [d.heading(t("external_statistics.mix_heading")), d.paragraph(t("external_statistics.mix_intro")),
            _wide(found, found.mix_procedure, t("external_statistics.col_procedure"), t, f, label),
            d.figure(fig, t("external_statistics.mix_caption"), key="es-fig1",
                     data=_wide_data(found, found.mix_procedure, t("external_statistics.col_procedure"), t, f, label)),
            _wide(found, found.mix_contract, t("external_statistics.col_contract_type"), t, f, label)]


def _flag_sentence(flags: pd.DataFrame, t: Texts, f: Formatter) -> d.Html:
    fl = flags.set_index("group")
    return d.paragraph(t("external_statistics.flag_sentence",
                         n_flagged=f.count(fl.at[NATIONAL, "n_flagged"]), n=f.count(fl.at[NATIONAL, "n_procurements"]),
                         share=f.percent(fl.at[NATIONAL, "flagged_share"], 1),
                         n_peers_flagged=f.count(fl.at[PEERS, "n_flagged"]), n_peers=f.count(fl.at[PEERS, "n_procurements"]),
                         n_audited_flagged=f.count(fl.at[AUDITED, "n_flagged"]),
                         n_audited=f.count(fl.at[AUDITED, "n_procurements"])))


def _count_tables(found: Findings, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    flags, joint = found.flags, found.joint
    ft = flags.assign(group_s=flags["group"].map(label), n_s=flags["n_procurements"].map(f.count),
                      flagged_s=flags["n_flagged"].map(f.count), share_s=flags["flagged_share"].map(lambda x: f.percent(x, 1)))
    jt = joint.assign(group_s=joint["group"].map(label), detected_s=joint["n_detected_joint"].map(f.count),
                      lead_s=joint["n_detected_lead"].map(f.count), same_s=joint["n_same_title"].map(f.count))
    return [d.table(ft, {"group_s": t("external_statistics.col_buyer"), "n_s": t("external_statistics.col_n_procurements"),
                         "flagged_s": t("external_statistics.col_n_flagged"), "share_s": t("external_statistics.col_flagged_share")},
                    numeric=["n_s", "flagged_s", "share_s"]),
            d.table(jt, {"group_s": t("external_statistics.col_buyer"), "detected_s": t("external_statistics.col_n_detected"),
                         "lead_s": t("external_statistics.col_n_lead"), "same_s": t("external_statistics.col_n_same_title")},
                    numeric=["detected_s", "lead_s", "same_s"])]


def _reason(reason: str, detail: Any, flagged: Any, t: Texts) -> str:
    """Why a procurement is listed: the reason, what matched, and whether it carries the flag."""
    return (t(f"external_statistics.reason_{reason}") + ("" if reason == "same_title" else ": " + str(detail))
            + (" " + t("external_statistics.flagged_suffix") if flagged is True else ""))


def _signals_table(signals: pd.DataFrame, t: Texts, label: Labels) -> d.Html:
    sg = signals.assign(
        date_s=signals["published_date"].map(lambda x: "" if pd.isna(x) else x.date().isoformat()),
        registered_s=[label.get(q, n) if isinstance(q, str) else n for q, n in zip(signals["buyer"], signals["buyer_name"])],
        reason_s=[_reason(r, x, fl, t) for r, x, fl in zip(signals["reason"], signals["detail"], signals["coordinated_flag"])],
        participants_s=signals["participants"].map(lambda qs: ", ".join(label[q] for q in qs)),
    )
    return d.table(sg, {"date_s": t("external_statistics.col_date"), "registered_s": t("external_statistics.col_registered"),
                        "procurement_id": t("external_statistics.col_procurement_id"), "title": t("common.title"),
                        "reason_s": t("external_statistics.col_reason"),
                        "participants_s": t("external_statistics.col_participants")}, max_rows=100)


def coordination(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The official flag and the coordination detected, with the procurements listed for review."""
    found = res.findings
    if found is None:
        return []
    return [d.heading(t("external_statistics.coord_heading")), d.paragraph(t("external_statistics.coord_intro")),
            _flag_sentence(found.flags, t, f), *_count_tables(found, t, f, label),
            d.paragraph(t("external_statistics.coord_table_note")),
            d.paragraph(t("external_statistics.detect_intro")),
            _signals_table(found.signals, t, label) if len(found.signals)
            else d.paragraph(t("external_statistics.detect_none")),
            d.callout(t("external_statistics.detect_lower_bound"), "caution")]


def _estimate(x: Any, lo: Any, hi: Any, show: Any, t: Texts) -> str:
    return str(t("external_statistics.estimate_interval", estimate=show(x), low=show(lo), high=show(hi)))


def _competition_table(comp: pd.DataFrame, t: Texts, f: Formatter, label: Labels, min_tenders: int) -> d.Html:
    one = lambda x: f.number(x, 1)  # noqa: E731
    ct = comp.assign(
        group_s=comp["group"].map(label), lots_s=comp["n_lots"].map(f.count),
        single_s=[_estimate(x, lo, hi, f.percent, t) for x, lo, hi in
                  zip(comp["single_tender_share"], comp["single_tender_share_low"], comp["single_tender_share_high"])],
        mean_s=[_estimate(x, lo, hi, one, t) for x, lo, hi in
                zip(comp["mean_tenders_per_lot"], comp["mean_tenders_per_lot_low"], comp["mean_tenders_per_lot_high"])],
        min_s=comp["share_min_tenders"].map(f.percent),
    )
    return d.table(ct, {"group_s": t("external_statistics.col_buyer"), "lots_s": t("external_statistics.col_n_lots"),
                        "single_s": t("external_statistics.col_single_share"),
                        "mean_s": t("external_statistics.col_mean"),
                        "min_s": t("external_statistics.col_min_tenders", k=min_tenders)},
                   numeric=["lots_s", "single_s", "mean_s", "min_s"])


def _competition_data(dist: pd.DataFrame, comp: pd.DataFrame, t: Texts, f: Formatter,
                       label: Labels) -> d.FigureData:
    """The figure's numbers: each group's estimates with their intervals, then every peer buyer's."""
    one = lambda x: f.number(x, 1)  # noqa: E731
    groups = comp.assign(
        group_s=comp["group"].map(label),
        single_s=[_estimate(x, lo, hi, f.percent, t) for x, lo, hi in
                  zip(comp["single_tender_share"], comp["single_tender_share_low"], comp["single_tender_share_high"])],
        mean_s=[_estimate(x, lo, hi, one, t) for x, lo, hi in
                zip(comp["mean_tenders_per_lot"], comp["mean_tenders_per_lot_low"], comp["mean_tenders_per_lot_high"])])
    peers = dist[dist["group"] == PEERS]
    buyers = pd.DataFrame({"group_s": [f"{t('external_statistics.legend_peer_buyer')}: {n}" for n in peers["buyer_name"]],
                           "single_s": peers["single_tender_share"].map(f.percent).to_list(),
                           "mean_s": peers["mean_tenders_per_lot"].map(one).to_list()})
    return d.FigureData(pd.concat([groups, buyers], ignore_index=True),
                        {"group_s": t("external_statistics.col_buyer"), "single_s": t("external_statistics.col_single_share"),
                         "mean_s": t("external_statistics.col_mean")}, numeric=("single_s", "mean_s"))


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
        parts.append(d.paragraph(t("external_statistics.comp_sentence", buyer=label[g],
            share=f.percent(c.at[g, "single_tender_share"]), n=f.count(c.at[g, "n_lots"]), low=f.percent(low),
            high=f.percent(high), peer_share=f.percent(c.at[PEERS, "single_tender_share"]), peer_low=f.percent(peer_low),
            peer_high=f.percent(peer_high), rank=f.percent(ranks[g])) + " " + t("external_statistics.comp_" + side)))
    parts.append(d.paragraph(t("external_statistics.comp_cluster_note",
                               low=f.percent(c.at[AUDITED, "single_tender_share_cluster_low"]),
                               high=f.percent(c.at[AUDITED, "single_tender_share_cluster_high"]),
                               peer_low=f.percent(c.at[PEERS, "single_tender_share_cluster_low"]),
                               peer_high=f.percent(c.at[PEERS, "single_tender_share_cluster_high"]))))
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
    parts += [d.paragraph(t("external_statistics.comp_intro", level=level)),
              _competition_table(comp, t, f, label, params.market_min_tenders)]
    c: Any = comp.set_index("group")  # Any: pandas' stubs type a cell as any scalar
    parts += _competition_sentences(found, c, t, f, label)
    assert found.dist is not None  # both come from the lots table
    fig = competition_vs_peers(found.dist, comp, list(found.groups.order), PEERS, label,
                               {"single": t("external_statistics.ax_single"), "mean": t("external_statistics.ax_mean")},
                               {"peer_buyer": t("external_statistics.legend_peer_buyer"),
                                "interval": t("external_statistics.legend_interval")})
    return [*parts, d.figure(fig, t("external_statistics.comp_caption", min_lots=params.min_peer_lots, level=level),
                             key="es-fig2", data=_competition_data(found.dist, comp, t, f, label)),
            d.paragraph(t("external_statistics.comp_market_note", k=params.market_min_tenders,
                          share=f.percent(c.at[AUDITED, "share_min_tenders"]),
                          peer_share=f.percent(c.at[PEERS, "share_min_tenders"]))),
            d.callout(t("common.associational"), "caution")]


def _signed_count(x: Any, f: Formatter) -> str:
    """A difference as a count, with "+" where it is positive."""
    return f.count(x) if pd.isna(x) or x <= 0 else "+" + f.count(x)


def _comparison_table(comparison: pd.DataFrame, t: Texts, f: Formatter, label: Labels) -> d.Html:
    shown = comparison.assign(
        measure_s=comparison["measure"].map(lambda m: t(f"external_statistics.measure_{m}")),
        group_s=comparison["group"].map(label),
        register_s=comparison["register"].map(f.count), statistics_s=comparison["statistics"].map(f.count),
        difference_s=comparison["difference"].map(lambda x: _signed_count(x, f)),
        status_s=comparison["status"].map(lambda s: t(f"external_statistics.status_{s}")),
    )
    return d.table(shown, {"measure_s": t("external_statistics.col_measure"), "group_s": t("external_statistics.col_buyer"),
                           "year": t("common.year"), "register_s": t("external_statistics.col_register"),
                           "statistics_s": t("external_statistics.col_statistics"),
                           "difference_s": t("external_statistics.col_difference"),
                           "status_s": t("external_statistics.col_status")},
                   numeric=["register_s", "statistics_s", "difference_s"])


def register(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels, tolerance: float) -> list[d.Html]:
    """The statistics beside the board's register and targets, and why the two can differ."""
    found = res.findings
    if found is None:
        return []
    comparison = found.comparison
    assert comparison is not None
    parts = [d.heading(t("external_statistics.reg_heading"))]
    parts += [d.paragraph(t("external_statistics.reg_unlinked", buyer=label[b.query]))
              for b in found.buyers if b.query not in found.region_of]
    if comparison["register"].isna().all():
        return [*parts, d.paragraph(t("external_statistics.reg_none", years=_years(found)))]
    parts.append(d.paragraph(t("external_statistics.reg_intro", tolerance=f.percent(tolerance))))
    if found.synthetic_register:
        parts.append(d.callout(t("external_statistics.synthetic_register"), "warning"))
    fl = found.flags.set_index("group")
    return [*parts, _comparison_table(comparison, t, f, label),
            d.heading(t("external_statistics.explain_heading"), 3),
            d.bullets([t("external_statistics.explain_procurements"),
                       t("external_statistics.explain_coordinated_flag", n_flagged=f.count(fl.at[NATIONAL, "n_flagged"]),
                         n=f.count(fl.at[NATIONAL, "n_procurements"])),
                       t("external_statistics.explain_coordinated_detected")])]


def closing(t: Texts, observations: Iterable[Any]) -> list[d.Html]:
    """No four-level assessment here (this is evidence for q1 and q2), and the auditors' evidence."""
    return [d.paragraph(t("external_statistics.no_assessment")), d.heading(t("evidence.heading"), 2),
            d.evidence_list(observations, t)]

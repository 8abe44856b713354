"""What the page of the national procurement statistics shows: the files read and the buyers,
volumes against the peers, the mix of procedures, coordination (flagged and detected),
competition with intervals, and the statistics beside the board's register. (Coordination and
competition are in ``external_statistics_market``, importable from here.)

Each part is empty where the statistics are not available (``res.findings`` is None), except
the introduction, which then says why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from ...questions.external_statistics import AUDITED, NATIONAL, PEERS, ExternalStatisticsResult, Findings
from .. import display as d
from ..figures.external_statistics import composition_bars
from ..fmt import Formatter
from ..texts import Texts
from .external_statistics_market import Labels, competition, coordination

__all__ = [
    "Labels",
    "closing",
    "competition",
    "coordination",
    "intro",
    "labels",
    "mix",
    "register",
    "sources",
    "volume",
]


def labels(res: ExternalStatisticsResult, t: Texts, regions: Mapping[str, Any], language: str) -> dict[str, str]:
    """Each audited buyer's name on the page (its region's name where linked to one, else its
    registered name), and the peers', the audited buyers' and all buyers' labels."""
    found = res.findings
    if found is None:
        return {}
    label = {
        b.query: getattr(regions[found.region_of[b.query]], language) if b.query in found.region_of else b.name
        for b in found.buyers
    }
    label[PEERS] = t("external_statistics.peers_label", sectors=", ".join(found.groups.peer_sectors))
    label[AUDITED] = t("external_statistics.audited_label")
    label[NATIONAL] = t("external_statistics.all_buyers_label")
    return label


def intro(res: ExternalStatisticsResult, t: Texts) -> list[d.Html]:
    """What the page is about, and why there is nothing more where the statistics are missing."""
    parts = [d.paragraph(t("external_statistics.intro"))]
    if res.findings is None:
        parts.append(
            d.callout(
                t(f"external_statistics.unavailable_{res.unavailable_reason}", folder=res.statistics_dir or ""), "info"
            )
        )
    return parts


def _years(found: Findings) -> str:
    return ", ".join(map(str, found.years))


def sources(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The files read, the warnings while reading, the buyers and the key figures."""
    found = res.findings
    if found is None:
        return []
    parts = [
        d.heading(t("external_statistics.sources_heading")),
        d.paragraph(t("external_statistics.sources_intro", years=_years(found), folder=res.statistics_dir)),
        _files_table(found, t, f),
    ]
    if found.n_warnings:
        parts.append(
            d.callout(
                t("external_statistics.warnings", n=found.n_warnings, first=found.stats.report.warnings[0].format()),
                "info",
            )
        )
    groups = found.groups
    parts.append(
        d.paragraph(
            t(
                "external_statistics.buyers_line",
                buyers=", ".join(label[b.query] for b in found.buyers),
                n=f.count(len(groups.peers)),
                sectors=", ".join(groups.peer_sectors),
            )
        )
    )
    parts += [
        d.callout(
            t(
                "external_statistics.ambiguous_buyer",
                query=b.query,
                n=len(b.org_numbers),
                orgs=", ".join(b.org_numbers),
            ),
            "warning",
        )
        for b in found.buyers
        if b.ambiguous
    ]
    parts.append(d.key_figures(_key_figures(found.entries, t, f, label)))
    return parts


def _files_table(found: Findings, t: Texts, f: Formatter) -> d.Html:
    """The files read: table, rows, header row and checksum."""
    files = pd.DataFrame(
        [
            dict(
                name=x.name,
                table=t(f"external_statistics.table_{x.table}"),
                rows=f.count(x.n_rows),
                header_row=x.header_row,
                sha=x.sha256[:16],
            )
            for x in found.stats.files
        ]
    )
    return d.table(
        files,
        {
            "name": t("external_statistics.col_file"),
            "table": t("external_statistics.col_table"),
            "rows": t("external_statistics.col_rows"),
            "header_row": t("external_statistics.col_header_row"),
            "sha": t("external_statistics.col_checksum"),
        },
        numeric=["rows", "header_row"],
    )


def _key_figures(entries: Iterable[Mapping[str, Any]], t: Texts, f: Formatter, label: Labels) -> list[tuple[str, str]]:
    kf = []
    for e in entries:
        kf.append((t("external_statistics.kf_procurements", buyer=label[e["buyer"]]), f.count(e["n_procurements"])))
        kf.append(
            (
                t(
                    "external_statistics.kf_detected",
                    buyer=label[e["buyer"]],
                    flagged=f.count(e["n_flagged_coordinated"]),
                ),
                f.count(e["n_detected_joint"]),
            )
        )
        if e["n_lots"]:
            kf.append(
                (t("external_statistics.kf_single", buyer=label[e["buyer"]]), f.percent(e["single_tender_share"]))
            )
    return kf


def volume(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """Advertised procurements per buyer and year, against the peers."""
    if res.findings is None:
        return []
    rows = []
    for r in res.findings.per_year.itertuples():
        if r.group == PEERS:
            against = t(
                "external_statistics.vol_peer",
                n=f.count(r.n_buyers),
                median=f.number(r.per_buyer_median),
                q1=f.number(r.per_buyer_q1),
                q3=f.number(r.per_buyer_q3),
            )
        else:
            against = t("external_statistics.vol_rank", share=f.percent(r.peer_share_below))
        rows.append(dict(buyer=label[str(r.group)], year=r.year, n=f.count(r.n_procurements), against=against))
    return [
        d.heading(t("external_statistics.volume_heading")),
        d.paragraph(t("external_statistics.volume_intro")),
        d.table(
            pd.DataFrame(rows),
            {
                "buyer": t("external_statistics.col_buyer"),
                "year": t("common.year"),
                "n": t("external_statistics.col_n_procurements"),
                "against": t("external_statistics.col_peer_comparison"),
            },
            numeric=["n"],
        ),
    ]


def _wide(found: Findings, mix: pd.DataFrame, column_label: str, t: Texts, f: Formatter, label: Labels) -> d.Html:
    """A mix as a table: one row per value, one column per group (share and count)."""
    data = _wide_data(found, mix, column_label, t, f, label)
    return d.table(data.frame, data.columns, numeric=data.numeric)


def _wide_data(
    found: Findings, mix: pd.DataFrame, column_label: str, t: Texts, f: Formatter, label: Labels
) -> d.FigureData:
    order = [*found.groups.order, PEERS]
    out = pd.DataFrame({"value": list(dict.fromkeys(mix["value"]))})
    out["value_s"] = out["value"].map(lambda v: v if v else t("external_statistics.not_reported"))
    for g in order:
        m = mix[mix["group"] == g].set_index("value")
        out[g] = [
            t("external_statistics.share_count", share=f.percent(m.at[v, "share"]), n=f.count(m.at[v, "n"]))
            for v in out["value"]
        ]
    return d.FigureData(out, {"value_s": column_label, **{g: label[g] for g in order}}, numeric=tuple(order))


def mix(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels) -> list[d.Html]:
    """The mix of procedures (table and figure) and of contract types."""
    found = res.findings
    if found is None:
        return []
    value_labels = {v: (v if v else t("external_statistics.not_reported")) for v in found.mix_procedure["value"]}
    fig = composition_bars(found.mix_procedure, [*found.groups.order, PEERS], label, value_labels)
    return [
        d.heading(t("external_statistics.mix_heading")),
        d.paragraph(t("external_statistics.mix_intro")),
        _wide(found, found.mix_procedure, t("external_statistics.col_procedure"), t, f, label),
        d.figure(
            fig,
            t("external_statistics.mix_caption"),
            key="es-fig1",
            data=_wide_data(found, found.mix_procedure, t("external_statistics.col_procedure"), t, f, label),
        ),
        _wide(found, found.mix_contract, t("external_statistics.col_contract_type"), t, f, label),
    ]


def _signed_count(x: Any, f: Formatter) -> str:
    """A difference as a count, with "+" where it is positive."""
    return f.count(x) if pd.isna(x) or x <= 0 else "+" + f.count(x)


def _comparison_table(comparison: pd.DataFrame, t: Texts, f: Formatter, label: Labels) -> d.Html:
    shown = comparison.assign(
        measure_s=comparison["measure"].map(lambda m: t(f"external_statistics.measure_{m}")),
        group_s=comparison["group"].map(label),
        register_s=comparison["register"].map(f.count),
        statistics_s=comparison["statistics"].map(f.count),
        difference_s=comparison["difference"].map(lambda x: _signed_count(x, f)),
        status_s=comparison["status"].map(lambda s: t(f"external_statistics.status_{s}")),
    )
    return d.table(
        shown,
        {
            "measure_s": t("external_statistics.col_measure"),
            "group_s": t("external_statistics.col_buyer"),
            "year": t("common.year"),
            "register_s": t("external_statistics.col_register"),
            "statistics_s": t("external_statistics.col_statistics"),
            "difference_s": t("external_statistics.col_difference"),
            "status_s": t("external_statistics.col_status"),
        },
        numeric=["register_s", "statistics_s", "difference_s"],
    )


def register(res: ExternalStatisticsResult, t: Texts, f: Formatter, label: Labels, tolerance: float) -> list[d.Html]:
    """The statistics beside the board's register and targets, and why the two can differ."""
    found = res.findings
    if found is None:
        return []
    comparison = found.comparison
    assert comparison is not None
    parts = [d.heading(t("external_statistics.reg_heading"))]
    parts += [
        d.paragraph(t("external_statistics.reg_unlinked", buyer=label[b.query]))
        for b in found.buyers
        if b.query not in found.region_of
    ]
    if comparison["register"].isna().all():
        return [*parts, d.paragraph(t("external_statistics.reg_none", years=_years(found)))]
    parts.append(d.paragraph(t("external_statistics.reg_intro", tolerance=f.percent(tolerance))))
    if found.synthetic_register:
        parts.append(d.callout(t("external_statistics.synthetic_register"), "warning"))
    fl = found.flags.set_index("group")
    return [
        *parts,
        _comparison_table(comparison, t, f, label),
        d.heading(t("external_statistics.explain_heading"), 3),
        d.bullets(
            [
                t("external_statistics.explain_procurements"),
                t(
                    "external_statistics.explain_coordinated_flag",
                    n_flagged=f.count(fl.at[NATIONAL, "n_flagged"]),
                    n=f.count(fl.at[NATIONAL, "n_procurements"]),
                ),
                t("external_statistics.explain_coordinated_detected"),
            ]
        ),
    ]


def closing(t: Texts, observations: Iterable[Any]) -> list[d.Html]:
    """No four-level assessment here (this is evidence for q1 and q2), and the auditors' evidence."""
    return [
        d.paragraph(t("external_statistics.no_assessment")),
        d.heading(t("evidence.heading"), 2),
        d.evidence_list(observations, t),
    ]

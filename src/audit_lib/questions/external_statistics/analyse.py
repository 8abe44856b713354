"""The one entry point: the statistics folder and the parameters in, an
:class:`ExternalStatisticsResult` out (:func:`analyse`); :func:`results` is what the results
JSON records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from ...contract.period import Period
from ...external.uhm import Buyer, Statistics, buyer_table, load_statistics, resolve_buyers
from ...params import ExternalStatisticsParams
from .. import common
from .competition import competition, peer_distribution
from .groups import Groups, composition, coordination_flags, make_groups, procurements_per_year, select_years
from .joint import detect_joint, joint_counts
from .register import buyer_entries, link_regions, register_comparison


class RegionNames(Protocol):
    """A region of the run's parameters: its name in each language."""

    sv: str
    en: str


@dataclass(frozen=True)
class Findings:
    """What the statistics show for the audited buyers and their peers (see the modules beside
    this one for each frame's columns)."""

    stats: Statistics
    years: list[int]
    buyers: list[Buyer]
    groups: Groups
    region_of: dict[str, str]  # buyer query -> region code of the data package
    per_year: pd.DataFrame
    mix_procedure: pd.DataFrame
    mix_contract: pd.DataFrame
    flags: pd.DataFrame
    signals: pd.DataFrame
    joint: pd.DataFrame
    comp: pd.DataFrame | None  # None without a lots table
    dist: pd.DataFrame | None
    entries: list[dict[str, Any]]
    peer: dict[str, Any]
    comparison: pd.DataFrame | None = None
    synthetic_register: bool = False  # the register compared with is the demo's synthetic one

    @property
    def n_warnings(self) -> int:
        """Warnings while reading, with those suppressed after the first few."""
        return len(self.stats.report.warnings) + sum(self.stats.report.suppressed.values())


@dataclass(frozen=True)
class ExternalStatisticsResult:
    """The question's result: ``findings`` is None where the statistics are not available
    (``unavailable_reason`` says why: ``unset`` or ``absent``)."""

    statistics_dir: str | None
    unavailable_reason: str | None
    findings: Findings | None


def read_findings(
    stats: Statistics, params: ExternalStatisticsParams, seed: int, region_names: Mapping[str, list[str]]
) -> Findings:
    """The statistics of the parameters' year (every year when unset) for the parameters' buyers
    against their peers. Raises ValueError for a year the statistics lack or no buyer named."""
    years = [params.year] if params.year is not None else stats.years
    if any(y not in stats.years for y in years):
        raise ValueError(
            f"external_statistics.year: {params.year} is not in the statistics (years present: {stats.years})"
        )
    if not params.buyers:
        raise ValueError("external_statistics.buyers is empty: name at least one buyer (name or organisation number)")
    procs = select_years(stats.procurements, years)
    assert procs is not None
    lots = select_years(stats.lots, years)
    values = select_years(stats.contract_values, years)
    buyers_in_year = buyer_table(procs, lots, values)
    buyers = resolve_buyers(buyers_in_year, params.buyers)
    groups = make_groups(buyers, buyers_in_year, params.peer_sector)
    region_of = link_regions(buyers, params.buyer_regions, region_names)
    flags = coordination_flags(procs, groups)
    signals = detect_joint(
        procs, buyers, params.buyer_aliases, params.reference_pattern, params.title_ignore_words, lots, values
    )
    joint = joint_counts(signals, buyers)
    comp = (
        None
        if lots is None
        else competition(lots, groups, params.interval_level, params.bootstrap_reps, seed, params.market_min_tenders)
    )
    dist = None if lots is None else peer_distribution(lots, groups, params.min_peer_lots)
    entries, peer = buyer_entries(buyers, procs, groups, flags, joint, comp, dist, region_of)
    return Findings(
        stats,
        years,
        buyers,
        groups,
        region_of,
        procurements_per_year(procs, groups),
        composition(procs, groups, "procedure"),
        composition(procs, groups, "contract_type"),
        flags,
        signals,
        joint,
        comp,
        dist,
        entries,
        peer,
    )


def _table(tables: common.Tables, name: str) -> pd.DataFrame | None:
    """The package's table, or None where it has none."""
    try:
        return tables[name]
    except KeyError:
        return None


def compare_with_register(found: Findings, tables: common.Tables, tolerance: float) -> pd.DataFrame:
    """The statistics' counts beside the register's and the targets' (:func:`register_comparison`)."""
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    counts = found.flags[["group", "n_procurements", "n_flagged"]].merge(
        found.joint[["group", "n_detected_joint"]], on="group", how="left"
    )
    return register_comparison(counts, view, _table(tables, "targets"), found.years, found.region_of, tolerance)


def analyse(
    tables: common.Tables,
    params: ExternalStatisticsParams,
    period: Period,
    seed: int = 0,
    *,
    folder: Path | None,
    regions: Mapping[str, RegionNames],
    demo: bool = False,
) -> ExternalStatisticsResult:
    """The statistics in ``folder`` (``params.statistics_dir`` resolved from the parameters file;
    None when unset) for the audited buyers, against peers and the package's register.

    ``regions`` are the run's regions (their names link a buyer to a region); ``demo`` marks a
    run on generated data, whose register is synthetic (as is a package with ``PLANTED.json``).
    The statistics year is the parameters' ``year`` (``period`` is not used); ``seed`` seeds the
    bootstrap."""
    if folder is None or not folder.is_dir():
        return ExternalStatisticsResult(params.statistics_dir, "unset" if folder is None else "absent", None)
    stats = load_statistics(folder)
    found = read_findings(stats, params, seed, {c: [r.sv, r.en] for c, r in regions.items()})
    root = getattr(tables, "root", None)
    synthetic = demo or (root is not None and (Path(root) / "PLANTED.json").exists())
    found = replace(
        found, comparison=compare_with_register(found, tables, params.count_tolerance), synthetic_register=synthetic
    )
    return ExternalStatisticsResult(params.statistics_dir, None, found)


def _file_facts(stats: Statistics) -> list[dict[str, Any]]:
    return [
        dict(name=x.name, table=x.table, format=x.format, header_row=x.header_row, n_rows=x.n_rows, sha256=x.sha256)
        for x in stats.files
    ]


def results(res: ExternalStatisticsResult) -> dict[str, Any]:
    """What the results JSON records (``available: false`` and why, where there are no statistics)."""
    found = res.findings
    if found is None:
        return dict(
            available=False,
            unavailable_reason=res.unavailable_reason,
            statistics_dir=res.statistics_dir,
            buyers=[],
            assessment=None,
        )
    signals = found.signals
    return dict(
        available=True,
        statistics_dir=res.statistics_dir,
        years=found.years,
        files=_file_facts(found.stats),
        n_warnings=found.n_warnings,
        peer_sectors=list(found.groups.peer_sectors),
        register_comparison=found.comparison,
        buyers=found.entries,
        peers=found.peer,
        procurements_per_year=found.per_year,
        procedures=found.mix_procedure,
        contract_types=found.mix_contract,
        coordination_flags=found.flags,
        joint_counts=found.joint,
        detected=signals.assign(
            participants=signals["participants"].map(list), other_buyers=signals["other_buyers"].map(list)
        ),
        competition=found.comp,
        peer_distribution=found.dist,
        assessment=None,
    )

"""External evidence: the audited buyers in the national procurement statistics, against peers.

Pure functions over the normalised statistics tables (:mod:`audit_lib.external.uhm`) and, where
the data package has them, the board's own register and targets, by what they do (``groups``,
``competition``, ``joint``, ``register``; ``analyse`` is the entry point a notebook calls):

- ``procurements_per_year`` and ``composition``: advertised procurements per buyer and year,
  and the mix of procedures and contract types, for each audited buyer and for the peers (all
  other buyers of the same sector);
- ``coordination_flags`` and ``detect_joint``: the official "coordinated procurement" flag, and
  coordination detected in the data, because the flag is set by the lead buyer only (and rarely):
  a title naming several audited buyers, one reference or procurement id under more than one
  buyer; the same title under several audited buyers is listed separately (parallel procurements
  of the same thing, a coordination candidate rather than evidence of it). Everything detected is
  listed for review, not counted as fact;
- ``competition``: tenders per lot (mean, with a bootstrap interval that resamples whole
  procurements, since lots of one procurement are not independent) and the share of single-tender
  lots (with a Wilson interval), beside the peers' pooled figures and the per-buyer distribution;
- ``register_comparison``: the statistics' counts beside the register's and the targets'
  for the same year, each difference marked as agreeing (within a relative tolerance) or as
  differing, with the structural reasons the two can differ;
- ``analyse`` and ``results``: the whole question from the statistics folder and the parameters
  (an :class:`ExternalStatisticsResult`), and what its results JSON records.

The statistics cover every advertised procurement, so counts are not estimates; the intervals on
competition treat a year's lots as a draw from the buyer's procurement practice. Comparisons with
peers are associational: they show where a buyer stands, not why.
"""

from .analyse import ExternalStatisticsResult, Findings, analyse, compare_with_register, read_findings, results
from .competition import (
    cluster_bootstrap_mean,
    competition,
    competition_figures,
    peer_distribution,
    share_of_peers_below,
)
from .groups import (
    AUDITED,
    NATIONAL,
    PEERS,
    STRONG_REASONS,
    WEAK_REASONS,
    Groups,
    composition,
    coordination_flags,
    make_groups,
    procurements_per_year,
    select_years,
)
from .joint import detect_joint, joint_counts, normalise_title
from .register import buyer_entries, link_regions, peer_totals, register_comparison

__all__ = [
    "AUDITED",
    "NATIONAL",
    "PEERS",
    "STRONG_REASONS",
    "WEAK_REASONS",
    "ExternalStatisticsResult",
    "Findings",
    "Groups",
    "analyse",
    "buyer_entries",
    "cluster_bootstrap_mean",
    "compare_with_register",
    "competition",
    "competition_figures",
    "composition",
    "coordination_flags",
    "detect_joint",
    "joint_counts",
    "link_regions",
    "make_groups",
    "normalise_title",
    "peer_distribution",
    "peer_totals",
    "procurements_per_year",
    "read_findings",
    "register_comparison",
    "results",
    "select_years",
    "share_of_peers_below",
]

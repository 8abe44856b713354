"""Audit question 4: is the enabled-savings model transparent and reliable?

The board's register reports one "enabled saving" per procurement, computed by one of three
methods (Qualitarium 2025, section 2.4):

- ``basket`` (cost reduction): the same basket of goods on the old and the new contract,
  ``basket_old_sek - basket_new_sek``;
- ``negotiation`` (cost avoidance): ``first_price_sek - negotiated_price_sek``;
- ``market`` (cost avoidance): the mean of the approved bids minus the lowest approved bid,
  only where at least ``market_min_bids`` bids are approved.

This module recomputes each method for each procurement from the data package, with a status
(``computed`` or ``not_applicable`` and the reason), measures the model's coverage by count
and by estimated value, reconciles the recomputation with the register, sets the market
method beside alternative reference prices ("baselines"), and replaces the single total by a
range: across baselines and with a bootstrap over procurements.

The package, by what each part does (every public name is importable from here):

- ``constants``: the methods, saving types, baselines, statuses, reasons and finding kinds;
- ``bids``: the bids per procurement summarised, the market saving under each baseline;
- ``recompute``: each method recomputed per procurement, why not, and the model's coverage;
- ``reconcile``: the register against the recomputation (invalid applications, mismatches);
- ``baselines``: the year by method and saving type, its totals under each baseline;
- ``market_bias``: the market method's growth with the number of bids, and its null model;
- ``interval``: the bootstrap over procurements and the range over baselines;
- ``real``: the baselines on real bid-level data, where a folder of it is given (shown by the
  method-validation run, ``questions/method_validation.py``, not by the region's report);
- ``analyse``: ``analyse(tables, params, period, seed) -> Q4Result``, the one entry point a
  notebook calls, the sensitivity table, and ``results`` (what the results JSON records).

Everything here is a pure function of DataFrames and parameters. Enabled savings are computed
against a reference price; they are not realised savings, and nothing here says what the
regions actually saved.

Conventions
-----------
- Money is in SEK. A saving that cannot be computed is NaN, never 0, in the per-procurement
  tables; in totals it contributes nothing, and the count of procurements behind each total
  is reported beside it.
- Tolerance: the register and the recomputation agree when
  ``|reported - recomputed| <= tolerance_sek + tolerance_pct * |recomputed|``
  (the convention of ``numpy.isclose``: an absolute and a relative part).
- The market method's saving ``mean - lowest`` can never be negative: the lowest bid is never
  above the mean. With prices drawn at random from one distribution and nothing changed, it
  still grows with the number of bids (``null_model``).
"""

from .analyse import (
    Q4Result,
    analyse,
    assessment_inputs,
    checked_savings,
    optional_table,
    register_rule,
    results,
    sensitivity,
)
from .baselines import baseline_frame, by_method, saving_matrix, totals, totals_beside_interval
from .bids import bid_summary, market_savings
from .constants import (
    BASELINES,
    COMPUTED,
    INVALID_KINDS,
    METHODS,
    MISMATCH,
    NOT_APPLICABLE,
    REASONS,
    SAVING_TYPE,
    SAVING_TYPES,
)
from .interval import bootstrap_totals, interval, top_share
from .market_bias import log_price_sd, market_bias, null_model, saving_by_n_bids
from .real import (
    RealData,
    RealSource,
    mean_above_median_share,
    real_analysis,
    real_baseline_summary,
    real_data,
    real_results,
)
from .recompute import coverage, reasons_table, recompute
from .reconcile import agrees, earlier_findings, finding_lists, reconcile

__all__ = [
    "BASELINES",
    "COMPUTED",
    "INVALID_KINDS",
    "METHODS",
    "MISMATCH",
    "NOT_APPLICABLE",
    "REASONS",
    "SAVING_TYPE",
    "SAVING_TYPES",
    "Q4Result",
    "RealData",
    "RealSource",
    "agrees",
    "analyse",
    "assessment_inputs",
    "checked_savings",
    "baseline_frame",
    "bid_summary",
    "bootstrap_totals",
    "by_method",
    "coverage",
    "earlier_findings",
    "finding_lists",
    "interval",
    "log_price_sd",
    "market_bias",
    "market_savings",
    "mean_above_median_share",
    "null_model",
    "optional_table",
    "real_analysis",
    "real_baseline_summary",
    "real_data",
    "real_results",
    "reasons_table",
    "recompute",
    "reconcile",
    "register_rule",
    "results",
    "saving_by_n_bids",
    "saving_matrix",
    "sensitivity",
    "top_share",
    "totals",
    "totals_beside_interval",
]

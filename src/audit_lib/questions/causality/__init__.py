"""Causality: did coordination lower prices, or was it e-commerce and category management?

The report (section 2.4) says a saving cannot be attributed to coordination because
e-commerce and category management were rolled out at the same time. They were not rolled out
at *exactly* the same time everywhere: each started in its own month in each category and
region. That staggering identifies each initiative's effect on prices, if prices in cells not
yet reached by an initiative are a fair picture of what would have happened without it
(parallel trends), and if the initiatives' effects add up on the log price.

Pure functions from the price-index panel (``audit_lib.panel``), the ``rollouts`` table and the
register to tables and numbers (no printing, no plotting), one module per step:

- ``identify``: the estimation panel (``prepare``), joint groups where initiatives start
  together (``effect_groups``) and what is identified (``identification``);
- ``estimate``: the imputation estimator and two-way fixed effects side by side, event studies
  and the pre-trend tests (``estimate``);
- ``diagnostics``: a placebo with shifted dates, leave-one-wave-out, the naive before/after
  comparison and the unit-value comparison;
- ``money``: the effects in SEK (``sek_effects``), the coordination effect beside the board's
  reported enabled savings (``board_comparison``, ``board_share``);
- ``conclude``: interpretation, the design weighed as a whole, what the criteria and the
  plain-language summary use (``assessment_inputs``, ``conclusions``);
- ``analysis``: ``analyse(tables, params, period, seed)`` -> ``CausalityResult``, the one entry
  point a notebook calls, and ``results`` the figures its results JSON records.

Effects are on the log price index: -0.05 is a fall of 1 - exp(-0.05) = 4.9 %.
"""

from __future__ import annotations

from ...contract.large import OnDisk as LargeTable  # what causality reads purchase_lines as
from .analysis import (
    Analysis,
    CausalityResult,
    Package,
    analyse,
    analyse_panel,
    analysis_results,
    results,
)
from .conclude import (
    ALL_TESTS,
    PRETREND_TESTS,
    TEST_COLUMNS,
    apply_design,
    assessment_inputs,
    conclusions,
    design_identified,
    effects_table,
    finalize_effects,
    identification_reasons,
    interpretation,
    own_reasons,
    pretrend_min_p,
    pretrend_tests_table,
    reason_groups,
    results_entry,
)
from .diagnostics import leave_one_wave_out, naive_before_after, placebo, unit_value_comparison
from .estimate import (
    Estimates,
    Settings,
    estimate,
    pretrend_tests,
    robust_effects,
    settings_from,
    twfe_difference,
    twfe_statsmodels,
    weak_groups,
)
from .identify import (
    JOINT,
    START_COLUMNS,
    TREATMENTS,
    CausalityData,
    effect_groups,
    identification,
    members,
    month_code,
    omitted_treatments,
    prepare,
)
from .money import _saving, board_comparison, board_share, sek_effects

__all__ = [
    "ALL_TESTS",
    "JOINT",
    "PRETREND_TESTS",
    "START_COLUMNS",
    "TEST_COLUMNS",
    "TREATMENTS",
    "Analysis",
    "CausalityData",
    "CausalityResult",
    "Estimates",
    "LargeTable",
    "Package",
    "Settings",
    "_saving",
    "analyse",
    "analyse_panel",
    "analysis_results",
    "apply_design",
    "assessment_inputs",
    "board_comparison",
    "board_share",
    "conclusions",
    "design_identified",
    "effect_groups",
    "effects_table",
    "estimate",
    "finalize_effects",
    "identification",
    "identification_reasons",
    "interpretation",
    "leave_one_wave_out",
    "members",
    "month_code",
    "naive_before_after",
    "omitted_treatments",
    "own_reasons",
    "placebo",
    "prepare",
    "pretrend_min_p",
    "pretrend_tests",
    "pretrend_tests_table",
    "reason_groups",
    "results",
    "results_entry",
    "robust_effects",
    "sek_effects",
    "settings_from",
    "twfe_difference",
    "twfe_statsmodels",
    "unit_value_comparison",
    "weak_groups",
]

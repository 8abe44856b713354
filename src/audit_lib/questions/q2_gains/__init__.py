"""Audit question 2: does coordination give economic or administrative gains, and are good and
poor examples learned from?

Pure functions from the procurement view (``common.procurement_view``) and the optional
``coordination_effort`` table to figures:

- ``gains_table``: one row per coordinated procurement: its enabled saving (the register's
  ``reported_saving_sek``), the recorded coordination effort in hours and its cost (hours times
  an hourly cost), and the administrative gain of one procedure instead of one per region
  (``(regions - 1)`` times the cost of running one procurement);
- ``year_summary``: per year, totals with their coverage: how many coordinated procurements have
  a computed saving, how many have any effort recorded; the recorded cost, and the cost
  extrapolated to all coordinated procurements with a bootstrap interval;
- ``savings_rate_comparison``: enabled saving as a share of estimated value, coordinated against
  single-region procurements (associational: which procurements are coordinated is not random);
- ``examples``: coordinated procurements flagged as possible good or poor examples (external
  consultant, unusual effort, lessons documented), for the auditors to follow up;
- ``admin_gain_range``: the administrative gain over the plausible range of the assumed cost
  per procedure (it rests on that assumption alone);
- ``confirmed_savings`` and ``savings_basis``: how much of the year's enabled savings question
  4's recomputation confirms (the net rests on them);
- ``assessment_inputs``: the figures the four-level criteria use;
- ``analyse``: the one entry point a notebook calls (tables, parameters, period, seed in; a
  ``Q2Result`` out), and ``results`` the figures its results JSON records.

Enabled savings are computed, not realised: they are what a contract may save against a
reference price, and they are the saving of the whole procurement, not the part caused by
coordinating it.

The package, by what each part does (every public name is importable from here): ``costs``
(gains, costs and their coverage per year, the savings the recomputation confirms),
``comparison`` (the savings rates compared), ``learning`` (the good and poor examples, lessons
documented) and ``analyse`` (the entry point, the criteria's inputs and the results JSON).
"""

from __future__ import annotations

from .analyse import Q2Result, analyse, assessment_inputs, results
from .comparison import rate_seeds, savings_rate_comparison
from .costs import (
    admin_gain_range,
    confirmed_savings,
    effort_by_procurement,
    gains_table,
    missing_total_interval,
    savings_basis,
    year_summary,
)
from .learning import example_years, examples, high_effort_threshold, learning_figures

__all__ = [
    "Q2Result",
    "admin_gain_range",
    "analyse",
    "assessment_inputs",
    "confirmed_savings",
    "effort_by_procurement",
    "example_years",
    "examples",
    "gains_table",
    "high_effort_threshold",
    "learning_figures",
    "missing_total_interval",
    "rate_seeds",
    "results",
    "savings_basis",
    "savings_rate_comparison",
    "year_summary",
]

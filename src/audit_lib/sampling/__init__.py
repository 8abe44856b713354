"""Monetary-unit sampling (MUS) of procurements for file review, and its evaluation.

The population is the procurements completed in the audit year; each one's value is its
estimated value summed over the participating regions (``procurement_regions``). The method
is the one of the AICPA Audit Guide *Audit Sampling* (chapter 6, "monetary unit sampling"):

- **Risk stratum** (optional): procurements the review already flags (delegation breaches,
  single-bid procurements of high value, ids the auditors name) are selected in full and
  left out of the sampled population.
- **Sample size**: fixed (``size``), or from tolerable misstatement TM, expected misstatement
  EM and confidence: sampling interval ``J = (TM - EM * EF) / RF`` and ``n = ceil(BV / J)``,
  with RF the Poisson reliability factor for zero misstatements (3.00 at 95 %) and EF the
  guide's expansion factor (1.6 at 95 %).
- **Selection**: systematic probability-proportional-to-size over the cumulative values in
  procurement-id order, with a seeded random start in ``[0, J)``; a procurement is selected
  when a selection point falls in its value range. Every procurement whose value is at least
  ``J`` is hit by some point: it is selected with certainty.
- **Evaluation** (the Stringer bound): for each sampled procurement with an overstatement,
  tainting ``t = misstatement / value`` (at most 1). Below the interval it projects to
  ``t * J``; certainty and risk-stratum items count with their actual misstatement. The upper
  misstatement limit is ``J * RF(0) + sum_i t_(i) * J * (RF(i) - RF(i-1)) + known``, the
  taintings in descending order; it is compared with the tolerable misstatement.

Reliability factors are the upper confidence limits of a Poisson mean (``gamma.ppf(c, k+1)``)
rounded up to two decimals, which reproduces the guide's table (3.00, 4.75, 6.30, 7.76 ... at
95 %). Pure functions, no I/O except ``load_population``.

By what they do: ``design`` (reliability and expansion factors, the interval and size),
``selection`` (the population, the risk stratum, the systematic selection), ``evaluation`` (the
Stringer bound) and ``outcomes`` (the sample as a file, the recorded file reviews). Their public
names are importable from here.
"""

from __future__ import annotations

from .design import (
    EXPANSION_FACTORS,
    SamplingError,
    expansion_factor,
    interval_from_misstatement,
    reliability_factor,
    sample_size,
)
from .evaluation import Evaluation, evaluate, evaluate_sample
from .outcomes import OUTCOMES_FILE, load_outcomes, outcomes_path, read_outcomes, sample_csv
from .selection import COLUMNS, STRATA, Sample, draw, population, risk_stratum, select, single_bid_ids

__all__ = [
    "COLUMNS",
    "EXPANSION_FACTORS",
    "OUTCOMES_FILE",
    "STRATA",
    "Evaluation",
    "Sample",
    "SamplingError",
    "draw",
    "evaluate",
    "evaluate_sample",
    "expansion_factor",
    "interval_from_misstatement",
    "load_outcomes",
    "outcomes_path",
    "population",
    "read_outcomes",
    "reliability_factor",
    "risk_stratum",
    "sample_csv",
    "sample_size",
    "select",
    "single_bid_ids",
]

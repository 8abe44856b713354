"""The sample's design (AICPA Audit Guide *Audit Sampling*, chapter 6): the Poisson reliability
factors, the expansion factors for an expected misstatement, the sampling interval and size."""

from __future__ import annotations

import math

# The AICPA guide's expansion factors for expected misstatement, by risk of incorrect acceptance.
EXPANSION_FACTORS = {
    0.01: 1.9,
    0.05: 1.6,
    0.10: 1.5,
    0.15: 1.4,
    0.20: 1.3,
    0.25: 1.25,
    0.30: 1.2,
    0.37: 1.15,
    0.50: 1.0,
}


class SamplingError(ValueError):
    """The sampling parameters cannot give a sample (the message says why)."""


def reliability_factor(errors: int, confidence: float) -> float:
    """The Poisson upper confidence limit for ``errors`` misstatements at ``confidence``,
    rounded up to two decimals as in the AICPA guide's table (0 errors at 95 %: 3.00)."""
    from scipy import stats

    if errors < 0:
        raise ValueError("errors must be >= 0")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1)")
    return math.ceil(round(float(stats.gamma.ppf(confidence, errors + 1)) * 100, 6)) / 100


def expansion_factor(confidence: float) -> float:
    risk = round(1 - confidence, 2)
    if risk not in EXPANSION_FACTORS:
        levels = ", ".join(f"{1 - r:.0%}" for r in sorted(EXPANSION_FACTORS))
        raise SamplingError(f"with an expected misstatement, confidence must be one of {levels} (got {confidence})")
    return EXPANSION_FACTORS[risk]


def interval_from_misstatement(tolerable: float, expected: float, confidence: float) -> float:
    """The sampling interval ``(TM - EM * EF) / RF(0)``."""
    ef = expansion_factor(confidence) if expected > 0 else 1.0
    room = tolerable - expected * ef
    if room <= 0:
        raise SamplingError(
            f"expected misstatement {expected:,.0f} times the expansion factor {ef} leaves no room "
            f"below the tolerable misstatement {tolerable:,.0f}"
        )
    return room / reliability_factor(0, confidence)


def sample_size(book_value: float, tolerable: float, expected: float = 0.0, confidence: float = 0.95) -> int:
    """``ceil(BV * RF / (TM - EM * EF))``: the AICPA guide's MUS sample size."""
    return math.ceil(round(book_value / interval_from_misstatement(tolerable, expected, confidence), 9))

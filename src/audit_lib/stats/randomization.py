"""Randomization (placebo) inference when few units are treated.

With few treated clusters, cluster-robust standard errors rest on the treated clusters'
own residuals and are far too small (with one treated cluster they can be anything). The
alternative used here (Conley and Taber 2011; Fisher-style placebo assignment): give the
treated units' adoption dates to untreated units drawn at random, estimate on the untreated
units only, and repeat. The placebo estimates show how large an estimate arises from the
untreated units' own variation with no effect at all.

- p-value: the share of placebo estimates at least as large in absolute value as the real
  one, ``(1 + #{|placebo| >= |estimate|}) / (1 + draws)``;
- interval: ``[estimate - q_hi, estimate - q_lo]`` with ``q`` the placebo quantiles (valid
  when the effect is the same for every treated unit and the errors are exchangeable).

With few untreated units the draws are all ordered choices of untreated units (exact);
otherwise ``reps`` random draws, seeded.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np


def placebo_assignments(
    untreated: Iterable[Any], dates: Iterable[Any], reps: int = 999, seed: int = 0
) -> tuple[list[dict[Any, Any]], bool]:
    """Assignments {untreated unit: placebo adoption date}; ``exact`` when all were enumerated."""
    units, dates = list(untreated), list(dates)
    k = len(dates)
    if k == 0 or k > len(units):
        raise ValueError(f"{k} treated units but {len(units)} untreated: no placebo assignment possible")
    if math.perm(len(units), k) <= reps:
        return [dict(zip(c, dates)) for c in itertools.permutations(units, k)], True
    rng = np.random.default_rng(seed)
    return [dict(zip([units[i] for i in rng.permutation(len(units))[:k]], dates)) for _ in range(reps)], False


def randomization_inference(
    estimate: float, placebo: Sequence[float], level: float = 0.95, exact: bool = False
) -> dict[str, Any]:
    """p-value and interval of ``estimate`` from its placebo distribution."""
    p = np.asarray([x for x in placebo if np.isfinite(x)], dtype=float)
    if not len(p):
        return {"estimate": estimate, "p_value": None, "low": None, "high": None, "draws": 0, "exact": exact}
    extreme = int(np.sum(np.abs(p) >= abs(estimate) - 1e-12))
    alpha = 1 - level
    q_lo, q_hi = np.quantile(p, [alpha / 2, 1 - alpha / 2])
    return {
        "estimate": float(estimate),
        "p_value": (1 + extreme) / (1 + len(p)),
        "low": float(estimate - q_hi),
        "high": float(estimate - q_lo),
        "draws": int(len(p)),
        "exact": exact,
        "placebo_sd": float(p.std(ddof=1)) if len(p) > 1 else None,
        "min_p_value": 1 / (1 + len(p)),
    }


def run(
    estimate: float,
    untreated: Iterable[Any],
    dates: Iterable[Any],
    placebo_estimate: Callable[[dict[Any, Any]], float],
    reps: int = 999,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Draw placebo assignments, estimate each with ``placebo_estimate`` and infer."""
    assignments, exact = placebo_assignments(untreated, dates, reps, seed)
    return randomization_inference(estimate, [placebo_estimate(a) for a in assignments], level, exact)

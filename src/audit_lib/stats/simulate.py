"""Simulated staggered-rollout panels with known effects (for tests and coverage checks).

The outcome is a log price index per unit (category x region) and month:

    unit level + common trend + cluster-month AR(1) shock + unit-month shock
    + sum over treatments of tau_g(event time) from the start on + optional pre-trend,

with clusters (categories) of ``units_per_cluster`` units (regions). Some treatments start at
the same time in every unit of a cluster (a coordinated contract), others per unit. The first
``never_treated_clusters`` clusters are never treated, so every month has untreated units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .staggered.rollout import NEVER, RolloutPanel

Effect = Callable[[np.ndarray], np.ndarray]  # event time (>= 0) -> effect on the log outcome


def constant(value: float) -> Effect:
    return lambda e: np.full(np.shape(e), value, dtype=float)


def growing(per_month: float, cap_months: int) -> Effect:
    """An effect of ``per_month`` in the first month, growing linearly for ``cap_months`` months."""
    return lambda e: per_month * np.minimum(np.asarray(e) + 1, cap_months)


@dataclass(frozen=True)
class GroupSpec:
    name: str
    p_treated: float
    level: str = "unit"  # "unit" or "cluster": a cluster-level start is shared by its units
    first: int = 12
    last: int = 66


DEFAULT_GROUPS = (
    GroupSpec("ecommerce", 0.75, "unit", 12, 66),
    GroupSpec("category_management", 0.55, "unit", 24, 78),
    GroupSpec("coordination", 0.7, "cluster", 14, 66),
)


def _draw_starts(
    rng: np.random.Generator,
    groups: Sequence[GroupSpec],
    unit_cluster: np.ndarray,
    n_clusters: int,
    never_treated_clusters: int,
) -> dict[str, np.ndarray]:
    """Each group's start per unit (``NEVER`` when untreated): drawn per cluster or per unit
    as the group's spec says; the first ``never_treated_clusters`` clusters are never treated."""
    n_units = len(unit_cluster)
    starts: dict[str, np.ndarray] = {}
    for spec in groups:
        s = np.full(n_units, NEVER)
        if spec.level == "cluster":
            draw = np.where(
                rng.random(n_clusters) < spec.p_treated, rng.integers(spec.first, spec.last, n_clusters), NEVER
            )
            s = draw[unit_cluster]
        else:
            s = np.where(rng.random(n_units) < spec.p_treated, rng.integers(spec.first, spec.last, n_units), NEVER)
        s[unit_cluster < never_treated_clusters] = NEVER
        starts[spec.name] = s.astype(np.int64)
    return starts


def _cluster_shocks(rng: np.random.Generator, n_clusters: int, n_periods: int, sd: float, rho: float) -> np.ndarray:
    """Cluster-by-period shocks: AR(1) with coefficient ``rho`` and stationary s.d. ``sd``."""
    shock = np.empty((n_clusters, n_periods))
    shock[:, 0] = rng.normal(0, sd, n_clusters)
    innov = rng.normal(0, sd * np.sqrt(1 - rho**2), (n_clusters, n_periods))
    for t in range(1, n_periods):
        shock[:, t] = rho * shock[:, t - 1] + innov[:, t]
    return shock


def simulate_staggered(
    rng: np.random.Generator,
    effects: dict[str, Effect],
    groups: Sequence[GroupSpec] = DEFAULT_GROUPS,
    n_clusters: int = 10,
    units_per_cluster: int = 2,
    n_periods: int = 84,
    never_treated_clusters: int = 1,
    coincide: tuple[int, str, str, int] | None = None,
    pretrend: dict[str, tuple[float, int]] | None = None,
    trend: float = 0.002,
    sd_unit: float = 0.10,
    sd_cluster_time: float = 0.010,
    rho: float = 0.6,
    sd_unit_time: float = 0.005,
) -> RolloutPanel:
    """A balanced panel; ``coincide = (unit, g1, g2, start)`` makes g1 and g2 start together
    in that unit; ``pretrend = {g: (slope, months)}`` adds ``slope * (months + e)`` in the
    ``months`` periods before g starts (a decline that begins before the start)."""
    n_units = n_clusters * units_per_cluster
    unit_cluster = np.repeat(np.arange(n_clusters), units_per_cluster)
    starts = _draw_starts(rng, groups, unit_cluster, n_clusters, never_treated_clusters)
    if coincide is not None:
        u, g1, g2, st = coincide
        starts[g1][u] = st
        starts[g2][u] = st
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(n_periods), n_units)
    cluster = unit_cluster[unit]
    shock = _cluster_shocks(rng, n_clusters, n_periods, sd_cluster_time, rho)
    y = (
        rng.normal(0, sd_unit, n_units)[unit]
        + trend * time
        + shock[cluster, time]
        + rng.normal(0, sd_unit_time, len(unit))
    )
    panel = RolloutPanel(y, unit, time, cluster, starts)
    for g, f in effects.items():
        e = panel.event_time(g)
        on = e >= 0
        y[on] += f(e[on])
    for g, (slope, months) in (pretrend or {}).items():
        e = panel.event_time(g)
        before = (e < 0) & (e >= -months)
        y[before] += slope * (months + e[before])
        y[e >= 0] += slope * months
    return panel.with_y(y)


def true_average(panel: RolloutPanel, g: str, effect: Effect, mask: np.ndarray | None = None) -> float:
    """The average of g's effect over its treated observations (within ``mask``)."""
    e = panel.event_time(g)
    on = e >= 0
    if mask is not None:
        on &= mask
    return float(np.mean(effect(e[on]))) if on.any() else float("nan")

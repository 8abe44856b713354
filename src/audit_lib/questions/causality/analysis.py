"""Causality, the entry point: ``analyse`` runs the steps in order on the package and returns a
``CausalityResult``; ``results`` is what the results JSON records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ...contract.large import OnDisk as LargeTable
from ...contract.period import Period
from ...panel import Panel
from ...params import CausalityParams
from ...stats.threads import single_threaded_blas
from .. import common
from .conclude import (
    apply_design,
    assessment_inputs,
    conclusions,
    design_identified,
    effects_table,
    finalize_effects,
    identification_reasons,
    pretrend_tests_table,
    results_entry,
)
from .diagnostics import leave_one_wave_out, naive_before_after, placebo, unit_value_comparison
from .estimate import Estimates, Settings, estimate, settings_from
from .identify import JOINT, CausalityData, identification, omitted_treatments, prepare
from .money import board_comparison, board_share, sek_effects


class Package(common.Tables, Protocol):
    """What causality reads: the package's tables, and its large ``purchase_lines``."""

    @property
    def large(self) -> Mapping[str, LargeTable]: ...

    def has(self, name: str, /) -> bool: ...


@dataclass(frozen=True)
class Analysis:
    """Every step's output on the price-index panel."""

    data: CausalityData
    settings: Settings
    identification: pd.DataFrame
    estimates: Estimates
    effects: pd.DataFrame  # finalize_effects: robust + TWFE + interpretation, one row per group
    placebo: pd.DataFrame
    leave_one_out: pd.DataFrame
    naive: pd.DataFrame
    unit_value: pd.DataFrame
    sek: pd.DataFrame
    sek_by_year: pd.DataFrame
    board: pd.DataFrame
    inputs: dict[str, Any]
    conclusions: list[tuple[str, dict[str, Any]]]


@single_threaded_blas()
def analyse_panel(
    panel: pd.DataFrame,
    rollouts: pd.DataFrame,
    view: pd.DataFrame,
    section: CausalityParams,
    seed: int,
    significance_level: float,
) -> Analysis:
    """The whole question from the price-index panel, the rollouts table and the register view
    (``common.procurement_view``) with the ``CausalityParams`` section."""
    s = settings_from(section, seed, significance_level)
    data = prepare(panel, rollouts, list(section.treatments), section.cluster, section.min_cell_months)
    ident = identification(data, s.min_treated_clusters, section.close_start_months)
    est = estimate(data, s)
    eff = finalize_effects(effects_table(est, ident), s.alpha, s.divergence_share, s.divergence_min, s.tests)
    eff = apply_design(eff, data.treatments, s.alpha)
    pl = placebo(data, s)
    loo = leave_one_wave_out(data, s)
    naive = naive_before_after(data, s.naive_window)
    uv = unit_value_comparison(data, s)
    sek, sek_year = sek_effects(data, eff)
    board = board_comparison(data, eff, view)
    return Analysis(
        data,
        s,
        ident,
        est,
        eff,
        pl,
        loo,
        naive,
        uv,
        sek,
        sek_year,
        board,
        assessment_inputs(eff, pl),
        conclusions(eff, pl),
    )


@dataclass(frozen=True)
class CausalityResult:
    """What the causality question finds. ``analysis`` is None when the package has no
    purchase lines or no rollouts (the page says so and the results record ``data_missing``)."""

    params: CausalityParams
    analysis: Analysis | None = None
    panel_coverage: dict[str, Any] | None = None  # the price-index panel's coverage of the purchase lines
    omitted: tuple[str, ...] = ()  # initiatives with rollout dates that the analysis leaves out
    board_share: dict[str, float] | None = None  # the saving as a share of the board's (None: no category)

    @property
    def available(self) -> bool:
        return self.analysis is not None

    @property
    def inputs(self) -> dict[str, Any] | None:
        """The figures the criteria use; None without data (then nothing is assessed)."""
        return None if self.analysis is None else self.analysis.inputs


def purchase_panel(lines: LargeTable, base_months: int, engine: Any = None) -> Panel:
    """The price-index panel of the purchase lines on ``engine`` (the ``engine`` parameter:
    DuckDB by default, or Spark): one ibis expression for both (``engine.panel``), over the
    file, folder or glob, seeing no line ordered after the period's end (``until`` of a capped
    table). ibis is imported here, not at the module's import."""
    from ...engine.panel import purchase_panel as on_engine

    return on_engine(lines, base_months, engine)


def analyse(
    tables: Package,
    params: CausalityParams,
    period: Period | None = None,
    seed: int = 0,
    significance_level: float = 0.05,
    engine: Any = None,
) -> CausalityResult:
    """Causality on the package: the price-index panel from ``purchase_lines`` (on ``engine``,
    the run's ``engine`` parameter: DuckDB by default, or Spark), the ``rollouts`` table and the
    register. The package is already cut at the period's end, so ``period`` is not used;
    ``seed`` seeds the bootstrap, ``significance_level`` the intervals and tests."""
    if not (tables.has("purchase_lines") and tables.has("rollouts")):
        return CausalityResult(params)
    panel = purchase_panel(tables.large["purchase_lines"], params.index_base_months, engine)
    view = common.procurement_view(tables["procurements"], tables["procurement_regions"])
    rollouts = tables["rollouts"]
    a = analyse_panel(panel.frame, rollouts, view, params, seed, significance_level)
    return CausalityResult(
        params,
        a,
        panel.coverage,
        tuple(omitted_treatments(rollouts, list(params.treatments))),
        board_share(a.board) if len(a.board) else None,
    )


def analysis_results(a: Analysis) -> dict[str, Any]:
    """What the results JSON records of the analysis: ``effects`` (one entry per treatment, each
    with its TWFE estimate beside it), ``joint_effects``, ``sek``, diagnostics and coverage."""
    rows = {r["group"]: r for _, r in a.effects.iterrows()}
    effects = {t: results_entry(rows[t]) for t in a.data.treatments if t in rows}
    ident = a.identification
    joint = {
        g: results_entry(r) | {"cells": next(iter(ident.loc[ident["group"] == g, "cells"]), None)}
        for g, r in rows.items()
        if JOINT in g
    }
    sek = {
        r["group"]: {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items() if k != "group"
        }
        for r in a.sek.to_dict("records")
    }
    s = a.settings
    return {
        "identified": design_identified(a.effects, a.data.treatments),
        "identification_reasons": identification_reasons(a.effects),
        "pretrend_tests": pretrend_tests_table(a.estimates.pretrend, s.alpha, s.tests),
        "effects": effects,
        "joint_effects": joint,
        "sek": sek,
        "sek_by_year": a.sek_by_year,
        "board_comparison": a.board,
        "identification": ident.drop(columns=["cells"]),
        "pretrend": a.estimates.pretrend.set_index("group").reset_index(),
        "placebo": a.placebo[["group", "estimate", "se", "ci_low", "ci_high", "covers_zero"]],
        "leave_one_wave_out": a.leave_one_out,
        "naive_before_after": a.naive,
        "unit_value": a.unit_value,
        "event_study": a.estimates.event_study,
        "coverage": a.data.coverage | {k: v for k, v in a.estimates.meta.items() if k != "n_by_target"},
        "settings": {
            "level": s.level,
            "bootstrap_reps": s.reps,
            "seed": s.seed,
            "identification_tests": list(s.tests),
            "event_window": [-s.pre, s.post],
        },
    }


def results(res: CausalityResult) -> dict[str, Any]:
    """What the results JSON records, in order: the panel's coverage, the criteria's inputs,
    the analysis (``analysis_results``) and, when some category has a coordinated contract, the
    saving as a share of the board's reported savings. Without data: ``data_missing``."""
    a = res.analysis
    if a is None:
        return {"effects": {}, "data_missing": True}
    out = {"panel_coverage": res.panel_coverage, "assessment_inputs": a.inputs, **analysis_results(a)}
    if res.board_share is not None:
        out["board_share"] = res.board_share
    return out

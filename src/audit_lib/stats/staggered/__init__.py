"""Group-time effects of a staggered rollout on any panel (Callaway and Sant'Anna 2021).

A panel is one row per unit and period with an outcome and the period in which the unit
adopted the change (its *group* ``g``; 0 or missing = never adopted). For each group ``g``
and period ``t`` the group-time effect is a two-period difference in differences:

    ATT(g, t) = mean(Y_t - Y_b | group g) - mean(Y_t - Y_b | controls)

With covariates (unit characteristics, constant within unit) parallel trends need only hold
conditionally on them: the controls' change ``Y_t - Y_b`` is regressed on the covariates
(weighted least squares with an intercept, controls of the cell only) and the adopters'
predicted change replaces the controls' mean (the outcome-regression estimator of Heckman,
Ichimura and Todd 1997 as in Sant'Anna and Zhao 2020, ``did``'s ``est_method = "reg"``); its
influence function includes the estimation of the regression coefficients. Or
(``method="dr"``, ``did``'s default ``est_method``) doubly robust (Sant'Anna and Zhao 2020,
panel data, as DRDID's ``drdid_panel``): a logistic propensity score over the cell's adopters
and controls reweights the controls, and the outcome regression is taken off both sides; it is
consistent when either model is right, and its influence function includes both models'
estimation. A cell whose fitted propensity reaches 0.999 is not estimable (no comparable
controls); controls from 0.995 on get no weight (both as ``did``).

The package: ``panel`` (the long table checked and turned wide), ``cells`` (each ATT(g, t) and
its influence function), ``inference`` (standard errors, intervals, Wald tests), ``aggregate``
(the aggregations), ``estimate`` (``att_gt``, randomization inference). On the same long table
with one or more adoption columns, ``rollout`` (``rollout_panel``: the observation-level panel)
and ``imputation`` (the imputation estimator of Borusyak, Jaravel and Spiess, two-way fixed
effects and their event studies, the pre-trend fit; all linear in the outcome, so
``audit_lib.stats.linear`` gives their cluster-robust and cluster-jackknife intervals).

with a *varying base period* (the default of the R package ``did``): ``b`` is the last period
before ``g`` for post-adoption cells (``t >= g``) and the period just before ``t`` for
pre-adoption cells, so pre-adoption cells are placebo one-period changes. Controls are the
never-treated units, or (``control="notyet"``) also units adopting after ``t`` (not ``g``
itself). A unit enters a cell when its outcome is observed in both ``t`` and ``b`` (a
balanced panel uses every unit). Units adopting in the first period have no pre-period and
are left out; units adopting after the last period count as never treated (both as ``did``).

**Inference** uses each estimate's influence function over units (``theta_hat - theta ~
mean(IF)``): analytic standard errors ``sqrt(sum_c S_c^2) / n`` with ``S_c`` the sum of the
influence function within cluster ``c`` (by default each unit is its own cluster), or a
multiplier bootstrap (Mammen weights per cluster, seeded; standard error from the
interquartile range, as ``did``). Intervals are normal.

**Aggregations** (as ``did``'s ``aggte``; ``pg`` = share of units in group ``g``):
- *simple*: the post-adoption cells averaged with weights ``pg``;
- *event time* (dynamic): per event time ``e = t - g`` the cells averaged with weights ``pg``;
  overall the plain mean over ``e >= 0``;
- *group*: per group the plain mean of its post-adoption cells; overall weighted by ``pg``.
Their influence functions include the estimation of the weights ``pg``.

**Pre-trend tests**: the pre-adoption cells are jointly zero, Wald chi-squared with the
cluster-robust covariance of their influence functions (as ``did``'s reported pre-test); and
the same for the pre-adoption event-time aggregates, which pool groups (more robust where
cells rest on one or two treated units, whose own variance no covariance can see).
"""

from __future__ import annotations

from . import loo
from .aggregate import aggregate
from .cells import cells
from .estimate import StaggeredResult, att_gt, randomization_simple, simple_att
from .imputation import PretrendFit, imputation, pretrend_fit, twfe_event_study, twfe_static
from .inference import pretrend_test, standard_errors, wald_zero
from .panel import Panel, PanelError, make_panel
from .rollout import NEVER, RolloutPanel, fe_matrix, rollout_panel

__all__ = [
    "NEVER",
    "Panel",
    "PanelError",
    "PretrendFit",
    "RolloutPanel",
    "StaggeredResult",
    "aggregate",
    "att_gt",
    "cells",
    "fe_matrix",
    "imputation",
    "loo",
    "make_panel",
    "pretrend_fit",
    "pretrend_test",
    "randomization_simple",
    "rollout_panel",
    "simple_att",
    "standard_errors",
    "twfe_event_study",
    "twfe_static",
    "wald_zero",
]

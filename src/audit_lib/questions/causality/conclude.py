"""Causality, step 5: what the estimates allow one to say.

One row per effect group with its interpretation (``causal``, ``associational``,
``not_identified``), the design weighed as a whole, the figures the criteria use and the
plain-language conclusions (text keys with their values).
"""

from __future__ import annotations


from typing import Any

import numpy as np
import pandas as pd

from .estimate import Estimates
from .identify import JOINT


def effects_table(est: Estimates, ident: pd.DataFrame) -> pd.DataFrame:
    """One row per group: robust estimate and interval, pre-trend p, identification, and TWFE
    beside it; ``interpretation``: ``causal`` (identified, pre-trend not rejected),
    ``associational`` (pre-trend rejected or identification weak) or ``not_identified``."""
    e = est.effects.merge(
        ident[["group", "status", "identified", "n_clusters", "joint_with"]].rename(
            columns={"n_clusters": "n_clusters_treated"}
        ),
        on="group",
        how="left",
    )
    tw = (
        est.twfe[["group", "estimate", "se", "ci_low", "ci_high", "difference_p"]]
        .add_prefix("twfe_")
        .rename(columns={"twfe_group": "group"})
    )
    e = e.merge(tw, on="group", how="left")
    e["separable"] = e["identified"].fillna(False).astype(bool) & e["estimable"].astype(bool)
    e["identified"] = e["separable"]  # until finalize_effects has weighed the pre-trend tests
    return e


ALL_TESTS = ("wild_cluster_bootstrap", "f_test")
TEST_COLUMNS = {"wild_cluster_bootstrap": "pretrend_p", "f_test": "pretrend_p_f"}


def pretrend_min_p(row: pd.Series[Any], tests: tuple[str, ...] = ALL_TESTS) -> float:
    """The smallest p-value of the pre-trend ``tests`` run for a group; NaN when none ran."""
    ps = [row[TEST_COLUMNS[t]] for t in tests if TEST_COLUMNS[t] in row and np.isfinite(row[TEST_COLUMNS[t]])]
    return float(min(ps)) if ps else float("nan")


def interpretation(row: pd.Series[Any], alpha: float, tests: tuple[str, ...] = ALL_TESTS) -> str:
    """``not_identified`` (no cells of its own, or no estimate), ``associational`` (weak
    identification, or any of the pre-trend ``tests`` rejects, or none could be run) or
    ``causal``."""
    if row["status"] in ("joint_only", "not_treated") or not np.isfinite(row["estimate"]):
        return "not_identified"
    p_min = pretrend_min_p(row, tests)
    if row["status"] == "weak" or not np.isfinite(p_min) or p_min < alpha:
        return "associational"
    return "causal"


def finalize_effects(
    effects: pd.DataFrame,
    alpha: float,
    divergence_share: float = 0.2,
    divergence_min: float = 0.005,
    tests: tuple[str, ...] = ALL_TESTS,
) -> pd.DataFrame:
    """Interpretation, percent changes and whether TWFE differs from the robust estimate:
    significantly (``twfe_difference_p < alpha``) or materially (by more than
    ``divergence_share`` of the robust estimate and more than ``divergence_min``). With about
    ten clusters a real bias of TWFE is often not significant, so materiality is the rule an
    auditor can use."""
    e = effects.copy()
    if "pretrend_p_f" not in e:
        e["pretrend_p_f"] = np.nan
    e["interpretation"] = [interpretation(r, alpha, tests) for _, r in e.iterrows()]
    e["pretrend_min_p"] = [pretrend_min_p(r, tests) for _, r in e.iterrows()]
    # identified: a causal reading is defensible (separately estimable, enough treated
    # categories for the interval, and no pre-trend test rejects)
    e["identified"] = e["interpretation"] == "causal"
    e["pct"] = np.expm1(e["estimate"])
    e["pct_low"] = np.expm1(e["ci_low"])
    e["pct_high"] = np.expm1(e["ci_high"])
    e["twfe_inside_ci"] = (e["twfe_estimate"] >= e["ci_low"]) & (e["twfe_estimate"] <= e["ci_high"])
    gap = (e["twfe_estimate"] - e["estimate"]).abs()
    material = (gap > divergence_share * e["estimate"].abs()) & (gap > divergence_min)
    e["twfe_differs"] = (material | (e["twfe_difference_p"] < alpha)).fillna(False).astype(bool)
    return e


def results_entry(row: pd.Series[Any]) -> dict[str, Any]:
    """The ``effects`` entry of the results JSON for one group."""

    def num(x: Any) -> float | None:
        return None if x is None or not np.isfinite(x) else float(x)

    ok = bool(row.get("separable", row["identified"])) or row.get("status") == "weak"
    return {
        "estimate": num(row["estimate"]) if ok else None,
        "se": num(row["se"]) if ok else None,
        "ci_low": num(row["ci_low"]) if ok else None,
        "ci_high": num(row["ci_high"]) if ok else None,
        "pretrend_p": num(row["pretrend_p"]),
        "pretrend_p_f": num(row.get("pretrend_p_f", np.nan)),
        "identified": bool(row["identified"]),
        "separable": bool(row.get("separable", row["identified"])),
        "status": row["status"],
        "interpretation": row["interpretation"],
        "ci_method": row["ci_method"],
        "n_cells": int(row["n_cells"]),
        "n_obs": int(row["n_obs"]),
        "twfe": {
            "estimate": num(row["twfe_estimate"]),
            "se": num(row["twfe_se"]),
            "ci_low": num(row["twfe_ci_low"]),
            "ci_high": num(row["twfe_ci_high"]),
            "difference_p": num(row["twfe_difference_p"]),
            "differs": bool(row["twfe_differs"]),
        },
    }


def assessment_inputs(effects: pd.DataFrame, placebo_tab: pd.DataFrame, group: str = "coordination") -> dict[str, Any]:
    """Figures the criteria use, for the coordination effect."""
    r = effects.set_index("group").loc[group] if group in set(effects["group"]) else None
    pl = placebo_tab.set_index("group").loc[group] if group in set(placebo_tab["group"]) else None

    def num(x: Any) -> float | None:
        return float(x) if x is not None and np.isfinite(x) else None

    if r is None:
        return {"coordination_identified": False}
    return {
        "coordination_identified": bool(r["identified"]),
        "coordination_estimate": num(r["estimate"]),
        "coordination_ci_high": num(r["ci_high"]),
        "coordination_pretrend_p": num(r["pretrend_min_p"]) if "pretrend_min_p" in r else num(r["pretrend_p"]),
        "coordination_placebo_ok": bool(pl["covers_zero"]) if pl is not None and np.isfinite(pl["estimate"]) else None,
        "coordination_estimators_agree": (not bool(r["twfe_differs"])) if np.isfinite(r["twfe_estimate"]) else None,
    }


def conclusions(effects: pd.DataFrame, placebo_tab: pd.DataFrame) -> list[tuple[str, dict[str, Any]]]:
    """Plain-language conclusions as (text key, values): one per group, then divergence and
    placebo warnings. In the values, ``group`` and ``with`` are group names (to be labelled),
    keys ending in ``_pct`` are fractions to show as percent, ``p`` is a p-value."""
    out: list[tuple[str, dict[str, Any]]] = []
    for _, r in effects.iterrows():
        g = r["group"]
        joint = JOINT in g
        kind = r["interpretation"]
        v = {
            "group": g,
            "pct": r["pct"],
            "low_pct": r["pct_low"],
            "high_pct": r["pct_high"],
            "p": r["pretrend_min_p"] if "pretrend_min_p" in r else r["pretrend_p"],
            "n_cells": int(r["n_cells"]),
        }
        if kind == "not_identified":
            if not joint:
                w = r["joint_with"] if isinstance(r["joint_with"], list) and r["joint_with"] else []
                out.append(("causality.conclusion_not_identified", {"group": g, "with": w[0] if w else g}))
            continue
        if joint:
            key = "causality.conclusion_joint_weak" if r["status"] == "weak" else "causality.conclusion_joint"
        elif kind == "causal":
            significant = np.isfinite(r["ci_high"]) and (r["ci_high"] < 0 or r["ci_low"] > 0)
            key = "causality.conclusion_causal" if significant else "causality.conclusion_no_effect"
        elif r["status"] == "weak":
            key = "causality.conclusion_associational_weak"
        elif list(r.get("reasons", [])) == ["other_initiative"]:
            key = "causality.conclusion_associational_other"
            v["others"] = list(r["failing_initiatives"])
        else:
            key = "causality.conclusion_associational_pretrend"
        out.append((key, v))
    for _, r in effects.iterrows():
        if r["interpretation"] != "not_identified" and np.isfinite(r["twfe_estimate"]) and r["twfe_differs"]:
            out.append(
                (
                    "causality.conclusion_diverge",
                    {"group": r["group"], "twfe_pct": float(np.expm1(r["twfe_estimate"])), "pct": r["pct"]},
                )
            )
    bad = placebo_tab[(~placebo_tab["covers_zero"].astype(bool)) & placebo_tab["estimate"].notna()]
    for _, r in bad.iterrows():
        out.append(("causality.conclusion_placebo", {"group": r["group"], "pct": float(np.expm1(r["estimate"]))}))
    return out


PRETREND_TESTS = {"wild_cluster_bootstrap": ("p_value", "statistic"), "f_test": ("p_value_f", "statistic_f")}


def pretrend_tests_table(
    pretrend: pd.DataFrame, alpha: float, tests: tuple[str, ...] = ALL_TESTS
) -> list[dict[str, Any]]:
    """Every pre-trend test that was run: one entry per test and driver (effect group), with
    its statistic, p-value, whether it rejects parallel trends at ``alpha`` and whether it
    ``decides`` identification (is one of ``tests``)."""
    out = []
    for r in pretrend.to_dict("records"):
        for test, (pcol, scol) in PRETREND_TESTS.items():
            pv, st = r.get(pcol), r.get(scol, np.nan)
            if pv is None or not np.isfinite(pv):
                continue
            out.append(
                {
                    "test": test,
                    "driver": r["group"],
                    "statistic": float(st) if np.isfinite(st) else None,
                    "p_value": float(pv),
                    "n_leads": int(r["n_leads"]),
                    "rejects": bool(pv < alpha),
                    "decides": test in tests,
                }
            )
    return out


def own_reasons(r: pd.Series[Any], alpha: float) -> list[str]:
    """Why one effect on its own does not bear a causal reading: ``not_separable`` (never
    starts on its own, or no estimate), ``too_few_treated`` (too few categories for the
    interval to be trusted), ``pretrend_rejected`` (a pre-trend test rejects at ``alpha``),
    ``pretrend_not_testable``. Empty when it does."""
    if r["status"] in ("joint_only", "not_treated") or not np.isfinite(r["estimate"]):
        return ["not_separable"]
    why = ["too_few_treated"] if r["status"] == "weak" else []
    p_min = r["pretrend_min_p"]
    if not np.isfinite(p_min):
        why.append("pretrend_not_testable")
    elif p_min < alpha:
        why.append("pretrend_rejected")
    return why


def apply_design(effects: pd.DataFrame, treatments: list[str], alpha: float) -> pd.DataFrame:
    """Weigh the design as a whole. The initiatives' effects are estimated from one common
    comparison group (the months without any initiative), so when the pre-trend tests reject
    for one initiative, or one rests on too few categories, that comparison group is suspect for
    all: no effect is then read causally. Adds ``reasons`` (own reasons, plus
    ``other_initiative`` when only another initiative fails) and sets ``identified`` and
    ``interpretation`` accordingly."""
    e = effects.copy()
    e["reasons"] = [own_reasons(r, alpha) for _, r in e.iterrows()]
    own_ok = {g: not why for g, why in zip(e["group"], e["reasons"])}
    design_ok = all(own_ok.get(t, False) for t in treatments)
    if not design_ok:
        failing = [t for t in treatments if not own_ok.get(t, False)]
        e["reasons"] = [why if why else ["other_initiative"] for why in e["reasons"]]
        e["failing_initiatives"] = [[t for t in failing if t != g] for g in e["group"]]
        e.loc[e["interpretation"] == "causal", "interpretation"] = "associational"
    else:
        e["failing_initiatives"] = [[] for _ in range(len(e))]
    e["identified"] = e["interpretation"] == "causal"
    return e


def design_identified(effects: pd.DataFrame, treatments: list[str]) -> bool:
    """Does the design identify the price effect of every initiative, so that a causal
    reading is defensible? (``apply_design`` has set ``identified``.)"""
    rows = effects.set_index("group")
    return bool(all(t in rows.index and bool(rows.loc[t, "identified"]) for t in treatments))


def reason_groups(effects: pd.DataFrame, treatments: list[str]) -> dict[str, list[str]]:
    """Reason -> the initiatives it applies to (own reasons only, in ``treatments`` order)."""
    reasons: dict[str, list[str]] = dict(zip(effects["group"], effects["reasons"]))
    out: dict[str, list[str]] = {}
    for t in treatments:
        for why in reasons.get(t, ["not_separable"]):
            if why != "other_initiative":
                out.setdefault(why, []).append(t)
    return out


def identification_reasons(effects: pd.DataFrame) -> dict[str, list[str]]:
    """Per effect group that is not identified: why (``apply_design``'s ``reasons``)."""
    return {g: list(why) for g, why, ok in zip(effects["group"], effects["reasons"], effects["identified"]) if not ok}

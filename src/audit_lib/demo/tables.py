"""The demo's smaller tables: the targets (the published figures with their source, and the
synthetic years marked), the coordination effort and the indicators followed up."""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import calibration as cal

ACTIVITIES = ["samverkansmöte", "kravsynkronisering", "förankring"]


def _published_targets() -> list[dict[str, Any]]:
    """The targets and outcomes the reference report publishes (and the 2025 interim share)."""
    rows: list[dict[str, Any]] = []
    for year, (target, outcome, source) in cal.COORDINATED_COUNT.items():
        rows.append(
            dict(
                year=year,
                indicator="coordinated_count",
                target=target,
                outcome=outcome,
                period="full_year",
                source=source,
            )
        )
    for year, (target_mnkr, outcome_mnkr, source) in cal.ENABLED_SAVINGS_MNKR.items():
        rows.append(
            dict(
                year=year,
                indicator="enabled_savings_sek",
                target=target_mnkr * 1e6,
                outcome=outcome_mnkr * 1e6,
                period="full_year",
                source=source,
            )
        )
    t25, src25 = cal.SAVINGS_TARGET_2025_MNKR
    rows.append(
        dict(
            year=2025,
            indicator="enabled_savings_sek",
            target=t25 * 1e6,
            outcome=cal.SAVINGS_OUTCOME_2025_MNKR * 1e6,
            period="full_year",
            source=f"target: {src25}; outcome: {cal.SYNTHETIC}",
        )
    )
    share_target, share_outcome, share_source = cal.INTERIM_SHARE_2025
    rows.append(
        dict(
            year=2025,
            indicator="coordinated_share",
            target=share_target,
            outcome=share_outcome,
            period="interim",
            source=share_source,
        )
    )
    return rows


def _targets(procurements: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    rows = _published_targets()
    n_regions = regions.groupby("procurement_id").size()
    year = procurements.set_index("procurement_id")["completed_date"].dt.year
    share_2025 = float((n_regions[year[year == 2025].index] > 1).mean())
    rows.append(
        dict(
            year=2025,
            indicator="coordinated_share",
            target=0.30,
            outcome=round(share_2025, 4),
            period="full_year",
            source=f"target: Verksamhetsplan 2025, citerad i {cal.REPORT}; outcome: {cal.SYNTHETIC}",
        )
    )
    rows.append(
        dict(
            year=2025,
            indicator="coordinated_count",
            target=None,
            outcome=float(cal.N_COORDINATED[2025]),
            period="full_year",
            source=cal.SYNTHETIC,
        )
    )
    return pd.DataFrame(rows).sort_values(["indicator", "year", "period"]).reset_index(drop=True)


def _effort(rng, procurements: pd.DataFrame, regions: pd.DataFrame, planted: dict) -> pd.DataFrame:
    per_procurement = regions.groupby("procurement_id").size()
    coordinated = per_procurement[per_procurement > 1].index
    rows = []
    for pid in sorted(coordinated):
        if rng.random() < 0.30:  # cost data missing for about 30 % of coordinated procurements
            continue
        scale = 6.0 if pid in planted["mammography"] else 1.0
        for act in ACTIVITIES:
            if rng.random() < 0.8:
                rows.append(dict(procurement_id=pid, activity=act, hours=round(float(rng.gamma(2.0, 15.0) * scale), 1)))
    return pd.DataFrame(rows, columns=["procurement_id", "activity", "hours"])


def _indicators() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("cost", "Möjliggjorda besparingar", True, "regionstyrelse"),
            ("cost", "Andel samordnade upphandlingar", True, "regionstyrelse"),
            ("quality", "Verksamheternas nöjdhet med avtal", False, None),
            ("commercial_soundness", "Avtalstrohet", False, None),
            ("administration", "Handläggningstid per upphandling", False, None),
            ("learning", "Dokumenterade lärdomar efter upphandling", False, None),
        ],
        columns=["goal_area", "indicator", "followed_up", "reported_to"],
    )

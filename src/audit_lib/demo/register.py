"""The demo's procurement register, year by year in the generator's fixed order: each
procurement's category, regions, planning and value, the planted cases (the report's textile
procurement, the mammography example), saving methods, the calibration of the money to the
published outcomes, and each region's share with its initiating body."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import calibration as cal
from .savings import _savings_for_year

CATEGORIES: dict[str, list[str]] = {
    "IT": ["Datorer och skärmar", "Nätverksutrustning", "Programvarulicenser", "IT-konsulter"],
    "Textil": ["Patientkläder", "Arbetskläder", "Sängtextilier", "Textilservice"],
    "Måltider": ["Livsmedel", "Kylda varor", "Måltidsservice", "Drycker"],
    "Mammografiutrustning": ["Mammografistativ", "Service mammografi", "Tillbehör mammografi"],
    "Medicinsk förbrukning": ["Handskar", "Förband", "Sprutor och kanyler", "Katetrar"],
    "Laboratorieprodukter": ["Reagens", "Provrör", "Laboratorieinstrument"],
    "Kontorsmaterial": ["Papper", "Kontorsmöbler", "Skrivare"],
    "Fordon": ["Personbilar", "Ambulanser", "Fordonsservice"],
    "Städ och hygien": ["Städtjänster", "Hygienartiklar"],
    "Läkemedelsnära produkter": ["Infusionspumpar", "Nutrition"],
}
REASONS = [
    "Verksamheterna har olika behov",
    "Avtalen löper ut vid olika tidpunkter",
    "Verksamheten motsatte sig samordning",
    "Olika IT-system i regionerna",
]
BODIES = ("regionfullmaktige", "regionstyrelse", "inkopsnamnden", "forvaltning")
# demo delegation rules, mirrored in params/demo.yaml: body required from an estimated value
DELEGATION = {
    "SRM": [("regionfullmaktige", 100e6), ("regionstyrelse", 30e6), ("inkopsnamnden", 0.0)],
    "VML": [("regionfullmaktige", 500e6), ("regionstyrelse", 50e6), ("inkopsnamnden", 0.0)],
}


def _required_body(region: str, value: float) -> str:
    for body, threshold in DELEGATION[region]:
        if value >= threshold:
            return body
    return "forvaltning"


def _new_planted() -> dict[str, list]:
    return {
        "invalid_market_too_few_bids": [],
        "invalid_unapproved_counted": [],
        "invalid_basket_missing": [],
        "mismatch": [],
        "textile": [],
        "missing_initiation_ref": [],
        "planned_not_coordinated": [],
        "undocumented_reasons": [],
        "mammography": [],
    }


def _procurement_row(rng: np.random.Generator, year: int, i: int, day: int, coordinated: bool) -> dict:
    """One procurement of the register (before its savings), drawn in the generator's fixed order."""
    cats = list(CATEGORIES)
    pid = f"IN-{year}-{i + 1:04d}"
    cat = cats[rng.integers(len(cats))]
    item = CATEGORIES[cat][rng.integers(len(CATEGORIES[cat]))]
    lead = "SRM" if rng.random() < 0.55 else "VML"
    regions = ["SRM", "VML"] if coordinated else [lead]
    planned = bool(coordinated or rng.random() < 0.18)
    reason = None
    if planned and not coordinated:
        reason = None if rng.random() < 0.35 else REASONS[rng.integers(len(REASONS))]
    value_total = float(np.exp(rng.normal(np.log(4e6), 1.0)))
    return dict(
        procurement_id=pid,
        title=f"{item} ({cat})",
        category=cat,
        lead_region=lead,
        completed_date=pd.Timestamp(year, 1, 1) + pd.Timedelta(days=day),
        planned_coordinated=planned,
        non_coordination_reason=reason,
        external_consultant=bool(rng.random() < 0.04),
        lessons_documented=bool(rng.random() < (0.5 if cat in ("IT", "Textil", "Måltider") else 0.15)),
        _regions=regions,
        _value=value_total,
    )


def _make_coordinated(year_rows: list[dict], coordinated: np.ndarray, idx: int) -> None:
    """Coordinate procurement ``idx`` by design, keeping the year's coordinated count."""
    if not coordinated[idx]:
        j = next(k for k in range(len(coordinated)) if coordinated[k] and k != idx)
        coordinated[j], coordinated[idx] = False, True
        year_rows[j]["_regions"] = [year_rows[j]["lead_region"]]


def _plant_cases(year: int, year_rows: list[dict], coordinated: np.ndarray, planted: dict) -> None:
    """The report's textile procurement (2025) and its poor example, mammography (2024)."""
    n = len(year_rows)
    # the textile procurement of the report: awarded 2025, contract start April 2026
    if year == 2025:
        r = year_rows[-3]
        r.update(
            title="Textilier och textilservice, avtalsstart april 2026",
            category="Textil",
            lead_region="SRM",
            planned_coordinated=True,
            non_coordination_reason=None,
            completed_date=pd.Timestamp(2025, 11, 14),
            lessons_documented=True,
            external_consultant=False,
            _regions=["SRM", "VML"],
            _value=2 * cal.TEXTILE_VALUE_PER_REGION_SEK,
            _textile=True,
        )
        _make_coordinated(year_rows, coordinated, n - 3)
    if year == 2024:  # the poor example: mammography stands run by an external consultant
        r = year_rows[10]
        r.update(
            title="Mammografistativ",
            category="Mammografiutrustning",
            external_consultant=True,
            lessons_documented=False,
            planned_coordinated=True,
            non_coordination_reason=None,
            _regions=["SRM", "VML"],
        )
        _make_coordinated(year_rows, coordinated, 10)
        planted["mammography"].append(r["procurement_id"])


def _assign_methods(rng: np.random.Generator, year: int, year_rows: list[dict]) -> None:
    """Saving methods: about 40 % with none computable; the textile procurement negotiated."""
    n = len(year_rows)
    order = rng.permutation(n)
    n_none = int(round(cal.NO_SAVING_SHARE * n))
    methods = np.array(["market"] * n, dtype=object)
    methods[order[:n_none]] = "none"
    methods[order[n_none : n_none + int(0.10 * n)]] = "negotiation"
    methods[order[n_none + int(0.10 * n) : n_none + int(0.18 * n)]] = "basket"
    if year == 2025:
        tex = n - 3
        methods[tex] = "negotiation"
    for i, row in enumerate(year_rows):
        row["saving_method"] = methods[i]


def _calibrate_year(year: int, year_rows: list[dict], bid_rows: list[dict]) -> None:
    """Scale the year's money so that the register's total equals the published outcome."""
    if year in cal.ENABLED_SAVINGS_MNKR:
        target_total = cal.ENABLED_SAVINGS_MNKR[year][1] * 1e6
    else:
        target_total = cal.SAVINGS_OUTCOME_2025_MNKR * 1e6
    total = sum(r["reported_saving_sek"] or 0.0 for r in year_rows)
    factor = target_total / total
    money = ("reported_saving_sek", "basket_old_sek", "basket_new_sek", "first_price_sek", "negotiated_price_sek")
    year_ids = {r["procurement_id"] for r in year_rows}
    for r in year_rows:
        for k in money:
            if r.get(k) is not None:
                r[k] = round(r[k] * factor, 2)
        if not r.get("_textile"):
            r["_value"] *= factor
    for b in bid_rows:
        if b["procurement_id"] in year_ids:
            b["evaluated_price_sek"] = round(b["evaluated_price_sek"] * factor, 2)
    # make the total exact after rounding
    last = next(r for r in reversed(year_rows) if r.get("reported_saving_sek"))
    last["reported_saving_sek"] = round(
        last["reported_saving_sek"] + target_total - sum(r["reported_saving_sek"] or 0.0 for r in year_rows), 2
    )


def _region_rows(
    rng: np.random.Generator, year: int, year_rows: list[dict], region_rows: list[dict], planted: dict
) -> None:
    """Each participating region's share, initiating body and reference, with planted gaps."""
    for r in year_rows:
        shares = [1.0] if len(r["_regions"]) == 1 else list(rng.dirichlet([4, 4]))
        if r.get("_textile"):
            shares = [0.5, 0.5]
        for region, share in zip(r["_regions"], shares):
            value = round(r["_value"] * share, -3)
            body = _required_body(region, value)
            ref: str | None = f"{region}-{year}-{rng.integers(100, 999)}"
            if r.get("_textile") and region == "SRM":
                body = "inkopsnamnden"  # the council never initiated it
                planted["textile"].append({"procurement_id": r["procurement_id"], "region": region})
            elif rng.random() < 0.01:
                ref = None
                planted["missing_initiation_ref"].append({"procurement_id": r["procurement_id"], "region": region})
            region_rows.append(
                dict(
                    procurement_id=r["procurement_id"],
                    region=region,
                    estimated_value_sek=value,
                    initiated_by=body,
                    initiation_ref=ref,
                )
            )
        if r["planned_coordinated"] and len(r["_regions"]) == 1:
            planted["planned_not_coordinated"].append(r["procurement_id"])
            if r["non_coordination_reason"] is None:
                planted["undocumented_reasons"].append(r["procurement_id"])


def _procurements(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    proc_rows: list[dict] = []
    region_rows: list[dict] = []
    bid_rows: list[dict] = []
    planted = _new_planted()
    for year in cal.YEARS:
        n, n_coord = cal.N_PROCUREMENTS[year], cal.N_COORDINATED[year]
        coordinated = np.zeros(n, dtype=bool)
        coordinated[rng.choice(n, n_coord, replace=False)] = True
        days = np.sort(rng.integers(0, 365, n))
        year_rows = [_procurement_row(rng, year, i, int(days[i]), bool(coordinated[i])) for i in range(n)]
        _plant_cases(year, year_rows, coordinated, planted)
        _assign_methods(rng, year, year_rows)
        _savings_for_year(rng, year, year_rows, bid_rows, planted)
        _calibrate_year(year, year_rows, bid_rows)
        _region_rows(rng, year, year_rows, region_rows, planted)
        proc_rows.extend(year_rows)
    cols = [
        "procurement_id",
        "title",
        "category",
        "lead_region",
        "completed_date",
        "planned_coordinated",
        "non_coordination_reason",
        "saving_method",
        "reported_saving_sek",
        "basket_old_sek",
        "basket_new_sek",
        "first_price_sek",
        "negotiated_price_sek",
        "external_consultant",
        "lessons_documented",
    ]
    procurements = pd.DataFrame(proc_rows)[cols]
    return procurements, pd.DataFrame(region_rows), pd.DataFrame(bid_rows), planted

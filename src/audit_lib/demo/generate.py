"""The demo data package: deterministic (seeded), every table of the contract, 2019-2025.

Calibrated to the reference report (see ``calibration.py``): the targets table carries the
published figures with their source; the procurement register gives about 19 % coordinated
procurements in 2025 against a 30 % target and about 40 % of procurements with no computable
saving; its enabled-savings totals equal the published outcomes; a textile procurement of
about 300 mnkr per region was never initiated by Region Sörmland's council. Planted cases that
the notebooks must find are listed in ``PLANTED`` (the tests read it).

Demo data is generated, never committed: ``audit demo-data OUT_DIR``. The package declares
itself synthetic in ``datapackage.json`` (``"synthetic": true``), so every page of a run on it
carries a banner and every results JSON records ``"synthetic_data": true``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np
import pandas as pd

from ..contract.metadata import METADATA_FILE
from . import calibration as cal
from .purchase_lines import DEFAULT_EFFECTS, make_rollouts, write_purchase_lines

SEED = 20251027

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
ACTIVITIES = ["samverkansmöte", "kravsynkronisering", "förankring"]


@dataclass
class DemoPackage:
    path: Path
    planted: dict


def _required_body(region: str, value: float) -> str:
    for body, threshold in DELEGATION[region]:
        if value >= threshold:
            return body
    return "forvaltning"


def _new_planted() -> dict[str, list]:
    return {
        "invalid_market_too_few_bids": [], "invalid_unapproved_counted": [], "invalid_basket_missing": [],
        "mismatch": [], "textile": [], "missing_initiation_ref": [], "planned_not_coordinated": [],
        "undocumented_reasons": [], "mammography": [],
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
        procurement_id=pid, title=f"{item} ({cat})", category=cat, lead_region=lead,
        completed_date=pd.Timestamp(year, 1, 1) + pd.Timedelta(days=day),
        planned_coordinated=planned, non_coordination_reason=reason,
        external_consultant=bool(rng.random() < 0.04),
        lessons_documented=bool(rng.random() < (0.5 if cat in ("IT", "Textil", "Måltider") else 0.15)),
        _regions=regions, _value=value_total,
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
        r.update(title="Textilier och textilservice, avtalsstart april 2026", category="Textil",
                 lead_region="SRM", planned_coordinated=True, non_coordination_reason=None,
                 completed_date=pd.Timestamp(2025, 11, 14), lessons_documented=True,
                 external_consultant=False, _regions=["SRM", "VML"],
                 _value=2 * cal.TEXTILE_VALUE_PER_REGION_SEK, _textile=True)
        _make_coordinated(year_rows, coordinated, n - 3)
    if year == 2024:  # the poor example: mammography stands run by an external consultant
        r = year_rows[10]
        r.update(title="Mammografistativ", category="Mammografiutrustning", external_consultant=True,
                 lessons_documented=False, planned_coordinated=True, non_coordination_reason=None,
                 _regions=["SRM", "VML"])
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
                dict(procurement_id=r["procurement_id"], region=region, estimated_value_sek=value,
                     initiated_by=body, initiation_ref=ref)
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
    cols = ["procurement_id", "title", "category", "lead_region", "completed_date", "planned_coordinated",
            "non_coordination_reason", "saving_method", "reported_saving_sek", "basket_old_sek", "basket_new_sek",
            "first_price_sek", "negotiated_price_sek", "external_consultant", "lessons_documented"]
    procurements = pd.DataFrame(proc_rows)[cols]
    return procurements, pd.DataFrame(region_rows), pd.DataFrame(bid_rows), planted


def _savings_for_year(rng, year: int, rows: list[dict], bid_rows: list[dict], planted: dict) -> None:
    """Inputs of each method and the register's reported saving, with planted errors in 2025."""
    n_invalid_market, n_unapproved, n_basket_missing, n_mismatch = (3, 1, 1, 3) if year == 2025 else (1, 0, 0, 1)
    for r in rows:
        pid, value, method = r["procurement_id"], r["_value"], r["saving_method"]
        r.update(reported_saving_sek=None, basket_old_sek=None, basket_new_sek=None,
                 first_price_sek=None, negotiated_price_sek=None)
        if method == "market":
            n_approved = int(rng.integers(3, 8))
            n_rejected = int(rng.integers(0, 3))
        elif method == "none":
            n_approved = int(rng.integers(0, 3))  # too few for the market method
            n_rejected = int(rng.integers(0, 2))
        else:
            n_approved = int(rng.integers(1, 6)) if rng.random() < 0.6 else 0
            n_rejected = int(rng.integers(0, 2)) if n_approved else 0
        if method == "market" and n_invalid_market > 0:
            n_approved, n_rejected, n_invalid_market = 2, 1, n_invalid_market - 1
            planted["invalid_market_too_few_bids"].append(pid)
        prices = value * np.exp(rng.normal(0.0, 0.12, n_approved + n_rejected))
        approved = np.array([True] * n_approved + [False] * n_rejected)
        if n_approved:
            winner = int(np.argmin(np.where(approved, prices, np.inf)))
        for k, (p, ok) in enumerate(zip(prices, approved)):
            bid_rows.append(dict(procurement_id=pid, bidder_id=f"L{rng.integers(1000, 9999)}-{k + 1}",
                                 evaluated_price_sek=round(float(p), 2), approved=bool(ok),
                                 awarded=bool(n_approved and k == winner)))
        if method == "market":
            ap = prices[approved]
            saving = float(ap.mean() - ap.min())
            if n_unapproved > 0 and n_rejected > 0 and pid not in planted["invalid_market_too_few_bids"]:
                saving = float(prices.mean() - ap.min())  # unapproved bids counted
                n_unapproved -= 1
                planted["invalid_unapproved_counted"].append(pid)
            r["reported_saving_sek"] = saving
        elif method == "negotiation":
            first = value * (1 + rng.uniform(0.03, 0.12))
            r.update(first_price_sek=first, negotiated_price_sek=value, reported_saving_sek=first - value)
        elif method == "basket":
            old = value * 0.2 * (1 + rng.uniform(0.02, 0.15))
            new = value * 0.2
            r.update(basket_old_sek=old, basket_new_sek=new, reported_saving_sek=old - new)
            if n_basket_missing > 0:
                r["basket_new_sek"] = None
                n_basket_missing -= 1
                planted["invalid_basket_missing"].append(pid)
        if method in ("market", "negotiation") and n_mismatch > 0 and pid not in (
            planted["invalid_market_too_few_bids"] + planted["invalid_unapproved_counted"]
        ) and not r.get("_textile"):
            r["reported_saving_sek"] = r["reported_saving_sek"] * 1.25
            n_mismatch -= 1
            planted["mismatch"].append(pid)


def _targets(procurements: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for year, (target, outcome, source) in cal.COORDINATED_COUNT.items():
        rows.append(dict(year=year, indicator="coordinated_count", target=target, outcome=outcome,
                         period="full_year", source=source))
    for year, (target_mnkr, outcome_mnkr, source) in cal.ENABLED_SAVINGS_MNKR.items():
        rows.append(dict(year=year, indicator="enabled_savings_sek", target=target_mnkr * 1e6,
                         outcome=outcome_mnkr * 1e6, period="full_year", source=source))
    t25, src25 = cal.SAVINGS_TARGET_2025_MNKR
    rows.append(dict(year=2025, indicator="enabled_savings_sek", target=t25 * 1e6,
                     outcome=cal.SAVINGS_OUTCOME_2025_MNKR * 1e6, period="full_year",
                     source=f"target: {src25}; outcome: {cal.SYNTHETIC}"))
    share_target, share_outcome, share_source = cal.INTERIM_SHARE_2025
    rows.append(dict(year=2025, indicator="coordinated_share", target=share_target, outcome=share_outcome,
                     period="interim", source=share_source))
    n_regions = regions.groupby("procurement_id").size()
    year = procurements.set_index("procurement_id")["completed_date"].dt.year
    share_2025 = float((n_regions[year[year == 2025].index] > 1).mean())
    rows.append(dict(year=2025, indicator="coordinated_share", target=0.30, outcome=round(share_2025, 4),
                     period="full_year", source=f"target: Verksamhetsplan 2025, citerad i {cal.REPORT}; "
                     f"outcome: {cal.SYNTHETIC}"))
    rows.append(dict(year=2025, indicator="coordinated_count", target=None,
                     outcome=float(cal.N_COORDINATED[2025]), period="full_year", source=cal.SYNTHETIC))
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
                rows.append(dict(procurement_id=pid, activity=act,
                                 hours=round(float(rng.gamma(2.0, 15.0) * scale), 1)))
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


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
        elif out[c].dtype == bool or str(out[c].dtype) == "boolean":
            out[c] = out[c].map({True: "true", False: "false"})
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.2f")


def write_metadata(out: Path, seed: int) -> None:
    """``datapackage.json``: the package says it is synthetic (see ``docs/data_contract.md``)."""
    tables = sorted(p.name for p in out.iterdir() if p.suffix in (".csv", ".parquet"))
    meta = {
        "name": "audit-demo",
        "title": "Demo data package (synthetic)",
        "synthetic": True,
        "description": "Invented data calibrated to the reference report's published figures; not real audit "
                       "findings. Generated by `audit demo-data`.",
        "seed": seed,
        "resources": [{"name": Path(n).stem, "path": n} for n in tables],
    }
    (out / METADATA_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def generate(out_dir: str | Path, n_lines: int = 2_000_000, seed: int = SEED) -> DemoPackage:
    """Write the demo package to ``out_dir`` (created; existing contract files replaced)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    procurements, regions, bids, planted = _procurements(rng)
    _write_csv(procurements, out / "procurements.csv")
    _write_csv(regions, out / "procurement_regions.csv")
    _write_csv(bids, out / "bids.csv")
    _write_csv(_targets(procurements, regions), out / "targets.csv")
    _write_csv(_effort(rng, procurements, regions, planted), out / "coordination_effort.csv")
    _write_csv(_indicators(), out / "indicators.csv")
    rollouts = make_rollouts(list(CATEGORIES), list(cal.REGIONS), procurements, regions, seed)
    _write_csv(rollouts, out / "rollouts.csv")
    write_purchase_lines(out / "purchase_lines.parquet", rollouts, n_lines=n_lines, seed=seed,
                         effects=DEFAULT_EFFECTS)
    planted["effects"] = DEFAULT_EFFECTS
    write_metadata(out, seed)
    (out / "PLANTED.json").write_text(json.dumps(planted, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    (out / "README.md").write_text(
        "# Demo data package (synthetic)\n\nGenerated by `audit demo-data`; seeded and deterministic. "
        "Calibrated to the published figures of the reference report; synthetic years are marked in "
        "`targets.source`. `PLANTED.json` lists the cases planted for the notebooks to find; "
        "`datapackage.json` declares the package synthetic.\n",
        encoding="utf-8",
    )
    return DemoPackage(out, planted)

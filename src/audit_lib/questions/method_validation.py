"""Method validation (not part of a region's review): the staggered-rollout estimators
reproduce published results and run on a real procurement rollout.

1. **mpdta** (Callaway and Sant'Anna 2021; the R package ``did``'s example): the twelve
   group-time effects ATT(g, t) and the simple, event-time and group aggregations, against the
   published figures to four decimals.
2. **Decarolis (2014), Table 2, Panel A, column 1** (County of Turin against 14 control
   authorities): the two-way fixed-effects regression against the published 13.10 (se 1.609),
   N 1,262, R² 0.505. With one treated authority cluster-robust inference is not valid: the
   randomization (placebo) p-value over the control authorities is reported beside it.
3. **The full Decarolis data** as a staggered rollout (authorities adopting first-price
   auctions in different years; the outcome the authority x year mean winning discount):
   ATT(g, t), aggregations, event study and pre-trend tests, with the few-treated rule
   (``min_treated_clusters``), beside two-way fixed effects on the same data.
4. **Real bid-level data** (Brazilian public tenders, every bid of each tender): the savings
   model's market method (question 4) and its alternative baselines, under the q4 section's
   rules (``q4_savings_model.real_bids_dir``, ``market_min_bids``, ``max_n_bids``); shown here,
   not in a region's report.

The files are read by ``audit_lib.realdata`` (the only I/O); everything else is pure.
``analyse`` is the one entry point a notebook calls (a ``MethodValidationResult`` out), and
``results`` the figures its results JSON records; the page is ``report/pages/method_validation.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..params import MethodValidationParams, Q4Params
from ..realdata import decarolis as dec
from .q4_savings_model import RealData, real_data, real_results
from ..stats.staggered import StaggeredResult, att_gt

# ../shared/data/README.md: the did package's introductory example, four decimals
MPDTA_ATT_GT = {
    (2004, 2004): -0.0105,
    (2004, 2005): -0.0704,
    (2004, 2006): -0.1373,
    (2004, 2007): -0.1008,
    (2006, 2004): 0.0065,
    (2006, 2005): -0.0028,
    (2006, 2006): -0.0046,
    (2006, 2007): -0.0412,
    (2007, 2004): 0.0305,
    (2007, 2005): -0.0027,
    (2007, 2006): -0.0311,
    (2007, 2007): -0.0261,
}
MPDTA_AGGREGATES = {"simple": -0.0400, "event_time": -0.0772, "group": -0.0310}
DECAROLIS_TABLE2A_COL1 = {"estimate": 13.10, "se": 1.609, "n": 1262, "r2": 0.505}
DECIMALS = {"estimate": 2, "se": 3, "n": 0, "r2": 3}  # the published rounding


def read_mpdta(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: file not found (mpdta.csv)")
    df = pd.read_csv(p)
    missing = [c for c in ("countyreal", "year", "lemp", "first.treat") if c not in df.columns]
    if missing:
        raise ValueError(f"{p}: column(s) {', '.join(missing)} missing")
    return df


def _estimate(
    data: pd.DataFrame, unit: str, time: str, outcome: str, adoption: str, p: MethodValidationParams, seed: int
) -> StaggeredResult:
    return att_gt(
        data,
        unit,
        time,
        outcome,
        adoption,
        control=p.control,
        se=p.se,
        reps=p.bootstrap_reps,
        seed=seed,
        level=p.interval_level,
        min_treated_clusters=p.min_treated_clusters,
    )


def _int_keys(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    return frame.astype({c: int for c in cols if c in frame.columns})


def mpdta_validation(data: pd.DataFrame, p: MethodValidationParams, seed: int) -> dict[str, Any]:
    """ATT(g, t) and aggregations on mpdta beside the published figures."""
    r = _estimate(data, "countyreal", "year", "lemp", "first.treat", p, seed)
    cells = _int_keys(r.att_gt, ("group", "time", "base", "event_time"))
    cells["published"] = [MPDTA_ATT_GT.get((g, t)) for g, t in zip(cells["group"], cells["time"])]
    cells["matches"] = [pub is not None and round(a, 4) == pub for a, pub in zip(cells["att"], cells["published"])]
    aggs = {
        k: {**v, "published": MPDTA_AGGREGATES[k], "matches": round(v["estimate"], 4) == MPDTA_AGGREGATES[k]}
        for k, v in r.aggregates.items()
    }
    return {
        "att_gt": cells[["group", "time", "att", "se", "low", "high", "published", "matches"]],
        "aggregates": aggs,
        "pretrend": r.pretrend,
        "pretrend_event": r.pretrend_event,
        "event_study": _int_keys(r.event_study, ("event_time",)),
        "meta": r.meta,
        "all_match": bool(
            cells["matches"].all() and len(cells) == len(MPDTA_ATT_GT) and all(a["matches"] for a in aggs.values())
        ),
    }


def decarolis_validation(auctions: pd.DataFrame, p: MethodValidationParams, seed: int) -> dict[str, Any]:
    """Table 2A column 1 beside the published figures; the staggered estimate on the full data
    beside two-way fixed effects."""
    t2 = dec.table2a_col1(auctions, p.randomization_reps, seed, p.interval_level)
    t2["published"] = DECAROLIS_TABLE2A_COL1
    t2["matches"] = {k: round(t2[k], DECIMALS[k]) == round(v, DECIMALS[k]) for k, v in DECAROLIS_TABLE2A_COL1.items()}
    t2["inference"] = "randomization" if t2["n_treated_authorities"] < p.min_treated_clusters else "cluster_robust"
    panel = dec.authority_year_panel(auctions)
    r = _estimate(panel, "authority_code", "year", "discount", "adoption_year", p, seed)
    post_share = panel.loc[(panel["adoption_year"] > 0) & (panel["year"] >= panel["adoption_year"])]
    staggered = {
        "aggregates": r.aggregates,
        "pretrend": r.pretrend,
        "pretrend_event": r.pretrend_event,
        "randomization": r.randomization,
        "meta": r.meta,
        "event_study": _int_keys(r.event_study, ("event_time",)),
        "by_group": _int_keys(r.by_group, ("group",))
        .assign(n_treated=[int(r.att_gt.loc[r.att_gt["group"] == g, "n_treated"].max()) for g in r.by_group["group"]])
        .pipe(lambda f: f.assign(few_treated=f["n_treated"] < p.min_treated_clusters)),
        "att_gt": _int_keys(r.att_gt, ("group", "time", "base", "event_time")),
        "fpsb_share_after_adoption": float(
            (post_share["fpsb_share"] * post_share["n_auctions"]).sum() / post_share["n_auctions"].sum()
        ),
        "n_authority_years": int(len(panel)),
        "n_auctions": int(panel["n_auctions"].sum()),
    }
    return {"table2a_col1": t2, "staggered": staggered, "twfe_full": dec.twfe_full_sample(auctions, panel)}


@dataclass(frozen=True)
class MethodValidationResult:
    """Both validations (a part whose file was not given is None) and the real bids."""

    mpdta: dict[str, Any] | None  # mpdta_validation
    decarolis: dict[str, Any] | None  # decarolis_validation
    real_bids: RealData  # q4_savings_model.real_data: its status says when no folder is given or none is there


def analyse(
    mpdta_file: str | Path | None,
    decarolis_file: str | Path | None,
    p: MethodValidationParams,
    seed: int,
    bids_dir: Path | None = None,
    bid_params: Q4Params | None = None,
) -> MethodValidationResult:
    """Both validations, a part whose file is not given (None) is None; and the market method on
    the real bids in ``bids_dir`` (resolved by the caller from ``bid_params.real_bids_dir``)."""
    return MethodValidationResult(
        mpdta=mpdta_validation(read_mpdta(mpdta_file), p, seed) if mpdta_file else None,
        decarolis=decarolis_validation(dec.read_authority(decarolis_file), p, seed) if decarolis_file else None,
        real_bids=real_data(bids_dir, bid_params or Q4Params()),
    )


def results(res: MethodValidationResult) -> dict[str, Any]:
    """The figures the results JSON records."""
    return {"mpdta": res.mpdta, "decarolis": res.decarolis, "real_bids": real_results(res.real_bids)}

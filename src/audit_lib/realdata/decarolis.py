"""Decarolis (2014): Italian public-works auctions and the staggered adoption of first-price
sealed-bid auctions (see ``../shared/data/README.md``, section decarolis-2014).

The file ``Authority.dta`` (Stata; one row per auction) is read with ``pandas.read_stata``.
This module reads it, applies the sample rules of the paper's Table 2, Panel A, column 1
(County of Turin against control authorities), runs that table's regression and turns the
auctions into an authority x year panel for the staggered estimators. Readers do file I/O;
they live outside ``audit_lib.questions`` for that reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from ..stats import randomization

COLUMNS = [
    "authority_code",
    "year",
    "auth_anno",
    "fpsb_auction",
    "discount",
    "turin_co_sample",
    "ctrl_exp_turin_co_sample",
    "pre_experience",
    "post_experience",
    "missing",
]


class DecarolisError(ValueError):
    """The file is missing or lacks what the analysis needs; the message names file and column."""


def read_authority(path: str | Path) -> pd.DataFrame:
    """The auctions of ``Authority.dta`` (the columns this module uses, as floats)."""
    p = Path(path)
    if not p.is_file():
        raise DecarolisError(f"{p}: file not found (the Decarolis 2014 data, Authority.dta)")
    try:
        raw = pd.read_stata(p, convert_categoricals=False)
    except Exception as e:  # not a Stata file, truncated ...
        raise DecarolisError(f"{p}: not a readable Stata file ({type(e).__name__}: {e})") from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DecarolisError(f"{p}: column(s) {', '.join(missing)} missing")
    out = raw[COLUMNS].astype(float)
    bad = out["year"].isna() | out["authority_code"].isna()
    if bad.any():
        raise DecarolisError(f"{p}: rows {out.index[bad][:5].tolist()} lack authority_code or year")
    return out


def table2a_sample(auctions: pd.DataFrame) -> pd.DataFrame:
    """Table 2, Panel A, column 1: County of Turin and its control authorities (experience
    rules), both with at least five auctions before and after, no missing outcome."""
    a = auctions
    keep = (
        (a["turin_co_sample"] == 1)
        & (a["ctrl_exp_turin_co_sample"] == 1)
        & (a["pre_experience"] >= 5)
        & (a["post_experience"] >= 5)
        & (a["missing"] == 0)
        & a["discount"].notna()
    )
    return a[keep]


def _twfe(df: pd.DataFrame, treatment: str) -> tuple[float, float, float, int]:
    """``discount`` on ``treatment`` with authority and year effects, clustered by authority x
    year (statsmodels OLS, CR1)."""
    groups = pd.factorize(df["auth_anno"])[0]
    fit = smf.ols(f"discount ~ {treatment} + C(authority_code) + C(year)", data=df).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    return float(fit.params[treatment]), float(fit.bse[treatment]), float(fit.rsquared), int(fit.nobs)


def table2a_col1(auctions: pd.DataFrame, reps: int = 999, seed: int = 0, level: float = 0.95) -> dict[str, Any]:
    """The paper's regression on its sample, with the count of treated authorities and
    randomization inference over the control authorities (each in turn given the treated
    authority's adoption year; the treated authority left out)."""
    s = table2a_sample(auctions)
    if s.empty:
        raise DecarolisError("the Table 2A sample is empty: check the sample flags of the file")
    est, se, r2, n = _twfe(s, "fpsb_auction")
    adopt = s[s["fpsb_auction"] == 1].groupby("authority_code")["year"].min()
    controls = sorted(set(s["authority_code"]) - set(adopt.index))
    rest = s[s["authority_code"].isin(controls)]
    fe = pd.get_dummies(rest[["authority_code", "year"]].astype(str), drop_first=True, dtype=float).to_numpy()
    y = rest["discount"].to_numpy()

    def placebo(assign: dict[Any, Any]) -> float:  # the same regression's point estimate, by least squares
        d = np.array([float(yr >= assign.get(a, np.inf)) for a, yr in zip(rest["authority_code"], rest["year"])])
        X = np.column_stack([d, np.ones(len(y)), fe])
        return float(np.linalg.lstsq(X, y, rcond=None)[0][0])

    ri = randomization.run(est, controls, adopt.tolist(), placebo, reps, seed, level) if len(adopt) else None
    return {
        "estimate": est,
        "se": se,
        "n": n,
        "r2": r2,
        "n_authorities": int(s["authority_code"].nunique()),
        "n_treated_authorities": int(len(adopt)),
        "n_clusters": int(s["auth_anno"].nunique()),
        "adoption_years": [int(y) for y in adopt],
        "randomization": ri,
    }


def authority_year_panel(auctions: pd.DataFrame) -> pd.DataFrame:
    """One row per authority and year with auctions: mean winning discount, the number of
    auctions, the share awarded by first price, and the authority's adoption year (the first
    year with a first-price auction; 0 = never)."""
    a = auctions[auctions["discount"].notna()]
    panel = (
        a.groupby(["authority_code", "year"], sort=True)
        .agg(discount=("discount", "mean"), n_auctions=("discount", "size"), fpsb_share=("fpsb_auction", "mean"))
        .reset_index()
    )
    first = a[a["fpsb_auction"] == 1].groupby("authority_code")["year"].min()
    panel["adoption_year"] = panel["authority_code"].map(first).fillna(0.0)
    return panel


def twfe_full_sample(auctions: pd.DataFrame, panel: pd.DataFrame) -> dict[str, Any]:
    """Two-way fixed effects on the full data, for comparison with the staggered estimate:
    ``auctions``: the paper's regression (discount on the auction's own award rule, authority
    and year effects, clustered by authority x year) on every auction; ``panel``: the
    authority x year means on ``year >= adoption_year``, clustered by authority. Singleton
    fixed effects are dropped (pyfixest), so N is the auctions or authority-years used."""
    import warnings

    import pyfixest as pf

    p = panel.assign(adopted=((panel["adoption_year"] > 0) & (panel["year"] >= panel["adoption_year"])).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyfixest warns of the singletons it drops
        a = pf.feols(
            "discount ~ fpsb_auction | authority_code + year",
            data=auctions.dropna(subset=["discount"]),
            vcov={"CRV1": "auth_anno"},
        )
        b = pf.feols("discount ~ adopted | authority_code + year", data=p, vcov={"CRV1": "authority_code"})
    return {
        name: {
            "estimate": float(m.coef().iloc[0]),
            "se": float(m.se().iloc[0]),
            "n": int(m._N),
            "low": float(m.confint().iloc[0, 0]),
            "high": float(m.confint().iloc[0, 1]),
        }
        for name, m in (("auctions", a), ("authority_years", b))
    }

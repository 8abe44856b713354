"""Decarolis (2014) through the project's pipeline (audit_lib.realdata.decarolis): Table 2,
Panel A, column 1 to the published rounding, and the staggered estimators on the full data."""

from __future__ import annotations

import pandas as pd
import pytest

from audit_lib.realdata.decarolis import (
    DecarolisError,
    authority_year_panel,
    read_authority,
    table2a_col1,
    table2a_sample,
)
from audit_lib.stats.staggered import att_gt


@pytest.fixture(scope="module")
def auctions(shared_data):
    path = shared_data / "decarolis-2014" / "Authority.dta"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return read_authority(path)


def test_table2a_col1_reproduces_the_published_figures(auctions):
    r = table2a_col1(auctions)
    assert f"{r['estimate']:.2f}" == "13.10"
    assert f"{r['se']:.3f}" == "1.609"
    assert r["n"] == 1262 and f"{r['r2']:.3f}" == "0.505"
    assert r["n_authorities"] == 15 and r["n_treated_authorities"] == 1 and r["adoption_years"] == [2003]
    # one treated authority: randomization over the 14 controls, all of them (exact)
    ri = r["randomization"]
    assert ri["exact"] and ri["draws"] == 14
    assert ri["p_value"] == pytest.approx(1 / 15) and ri["p_value"] == ri["min_p_value"]
    assert ri["low"] < r["estimate"] < ri["high"]


def test_sample_rules(auctions):
    s = table2a_sample(auctions)
    assert len(s) == 1262 and s["missing"].eq(0).all() and (s["pre_experience"] >= 5).all()


def test_staggered_on_the_full_sample(auctions):
    panel = authority_year_panel(auctions)
    assert panel["authority_code"].nunique() == 1999
    assert (panel["adoption_year"] > 0).groupby(panel["authority_code"]).first().sum() == 70
    r = att_gt(panel, "authority_code", "year", "discount", "adoption_year", min_treated_clusters=10)
    assert r.meta["n_treated_units"] == 69 and r.meta["dropped_first_period"] == 1  # adopted in 2000
    assert r.meta["inference"] == "cluster_robust" and r.randomization is None
    s = r.aggregates["simple"]
    assert 0 < s["low"] < s["estimate"] < s["high"]  # a higher winning discount after adoption
    assert r.pretrend is not None and r.pretrend_event is not None
    assert r.pretrend["min_treated_units"] == 1  # some pre-adoption cells rest on one authority


def test_unreadable_file_named(tmp_path):
    with pytest.raises(DecarolisError, match="file not found"):
        read_authority(tmp_path / "Authority.dta")
    bad = tmp_path / "Authority.dta"
    bad.write_text("not stata", encoding="utf-8")
    with pytest.raises(DecarolisError, match="not a readable Stata file"):
        read_authority(bad)
    pd.DataFrame({"year": [2000.0]}).to_stata(tmp_path / "x.dta", write_index=False)
    with pytest.raises(DecarolisError, match="authority_code"):
        read_authority(tmp_path / "x.dta")

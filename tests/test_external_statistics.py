"""External statistics: the analysis on hand-made tables with known answers, on the real 2021
export (against plain pandas computations and the README's figures), and the notebook through
papermill: with the statistics, without them, and for another buyer by parameters only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT, run_notebook

from audit_lib.external import Buyer, buyer_table, load_statistics, resolve_buyers
from audit_lib.params import load_params_data
from audit_lib.questions import common
from audit_lib.questions import external_statistics as es

A, B = "REGION A", "REGION B"
ORG = {A: "1111111111", B: "2222222222", "P1": "3333333333", "P2": "4444444444", "K": "5555555555"}


def procs_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (buyer, sector, procurement_id, title, procedure, contract_type, flag)"""
    df = pd.DataFrame(
        rows,
        columns=["buyer_name", "sector", "procurement_id", "title", "procedure", "contract_type", "coordinated_flag"],
    )
    df["buyer_org_number"] = df["buyer_name"].map(ORG)
    df["year"] = 2021
    df["n_procurements"] = 1
    df["published_date"] = pd.Timestamp(2021, 5, 1)
    return df


def lots_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (buyer, sector, procurement_id, n_tenders)"""
    df = pd.DataFrame(rows, columns=["buyer_name", "sector", "procurement_id", "n_tenders"])
    df["buyer_org_number"] = df["buyer_name"].map(ORG)
    df["year"] = 2021
    df["lot_id"] = [f"L{i}" for i in range(len(df))]
    return df


def small():
    procs = procs_frame(
        [
            (A, "Region", "1", "Röntgen till Region A och Region B", "Öppet förfarande", "Kontrakt", False),
            (A, "Region", "2", "Upphandling av Tolktjänster till Region A", "Öppet förfarande", "Ramavtal", False),
            (A, "Region", "3", "IN-IN21-0007 Kaffe", None, "Kontrakt", False),
            (A, "Region", "4", "Vaccinering i Alfaland", "Förenklat förfarande", "Kontrakt", True),
            (B, "Region", "5", "Tolktjänster", "Öppet förfarande", "Ramavtal", False),
            (B, "Region", "6", "Städ Betaland och Alfaland", "Öppet förfarande", "Kontrakt", False),
            ("P1", "Region", "7", "Alfaland vatten", "Förenklat förfarande", "Kontrakt", False),
            ("P1", "Region", "8", "Tjänstebilar för Region A", "Öppet förfarande", "Kontrakt", True),
            ("P2", "Region", "9", "IN-IN21-0007 Kaffe", "Öppet förfarande", "Kontrakt", False),
            ("K", "Kommun", "10", "Skolmat", "Öppet förfarande", "Kontrakt", False),
        ]
    )
    lots = lots_frame(
        [
            (A, "Region", "1", 1),
            (A, "Region", "1", 3),
            (A, "Region", "2", 1),
            (B, "Region", "5", 4),
            ("P1", "Region", "7", 2),
            ("P1", "Region", "7", 1),
            ("P2", "Region", "9", 5),
            ("K", "Kommun", "10", 1),
            ("P2", "Region", "6", 2),
        ]
    )  # id 6 also under P2 in the lots
    buyers = [Buyer(A, A, (ORG[A],), "Region", (A,)), Buyer(B, B, (ORG[B],), "Region", (B,))]
    return procs, lots, buyers


# ------------------------------------------------------------------------------------------ groups, counts
def test_groups_peers_are_the_other_buyers_of_the_sector():
    procs, lots, buyers = small()
    g = es.make_groups(buyers, buyer_table(procs, lots), None)
    assert g.peer_sectors == ("Region",) and g.peers == {ORG["P1"], ORG["P2"]}
    assert es.make_groups(buyers, buyer_table(procs, lots), "Kommun").peers == {ORG["K"]}
    with pytest.raises(ValueError, match="'Regioner' is not a sector.*Kommun, Region"):
        es.make_groups(buyers, buyer_table(procs, lots), "Regioner")


def test_counts_composition_and_flags():
    procs, lots, buyers = small()
    g = es.make_groups(buyers, buyer_table(procs, lots), None)
    per = es.procurements_per_year(procs, g).set_index("group")
    assert per.at[A, "n_procurements"] == 4 and per.at[B, "n_procurements"] == 2
    assert per.at[es.PEERS, "n_procurements"] == 3 and per.at[es.PEERS, "n_buyers"] == 2
    assert per.at[es.PEERS, "per_buyer_median"] == 1.5
    assert per.at[A, "peer_share_below"] == 1.0 and per.at[B, "peer_share_below"] == 0.5
    mix = es.composition(procs, g, "procedure")
    a = mix[mix["group"] == A].set_index("value")
    assert a.at["Öppet förfarande", "n"] == 2 and a.at["", "n"] == 1 and a["share"].sum() == pytest.approx(1)
    assert "Annat" not in set(mix["value"])
    flags = es.coordination_flags(procs, g).set_index("group")
    assert flags.at[A, "n_flagged"] == 1 and flags.at[es.AUDITED, "n_flagged"] == 1
    assert flags.at[es.PEERS, "n_flagged"] == 1 and flags.at[es.NATIONAL, "n_procurements"] == 10
    assert flags.at[es.NATIONAL, "flagged_share"] == pytest.approx(0.2)


# ------------------------------------------------------------------------------------------ competition
def test_competition_figures_by_hand():
    lots = pd.DataFrame({"procurement_id": ["a", "a", "b", "c", "d"], "n_tenders": [1, 1, 2, 3, 0]})
    c = es.competition_figures(lots, 0.95, 500, np.random.default_rng(1), min_tenders=3)
    assert (c["n_lots"], c["n_procurements"], c["n_single"], c["n_zero"]) == (5, 4, 2, 1)
    assert c["single_tender_share"] == pytest.approx(0.4) and c["share_min_tenders"] == pytest.approx(0.2)
    assert c["mean_tenders_per_lot"] == pytest.approx(1.4) and c["median_tenders_per_lot"] == 1
    lo, hi = common.wilson_interval(2, 5, 0.95)
    assert (c["single_tender_share_low"], c["single_tender_share_high"]) == pytest.approx((lo, hi))
    assert c["mean_tenders_per_lot_low"] <= 1.4 <= c["mean_tenders_per_lot_high"]


def test_cluster_bootstrap_is_wider_when_lots_of_a_procurement_move_together():
    rng = np.random.default_rng(3)
    per_proc = rng.poisson(4, 60).astype(float)
    values = np.repeat(per_proc, 5)  # five identical lots per procurement
    clusters = np.repeat(np.arange(60), 5)
    _, lo_c, hi_c = es.cluster_bootstrap_mean(values, clusters, 1000, 0.95, np.random.default_rng(0))
    _, lo_i, hi_i = es.cluster_bootstrap_mean(values, np.arange(300), 1000, 0.95, np.random.default_rng(0))
    assert (hi_c - lo_c) > 1.8 * (hi_i - lo_i)  # sqrt(5) ~ 2.2 times wider in theory
    m, lo, hi = es.cluster_bootstrap_mean(
        np.array([2.0, 4.0]), np.array(["x", "x"]), 100, 0.95, np.random.default_rng(0)
    )
    assert (m, lo, hi) == (3.0, 3.0, 3.0)  # one procurement: no interval to speak of
    assert np.isnan(es.cluster_bootstrap_mean(np.array([]), np.array([]), 100, 0.95, np.random.default_rng(0))[0])


def test_cluster_bootstrap_interval_covers_the_true_mean():
    """Simulated lots (a procurement effect plus noise): the 90 % interval covers the true mean of
    the process about 90 % of the time (loosely: bootstrap percentile intervals undercover a little)."""
    rng = np.random.default_rng(11)
    hits, n = 0, 300
    for _ in range(n):
        k = 40
        effect = rng.gamma(2.0, 2.0, k)  # mean 4
        sizes = rng.integers(1, 4, k)
        clusters = np.repeat(np.arange(k), sizes)
        values = rng.poisson(np.repeat(effect, sizes)).astype(float)
        _, lo, hi = es.cluster_bootstrap_mean(values, clusters, 400, 0.90, rng)
        hits += lo <= 4.0 <= hi
    assert 0.80 <= hits / n <= 0.96


def test_competition_groups_and_peer_distribution():
    procs, lots, buyers = small()
    g = es.make_groups(buyers, buyer_table(procs, lots), None)
    comp = es.competition(lots, g, 0.95, 300, seed=5, min_tenders=3).set_index("group")
    assert comp.at[A, "n_lots"] == 3 and comp.at[A, "single_tender_share"] == pytest.approx(2 / 3)
    assert comp.at[es.AUDITED, "n_lots"] == 4 and comp.at[es.AUDITED, "n_single"] == 2
    assert comp.at[es.PEERS, "n_lots"] == 4 and comp.at[es.PEERS, "mean_tenders_per_lot"] == pytest.approx(2.5)
    again = es.competition(lots, g, 0.95, 300, seed=5, min_tenders=3).set_index("group")
    pd.testing.assert_frame_equal(comp, again)  # seeded
    dist = es.peer_distribution(lots, g, min_lots=2)
    assert dist[dist["group"] == es.PEERS]["buyer_name"].tolist() == ["P1", "P2"]
    assert es.peer_distribution(lots, g, min_lots=3)["buyer_name"].tolist() == [A]
    assert es.share_of_peers_below(0.5, [0.1, 0.6, float("nan")]) == 0.5


# ------------------------------------------------------------------------------------------ coordination
def test_detect_joint_finds_each_signal_and_nothing_else():
    procs, lots, buyers = small()
    sig = es.detect_joint(
        procs,
        buyers,
        aliases={A: ["Alfaland"], B: ["Betaland"]},
        reference_pattern=r"\bIN-IN\d{2}-\d{4}\b",
        ignore_words=["upphandling av", "till"],
        lots=lots,
    )
    got = {(r.procurement_id, r.reason): r.participants for r in sig.itertuples()}
    assert got == {
        ("1", "title_names_buyers"): (A, B),  # names both audited buyers
        ("6", "title_names_buyers"): (A, B),  # B's title names A by its alias
        ("8", "title_names_buyers"): (A,),  # another buyer's title names A in full
        ("3", "same_reference"): (A,),  # IN-IN21-0007 also under P2
        ("9", "same_reference"): (A,),
        ("6", "same_id_other_buyer"): (B,),  # id 6 is under P2 in the lots table
        ("2", "same_title"): (A, B),  # "Tolktjänster" after removing names and ignored words
        ("5", "same_title"): (A, B),
    }
    # an alias in another organisation's title ("Alfaland vatten" under P1) is not a match;
    # a title naming only its own buyer ("Vaccinering i Alfaland") is not either
    assert "7" not in set(sig["procurement_id"]) and "4" not in set(sig["procurement_id"])
    assert sig.loc[sig["procurement_id"] == "8", "other_buyers"].iloc[0] == ("P1",)
    counts = es.joint_counts(sig, buyers).set_index("group")
    assert counts.at[A, "n_detected_joint"] == 5  # 1, 3, 6, 8, 9
    assert counts.at[A, "n_detected_lead"] == 2  # 1 and 3 registered under A
    assert counts.at[B, "n_detected_joint"] == 2  # 1 (named) and 6
    assert counts.at[A, "n_same_title"] == 1 and counts.at[B, "n_same_title"] == 1
    assert counts.at[es.AUDITED, "n_detected_joint"] == 5 and counts.at[es.AUDITED, "n_same_title"] == 2


def test_detect_joint_with_one_buyer_and_no_signals():
    procs, lots, buyers = small()
    sig = es.detect_joint(procs[procs["buyer_name"] == "K"], buyers, reference_pattern=None)
    assert sig.empty and list(sig.columns)[:3] == ["procurement_id", "year", "buyer"]
    counts = es.joint_counts(sig, buyers)
    assert counts["n_detected_joint"].tolist() == [0, 0, 0]


# ------------------------------------------------------------------------------------------ register
def test_link_regions_by_name_or_parameter():
    _, _, buyers = small()
    assert es.link_regions(buyers, {}, {"RA": ["Region A"], "RB": ["Region Bee"]}) == {A: "RA"}
    assert es.link_regions(buyers, {B: "RB"}, {"RA": ["region a"]}) == {A: "RA", B: "RB"}


def test_register_comparison_differences_and_status():
    counts = pd.DataFrame(
        {
            "group": [A, B, es.AUDITED],
            "n_procurements": [100, 50, 150],
            "n_flagged": [0, 0, 0],
            "n_detected_joint": [3, 3, 3],
        }
    )
    view = pd.DataFrame(
        {
            "year": [2021] * 160 + [2020] * 5,
            "lead_region": ["RA"] * 105 + ["RB"] * 55 + ["RA"] * 5,
            "coordinated": [True] * 24 + [False] * 141,
        }
    )
    targets = pd.DataFrame(
        {"year": [2021], "indicator": ["coordinated_count"], "period": ["full_year"], "outcome": [22.0]}
    )
    out = es.register_comparison(counts, view, targets, [2021, 2019], {A: "RA", B: "RB"}, tolerance=0.05)
    r = out[out["year"] == 2021].set_index(["measure", "group"])
    assert (r.at[("procurements", A), "register"], r.at[("procurements", A), "statistics"]) == (105, 100)
    assert r.at[("procurements", A), "status"] == "agrees"  # 5 of 105 is within 5 %
    assert r.at[("procurements", B), "status"] == "differs"  # 5 of 55 is not
    assert r.at[("procurements", es.AUDITED), "difference"] == -10
    assert r.at[("coordinated_flag", es.AUDITED), "register"] == 24
    assert r.at[("coordinated_detected", es.AUDITED), "difference"] == -21
    assert r.at[("coordinated_reported", es.AUDITED), "register"] == 22
    assert set(out.loc[out["year"] == 2019, "status"]) == {"not_comparable"}  # no register data for 2019


# ------------------------------------------------------------------------------------------ analyse
def statistics_folder(tmp_path: Path) -> Path:
    """The small example as an export folder (normalised headers, CSV)."""
    procs, lots, _ = small()
    folder = tmp_path / "uhm"
    folder.mkdir(parents=True)
    procs.assign(published_date="2021-05-01").to_csv(folder / "procurements.csv", sep=";", index=False)
    lots.to_csv(folder / "lots.csv", sep=";", index=False)
    return folder


def register_tables(planted: bool = False) -> dict[str, pd.DataFrame]:
    """A register of three 2021 procurements (two led by A, one by B; one coordinated) and the
    board's reported coordinated count."""
    procurements = pd.DataFrame(
        {
            "procurement_id": ["r1", "r2", "r3"],
            "lead_region": ["RA", "RA", "RB"],
            "completed_date": pd.to_datetime(["2021-02-01", "2021-06-01", "2021-09-01"]),
        }
    )
    regions = pd.DataFrame(
        {
            "procurement_id": ["r1", "r1", "r2", "r3"],
            "region": ["RA", "RB", "RA", "RB"],
            "estimated_value_sek": [1.0, 1.0, 1.0, 1.0],
        }
    )
    targets = pd.DataFrame(
        {"year": [2021], "indicator": ["coordinated_count"], "period": ["full_year"], "outcome": [4.0]}
    )
    return {"procurements": procurements, "procurement_regions": regions, "targets": targets}


class Region:
    def __init__(self, sv: str, en: str) -> None:
        self.sv, self.en = sv, en


REGION_PARAMS = {"RA": Region("Region A", "Region A"), "RB": Region("Region B", "Region B")}
PERIOD = None  # analyse takes the statistics year from the parameters, not the period


def es_params(**kw):
    from audit_lib.params import ExternalStatisticsParams

    return ExternalStatisticsParams(**{"buyers": [A, B], "bootstrap_reps": 200, **kw})


def test_analyse_without_statistics_says_why_and_records_it(tmp_path):
    for folder, reason in ((None, "unset"), (tmp_path / "nowhere", "absent")):
        res = es.analyse({}, es_params(statistics_dir="x"), PERIOD, 0, folder=folder, regions=REGION_PARAMS)
        assert res.findings is None and res.unavailable_reason == reason
        assert es.results(res) == {
            "available": False,
            "unavailable_reason": reason,
            "statistics_dir": "x",
            "buyers": [],
            "assessment": None,
        }


def test_analyse_is_the_chain_of_steps_on_a_small_export(tmp_path):
    """The whole question on a hand-made export: buyers resolved, peers of their sector, regions
    linked by name, the counts beside the register's (2 led by A, 1 by B, 1 coordinated, 4
    reported), and the results in the order the page records them."""
    res = es.analyse(
        register_tables(), es_params(), PERIOD, 1, folder=statistics_folder(tmp_path), regions=REGION_PARAMS
    )
    found = res.findings
    assert found is not None and found.years == [2021] and not found.synthetic_register
    assert [b.query for b in found.buyers] == [A, B] and found.region_of == {A: "RA", B: "RB"}
    assert found.groups.peers == {ORG["P1"], ORG["P2"]} and found.n_warnings == 0
    e = {x["buyer"]: x for x in found.entries}
    assert (e[A]["n_procurements"], e[B]["n_procurements"], e[A]["n_flagged_coordinated"]) == (4, 2, 1)
    assert e[A]["n_lots"] == 3 and e[A]["single_tender_share"] == pytest.approx(2 / 3)
    rows = {(r.measure, r.group): r for r in found.comparison.itertuples()}
    assert (rows[("procurements", A)].register, rows[("procurements", A)].statistics) == (2.0, 4.0)
    assert rows[("procurements", es.AUDITED)].register == 3.0
    assert rows[("coordinated_flag", es.AUDITED)].register == 1.0
    assert rows[("coordinated_reported", es.AUDITED)].register == 4.0
    recorded = es.results(res)
    assert list(recorded) == [
        "available",
        "statistics_dir",
        "years",
        "files",
        "n_warnings",
        "peer_sectors",
        "register_comparison",
        "buyers",
        "peers",
        "procurements_per_year",
        "procedures",
        "contract_types",
        "coordination_flags",
        "joint_counts",
        "detected",
        "competition",
        "peer_distribution",
        "assessment",
    ]
    assert [f["table"] for f in recorded["files"]] == ["lots", "procurements"]
    assert all(isinstance(x, list) for x in recorded["detected"]["participants"])
    # the same seed gives the same intervals; the bootstrap is the only randomness
    again = es.analyse(
        register_tables(), es_params(), PERIOD, 1, folder=statistics_folder(tmp_path / "b"), regions=REGION_PARAMS
    )
    assert again.findings.comp.equals(found.comp)


def test_analyse_refuses_a_missing_year_and_no_buyers_and_marks_a_synthetic_register(tmp_path):
    folder = statistics_folder(tmp_path)
    with pytest.raises(ValueError, match="year: 2020 is not in the statistics .years present: .2021.."):
        es.analyse(register_tables(), es_params(year=2020), PERIOD, folder=folder, regions=REGION_PARAMS)
    with pytest.raises(ValueError, match="buyers is empty"):
        es.analyse(register_tables(), es_params(buyers=[]), PERIOD, folder=folder, regions=REGION_PARAMS)
    res = es.analyse(register_tables(), es_params(year=2021), PERIOD, folder=folder, regions=REGION_PARAMS, demo=True)
    assert res.findings.synthetic_register
    without_targets = {k: v for k, v in register_tables().items() if k != "targets"}
    res = es.analyse(without_targets, es_params(), PERIOD, folder=folder, regions={})
    assert res.findings.region_of == {}  # no region names to link by: only the coordinated counts compare
    comparison = res.findings.comparison.set_index("measure")
    assert list(comparison.index) == ["coordinated_flag", "coordinated_detected", "coordinated_reported"]
    assert comparison.at["coordinated_flag", "register"] == 1.0
    assert comparison.at["coordinated_reported", "status"] == "not_comparable"


def test_page_parts_from_the_result(tmp_path):
    """The page shows what the result holds: the buyers by their region's name, the synthetic
    register's warning, and nothing but the reason where the statistics are missing."""
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import external_statistics as page
    from audit_lib.report.texts import Texts

    t, f = Texts("en"), Formatter("en")
    regions = {"RA": Region("Region Alfa", "Alpha Region"), "RB": Region("Region Beta", "Beta Region")}
    res = es.analyse(
        register_tables(),
        es_params(buyer_regions={A: "RA", B: "RB"}),
        PERIOD,
        1,
        folder=statistics_folder(tmp_path),
        regions=regions,
        demo=True,
    )
    label = page.labels(res, t, regions, "en")
    assert label[A] == "Alpha Region" and label[B] == "Beta Region" and set(label) >= {es.PEERS, es.AUDITED}
    register = "".join(x.markup for x in page.register(res, t, f, label, 0.1))
    assert t("external_statistics.synthetic_register").split()[0] in register
    assert "Alpha Region" in "".join(x.markup for x in page.sources(res, t, f, label))
    none = es.analyse({}, es_params(), PERIOD, folder=None, regions=regions)
    assert page.labels(none, t, regions, "en") == {}
    assert len(page.intro(none, t)) == 2 and len(page.intro(res, t)) == 1
    for part in (page.sources, page.volume, page.mix, page.coordination):
        assert part(none, t, f, {}) == []
    assert page.competition(none, t, f, {}, es_params()) == [] and page.register(none, t, f, {}, 0.1) == []


# ------------------------------------------------------------------------------------------ real data
REGIONS = ["REGION SÖRMLAND", "REGION VÄSTMANLAND"]
ALIASES = {"REGION SÖRMLAND": ["Sörmland"], "REGION VÄSTMANLAND": ["Västmanland"]}


@pytest.fixture(scope="module")
def real(shared_data):
    d = shared_data / "uhm-2021"
    if not d.is_dir():
        pytest.skip("uhm-2021 export is absent")
    return load_statistics(d)


def analyse(stats, queries, sector=None, aliases=None):
    bt = stats.buyer_table()
    buyers = resolve_buyers(bt, queries)
    g = es.make_groups(buyers, bt, sector)
    flags = es.coordination_flags(stats.procurements, g)
    sig = es.detect_joint(
        stats.procurements,
        buyers,
        aliases or {},
        r"\b[A-Z]{1,6}(?:-[A-Z]{1,6})?[- ]?\d{2,4}[-/]\d{2,6}\b",
        ["upphandling av", "till"],
        stats.lots,
        stats.contract_values,
    )
    comp = es.competition(stats.lots, g, 0.95, 500, 1, 3)
    dist = es.peer_distribution(stats.lots, g, 10)
    entries, peer = es.buyer_entries(buyers, stats.procurements, g, flags, es.joint_counts(sig, buyers), comp, dist, {})
    return {e["buyer"]: e for e in entries}, peer, sig, comp


@pytest.mark.realdata
def test_real_regions_against_plain_pandas_and_the_readme(real):
    entries, peer, sig, comp = analyse(real, REGIONS, "Region", ALIASES)
    p, lots = real.procurements, real.lots
    for name in REGIONS:
        e = entries[name]
        assert e["n_procurements"] == int((p["buyer_name"] == name).sum())
        assert e["n_flagged_coordinated"] == 0
        mine = lots.loc[lots["buyer_name"] == name, "n_tenders"]
        assert e["n_lots"] == len(mine) == 50
        assert e["single_tender_share"] == pytest.approx((mine == 1).mean())
        assert e["mean_tenders_per_lot"] == pytest.approx(mine.mean())
        assert e["mean_tenders_per_lot_low"] < e["mean_tenders_per_lot"] < e["mean_tenders_per_lot_high"]
    assert (entries["REGION SÖRMLAND"]["n_procurements"], entries["REGION VÄSTMANLAND"]["n_procurements"]) == (70, 61)
    c = comp.set_index("group")
    assert c.at[es.AUDITED, "single_tender_share"] == pytest.approx(0.26)  # README: about 26 %
    peers = lots[(lots["sector"] == "Region") & ~lots["buyer_name"].isin(REGIONS)]
    assert peer["single_tender_share"] == pytest.approx((peers["n_tenders"] == 1).mean())
    assert peer["single_tender_share"] == pytest.approx(0.22, abs=0.01)  # README: about 22 % for all regions
    assert peer["n_flagged_coordinated"] == 0
    # the README's example: Region Sörmland titles naming both regions; registered under Sörmland only
    both = p[
        p["buyer_name"].isin(REGIONS)
        & p["title"].str.contains(r"\bSörmland\b", case=False)
        & p["title"].str.contains(r"\bVästmanland\b", case=False)
    ]
    assert len(both) == 3 and set(both["buyer_name"]) == {"REGION SÖRMLAND"}
    assert set(sig.loc[sig["reason"].isin(es.STRONG_REASONS), "reason"]) == {"title_names_buyers"}
    named = sig[sig["reason"] == "title_names_buyers"]
    assert set(named["procurement_id"]) == set(both["procurement_id"])
    assert named["title"].str.contains("Region Sörmland och Region Västmanland").sum() == 2
    for name in REGIONS:
        assert entries[name]["n_detected_joint"] == 3
    assert entries["REGION VÄSTMANLAND"]["n_detected_lead"] == 0


@pytest.mark.realdata
def test_real_other_buyers_by_parameters_only(real):
    """The same code for two other buyers, one by name and one by organisation number, with the
    peers defaulting to their own sector (Kommun)."""
    entries, peer, _, _ = analyse(real, ["LUNDS KOMMUN", "212000-1124"])
    p, lots = real.procurements, real.lots
    lund, malmo = entries["LUNDS KOMMUN"], entries["212000-1124"]
    assert malmo["buyer_name"] == p.loc[p["buyer_org_number"] == "2120001124", "buyer_name"].iloc[0]
    for e, mask_p, mask_l in (
        (lund, p["buyer_name"] == "LUNDS KOMMUN", lots["buyer_name"] == "LUNDS KOMMUN"),
        (malmo, p["buyer_org_number"] == "2120001124", lots["buyer_org_number"] == "2120001124"),
    ):
        assert e["sector"] == "Kommun"
        assert e["n_procurements"] == int(mask_p.sum()) > 0
        assert e["n_flagged_coordinated"] == int(p.loc[mask_p, "coordinated_flag"].sum())
        assert e["n_lots"] == int(mask_l.sum())
        assert e["single_tender_share"] == pytest.approx((lots.loc[mask_l, "n_tenders"] == 1).mean())
    kommun = p[(p["sector"] == "Kommun") & ~p["buyer_org_number"].isin(lund["org_numbers"] + malmo["org_numbers"])]
    assert peer["sectors"] == ["Kommun"] and peer["n_procurements"] == len(kommun)
    assert peer["n_flagged_coordinated"] == int(kommun["coordinated_flag"].sum())


# ------------------------------------------------------------------------------------------ notebook
def params_copy(tmp_path: Path, **section) -> Path:
    """params/demo.yaml with absolute paths and the external_statistics section changed."""
    data = load_params_data(ROOT / "params" / "demo.yaml")
    data["evidence"] = str(ROOT / "params" / "evidence" / "demo-2025")
    data["data_dir"] = str(ROOT / "data" / "demo")
    es_section = dict(data["external_statistics"])
    es_section["statistics_dir"] = str((ROOT / "params" / es_section["statistics_dir"]).resolve())
    data["external_statistics"] = {**es_section, **section}
    for k in ("previous_results_dir",):
        if isinstance(data.get("followup"), dict) and data["followup"].get(k):
            data["followup"][k] = str((ROOT / "params" / data["followup"][k]).resolve())
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.realdata
def test_notebook_on_the_demo_with_the_real_statistics(demo_dir, demo_package, tmp_path, shared_data):
    if not (shared_data / "uhm-2021").is_dir():
        pytest.skip("uhm-2021 export is absent")
    res = run_notebook("external_statistics", demo_dir, tmp_path)
    assert res["status"] == "ok" and res["available"] is True and res["assessment"] is None
    assert res["years"] == [2021] and len(res["files"]) == 3
    by = {e["buyer"]: e for e in res["buyers"]}
    assert list(by) == REGIONS
    srm, vml = by["REGION SÖRMLAND"], by["REGION VÄSTMANLAND"]
    assert (srm["n_procurements"], vml["n_procurements"]) == (70, 61)
    assert (srm["n_flagged_coordinated"], vml["n_flagged_coordinated"]) == (0, 0)
    assert (srm["n_detected_joint"], vml["n_detected_joint"]) == (3, 3)
    assert (srm["n_detected_lead"], vml["n_detected_lead"]) == (3, 0)
    assert (srm["n_lots"], vml["n_lots"]) == (50, 50)
    assert srm["single_tender_share"] == pytest.approx(0.30) and vml["single_tender_share"] == pytest.approx(0.22)
    for e in (srm, vml):
        assert e["single_tender_share_low"] < e["single_tender_share"] < e["single_tender_share_high"]
        assert e["peer"]["sectors"] == ["Region"] and e["peer"]["single_tender_share"] == pytest.approx(
            0.2146, abs=1e-3
        )
    # the board's own 2021 figures from the demo package, side by side
    view = common.procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    v21 = view[view["year"] == 2021]
    rows = {(r["measure"], r["group"]): r for r in res["register_comparison"]}
    assert rows[("procurements", "REGION SÖRMLAND")]["register"] == int((v21["lead_region"] == "SRM").sum())
    assert rows[("procurements", "REGION SÖRMLAND")]["statistics"] == 70
    assert rows[("coordinated_flag", "audited")]["register"] == int(v21["coordinated"].sum())
    reported = demo_package["targets"].query(
        "year == 2021 and indicator == 'coordinated_count' and period == 'full_year'"
    )
    assert rows[("coordinated_reported", "audited")]["register"] == reported["outcome"].iloc[0]
    assert rows[("coordinated_flag", "audited")]["status"] == "differs"


def test_notebook_without_the_statistics_says_so_and_the_review_goes_on(demo_dir, tmp_path):
    """statistics_dir points nowhere: the notebook says so and finishes (status ok, available
    false); the parameters stay valid, so the other notebooks (which never read this section)
    start as before."""
    from audit_lib.notebook import start
    from audit_lib.questions import q3_targets as q3

    params = params_copy(tmp_path, statistics_dir=str(tmp_path / "nowhere"))
    (tmp_path / "es").mkdir()
    res = run_notebook("external_statistics", demo_dir, tmp_path / "es", params_file=params)
    assert res["status"] == "ok" and res["available"] is False and res["unavailable_reason"] == "absent"
    assert res["assessment"] is None and res["buyers"] == []
    html = (tmp_path / "es" / "external_statistics.ipynb").read_text(encoding="utf-8")
    assert "finns inte på den här datorn" in html
    other = start("q3_targets", str(params), str(demo_dir), str(tmp_path / "q3"))
    assert other.params.external_statistics.statistics_dir == str(tmp_path / "nowhere")
    assert len(q3.target_table(other.package["targets"])) > 0


@pytest.mark.slow
@pytest.mark.realdata
def test_notebook_for_another_buyer_by_parameters_only(demo_dir, tmp_path, real):
    params = params_copy(tmp_path, buyers=["REGION KALMAR LÄN"], buyer_aliases={}, buyer_regions={}, peer_sector=None)
    res = run_notebook("external_statistics", demo_dir, tmp_path, params_file=params, language="en")
    assert res["available"] is True
    (e,) = res["buyers"]
    p, lots = real.procurements, real.lots
    assert e["buyer_name"] == "REGION KALMAR LÄN" and e["region"] is None
    assert e["n_procurements"] == int((p["buyer_name"] == "REGION KALMAR LÄN").sum())
    assert e["single_tender_share"] == pytest.approx(
        (lots.loc[lots["buyer_name"] == "REGION KALMAR LÄN", "n_tenders"] == 1).mean()
    )
    assert {r["measure"] for r in res["register_comparison"]} == {
        "coordinated_flag",
        "coordinated_detected",
        "coordinated_reported",
    }

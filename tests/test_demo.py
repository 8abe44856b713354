"""The demo package: deterministic, valid, calibrated to the reference report."""

from __future__ import annotations

import hashlib

import pytest

from audit_lib.contract import validate_package
from audit_lib.demo.generate import generate
from audit_lib.questions.common import coordination_by_year, procurement_view


def digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_generation_is_deterministic(tmp_path):
    a = generate(tmp_path / "a", n_lines=5_000).path
    b = generate(tmp_path / "b", n_lines=5_000).path
    assert digest(a) == digest(b)


def test_demo_package_is_valid_with_every_table(demo_dir):
    package, report = validate_package(demo_dir)
    assert report.ok, report.format()
    assert not report.warnings
    for table in (
        "procurements",
        "procurement_regions",
        "bids",
        "targets",
        "rollouts",
        "coordination_effort",
        "indicators",
    ):
        assert table in package.tables
    assert package.large["purchase_lines"].n_rows > 0


def test_calibration_2025(demo_package, planted):
    view = procurement_view(demo_package["procurements"], demo_package["procurement_regions"])
    by_year = coordination_by_year(view).set_index("year")
    assert by_year.loc[2025, "coordinated_share"] == pytest.approx(0.19, abs=0.01)  # 19 % against 30 %
    assert by_year.loc[2024, "coordinated_count"] == 43 and by_year.loc[2023, "coordinated_count"] == 34
    v25 = view[view["year"] == 2025]
    assert (v25["saving_method"] == "none").mean() == pytest.approx(0.40, abs=0.01)
    # the register's enabled savings equal the published outcomes
    totals = view.groupby("year")["reported_saving_sek"].sum()
    assert totals[2023] == pytest.approx(74.4e6, abs=1) and totals[2024] == pytest.approx(68.1e6, abs=1)
    assert totals[2022] == pytest.approx(85.0e6, abs=1)


def test_textile_case(demo_package, planted):
    regions = demo_package["procurement_regions"]
    pid = planted["textile"][0]["procurement_id"]
    rows = regions[regions["procurement_id"] == pid].set_index("region")
    assert set(rows.index) == {"SRM", "VML"}
    assert rows.loc["SRM", "estimated_value_sek"] == pytest.approx(300e6)
    assert rows.loc["VML", "estimated_value_sek"] == pytest.approx(300e6)
    assert rows.loc["SRM", "initiated_by"] == "inkopsnamnden"
    title = demo_package["procurements"].set_index("procurement_id").loc[pid, "title"]
    assert "Textil" in title


def test_categories_of_the_report_present(demo_package):
    cats = set(demo_package["procurements"]["category"])
    assert {"IT", "Textil", "Måltider", "Mammografiutrustning"} <= cats

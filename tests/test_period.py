"""The audited period and synthetic data (issue 13).

- A run sees only its period: ``contract.period.see_period`` hides every row dated after
  ``period_end`` (and the audit year's rows before ``period_start``), once, at load.
- A 2024 run gives the same ``results/*.json`` on the demo package with and without its 2025
  rows (the runs: the notebooks that read dated rows, two at a time, no PDF).
- A synthetic package (``datapackage.json``, written by ``audit demo-data``) puts a banner on
  every page and ``"synthetic_data": true`` in every results JSON; a real one does neither.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from audit_lib.contract import ValidationReport, load_package, validate_package
from audit_lib.contract.metadata import METADATA_FILE, read_metadata
from audit_lib.contract.period import Period, see_period
from audit_lib.params import ParamsError, load_params, load_params_data, parse_params

ROOT = Path(__file__).resolve().parents[1]
BANNER = {
    "sv": "Syntetiska demodata – inte verkliga granskningsresultat",
    "en": "Synthetic demo data – not real audit findings",
}
# the notebooks that read dated rows: procurements, regions and targets (q1, q3), effort (q2),
# bids (q4), purchase lines and rollouts (causality)
DATED = ["q1_process", "q2_gains", "q3_targets", "q4_savings_model", "causality"]


def _max_line_date(package) -> dt.date:
    return duckdb.sql(f"SELECT max(order_date) FROM ({package.large['purchase_lines'].sql()})").fetchall()[0][0]


# ------------------------------------------------------------------------------ parameters
def _demo(**changes):
    data = load_params_data(ROOT / "params" / "demo.yaml")
    data.pop("period_start", None)
    data.pop("period_end", None)
    return parse_params({**data, **changes}, base_dir=ROOT / "params")


def test_the_period_defaults_to_the_audit_year_and_may_end_early():
    p = _demo()
    assert (p.period_start, p.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    interim = _demo(period_end="2025-08-31")
    assert interim.period_end == dt.date(2025, 8, 31) and Period.of(interim).interim
    assert load_params(ROOT / "params" / "demo-2024.yaml").period_end == dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"period_end": "2026-01-31"}, "period_end 2026-01-31 is not in audit_year 2025"),
        ({"period_start": "2024-12-01"}, "period_start 2024-12-01 is not in audit_year 2025"),
        ({"period_start": "2025-09-01", "period_end": "2025-08-31"}, "period_start 2025-09-01 is after period_end"),
        ({"period_end": "31/8"}, "period_end"),
    ],
)
def test_a_period_outside_the_audit_year_is_refused(changes, words):
    with pytest.raises(ParamsError, match=words):
        _demo(**changes)


# ------------------------------------------------------------------------------ the package as the period sees it
def test_no_row_after_the_period_end_is_seen(demo_package):
    seen = see_period(demo_package, Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    procs = seen["procurements"]
    assert procs["completed_date"].max() <= pd.Timestamp("2024-12-31")
    assert procs["completed_date"].min() == demo_package["procurements"]["completed_date"].min()  # history stays
    ids = set(procs["procurement_id"])
    for name in ("procurement_regions", "bids", "coordination_effort"):
        assert set(seen[name]["procurement_id"]) <= ids
        assert len(seen[name]) < len(demo_package[name])
    assert seen["targets"]["year"].max() == 2024
    starts = seen["rollouts"][["ecommerce_start", "category_management_start", "coordinated_contract_start"]]
    assert (starts.max() <= pd.Timestamp("2024-12-31")).all()
    assert demo_package["rollouts"]["category_management_start"].max() > pd.Timestamp("2024-12-31")  # was hidden
    assert _max_line_date(seen) <= dt.date(2024, 12, 31) < _max_line_date(demo_package)
    assert seen["indicators"].equals(demo_package["indicators"])
    # the package loaded is left as it was
    assert demo_package["procurements"]["completed_date"].max() > pd.Timestamp("2024-12-31")


def test_an_interim_period_hides_the_full_year_outcome_and_the_months_outside_it(demo_package):
    seen = see_period(demo_package, Period(dt.date(2025, 3, 1), dt.date(2025, 8, 31)))
    done = seen["procurements"]["completed_date"]
    in_year = done[done.dt.year == 2025]
    assert in_year.min() >= pd.Timestamp("2025-03-01") and in_year.max() <= pd.Timestamp("2025-08-31")
    assert (done.dt.year == 2024).sum() == (demo_package["procurements"]["completed_date"].dt.year == 2024).sum()
    t = seen["targets"]
    year = t[t["year"] == 2025]
    assert year.loc[year["period"] == "full_year", "outcome"].isna().all()
    assert year.loc[year["period"] == "full_year", "target"].notna().any()  # targets are known
    assert year.loc[year["period"] == "interim", "outcome"].notna().all()
    assert _max_line_date(seen) <= dt.date(2025, 8, 31)


# ------------------------------------------------------------------------------ package metadata
def test_the_demo_package_declares_itself_synthetic_and_loads_without_warnings(demo_dir):
    package, report = validate_package(demo_dir)
    assert report.ok and package.metadata.synthetic
    assert not [p for p in report.problems if METADATA_FILE in p.file]
    assert package.files[METADATA_FILE] == demo_dir / METADATA_FILE  # hashed as an input of the run


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "cannot be read as JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"synthetic": "yes"}', "'synthetic' must be true or false"),
    ],
)
def test_unreadable_metadata_is_an_error_naming_the_file(tmp_path, text, words):
    (tmp_path / METADATA_FILE).write_text(text, encoding="utf-8")
    report = ValidationReport()
    assert not read_metadata(tmp_path, report).synthetic
    assert not report.ok and METADATA_FILE in report.format() and words in report.format()


# ------------------------------------------------------------------------------ two 2024 runs
def _without_2025(src: Path, dst: Path) -> None:
    """The demo package without its 2025 rows, as a package delivered at the end of 2024 would
    be, and declared real (not synthetic)."""
    shutil.copytree(src, dst)
    procs = pd.read_csv(src / "procurements.csv", dtype=str, keep_default_na=False)
    late = set(procs.loc[procs["completed_date"] >= "2025-01-01", "procurement_id"])
    assert late
    procs[~procs["procurement_id"].isin(late)].to_csv(dst / "procurements.csv", index=False)
    for name in ("procurement_regions", "bids", "coordination_effort"):
        t = pd.read_csv(src / f"{name}.csv", dtype=str, keep_default_na=False)
        t[~t["procurement_id"].isin(late)].to_csv(dst / f"{name}.csv", index=False)
    t = pd.read_csv(src / "targets.csv", dtype=str, keep_default_na=False)
    t[t["year"] < "2025"].to_csv(dst / "targets.csv", index=False)
    lines = dst / "purchase_lines.parquet"
    lines.unlink()
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{src / 'purchase_lines.parquet'}') "
        f"WHERE order_date < DATE '2025-01-01') TO '{lines}' (FORMAT parquet)"
    )
    meta = json.loads((src / METADATA_FILE).read_text(encoding="utf-8"))
    (dst / METADATA_FILE).write_text(json.dumps({**meta, "synthetic": False}), encoding="utf-8")


@pytest.fixture(scope="module")
def runs_2024(demo_dir, tmp_path_factory):
    """The 2024 review of the notebooks that read dated rows, on the demo package (synthetic)
    and on the same package without its 2025 rows (declared real)."""
    from audit_lib.run import runner

    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIT_PDF", "0")
    base = tmp_path_factory.mktemp("period")
    cut = base / "data-2024"
    _without_2025(demo_dir, cut)
    load_package(cut)  # still a valid package
    out = {}
    try:
        for key, data in (("full", demo_dir), ("cut", cut)):
            r = runner.run(
                ROOT / "params" / "demo-2024.yaml",
                data_dir=data,
                out_dir=base / key,
                only=DATED,
                jobs=2,
                progress=lambda msg: None,
            )
            assert r.ok, [(x.name, x.error) for x in r.runs if x.status != "ok"]
            out[key] = base / key
    finally:
        mp.undo()
    return out


def _results(run: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((run / "results").glob("*.json"))}


def test_a_2024_run_ignores_the_2025_rows(runs_2024):
    full, cut = _results(runs_2024["full"]), _results(runs_2024["cut"])
    assert sorted(full) == sorted(cut) == sorted(DATED)
    for name in DATED:
        a = {k: v for k, v in full[name].items() if k != "synthetic_data"}
        b = {k: v for k, v in cut[name].items() if k != "synthetic_data"}
        assert a == b, f"{name}: " + ", ".join(k for k in a if a.get(k) != b.get(k))
        assert a["audit_period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    assert max(r["year"] for r in full["q1_process"]["by_year"]) == 2024


def test_the_manifest_and_every_page_state_the_period(runs_2024):
    manifest = json.loads((runs_2024["full"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    for page in _pages(runs_2024["full"]):
        assert "2024-01-01 – 2024-12-31" in page.read_text(encoding="utf-8"), page


def _pages(run: Path) -> list[Path]:
    pages = (
        sorted(run.glob("*.html")) + sorted((run / "site").glob("*.html")) + sorted((run / "internal").glob("*.html"))
    )
    assert len(pages) == 2 * (len(DATED) + 1) + 1 + len(DATED)  # reports, index, site appendix, internal
    return pages


def test_a_synthetic_package_carries_the_banner_on_every_page_and_in_every_result(runs_2024):
    synthetic, real = runs_2024["full"], runs_2024["cut"]
    for page in _pages(synthetic):
        html = page.read_text(encoding="utf-8")
        assert html.count('class="synthetic-banner"') == 1 and BANNER["sv"] in html, page
    for page in _pages(real):
        html = page.read_text(encoding="utf-8")
        assert 'class="synthetic-banner"' not in html and BANNER["sv"] not in html, page
    assert all(r["synthetic_data"] is True for r in _results(synthetic).values())
    assert all(r["synthetic_data"] is False for r in _results(real).values())
    assert json.loads((synthetic / "manifest.json").read_text(encoding="utf-8"))["synthetic_data"] is True
    assert json.loads((real / "manifest.json").read_text(encoding="utf-8"))["synthetic_data"] is False


def test_every_printed_page_of_a_synthetic_run_says_so(runs_2024, tmp_path, monkeypatch):
    """The PDF is printed from one combined page (Chromium replaced here by a recorder): the
    top margin of each of its pages carries the words, as the run's manifest says."""
    from audit_lib.run import site
    from audit_lib.run.pdf import PdfResult

    printed = {}

    def record(doc, pdf_path, *args, **kwargs):
        printed[pdf_path.parent.name] = Path(doc).read_text(encoding="utf-8")
        return PdfResult(None, skipped="recorded by the test")

    monkeypatch.setattr(site, "find_chromium", lambda: "/bin/true")
    monkeypatch.setattr(site, "html_to_pdf", record)
    for key in ("full", "cut"):
        run = shutil.copytree(runs_2024[key], tmp_path / key)
        site.build_site(run, "sv", pdf=True, internal=False)
    margin = '@top-center { content: "' + BANNER["sv"] + '"'
    assert margin in printed["full"] and margin not in printed["cut"]

"""The sample as part of a run (``questions/sampling.py``, ``notebooks/sampling.ipynb``): the run
draws the sample ``audit sample`` writes (same seed, same parameters, same bytes of CSV),
records it in the manifest, and its page says how the sample was drawn, why each procurement
was chosen and, once file reviews are recorded, what they found."""

from __future__ import annotations

import hashlib
import json
import shutil

import pandas as pd
import pytest
from conftest import ROOT, quiet

from audit_lib import cli
from audit_lib.contract.period import Period, see_period
from audit_lib.params import load_params
from audit_lib.questions import sampling as smp
from audit_lib.questions.followup import figures
from audit_lib.report.fmt import Formatter
from audit_lib.report.pages import sampling as page
from audit_lib.report.results import to_jsonable
from audit_lib.report.texts import Texts
from audit_lib.run import runner
from audit_lib.run.notebooks import discover, select
from audit_lib.sampling import OUTCOMES_FILE, SamplingError, evaluate_sample, load_outcomes, outcomes_path

pytestmark = pytest.mark.usefixtures("no_pdf")
T, F = Texts("sv"), Formatter("sv")


@pytest.fixture(scope="module")
def params_dir(tmp_path_factory):
    """A copy of ``params/`` (the demo register without its outcomes file: tests add their own)."""
    folder = tmp_path_factory.mktemp("sampling-params") / "params"
    shutil.copytree(ROOT / "params", folder)
    (folder / "evidence" / "demo-2025" / OUTCOMES_FILE).unlink(missing_ok=True)
    return folder


def _analyse(demo_package, params, outcomes=None):
    tables = see_period(demo_package, Period.of(params))
    return smp.analyse(tables, params.sampling, Period.of(params), params.seed, run=params, t=T, outcomes=outcomes)


def html(parts) -> str:
    return "".join(str(p) for p in parts)


def test_without_outcomes_the_page_says_the_files_are_yet_to_be_reviewed(demo_package, params_dir):
    params = load_params(params_dir / "demo.yaml")
    assert outcomes_path(params) is None and load_outcomes(params) is None
    res = _analyse(demo_package, params)
    assert res.evaluation is None and res.not_reviewed == len(res.sample.items)
    rec = smp.results(res)
    assert rec["evaluation"] is None and rec["review"]["n_reviewed"] == 0 and rec["misstatements"] == []
    assert figures(to_jsonable(rec)) == {}  # nothing for next year's follow-up to compare: another year, another sample
    assert "ännu inte granskade" in html(page.evaluation(res, T, F))
    shown = html(page.items(res, T, F))
    certain = res.sample.items.loc[res.sample.items["stratum"] == "certainty", "procurement_id"].iloc[0]
    assert certain in shown and "valt med säkerhet" in shown and "Riskurval: ett enda anbud" in shown


def test_recorded_outcomes_are_evaluated_in_plain_words(demo_package, params_dir, tmp_path):
    params = load_params(params_dir / "demo.yaml")
    res0 = _analyse(demo_package, params)
    items = res0.sample.items.set_index("procurement_id")
    pps = items.index[items["stratum"] == "pps"][:2]
    outcomes = pd.DataFrame(
        {"procurement_id": list(pps), "misstatement_sek": [items.at[pps[0], "estimated_value_sek"] / 10, 0.0]}
    )
    res = _analyse(demo_package, params, outcomes)
    expected = evaluate_sample(res.sample, outcomes, 20_000_000)
    assert res.evaluation is not None and res.evaluation.upper_limit == pytest.approx(expected.upper_limit)
    # one tainting of 10 %: projected 0.1 J, limit J * (3.00 + 0.1 * (4.75 - 3.00)) (AICPA factors at 95 %)
    j = res.sample.interval
    assert res.evaluation.projected == pytest.approx(0.1 * j)
    assert res.evaluation.upper_limit == pytest.approx(j * 3.0 + 0.1 * j * 1.75)
    text = html(page.evaluation(res, T, F))
    assert "preliminär" in text and "Hittills är den övre felgränsen lägre" in text and "10\xa0%" in text
    rec = smp.results(res)
    assert (
        rec["review"] == {"n_reviewed": 2, "n_not_reviewed": len(res.sample.items) - 2}
        and rec["evaluation"]["exceeds_tolerable"] is False
    )
    assert rec["misstatements"]["procurement_id"].tolist() == [pps[0]]
    # above the tolerable misstatement: said as a warning, and final (more errors only raise the limit)
    big = outcomes.assign(misstatement_sek=[items.at[p, "estimated_value_sek"] for p in pps])
    text = html(page.evaluation(_analyse(demo_package, params, big), T, F))
    assert "högre än det fel revisorerna kan godta" in text and "callout-warning" in text


def test_outcomes_come_from_the_parameter_or_the_evidence_folder(params_dir, tmp_path):
    folder = tmp_path / "params"
    shutil.copytree(params_dir, folder)
    params = load_params(folder / "demo.yaml")
    register_file = folder / "evidence" / "demo-2025" / OUTCOMES_FILE
    register_file.write_text("procurement_id;misstatement_sek\nIN-2025-0005;430600\n", encoding="utf-8")
    assert outcomes_path(params) == register_file
    assert load_outcomes(params)["misstatement_sek"].tolist() == [430600.0]
    other = tmp_path / "elsewhere.csv"
    other.write_text("procurement_id,misstatement_sek\nIN-2025-0005,x\n", encoding="utf-8")
    explicit = params.model_copy(update={"sampling": params.sampling.model_copy(update={"outcomes_file": str(other)})})
    assert outcomes_path(explicit) == other
    with pytest.raises(SamplingError, match="elsewhere.csv.*row 2, column misstatement_sek"):
        load_outcomes(explicit)


def test_an_outcome_for_a_procurement_not_in_the_sample_is_an_error(demo_package, params_dir):
    params = load_params(params_dir / "demo.yaml")
    with pytest.raises(SamplingError, match="IN-2025-9999"):
        _analyse(demo_package, params, pd.DataFrame({"procurement_id": ["IN-2025-9999"], "misstatement_sek": [1.0]}))


def test_the_notebook_runs_only_when_the_parameters_ask_for_a_sample(params_dir):
    with_sampling = load_params(params_dir / "demo.yaml")
    without = with_sampling.model_copy(update={"sampling": None})
    names = lambda params: [n.name for n in select(discover(), None, params)]  # noqa: E731
    assert "sampling" in names(with_sampling) and "sampling" not in names(without)
    assert "q3_targets" in names(without)
    assert [n.name for n in select(discover(), ["sampling"], without)] == [
        "sampling"
    ]  # named: it runs (and says why not)
    with pytest.raises(SamplingError, match="no 'sampling' section"):
        smp.draw_sample({}, without, T, 1)


def test_a_run_draws_the_sample_audit_sample_writes_and_records_it(demo_dir, params_dir, tmp_path, capsys):
    folder = tmp_path / "params"
    shutil.copytree(params_dir, folder)
    shutil.copy2(
        ROOT / "params" / "evidence" / "demo-2025" / OUTCOMES_FILE, folder / "evidence" / "demo-2025" / OUTCOMES_FILE
    )  # the demo's file reviews
    csv = tmp_path / "sample.csv"
    assert cli.main(["sample", str(folder / "demo.yaml"), "--data", str(demo_dir), "--out", str(csv)]) == 0
    assert "upper misstatement limit" in capsys.readouterr().out
    out = tmp_path / "out"
    res = runner.run(folder / "demo.yaml", data_dir=demo_dir, out_dir=out, only=["sampling"], progress=quiet)
    assert res.ok, [(r.name, r.error) for r in res.runs]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((out / "results" / "sampling.json").read_text(encoding="utf-8"))
    assert manifest["sampling"]["sample_csv_sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()
    written = pd.read_csv(csv, dtype={"procurement_id": str})
    assert manifest["sampling"]["procurement_ids"] == written["procurement_id"].tolist()
    assert [r["reason"] for r in results["items"]] == written["reason"].tolist()
    assert manifest["sampling"]["seed"] == load_params(folder / "demo.yaml").seed
    ev = results["evaluation"]
    assert manifest["sampling"]["evaluation"] == ev and ev["n_misstatements"] == 1
    assert manifest["sampling"]["n_reviewed"] == 5
    assert ev["upper_misstatement_limit_sek"] == pytest.approx(17_780_000)  # 5.6 Mkr * (3.00 + 0.1 * 1.75)
    page_html = (out / "sampling.html").read_text(encoding="utf-8")
    assert "Övre felgräns" in page_html and "Syntetiska demodata" in page_html and "Utkast" in page_html
    import openpyxl

    wb = openpyxl.load_workbook(out / "demo.xlsx")
    sheets = [ws.title for ws in wb.worksheets]
    assert "Stickprov" in sheets and any(s.startswith("Stickprov ") for s in sheets)
    figures = {r[0]: r[1] for r in wb["Stickprov"].iter_rows(min_row=4, values_only=True)}
    assert figures[T("sampling.col_upper_misstatement_limit_sek")] == pytest.approx(17_780_000)
    assert figures[T("sampling.col_sample_csv_sha256")] == manifest["sampling"]["sample_csv_sha256"]
    items_sheet = next(wb[s] for s in sheets if s.startswith("Stickprov ") and wb[s].max_row == len(written) + 1)
    header = [c.value for c in items_sheet[1]]
    assert T("sampling.col_reason") in header and T("sampling.col_first_point_sek") in header
    ids = [
        r[header.index(T("workbook.col.procurement_id"))] for r in items_sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(ids) == sorted(written["procurement_id"])

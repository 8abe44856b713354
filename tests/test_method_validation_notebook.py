"""The method-validation notebook through papermill on the real public data, and its place in
runs: region runs leave it out, the method-validation parameters run only it."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, output_text

from audit_lib.params import load_params
from audit_lib.run.notebooks import discover, select


def test_region_runs_leave_it_out_and_its_own_run_has_only_it():
    found = discover()
    assert "method_validation" in [n.name for n in found]
    for name in ("demo.yaml", "demo-2024.yaml", "2025.yaml"):
        params = load_params(ROOT / "params" / name)
        assert "method_validation" not in [n.name for n in select(found, params.notebooks)], name
    mv = load_params(ROOT / "params" / "method_validation.yaml")
    assert [n.name for n in select(found, mv.notebooks)] == ["method_validation"]
    assert [n.name for n in select(found, ["method_validation"])] == ["method_validation"]  # --only


@pytest.mark.parametrize("language", ["sv", "en"])
def test_notebook_records_the_published_figures_beside_the_reproduced(shared_data, demo_dir, tmp_path, language):
    import papermill as pm

    mpdta = shared_data / "mpdta" / "mpdta.csv"
    dta = shared_data / "decarolis-2014" / "Authority.dta"
    if not (mpdta.is_file() and dta.is_file()):
        pytest.skip("mpdta or decarolis-2014 absent")
    text = (ROOT / "params" / "method_validation.yaml").read_text(encoding="utf-8")
    text = text.replace("../../shared/data/mpdta/mpdta.csv", str(mpdta))
    text = text.replace("../../shared/data/decarolis-2014/Authority.dta", str(dta))
    text = text.replace("../../shared/data/bids-real", str(shared_data / "bids-real"))
    params = tmp_path / "method_validation.yaml"
    params.write_text(text.replace("generate_demo_data: true", "generate_demo_data: false"), encoding="utf-8")
    out = tmp_path / "method_validation.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "method_validation.ipynb"),
        str(out),
        parameters={
            "params_file": str(params),
            "data_dir": str(demo_dir),
            "results_dir": str(tmp_path / "results"),
            "language": language,
        },
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    r = json.loads((tmp_path / "results" / "method_validation.json").read_text(encoding="utf-8"))
    assert r["status"] == "ok"
    cells = {(c["group"], c["time"]): c for c in r["mpdta"]["att_gt"]}
    assert len(cells) == 12 and all(c["matches"] for c in cells.values())
    assert {"group", "time", "att", "se"} <= set(cells[(2004, 2004)])
    assert round(cells[(2004, 2004)]["att"], 4) == -0.0105
    aggs = r["mpdta"]["aggregates"]
    assert [round(aggs[k]["estimate"], 4) for k in ("simple", "event_time", "group")] == [-0.0400, -0.0772, -0.0310]
    t2 = r["decarolis"]["table2a_col1"]
    assert f"{t2['estimate']:.2f}" == "13.10" and f"{t2['se']:.3f}" == "1.609" and t2["n"] == 1262
    assert f"{t2['r2']:.3f}" == "0.505" and t2["inference"] == "randomization"
    st = r["decarolis"]["staggered"]
    s = st["aggregates"]["simple"]
    assert s["low"] < s["estimate"] < s["high"] and st["pretrend"]["p_value"] is not None
    assert st["pretrend_event"]["df"] > 0
    shown = output_text(out)
    # the savings model's market method on the real bids, moved here from q4's page
    real = r["real_bids"]
    if (shared_data / "bids-real").is_dir():
        by_name = {s["name"]: s for s in real["sources"]}
        assert real["available"] and set(by_name) == {"comprasnet", "rcext"}
        for s in by_name.values():
            assert 0 < s["second_lowest_ratio"] < s["median_ratio"] < 1 and s["min_bids"] == 3
        from audit_lib.report.texts import Texts

        assert Texts(language)("method_validation.real_heading") in shown and "BRL" in shown
    sep = "," if language == "sv" else "."
    for published in (f"0{sep}0105", f"13{sep}10", f"1{sep}609", f"0{sep}505"):
        assert published in shown, published


def test_results_record_both_parts_and_the_page_says_when_a_file_is_absent():
    """``results`` records the two validations; a part without its file is None, and the page
    says so instead of showing figures."""
    from audit_lib.params import MethodValidationParams
    from audit_lib.questions import method_validation as mv
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import method_validation as page
    from audit_lib.report.texts import Texts

    res = mv.analyse(None, None, MethodValidationParams(), 1)
    assert mv.results(res) == {"mpdta": None, "decarolis": None, "real_bids": {"available": False, "sources": []}}
    t, f = Texts("en"), Formatter("en")
    shown = [str(h) for h in page.mpdta(res, t, f, MethodValidationParams()) + page.table2(res, t, f)]
    assert len(shown) == 4 and t("method_validation.absent", name="mpdta") in "".join(shown)
    assert page.staggered(res, t, f, MethodValidationParams()) == []
    assert page.p_value(0.0001, f) == "< 0.001" and page.p_value(0.25, f) == "= 0.250"
    assert page.interval2({"low": 1, "high": 2.5}, f) == "1.00 – 2.50" and page.interval2({}, f) == "–"
    bids = [str(h) for h in page.real_bids(res, t, f, 10)]
    assert len(bids) == 2 and t("method_validation.real_not_configured") in bids[1]


def test_real_bids_absent_folder_said(tmp_path):
    from audit_lib.params import MethodValidationParams, Q4Params
    from audit_lib.questions import method_validation as mv
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import method_validation as page
    from audit_lib.report.texts import Texts

    res = mv.analyse(None, None, MethodValidationParams(), 1, tmp_path / "missing", Q4Params(real_bids_dir="missing"))
    assert res.real_bids.status == "absent"
    t, f = Texts("sv"), Formatter("sv")
    assert t("method_validation.real_absent", path="missing") in "".join(str(h) for h in page.real_bids(res, t, f, 10))


def test_index_of_the_method_validation_run_has_its_own_title_and_scope():
    """A run of the method-validation notebook alone: its index says what it is, not the regions'
    review; a review's index keeps the review's title and scope."""
    from html import unescape

    from audit_lib.report.texts import Texts
    from audit_lib.run.index import index_html, own_index

    for language in ("sv", "en"):
        t = Texts(language)
        entries = [{"name": "method_validation", "title": "MV", "status": "ok", "level": None}]
        assert own_index(entries, t) == "method_validation"
        html = unescape(index_html(entries, language, 2025, "Region Sörmland"))
        assert t("method_validation.index_title") in html and t("method_validation.index_scope") in html
        assert t("common.index_title") not in html and "Region Sörmland" not in html
        review = index_html(
            [{"name": "q4_savings_model", "title": "Q4", "status": "ok", "level": None}, *entries],
            language,
            2025,
            "Region Sörmland",
        )
        assert t("common.index_title") in review and "Region Sörmland" in review
        assert t("method_validation.index_title") not in review


def test_pages_of_the_method_validation_run_name_it_not_the_regions_review(shared_data, tmp_path, monkeypatch):
    """`audit run params/method_validation.yaml`: its public pages (the report's back-link, the
    site's appendix, the index) and the printed document (the PDF) take the run's own title and
    scope; none names the regions' review or its regions."""
    from html import unescape

    from audit_lib import cli
    from audit_lib.run import site
    from audit_lib.run.pdf import PdfError
    from audit_lib.report.texts import Texts

    if not ((shared_data / "mpdta" / "mpdta.csv").is_file() and (shared_data / "decarolis-2014").is_dir()):
        pytest.skip("mpdta or decarolis-2014 absent")
    printed: list[str] = []

    def print_pdf(doc, pdf):  # the document Chromium would print, without Chromium
        printed.append(doc.read_text(encoding="utf-8"))
        raise PdfError("not printed in this test")

    monkeypatch.setattr(site, "find_chromium", lambda: "chromium")
    monkeypatch.setattr(site, "html_to_pdf", print_pdf)
    out = tmp_path / "mv"
    assert cli.main(["run", str(ROOT / "params" / "method_validation.yaml"), "--out", str(out), "--jobs", "1"]) == 0
    t = Texts("sv")
    pages = {
        p.relative_to(out).as_posix(): unescape(p.read_text(encoding="utf-8"))
        for p in [*out.glob("*.html"), *(out / "site").glob("*.html"), *(out / "internal").glob("*.html")]
    }
    assert {"index.html", "method_validation.html", "site/appendix.html", "site/method_validation.html"} <= set(pages)
    assert len(printed) == 1
    pages["print"] = unescape(printed[0])
    for name, html in pages.items():
        for region_review in (t("common.index_title"), t("common.scope").split("{")[0], "Granskade:"):
            assert region_review not in html, (name, region_review)
    for name in ("method_validation.html", "site/appendix.html", "internal/method_validation.html"):
        assert "← " + t("method_validation.index_title") in pages[name], name
    assert t("method_validation.index_scope") in pages["site/appendix.html"]
    assert f"<title>{t('method_validation.index_title')} 2025</title>" in pages["print"]

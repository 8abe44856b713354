"""Draft, reviewed, final (``audit sign``): pages say "Utkast" until a reviewer signs; the
signature covers every file; ``audit verify`` names files changed after a signature."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import quiet, tiny_notebook, write_params

from audit_lib import cli
from audit_lib.run import runner
from audit_lib.run.signoff import (
    SignError,
    archive_signed,
    check_signatures,
    draft_banner,
    is_final,
    is_signed,
    read_signatures,
    sign,
    strip_draft,
)
from audit_lib.run.site import build_site
from audit_lib.run.verify import verify

pytestmark = pytest.mark.usefixtures("no_pdf")

DRAFT = "Utkast"


def _pages(out: Path) -> list[Path]:
    """Every public page: the reports, the index and the site's own (its appendix too)."""
    return [
        out / "index.html",
        out / "a_ok.html",
        out / "site" / "index.html",
        out / "site" / "a_ok.html",
        out / "site" / "appendix.html",
    ]


@pytest.fixture(scope="module")
def finished(tmp_path_factory, demo_dir):
    tmp = tmp_path_factory.mktemp("signoff")
    shutil.copytree(demo_dir, tmp / "data")
    nbs = tmp / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp / "params", tmp / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIT_PDF", "0")
        runner.run(params, out_dir=tmp / "out", notebook_dir=nbs, progress=quiet)
    return tmp / "out"


def test_banner_markup_round_trips():
    page = f"<main><h1>x</h1>{draft_banner('sv')}{draft_banner('en')}</main>"
    assert DRAFT in page and "Draft" in page
    assert strip_draft(page) == "<main><h1>x</h1></main>"


def test_pages_are_drafts_until_the_reviewer_signs_then_verify_passes(finished, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    assert all(DRAFT in p.read_text(encoding="utf-8") for p in _pages(out))
    assert not is_signed(out)

    assert cli.main(["sign", str(out), "--role", "preparer", "--name", "Anna Revisor"]) == 0
    assert is_signed(out) and not is_final(out)
    assert all(DRAFT in p.read_text(encoding="utf-8") for p in _pages(out))

    assert cli.main(["sign", str(out), "--role", "reviewer", "--name", "Bo Granskare", "--note", "ok"]) == 0
    assert "The run is final" in capsys.readouterr().out
    assert is_final(out)
    assert not any(DRAFT in p.read_text(encoding="utf-8") for p in _pages(out))
    assert (out / "t.xlsx").is_file() and (out / "site" / "t.xlsx").is_file()
    sigs = json.loads((out / "signatures.json").read_text(encoding="utf-8"))["signatures"]
    assert [s["role"] for s in sigs] == ["preparer", "reviewer"] and sigs[1]["note"] == "ok"
    assert "a_ok.html" in sigs[1]["files"] and "site/index.html" in sigs[1]["files"]
    assert check_signatures(out) == []

    report = verify(out, progress=quiet)
    assert report.ok, report.format()

    page = out / "site" / "a_ok.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    problems = check_signatures(out)
    assert problems == [
        f"site/a_ok.html: changed after the signature of reviewer Bo Granskare on {dt.date.today().isoformat()}"
    ]


def test_the_site_appendix_loses_its_banner_on_signing_and_verify_covers_it(finished, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    appendix = out / "site" / "appendix.html"
    assert appendix.read_text(encoding="utf-8").count(DRAFT) == 1
    sign(out, "reviewer", "Bo Granskare")
    assert DRAFT not in appendix.read_text(encoding="utf-8")
    assert "site/appendix.html" in read_signatures(out)[-1]["files"]
    assert verify(out, progress=quiet).ok  # the rerun is made final as the signed run was
    appendix.write_text(
        appendix.read_text(encoding="utf-8").replace("</main>", f"{draft_banner('sv')}</main>"), encoding="utf-8"
    )
    assert check_signatures(out) == [
        f"site/appendix.html: changed after the signature of reviewer Bo Granskare on {dt.date.today().isoformat()}"
    ]
    assert not verify(out, progress=quiet).ok


def test_a_site_built_without_an_index_page_carries_the_banner_until_final(finished, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    (out / "index.html").unlink()
    build_site(out, "en", pdf=False, internal=False)
    assert all("Draft" in (out / "site" / n).read_text(encoding="utf-8") for n in ("index.html", "appendix.html"))
    build_site(out, "en", pdf=False, internal=False, draft=False)
    assert not any("Draft" in (out / "site" / n).read_text(encoding="utf-8") for n in ("index.html", "appendix.html"))


def test_the_fact_check_is_recorded_without_changing_a_page(finished, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    before = (out / "a_ok.html").read_bytes()
    sig = sign(out, "fact_check", "Nämndens kansli", "inga faktafel", today=dt.date(2026, 2, 1))
    assert sig.date == "2026-02-01" and not sig.finalized
    assert (out / "a_ok.html").read_bytes() == before
    (out / "extra.txt").write_text("x", encoding="utf-8")
    (out / "results" / "a_ok.json").unlink()
    assert check_signatures(out) == [
        "results/a_ok.json: removed after the signature of fact_check Nämndens kansli on 2026-02-01",
        "extra.txt: added after the signature of fact_check Nämndens kansli on 2026-02-01",
    ]


def test_bad_signatures_are_usage_errors(tmp_path, capsys):
    assert cli.main(["sign", str(tmp_path), "--role", "reviewer", "--name", "X"]) == 2
    assert "no manifest.json" in capsys.readouterr().err
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SignError, match="role must be"):
        sign(tmp_path, "boss", "X")
    with pytest.raises(SignError, match="needs a name"):
        sign(tmp_path, "preparer", "  ")


def test_a_signed_run_is_archived_aside(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    sign(out, "preparer", "A")
    assert is_signed(out)
    first = archive_signed(out)
    out.mkdir()
    assert first.name == "demo.signed-1" and is_signed(first) and not is_signed(out)
    assert archive_signed(out).name == "demo.signed-2"


def test_a_rerun_into_a_signed_run_is_refused_unless_forced_which_archives_it(finished, tmp_path, demo_dir):
    out = tmp_path / "out"
    shutil.copytree(finished, out)
    assert cli.main(["sign", str(out), "--role", "reviewer", "--name", "Bo Granskare"]) == 0
    signed = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_ok")
    params = write_params(tmp_path / "params", demo_dir)
    with pytest.raises(runner.RunError, match="signed run"):
        runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == signed
    assert runner.run(params, out_dir=out, notebook_dir=nbs, progress=quiet, force=True).ok
    archived = tmp_path / "out.signed-1"
    assert {p.relative_to(archived).as_posix(): p.read_bytes() for p in archived.rglob("*") if p.is_file()} == signed
    assert not is_signed(out)

"""A rerun into the same folder copies the previous PDF instead of printing it again, only when
it would be printed from the same document by the same Chromium with the same code, and the
previous PDF still has the bytes recorded for it (``pdf.print_or_reuse``).

Chromium is replaced by recorders here: a fake executable for its version, and a printer that
writes the document's hash as the "PDF" and counts its calls. That the real Chromium prints the
same bytes twice is ``test_pdf.test_pdf_is_deterministic``'s to show."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import tiny_notebook, write_params

from audit_lib.run import cache, pdf, runner, site
from audit_lib.run.pdf import PdfResult, PreviousPdf, print_key, print_or_reuse


def _fake_chromium(folder: Path, version: str) -> str:
    exe = folder / "chromium"
    exe.write_text(f"#!/bin/sh\necho 'Chromium {version}'\n", encoding="utf-8")
    exe.chmod(0o755)
    return str(exe)


class Printer:
    def __init__(self) -> None:
        self.calls: list[Path] = []

    def __call__(self, doc: Path, out: Path, *args: object, **kwargs: object) -> PdfResult:
        self.calls.append(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"%PDF " + hashlib.sha256(Path(doc).read_bytes()).hexdigest().encode())
        return PdfResult(out, pages=1)


@pytest.fixture
def printed(tmp_path):
    doc = tmp_path / "print.html"
    doc.write_text("<p>the review</p>", encoding="utf-8")
    exe = _fake_chromium(tmp_path, "1.0")
    printer = Printer()
    first = print_or_reuse(doc, tmp_path / "old" / "t.pdf", exe, None, printer)
    return doc, exe, printer, first


def test_the_same_print_is_copied_and_recorded_again(tmp_path, printed):
    doc, exe, printer, first = printed
    assert first.key and not first.reused and len(printer.calls) == 1
    again = print_or_reuse(doc, tmp_path / "new" / "t.pdf", exe, PreviousPdf(first.path, first.record()), printer)
    assert again.reused and len(printer.calls) == 1
    assert again.path.read_bytes() == first.path.read_bytes()
    assert again.record() == first.record()


def test_a_changed_document_chromium_or_previous_pdf_is_printed_again(tmp_path, printed):
    doc, exe, printer, first = printed
    before = PreviousPdf(first.path, first.record())
    other = tmp_path / "other.html"
    other.write_text("<p>the review, changed</p>", encoding="utf-8")
    assert not print_or_reuse(other, tmp_path / "a.pdf", exe, before, printer).reused
    (tmp_path / "b").mkdir()
    newer = _fake_chromium(tmp_path / "b", "2.0")
    assert print_key(doc.read_bytes(), newer) != first.key
    assert not print_or_reuse(doc, tmp_path / "b.pdf", newer, PreviousPdf(first.path, first.record()), printer).reused
    first.path.write_bytes(b"%PDF edited by hand")  # the recorded key matches, the bytes do not
    redone = print_or_reuse(doc, tmp_path / "c.pdf", exe, before, printer)
    assert not redone.reused and redone.path.read_bytes() != b"%PDF edited by hand"
    missing = PreviousPdf(tmp_path / "gone.pdf", first.record())
    assert not print_or_reuse(doc, tmp_path / "d.pdf", exe, missing, printer).reused
    assert len(printer.calls) == 5


def test_the_key_covers_this_module_s_code(tmp_path, printed, monkeypatch):
    doc, exe, _, first = printed
    changed = tmp_path / "pdf.py"
    changed.write_text(Path(pdf.__file__).read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(pdf, "__file__", str(changed))
    assert print_key(doc.read_bytes(), exe) != first.key


def test_a_rerun_into_the_same_folder_prints_the_pdf_only_when_it_would_differ(tmp_path, demo_copy, monkeypatch):
    real = runner.code_state  # pinned, as in test_cache: other work on the source must not rerun all
    monkeypatch.setattr(runner, "code_state", lambda paths: {**real(paths), "source_sha256": "pinned"})
    monkeypatch.setenv("AUDIT_PDF", "1")
    monkeypatch.setattr(site, "find_chromium", lambda: exe)
    exe = _fake_chromium(tmp_path, "1.0")
    printer = Printer()
    monkeypatch.setattr(site, "html_to_pdf", printer)
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_q3", sections=("q3_targets",), body="res['level'] = P.q3_targets.forecast_level")
    out = tmp_path / "out"

    def run(level: float, **kw: object) -> bytes:
        params = write_params(tmp_path / "p", demo_copy, q3_targets={"forecast_level": level})
        assert runner.run(params, out_dir=out, notebook_dir=nbs, progress=lambda m: None, jobs=1, **kw).ok
        assert (out / "site" / "t.pdf").read_bytes() == (out / "t.pdf").read_bytes()
        record = json.loads((out / cache.CACHE_FILE).read_text(encoding="utf-8"))["pdf"]
        assert record["sha256"] == hashlib.sha256((out / "t.pdf").read_bytes()).hexdigest()
        return (out / "t.pdf").read_bytes()

    first = run(0.8)
    assert len(printer.calls) == 1
    assert run(0.8) == first and len(printer.calls) == 1  # unchanged: copied
    assert run(0.85) != first and len(printer.calls) == 2  # a page changed: printed
    assert run(0.85, force=True) and len(printer.calls) == 3  # --force prints
    (out / "t.pdf").write_bytes(b"%PDF edited by hand")
    assert run(0.85) != b"%PDF edited by hand" and len(printer.calls) == 4

"""The published site of a run: ``<run>/site/`` (public pages and index), the PDF, and the
internal rendition for reviewers.

Called by the runner on the staging folder after the reports are rendered; it reuses the
rendered public pages (``<run>/<name>.html``, with whatever appendix they carry) and adds:

- ``site/``: the index with a table of contents (every report and its sections), each public
  report, and ``appendix.html`` (the parameters and the run's provenance: input files with
  their SHA-256, the data contract's version, the code version, package versions, each
  report's status). Every page is one self-contained file: styles, figures (inline SVG) and
  images are inline, links are relative, and a Content-Security-Policy forbids any script
  and any request, so the folder works from ``file://`` and from any static host offline.
- ``<run>/<run_name>.pdf``: the whole review as one PDF (cover and contents, every report,
  the appendix), printed by headless Chromium from one combined page; a copy is in
  ``site/`` and linked from its index. Skipped with a warning where Chromium is absent, or
  when switched off (``AUDIT_PDF=0`` or ``build_site(..., pdf=False)``).
- ``<run>/internal/<name>.html``: the same reports with their code, for reviewers.

No timestamps are written: the same run gives the same bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract import CONTRACT_VERSION
from ..report.display import CONTENT_TARGET, skip_link, synthetic_banner
from ..report.jinja import macro, markup, render
from ..report.texts import Texts
from ..yamlfile import loads as load_yaml
from .index import run_scope, run_title
from .printpage import print_document
from .pdf import PdfError, PdfResult, PreviousPdf, find_chromium, html_to_pdf, pdf_enabled, print_or_reuse
from .blocks import find_block
from .pageparts import Heading, headings, toc_html
from .render import CSP, CSS, Mapper, RenderJob, render_file_or_error, write_text

SITE_DIR = "site"
INTERNAL_DIR = "internal"
APPENDIX = "appendix.html"

_INDEX_LINK = re.compile(r'<a href="([A-Za-z0-9_.-]+)\.html">')  # reads the index's links (not a patch)
_NAV_OPEN, _NAV_CLOSE = '<nav class="audit-nav">', "</nav>"


@dataclass
class SiteResult:
    site_dir: Path
    pages: list[str] = field(default_factory=list)  # file names in site/
    internal: list[str] = field(default_factory=list)
    pdf: PdfResult | None = None


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ what the run holds
def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    except (OSError, ValueError):
        return {}


def _params(run_dir: Path) -> tuple[dict[str, Any], str]:
    path = run_dir / "params.resolved.yaml"
    if not path.is_file():
        return {}, ""
    text = path.read_text(encoding="utf-8")
    data = load_yaml(text)
    return (data if isinstance(data, dict) else {}), text


def report_names(run_dir: Path) -> list[str]:
    """The reports in index order (the index links them), then any other rendered report."""
    names: list[str] = []
    index = run_dir / "index.html"
    if index.is_file():
        for name in _INDEX_LINK.findall(index.read_text(encoding="utf-8")):
            if name != "index" and (run_dir / f"{name}.html").is_file() and name not in names:
                names.append(name)
    for p in sorted(run_dir.glob("*.html")):
        if p.stem not in names and p.stem != "index":
            names.append(p.stem)
    return names


# ------------------------------------------------------------------ page pieces
def _page_values(title: str, language: str, extra_css: str = "") -> dict[str, Any]:
    return {
        "title": title,
        "language": language,
        "csp": CSP,
        "css": markup(CSS),
        "extra_css": markup(extra_css),
        "skip_link": markup(skip_link(Texts(language))),
    }


def _nav_with_appendix(html: str, t: Texts) -> str:
    """Add the appendix link to a page's navigation bar (the first ``audit-nav``)."""
    found = find_block(html, _NAV_OPEN, _NAV_CLOSE)
    if found is None:
        return html
    end = found[1] - len(_NAV_CLOSE)
    return html[:end] + macro("site_parts.html.j2", "nav_link", APPENDIX, t("site.appendix_link")) + html[end:]


def _with_csp(html: str) -> str:
    """The page with the no-script, no-request policy after its charset (if it has none)."""
    if 'http-equiv="Content-Security-Policy"' in html:
        return html
    found = find_block(html, '<meta charset="utf-8"', ">")
    if found is None:
        return html
    return html[: found[1]] + "\n" + macro("site_parts.html.j2", "csp_meta", CSP) + html[found[1] :]


def _contents(run_dir: Path, names: list[str], t: Texts, pdf_name: str | None) -> str:
    """The site's table of contents: each report with its sections, the appendix, the PDF."""
    reports = []
    for name in names:
        found = headings((run_dir / SITE_DIR / f"{name}.html").read_text(encoding="utf-8"))
        reports.append(
            {
                "name": name,
                "title": next((h.text for h in found if h.level == 1), name),
                "sections": [h for h in found if h.level == 2],
            }
        )
    return macro(
        "site_parts.html.j2",
        "contents",
        t("site.contents"),
        reports,
        APPENDIX,
        t("site.appendix_title"),
        pdf_name,
        t("site.pdf_link", name=pdf_name) if pdf_name else None,
    )


def _provenance(run_dir: Path, t: Texts) -> dict[str, Any]:
    """The appendix's input files, code and packages: from the run's ``manifest.json`` where
    it is already written, else from the validation stamp and the working tree."""
    import platform

    from .manifest import git_state, package_versions

    manifest = _read_json(run_dir / "manifest.json")
    unknown = t("site.unknown")
    if isinstance(manifest.get("inputs"), dict) and manifest["inputs"]:
        files = [
            (label, (v or {}).get("sha256", unknown) if isinstance(v, dict) else str(v))
            for label, v in sorted(manifest["inputs"].items())
        ]
    else:
        stamp = _read_json(run_dir / "validation.json")
        raw = stamp.get("files", {}) if isinstance(stamp.get("files"), dict) else {}
        files = [(f"data/{k}", v) for k, v in sorted(raw.items())]
    recorded_code, recorded_packages = manifest.get("code"), manifest.get("packages")
    code: dict[str, Any] = recorded_code if isinstance(recorded_code, dict) else git_state()
    packages: dict[str, Any] = recorded_packages if isinstance(recorded_packages, dict) else package_versions()
    dirty = code.get("dirty")
    software = [
        (t("site.commit"), code.get("commit") or unknown),
        (t("site.uncommitted"), unknown if dirty is None else t("common.yes" if dirty else "common.no")),
    ]
    if code.get("source_sha256"):
        software.append((t("run.appendix_source"), code["source_sha256"]))
    software.append((t("site.python"), manifest.get("python") or platform.python_version()))
    return {
        "files": _cells(files),
        "software": _cells(software),
        "packages": _cells(sorted((k, v or unknown) for k, v in packages.items())),
    }


def _cells(rows: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    return [tuple(str(c) for c in r) for r in rows]


def appendix_page(run_dir: Path, names: list[str], t: Texts, banner: str) -> str:
    """The appendix: parameters (as run) and provenance (inputs, code, packages, statuses),
    with its own contents box. No times and no absolute paths, so reruns give the same page;
    the provenance is in a ``run-appendix`` section like the reports' own appendix."""
    params, params_text = _params(run_dir)
    statuses = []
    for name in names:
        res = _read_json(run_dir / "results" / f"{name}.json")
        status = "ok" if res.get("status", "failed") == "ok" else "failed"
        statuses.append((str(res.get("title") or name), t(f"common.status_{status}")))
    sections = [
        ("status", "site.notebooks_heading"),
        ("parameters", "site.params_heading"),
        ("inputs", "site.inputs_heading"),
        ("software", "site.code_heading"),
    ]
    toc = toc_html([Heading(2, i, " ".join(t(k).split())) for i, k in sections], t("site.contents"))
    return render(
        "site_appendix.html.j2",
        **_page_values(t("site.appendix_title"), t.language),
        back="← " + run_title(names, t),
        banner=markup(banner),
        content_target=markup(CONTENT_TARGET),
        toc=markup(toc),
        intro=(run_scope(params, t, names) + " " + t("site.appendix_intro")).strip(),
        statuses=statuses,
        status_header=(t("site.report"), t("common.index_status")),
        notebooks_heading=t("site.notebooks_heading"),
        params_heading=t("site.params_heading"),
        params_intro=t("site.params_intro"),
        params_text=params_text,
        inputs_heading=t("site.inputs_heading"),
        inputs_intro=t("site.inputs_intro", version=CONTRACT_VERSION),
        files_header=(t("site.file"), t("site.sha256")),
        code_heading=t("site.code_heading"),
        software_header=(t("site.code_heading"), t("site.version")),
        package_caption=t("site.package"),
        packages_header=(t("site.package"), t("site.version")),
        **_provenance(run_dir, t),
    )


# ------------------------------------------------------------------ the build
def internal_page(run_dir: Path, name: str) -> Path:
    """The internal rendition (the report with its code) of one notebook."""
    return Path(run_dir) / INTERNAL_DIR / f"{name}.html"


def build_internal(
    run_dir: Path,
    names: list[str],
    language: str,
    reuse: Mapping[str, Path] | None = None,
    mapper: Mapper = map,
    synthetic: bool | None = None,
    rendered: AbstractSet[str] = frozenset(),
) -> list[str]:
    """``internal/<name>.html``: each report with its code, from the executed notebook; the
    notebooks in ``reuse`` get a copy of that (identical) rendition instead, and those in
    ``rendered`` have theirs in place already (rendered as the notebook finished). ``mapper``
    renders the pages (``map``, or a process pool's ``map``). ``synthetic``: the synthetic-data
    banner; by default as the run's manifest says."""
    if synthetic is None:
        synthetic = bool(_read_json(run_dir / "manifest.json").get("synthetic_data"))
    out, jobs = [], []
    reuse = reuse or {}
    for name in names:
        dst = internal_page(run_dir, name)
        if name in rendered and dst.is_file():
            out.append(f"{name}.html")
            continue
        if name in reuse:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(reuse[name], dst)
            out.append(f"{name}.html")
            continue
        nb_path = run_dir / "notebooks" / f"{name}.ipynb"
        if not nb_path.is_file():
            continue
        res = _read_json(run_dir / "results" / f"{name}.json")
        jobs.append(
            RenderJob(
                nb_path,
                dst,
                language,
                public=False,
                failed=res.get("status") != "ok",
                index_href="../index.html",
                synthetic=synthetic,
                index_label=run_title(names, Texts(language)),
            )
        )
    for job, error in zip(jobs, mapper(render_file_or_error, jobs)):
        if error:  # the public site does not depend on the internal rendition
            _warn(f"no internal rendition of {job.html.stem}: {error}")
        else:
            out.append(job.html.name)
    out.sort(key=lambda page: names.index(page.removesuffix(".html")))
    return out


def _write_index(run_dir: Path, index: str, names: list[str], t: Texts, pdf_name: str | None) -> None:
    """The site's index: the run's index page with the table of contents (and the PDF's link)
    at the end of its content."""
    html = _with_csp(index)
    box = _contents(run_dir, names, t, pdf_name)
    end = html.rfind("</main>")
    write_text(run_dir / SITE_DIR / "index.html", html[:end] + box + html[end:] if end >= 0 else html + box)


def _print_pdf(
    run_dir: Path, names: list[str], t: Texts, title: str, synthetic: bool, pdf_name: str, previous: PreviousPdf | None
) -> PdfResult:
    """``<run>/<pdf_name>``, printed by Chromium from :func:`print_document` (or ``previous``
    copied, :func:`print_or_reuse`); skipped with a warning where Chromium is absent or fails."""
    if (chromium := find_chromium()) is None:
        _warn("no PDF: Chromium is not installed (apt-get install chromium); the site is complete without it")
        return PdfResult(None, skipped="chromium absent")
    with tempfile.TemporaryDirectory(prefix="audit-print-") as tmp:
        doc = Path(tmp) / "print.html"
        doc.write_text(print_document(run_dir / SITE_DIR, names, t.language, t, title, synthetic), encoding="utf-8")
        try:
            # html_to_pdf looked up when it is called: tests put a recorder in its place
            return print_or_reuse(doc, run_dir / pdf_name, chromium, previous, lambda d, p: html_to_pdf(d, p))
        except PdfError as e:
            _warn(f"no PDF: {e}")
            return PdfResult(None, skipped=str(e))


def _banners(run_dir: Path, t: Texts, draft: bool | None) -> tuple[str, bool]:
    """The banners of the site's own pages (draft until signed, unless ``draft`` says; synthetic
    data when the manifest says so), and whether the data is synthetic."""
    from .signoff import draft_banner, is_final

    synthetic = bool(_read_json(run_dir / "manifest.json").get("synthetic_data"))
    if draft is None:
        draft = not is_final(run_dir)
    return (draft_banner(t.language) if draft else "") + (synthetic_banner(t) if synthetic else ""), synthetic


def _index_page(run_dir: Path, title: str, language: str, banner: str) -> str:
    """The run's index page, or the site's own when the run has none."""
    index_src = run_dir / "index.html"
    if index_src.is_file():
        return index_src.read_text(encoding="utf-8")
    return render(
        "site_index.html.j2",
        **_page_values(title, language),
        banner=markup(banner),
        content_target=markup(CONTENT_TARGET),
    )


def build_site(
    run_dir: Path,
    language: str,
    *,
    pdf: bool | None = None,
    internal: bool = True,
    reuse_internal: Mapping[str, Path] | None = None,
    rendered: AbstractSet[str] = frozenset(),
    mapper: Mapper = map,
    draft: bool | None = None,
    previous_pdf: PreviousPdf | None = None,
) -> SiteResult:
    """Build ``run_dir/site/``, the PDF and the internal rendition from the rendered run
    (``reuse_internal``: name -> a previous run's identical internal rendition to copy;
    ``rendered``: the internal renditions in place already; ``mapper``: how the internal pages
    are rendered, see :func:`build_internal`).

    ``pdf=None`` follows ``AUDIT_PDF`` (on unless 0/off/false/no); the PDF is skipped with a
    warning, never an error, where Chromium is absent or fails. ``draft``: the site's own
    pages (the appendix, an index built without the run's) carry the draft banner, as the
    reports do; by default until a reviewer has signed (``run/signoff.py``). ``previous_pdf``:
    the previous run's PDF, copied if this run would print the same (``pdf.print_or_reuse``)."""
    run_dir = Path(run_dir)
    t = Texts(language)
    params, _ = _params(run_dir)
    banner, synthetic = _banners(run_dir, t, draft)
    run_name = str(params.get("run_name") or run_dir.name.lstrip(".").split(".staging")[0] or "report")
    site = run_dir / SITE_DIR
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    result = SiteResult(site)
    names = report_names(run_dir)
    for name in names:
        html = (run_dir / f"{name}.html").read_text(encoding="utf-8")
        write_text(site / f"{name}.html", _with_csp(_nav_with_appendix(html, t)))
    result.pages += [f"{name}.html" for name in names]
    title = f"{run_title(names, t)} {params.get('audit_year', '')}".strip()
    write_text(site / APPENDIX, appendix_page(run_dir, names, t, banner))
    result.pages.append(APPENDIX)
    want_pdf = pdf_enabled() if pdf is None else pdf
    pdf_name = f"{run_name}.pdf"
    index = _index_page(run_dir, title, language, banner)
    _write_index(run_dir, index, names, t, None)
    if "index.html" not in result.pages:
        result.pages.insert(0, "index.html")

    # Chromium prints the PDF while the internal renditions are rendered (they do not read site/)
    with ThreadPoolExecutor(max_workers=1) as printer:
        printed = (
            printer.submit(_print_pdf, run_dir, names, t, title, synthetic, pdf_name, previous_pdf)
            if want_pdf
            else None
        )
        if internal:
            result.internal = build_internal(run_dir, names, language, reuse_internal, mapper, synthetic, rendered)
    result.pdf = printed.result() if printed is not None else PdfResult(None, skipped="switched off")
    if result.pdf.path is not None:
        shutil.copyfile(result.pdf.path, site / pdf_name)
        _write_index(run_dir, index, names, t, pdf_name)
    return result

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from ..contract import CONTRACT_VERSION
from ..report.display import CONTENT_TARGET, skip_link, synthetic_banner, synthetic_print_css
from ..report.texts import Texts
from ..yamlfile import loads as load_yaml
from .pdf import PdfError, PdfResult, find_chromium, html_to_pdf, pdf_enabled
from .render import (CSP, CSS, Mapper, RenderJob, headings, render_file_or_error, toc_html, unique_heading_ids,
                     write_text)

SITE_DIR = "site"
INTERNAL_DIR = "internal"
APPENDIX = "appendix.html"

_INDEX_LINK = re.compile(r'<a href="([A-Za-z0-9_.-]+)\.html">')
_NAV = re.compile(r'<nav class="audit-nav">(.*?)</nav>', re.S)
_MAIN = re.compile(r"<main>(.*)</main>", re.S)
_HEAD = re.compile(r"<head>(.*?)</head>", re.S)


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
        return json.loads(path.read_text(encoding="utf-8"))
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
def _page(title: str, body: str, language: str, extra_css: str = "") -> str:
    """A standalone page with the project's stylesheet and the no-script, no-request policy;
    ``body`` holds :data:`CONTENT_TARGET` (else it goes first), where the skip link leads."""
    if CONTENT_TARGET not in body:
        body = CONTENT_TARGET + body
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">\n'
        f'<meta name="referrer" content="no-referrer">\n<title>{escape(title)}</title>\n'
        f"<style>\n{CSS}\n{extra_css}</style>\n</head>\n<body class=\"audit-site\"><main>\n{skip_link(Texts(language))}{body}\n</main></body>\n</html>\n"
    )


def _nav_with_appendix(html: str, t: Texts) -> str:
    """Add the appendix link to a page's navigation bar (the first ``audit-nav``)."""
    link = f' <span class="sep">·</span> <a href="{APPENDIX}">{escape(t("site.appendix_link"))}</a>'
    return _NAV.sub(lambda m: f'<nav class="audit-nav">{m.group(1)}{link}</nav>', html, count=1)


def _with_csp(html: str) -> str:
    if 'http-equiv="Content-Security-Policy"' in html:
        return html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">'
    return re.sub(r"(<meta charset=\"utf-8\"\s*/?>)", lambda m: m.group(1) + "\n" + meta, html, count=1)


def _contents(run_dir: Path, names: list[str], t: Texts, pdf_name: str | None) -> str:
    """The site's table of contents: each report with its sections, the appendix, the PDF."""
    items = []
    for name in names:
        html = (run_dir / SITE_DIR / f"{name}.html").read_text(encoding="utf-8")
        found = headings(html)
        title = next((h.text for h in found if h.level == 1), name)
        subs = "".join(
            f'<li><a href="{escape(name)}.html#{escape(h.id)}">{escape(h.text)}</a></li>'
            for h in found if h.level == 2
        )
        items.append(f'<li><a href="{escape(name)}.html">{escape(title)}</a>' + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
    items.append(f'<li><a href="{APPENDIX}">{escape(t("site.appendix_title"))}</a></li>')
    pdf = ""
    if pdf_name:
        pdf = f'<p class="pdf-link"><a href="{escape(pdf_name)}">{escape(t("site.pdf_link", name=pdf_name))}</a></p>'
    return (
        f'<nav class="audit-toc site-toc" id="contents" aria-label="{escape(t("site.contents"))}">'
        f'<h2 id="contents-heading">{escape(t("site.contents"))}</h2><ol>{"".join(items)}</ol>{pdf}</nav>\n'
    )


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...], caption: str, code_cols: tuple[int, ...] = ()) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td><code>{escape(str(c))}</code></td>" if i in code_cols else f"<td>{escape(str(c))}</td>"
            for i, c in enumerate(r)
        ) + "</tr>"
        for r in rows
    )
    return (f'<div class="table-wrap" role="region" tabindex="0" aria-label="{escape(caption)}"><table class="audit-table">'
            f'<caption class="visually-hidden">{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def appendix_body(run_dir: Path, names: list[str], t: Texts) -> str:
    """The appendix: parameters (as run) and provenance (inputs, code, packages, statuses).

    From the run's ``manifest.json`` where it is already written (input files of every kind
    with their sha256, code version, packages), else from the validation stamp and the
    working tree. No times and no absolute paths, so reruns give the same page; the
    provenance is in a ``run-appendix`` section like the reports' own appendix."""
    import platform

    from .manifest import git_state, package_versions

    params, params_text = _params(run_dir)
    manifest = _read_json(run_dir / "manifest.json")
    unknown = t("site.unknown")
    if isinstance(manifest.get("inputs"), dict) and manifest["inputs"]:
        files = [(label, (v or {}).get("sha256", unknown) if isinstance(v, dict) else str(v))
                 for label, v in sorted(manifest["inputs"].items())]
    else:
        stamp = _read_json(run_dir / "validation.json")
        raw = stamp.get("files", {}) if isinstance(stamp.get("files"), dict) else {}
        files = [(f"data/{k}", v) for k, v in sorted(raw.items())]
    code = manifest.get("code") if isinstance(manifest.get("code"), dict) else git_state()
    packages = manifest.get("packages") if isinstance(manifest.get("packages"), dict) else package_versions()
    python = manifest.get("python") or platform.python_version()
    dirty = code.get("dirty")
    software = [(t("site.commit"), code.get("commit") or unknown),
                (t("site.uncommitted"), unknown if dirty is None else t("common.yes" if dirty else "common.no"))]
    if code.get("source_sha256"):
        software.append((t("run.appendix_source"), code["source_sha256"]))
    software.append((t("site.python"), python))
    rows = []
    for name in names:
        res = _read_json(run_dir / "results" / f"{name}.json")
        status = res.get("status", "failed")
        rows.append((res.get("title") or name, t(f"common.status_{'ok' if status == 'ok' else 'failed'}")))
    parts = [
        f'<h1 class="report-title" id="appendix-title">{escape(t("site.appendix_title"))}</h1>',
        f"<p>{escape((_scope(params, t) + ' ' + t('site.appendix_intro')).strip())}</p>",
        f'<h2 id="status">{escape(t("site.notebooks_heading"))}</h2>',
        _table(rows, (t("site.report"), t("common.index_status")), t("site.notebooks_heading")),
        f'<h2 id="parameters">{escape(t("site.params_heading"))}</h2>',
        f"<p>{escape(t('site.params_intro'))}</p>",
        f'<pre class="params">{escape(params_text)}</pre>',
        '<section class="run-appendix">',
        f'<h2 id="inputs">{escape(t("site.inputs_heading"))}</h2>',
        f"<p>{escape(t('site.inputs_intro', version=CONTRACT_VERSION))}</p>",
        _table(files, (t("site.file"), t("site.sha256")), t("site.inputs_heading"), code_cols=(0, 1)),
        f'<h2 id="software">{escape(t("site.code_heading"))}</h2>',
        _table(software, (t("site.code_heading"), t("site.version")), t("site.code_heading"), code_cols=(1,)),
        _table(sorted((k, v or unknown) for k, v in packages.items()), (t("site.package"), t("site.version")),
               t("site.package"), code_cols=(0,)),
        "</section>",
    ]
    return "\n".join(parts)


def _scope(params: Mapping[str, Any], t: Texts) -> str:
    """The run's scope (audit year, period, regions) in the words of every report's first line;
    empty where the resolved parameters are missing."""
    year, start, end = params.get("audit_year"), params.get("period_start"), params.get("period_end")
    if not (year and start and end):
        return ""
    regions = ", ".join(str(r.get(t.language, "")) for r in (params.get("regions") or {}).values()
                        if isinstance(r, dict))
    return t("common.scope", year=year, start=start, end=end, regions=regions)


def _appendix_toc(html: str, t: Texts) -> str:
    """The appendix's own contents box, after its introduction."""
    box = toc_html([h for h in headings(html) if h.level == 2], t("site.contents"))
    marker = "</p>\n"
    at = html.find(marker, html.find('id="appendix-title"'))
    return html[: at + len(marker)] + box + html[at + len(marker):] if at >= 0 else html


# ------------------------------------------------------------------ the combined print page
def _prefix_ids(html: str, prefix: str, names: set[str]) -> str:
    """Make one page's anchors unique in the combined document and point its links inside it."""
    html = re.sub(r' id="([^"]*)"', lambda m: f' id="{prefix}--{m.group(1)}"', html)
    html = re.sub(r'(href|xlink:href)="#([^"]*)"', lambda m: f'{m.group(1)}="#{prefix}--{m.group(2)}"', html)
    html = re.sub(r"url\(#([^)]*)\)", lambda m: f"url(#{prefix}--{m.group(1)})", html)

    def link(m: re.Match[str]) -> str:
        target, frag = m.group(1), m.group(2)
        if target == "index":
            return 'href="#contents"'
        if target == APPENDIX.removesuffix(".html"):
            return f'href="#appendix{"--" + frag if frag else ""}"'
        if target in names:
            return f'href="#{target}{"--" + frag if frag else ""}"'
        return m.group(0)

    return re.sub(r'href="([A-Za-z0-9_.-]+)\.html(?:#([^"]*))?"', link, html)


def _main_of(html: str) -> str:
    m = _MAIN.search(html)
    body = m.group(1) if m else html
    body = _NAV.sub("", body, count=1)  # the navigation bar is for the screen
    return re.sub(r'<nav class="audit-toc".*?</nav>\n?', "", body, flags=re.S)


def print_document(site: Path, names: list[str], language: str, t: Texts, title: str, synthetic: bool = False) -> str:
    """Cover (the index), contents, every report, the appendix: one page for printing.
    ``synthetic``: the run's data is synthetic; the top margin of every page says so."""
    first = site / f"{names[0]}.html" if names else None
    head = ""
    if first is not None:
        m = _HEAD.search(first.read_text(encoding="utf-8"))
        head = m.group(1) if m else ""
    index = (site / "index.html").read_text(encoding="utf-8")
    cover = _main_of(index)
    known = set(names)
    contents, sections = [], []
    for name in names:
        page = unique_heading_ids((site / f"{name}.html").read_text(encoding="utf-8"))
        found = headings(page)
        h1 = next((h.text for h in found if h.level == 1), name)
        subs = "".join(f'<li><a href="#{escape(name)}--{escape(h.id)}">{escape(h.text)}</a></li>'
                       for h in found if h.level == 2)
        contents.append(f'<li><a href="#{escape(name)}">{escape(h1)}</a>' + (f"<ol>{subs}</ol>" if subs else "") + "</li>")
        sections.append(f'<section class="print-report" id="{escape(name)}">{_prefix_ids(_main_of(page), name, known)}</section>')
    appendix = (site / APPENDIX).read_text(encoding="utf-8")
    contents.append(f'<li><a href="#appendix">{escape(t("site.appendix_title"))}</a></li>')
    sections.append(f'<section class="print-report" id="appendix">{_prefix_ids(_main_of(appendix), "appendix", known)}</section>')
    cover = re.sub(r'<nav class="audit-toc site-toc".*?</nav>\n?', "", cover, flags=re.S)
    # the workbook is a file beside the pages, not part of the printed report: a link to it would
    # print as an absolute file:// address of the temporary print folder (different every time)
    cover = re.sub(r'<p class="workbook-link">.*?</p>\n?', "", cover, flags=re.S)
    cover = _prefix_ids(cover, "cover", known)
    toc = (f'<nav class="print-toc" id="contents"><h2>{escape(t("site.contents"))}</h2>'
           f'<ol>{"".join(contents)}</ol></nav>')
    if not head:
        head = (f'<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">\n'
                f"<title>{escape(title)}</title>\n<style>\n{CSS}\n</style>")
    head = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", head, count=1, flags=re.S)
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>{head}\n'
        "<style>tr.failed td { color: #b00020; font-weight: bold; }\n"
        + (synthetic_print_css(t) if synthetic else "") + "</style>\n</head>\n"
        f'<body class="jp-Notebook audit-print"><main>\n<section class="print-cover">{cover}</section>\n{toc}\n'
        + "\n".join(sections) + "\n</main></body>\n</html>\n"
    )


# ------------------------------------------------------------------ the build
def internal_page(run_dir: Path, name: str) -> Path:
    """The internal rendition (the report with its code) of one notebook."""
    return Path(run_dir) / INTERNAL_DIR / f"{name}.html"


def build_internal(run_dir: Path, names: list[str], language: str,
                   reuse: Mapping[str, Path] | None = None, mapper: Mapper = map,
                   synthetic: bool | None = None) -> list[str]:
    """``internal/<name>.html``: each report with its code, from the executed notebook; the
    notebooks in ``reuse`` get a copy of that (identical) rendition instead. ``mapper``
    renders the pages (``map``, or a process pool's ``map``). ``synthetic``: the synthetic-data
    banner; by default as the run's manifest says."""
    if synthetic is None:
        synthetic = bool(_read_json(run_dir / "manifest.json").get("synthetic_data"))
    out, jobs = [], []
    reuse = reuse or {}
    for name in names:
        dst = internal_page(run_dir, name)
        if name in reuse:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(reuse[name], dst)
            out.append(f"{name}.html")
            continue
        nb_path = run_dir / "notebooks" / f"{name}.ipynb"
        if not nb_path.is_file():
            continue
        res = _read_json(run_dir / "results" / f"{name}.json")
        jobs.append(RenderJob(nb_path, dst, language, public=False, failed=res.get("status") != "ok",
                              index_href="../index.html", synthetic=synthetic))
    for job, error in zip(jobs, mapper(render_file_or_error, jobs)):
        if error:  # the public site does not depend on the internal rendition
            _warn(f"no internal rendition of {job.html.stem}: {error}")
        else:
            out.append(job.html.name)
    out.sort(key=lambda page: names.index(page.removesuffix(".html")))
    return out


def build_site(run_dir: Path, language: str, *, pdf: bool | None = None, internal: bool = True,
               reuse_internal: Mapping[str, Path] | None = None, mapper: Mapper = map) -> SiteResult:
    """Build ``run_dir/site/``, the PDF and the internal rendition from the rendered run
    (``reuse_internal``: name -> a previous run's identical internal rendition to copy;
    ``mapper``: how the internal pages are rendered, see :func:`build_internal`).

    ``pdf=None`` follows ``AUDIT_PDF`` (on unless 0/off/false/no); the PDF is skipped with a
    warning, never an error, where Chromium is absent or fails."""
    run_dir = Path(run_dir)
    t = Texts(language)
    params, _ = _params(run_dir)
    synthetic = bool(_read_json(run_dir / "manifest.json").get("synthetic_data"))
    banner = synthetic_banner(t) if synthetic else ""
    run_name = str(params.get("run_name") or run_dir.name.lstrip(".").split(".staging")[0] or "report")
    site = run_dir / SITE_DIR
    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    result = SiteResult(site)
    names = report_names(run_dir)

    for name in names:
        html = (run_dir / f"{name}.html").read_text(encoding="utf-8")
        write_text(site / f"{name}.html", _with_csp(_nav_with_appendix(html, t)))
        result.pages.append(f"{name}.html")

    title = f"{t('common.index_title')} {params.get('audit_year', '')}".strip()
    appendix = _page(
        t("site.appendix_title"),
        f'<nav class="audit-nav"><a href="index.html">{escape("← " + t("common.index_title"))}</a></nav>\n'
        + banner + CONTENT_TARGET + appendix_body(run_dir, names, t),
        language,
    )
    appendix = _appendix_toc(appendix, t)
    write_text(site / APPENDIX, appendix)
    result.pages.append(APPENDIX)

    want_pdf = pdf_enabled() if pdf is None else pdf
    pdf_name = f"{run_name}.pdf"
    index_src = run_dir / "index.html"
    index_html = index_src.read_text(encoding="utf-8") if index_src.is_file() else _page(title, f"{banner}<h1>{escape(title)}</h1>", language)

    def write_index(with_pdf: bool) -> None:
        html = _with_csp(index_html)
        box = _contents(run_dir, names, t, pdf_name if with_pdf else None)
        end = html.rfind("</main>")
        html = html[:end] + box + html[end:] if end >= 0 else html + box
        write_text(site / "index.html", html)

    write_index(False)
    if "index.html" not in result.pages:
        result.pages.insert(0, "index.html")

    if want_pdf:
        if find_chromium() is None:
            _warn("no PDF: Chromium is not installed (apt-get install chromium); the site is complete without it")
            result.pdf = PdfResult(None, skipped="chromium absent")
        else:
            with tempfile.TemporaryDirectory(prefix="audit-print-") as tmp:
                doc = Path(tmp) / "print.html"
                doc.write_text(print_document(site, names, language, t, title, synthetic), encoding="utf-8")
                try:
                    result.pdf = html_to_pdf(doc, run_dir / pdf_name)
                except PdfError as e:
                    _warn(f"no PDF: {e}")
                    result.pdf = PdfResult(None, skipped=str(e))
            if result.pdf and result.pdf.path is not None:
                shutil.copyfile(result.pdf.path, site / pdf_name)
                write_index(True)
    else:
        result.pdf = PdfResult(None, skipped="switched off")

    if internal:
        result.internal = build_internal(run_dir, names, language, reuse_internal, mapper, synthetic)
    return result

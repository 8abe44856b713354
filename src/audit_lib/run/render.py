"""Executed notebook -> self-contained HTML (no code for the public rendition).

The ``audit`` nbconvert template (``report/templates/audit``) extends JupyterLab's, loads
nothing from the network and inlines the project's stylesheet. Cells tagged ``internal``
(analysts' notes) and the parameters cells are left out of the public rendition, as are
warnings printed to stderr; a failed notebook is rendered with its code and traceback under a
banner, so the failing cell is visible. The internal rendition (``public=False``) keeps the
code, under a banner saying it is for reviewers.

Every page carries a Content-Security-Policy that allows no script and no request at all
(styles and images inline only): the reports are static documents, so even a value that
slipped past the escaping in ``audit_lib.report.display`` could not run or call home. After
export, ``pageparts.finish_page`` adds what needs the whole page: unique heading ids, the
contents box of the ``h2``/``h3`` headings after the title cell, captions of report tables.
The marked blocks a later step replaces (the appendix) are in ``run/blocks.py``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import nbformat

from ..report.display import synthetic_banner
from ..report.texts import Texts
from .pageparts import finish_page
from .pool import worker_pool
from .soupless import Exporter

TEMPLATES = Path(str(resources.files("audit_lib.report") / "templates"))
CSS = (resources.files("audit_lib.report") / "static" / "audit.css").read_text(encoding="utf-8")
HIDDEN_TAGS = {"internal", "parameters", "injected-parameters", "remove-cell"}
# No script, no request: everything a page needs is inline (styles, SVG, data: images).
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)

# ``map`` or a process pool's ``map``: how a batch of pages is rendered.
Mapper = Callable[[Callable[["RenderJob"], Any], Iterable["RenderJob"]], Iterator[Any]]


def public_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and not o.get("metadata", {}).get("audit", {}).get("internal")  # Audit.show_internal
            ]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


@lru_cache(maxsize=8)
def exporter(show_code: bool, language: str) -> Exporter:
    """The ``audit`` template's exporter, made (and its template loaded and compiled) once per
    process for each rendition and language, then reused for every page: building one costs
    more than rendering a small page. Its settings are fixed; each page's own values go in the
    resources, and nbconvert registers its per-notebook filters again on every call."""
    return Exporter(  # type: ignore[no-untyped-call]  # nbconvert's traitlets constructor
        template_name="audit",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language,  # a trait: nbconvert overwrites a resource of that name with "en"
    )


def render_html(
    nb: nbformat.NotebookNode,
    *,
    language: str,
    public: bool = True,
    failed: bool = False,
    index_href: str = "index.html",
    appendix_html: str = "",
    toc: bool = True,
    synthetic: bool = False,
    index_label: str = "",
) -> str:
    """The report page of one executed notebook.

    ``public``: without code, internal cells and parameters; else the internal rendition with
    code (``failed`` reports always show their code). ``appendix_html`` (trusted markup made by
    the project, never data) closes the page. ``toc`` adds the contents box. ``synthetic``: the
    run's data package is synthetic (a banner says so at the top). ``index_label``: the
    back-link's words (default: the review's title, ``common.index_title``)."""
    t = Texts(language)
    show_code = not public or failed
    node = public_cells(nb) if (public and not failed) else nb
    body, _ = exporter(show_code, language).from_notebook_node(
        node,
        resources={
            "language_code": language,
            "audit_css": CSS,
            "audit_index_href": index_href,
            "audit_index_label": "← " + (index_label or t("common.index_title")),
            "audit_failed": failed,
            "audit_failed_text": t("common.failed_banner"),
            "audit_appendix": appendix_html,
            "audit_csp": CSP,
            "audit_internal": not public,
            "audit_internal_text": t("site.internal_banner"),
            "audit_skip_text": t("common.skip_link"),
            "audit_synthetic_html": synthetic_banner(t) if synthetic else "",
        },
    )
    return finish_page(body, t("site.contents"), toc)


@dataclass(frozen=True)
class RenderJob:
    """One report page to render from an executed notebook file (picklable, so the runner can
    render pages in parallel processes)."""

    notebook: Path
    html: Path
    language: str
    public: bool = True
    failed: bool = False
    index_href: str = "index.html"
    appendix_html: str = ""
    synthetic: bool = False
    index_label: str = ""  # the run's title (``index.run_title``); default the review's


def render_file(job: RenderJob) -> None:
    """Render ``job.notebook`` to ``job.html``."""
    nb = nbformat.read(str(job.notebook), as_version=4)  # type: ignore[no-untyped-call]
    write_text(
        job.html,
        render_html(
            nb,
            language=job.language,
            public=job.public,
            failed=job.failed,
            index_href=job.index_href,
            appendix_html=job.appendix_html,
            synthetic=job.synthetic,
            index_label=job.index_label,
        ),
    )


def render_file_or_error(job: RenderJob) -> str | None:
    """:func:`render_file`, returning the error (``"Type: message"``) instead of raising."""
    try:
        render_file(job)
    except Exception as e:
        return f"{type(e).__name__}: {e}"
    return None


def as_rendered(fragment: str) -> str:
    """``fragment`` as it comes out of nbconvert's HTML exporter, which parses every page with
    BeautifulSoup (``html.parser``) and prints it again: attributes sorted, void elements
    closed (``<br/>``), text re-escaped. A block spliced into a rendered page must go through
    the same pass to be what a fresh rendering would give."""
    from bs4 import BeautifulSoup

    return str(BeautifulSoup(fragment, features="html.parser"))


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@contextmanager
def render_pool(jobs: int) -> Iterator[Mapper]:
    """How report pages are rendered: ``jobs`` at a time in worker processes (nbconvert takes
    1–2 s a page), or in this process with one job."""
    if jobs <= 1:
        yield map
        return
    with worker_pool(jobs) as pool:
        yield pool.map

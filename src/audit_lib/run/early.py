"""Render a notebook's pages as soon as it has run (issue 18: rendering that costs little).

A report's public page depends on its executed notebook, its results (title, status), the
run's title, whether the data is synthetic, and its provenance appendix; the appendix holds no
time and nothing of the other notebooks (``manifest.appendix_html``: code, parameters, inputs,
packages), so it is known once the inputs are staged. The runner therefore renders each
notebook's public page and internal rendition in its own process while the workers execute
the next notebooks, instead of all of them after the last one. The pages are the bytes the
render step would write (the same function on the same inputs); the render step renders again
any page whose appendix turns out different, and every notebook that failed (its page is made
from results the render step writes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.texts import Texts
from . import profile
from .execute import NotebookRun
from .index import run_title
from .manifest import appendix_html, build_manifest
from .publish import page_of
from .render import RenderJob, render_file, render_file_or_error
from .site import internal_page
from .state import RESULTS, RunPlan, Staging


@dataclass
class EarlyPages:
    """The pages rendered during execution: ``appendices`` (name -> the appendix they carry),
    ``public`` and ``internal`` (names whose page is in place)."""

    appendices: dict[str, str] = field(default_factory=dict)
    public: set[str] = field(default_factory=set)
    internal: set[str] = field(default_factory=set)


def run_manifest(p: RunPlan, st: Staging, runs: list[NotebookRun], ended: float) -> dict[str, Any]:
    """The run's manifest with ``runs`` (``manifest.build_manifest``)."""
    return build_manifest(
        p.params,
        p.params_path,
        p.data,
        st.inputs,
        st.code,
        st.env,
        runs,
        p.started,
        ended,
        p.lang,
        p.notebook_dir,
        synthetic=st.synthetic,
    )


def early_pages(p: RunPlan, st: Staging) -> EarlyPages:
    """Each notebook's appendix, from what the staged run knows (no notebook has run yet)."""
    manifest = run_manifest(p, st, [], p.started)
    return EarlyPages({n.name: appendix_html(manifest, p.lang, n.name) for n in p.notebooks})


def render_early(p: RunPlan, st: Staging, pages: EarlyPages, r: NotebookRun) -> None:
    """Render the public page and the internal rendition of ``r``, an executed notebook whose
    results say ``ok`` (any other is left to the render step). A public page that cannot be
    rendered fails the run, as in the render step; an internal rendition that cannot be is left
    to the site step, which tries again and warns (the public site does not depend on it)."""
    if r.reused or r.status != "ok" or r.name not in pages.appendices:
        return
    from ..report.results import read_results

    if (read_results(st.folder / RESULTS, r.name) or {}).get("status") != "ok":
        return
    label = run_title([n.name for n in p.notebooks], Texts(p.lang))
    with profile.step(f"{r.name} early pages"):
        _, job = page_of(r, st.folder, p.lang, st.synthetic, label, pages.appendices.get)
        render_file(job)
        pages.public.add(r.name)
        internal = RenderJob(
            job.notebook,
            internal_page(st.folder, r.name),
            p.lang,
            public=False,
            index_href="../index.html",
            synthetic=st.synthetic,
            index_label=label,
        )
        if render_file_or_error(internal) is None:  # else the site step tries again and warns, as ever
            pages.internal.add(r.name)

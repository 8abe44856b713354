"""Rendering a finished run (each notebook's HTML report and the index page) and putting it
in place.

Called by the runner on the staging folder: :func:`render_reports` before the folder is moved
into place by :func:`swap_into_place`; :func:`remove_stale` cleans up after killed runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from ..contract.period import Period
from ..params import RunParams
from ..report.results import dumps, read_results, write_json_atomic
from ..report.texts import Texts
from .execute import NotebookRun, process_alive
from .index import index_html, run_title
from .render import Mapper, RenderJob, render_file, write_text


def render_reports(
    runs: list[NotebookRun],
    staging: Path,
    params: RunParams,
    lang: str,
    appendix: Callable[[str], str | None] | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    mapper: Mapper = map,
    synthetic: bool = False,
) -> None:
    """Render each notebook's HTML (with ``appendix(name)``, the provenance appendix, at the
    foot) and the index page. Notebooks in ``skip`` already have their HTML in place (copied
    from the previous run by the cache) and are only listed. ``mapper`` renders the pages
    (``map``, or a process pool's ``map`` to render them in parallel). ``synthetic``: the data
    package is synthetic; every page says so in a banner."""
    entries = []
    jobs: list[RenderJob] = []
    label = run_title([r.name for r in runs], Texts(lang))
    for r in runs:
        if r.name in skip and r.status == "ok":
            res = read_results(staging / "results", r.name) or {}
            entries.append(
                {
                    "name": r.name,
                    "title": res.get("title") or r.name,
                    "status": r.status,
                    "level": (res.get("assessment") or {}).get("level"),
                }
            )
            continue
        entry, job = page_of(r, staging, lang, synthetic, label, appendix)
        entries.append(entry)
        jobs.append(job)
    for _ in mapper(render_file, jobs):  # consume: a failed render raises here
        pass
    regions = ", ".join(getattr(v, lang) for v in params.regions.values())
    write_text(
        staging / "index.html",
        index_html(
            entries,
            lang,
            params.audit_year,
            regions,
            summary=read_results(staging / "results", "summary"),
            workbook=f"{params.run_name}.xlsx",
            period=Period.of(params).to_json(),
            synthetic=synthetic,
        ),
    )


def page_of(
    r: NotebookRun, staging: Path, lang: str, synthetic: bool, label: str, appendix: Callable[[str], str | None] | None
) -> tuple[dict[str, Any], RenderJob]:
    """The index entry and the render job of one executed notebook. A notebook that failed, or
    wrote no results with ``status: ok``, gets results that say so (its page shows the error)."""
    res = read_results(staging / "results", r.name)
    if r.status == "failed" or res is None or res.get("status") != "ok":
        r.status = "failed"
        res = {
            "notebook": r.name,
            "status": "failed",
            "error": r.error,
            "failed_cell": r.failed_cell,
            "title": (res or {}).get("title"),
            "synthetic_data": synthetic,
        }
        write_json_atomic(staging / "results" / f"{r.name}.json", dumps(res))
    nb_path = staging / "notebooks" / f"{r.name}.ipynb"
    nb = nbformat.read(str(nb_path), as_version=4)  # type: ignore[no-untyped-call]
    title = res.get("title") or r.name
    nb.metadata["title"] = title
    nbformat.write(nb, str(nb_path))  # type: ignore[no-untyped-call]
    job = RenderJob(
        nb_path,
        staging / f"{r.name}.html",
        lang,
        public=True,
        failed=r.status == "failed",
        appendix_html=(appendix(r.name) or "") if appendix else "",
        synthetic=synthetic,
        index_label=label,
    )
    level = (res.get("assessment") or {}).get("level") if r.status == "ok" else None
    return {"name": r.name, "title": title, "status": r.status, "level": level}, job


def remove_stale(out: Path) -> None:
    """Clean up after runs that were killed (their process no longer exists): remove their
    staging folders, and put back a previous output that a killed run had moved aside but not
    yet replaced. A running run's folders are left alone."""
    for p in sorted(out.parent.glob(f".{out.name}.old-*")) + sorted(out.parent.glob(f".{out.name}.staging-*")):
        pid = p.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or process_alive(int(pid)):
            continue
        if ".old-" in p.name and not out.exists():
            os.replace(p, out)
        else:
            shutil.rmtree(p, ignore_errors=True)


def swap_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` by ``staging`` (the old output is removed only after the swap)."""
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)

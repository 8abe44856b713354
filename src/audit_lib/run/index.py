"""The index page: the summary a reader opens first, like the report's closing table.

From the summary notebook's results (``results/summary.json``) and the run's own record of
which notebooks finished: the overall conclusion, the table of audit questions (question,
assessment, comment, each question linked to its report), the recommendations from the
evidence register, and the further analyses. A question whose notebook failed or did not run
is shown as such, never with an assessment; the run's record wins over what the summary
notebook could tell. Without a summary (``--only`` without it, or the summary failed) the page
lists the reports that ran.

``closing_table`` is shared with the summary notebook, so both show the same table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from ..report.display import CONTENT_TARGET, LEVEL_CLASS, skip_link, synthetic_banner
from ..report.jinja import markup, render
from ..report.texts import Texts

CSS = (resources.files("audit_lib.report") / "static" / "audit.css").read_text(encoding="utf-8")

INDEX_CSS = """
tr.failed td { color: #b00020; font-weight: bold; }
.closing td.level { white-space: nowrap; font-weight: 600; }
.closing td.level.lvl-ja { color: #2b7a3d; } .closing td.level.lvl-stor { color: #4d7a1f; }
.closing td.level.lvl-viss { color: #9a6a00; } .closing td.level.lvl-nej { color: #b00020; }
.closing td.status-failed { color: #b00020; font-weight: bold; }
.closing td.status-not_run { color: #666; font-style: italic; }
.closing .note { display: block; font-weight: normal; font-size: 0.82rem; color: #555; }
.closing .generated { color: #666; font-size: 0.82rem; }
.conclusion { border: 2px solid #1f5f99; border-radius: 6px; padding: 0.8rem 1rem; margin: 0.8rem 0 1.2rem;
  max-width: 48rem; }
.conclusion p.sentence { font-size: 1.08rem; font-weight: 600; margin: 0 0 0.4rem; }
ol.recommendations li { margin-bottom: 0.4rem; line-height: 1.45; max-width: 48rem; }
.rec-q { color: #555; font-size: 0.88rem; }
"""


def question_text(t: Texts, row: Mapping[str, Any]) -> str:
    key = f"summary.question.{row['question']}"
    return t(key) if t.has(key) else (row.get("title") or row["question"])


def closing_table(rows: Sequence[Mapping[str, Any]], t: Texts, link: bool = True) -> str:
    """The report's closing table as HTML: question (linked to its report when ``link``),
    assessment, comment. ``rows`` are the summary's ``assessments`` values; a row whose status
    is not ``ok`` shows its status, never a level."""
    return render(
        "closing_table.html.j2",
        rows=[_closing_row(r, t, link) for r in rows],
        caption=t("summary.table_heading"),
        col_question=t("summary.col_question"),
        col_assessment=t("summary.col_assessment"),
        col_comment=t("summary.col_comment"),
    )


def _closing_row(r: Mapping[str, Any], t: Texts, link: bool) -> dict[str, Any]:
    """One row of the closing table, as its template shows it."""
    status = r.get("status") or "not_run"
    row: dict[str, Any] = {
        "question": question_text(t, r),
        "notebook": r["notebook"],
        "failed": status == "failed",
        "link": link and r.get("status") != "not_run",
        "status": None,
        "level_class": None,
    }
    if status != "ok":
        return {**row, "status": status, "assessment": t(f"summary.status.{status}")}
    if not r.get("level"):
        return {**row, "assessment": t("summary.status.no_assessment")}
    overridden = r.get("overridden") and r.get("computed_level") and r["computed_level"] != r["level"]
    return {
        **row,
        "level_class": LEVEL_CLASS.get(r["level"], ""),
        "assessment": t("level." + r["level"]),
        "note": t("summary.overridden_note", computed=t("level." + r["computed_level"])) if overridden else None,
        "comment": r.get("comment") or "–",
        "generated": t("summary.generated_note") if r.get("comment_source") == "rule" else None,
    }


def recommendations_list(recs: list[Mapping[str, Any]], t: Texts) -> str:
    """The recommendations as a numbered list, each with the question it answers."""
    items = []
    for r in recs:
        q = r.get("question")
        n = q[1:] if q and q[:1] == "q" and q[1:].isdigit() else q
        items.append({"text": r.get("text"), "question": t("summary.recommendation_question", n=n) if q else None})
    return render("recommendations.html.j2", recommendations=items, empty=t("summary.no_recommendations"))


def _rows_with_run_status(summary: Mapping[str, Any], entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary's rows, with the status the run itself recorded (a notebook that failed is
    failed, whatever the summary could tell; one absent from the run was not run)."""
    by_name = {e["name"]: e for e in entries}
    rows = []
    for r in (summary.get("assessments") or {}).values():
        r = dict(r)
        e = by_name.get(r["notebook"])
        if e is None:
            r["status"] = "not_run"
        elif e["status"] != "ok":
            r["status"] = "failed"
        if r["status"] != "ok":
            r.update(level=None, computed_level=None, overridden=False, comment=None)
        rows.append(r)
    return rows


def index_html(
    entries: list[dict[str, Any]],
    language: str,
    year: int,
    regions: str,
    summary: Mapping[str, Any] | None = None,
    workbook: str | None = None,
    period: Mapping[str, str] | None = None,
    synthetic: bool = False,
) -> str:
    """``entries``: the run's notebooks in order, dicts with ``name``, ``title``, ``status``
    (ok/failed), ``level`` or None. ``summary``: the summary notebook's results, or None.
    ``workbook``: the file name of the run's findings workbook, linked at the foot.
    ``period``: ``start`` and ``end`` (ISO dates; default the whole year). ``synthetic``: the
    data package is synthetic (a banner says so)."""
    from .render import CSP  # here, not at the top: the summary kernel imports this module
    from .signoff import draft_banner

    t = Texts(language)
    summary_ok = (
        summary is not None
        and summary.get("status") == "ok"
        and any(e["name"] == "summary" and e["status"] == "ok" for e in entries)
    )
    period = period or {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    rows = _rows_with_run_status(summary, entries) if summary is not None and summary_ok else []
    failed = any(e["name"] == "summary" and e["status"] != "ok" for e in entries)
    shown = {r["notebook"] for r in rows} | ({"summary"} if summary_ok else set())
    own = own_index(entries, t)
    scope = (
        t(f"{own}.index_scope")
        if own
        else t("common.scope", year=year, regions=regions, start=period["start"], end=period["end"])
    )
    return render(
        "index.html.j2",
        language=language,
        csp=CSP,
        title=t(f"{own or 'common'}.index_title"),
        year=year,
        css=markup(CSS),
        index_css=markup(INDEX_CSS),
        skip_link=markup(skip_link(t)),
        content_target=markup(CONTENT_TARGET),
        draft_banner=markup(draft_banner(language)),  # removed in place when a reviewer signs (run/signoff.py)
        synthetic_banner=markup(synthetic_banner(t) if synthetic else ""),
        scope=scope,
        summary=_summary_part(summary, rows, t) if summary is not None and summary_ok else None,
        no_summary=t("summary.status.failed") if failed else t("summary.not_available"),
        others=_others_part([e for e in entries if e["name"] not in shown], summary_ok, t),
        workbook=workbook,
        workbook_link=t("workbook.link"),
    )


def own_index(entries: list[dict[str, Any]], t: Texts) -> str | None:
    """The notebook whose own title and scope the index takes: a run of one notebook that has
    texts ``<name>.index_title`` and ``<name>.index_scope`` (the method-validation run, which is
    not a region's review); None for a review."""
    names = [e["name"] for e in entries]
    if len(names) == 1 and t.has(f"{names[0]}.index_title") and t.has(f"{names[0]}.index_scope"):
        return str(names[0])
    return None


def run_title(names: list[str], t: Texts) -> str:
    """What the run is called on its pages (back-links, the appendix, the PDF): the review's
    title, or a standalone run's own (:func:`own_index`)."""
    own = own_index([{"name": n} for n in names], t)
    return t(f"{own or 'common'}.index_title")


def run_scope(params: Mapping[str, Any], t: Texts, names: list[str]) -> str:
    """The run's scope (audit year, period, regions) in the words of every report's first line,
    from its resolved parameters, or a standalone run's own (:func:`own_index`); empty where the
    parameters are missing."""
    if own := own_index([{"name": n} for n in names], t):
        return t(f"{own}.index_scope")
    year, start, end = params.get("audit_year"), params.get("period_start"), params.get("period_end")
    if not (year and start and end):
        return ""
    regions = ", ".join(
        str(r.get(t.language, "")) for r in (params.get("regions") or {}).values() if isinstance(r, dict)
    )
    return t("common.scope", year=year, start=start, end=end, regions=regions)


def _summary_part(summary: Mapping[str, Any], rows: list[dict[str, Any]], t: Texts) -> dict[str, Any]:
    """The conclusion, the closing table and the recommendations, from the summary's results."""
    c = summary.get("conclusion") or {}
    causal = c.get("causality")
    return {
        "conclusion_heading": t("summary.conclusion_heading"),
        "sentence": c.get("sentence", ""),
        "comment": c.get("comment"),
        "causality": {
            "heading": t("summary.causality_heading"),
            "items": causal.get("items", []),
            "note": causal.get("note", ""),
        }
        if causal
        else None,
        "answer_by": t("summary.answer_by", date=c["answer_by"]) if c.get("answer_by") else None,
        "how_link": t("summary.how_link"),
        "table_heading": t("summary.table_heading"),
        "closing_table": markup(closing_table(rows, t)),
        "recommendations_heading": t("summary.recommendations_heading"),
        "recommendations_intro": t("summary.recommendations_intro"),
        "recommendations": markup(recommendations_list(summary.get("recommendations") or [], t)),
    }


def _others_part(others: list[dict[str, Any]], summary_ok: bool, t: Texts) -> dict[str, Any] | None:
    """The reports not in the closing table (all of them without a summary), with their status."""
    if not others:
        return None
    rows = [
        {
            "name": e["name"],
            "title": e.get("title") or e["name"],
            "failed": e["status"] == "failed",
            "level": t(f"level.{e['level']}") if e.get("level") and e["status"] == "ok" else t("common.no_assessment"),
            "status": t(f"common.status_{e['status']}"),
        }
        for e in others
    ]
    return {
        "heading": t("summary.other_heading") if summary_ok else t("summary.reports_heading"),
        "rows": rows,
        "col_report": t("summary.col_report"),
        "col_assessment": t("common.index_assessment"),
        "col_status": t("common.index_status"),
    }

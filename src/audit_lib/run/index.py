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

from collections.abc import Mapping
from importlib import resources
from typing import Any

from ..report.display import CONTENT_TARGET, LEVEL_CLASS, esc, skip_link, synthetic_banner
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


def closing_table(rows: list[Mapping[str, Any]], t: Texts, link: bool = True) -> str:
    """The report's closing table as HTML: question (linked to its report when ``link``),
    assessment, comment. ``rows`` are the summary's ``assessments`` values; a row whose status
    is not ``ok`` shows its status, never a level."""
    body = []
    for r in rows:
        q = esc(question_text(t, r))
        q_cell = f'<a href="{esc(r["notebook"])}.html">{q}</a>' if link and r.get("status") != "not_run" else q
        status = r.get("status") or "not_run"
        if status != "ok":
            a_cell = f'<td class="status-{esc(status)}">{esc(t(f"summary.status.{status}"))}</td>'
            comment = "–"
        elif not r.get("level"):
            a_cell = f'<td>{esc(t("summary.status.no_assessment"))}</td>'
            comment = "–"
        else:
            note = ""
            if r.get("overridden") and r.get("computed_level") and r["computed_level"] != r["level"]:
                note = (f'<span class="note">{esc(t("summary.overridden_note", computed=t("level." + r["computed_level"])))}'
                        "</span>")
            a_cell = (f'<td class="level {LEVEL_CLASS.get(r["level"], "")}">{esc(t("level." + r["level"]))}'
                      f"{note}</td>")
            comment = esc(r.get("comment") or "–")
            if r.get("comment_source") == "rule":
                comment += f' <span class="generated">{esc(t("summary.generated_note"))}</span>'
        cls = ' class="failed"' if status == "failed" else ""
        body.append(f"<tr{cls}><td>{q_cell}</td>{a_cell}<td>{comment}</td></tr>")
    return (
        '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="closing-caption">'
        f'<table class="audit-table closing"><caption id="closing-caption" class="visually-hidden">'
        f'{esc(t("summary.table_heading"))}</caption><thead><tr>'
        f'<th scope="col">{esc(t("summary.col_question"))}</th><th scope="col">{esc(t("summary.col_assessment"))}</th>'
        f'<th scope="col">{esc(t("summary.col_comment"))}</th></tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )


def recommendations_list(recs: list[Mapping[str, Any]], t: Texts) -> str:
    if not recs:
        return f"<p>{esc(t('summary.no_recommendations'))}</p>"
    items = []
    for r in recs:
        q = r.get("question")
        n = q[1:] if q and q[:1] == "q" and q[1:].isdigit() else q
        tail = f' <span class="rec-q">{esc(t("summary.recommendation_question", n=n))}</span>' if q else ""
        items.append(f"<li>{esc(r.get('text'))}{tail}</li>")
    return f'<ol class="recommendations">{"".join(items)}</ol>'


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


def index_html(entries: list[dict[str, Any]], language: str, year: int, regions: str,
               summary: Mapping[str, Any] | None = None, workbook: str | None = None,
               period: Mapping[str, str] | None = None, synthetic: bool = False) -> str:
    """``entries``: the run's notebooks in order, dicts with ``name``, ``title``, ``status``
    (ok/failed), ``level`` or None. ``summary``: the summary notebook's results, or None.
    ``workbook``: the file name of the run's findings workbook, linked at the foot.
    ``period``: ``start`` and ``end`` (ISO dates; default the whole year). ``synthetic``: the
    data package is synthetic (a banner says so)."""
    from .render import CSP  # here, not at the top: the summary kernel imports this module
    from .signoff import draft_banner

    t = Texts(language)
    summary_ok = bool(summary) and summary.get("status") == "ok" and any(
        e["name"] == "summary" and e["status"] == "ok" for e in entries)
    period = period or {"start": f"{year}-01-01", "end": f"{year}-12-31"}
    parts = [
        draft_banner(language),  # removed in place when a reviewer signs (run/signoff.py)
        synthetic_banner(t) if synthetic else "",
        f'<h1 class="report-title">{esc(t("common.index_title"))} {year}</h1>',
        f"<p>{esc(t('common.scope', year=year, regions=regions, start=period['start'], end=period['end']))}</p>",
    ]
    question_notebooks: set[str] = set()
    if summary_ok:
        rows = _rows_with_run_status(summary, entries)
        question_notebooks = {r["notebook"] for r in rows}
        c = summary.get("conclusion") or {}
        comment = f"<p>{esc(c['comment'])}</p>" if c.get("comment") else ""
        causal = c.get("causality")
        if causal:
            comment += (f'<h3>{esc(t("summary.causality_heading"))}</h3><ul>'
                        + "".join(f"<li>{esc(i)}</li>" for i in causal.get("items", []))
                        + f'</ul><p>{esc(causal.get("note", ""))}</p>')
        if c.get("answer_by"):
            comment += f'<p class="answer-by">{esc(t("summary.answer_by", date=c["answer_by"]))}</p>'
        parts += [
            f'<h2 id="conclusion">{esc(t("summary.conclusion_heading"))}</h2>',
            f'<div class="conclusion"><p class="sentence">{esc(c.get("sentence", ""))}</p>{comment}'
            f'<p><a href="summary.html">{esc(t("summary.how_link"))}</a></p></div>',
            f'<h2 id="questions">{esc(t("summary.table_heading"))}</h2>',
            closing_table(rows, t),
            f'<h2 id="recommendations">{esc(t("summary.recommendations_heading"))}</h2>',
            f"<p>{esc(t('summary.recommendations_intro'))}</p>",
            recommendations_list(summary.get("recommendations") or [], t),
        ]
    else:
        failed = any(e["name"] == "summary" and e["status"] != "ok" for e in entries)
        note = t("summary.status.failed") if failed else t("summary.not_available")
        parts.append(f'<div class="callout callout-warning">{esc(note)}</div>')
    others = [e for e in entries if e["name"] not in question_notebooks and not (summary_ok and e["name"] == "summary")]
    if others:
        heading = t("summary.other_heading") if summary_ok else t("summary.reports_heading")
        rows_html = []
        for e in others:
            level = t(f"level.{e['level']}") if e.get("level") and e["status"] == "ok" else t("common.no_assessment")
            status = t(f"common.status_{e['status']}")
            cls = ' class="failed"' if e["status"] == "failed" else ""
            rows_html.append(
                f"<tr{cls}><td><a href=\"{esc(e['name'])}.html\">{esc(e.get('title') or e['name'])}</a></td>"
                f"<td>{esc(level)}</td><td>{esc(status)}</td></tr>"
            )
        parts += [
            f'<h2 id="reports">{esc(heading)}</h2>',
            '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="reports-caption">'
            f'<table class="audit-table"><caption id="reports-caption" class="visually-hidden">{esc(heading)}</caption>'
            f'<thead><tr><th scope="col">{esc(t("summary.col_report"))}</th>'
            f"<th scope=\"col\">{esc(t('common.index_assessment'))}</th>"
            f"<th scope=\"col\">{esc(t('common.index_status'))}</th></tr></thead>"
            f"<tbody>{''.join(rows_html)}</tbody></table></div>",
        ]
    if workbook:
        parts.append(f'<p class="workbook-link"><a href="{esc(workbook)}">{esc(t("workbook.link"))}</a></p>')
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        f"<title>{esc(t('common.index_title'))} {year}</title>\n<style>\n{CSS}\n{INDEX_CSS}</style>\n</head>\n"
        f'<body class="audit-index"><main>\n{skip_link(t)}{CONTENT_TARGET}\n' + "\n".join(parts) + "\n</main></body>\n</html>\n"
    )

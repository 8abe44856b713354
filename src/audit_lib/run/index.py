"""The index page: every question run, its assessment, its status and a link."""

from __future__ import annotations

from importlib import resources
from typing import Any

from ..report.display import esc
from ..report.texts import Texts

CSS = (resources.files("audit_lib.report") / "static" / "audit.css").read_text(encoding="utf-8")


def index_html(entries: list[dict[str, Any]], language: str, year: int, regions: str) -> str:
    """``entries``: dicts with ``name``, ``title``, ``status`` (ok/failed), ``level`` or None."""
    t = Texts(language)
    rows = []
    for e in entries:
        level = t(f"level.{e['level']}") if e.get("level") else t("common.no_assessment")
        status = t(f"common.status_{e['status']}")
        cls = ' class="failed"' if e["status"] == "failed" else ""
        rows.append(
            f"<tr{cls}><td><a href=\"{esc(e['name'])}.html\">{esc(e.get('title') or e['name'])}</a></td>"
            f"<td>{esc(level)}</td><td>{esc(status)}</td></tr>"
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{esc(t('common.index_title'))} {year}</title>\n<style>\n{CSS}\n"
        f"tr.failed td {{ color: #b00020; font-weight: bold; }}\n</style>\n</head>\n"
        f'<body class="audit-index"><main>\n<h1 class="report-title">{esc(t("common.index_title"))} {year}</h1>\n'
        f"<p>{esc(t('common.scope', year=year, regions=regions))}</p>\n<p>{esc(t('common.index_intro'))}</p>\n"
        f'<div class="table-wrap"><table class="audit-table"><thead><tr><th>{esc(t("common.index_question"))}</th>'
        f"<th>{esc(t('common.index_assessment'))}</th><th>{esc(t('common.index_status'))}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>\n</main></body>\n</html>\n"
    )

"""The findings workbook: ``<run>/<run name>.xlsx``, built from a finished run's
``results/*.json`` and ``manifest.json`` (no re-analysis).

Sheets, named from the text catalog (``texts/workbook.yaml``) in the run's language:

- contents: run, audit year, language, code version, parameter hash, synthetic-data flag, the
  data package's files with their sha256, and each notebook's status;
- the closing table (from ``results/summary.json``), the conclusion and the recommendations;
- per notebook: its key figures (every scalar in its results, with ``low``/``high`` where the
  results give an interval), then one sheet per table or list in its results, in full.

Numbers are written as numbers (kronor with thousands separators, shares as percentages),
ISO dates as dates, text always as text (``write_string``: a cell beginning with ``=``,
``+``, ``-`` or ``@`` is never a formula). Header rows are frozen and filterable, columns
sized to their content. The document's creation time is fixed, so the same results give the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .texts import Texts

CREATED = dt.datetime(2000, 1, 1)  # fixed document property: identical bytes on rerun
MAX_WIDTH = 60
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
PERCENT_WORDS = ("share", "rate", "coverage", "attainment", "tainting")
META_KEYS = {"notebook", "status", "title", "language", "audit_year", "assessment", "assessment_text"}


# ------------------------------------------------------------------ reading the run
def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _results(run_dir: Path, manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The notebooks' results in the run's order (the manifest's), then any others by name."""
    folder = run_dir / "results"
    names = [e["name"] for e in manifest.get("notebooks", [])]
    names += sorted(p.stem for p in folder.glob("*.json") if p.stem not in names)
    return [(n, _json(folder / f"{n}.json")) for n in names if (folder / f"{n}.json").is_file()]


def run_name(run_dir: Path, manifest: dict[str, Any]) -> str:
    return str((manifest.get("params") or {}).get("run_name") or Path(run_dir).name)


def workbook_path(run_dir: Path) -> Path:
    """``<run_dir>/<run name>.xlsx``."""
    run_dir = Path(run_dir)
    return run_dir / f"{run_name(run_dir, _json(run_dir / 'manifest.json'))}.xlsx"


# ------------------------------------------------------------------ shaping results
def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """(dotted key, scalar) for every scalar under ``value`` (lists of scalars of length 2
    named ``*_interval`` become ``*_low``/``*_high``); tables are left out."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        if prefix.endswith("_interval") and len(value) == 2 and all(_is_number(v) or v is None for v in value):
            base = prefix.removesuffix("_interval")
            yield f"{base}_low", value[0]
            yield f"{base}_high", value[1]
    else:
        yield prefix, value


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def key_figures(results: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    """(figure, value, low, high): each scalar of the results; a ``<key>_low``/``<key>_high``
    pair (or ``low``/``high`` beside ``estimate``) is put on the row of its figure."""
    flat = dict(kv for k, v in results.items() if k not in META_KEYS for kv in _flatten(v, k))

    def bounds(key: str) -> tuple[str, str] | None:
        if key.endswith(".estimate"):
            stem = key.removesuffix(".estimate")
            pair = (f"{stem}.low", f"{stem}.high")
        else:
            pair = (f"{key}_low", f"{key}_high")
        return pair if all(p in flat for p in pair) else None

    attached = {p for k in flat if (b := bounds(k)) for p in b}
    rows = []
    for key, value in flat.items():
        if key in attached:
            continue
        b = bounds(key)
        rows.append((key, value, flat[b[0]] if b else None, flat[b[1]] if b else None))
    return rows


def tables(results: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Every list in the results (at any depth), as rows: lists of records as they are, lists
    of scalars (exception lists of ids) as one column."""
    out: list[tuple[str, list[dict[str, Any]]]] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if not (key == "" and k in META_KEYS):
                    walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list) and value and not key.endswith("_interval"):
            if all(isinstance(r, dict) for r in value):
                out.append((key, value))
            elif all(not isinstance(r, (dict, list)) for r in value):
                out.append((key, [{key.rsplit(".", 1)[-1]: r} for r in value]))

    walk(results, "")
    return out


# ------------------------------------------------------------------ writing
class _Writer:
    def __init__(self, path: Path, language: str) -> None:
        import xlsxwriter

        self.t = Texts(language)
        self.wb = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        )
        self.wb.set_properties({"created": CREATED, "title": "", "author": ""})
        f = self.wb.add_format
        self.fmt = {
            "header": f({"bold": True, "bg_color": "#DCE6F1", "bottom": 1, "text_wrap": True}),
            "title": f({"bold": True, "font_size": 13}),
            "sek": f({"num_format": "#,##0"}),
            "number": f({"num_format": "#,##0.###"}),
            "int": f({"num_format": "#,##0"}),
            "percent": f({"num_format": "0.0%"}),
            "date": f({"num_format": "yyyy-mm-dd"}),
            "text": None,
        }
        self.names: set[str] = set()

    def label(self, key: str, notebook: str = "") -> str:
        """A column's or figure's name: from the catalog where it has one (the workbook's own
        names, then the notebook's column names ``<notebook>.col_<key>``), else the key."""
        leaf = key.rsplit(".", 1)[-1]
        for k in (f"workbook.col.{key}", f"workbook.col.{leaf}", f"{notebook}.col_{leaf}"):
            if self.t.has(k):
                return self.t(k)
        return key

    def sheet(self, name: str):
        base = _BAD_SHEET_CHARS.sub("_", name).strip("'")[:31] or "_"
        candidate, i = base, 2
        while candidate.lower() in self.names:
            suffix = f" ({i})"
            candidate, i = base[: 31 - len(suffix)] + suffix, i + 1
        self.names.add(candidate.lower())
        return self.wb.add_worksheet(candidate)

    def cell_format(self, key: str, value: Any) -> str:
        k = key.lower()
        if isinstance(value, bool) or not _is_number(value):
            return "text"
        if k.endswith("_sek") or "_sek_" in k or k.endswith("sek") or k in ("value", "reported", "recomputed"):
            return "sek"
        if any(w in k for w in PERCENT_WORDS) and abs(value) <= 1.5:
            return "percent"
        return "int" if isinstance(value, int) else "number"

    def write(self, ws, row: int, col: int, key: str, value: Any) -> int:
        """Write one cell by type; returns the width its text needs."""
        if value is None:
            return 1
        if isinstance(value, bool):
            ws.write_boolean(row, col, value)
            return 5
        if _is_number(value):
            kind = self.cell_format(key, value)
            ws.write_number(row, col, value, self.fmt[kind])
            return min(len(f"{value:,.2f}") if isinstance(value, float) else len(f"{value:,}"), 20) + 1
        if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
            value = ", ".join("" if v is None else str(v) for v in value)
        elif isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        text = str(value)
        if _DATE.match(text):
            try:
                ws.write_datetime(row, col, dt.datetime.strptime(text, "%Y-%m-%d"), self.fmt["date"])
                return 11
            except ValueError:
                pass
        ws.write_string(row, col, text)
        return len(text)

    def table(
        self,
        ws,
        rows: list[dict[str, Any]],
        columns: list[str] | None = None,
        first_row: int = 0,
        headers: list[str] | None = None,
        notebook: str = "",
    ) -> int:
        """A filterable table with a frozen header at ``first_row``; returns the next free row."""
        cols = columns or list(dict.fromkeys(k for r in rows for k in r))
        heads = headers or [self.label(c, notebook) for c in cols]
        seen: dict[str, int] = {}
        for j, h in enumerate(heads):  # two keys with one name: tell them apart
            seen[h] = seen.get(h, 0) + 1
            if seen[h] > 1:
                heads[j] = f"{h} ({cols[j]})"
        widths = [min(max(len(h), 6), MAX_WIDTH) for h in heads]
        for j, h in enumerate(heads):
            ws.write_string(first_row, j, h, self.fmt["header"])
        for i, r in enumerate(rows, start=first_row + 1):
            for j, c in enumerate(cols):
                widths[j] = min(max(widths[j], self.write(ws, i, j, c, r.get(c))), MAX_WIDTH)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w + 2)
        if cols:
            ws.autofilter(first_row, 0, first_row + len(rows), len(cols) - 1)
        ws.freeze_panes(first_row + 1, 0)
        return first_row + len(rows) + 2


def _contents(w: _Writer, run_dir: Path, manifest: dict[str, Any], results: list[tuple[str, dict]]) -> None:
    t = w.t
    params = manifest.get("params") or {}
    code = manifest.get("code") or {}
    synthetic = [bool(r["synthetic_data"]) for _, r in results if "synthetic_data" in r]
    facts = [
        ("run", run_name(run_dir, manifest)),
        ("audit_year", params.get("audit_year")),
        ("language", manifest.get("language")),
        ("commit", code.get("commit")),
        ("source_sha256", code.get("source_sha256")),
        ("params_sha256", manifest.get("params_sha256")),
        ("synthetic_data", (t("workbook.yes") if any(synthetic) else t("workbook.no")) if synthetic else "–"),
    ]
    ws = w.sheet(t("workbook.sheet_contents"))
    ws.write_string(0, 0, t("workbook.title", run=run_name(run_dir, manifest)), w.fmt["title"])
    rows = [{"what": t(f"workbook.fact.{k}"), "value": v} for k, v in facts]
    nxt = w.table(ws, rows, ["what", "value"], first_row=2, headers=[t("workbook.col_what"), t("workbook.col_value")])
    status = {e["name"]: e.get("status") for e in manifest.get("notebooks", [])}
    nb_rows = [
        {"notebook": n, "title": r.get("title") or n, "status": status.get(n, r.get("status"))} for n, r in results
    ]
    ws.write_string(nxt, 0, t("workbook.notebooks"), w.fmt["title"])
    for j, h in enumerate([t("workbook.col_notebook"), t("workbook.col_title"), t("workbook.col_status")]):
        ws.write_string(nxt + 1, j, h, w.fmt["header"])
    for i, r in enumerate(nb_rows, start=nxt + 2):
        for j, c in enumerate(("notebook", "title", "status")):
            w.write(ws, i, j, c, r[c])
    nxt += len(nb_rows) + 3
    ws.write_string(nxt, 0, t("workbook.inputs"), w.fmt["title"])
    ws.write_string(nxt + 1, 0, t("workbook.col_file"), w.fmt["header"])
    ws.write_string(nxt + 1, 1, "sha256", w.fmt["header"])
    for i, (label, v) in enumerate(sorted((manifest.get("inputs") or {}).items()), start=nxt + 2):
        ws.write_string(i, 0, label)
        ws.write_string(i, 1, str(v.get("sha256", "")))
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 68)


def _closing(w: _Writer, summary: dict[str, Any]) -> None:
    t = w.t
    ws = w.sheet(t("workbook.sheet_closing"))
    rows = []
    for r in (summary.get("assessments") or {}).values():
        key = f"summary.question.{r.get('question')}"
        level = r.get("level")
        rows.append(
            {
                "question": t(key) if t.has(key) else (r.get("title") or r.get("question")),
                "assessment": t(f"level.{level}")
                if level and r.get("status") == "ok"
                else t(f"summary.status.{r.get('status') or 'not_run'}"),
                "comment": r.get("comment") or "",
                "notebook": r.get("notebook"),
            }
        )
    nxt = w.table(
        ws,
        rows,
        ["question", "assessment", "comment", "notebook"],
        headers=[
            t("summary.col_question"),
            t("summary.col_assessment"),
            t("summary.col_comment"),
            t("workbook.col_notebook"),
        ],
    )
    conclusion = summary.get("conclusion") or {}
    ws.write_string(nxt, 0, t("summary.conclusion_heading"), w.fmt["title"])
    w.write(ws, nxt + 1, 0, "text", conclusion.get("sentence") or "")
    ws.write_string(nxt + 3, 0, t("summary.recommendations_heading"), w.fmt["title"])
    for i, rec in enumerate(summary.get("recommendations") or [], start=nxt + 4):
        w.write(ws, i, 0, "text", rec.get("text") or "")
        w.write(ws, i, 1, "question", rec.get("question") or "")


def _notebook(w: _Writer, name: str, results: dict[str, Any]) -> None:
    t = w.t
    short = t(f"workbook.short.{name}") if t.has(f"workbook.short.{name}") else name
    ws = w.sheet(short)
    figures = [
        {"figure": w.label(k, name), "key": k, "value": v, "low": lo, "high": hi}
        for k, v, lo, hi in key_figures(results)
    ]
    ws.write_string(0, 0, str(results.get("title") or name), w.fmt["title"])
    heads = [
        t("workbook.col_figure"),
        t("workbook.col_value"),
        t("workbook.col_low"),
        t("workbook.col_high"),
        t("workbook.col_key"),
    ]
    # each row's number format follows its own key, not the column's
    for j, h in enumerate(heads):
        ws.write_string(2, j, h, w.fmt["header"])
    widths = [len(h) + 2 for h in heads]
    for i, f in enumerate(figures, start=3):
        widths[0] = max(widths[0], w.write(ws, i, 0, "text", f["figure"]))
        for j, c in ((1, "value"), (2, "low"), (3, "high")):
            widths[j] = max(widths[j], w.write(ws, i, j, f["key"], f[c]))
        widths[4] = max(widths[4], w.write(ws, i, 4, "text", f["key"]))
    for j, wd in enumerate(widths):
        ws.set_column(j, j, min(wd, MAX_WIDTH) + 2)
    ws.autofilter(2, 0, 2 + len(figures), len(heads) - 1)
    ws.freeze_panes(3, 0)
    level = (results.get("assessment") or {}).get("level")
    if results.get("status") != "ok":
        ws.write_string(1, 0, t("workbook.failed"))
    elif level:
        ws.write_string(1, 0, t("workbook.assessment", level=t(f"level.{level}")))
    tab = t(f"workbook.tab.{name}") if t.has(f"workbook.tab.{name}") else short
    for key, rows in tables(results):
        w.table(w.sheet(f"{tab} {w.label(key, name)}"), rows, notebook=name)


def write_workbook(run_dir: Path, language: str) -> Path:
    """Write ``<run_dir>/<run name>.xlsx`` from the run's results and manifest; return its path.
    Where the run has a published site (``site/``), a copy goes there too (the index links it),
    and ``manifest.json`` records the workbook's name and sha256."""
    run_dir = Path(run_dir)
    manifest = _json(run_dir / "manifest.json")
    results = _results(run_dir, manifest)
    path = run_dir / f"{run_name(run_dir, manifest)}.xlsx"
    w = _Writer(path, language)
    _contents(w, run_dir, manifest, results)
    summary = dict(results).get("summary")
    if summary and summary.get("status") == "ok":
        _closing(w, summary)
    for name, res in results:
        if name != "summary":
            _notebook(w, name, res)
    w.wb.close()
    if (run_dir / "site").is_dir():
        shutil.copyfile(path, run_dir / "site" / path.name)
    if manifest:
        from ..run.manifest import sha256_file
        from .results import dumps, write_json_atomic

        manifest["workbook"] = {"path": path.name, "sha256": sha256_file(path)}
        write_json_atomic(run_dir / "manifest.json", dumps(manifest))
    return path

"""Display helpers: every piece of a report as escaped HTML.

All text that may come from data (titles, reasons, evidence, names) passes through
``html.escape`` here, so a procurement titled ``<script>...`` shows as text. Figures are
inline SVG with fixed ids and no timestamps, so reruns give identical bytes.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from ..assess import Assessment
from .fmt import MISSING
from .texts import Texts

LEVEL_CLASS = {"ja": "lvl-ja", "till_stor_del": "lvl-stor", "till_viss_del": "lvl-viss", "nej": "lvl-nej"}


class Html:
    """An HTML fragment that Jupyter displays as HTML (``_repr_html_``)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __add__(self, other: Html) -> Html:
        return Html(self.markup + other.markup)

    def __str__(self) -> str:
        return self.markup


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def synthetic_banner(t: Texts) -> str:
    """The banner at the top of every page of a run on synthetic data (a package whose
    ``datapackage.json`` says ``"synthetic": true``): the report pages, the index, the site."""
    return f'<div class="synthetic-banner" role="note">{esc(t("common.synthetic_banner"))}</div>'


def synthetic_print_css(t: Texts) -> str:
    """The same words in the top margin of every printed page (the PDF)."""
    words = t("common.synthetic_banner").replace("\\", "\\\\").replace('"', '\\"')
    return '@page { @top-center { content: "' + words + '"; font-size: 9pt; font-weight: bold; color: #7a4d00; } }\n'


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9åäö]+", "-", text.lower()).strip("-")
    return s or "section"


def heading(text: str, level: int = 2, anchor: str | None = None) -> Html:
    a = anchor or slug(text)
    return Html(f'<h{level} id="{esc(a)}">{esc(text)}</h{level}>')


def paragraph(text: str) -> Html:
    return Html(f"<p>{esc(text)}</p>")


def bullets(items: Iterable[str]) -> Html:
    return Html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")


def callout(text: str, kind: str = "info", title: str | None = None) -> Html:
    """A boxed message; ``kind`` is info, warning (caveats) or caution (what not to read into it)."""
    head = f"<strong>{esc(title)}</strong> " if title else ""
    return Html(f'<div class="callout callout-{esc(kind)}">{head}{esc(text)}</div>')


def key_figures(items: Iterable[tuple[str, str]]) -> Html:
    cells = "".join(
        f'<div class="kf"><div class="kf-value">{esc(v)}</div><div class="kf-label">{esc(k)}</div></div>'
        for k, v in items
    )
    return Html(f'<div class="key-figures">{cells}</div>')


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    numeric: Iterable[str] = (),
) -> Html:
    """An escaped HTML table; ``columns`` maps column -> label (and selects/orders them)."""
    columns = dict(columns) if columns else {c: c for c in df.columns}
    formats = formats or {}
    numeric = set(numeric) | {c for c in columns if c in formats}
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{esc(label)}</th>' for c, label in columns.items()
    )
    body = []
    for _, row in shown.iterrows():
        cells = []
        for c in columns:
            v = row.get(c)
            if c in formats:
                s = formats[c](v)
            elif v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                s = MISSING
            else:
                s = str(v)
            cells.append(f'<td class="{"num" if c in numeric else ""}">{esc(s)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(df) > max_rows:
        more = f'<tfoot><tr><td colspan="{len(columns)}">… {len(df) - max_rows} + </td></tr></tfoot>'
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(
        f'<div class="table-wrap"><table class="audit-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody>{more}</table></div>"
    )


_SVG_ID = re.compile(r'(id="|url\(#|xlink:href="#|href="#)([A-Za-z0-9_-]+)')


def figure(fig: Any, caption: str, alt: str | None = None, key: str = "fig") -> Html:
    """A matplotlib figure as inline SVG in a ``<figure>``; ids prefixed by ``key`` so that
    several figures on one page never share an id. Closes the figure."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = _SVG_ID.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", svg)
    label = esc(alt or caption)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Html(f'<figure class="audit-figure">{svg}<figcaption>{esc(caption)}</figcaption></figure>')


def assessment_box(a: Assessment, t: Texts, format_value: Callable[[str, Any], str] | None = None) -> Html:
    """The assessment with its rule: each level's conditions, the inputs, any override."""
    fv = format_value or (lambda name, v: MISSING if v is None else str(v))
    level = t(f"level.{a.level}")
    parts = [
        f'<div class="assessment {LEVEL_CLASS[a.level]}">',
        f'<div class="assessment-level">{esc(t("assess.heading"))}: <strong>{esc(level)}</strong></div>',
    ]
    if a.override is not None:
        parts.append(
            '<div class="override">'
            + esc(t("assess.override", computed=t(f"level.{a.computed_level}"), author=a.override.author,
                    date=a.override.date))
            + f"<blockquote>{esc(a.override.justification)}</blockquote></div>"
        )
    def label(name: str) -> str:
        return t(f"input.{name}") if t.has(f"input.{name}") else name

    if a.on_edge:
        near = sorted({label(r.input) for r in a.deciding if r.near(a.tolerance)})
        parts.append(f'<p class="assessment-edge">{esc(t("assess.on_edge", names=", ".join(near)))}</p>')
    for flip in a.flips[:3]:
        parts.append('<p class="assessment-unstable">' + esc(t(
            "assess.unstable", name=label(flip["input"]), op=flip["op"], value=fv(flip["input"], flip["value"]),
            moved=fv(flip["input"], flip["moved_to"]), threshold_level=t(f"level.{flip['level_of_threshold']}"),
            level=t(f"level.{flip['level']}"))) + "</p>")
    if a.not_assessable:
        parts.append(f'<p class="assessment-not-assessable">{esc(t("assess.not_assessable", n=len(a.not_assessable), names=", ".join(label(n) for n in a.not_assessable)))}</p>')
    rows = []
    for lvl, results in a.trace.items():
        if not results:
            rows.append(f"<tr><th>{esc(t(f'level.{lvl}'))}</th><td>{esc(t('assess.no_conditions'))}</td></tr>")
            continue
        conds = []
        for r in results:
            mark = {True: "✔", False: "✘", None: "?"}[r.holds]
            if not r.assessable:
                detail = t("assess.not_assessable_mark")
            else:
                detail = f"{t('assess.actual')}: {fv(r.input, r.actual)}"
                if r.margin is not None:
                    detail += f", {t('assess.margin')}: {fv(r.input, r.margin)}"
            conds.append(
                f"<li><span class='mark'>{mark}</span> {esc(label(r.input))} {esc(r.op)} {esc(fv(r.input, r.value))} "
                f"({esc(detail)})</li>"
            )
        rows.append(f"<tr><th>{esc(t(f'level.{lvl}'))}</th><td><ul>{''.join(conds)}</ul></td></tr>")
    rows.append(f"<tr><th>{esc(t('level.nej'))}</th><td>{esc(t('assess.otherwise'))}</td></tr>")
    parts.append(
        f"<details open><summary>{esc(t('assess.rule'))}</summary>"
        f"<table class='rule'>{''.join(rows)}</table></details></div>"
    )
    return Html("".join(parts))


def evidence_list(observations: Iterable[Any], t: Texts) -> Html:
    obs = list(observations)
    if not obs:
        return callout(t("evidence.none"), "info")
    items = "".join(
        f"<li><span class='ev-id'>{esc(o.id)}</span> {esc(o.text.get(t.language))} "
        f"<span class='ev-source'>({esc(o.source)}, {esc(o.date.isoformat())})</span></li>"
        for o in obs
    )
    return Html(f'<ul class="evidence">{items}</ul>')

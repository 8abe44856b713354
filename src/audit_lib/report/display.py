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
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..assess import Assessment
from .fmt import MISSING
from .texts import Texts

LEVEL_CLASS = {"ja": "lvl-ja", "till_stor_del": "lvl-stor", "till_viss_del": "lvl-viss", "nej": "lvl-nej"}
# A criterion's comparison in words (``assess.op_ge`` ... in the text catalog), never as ``>=``.
OP_WORDS = {">=": "ge", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", "<": "lt"}
# The language of the words that display code writes itself (a cut table's "show all" line);
# the notebook's ``start`` sets it.
_language = {"current": "sv"}
HOLDS_KEY = {True: "assess.holds", False: "assess.fails", None: "assess.unknown"}


def set_language(language: str) -> None:
    _language["current"] = language


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


# Where a page's skip link leads: the start of its content, after the navigation.
CONTENT_TARGET = '<div id="content" tabindex="-1"></div>'


def skip_link(t: Texts) -> str:
    """The first thing on a page: a link past the navigation to :data:`CONTENT_TARGET`,
    shown when focused."""
    return f'<a class="skip-link" href="#content">{esc(t("common.skip_link"))}</a>'


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
        f'<th scope="col" class="{"num" if c in numeric else ""}">{esc(label)}</th>' for c, label in columns.items()
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
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    markup = (f'<div class="table-wrap" tabindex="0"{_label(caption)}><table class="audit-table">{cap}'
              f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
    if max_rows is not None and len(df) > max_rows:
        # the first rows, then the whole table one click away (no script: <details>)
        whole = table(df, columns, formats, caption, None, numeric)
        t = Texts(_language["current"])
        markup += (f'<details class="table-all"><summary>{esc(t("common.table_all", n=len(df), shown=max_rows))}'
                   f"</summary>{whole}</details>")
    return Html(markup)


def _label(caption: str | None) -> str:
    """A table's scrolling box is focusable (a keyboard scrolls it) and, with a caption, a
    named region."""
    return f' role="region" aria-label="{esc(caption)}"' if caption else ""


_SVG_ID = re.compile(r'(id="|url\(#|xlink:href="#|href="#)([A-Za-z0-9_-]+)')


@dataclass(frozen=True)
class FigureData:
    """The numbers a figure draws, as the table beside it: ``frame`` with ``columns`` (column ->
    label in the run's language, selects and orders them), ``formats`` (column -> how the page
    writes its numbers) and ``numeric`` (columns aligned as numbers)."""

    frame: pd.DataFrame
    columns: Mapping[str, str]
    formats: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    numeric: tuple[str, ...] = ()


def figure(fig: Any, caption: str, alt: str | None = None, key: str = "fig", *,
           data: FigureData | None = None) -> Html:
    """A matplotlib figure as inline SVG in a ``<figure>``; ids prefixed by ``key`` so that
    several figures on one page never share an id. Closes the figure. With ``data``, the
    figure's numbers follow it as a captioned table, collapsed (``<details>``, no script)."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = _SVG_ID.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", svg)
    label = esc(alt or caption)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    # focusable: on a narrow screen the figure scrolls inside its box, and a keyboard scrolls it
    markup = f'<figure class="audit-figure" tabindex="0">{svg}<figcaption>{esc(caption)}</figcaption></figure>'
    if data is None:
        return Html(markup)
    t = Texts(_language["current"])
    numbers = table(data.frame, data.columns, data.formats, t("common.figure_data_caption", caption=caption),
                    numeric=data.numeric)
    return Html(f'{markup}<details class="figure-data"><summary>{esc(t("common.figure_data"))}</summary>'
                f"{numbers}</details>")


def evidence_anchor(observation_id: str) -> str:
    """The id of an observation's entry in the page's evidence list."""
    return "ev-" + re.sub(r"[^A-Za-z0-9_-]", "-", observation_id)


def evidence_links(ids: Iterable[str], t: Texts) -> str:
    """" – underlag: E1.2, E1.3" with each id a link to its entry in the evidence list."""
    links = ", ".join(f'<a href="#{evidence_anchor(i)}">{esc(i)}</a>' for i in ids)
    return f" <span class='ev-refs'>– {esc(t('evidence.based_on'))}: {links}</span>" if links else ""


def _condition_item(r: Any, t: Texts, fv: Callable[[str, Any], str], name: str, evidence: list[str]) -> str:
    """One condition of the rule: held or not (a mark and, for screen readers, words), what it
    asks, the value found and its margin, and the evidence it rests on."""
    mark = {True: "✔", False: "✘", None: "?"}[r.holds]
    if not r.assessable:
        detail = t("assess.not_assessable_mark")
    else:
        detail = f"{t('assess.actual')}: {fv(r.input, r.actual)}"
        if r.margin is not None:
            detail += f", {t('assess.margin')}: {fv(r.input, r.margin)}"
    wanted = t(f"assess.op_{OP_WORDS[r.op]}", value=fv(r.input, r.value))
    return (f"<li><span class='mark' aria-hidden='true'>{mark}</span>"
            f"<span class='visually-hidden'>{esc(t(HOLDS_KEY[r.holds]))}: </span>"
            f" {esc(name)}: {esc(wanted)} ({esc(detail)}){evidence_links(evidence, t)}</li>")


def assessment_box(a: Assessment, t: Texts, format_value: Callable[[str, Any], str] | None = None,
                   evidence: Mapping[str, list[str]] | None = None) -> Html:
    """The assessment with its rule: each level's conditions, the inputs, any override; with
    ``evidence`` (input name -> observation ids, the register's facts), each condition on an
    auditors' fact links to the observations it rests on."""
    evidence = evidence or {}
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
            "assess.unstable", name=label(flip["input"]),
            value=t(f"assess.op_{OP_WORDS[flip['op']]}", value=fv(flip["input"], flip["value"])),
            moved=t(f"assess.op_{OP_WORDS[flip['op']]}", value=fv(flip["input"], flip["moved_to"])), threshold_level=t(f"level.{flip['level_of_threshold']}"),
            level=t(f"level.{flip['level']}"))) + "</p>")
    if a.not_assessable:
        parts.append(f'<p class="assessment-not-assessable">{esc(t("assess.not_assessable", n=len(a.not_assessable), names=", ".join(label(n) for n in a.not_assessable)))}</p>')
    rows = []
    for lvl, results in a.trace.items():
        if not results:
            rows.append(f"<tr><th scope='row'>{esc(t(f'level.{lvl}'))}</th><td>{esc(t('assess.no_conditions'))}</td></tr>")
            continue
        conds = [_condition_item(r, t, fv, label(r.input), evidence.get(r.input, [])) for r in results]
        rows.append(f"<tr><th scope='row'>{esc(t(f'level.{lvl}'))}</th><td><ul>{''.join(conds)}</ul></td></tr>")
    rows.append(f"<tr><th scope='row'>{esc(t('level.nej'))}</th><td>{esc(t('assess.otherwise'))}</td></tr>")
    parts.append(
        f"<details open><summary>{esc(t('assess.rule'))}</summary>"
        f"<table class='rule'><caption class='visually-hidden'>{esc(t('assess.rule'))}</caption>{''.join(rows)}"
        "</table></details></div>"
    )
    return Html("".join(parts))


def evidence_list(observations: Iterable[Any], t: Texts) -> Html:
    obs = list(observations)
    if not obs:
        return callout(t("evidence.none"), "info")
    items = "".join(
        f"<li id='{evidence_anchor(o.id)}'><span class='ev-id'>{esc(o.id)}</span> {esc(o.text.get(t.language))} "
        f"<span class='ev-source'>({esc(o.source)}, {esc(o.date.isoformat())})</span></li>"
        for o in obs
    )
    return Html(f'<ul class="evidence">{items}</ul>')

"""Display helpers: every piece of a report as escaped HTML.

The markup comes from the macros of ``report/templates/html/display.html.j2`` (Jinja2 with
autoescaping, :mod:`audit_lib.report.jinja`): all text that may come from data (titles,
reasons, evidence, names) is escaped as ``html.escape`` escapes it, so a procurement titled
``<script>...`` shows as text. Figures are inline SVG with fixed ids and no timestamps, so
reruns give identical bytes.
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
from .jinja import macro, markup
from .texts import Texts

_PARTS = "display.html.j2"  # the template of every part below
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
    return macro(_PARTS, "synthetic_banner", t("common.synthetic_banner"))


def synthetic_print_css(t: Texts) -> str:
    """The same words in the top margin of every printed page (the PDF)."""
    words = t("common.synthetic_banner").replace("\\", "\\\\").replace('"', '\\"')
    return '@page { @top-center { content: "' + words + '"; font-size: 9pt; font-weight: bold; color: #7a4d00; } }\n'


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9åäö]+", "-", text.lower()).strip("-")
    return s or "section"


def heading(text: str, level: int = 2, anchor: str | None = None) -> Html:
    a = anchor or slug(text)
    return Html(macro(_PARTS, "heading", text, level, a))


# Where a page's skip link leads: the start of its content, after the navigation.
CONTENT_TARGET = '<div id="content" tabindex="-1"></div>'


def skip_link(t: Texts) -> str:
    """The first thing on a page: a link past the navigation to :data:`CONTENT_TARGET`,
    shown when focused."""
    return macro(_PARTS, "skip_link", t("common.skip_link"))


def paragraph(text: str) -> Html:
    return Html(macro(_PARTS, "paragraph", text))


def bullets(items: Iterable[str]) -> Html:
    return Html(macro(_PARTS, "bullets", list(items)))


def callout(text: str, kind: str = "info", title: str | None = None) -> Html:
    """A boxed message; ``kind`` is info, warning (caveats) or caution (what not to read into it)."""
    return Html(macro(_PARTS, "callout", text, kind, title))


def key_figures(items: Iterable[tuple[str, str]]) -> Html:
    return Html(macro(_PARTS, "key_figures", list(items)))


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
    head = [(label, c in numeric) for c, label in columns.items()]
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
            cells.append((str(s), c in numeric))
        body.append(cells)
    html = macro(_PARTS, "table", head, body, caption)
    if max_rows is not None and len(df) > max_rows:
        # the first rows, then the whole table one click away (no script: <details>)
        whole = table(df, columns, formats, caption, None, numeric)
        t = Texts(_language["current"])
        html += macro(_PARTS, "table_all", t("common.table_all", n=len(df), shown=max_rows), markup(whole.markup))
    return Html(html)


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


def figure(fig: Any, caption: str, alt: str | None = None, key: str = "fig", *, data: FigureData | None = None) -> Html:
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
    html = macro(_PARTS, "figure", markup(svg), caption)
    if data is None:
        return Html(html)
    t = Texts(_language["current"])
    numbers = table(
        data.frame, data.columns, data.formats, t("common.figure_data_caption", caption=caption), numeric=data.numeric
    )
    return Html(html + macro(_PARTS, "figure_data", t("common.figure_data"), markup(numbers.markup)))


def evidence_anchor(observation_id: str) -> str:
    """The id of an observation's entry in the page's evidence list."""
    return "ev-" + re.sub(r"[^A-Za-z0-9_-]", "-", observation_id)


def evidence_links(ids: Iterable[str], t: Texts) -> str:
    """ " – underlag: E1.2, E1.3" with each id a link to its entry in the evidence list."""
    return macro(_PARTS, "evidence_links", [(evidence_anchor(i), i) for i in ids], t("evidence.based_on"))


def _condition_item(r: Any, t: Texts, fv: Callable[[str, Any], str], name: str, evidence: list[str]) -> dict[str, Any]:
    """One condition of the rule: held or not (a mark and, for screen readers, words), what it
    asks, the value found and its margin, and the evidence it rests on."""
    if not r.assessable:
        detail = t("assess.not_assessable_mark")
    else:
        detail = f"{t('assess.actual')}: {fv(r.input, r.actual)}"
        if r.margin is not None:
            detail += f", {t('assess.margin')}: {fv(r.input, r.margin)}"
    return {
        "mark": {True: "✔", False: "✘", None: "?"}[r.holds],
        "holds": t(HOLDS_KEY[r.holds]),
        "name": name,
        "wanted": t(f"assess.op_{OP_WORDS[r.op]}", value=fv(r.input, r.value)),
        "detail": detail,
        "evidence": markup(evidence_links(evidence, t)),
    }


def assessment_box(
    a: Assessment,
    t: Texts,
    format_value: Callable[[str, Any], str] | None = None,
    evidence: Mapping[str, list[str]] | None = None,
) -> Html:
    """The assessment with its rule: each level's conditions, the inputs, any override; with
    ``evidence`` (input name -> observation ids, the register's facts), each condition on an
    auditors' fact links to the observations it rests on."""
    evidence = evidence or {}
    fv = format_value or (lambda name, v: MISSING if v is None else str(v))

    def label(name: str) -> str:
        return t(f"input.{name}") if t.has(f"input.{name}") else name

    def op(flip: Mapping[str, Any], key: str) -> str:
        return t(f"assess.op_{OP_WORDS[flip['op']]}", value=fv(flip["input"], flip[key]))

    near = sorted({label(r.input) for r in a.deciding if r.near(a.tolerance)}) if a.on_edge else []
    rows: list[tuple[str, list[dict[str, Any]], str]] = [
        (
            t(f"level.{lvl}"),
            [_condition_item(r, t, fv, label(r.input), evidence.get(r.input, [])) for r in results],
            t("assess.no_conditions"),
        )
        for lvl, results in a.trace.items()
    ]
    box = {
        "level_class": LEVEL_CLASS[a.level],
        "heading": t("assess.heading"),
        "level": t(f"level.{a.level}"),
        "override": None
        if a.override is None
        else t(
            "assess.override", computed=t(f"level.{a.computed_level}"), author=a.override.author, date=a.override.date
        ),
        "justification": None if a.override is None else a.override.justification,
        "edge": t("assess.on_edge", names=", ".join(near)) if a.on_edge else None,
        "unstable": [
            t(
                "assess.unstable",
                name=label(f["input"]),
                value=op(f, "value"),
                moved=op(f, "moved_to"),
                threshold_level=t(f"level.{f['level_of_threshold']}"),
                level=t(f"level.{f['level']}"),
            )
            for f in a.flips[:3]
        ],
        "not_assessable": t(
            "assess.not_assessable", n=len(a.not_assessable), names=", ".join(label(n) for n in a.not_assessable)
        )
        if a.not_assessable
        else None,
        "rule": t("assess.rule"),
        "rows": [*rows, (t("level.nej"), [], t("assess.otherwise"))],
    }
    return Html(macro(_PARTS, "assessment", box))


def evidence_list(observations: Iterable[Any], t: Texts) -> Html:
    obs = list(observations)
    if not obs:
        return callout(t("evidence.none"), "info")
    return Html(
        macro(
            _PARTS,
            "evidence_list",
            [
                {
                    "anchor": evidence_anchor(o.id),
                    "id": o.id,
                    "text": o.text.get(t.language),
                    "source": o.source,
                    "date": o.date.isoformat(),
                }
                for o in obs
            ],
        )
    )

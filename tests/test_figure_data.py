"""Every figure's numbers are on the page beside it: a collapsed table (``<details>`` with a
``<summary>``, no script) with a caption and header cells, in the run's language, numbers
written as the page writes them. Checked on ``display.figure`` and on every public page of a
full demo run in Swedish and in English."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from public_runs import language_runs, public_pages  # noqa: E402

from audit_lib.report import display as d  # noqa: E402
from audit_lib.report.fmt import Formatter  # noqa: E402

FIGURE = re.compile(r"<figure\b.*?</figure>", re.S)
DATA = re.compile(r'\A\s*<details class="figure-data"><summary>[^<]+</summary>(.*?)</details>', re.S)


def _figure(language: str) -> str:
    d.set_language(language)
    try:
        fig, ax = plt.subplots()
        ax.plot([2023, 2024], [0.25, 0.5])
        f = Formatter(language)
        data = d.FigureData(
            pd.DataFrame({"year": [2023, 2024], "share": [0.25, 0.5]}),
            {"year": "År" if language == "sv" else "Year", "share": "Andel"},
            {"share": f.percent},
        )
        return str(d.figure(fig, "Andelen per år", key="t", data=data))
    finally:
        d.set_language("sv")


def test_a_figure_with_data_has_its_table_beside_it_collapsed():
    sv, en = _figure("sv"), _figure("en")
    for markup in (sv, en):
        after = markup[markup.index("</figure>") + len("</figure>") :]
        table = DATA.match(after)
        assert table, after[:200]
        assert "<caption>" in table.group(1) and '<th scope="col"' in table.group(1)
        assert "<script" not in markup
    assert "50\u00a0%" in sv and "Visa siffrorna" in sv and "Siffrorna i figuren: Andelen per år" in sv
    assert "50%" in en and "Show the figure" in en and "The numbers in the figure" in en


def test_a_figure_without_data_has_no_table():
    fig, _ = plt.subplots()
    assert "figure-data" not in str(d.figure(fig, "En figur utan siffror"))


def figures_without_data(html: str) -> list[str]:
    """The captions of the figures on a page that have no table of their numbers right after them."""
    missing = []
    for m in FIGURE.finditer(html):
        table = DATA.match(html[m.end() :])
        if not (table and "<caption>" in table.group(1) and "<th " in table.group(1)):
            cap = re.search(r"<figcaption>(.*?)</figcaption>", m.group(0), re.S)
            missing.append(cap.group(1)[:80] if cap else m.group(0)[:80])
    return missing


def test_the_check_finds_a_figure_without_data():
    assert figures_without_data("<p>x</p><figure><svg></svg><figcaption>A</figcaption></figure><p>y</p>") == ["A"]
    assert figures_without_data(_figure("sv")) == []


def test_every_figure_on_every_public_page_has_its_data(tmp_path_factory, demo_dir):
    runs = language_runs(tmp_path_factory.mktemp("language-runs"), demo_dir)
    bad, n_figures = {}, 0
    for key, run in runs.items():
        for page in public_pages(run.out):
            html = page.read_text(encoding="utf-8")
            assert "<img" not in html, page  # figures are inline SVG, each checked below
            n_figures += len(FIGURE.findall(html))
            if missing := figures_without_data(html):
                bad[f"{key}/{page.relative_to(run.out)}"] = missing
    assert n_figures > 20
    assert not bad, bad

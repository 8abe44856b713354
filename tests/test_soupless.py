"""``run/soupless.py``: the pages nbconvert's HTML exporter makes, byte for byte, without its
BeautifulSoup pass (80 % of the time spent on pages). Held to nbconvert's own exporter on
every executed notebook of the shared demo runs (Swedish, English, last year; public page and
internal rendition), and to BeautifulSoup on hand-made and random markup."""

from __future__ import annotations

import random

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from public_runs import language_runs

from audit_lib.run import render, soupless


def _nbconvert(show_code: bool, language: str) -> HTMLExporter:
    """The stock exporter, set as ``render.exporter`` sets ours."""
    return HTMLExporter(
        template_name="audit",
        extra_template_basedirs=[str(render.TEMPLATES)],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=True,
        embed_images=True,
        language_code=language,
    )


def test_every_demo_page_is_what_nbconvert_makes(tmp_path_factory, demo_dir, monkeypatch):
    runs = language_runs(tmp_path_factory.getbasetemp() / "public-runs", demo_dir)
    notebooks = [
        ("en" if key == "en" else "sv", path, nbformat.read(str(path), as_version=4))
        for key, run in runs.items()
        for path in sorted((run.out / "notebooks").glob("*.ipynb"))
    ]
    assert len(notebooks) >= 3 * 12

    def pages() -> list[str]:
        return [
            render.render_html(nb, language=lang, public=public)
            for lang, _, nb in notebooks
            for public in (True, False)
        ]

    ours = pages()
    monkeypatch.setattr(render, "exporter", _nbconvert)
    stock = pages()
    names = [(path.parent.parent.name, path.stem, public) for _, path, _ in notebooks for public in (True, False)]
    assert [n for n, a, b in zip(names, ours, stock, strict=True) if a != b] == []


def _soup_pass(html: str) -> str:
    """nbconvert's pass, as ``HTMLExporter.from_notebook_node`` makes it (nbconvert 7.17)."""
    soup = BeautifulSoup(html, features="html.parser")
    for elem in soup.select("img:not([alt])"):
        elem.attrs["alt"] = "No description has been provided for this image"
    for elem in soup.select(".jp-Notebook div.jp-Cell-inputWrapper"):
        elem.attrs["tabindex"] = "0"
    for elem in soup.select(".jp-Notebook div.jp-OutputArea-output"):
        elem.attrs["tabindex"] = "0"
    return str(soup)


HAND_MADE = [
    "<!DOCTYPE html>\n<html><head><meta charset='UTF-8'><title>a &amp; b</title></head><body></body></html>",
    '<meta http-equiv="Content-Type" content="text/html; charset=latin-1">',
    "<p>unclosed <b>bold <i>both</p> after",
    "<div><span>stray</em> end</div></div></section>",
    "<br><br/></br></br><hr/><img src=x><IMG SRC='y' ALT=''><image href=z></image>",
    "<svg viewBox='0 0 1 1'><path d='M0 0'/><use xlink:href='#a' x=1 /><g><text>t</text></g></svg>",
    '<p class="  a\tb  a " data-x="1" data-x="2" title=\'say "hi"\' alt="it\'s &quot;x&quot;">x</p>',
    '<input disabled value="<&>"><a rel=" nofollow  me " href="?a=1&b=2">l</a><td headers=" h1 h2 ">c</td>',
    "<script>if (a < b && c > d) { x = '</div>'; }</script><style>p > a { content: '&'; }</style>",
    "<pre>\n  keep   this  \n</pre><textarea>  \n </textarea><p>  \n  </p><p> </p><p>\t</p>",
    "a&lt;b &gt; c &amp;amp; &copy; &unknown; &#65;&#x42;&#128;&#0;&#xZZ; &#99999999; &",
    "<!----><!-- --><!--\n--><!-- keep me --><p>x</p><!---->",
    "<div class='jp-Notebook'><div class='jp-Cell-inputWrapper x'>in</div>"
    "<div class='jp-OutputArea-output' tabindex='5'>out</div><div class='jp-Cell-inputWrapper'>"
    "<div class='jp-Notebook'></div></div></div><div class='jp-OutputArea-output'>outside</div>",
    "<div class='jp-Notebook jp-Cell-inputWrapper'>own class only</div>",
    "<p>text at the end <b>open",
    "text only, no tag",
    "",
    "   \n  ",
    "<table><tr><td>1<td>2</tr></table><ul><li>a<li>b</ul>",
    "<p>a<b>b</p>c</b>d",
    "<div id=x class=y>attributes without quotes</div><p a b c>empty attributes</p>",
    "<p>\u00a0non-breaking\u2003spaces\u00a0</p><p>\u00a0</p>",
]


@pytest.mark.parametrize("html", HAND_MADE)
def test_hand_made_markup_prints_as_beautifulsoup_prints_it(html):
    assert soupless.print_page(html)[0] == _soup_pass(html)


PIECES = [
    "<div>", "</div>", "<p>", "</p>", "<span class='a  b'>", "</span>", "<br>", "</br>", "<img src=i>",
    "<pre>", "</pre>", " ", "\n", "  \n ", "text", "a&amp;b", "&lt;", "&#38;", "&nbsp;", "<!-- c -->",
    "<script>x<y</script>", "<style>a>b{}</style>", "<svg><path d='M0'/></svg>", "<td headers='x  y'>",
    "</td>", "<div class='jp-Notebook'>", "<div class='jp-OutputArea-output'>", "<b>", "</i>", "'", '"',
    "<a href='?x=1&y=2' title='q\"'>", "</a>", "<meta charset=ascii>", "<textarea>", "</textarea>",
    "<P>", "</P>", "<DIV CLASS=x>", "<path/>", "<p a b=''>", "&#x1F600;", "&amp", "<", ">", "</", "\t",
    "<!DOCTYPE html>", "<!---->", "<img src=a alt>", "<div class=jp-Cell-inputWrapper>", "&#150;",
]  # fmt: skip


def test_random_markup_prints_as_beautifulsoup_prints_it():
    rng = random.Random(18)
    for _ in range(400):
        html = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
        assert soupless.print_page(html)[0] == _soup_pass(html), html


def test_what_it_does_not_print_is_left_to_beautifulsoup():
    for html in ("<?xml version='1.0'?><p>x</p>", "<p><![CDATA[x < y]]></p>"):
        with pytest.raises(soupless.Unsupported):
            soupless.print_page(html)
        assert soupless._by_soup(html)[0] == _soup_pass(html)


def test_images_without_alt_are_counted_for_nbconvert_s_warning():
    assert soupless.print_page("<img src=a><img src=b alt=''><img src=c>")[1] == 2


def test_the_exporter_falls_back_to_beautifulsoup_on_any_failure(monkeypatch):
    """Whatever ``print_page`` cannot do, the page is still the one nbconvert makes (and
    markup BeautifulSoup rejects fails as it does in nbconvert)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\nA <b>bold</b> & plain line.")]
    want = render.render_html(nb, language="sv")

    def broken(html):
        raise ValueError("not this time")

    monkeypatch.setattr(soupless, "print_page", broken)
    assert render.render_html(nb, language="sv") == want

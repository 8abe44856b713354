"""A page as nbconvert's HTML exporter prints it, without building the BeautifulSoup tree.

nbconvert's ``HTMLExporter`` parses every page it has rendered with BeautifulSoup
(``html.parser``), gives images without ``alt`` a placeholder text and the cells' input and
output areas ``tabindex="0"``, and prints the tree again. On the demo review that pass was 80 %
of the time spent on pages (7.4 of 9.3 s for the 24 pages): the tree is built for three
selections and one print. :func:`print_page` makes the same string in one pass of the same
parser (the standard library's ``HTMLParser``, fed as BeautifulSoup feeds it), doing what
BeautifulSoup's tree builder and its "minimal" formatter do on each event, with their own
tables (void elements, space-separated attributes, whitespace-preserving tags, entities):

- attributes: a missing value is ``""``, a repeated one keeps its first place and its last
  value, space-separated ones (``class``...) are split and joined by one space, ``<meta>``'s
  charset is printed as ``utf-8``; printed sorted by name, ``&``, ``<`` and ``>`` escaped,
  quoted with ``"`` (``'`` if the value holds ``"`` but no ``'``, else ``"`` as ``&quot;``);
- void elements are printed ``<br/>`` and a later ``</br>`` is dropped; ``<x/>`` is ``<x></x>``;
- an end tag closes every element opened since the last open one of its name (each printed
  closed there); one with no open element of its name is dropped; elements still open at the
  end are closed there;
- text: character references resolved, then ``&``, ``<``, ``>`` escaped (not in ``script``
  and ``style``); a run of text that is only ASCII white space becomes one newline or one
  space (not inside ``pre`` and ``textarea``); comments and the doctype printed as they came.

Processing instructions and CDATA sections, which nothing here writes, are left to
BeautifulSoup itself (:class:`Unsupported`). ``tests/test_soupless.py`` holds the two to the
same bytes on every page of the demo review and on hand-made and random markup.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from bs4 import BeautifulSoup
from bs4.builder import nonwhitespace_re
from bs4.builder._htmlparser import BeautifulSoupHTMLParser, HTMLParserTreeBuilder
from bs4.dammit import EntitySubstitution
from bs4.element import CharsetMetaAttributeValue, ContentMetaAttributeValue
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbformat import NotebookNode

ALT_TEXT = "No description has been provided for this image"  # nbconvert's placeholder
_BUILDER = HTMLParserTreeBuilder()
_VOID = frozenset(_BUILDER.empty_element_tags or ())
_LISTS = _BUILDER.cdata_list_attributes
_ANY_LIST = frozenset(_LISTS.get("*", ()))
_PRESERVE = frozenset(_BUILDER.preserve_whitespace_tags)
_RAW_TEXT = frozenset({"script", "style"})  # the formatter's cdata_containing_tags
_SPACES = frozenset("\x20\x0a\x09\x0c\x0d")  # BeautifulSoup.ASCII_SPACES
_ESCAPE = EntitySubstitution.substitute_xml
_QUOTE = EntitySubstitution.quoted_attribute_value
_ENTITIES = EntitySubstitution.HTML_ENTITY_TO_CHARACTER
_FOCUSABLE = ("jp-Cell-inputWrapper", "jp-OutputArea-output")  # divs inside .jp-Notebook


class Unsupported(Exception):
    """Markup this printer leaves to BeautifulSoup."""


class _Printer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.text: list[str] = []  # the current run of text
        self.open: list[tuple[str, bool]] = []  # open elements: name, whether it is a .jp-Notebook
        self.names: dict[str, int] = {}  # open elements per name
        self.closed_void: list[str] = []  # void elements whose end tag is dropped if it comes
        self.preserve = 0  # open pre / textarea
        self.notebooks = 0  # open .jp-Notebook elements
        self.missing_alt = 0

    # -- text
    def _collapse(self, data: str) -> str:
        if not self.preserve and all(c in _SPACES for c in data):
            return "\n" if "\n" in data else " "
        return data

    def _flush(self) -> None:
        if self.text:
            data = self._collapse("".join(self.text))
            self.text = []
            raw = self.open and self.open[-1][0] in _RAW_TEXT
            self.out.append(data if raw else _ESCAPE(data))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_charref(self, name: str) -> None:
        char, _, extra = BeautifulSoupHTMLParser._dereference_numeric_character_reference(name)
        self.text += [char, extra]

    def handle_entityref(self, name: str) -> None:
        char = _ENTITIES.get(name)
        self.text.append(f"&{name}" if char is None else char)

    def handle_comment(self, data: str) -> None:
        self._flush()
        self.out.append(f"<!--{self._collapse(data)}-->")

    def handle_decl(self, decl: str) -> None:
        self._flush()
        self.out.append(f"<!DOCTYPE {self._collapse(decl[len('DOCTYPE ') :])}>\n")

    def unknown_decl(self, data: str) -> None:
        raise Unsupported("declaration or CDATA section")

    def handle_pi(self, data: str) -> None:
        raise Unsupported("processing instruction")

    # -- elements
    def _start(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        values: dict[str, str | list[str]] = {}
        for k, v in attrs:
            values[k] = "" if v is None else v
        lists = _LISTS.get(tag)
        for k, value in values.items():
            if isinstance(value, str) and (k in _ANY_LIST or (lists and k in lists)):
                values[k] = nonwhitespace_re.findall(value)
        classes = values.get("class", ())
        if tag == "img" and "alt" not in values:
            values["alt"] = ALT_TEXT
            self.missing_alt += 1
        elif tag == "div" and self.notebooks and any(c in classes for c in _FOCUSABLE):
            values["tabindex"] = "0"
        self.out.append(f"<{tag}{_attributes(tag, values)}{'/' if tag in _VOID else ''}>")
        is_notebook = "jp-Notebook" in classes
        self.open.append((tag, is_notebook))
        self.names[tag] = self.names.get(tag, 0) + 1
        self.notebooks += is_notebook
        self.preserve += tag in _PRESERVE

    def _pop(self) -> None:
        tag, is_notebook = self.open.pop()
        self.names[tag] -= 1
        self.notebooks -= is_notebook
        self.preserve -= tag in _PRESERVE
        if tag not in _VOID:
            self.out.append(f"</{tag}>")

    def _end(self, tag: str) -> None:
        self._flush()
        if self.names.get(tag):
            while self.open[-1][0] != tag:
                self._pop()
            self._pop()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        if tag in _VOID:
            self._end(tag)
            self.closed_void.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs)
        self._end(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.closed_void:
            self.closed_void.remove(tag)
        else:
            self._end(tag)

    def finish(self) -> str:
        self.close()
        self._flush()
        while self.open:
            self._pop()
        return "".join(self.out)


def _attributes(tag: str, values: dict[str, str | list[str]]) -> str:
    if tag == "meta":
        _meta_charset(values)
    out = []
    for k, v in sorted(values.items()):
        text = " ".join(v) if isinstance(v, list) else v
        out.append(f" {k}={_QUOTE(_ESCAPE(text))}")
    return "".join(out)


def _meta_charset(values: dict[str, str | list[str]]) -> None:
    """A ``<meta>`` that declares the encoding declares the output's, ``utf-8``."""
    charset, content, equiv = values.get("charset"), values.get("content"), values.get("http-equiv")
    if isinstance(charset, str):
        values["charset"] = CharsetMetaAttributeValue(charset).substitute_encoding("utf-8")
    elif isinstance(content, str) and isinstance(equiv, str) and equiv.lower() == "content-type":
        values["content"] = ContentMetaAttributeValue(content).substitute_encoding("utf-8")


def print_page(html: str) -> tuple[str, int]:
    """``html`` as nbconvert's HTML exporter prints it after rendering (see the module
    docstring), and how many images got the placeholder text. Raises :class:`Unsupported`
    for markup left to BeautifulSoup."""
    p = _Printer()
    p.feed(html)
    return p.finish(), p.missing_alt


class Exporter(HTMLExporter):
    """nbconvert's HTML exporter with its closing BeautifulSoup pass made by :func:`print_page`
    (the same page; BeautifulSoup itself for what :func:`print_page` leaves to it). The rest of
    ``HTMLExporter.from_notebook_node`` is done as nbconvert does it: the per-notebook filters
    (code highlighting in the notebook's language, the widget data filter) are registered
    again for each notebook, then the template renders the page."""

    def from_notebook_node(  # type: ignore[override]  # nbconvert's signature, untyped
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        info = nb.metadata.get("language_info", {})
        lexer = info.get("pygments_lexer", info.get("name", None))
        highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        widgets = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight)
        self.register_filter("filter_data_type", widgets)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        try:
            page, missing = print_page(html)
        except Exception:  # Unsupported, or markup the parser rejects: BeautifulSoup as nbconvert, its errors too
            page, missing = _by_soup(html)
        if missing:
            self.log.warning("Alternative text is missing on %s image(s).", missing)
        return page, resources


def _by_soup(html: str) -> tuple[str, int]:
    """What :func:`print_page` does, on BeautifulSoup's tree."""
    soup = BeautifulSoup(html, features="html.parser")
    images = soup.select("img:not([alt])")
    for e in images:
        e.attrs["alt"] = ALT_TEXT
    for cls in _FOCUSABLE:
        for e in soup.select(f".jp-Notebook div.{cls}"):
            e.attrs["tabindex"] = "0"
    return str(soup), len(images)

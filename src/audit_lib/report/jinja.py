"""The HTML the project builds itself (the index page, the site's pages and navigation, the
provenance appendix) comes from the Jinja2 templates in ``report/templates/html``.

Autoescaping is on for every template (``select_autoescape`` on ``.html.j2``): every value is
escaped unless it is markup the project made (:func:`markup`). Values are escaped as
:func:`audit_lib.report.display.esc` escapes them (``html.escape``: ``&quot;`` and ``&#x27;``),
so a page built from a template has the same bytes as the one built before by hand.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

TEMPLATE_DIR = Path(str(resources.files("audit_lib.report") / "templates" / "html"))


def _escape(value: Any) -> Any:
    """Escape a value as ``display.esc`` does (``None`` is empty); markup passes unchanged."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


ENV = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    autoescape=select_autoescape(["html.j2"]),
    finalize=_escape,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def markup(fragment: str) -> Markup:
    """Trusted markup made by the project (a banner, a rendered part): inserted unescaped."""
    return Markup(fragment)


def render(name: str, **values: Any) -> str:
    """The template ``name`` (in ``report/templates/html``) rendered with ``values``."""
    return str(ENV.get_template(name).render(**values))


def macro(template: str, name: str, *args: Any) -> str:
    """The macro ``name`` of the template ``template`` called with ``args``: one part of a page."""
    return str(getattr(ENV.get_template(template).module, name)(*args))

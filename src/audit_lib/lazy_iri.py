"""Defer the IRI grammar that every ``import jsonschema`` builds (issue 18: imports cost little).

nbformat, which papermill, nbconvert and the runner import, validates notebooks with
jsonschema. jsonschema's format checkers import ``rfc3987_syntax`` (through its
``format-nongpl`` extra, which jupyter-events requires), and that module builds about forty
Earley parsers of the RFC 3987 grammar when it is imported: 3.0 s on the project's 2-core
machine, in every process that imports nbformat (the runner, each worker, each test process),
for a check (the ``iri`` and ``iri-reference`` formats) that no schema the project meets uses.
Upstream: python-jsonschema/jsonschema#1428, opendatahub-io/notebooks#3532.

:func:`defer` puts a stand-in ``rfc3987_syntax`` in ``sys.modules`` before jsonschema is
imported. It offers the one name jsonschema imports, ``is_valid_syntax``, which loads the real
module on its first call and then answers exactly as it does; so the grammar is built only if
an ``iri`` is ever checked. Nothing changes where the package is absent or jsonschema was
imported already. ``audit_lib`` calls it on import (``audit_lib/__init__.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

NAME = "rfc3987_syntax"
_real: list[Any] = []  # the real module, once loaded


def _load() -> Any:
    """The real ``rfc3987_syntax`` (built on first use; the stand-in leaves ``sys.modules``)."""
    if not _real:
        stand_in = sys.modules.pop(NAME, None)
        try:
            _real.append(importlib.import_module(NAME))
        except BaseException:
            if stand_in is not None:
                sys.modules[NAME] = stand_in
            raise
    return _real[0]


def is_valid_syntax(term: str, value: str) -> bool:
    """``rfc3987_syntax.is_valid_syntax``, from the real module (loaded on the first call)."""
    return bool(_load().is_valid_syntax(term, value))


def _forward(name: str) -> Any:
    """Any other public name, from the real module. Dunder names are not forwarded: the import
    system asks for ``__path__`` and ``__spec__`` (``from rfc3987_syntax import ...``, ``repr``),
    and answering would build the grammar."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_load(), name)


def defer() -> bool:
    """Put the stand-in in place; True if it was (the package is installed and neither it nor
    jsonschema is imported yet)."""
    if NAME in sys.modules or "jsonschema" in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(NAME)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = types.ModuleType(NAME, "Stand-in for rfc3987_syntax: the real module loads on first use")
    stand_in.__spec__ = spec  # ``importlib.util.find_spec`` still finds the installed package
    stand_in.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = _forward  # type: ignore[method-assign]
    sys.modules[NAME] = stand_in
    return True

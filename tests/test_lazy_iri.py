"""The IRI grammar jsonschema imports is built only when an IRI is checked (``audit_lib.lazy_iri``).

Importing nbformat (the runner, papermill, nbconvert) imports jsonschema, whose format checkers
import ``rfc3987_syntax``; that module builds about forty Earley parsers on import (3 s on the
project's machine). After ``import audit_lib`` the grammar waits for its first use, and the
format checks answer as the real module does."""

from __future__ import annotations

import importlib.util
import json

import pytest
from conftest import fresh_python

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax is not installed"
)

SAMPLES = [
    ("iri", "http://example.com/ä?q=1#x"),
    ("iri", "https://exempel.se/upphandling/2025"),
    ("iri", "not an iri"),
    ("iri", "http://[::1]:80/"),
    ("iri", "mailto:revision@region.se"),
    ("iri", "../relative"),
    ("iri-reference", "../relative"),
    ("iri-reference", "a b"),
    ("iri-reference", "#fragment"),
    ("iri-reference", "http://exa mple.com"),
]

CHECK = """
import json, sys
{first}
from jsonschema import FormatChecker
loaded_before = "rfc3987_syntax.syntax_helpers" in sys.modules
checker = FormatChecker()
answers = [checker.conforms(value, fmt) for fmt, value in json.loads(sys.argv[1])]
print(json.dumps({{"loaded_before": loaded_before, "answers": answers}}))
"""


def _answers(first: str) -> dict:
    return json.loads(fresh_python(CHECK.format(first=first), json.dumps(SAMPLES)))


def test_the_runner_imports_nbformat_without_building_the_grammar() -> None:
    code = (
        "import sys\nfrom audit_lib.run import runner\nimport papermill, nbconvert\n"
        "print('nbformat' in sys.modules, 'jsonschema' in sys.modules, 'rfc3987_syntax.syntax_helpers' in sys.modules)"
    )
    assert fresh_python(code).split() == ["True", "True", "False"]
    assert importlib.util.find_spec("rfc3987_syntax") is not None  # this process has the stand-in (conftest)


def test_format_checks_answer_as_the_real_module_does() -> None:
    deferred = _answers("import audit_lib")
    real = _answers("")
    assert deferred["loaded_before"] is False  # the stand-in was in place
    assert real["loaded_before"] is True  # jsonschema alone builds the grammar on import
    assert deferred["answers"] == real["answers"]
    assert real["answers"][:3] == [True, True, False]  # the samples do tell valid from invalid


def test_the_stand_in_loads_the_real_module_on_first_use() -> None:
    code = (
        "import sys, audit_lib\nimport rfc3987_syntax as r\n"
        "print(type(r).__name__, 'rfc3987_syntax.syntax_helpers' in sys.modules)\n"
        "print(r.is_valid_syntax_iri('http://a/b'), r.is_valid_syntax('iri', 'no iri'))\n"
        "print('rfc3987_syntax.syntax_helpers' in sys.modules, sys.modules['rfc3987_syntax'].__file__ is not None)"
    )
    assert fresh_python(code).split("\n")[:3] == ["module False", "True False", "True True"]


def test_nothing_is_replaced_after_jsonschema_is_imported() -> None:
    code = (
        "import sys, jsonschema\nreal = sys.modules['rfc3987_syntax']\n"
        "from audit_lib import lazy_iri\nprint(lazy_iri.defer(), sys.modules['rfc3987_syntax'] is real)"
    )
    assert fresh_python(code).split() == ["False", "True"]

"""The one shape, kept: notebooks that only call and show, and modules a newcomer reads in one
sitting (issue 19). These fail on the first notebook that defines a function or computes in a
loop, and on the first module that outgrows about 400 lines."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_MODULE_LINES = 420  # "about 400"
NOT_IN_A_NOTEBOOK = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.For,
    ast.While,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.If,
    ast.IfExp,
    ast.Try,
)


def code_of(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def forbidden(code: str) -> list[str]:
    return sorted(
        {f"{type(n).__name__} (line {n.lineno})" for n in ast.walk(ast.parse(code)) if isinstance(n, NOT_IN_A_NOTEBOOK)}
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_only_calls_and_shows(path):
    assert forbidden(code_of(path)) == [], f"{path.name}: move these into the library (questions/ or report/pages/)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_notebook_calls_analyse_once(path):
    calls = [
        n
        for n in ast.walk(ast.parse(code_of(path)))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "analyse"
    ]
    assert len(calls) == 1, f"{path.name}: {len(calls)} analyse() calls"


def test_the_checker_sees_what_it_forbids():
    assert forbidden("def f():\n    pass\nx = [i for i in y]\nif a:\n    b()\n") == [
        "FunctionDef (line 1)",
        "If (line 4)",
        "ListComp (line 3)",
    ]
    assert forbidden("res = q.analyse(audit.package, p)\naudit.show(*page.part(res, t, f))\n") == []


def test_modules_stay_readable_in_one_sitting():
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in sorted((ROOT / "src").rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these by what they do: {long}"


def test_every_question_module_has_analyse_and_results():
    import importlib

    names = [p.stem for p in NOTEBOOKS]
    for name in names:
        module = importlib.import_module(f"audit_lib.questions.{name}")
        assert callable(getattr(module, "analyse", None)) and callable(getattr(module, "results", None)), name


def test_functions_stay_short():
    """No function passes 60 lines ("about 60"): split by what it does."""
    long = []
    for p in sorted((ROOT / "src").rglob("*.py")):
        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 60:
                long.append(f"{p.relative_to(ROOT).as_posix()}: {n.name} ({n.end_lineno - n.lineno + 1} lines)")
    assert long == []


QUIET_CALLS = {"audit.show", "audit.record", "audit.title"}  # they return None: nothing is echoed


def echoed(source: str) -> str | None:
    """What a cell would echo below itself: its last statement when that is an expression not
    silenced by ';' and not a call known to return None (the echo of an object is its repr:
    raw field names on a public page)."""
    body = ast.parse(source).body
    if not body or not isinstance(body[-1], ast.Expr) or source.rstrip().endswith(";"):
        return None
    value = body[-1].value
    if isinstance(value, ast.Call) and ast.unparse(value.func) in QUIET_CALLS:
        return None
    return ast.unparse(value)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_cell_echoes_a_value(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    shown = [e for c in nb["cells"] if c["cell_type"] == "code" and (e := echoed("".join(c["source"])))]
    assert shown == [], f"{path.name}: end these cells with ';' (their value's repr would be published)"


def test_the_echo_check_sees_an_unsilenced_call():
    # the bug it catches: the causality cell ended in audit.assess(...) without ';'
    assert echoed('audit.assess("causality", res.inputs)') == "audit.assess('causality', res.inputs)"
    assert echoed('audit.assess("causality", res.inputs);') is None
    assert echoed("audit.show(*page.intro(res, t, f))") is None
    assert echoed("x = 1") is None

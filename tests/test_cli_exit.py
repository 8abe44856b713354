"""The ``audit`` command leaves the interpreter quickly (issue 18): its entry point freezes the
garbage collector after the command, so the interpreter's last collection at exit skips the
objects the imports made (about 0.9 s after every ``audit run`` on the project's machine);
callers of ``cli.main`` (these tests) keep their collector."""

from __future__ import annotations

import gc
from importlib.metadata import entry_points

from conftest import fresh_python

from audit_lib import cli


def test_the_audit_command_is_the_entry_that_freezes_the_collector(tmp_path) -> None:
    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "audit"]
    assert script.value == "audit_lib.cli:entry"
    code = (
        "import gc, sys\nfrom audit_lib import cli\n"
        f"rc = cli.entry(['validate', {str(tmp_path / 'missing')!r}])\n"
        "print(rc, gc.get_freeze_count() > 0)"
    )
    rc, frozen = fresh_python(code).split()[-2:]
    assert rc != "0" and frozen == "True"  # a failing command too


def test_main_leaves_the_callers_collector_alone(tmp_path) -> None:
    before = gc.get_freeze_count()
    assert cli.main(["validate", str(tmp_path / "missing")]) != 0
    assert gc.get_freeze_count() == before

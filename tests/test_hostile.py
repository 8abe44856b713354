"""Hostile input end to end: every broken package is refused by ``audit validate`` and by
``audit run`` with a non-zero exit and a message naming file, row and column, and a refused
run leaves the previous good output exactly as it was (no partial report, no stray folder)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from audit_lib import cli
from audit_lib.contract import validate_package
from hostile import CASES, Case, big_purchase_lines, write_minimal_package

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "demo.yaml"
FATAL = [c for c in CASES if c.fatal]
NOT_FATAL = [c for c in CASES if not c.fatal]


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative paths)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def good_run(tmp_path_factory, demo_dir):
    """A good run of question 3 on the demo package (no PDF: not what is tested here)."""
    out = tmp_path_factory.mktemp("hostile") / "out"
    env = {**os.environ, "AUDIT_PDF": "0"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "audit_lib.cli",
            "run",
            str(PARAMS),
            "--data",
            str(demo_dir),
            "--out",
            str(out),
            "--only",
            "q3_targets",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, snapshot(out)


def expected_line(case: Case) -> str:
    """The start of the message line that must appear: file, row, column as formatted."""
    e = case.expect
    text = e.file
    if e.row is not None:
        text += f", row {e.row}"
    if e.column is not None:
        text += f", column '{e.column}'"
    return f"{e.severity.upper()}: {text}"


@pytest.mark.parametrize("case", FATAL, ids=[c.id for c in FATAL])
def test_hostile_package_is_refused_and_leaves_good_output(case: Case, tmp_path, good_run, capsys, monkeypatch):
    out, before = good_run
    data = write_minimal_package(tmp_path / "data")
    case.make(data)
    monkeypatch.setenv("AUDIT_PDF", "0")

    assert cli.main(["validate", str(data), "--params", str(PARAMS)]) == 1
    said = capsys.readouterr().out
    assert expected_line(case) in said and case.expect.rule.lower() in said.lower(), said

    code = cli.main(["run", str(PARAMS), "--data", str(data), "--out", str(out), "--only", "q3_targets"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "breaks the contract; nothing was run" in err and expected_line(case) in err
    assert snapshot(out) == before  # the good output is untouched
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]  # no staging left


@pytest.mark.parametrize("case", NOT_FATAL, ids=[c.id for c in NOT_FATAL])
def test_hostile_package_that_loads_says_what_it_did(case: Case, tmp_path, capsys):
    data = write_minimal_package(tmp_path / "data")
    case.make(data)
    assert cli.main(["validate", str(data), "--params", str(PARAMS)]) == 0
    said = capsys.readouterr().out
    assert expected_line(case) in said and case.expect.rule.lower() in said.lower(), said
    assert "valid (with warnings)" in said


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_and_load_agree(case: Case, tmp_path, capsys):
    """What ``audit validate --params`` accepts, ``load_package`` (what every notebook calls,
    with the parameters' regions) loads; what it refuses, load_package refuses (issue 12)."""
    from audit_lib.contract import DataPackageError, load_package
    from audit_lib.params import load_params

    data = write_minimal_package(tmp_path / "data")
    case.make(data)
    code = cli.main(["validate", str(data), "--params", str(PARAMS)])
    capsys.readouterr()
    try:
        load_package(data, regions=list(load_params(PARAMS).regions))
        loaded = True
    except DataPackageError:
        loaded = False
    assert (code == 0) == loaded == (not case.fatal)


def test_unknown_column_is_a_warning_not_a_refusal(tmp_path, capsys):
    (case,) = [c for c in CASES if c.id == "unknown_column"]
    data = write_minimal_package(tmp_path / "data")
    case.make(data)
    assert cli.main(["validate", str(data)]) == 0
    said = capsys.readouterr().out
    assert "WARNING: procurements.csv, column 'handläggare' -- column is not in the contract" in said
    assert "valid (with warnings)" in said


def test_real_exit_codes_of_the_command(tmp_path, good_run):
    """The installed command, not just ``cli.main``: exit 1 and the message on the terminal."""
    out, before = good_run
    data = write_minimal_package(tmp_path / "data")
    next(c for c in CASES if c.id == "duplicate_ids").make(data)
    env = {**os.environ, "AUDIT_PDF": "0"}
    audit = Path(sys.executable).parent / "audit"
    cmd = [str(audit)] if audit.exists() else [sys.executable, "-m", "audit_lib.cli"]
    v = subprocess.run(cmd + ["validate", str(data)], capture_output=True, text=True, env=env, timeout=120)
    assert v.returncode == 1
    assert "procurements.csv, row 4, column 'procurement_id': value 'IN-2024-0001' -- must be unique" in v.stdout
    r = subprocess.run(
        cmd + ["run", str(PARAMS), "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 1 and "must be unique" in r.stderr
    assert snapshot(out) == before


def test_very_large_file_is_checked_in_full(tmp_path):
    """1.2 million purchase lines generated on the fly; the one bad cell, a million rows in,
    is found with its line number, and the check stays fast."""
    data = write_minimal_package(tmp_path / "data")
    big_purchase_lines(data, n_rows=1_200_000, bad_row=1_000_001)
    assert (data / "purchase_lines.csv").stat().st_size > 30e6
    started = time.perf_counter()
    _, report = validate_package(data)
    seconds = time.perf_counter() - started
    assert [(p.file, p.row, p.column, p.value) for p in report.errors] == [
        ("purchase_lines.csv", 1_000_001, "quantity", "två")
    ]
    assert seconds < 60, f"{seconds:.1f} s"


def test_yaml_with_python_tags_is_refused_not_executed(tmp_path):
    """Parameters and the evidence register are read with safe YAML loading: a tag that
    would construct a Python object (and run code) is an error, never executed."""
    from audit_lib.evidence import EvidenceError, load_register
    from audit_lib.params import ParamsError, load_params

    flag = tmp_path / "pwned"
    evil = f"!!python/object/apply:os.system ['touch {flag}']"
    params = tmp_path / "p.yaml"
    params.write_text(
        PARAMS.read_text(encoding="utf-8").replace("run_name: demo", f"run_name: {evil}", 1), encoding="utf-8"
    )
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(params)
    register = tmp_path / "ev.yaml"
    register.write_text(f"year: 2025\nobservations: {evil}\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match="not valid YAML"):
        load_register(register, 2025)
    assert not flag.exists()

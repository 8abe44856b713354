"""``audit sample``'s refusals: where it never writes, and a bad outcomes file (exit codes and messages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from audit_lib.cli import main
from audit_lib.params import load_params_data
from audit_lib.sampling import OUTCOMES_FILE

ROOT = Path(__file__).resolve().parents[1]


def _params(tmp_path: Path, demo_dir: Path, **sampling) -> Path:
    """The demo's parameters with another sampling section, and its register without the demo's
    file reviews (they are of the demo's sample, not this one)."""
    data = load_params_data(ROOT / "params" / "demo.yaml")  # its base merged in
    register = tmp_path / "evidence"
    if not register.is_dir():
        shutil.copytree(ROOT / "params" / data["evidence"], register, ignore=shutil.ignore_patterns(OUTCOMES_FILE))
    data.update(
        data_dir=str(demo_dir), evidence=str(register), sampling={"tolerable_misstatement_sek": 20_000_000, **sampling}
    )
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_a_sample_is_never_written_into_the_data_folder(demo_dir, tmp_path, capsys):
    before = sorted(p.name for p in demo_dir.iterdir())
    assert main(["sample", str(_params(tmp_path, demo_dir)), "--out", str(demo_dir / "s.csv")]) == 2
    assert "is inside the data folder" in capsys.readouterr().err
    assert sorted(p.name for p in demo_dir.iterdir()) == before


def test_a_file_the_command_did_not_write_is_never_overwritten(demo_dir, tmp_path, capsys):
    out = tmp_path / "notes.csv"
    out.write_text("my,own\nnotes,here\n", encoding="utf-8")
    assert main(["sample", str(_params(tmp_path, demo_dir)), "--out", str(out)]) == 2
    assert "is never overwritten" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my,own\nnotes,here\n"
    # a sample it wrote itself is replaced
    mine = tmp_path / "mine.csv"
    assert main(["sample", str(_params(tmp_path, demo_dir)), "--out", str(mine)]) == 0
    assert main(["sample", str(_params(tmp_path, demo_dir)), "--out", str(mine)]) == 0


def test_a_bad_outcomes_file_fails_naming_the_file(demo_dir, tmp_path, capsys):
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("procurement_id,amount\nIN-2025-0001,5\n", encoding="utf-8")
    out = tmp_path / "s.csv"
    assert main(["sample", str(_params(tmp_path, demo_dir, outcomes_file=str(outcomes))), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert str(outcomes) in err and "misstatement_sek" in err
    assert out.exists()  # the sample itself was written before the evaluation failed


def test_the_demo_registers_file_reviews_are_read_without_a_parameter(demo_dir, tmp_path, capsys):
    """The outcomes in the register's folder (``sampling-outcomes.csv``) are evaluated; outcomes
    of another sample (the sampling section changed after the reviews) are an error naming the file."""
    data = load_params_data(ROOT / "params" / "demo.yaml")
    data.update(data_dir=str(demo_dir), evidence=str(ROOT / "params" / data["evidence"]))
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["sample", str(params), "--out", str(tmp_path / "s.csv")]) == 0
    assert "upper misstatement limit 17,780,000 SEK (below the tolerable misstatement)" in capsys.readouterr().out
    data["sampling"]["size"] = 10
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["sample", str(params), "--out", str(tmp_path / "s.csv")]) == 1
    assert OUTCOMES_FILE in capsys.readouterr().err

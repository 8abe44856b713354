"""``audit new-year``: next year's parameters and evidence register, scaffolded from this year's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit_lib import cli
from audit_lib.evidence import load_register
from audit_lib.params import load_params, load_params_data
from audit_lib.run.newyear import NewYearError, bump, new_year, set_section_key, set_top_level

ROOT = Path(__file__).resolve().parents[1]

PARAMS_2025 = """# The 2025 review. This comment must survive.
run_name: "2025"
audit_year: 2025
language: sv
data_dir: ../data/2025            # the year's data package
evidence: evidence/2025
regions:
  SRM: {sv: Region Sörmland, en: Region Sörmland}

q3_targets:
  forecast_level: 0.8   # kept as it is

followup:
  previous_results_dir: null
"""

REGISTER_2025 = """year: 2025
observations:
  - {id: E1, question: q3, text: {sv: "Iakttagelse"}, source: "Intervju", date: 2025-09-30}
recommendations:
  - id: R1
    question: q3
    text: {sv: "Dokumentera målen", en: "Document the targets"}
    status: new
  - id: R0
    question: q1
    text: {sv: "Äldre rekommendation"}
    status: in_progress
    status_evidence: [E1]
  - id: R9
    text: {sv: "Redan genomförd"}
    status: done
"""


@pytest.fixture
def project(tmp_path):
    params = tmp_path / "params"
    (params / "evidence" / "2025").mkdir(parents=True)
    (params / "2025.yaml").write_text(PARAMS_2025, encoding="utf-8")
    (params / "evidence" / "2025" / "q3.yaml").write_text(REGISTER_2025, encoding="utf-8")
    return tmp_path


def test_scaffolds_next_years_parameters(project):
    prev_out = project / "outputs" / "2025"
    (prev_out / "results").mkdir(parents=True)
    result = new_year(2026, project / "params" / "2025.yaml", previous_out=prev_out)
    assert result.params_file == project / "params" / "2026.yaml"
    p = load_params(result.params_file)
    assert (p.audit_year, p.run_name, p.data_dir, p.evidence) == (2026, "2026", "../data/2026", "evidence/2026")
    assert p.followup.previous_results_dir == "../outputs/2025/results"
    assert p.path(p.followup.previous_results_dir) == (prev_out / "results").resolve()
    assert p.q3_targets.forecast_level == 0.8 and list(p.regions) == ["SRM"]
    text = result.params_file.read_text(encoding="utf-8")
    assert "# The 2025 review. This comment must survive." in text
    assert "# the year's data package" in text and "# kept as it is" in text
    assert result.notes == []  # the data folder was bumped and last year's results exist


def test_carries_last_years_open_recommendations(project):
    result = new_year(2026, project / "params" / "2025.yaml", previous_out=project / "nowhere")
    reg = load_register(result.evidence_dir, 2026)
    assert [(r.id, r.status, r.status_evidence) for r in reg.recommendations] == [
        ("R1", "open", []),
        ("R0", "open", []),
    ]
    assert reg.recommendations[0].text.en == "Document the targets"
    assert result.carried == ["R1", "R0"] and result.closed == ["R9"]
    text = (result.evidence_dir / "followup.yaml").read_text(encoding="utf-8")
    assert "# 2025: in_progress" in text and "# 2025: new" in text
    assert (result.evidence_dir / "README.yaml").is_file()
    assert any("does not exist yet" in n for n in result.notes)  # last year's results are missing


def test_refuses_to_overwrite_or_go_backwards(project):
    src = project / "params" / "2025.yaml"
    with pytest.raises(NewYearError, match="must be later"):
        new_year(2025, src)
    new_year(2026, src)
    with pytest.raises(NewYearError, match="exists already"):
        new_year(2026, src)


def test_the_demo_scaffolds_its_next_year(tmp_path, capsys):
    """``audit new-year 2026 --from params/demo.yaml`` on a copy of the demo's parameters."""
    import shutil

    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    code = cli.main(
        ["new-year", "2026", "--from", str(params / "demo.yaml"), "--previous-out", str(tmp_path / "outputs" / "demo")]
    )
    assert code == 0
    out = capsys.readouterr().out
    p = load_params(params / "demo-2026.yaml")
    assert (p.audit_year, p.run_name, p.evidence, p.data_dir) == (
        2026,
        "demo-2026",
        "evidence/demo-2026",
        "../data/demo",
    )
    assert "data_dir is still ../data/demo" in out
    assert p.summary.answer_by is None  # 2025's answer date (2026-02-26) is not the 2026 review's
    # every recommendation of the demo's 2025 register that is not done is carried, as open
    prev = load_register(params / "evidence" / "demo-2025", 2025)
    expected = [r.id for r in prev.recommendations if r.status != "done"]
    reg = load_register(params / "evidence" / "demo-2026", 2026)
    assert [r.id for r in reg.recommendations] == expected and {r.status for r in reg.recommendations} <= {"open"}
    assert len(expected) >= 1


def test_yaml_text_editing():
    text = "a: 1  # keep\nsec:\n  x: 1\n\nb: two\n"
    assert set_top_level(text, "a", 2) == "a: 2  # keep\nsec:\n  x: 1\n\nb: two\n"
    assert set_top_level(text, "c", "the value").endswith('c: "the value"\n')
    assert "  y: null" in set_section_key(text, "sec", "y", None)
    assert set_section_key(text, "sec", "x", 5).count("x: 5") == 1
    assert set_section_key(text, "new", "k", "v").endswith("\n\nnew:\n  k: v\n")
    assert bump("../data/2025", 2025, 2026) == "../data/2026"
    assert bump("evidence/demo-2025", 2025, 2026) == "evidence/demo-2026"
    assert bump("x/120251", 2025, 2026) == "x/120251"  # only the whole year


def test_cli_reports_errors_with_exit_code_2(tmp_path, capsys):
    assert cli.main(["new-year", "2026", "--from", str(tmp_path / "missing.yaml")]) == 2
    assert "not found" in capsys.readouterr().err
    assert not any(os.scandir(tmp_path))


def test_the_demo_years_share_everything_but_the_year():
    """params/demo-2024.yaml is the demo's previous year: the same data and sections as
    params/demo.yaml, so the follow-up compares practice, not changed settings. When this fails,
    copy the named sections from params/demo.yaml into params/demo-2024.yaml."""
    now = load_params_data(ROOT / "params" / "demo.yaml")
    before = load_params_data(ROOT / "params" / "demo-2024.yaml")
    assert (before["audit_year"], before["run_name"], before["evidence"]) == (2024, "demo-2024", "evidence/demo-2024")
    assert now["followup"]["previous_results_dir"] == "../outputs/demo-2024/results"
    year_specific = {"audit_year", "period_start", "period_end", "run_name", "evidence", "followup"}
    for p in (now, before):  # the board's answer date is the year's own
        p["summary"] = {k: v for k, v in p.get("summary", {}).items() if k != "answer_by"}
    differ = sorted(k for k in set(now) | set(before) if k not in year_specific and now.get(k) != before.get(k))
    assert differ == [], f"params/demo-2024.yaml differs from params/demo.yaml in: {', '.join(differ)}"


def test_the_demo_years_share_the_auditors_facts():
    """The demo's invented 2024 review assumes the 2025 facts (params/evidence/demo-2024/facts.yaml),
    so that the follow-up shows changes in figures, not facts missing in one year."""
    from audit_lib.evidence import load_register

    now = load_register(ROOT / "params" / "evidence" / "demo-2025", 2025).facts
    before = load_register(ROOT / "params" / "evidence" / "demo-2024", 2024).facts
    differ = sorted(
        f"{q}.{n}"
        for q, named in now.items()
        for n, f in named.items()
        if before.get(q, {}).get(n) is None or before[q][n].value != f.value
    )
    assert differ == [], f"copy these facts into params/evidence/demo-2024/facts.yaml: {', '.join(differ)}"


def test_carries_the_boards_answers_and_promised_measures(project):
    (project / "params" / "evidence" / "2025" / "responses.yaml").write_text(
        "year: 2025\nresponses:\n"
        "  - recommendation: R1\n    received: 2026-02-20\n    answer: {sv: Vi gör det}\n    measures:\n"
        "      - {text: {sv: Ny rutin}, owner: Inköpschef, deadline: 2026-06-30, status: in_progress}\n"
        "  - recommendation: R9\n    received: 2026-02-20\n",
        encoding="utf-8",
    )
    result = new_year(2026, project / "params" / "2025.yaml", previous_out=project / "nowhere")
    reg = load_register(result.evidence_dir, 2026)
    # R9 was done: neither it nor its answer is carried; R1's answer and measure are, as they were
    assert [a.recommendation for a in reg.responses] == ["R1"]
    m = reg.responses[0].measures[0]
    assert (m.owner, m.deadline.isoformat(), m.status) == ("Inköpschef", "2026-06-30", "in_progress")
    assert reg.responses[0].received.isoformat() == "2026-02-20"

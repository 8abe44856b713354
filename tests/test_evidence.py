"""The evidence register: strict loading, folder merging, references across files, comments,
and the documented example (docs/evidence_register.md) loads as documented."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from audit_lib.evidence import EvidenceError, load_register

ROOT = Path(__file__).resolve().parents[1]


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


OBS = """\
year: 2025
observations:
  - id: E1
    question: q6
    text: {sv: "Ingen modell för lärande.", en: "No model for learning."}
    source: "Intervju 2025-06-12"
    date: 2025-06-12
"""


def test_demo_register_loads_with_every_kind_of_entry():
    r = load_register(ROOT / "params" / "evidence" / "demo-2025", 2025)
    assert r.facts_for("q5") == {"results_used_in_steering": True}
    assert r.facts_for("q6") == {"learning_structure_exists": False, "development_work_ongoing": True}
    assert {o.id for o in r.observations_for("q6")} >= {"E6.1", "E6.2", "E6.3", "E6.4"}
    assert set(r.comments) >= {"q1", "q2", "q3", "q4", "q5", "q6", "summary"}
    assert r.comment_for("q4", "sv").startswith("Modellen är snäv")
    assert r.comment_for("q4", "en").startswith("The model is narrow")
    new = [x for x in r.recommendations if x.status == "new"]
    assert [x.id for x in new] == ["R1", "R2", "R3", "R4", "R5"]  # the report's five recommendations
    assert all(x.text.sv and x.text.en for x in new)


def test_references_may_cross_files_of_a_folder(tmp_path):
    write(tmp_path, "q6.yaml", OBS)
    write(
        tmp_path,
        "summary.yaml",
        """\
        year: 2025
        comments:
          q6: {sv: "Kommentar", en: "Comment", evidence: [E1]}
        """,
    )
    r = load_register(tmp_path, 2025)
    assert r.comment_for("q6", "en") == "Comment" and r.comments["q6"].evidence == ["E1"]


def test_unresolved_reference_in_a_folder_is_an_error(tmp_path):
    write(tmp_path, "q6.yaml", OBS)
    write(
        tmp_path,
        "summary.yaml",
        """\
        year: 2025
        comments:
          q6: {sv: "Kommentar", evidence: [E9]}
        """,
    )
    with pytest.raises(EvidenceError, match="comments.q6: unknown observation id"):
        load_register(tmp_path, 2025)


def test_unresolved_reference_in_a_single_file_is_an_error(tmp_path):
    p = write(tmp_path, "reg.yaml", OBS + "facts:\n  q6:\n    x: {value: true, evidence: [E2]}\n")
    with pytest.raises(EvidenceError, match=r"facts.q6.x: unknown observation id\(s\) E2"):
        load_register(p, 2025)


def test_comment_defined_twice_across_files_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "year: 2025\ncomments:\n  q5: {sv: a}\n")
    write(tmp_path, "b.yaml", "year: 2025\ncomments:\n  q5: {sv: b}\n")
    with pytest.raises(EvidenceError, match="comment for q5 is defined in more than one file"):
        load_register(tmp_path, 2025)


def test_misspelled_key_names_file_and_key(tmp_path):
    write(tmp_path, "q6.yaml", "year: 2025\ncomment:\n  q6: {sv: a}\n")
    with pytest.raises(EvidenceError, match=r"q6.yaml: invalid evidence register\n  comment: unknown key"):
        load_register(tmp_path, 2025)
    write(tmp_path / "b", "q6.yaml", "year: 2025\ncomments:\n  q6: {sv: a, fr: b}\n")
    with pytest.raises(EvidenceError, match="comments.q6.fr: unknown key"):
        load_register(tmp_path / "b", 2025)


def test_wrong_year_is_an_error(tmp_path):
    write(tmp_path, "q6.yaml", OBS)
    with pytest.raises(EvidenceError, match="register is for 2025, the run audits 2026"):
        load_register(tmp_path, 2026)


def test_english_falls_back_to_swedish_and_missing_comment_is_none(tmp_path):
    write(tmp_path, "s.yaml", "year: 2025\ncomments:\n  q1: {sv: Endast svenska}\n")
    r = load_register(tmp_path, 2025)
    assert r.comment_for("q1", "en") == "Endast svenska"
    assert r.comment_for("q2", "sv") is None


def test_override_of_the_overall_conclusion_is_read(tmp_path):
    write(
        tmp_path,
        "summary.yaml",
        """\
        year: 2025
        overrides:
          summary.efficient:
            level: till_stor_del
            justification: {sv: "Motivering", en: "Justification"}
            author: A. Revisor
            date: 2025-10-01
        """,
    )
    o = load_register(tmp_path, 2025).override_for("summary.efficient", "en")
    assert o.level == "till_stor_del" and o.justification == "Justification" and o.date == "2025-10-01"


def test_documented_example_loads_as_documented(tmp_path):
    doc = (ROOT / "docs" / "evidence_register.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(# (\S+\.yaml)\n.*?)```", doc, flags=re.S)
    assert [name for _, name in blocks] == ["q6.yaml", "summary.yaml"]
    for text, name in blocks:
        (tmp_path / name).write_text(text, encoding="utf-8")
    r = load_register(tmp_path, 2025)
    assert r.facts_for("q6") == {"learning_structure_exists": False, "development_work_ongoing": True}
    assert r.override_for("q6").level == "till_viss_del"
    assert r.comments["q6"].evidence == ["E6.1", "E6.2"]
    assert [x.id for x in r.recommendations] == ["R1"]
    # every top-level key the page's table names is one the schema accepts
    table_keys = re.findall(r"^\| `(\w+)` \|", doc, flags=re.M)
    assert set(table_keys) == {
        "year",
        "observations",
        "facts",
        "overrides",
        "comments",
        "recommendations",
        "responses",
        "rules",
    }
    from audit_lib.evidence import EvidenceRegister

    assert set(table_keys) == set(EvidenceRegister.model_fields)


def test_empty_template_register_is_valid():
    r = load_register(ROOT / "params" / "evidence" / "2025", 2025)
    assert r.observations == [] and r.comments == {}
    assert (
        yaml.safe_load((ROOT / "params" / "evidence" / "2025" / "README.yaml").read_text(encoding="utf-8"))["year"]
        == 2025
    )


def test_a_fact_never_silently_replaces_a_computed_input(tmp_path):
    """An auditor's fact named like a figure the data computes is an error, not a silent
    replacement of the figure (an override is the way to depart from the computed verdict)."""
    from types import SimpleNamespace

    from audit_lib.notebook import Audit
    from audit_lib.params import load_params

    params = load_params(Path(__file__).resolve().parents[1] / "params" / "demo.yaml")
    evidence = SimpleNamespace(facts_for=lambda q: {"plan_followed_share": 0.9, "ownership_clear": True})
    from audit_lib.contract import DataPackage

    audit = Audit("q1_process", params, DataPackage(root=tmp_path), evidence, tmp_path, "sv")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="plan_followed_share"):
        audit.assess("q1", {"plan_followed_share": 0.4})


def test_each_fact_links_to_the_observations_it_rests_on():
    """A criterion on an auditors' fact shows its evidence ids as links, and every link lands on
    an entry of the page's evidence list, also one tagged to another question."""
    from audit_lib.assess import assess
    from audit_lib.evidence import EvidenceRegister
    from audit_lib.params import Condition, Criteria
    from audit_lib.report import display as d
    from audit_lib.report.texts import Texts

    reg = EvidenceRegister.model_validate(
        {
            "year": 2025,
            "observations": [
                {
                    "id": "E1.2",
                    "question": "q1",
                    "text": {"sv": "Ansvaret är oklart"},
                    "source": "Intervju",
                    "date": "2025-09-01",
                },
                {
                    "id": "E9.1",
                    "question": "summary",
                    "text": {"sv": "Styrelsens protokoll"},
                    "source": "Protokoll",
                    "date": "2025-09-02",
                },
            ],
            "facts": {"q1": {"ownership_clear": {"value": False, "evidence": ["E1.2", "E9.1"]}}},
        }
    )
    assert reg.fact_evidence("q1") == {"ownership_clear": ["E1.2", "E9.1"]}
    assert [o.id for o in reg.evidence_for("q1")] == ["E1.2", "E9.1"]
    criteria = Criteria(ja=[Condition(input="ownership_clear", op="==", value=True)])
    a = assess("q1", criteria, {"ownership_clear": False})
    t = Texts("sv")
    box = str(d.assessment_box(a, t, evidence=reg.fact_evidence("q1")))
    listing = str(d.evidence_list(reg.evidence_for("q1"), t))
    links = re.findall(r'href="#([^"]+)"', box)
    assert links == ["ev-E1-2", "ev-E9-1"] and "underlag" in box
    for anchor in links:
        assert f"id='{anchor}'" in listing


def test_a_fact_contradicted_by_an_observation_is_flagged():
    from audit_lib.evidence import EvidenceRegister, contradictions

    reg = EvidenceRegister.model_validate(
        {
            "year": 2025,
            "observations": [
                {
                    "id": "E1.1",
                    "question": "q1",
                    "text": {"sv": "Det finns ingen dokumenterad gemensam process"},
                    "source": "Intervju",
                    "date": "2025-09-01",
                    "shows": {"common_process_documented": False},
                },
                {
                    "id": "E1.2",
                    "question": "q1",
                    "text": {"sv": "Ansvaret är tydligt"},
                    "source": "Protokoll",
                    "date": "2025-09-02",
                    "shows": {"ownership_clear": True},
                },
                {
                    "id": "E6.1",
                    "question": "q6",
                    "text": {"sv": "Annan fråga"},
                    "source": "Intervju",
                    "date": "2025-09-03",
                    "shows": {"common_process_documented": True},
                },
            ],
            "facts": {
                "q1": {
                    "common_process_documented": {"value": True, "evidence": []},
                    "ownership_clear": {"value": True, "evidence": ["E1.2"]},
                }
            },
        }
    )
    found = contradictions(reg)
    assert found == [
        "fact q1.common_process_documented = True, but observation E1.1 (Intervju, 2025-09-01) shows False"
    ]  # E1.2 agrees; E6.1 is about another question and not cited


def test_a_parameter_other_than_the_boards_rule_makes_a_what_if_run(tmp_path):
    from audit_lib.evidence import EvidenceRegister, what_if
    from audit_lib.params import load_params

    params = load_params(ROOT / "params" / "demo.yaml")
    reg = EvidenceRegister.model_validate(
        {
            "year": 2025,
            "rules": {"q4_savings_model.market_min_bids": {"value": 3, "source": "Riktlinje för besparingsberäkning"}},
        }
    )
    assert what_if(reg, params) == []  # the demo's parameter is the board's rule
    analyst = params.model_copy(
        update={"q4_savings_model": params.q4_savings_model.model_copy(update={"market_min_bids": 5})}
    )
    assert what_if(reg, analyst) == [
        {
            "parameter": "q4_savings_model.market_min_bids",
            "value": 5,
            "rule": 3,
            "source": "Riktlinje för besparingsberäkning",
            "date": None,
        }
    ]
    (tmp_path / "rules.yaml").write_text(
        "year: 2025\nrules:\n  q4_savings_model.market_min_bid: {value: 3, source: Riktlinje}\n", encoding="utf-8"
    )
    with pytest.raises(EvidenceError, match="no parameter 'market_min_bid'.*market_min_bids"):
        load_register(tmp_path / "rules.yaml", 2025, params)

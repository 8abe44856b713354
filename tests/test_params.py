"""The parameter schema: strict, typed, with errors that name the key."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from audit_lib.params import (
    SECTION_NAMES,
    ParamsError,
    dump_params,
    load_params,
    load_params_data,
    merge_params,
    parse_params,
)

ROOT = Path(__file__).resolve().parents[1]


def minimal() -> dict:
    return {
        "run_name": "t",
        "audit_year": 2025,
        "data_dir": "data",
        "regions": {"SRM": {"sv": "Region Sörmland", "en": "Region Sörmland"}},
    }


@pytest.mark.parametrize("name", ["demo.yaml", "2025.yaml"])
def test_shipped_params_files_are_valid(name):
    p = load_params(ROOT / "params" / name)
    assert p.audit_year == 2025
    assert p.base_dir == (ROOT / "params").resolve()


def test_unknown_top_level_key_is_an_error():
    data = minimal() | {"audit_yaer": 2024}
    with pytest.raises(ParamsError, match=r"audit_yaer: unknown key \(misspelled\?\)"):
        parse_params(data)


def test_unknown_key_in_a_section_names_the_path():
    data = minimal() | {"q3_targets": {"forecast_levle": 0.9}}
    with pytest.raises(ParamsError, match=r"q3_targets\.forecast_levle: unknown key"):
        parse_params(data)


def test_wrong_type_names_the_key_and_value():
    data = minimal() | {"q4_savings_model": {"market_min_bids": "three"}}
    with pytest.raises(ParamsError, match=r"q4_savings_model\.market_min_bids: .*'three'"):
        parse_params(data)


def test_out_of_range_value_is_an_error():
    with pytest.raises(ParamsError, match=r"q3_targets\.forecast_level"):
        parse_params(minimal() | {"q3_targets": {"forecast_level": 1.5}})


def test_missing_required_key():
    data = minimal()
    del data["audit_year"]
    with pytest.raises(ParamsError, match=r"audit_year: required key is missing"):
        parse_params(data)


def test_bad_criteria_operator():
    data = minimal() | {"q3_targets": {"criteria": {"ja": [{"input": "x", "op": "=>", "value": 1}]}}}
    with pytest.raises(ParamsError, match=r"q3_targets\.criteria\.ja\.0\.op"):
        parse_params(data)


def test_delegation_rule_must_name_known_region_and_body():
    data = minimal() | {"decision_level": {"rules": [{"region": "XXX", "body": "regionstyrelse", "from_value_sek": 1}]}}
    with pytest.raises(ParamsError, match="unknown region 'XXX'"):
        parse_params(data)
    data = minimal() | {"decision_level": {"rules": [{"region": "SRM", "body": "kommunen", "from_value_sek": 1}]}}
    with pytest.raises(ParamsError, match="body 'kommunen' is not in bodies_rank"):
        parse_params(data)


def test_relative_paths_resolve_from_the_file(tmp_path):
    f = tmp_path / "sub" / "p.yaml"
    f.parent.mkdir()
    f.write_text(yaml.safe_dump(minimal() | {"data_dir": "../pkg"}), encoding="utf-8")
    p = load_params(f)
    assert p.data_path == (tmp_path / "pkg").resolve()


def test_not_yaml_and_not_a_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("run_name: [unclosed", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="mapping"):
        load_params(bad)


def test_yaml_is_loaded_safely(tmp_path):
    bad = tmp_path / "evil.yaml"
    bad.write_text("run_name: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(bad)


# ------------------------------------------------------------------ a run file and its base
EXPECTED = Path(__file__).resolve().parent / "expected_params"


def differences(a: dict, b: dict, at: str = "") -> dict:
    """``{dotted key: b's value}`` wherever ``b`` differs from ``a`` (mappings compared key by key)."""
    out = {}
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k, "<absent>"), b.get(k, "<absent>")
        if isinstance(x, dict) and isinstance(y, dict):
            out.update(differences(x, y, f"{at}{k}."))
        elif x != y:
            out[f"{at}{k}"] = y
    return out


def test_the_demo_merged_with_its_base_is_the_resolved_parameters_of_before():
    """params/demo.yaml + base.yaml give exactly the parameters the single demo file gave
    (the stored copy is the demo run's params.resolved.yaml from before the split)."""
    assert dump_params(load_params(ROOT / "params" / "demo.yaml")) == (EXPECTED / "demo.resolved.yaml").read_text(
        encoding="utf-8"
    )


def test_the_other_run_files_differ_from_the_demo_only_in_their_own_keys():
    demo = yaml.safe_load((EXPECTED / "demo.resolved.yaml").read_text(encoding="utf-8"))

    def resolved(name: str) -> dict:
        return yaml.safe_load(dump_params(load_params(ROOT / "params" / name)))

    assert differences(demo, resolved("demo-2024.yaml")) == {
        "audit_year": 2024,
        "evidence": "evidence/demo-2024",
        "followup.previous_results_dir": None,
        "period_end": "2024-12-31",
        "period_start": "2024-01-01",
        "run_name": "demo-2024",
        "summary.answer_by": "2025-02-26",
    }
    assert differences(demo, resolved("2025.yaml")) == {
        "data_dir": "../data/2025",
        "decision_level.rules": [],
        "evidence": "evidence/2025",
        "external_statistics.statistics_dir": None,
        "external_statistics.year": 2025,
        "followup.previous_results_dir": None,
        "generate_demo_data": False,
        "run_name": "2025",
        "sampling": None,
    }


def test_the_run_files_state_only_what_is_their_own():
    """No run file repeats a section's criteria: the shared settings are in base.yaml only."""
    for name in ("demo.yaml", "demo-2024.yaml", "2025.yaml"):
        text = (ROOT / "params" / name).read_text(encoding="utf-8")
        assert text.count("criteria:") == 0 and text.count("\n") < 60, name
        assert load_params(ROOT / "params" / name).source_files[-1] == (ROOT / "params" / "base.yaml")


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


BASE = """\
    regions:
      SRM: {sv: Region Sörmland, en: Region Sörmland}
      VML: {sv: Region Västmanland, en: Region Västmanland}
    seed: 7
    q3_targets:
      forecast_level: 0.7
      min_history_years: 4
      criteria:
        ja: [{input: a, op: ">=", value: 1}]
        till_viss_del: [{input: b, op: ">=", value: 2}]
    q4_savings_model:
      sensitivity_min_bids: [2, 3, 4]
    external_statistics:
      buyers: [A, B]
      buyer_aliases: {A: [a1], B: [b1]}
    sampling:
      confidence: 0.9
"""


def test_a_run_file_merges_over_its_base_section_by_section(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    run = write(
        tmp_path,
        "run.yaml",
        """\
        extends: base.yaml
        run_name: r
        audit_year: 2025
        regions: {UPP: {sv: Region Uppsala, en: Region Uppsala}}
        q3_targets:
          forecast_level: 0.9
          criteria:
            ja: [{input: c, op: "<", value: 3}]
        q4_savings_model:
          sensitivity_min_bids: [5]
        external_statistics:
          buyer_aliases: {A: [a2]}
        sampling: null
    """,
    )
    p = load_params(run)
    assert (p.seed, p.q3_targets.forecast_level, p.q3_targets.min_history_years) == (7, 0.9, 4)  # key by key
    assert [c.input for c in p.q3_targets.criteria.ja] == ["c"]  # a list replaces the base's ...
    assert [c.input for c in p.q3_targets.criteria.till_viss_del] == ["b"]  # ... and the rest is kept
    assert p.q4_savings_model.sensitivity_min_bids == [5]  # not [2, 3, 4, 5]
    assert list(p.regions) == ["UPP"]  # a table of the user's own names replaces the base's
    assert p.external_statistics.buyer_aliases == {"A": ["a2"]} and p.external_statistics.buyers == ["A", "B"]
    assert p.sampling is None  # null removes an optional section
    assert p.source_files == (run, tmp_path / "base.yaml")
    assert p.base_dir == tmp_path.resolve()


def test_merge_params_leaves_both_mappings_as_they_were():
    base = {"seed": 1, "q3_targets": {"forecast_level": 0.7, "criteria": {"ja": []}}}
    over = {"q3_targets": {"criteria": {"till_stor_del": []}}}
    merged = merge_params(base, over)
    assert merged == {"seed": 1, "q3_targets": {"forecast_level": 0.7, "criteria": {"ja": [], "till_stor_del": []}}}
    assert base == {"seed": 1, "q3_targets": {"forecast_level": 0.7, "criteria": {"ja": []}}}
    assert over == {"q3_targets": {"criteria": {"till_stor_del": []}}}


def test_a_chain_of_bases_merges_nearest_last(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    write(tmp_path, "middle.yaml", "extends: base.yaml\nseed: 8\nq3_targets: {forecast_level: 0.8}\n")
    run = write(tmp_path, "run.yaml", "extends: middle.yaml\nrun_name: r\naudit_year: 2025\nseed: 9\n")
    p = load_params(run)
    assert (p.seed, p.q3_targets.forecast_level, p.q3_targets.min_history_years) == (9, 0.8, 4)
    assert [f.name for f in p.source_files] == ["run.yaml", "middle.yaml", "base.yaml"]
    assert load_params_data(run)["seed"] == 9 and "extends" not in load_params_data(run)


def test_section_names_come_from_the_schema():
    from audit_lib.params import RunParams, Section, model_class

    assert SECTION_NAMES == tuple(
        n
        for n, f in RunParams.model_fields.items()
        if (m := model_class(f.annotation)) is not None and issubclass(m, Section)
    )
    assert SECTION_NAMES[:3] == ("q1_process", "q2_gains", "q3_targets") and "sampling" in SECTION_NAMES
    assert "engine" not in SECTION_NAMES and "regions" not in SECTION_NAMES  # common keys
    p = load_params(ROOT / "params" / "demo.yaml")
    assert set(p.common()) | set(SECTION_NAMES) == set(RunParams.model_fields) - {"base_dir", "source_files"}


def test_a_change_of_the_base_reruns_what_reads_it_and_is_recorded(tmp_path, demo_copy, monkeypatch):
    """The base is an input of the run (hashed, listed in the manifest), and a setting changed in
    it reruns the notebooks that read it, exactly as in the run file."""
    from test_run import quiet, tiny_notebook

    from audit_lib.run import runner
    from audit_lib.run.manifest import sha256_file

    monkeypatch.setenv("AUDIT_PDF", "0")
    real = runner.code_state
    monkeypatch.setattr(runner, "code_state", lambda paths: {**real(paths), "source_sha256": "pinned"})
    nbs = tmp_path / "nbs"
    tiny_notebook(nbs, "a_q3", order=10, sections=("q3_targets",), body="res['level'] = P.q3_targets.forecast_level")
    tiny_notebook(nbs, "b_q1", order=20, sections=("q1_process",))
    folder = tmp_path / "params"
    base = write(folder, "base.yaml", BASE)
    run = write(folder, "run.yaml", f"extends: base.yaml\nrun_name: r\naudit_year: 2025\ndata_dir: {demo_copy}\n")
    out = tmp_path / "out"

    def go():
        r = runner.run(run, out_dir=out, notebook_dir=nbs, progress=quiet)
        assert r.ok
        return r

    assert go().executed == ["a_q3", "b_q1"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["params/base.yaml"]["sha256"] == sha256_file(base)
    assert "params/base.yaml" in (out / "a_q3.html").read_text(encoding="utf-8")  # the appendix lists it
    assert go().executed == []
    base.write_text(
        base.read_text(encoding="utf-8").replace("forecast_level: 0.7", "forecast_level: 0.75"), encoding="utf-8"
    )
    r = go()
    assert r.executed == ["a_q3"] and r.reused == ["b_q1"]
    assert json.loads((out / "results" / "a_q3.json").read_text(encoding="utf-8"))["level"] == 0.75
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["params/base.yaml"]["sha256"] == sha256_file(base)

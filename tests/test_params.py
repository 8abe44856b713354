"""The parameter schema: strict, typed, with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from audit_lib.params import ParamsError, load_params, parse_params

ROOT = Path(__file__).resolve().parents[1]


def minimal() -> dict:
    return {"run_name": "t", "audit_year": 2025, "data_dir": "data",
            "regions": {"SRM": {"sv": "Region Sörmland", "en": "Region Sörmland"}}}


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

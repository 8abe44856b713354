"""Hostile parameters, evidence registers and figure labels: each is refused with one message
naming the key (and line, and nearest valid name where there is one), or drawn as written.

Cases (file bytes -> expected message):
- a key written twice in parameters, register or text catalog -> "key 'audit_year' is
  defined twice, on line 2 and line 8"; a repeated section no longer drops its criteria;
- register: question ``Q3``/``q33``, fact ``derivaton_documented``, a dimension, a comment
  key, a recommendation id twice -> error with "did you mean ...";
- ``seed: -1``, ``bootstrap_reps: 1e12``, ``.inf``, ``true`` for a count -> error naming the key;
- paths at or into ``/proc``, ``/etc``, ``/``, or a link into ``/dev`` -> refused; a folder of
  too many files -> refused before it is read;
- figure labels with ``$`` -> drawn literally, no mathtext;
- ``audit run`` and ``audit new-year`` on such parameters -> exit 2, one message, no traceback.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from audit_lib import cli
from audit_lib.evidence import EvidenceError, load_register
from audit_lib.params import ParamsError, load_params, parse_params
from audit_lib.yamlfile import DuplicateKeyError, loads

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo.yaml"
SRC = ROOT / "src" / "audit_lib"


def minimal() -> dict:
    return {
        "run_name": "t",
        "audit_year": 2025,
        "data_dir": "data",
        "regions": {"SRM": {"sv": "Region Sörmland", "en": "Region Sörmland"}},
    }


def demo_text() -> str:
    return DEMO.read_text(encoding="utf-8")


def params_copy(tmp_path: Path, text: str) -> Path:
    """A parameters file with its paths made absolute, and the demo's base beside it."""
    shutil.copy(ROOT / "params" / "base.yaml", tmp_path / "base.yaml")
    p = tmp_path / "p.yaml"
    text = text.replace("evidence: evidence/demo-2025", f"evidence: {ROOT / 'params' / 'evidence' / 'demo-2025'}")
    text = re.sub(
        r"(data_dir|real_bids_dir|statistics_dir|previous_results_dir): \.\./", r"\1: " + str(ROOT) + "/", text
    )
    p.write_text(text, encoding="utf-8")
    return p


# ------------------------------------------------------------------ 1. duplicate keys
def test_duplicate_key_names_the_key_and_both_lines():
    with pytest.raises(DuplicateKeyError, match=r"key 'a' is defined twice, on line 1 and line 3"):
        loads("a: 1\nb: 2\na: 3\n")
    with pytest.raises(DuplicateKeyError, match="key 'a' is defined twice on line 1"):
        loads("x: {a: 1, a: 2}\n")
    assert loads("base: &b {a: 1}\nd:\n  <<: *b\n  a: 2\n") == {"base": {"a": 1}, "d": {"a": 2}}  # merge keys


def test_audit_year_twice_in_parameters_is_an_error_not_the_last_one(tmp_path):
    text = demo_text()
    p = params_copy(tmp_path, text + "\naudit_year: 2024\n")
    first = 1 + text.splitlines().index("audit_year: 2025")
    last = len(text.splitlines()) + 2
    with pytest.raises(ParamsError) as e:
        load_params(p)
    assert str(e.value) == f"{p}: key 'audit_year' is defined twice, on line {first} and line {last}"


def test_repeated_section_is_an_error_not_a_section_without_criteria(tmp_path):
    p = params_copy(tmp_path, demo_text() + "\ndecision_level:\n  period: all_years\n")
    with pytest.raises(ParamsError, match=r"key 'decision_level' is defined twice, on line \d+ and line \d+"):
        load_params(p)


def test_duplicate_key_in_the_evidence_register(tmp_path):
    reg = tmp_path / "ev.yaml"
    reg.write_text("year: 2025\nobservations: []\nrecommendations: []\nobservations: []\n", encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"ev.yaml: key 'observations' is defined twice, on line 2 and line 4"):
        load_register(reg, 2025)


def test_every_yaml_load_in_the_library_refuses_duplicate_keys():
    """No module reads YAML with plain safe_load (which keeps the last of two equal keys)."""
    offenders = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in SRC.rglob("*.py")
        if p.name != "yamlfile.py"
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"yaml\.(safe_load|load|full_load|unsafe_load)\b", line)
    ]
    assert offenders == []


def test_text_catalog_refuses_a_key_twice_in_a_file(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from audit_lib.report import texts

    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.yaml").write_text("k:\n  sv: x\n  en: y\nk:\n  sv: z\n  en: w\n", encoding="utf-8")
    monkeypatch.setattr(texts, "resources", SimpleNamespace(files=lambda _: tmp_path))
    with pytest.raises(texts.TextError, match=r"a.yaml: key 'k' is defined twice, on line 1 and line 4"):
        texts.catalog.__wrapped__()


# ------------------------------------------------------------------ 2. evidence register names
REG = """\
year: 2025
observations:
  - id: E3.1
    question: {question}
    text: {{sv: "Ingen dokumenterad metod."}}
    source: "Granskningsrapport 2025"
    date: 2025-09-30
facts:
  {fact_question}:
    {fact}: {{value: false, evidence: [E3.1]}}
"""


def register(tmp_path: Path, question="q3", fact_question="q3", fact="derivation_documented", extra="") -> Path:
    p = tmp_path / "ev.yaml"
    p.write_text(REG.format(question=question, fact_question=fact_question, fact=fact) + extra, encoding="utf-8")
    return p


def test_well_formed_register_loads_with_the_parameters(tmp_path):
    reg = load_register(register(tmp_path), 2025, load_params(DEMO))
    assert reg.facts_for("q3") == {"derivation_documented": False}


@pytest.mark.parametrize("key,near", [("Q3", "q3"), ("q33", "q3"), ("decison_level", "decision_level")])
def test_unknown_question_of_a_fact_names_the_nearest(tmp_path, key, near):
    with pytest.raises(EvidenceError, match=rf"facts\.{key}: no assessed question '{key}' \(did you mean '{near}'\?\)"):
        load_register(register(tmp_path, fact_question=key), 2025)


def test_unknown_question_of_an_observation_names_the_nearest(tmp_path):
    with pytest.raises(
        EvidenceError,
        match=r"observations\[0\] \(E3\.1\)\.question: unknown question 'Q3' "
        r"\(did you mean 'q3'\?\)",
    ):
        load_register(register(tmp_path, question="Q3"), 2025)


def test_misspelled_fact_names_the_fact_the_criteria_use(tmp_path):
    p = register(tmp_path, fact="derivaton_documented")
    with pytest.raises(
        EvidenceError,
        match=r"facts\.q3\.derivaton_documented: no criterion of q3_targets uses "
        r"'derivaton_documented' \(did you mean 'derivation_documented'\?\)",
    ):
        load_register(p, 2025, load_params(DEMO))


def test_fact_check_works_across_a_folder(tmp_path):
    folder = tmp_path / "ev"
    folder.mkdir()
    register(folder, fact="derivaton_documented").rename(folder / "q3.yaml")
    with pytest.raises(EvidenceError, match=r"q3\.yaml: invalid evidence register\n  facts\.q3\.derivaton_documented"):
        load_register(folder, 2025, load_params(DEMO))


def test_unknown_override_dimension_and_comment_key(tmp_path):
    extra = textwrap.dedent("""\
        overrides:
          summary.efficent:
            level: ja
            justification: {sv: "x"}
            author: "A"
            date: 2025-10-01
        comments:
          q7: {sv: "x"}
        """)
    with pytest.raises(EvidenceError) as e:
        load_register(register(tmp_path, extra=extra), 2025, load_params(DEMO))
    assert "overrides.summary.efficent: unknown dimension 'efficent' (did you mean 'efficient'?)" in str(e.value)
    assert "comments.q7: no question 'q7' in the closing table" in str(e.value)


def test_recommendation_id_twice_in_one_file(tmp_path):
    extra = textwrap.dedent("""\
        recommendations:
          - {id: R1, text: {sv: "a"}}
          - {id: R1, text: {sv: "b"}}
        """)
    with pytest.raises(EvidenceError, match="recommendation ids must be unique: R1"):
        load_register(register(tmp_path, extra=extra), 2025)


def test_unknown_observation_reference_names_the_nearest(tmp_path):
    p = register(tmp_path)
    p.write_text(p.read_text(encoding="utf-8").replace("evidence: [E3.1]", "evidence: [E3.l]"), encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"unknown observation id\(s\) E3\.l \(did you mean 'E3\.1'\?\)"):
        load_register(p, 2025)


# ------------------------------------------------------------------ 3. seeds and counts
@pytest.mark.parametrize(
    "patch,message",
    [
        ({"seed": -1}, r"seed: Input should be greater than or equal to 0 \(got -1\)"),
        ({"seed": 2**40}, r"seed: Input should be less than or equal to 4294967295"),
        (
            {"q1_process": {"bootstrap_reps": 10**12}},
            r"q1_process\.bootstrap_reps: Input should be less than or equal to 100000",
        ),
        ({"q1_process": {"bootstrap_reps": "1e12"}}, r"q1_process\.bootstrap_reps: .*integer.* \(got '1e12'\)"),
        (
            {"causality": {"bootstrap_reps": 1e12}},
            r"causality\.bootstrap_reps: Input should be less than or equal to 100000",
        ),
        ({"q4_savings_model": {"null_model_sims": 10**9}}, r"q4_savings_model\.null_model_sims: .*less than or equal"),
        (
            {"q2_gains": {"hourly_cost_sek": float("inf")}},
            r"q2_gains\.hourly_cost_sek: Input should be a finite number",
        ),
        ({"q6_learning": {"window_years": True}}, r"q6_learning\.window_years: .*not true/false"),
        (
            {"causality": {"event_window": [-100000, 12]}},
            r"causality\.event_window\.0: .*greater than or equal to -240",
        ),
        ({"q4_savings_model": {"sensitivity_min_bids": list(range(1, 200))}}, r"sensitivity_min_bids: .*at most 20"),
    ],
)
def test_seeds_and_counts_are_range_checked(patch, message):
    with pytest.raises(ParamsError, match=message):
        parse_params(minimal() | patch)


def test_yaml_1e12_is_refused_from_a_file(tmp_path):
    p = params_copy(tmp_path, demo_text() + "\nq1_process:\n  bootstrap_reps: 1e12\n")
    with pytest.raises(ParamsError, match=rf"q1_process\.bootstrap_reps: .* \[in {re.escape(str(p))}\]"):
        load_params(p)


# ------------------------------------------------------------------ 4. paths
@pytest.mark.parametrize(
    "patch,key",
    [
        ({"data_dir": "/proc"}, "data_dir"),
        ({"data_dir": "/proc/self"}, "data_dir"),
        ({"data_dir": "/"}, "data_dir"),
        ({"evidence": "/etc"}, "evidence"),
        ({"evidence": "/usr/share/doc"}, "evidence"),
        ({"q4_savings_model": {"real_bids_dir": "/usr"}}, "q4_savings_model.real_bids_dir"),
        ({"external_statistics": {"statistics_dir": "/sys/kernel"}}, "external_statistics.statistics_dir"),
        ({"followup": {"previous_results_dir": "/dev"}}, "followup.previous_results_dir"),
    ],
)
def test_system_folders_are_refused(patch, key):
    with pytest.raises(ParamsError, match=rf"{re.escape(key)}: .* is the system folder /\S* or inside it"):
        parse_params(minimal() | patch)


def test_a_link_to_a_system_folder_is_refused(tmp_path):
    (tmp_path / "data").symlink_to("/proc")
    with pytest.raises(ParamsError, match=r"data_dir: 'data' is the system folder /proc"):
        parse_params(minimal(), base_dir=tmp_path)
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "q1.yaml").symlink_to("/dev/zero")
    with pytest.raises(ParamsError, match=r"evidence: .*q1\.yaml: a link into the system folder /dev"):
        parse_params(minimal() | {"data_dir": "own", "evidence": "ev"}, base_dir=tmp_path)


def test_a_huge_tree_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from audit_lib import safepaths
    from audit_lib.run.manifest import tree_files

    big = tmp_path / "stats"
    big.mkdir()
    for i in range(30):
        (big / f"f{i}.csv").write_text("x\n", encoding="utf-8")
    ok = parse_params(minimal() | {"external_statistics": {"statistics_dir": "stats"}}, base_dir=tmp_path)
    monkeypatch.setattr(safepaths, "MAX_TREE_ENTRIES", 20)
    with pytest.raises(ParamsError, match=r"external_statistics\.statistics_dir: .*stats: holds more than 20 files"):
        parse_params(minimal() | {"external_statistics": {"statistics_dir": "stats"}}, base_dir=tmp_path)
    with pytest.raises(safepaths.PathError, match="holds more than 20 files"):
        tree_files(big)  # the run's input hashing is bounded too
    monkeypatch.setattr(safepaths, "MAX_TREE_ENTRIES", 10_000)
    monkeypatch.setattr(safepaths, "MAX_TREE_BYTES", 50)
    with pytest.raises(ParamsError, match=r"evidence: .*stats: holds more than 50 bytes"):
        parse_params(minimal() | {"evidence": "stats"}, base_dir=tmp_path)
    assert ok.external_statistics.statistics_dir == "stats"


# ------------------------------------------------------------------ 5. figures
@pytest.mark.parametrize("label", ["Fordon $x^{{{$", "IT $a^2$ och $b$"])
def test_dollar_in_a_category_is_drawn_as_written(label):
    import io

    import matplotlib.pyplot as plt

    from audit_lib.report import display as d
    from audit_lib.report.figures.q6_learning import problems_by_category
    from audit_lib.report.style import setup_matplotlib

    setup_matplotlib()
    repeated = pd.DataFrame(
        {"category": [label, "Städ"], "problem": ["p", "p"], "n_procurements": [3, 2], "repeated": [True, False]}
    )
    fig = problems_by_category(repeated, {"p": "Problem $1"})
    d.figure(fig, "caption")  # renders (mathtext raised ValueError here)
    assert label in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    assert f">{label}<" in buf.getvalue()  # one text element holding the label, not a formula


# ------------------------------------------------------------------ 6. the command line
def _cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "audit_lib.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def test_run_with_a_duplicate_key_exits_2_with_one_message(tmp_path):
    p = params_copy(tmp_path, demo_text() + "\nrun_name: other\n")
    proc = _cli(["run", str(p), "--out", str(tmp_path / "out")])
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    first = next(i for i, line in enumerate(demo_text().splitlines(), 1) if line.startswith("run_name:"))
    assert proc.stderr.strip() == (
        f"{p}: key 'run_name' is defined twice, on line {first} and line {len(demo_text().splitlines()) + 2}"
    )
    assert not (tmp_path / "out").exists()


def test_new_year_with_bad_parameters_or_register_exits_2_with_one_message(tmp_path, capsys):
    p = params_copy(tmp_path, demo_text() + "\nseed: -1\n")
    assert cli.main(["new-year", "2026", "--from", str(p), "--out", str(tmp_path / "n.yaml")]) == 2
    err = capsys.readouterr().err
    assert "seed: Input should be greater than or equal to 0 (got -1)" in err and "Traceback" not in err
    ev = tmp_path / "ev"
    ev.mkdir()
    register(ev, fact="derivaton_documented")
    p.write_text(
        p.read_text(encoding="utf-8")
        .replace("seed: -1", "seed: 1")
        .replace(f"evidence: {ROOT / 'params' / 'evidence' / 'demo-2025'}", f"evidence: {ev}"),
        encoding="utf-8",
    )
    assert cli.main(["new-year", "2026", "--from", str(p), "--out", str(tmp_path / "n.yaml")]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'derivation_documented'?" in err and "Traceback" not in err
    assert not (tmp_path / "n.yaml").exists()


def test_run_with_a_misspelled_fact_exits_2_before_any_notebook(tmp_path, demo_dir, capsys):
    """The register is checked with the parameters before anything runs (it used to fail every
    notebook one by one and publish a run WITH FAILURES, exit 1)."""
    ev = tmp_path / "ev"
    ev.mkdir()
    register(ev, fact="derivaton_documented")
    p = params_copy(tmp_path, demo_text())
    p.write_text(
        p.read_text(encoding="utf-8").replace(
            f"evidence: {ROOT / 'params' / 'evidence' / 'demo-2025'}", f"evidence: {ev}"
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert cli.main(["run", str(p), "--data", str(demo_dir), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'derivation_documented'?" in err and "Traceback" not in err
    assert not out.exists()


def test_run_refuses_a_system_folder_as_data_or_output(tmp_path, demo_dir, capsys):
    p = ROOT / "params" / "demo.yaml"
    assert cli.main(["run", str(p), "--data", "/proc", "--out", str(tmp_path / "out")]) == 2
    assert "system folder" in capsys.readouterr().err
    assert cli.main(["run", str(p), "--data", str(demo_dir), "--out", "/etc/audit"]) == 2
    assert "system folder" in capsys.readouterr().err


# ------------------------------------------------------------------ 7. bases (extends)
RUN = "run_name: r\naudit_year: 2025\nregions: {SRM: {sv: S, en: S}}\n"


def two_files(tmp_path: Path, run: str, base: str, base_name: str = "base.yaml") -> Path:
    (tmp_path / base_name).write_text(base, encoding="utf-8")
    p = tmp_path / "run.yaml"
    p.write_text(run, encoding="utf-8")
    return p


def test_a_missing_base_names_the_file_that_extends_it(tmp_path):
    p = tmp_path / "run.yaml"
    p.write_text("extends: bsae.yaml\n" + RUN, encoding="utf-8")
    with pytest.raises(ParamsError) as e:
        load_params(p)
    assert str(e.value) == f"{p}: extends: base file {tmp_path / 'bsae.yaml'} not found"


@pytest.mark.parametrize(
    "files,message",
    [
        (
            {"run.yaml": "extends: run.yaml\n" + RUN},
            r"run\.yaml: extends: 'run\.yaml' makes a cycle \(run\.yaml -> run\.yaml\)",
        ),
        (
            {
                "run.yaml": "extends: a.yaml\n" + RUN,
                "a.yaml": "extends: b.yaml\n",
                "b.yaml": "extends: a.yaml\nseed: 1\n",
            },
            r"b\.yaml: extends: 'a\.yaml' makes a cycle \(run\.yaml -> a\.yaml -> b\.yaml -> a\.yaml\)",
        ),
    ],
)
def test_a_cycle_of_bases_is_refused(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match=message):
        load_params(tmp_path / "run.yaml")


def test_a_long_chain_of_bases_is_refused(tmp_path):
    from audit_lib.params import MAX_EXTENDS

    for i in range(MAX_EXTENDS + 2):
        (tmp_path / f"b{i}.yaml").write_text(f"extends: b{i + 1}.yaml\n", encoding="utf-8")
    (tmp_path / f"b{MAX_EXTENDS + 2}.yaml").write_text(RUN, encoding="utf-8")
    with pytest.raises(ParamsError, match=rf"extends: more than {MAX_EXTENDS} bases in one chain"):
        load_params(tmp_path / "b0.yaml")


@pytest.mark.parametrize(
    "value,message",
    [
        ("../base.yaml", "is not a file name: a base lies in the same folder"),
        ("sub/base.yaml", "is not a file name"),
        ("/etc/passwd", "is not a file name"),
        ("..", "is not a file name"),
        ("base.txt", "is not a .yaml or .yml file"),
        ("[base.yaml]", r"expected the file name of a base parameters file in the same folder \(got \['base.yaml'\]\)"),
        ("''", "expected the file name"),
        ("5", "expected the file name"),
    ],
)
def test_a_base_outside_the_folder_or_not_a_file_name_is_refused(tmp_path, value, message):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_text("seed: 1\n", encoding="utf-8")
    p = tmp_path / "sub" / "run.yaml"
    p.write_text(f"extends: {value}\n" + RUN, encoding="utf-8")
    with pytest.raises(ParamsError, match=rf"^{re.escape(str(p))}: extends: .*{message}"):
        load_params(p)


def test_a_base_that_links_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere.yaml").write_text("seed: 1\n", encoding="utf-8")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "base.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    p = tmp_path / "params" / "run.yaml"
    p.write_text("extends: base.yaml\n" + RUN, encoding="utf-8")
    with pytest.raises(ParamsError, match=r"extends: 'base\.yaml' is a link to .*elsewhere\.yaml, outside the folder"):
        load_params(p)


@pytest.mark.parametrize("base", ["- a list\n", "just text\n", "", "{a: [unclosed\n", "seed: 1\nseed: 2\n"])
def test_a_base_that_is_not_a_mapping_of_keys_is_refused_naming_it(tmp_path, base):
    p = two_files(tmp_path, "extends: base.yaml\n" + RUN, base)
    with pytest.raises(ParamsError) as e:
        load_params(p)
    message = str(e.value)
    assert message.startswith(f"{tmp_path / 'base.yaml'}: "), message
    assert any(
        s in message
        for s in (
            f"expected a mapping of keys to values at the top level (it is the base named by extends in {p})",
            "not valid YAML",
            "key 'seed' is defined twice",
        )
    ), message


def test_unknown_keys_name_the_file_they_are_in(tmp_path):
    p = two_files(
        tmp_path,
        "extends: base.yaml\n" + RUN + "q3_targets: {forecast_levle: 0.9}\n",
        "q1_process: {bootstrap_repz: 10}\nseed: -1\nextendz: x.yaml\n",
    )
    with pytest.raises(ParamsError) as e:
        load_params(p)
    lines = str(e.value).splitlines()
    base = tmp_path / "base.yaml"
    assert lines[0] == f"{p}: invalid parameters"
    assert f"  q3_targets.forecast_levle: unknown key (misspelled?) [in {p}]" in lines
    assert f"  q1_process.bootstrap_repz: unknown key (misspelled?) [in {base}]" in lines
    assert f"  extendz: unknown key (misspelled?) [in {base}]" in lines
    assert f"  seed: Input should be greater than or equal to 0 (got -1) [in {base}]" in lines


def test_a_value_set_in_the_run_file_is_blamed_on_it_not_on_the_base(tmp_path):
    p = two_files(
        tmp_path,
        "extends: base.yaml\n" + RUN + "q1_process: {bootstrap_reps: 5}\n",
        "q1_process: {bootstrap_reps: 2000, interval_level: 0.95}\n",
    )
    with pytest.raises(ParamsError, match=rf"q1_process\.bootstrap_reps: .* \(got 5\) \[in {re.escape(str(p))}\]"):
        load_params(p)


def test_loader_fields_cannot_smuggle_an_input(tmp_path):
    """``source_files`` (the files hashed as inputs) and ``base_dir`` are the loader's, whatever
    a file says."""
    p = tmp_path / "run.yaml"
    p.write_text(RUN + "source_files: [/etc/shadow]\nbase_dir: /etc\n", encoding="utf-8")
    params = load_params(p)
    assert params.source_files == (p,) and params.base_dir == tmp_path.resolve()

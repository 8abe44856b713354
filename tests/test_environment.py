"""The install paths agree: pyproject.toml, requirements.lock, environment.yml, Makefile, CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for ds in project["optional-dependencies"].values() for d in ds]
    out = {}
    for d in deps:
        name, _, version = d.partition("==")
        assert version, f"{d} is not pinned with =="
        out[name.lower()] = version
    return out


def test_environment_yml_lists_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for line in pip:
        if line.startswith("-e"):
            continue
        name, _, version = line.partition("==")
        pins[name.lower()] = version
    assert pins == pyproject_pins()
    assert "python=3.11" in env["dependencies"]


def test_design_card_packages_are_dependencies():
    pins = pyproject_pins()
    for pkg in ("jupyterlab", "papermill", "pandas", "matplotlib", "statsmodels", "nbconvert", "pytest"):
        assert pkg in pins


def test_lock_agrees_with_direct_pins():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            lock[m.group(1).lower().replace("_", "-")] = m.group(2)
    for name, version in pyproject_pins().items():
        assert lock.get(name.replace("_", "-")) == version, name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\s*$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: ", makefile, re.M) and re.search(r"^demo: ", makefile, re.M)

"""The install paths agree: pyproject.toml, requirements.lock, environment.yml, Makefile, CI."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


# extras that the default install leaves out (each has its own lock, requirements-<extra>.lock)
SEPARATE_EXTRAS = ("spark",)


def pyproject_pins(extras: tuple[str, ...] | None = None) -> dict[str, str]:
    """The pins of the default install (dependencies and the extras it includes), or of ``extras``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    optional = project["optional-dependencies"]
    if extras is None:
        deps = project["dependencies"] + [d for k, ds in optional.items() if k not in SEPARATE_EXTRAS for d in ds]
    else:
        deps = [d for k in extras for d in optional[k]]
    out = {}
    for d in deps:
        name, _, version = d.partition("==")
        assert version, f"{d} is not pinned with =="
        out[name.split("[")[0].lower()] = version
    return out


def test_environment_yml_lists_the_same_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = {}
    for line in pip:
        if line.startswith("-e"):
            continue
        name, _, version = line.partition("==")
        pins[name.split("[")[0].lower()] = version
    assert pins == pyproject_pins()
    assert "python=3.11" in env["dependencies"]


def test_design_card_packages_are_dependencies():
    pins = pyproject_pins()
    for pkg in ("jupyterlab", "papermill", "pandas", "matplotlib", "statsmodels", "nbconvert", "pytest"):
        assert pkg in pins


def lock_pins(name: str) -> dict[str, str]:
    lock = {}
    for line in (ROOT / name).read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if m:
            lock[m.group(1).lower().replace("_", "-")] = m.group(2)
    return lock


def test_lock_agrees_with_direct_pins():
    lock = lock_pins("requirements.lock")
    for name, version in pyproject_pins().items():
        assert lock.get(name.replace("_", "-")) == version, name
    for extra in SEPARATE_EXTRAS:  # a separate extra: its own lock, nothing of it in the default one
        own = lock_pins(f"requirements-{extra}.lock")
        for name, version in pyproject_pins((extra,)).items():
            assert own.get(name) == version and name not in lock, name


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test\s*$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: ", makefile, re.M) and re.search(r"^demo: ", makefile, re.M)

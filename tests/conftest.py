"""Shared fixtures: a small demo package, the real data folder, a papermill runner."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run ("derandomize"), so a test run is
# reproducible and CI never turns red on a new random draw. To search for new failures, run
# with HYPOTHESIS_PROFILE=explore (random draws, ten times the examples).
settings.register_profile("default", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
DEMO_LINES = 60_000  # purchase lines in the test demo package (the real demo has 2,000,000)


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """The demo package with fewer purchase lines; read-only for tests (copy to modify)."""
    from audit_lib.demo.generate import generate

    path = tmp_path_factory.mktemp("demo") / "data"
    generate(path, n_lines=DEMO_LINES)
    return path


@pytest.fixture
def demo_copy(demo_dir, tmp_path) -> Path:
    """A private copy of the demo package that a test may change."""
    dst = tmp_path / "data"
    shutil.copytree(demo_dir, dst)
    return dst


@pytest.fixture(scope="session")
def planted(demo_dir) -> dict:
    return json.loads((demo_dir / "PLANTED.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_package(demo_dir):
    from audit_lib.contract import load_package

    return load_package(demo_dir)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (real public data); tests using it skip where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_params_file(tmp_path_factory) -> Path:
    """params/demo.yaml copied beside the evidence register (paths stay valid)."""
    return ROOT / "params" / "demo.yaml"


def run_notebook(name: str, demo_dir: Path, tmp_path: Path, params_file: Path | None = None,
                 language: str = "") -> dict:
    """Execute ``notebooks/<name>.ipynb`` with papermill on ``demo_dir``; return its results."""
    import papermill as pm

    results = tmp_path / "results"
    pm.execute_notebook(
        str(ROOT / "notebooks" / f"{name}.ipynb"), str(tmp_path / f"{name}.ipynb"),
        parameters={"params_file": str(params_file or ROOT / "params" / "demo.yaml"),
                    "data_dir": str(demo_dir), "results_dir": str(results), "language": language},
        kernel_name="python3", cwd=str(ROOT / "notebooks"), progress_bar=False,
    )
    return json.loads((results / f"{name}.json").read_text(encoding="utf-8"))


def output_text(path) -> str:
    """The displayed outputs of an executed notebook (not its code)."""
    import json

    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            for v in out.get("data", {}).values():
                parts.append("".join(v) if isinstance(v, list) else str(v))
            parts.append("".join(out.get("text", [])))
    return "\n".join(parts)

"""Shared fixtures: a small demo package, the real data folder, a papermill runner."""

from __future__ import annotations

import audit_lib  # noqa: F401  # before nbformat: the IRI grammar waits for its first use (audit_lib.lazy_iri)
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
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


def run_notebook(
    name: str, demo_dir: Path, tmp_path: Path, params_file: Path | None = None, language: str = ""
) -> dict:
    """Execute ``notebooks/<name>.ipynb`` with papermill on ``demo_dir``; return its results."""
    import papermill as pm

    results = tmp_path / "results"
    pm.execute_notebook(
        str(ROOT / "notebooks" / f"{name}.ipynb"),
        str(tmp_path / f"{name}.ipynb"),
        parameters={
            "params_file": str(params_file or ROOT / "params" / "demo.yaml"),
            "data_dir": str(demo_dir),
            "results_dir": str(results),
            "language": language,
        },
        kernel_name="python3",
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
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


# ------------------------------------------------------------------------------ runner helpers
# For tests of the runner on tiny notebooks (test_run, test_cache, test_manifest, test_verify,
# test_signoff, test_data_safety, ...). A module that runs the runner without the PDF declares
# ``pytestmark = pytest.mark.usefixtures("no_pdf")``.
@pytest.fixture
def no_pdf(monkeypatch):
    """The site's PDF (headless Chromium, seconds per run) is not what these tests check."""
    monkeypatch.setenv("AUDIT_PDF", "0")


def fresh_python(code: str, *args: str) -> str:
    """What ``code`` prints in a new interpreter (this one's), which must exit 0: for what a
    process has imported after a given import, which this test process cannot show."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout


def quiet(msg: str) -> None:
    """A progress callback that keeps the test output clean."""


def tiny_notebook(
    folder: Path,
    name: str,
    order: int = 10,
    sections: tuple[str, ...] = (),
    body: str = "",
    question: str | None = None,
) -> Path:
    """A notebook that loads the parameters, runs ``body`` (which may add to ``res`` or raise),
    shows one line and writes ``results/<name>.json`` with status ok."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["audit"] = {"order": order, "question": question or name, "sections": list(sections)}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('params_file = ""\ndata_dir = ""\nresults_dir = ""\nlanguage = ""')
    params.metadata["tags"] = ["parameters"]
    setup = nbformat.v4.new_code_cell(
        "import json, pathlib\nfrom audit_lib.params import load_params\nfrom IPython.display import HTML, display\n"
        f"NAME = {name!r}\nP = load_params(params_file)\nR = pathlib.Path(results_dir)\nR.mkdir(parents=True, exist_ok=True)\n"
        "res = {'notebook': NAME, 'status': 'ok', 'title': NAME.upper(), 'audit_year': P.audit_year}"
    )
    work = nbformat.v4.new_code_cell(body or "pass")
    end = nbformat.v4.new_code_cell(
        "display(HTML(f'<p>{NAME}: done</p>'))\n"
        "(R / f'{NAME}.json').write_text(json.dumps(res, sort_keys=True, indent=1) + '\\n', encoding='utf-8')"
    )
    nb.cells = [params, setup, work, end]
    for i, c in enumerate(nb.cells):
        c["id"] = f"{name}-{i:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


def write_params(folder: Path, data_dir: Path, name: str = "params.yaml", **sections: dict) -> Path:
    """A small valid parameters file over ``data_dir`` with the given sections."""
    data = {
        "run_name": "t",
        "audit_year": 2025,
        "data_dir": str(data_dir),
        "regions": {
            "SRM": {"sv": "Region Sörmland", "en": "Region Sörmland"},
            "VML": {"sv": "Region Västmanland", "en": "Region Västmanland"},
        },
        **sections,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

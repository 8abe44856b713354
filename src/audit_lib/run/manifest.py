"""The run manifest: what was run, on what, with which code. Timestamps live only here.

``manifest.json`` (in the output folder) records the code version (commit, whether the tree
had uncommitted changes, and a sha256 over the library source and each notebook), the
resolved parameters and their hash, the sha256 of every input file (data package, evidence
register, parameters file and its bases, files the parameter sections point to), the audited
period (``period``), whether the data package declares itself synthetic (``synthetic_data``), package
versions, start and end time and each notebook's status, duration and cache key.

Every HTML report carries an appendix built from the same facts *except* times and
durations (``appendix_html``), so two runs of the same parameters on the same data give
byte-identical reports; ``audit verify`` compares a rerun against the recorded run.

This module is imported by every notebook kernel (``validated_in_run``), so it imports
nothing heavy at module level (``nbformat`` alone costs about 2.5 s through jsonschema).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..params import PATH_SUFFIXES, RunParams, dump_params
from ..safepaths import bounded_files
from .notebooks import PROJECT_ROOT

if TYPE_CHECKING:  # pragma: no cover
    from .execute import NotebookRun

MANIFEST_VERSION = 1
PACKAGES = (
    "audit-lib",
    "duckdb",
    "ipykernel",
    "jupyter-client",
    "matplotlib",
    "nbconvert",
    "nbformat",
    "numpy",
    "pandas",
    "pandera",
    "papermill",
    "pyarrow",
    "pydantic",
    "pyfixest",
    "scipy",
    "statsmodels",
)
LIB_ROOT = Path(__file__).resolve().parents[1]  # src/audit_lib
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints"}


# ------------------------------------------------------------------------------ hashing
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_json(value: Any) -> str:
    """The hash of a JSON-able value in canonical form (sorted keys, no spaces)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return sha256_bytes(text.encode("utf-8"))


def tree_files(root: Path) -> list[Path]:
    """The files under ``root`` (sorted; hidden files, caches and bytecode left out)."""
    out = []
    for p in sorted(bounded_files(root)):  # a huge tree is refused before it is read
        rel = p.relative_to(root).parts
        if not p.is_file() or any(part.startswith(".") or part in _SKIP_PARTS for part in rel):
            continue
        if p.suffix in (".pyc", ".pyo"):
            continue
        out.append(p)
    return out


def tree_hash(root: Path) -> str:
    """One sha256 over the relative path and content of every file under ``root``."""
    h = hashlib.sha256()
    for p in tree_files(root):
        h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(sha256_file(p).encode("ascii") + b"\n")
    return h.hexdigest()


def input_hashes(files: dict[str, Path]) -> dict[str, str]:
    """``{file name: sha256}`` of the data package's files."""
    return {p.name: sha256_file(p) for _, p in sorted(files.items())}


def display_path(path: Path, root: Path = PROJECT_ROOT) -> str:
    """A path as shown and recorded: relative to the project root when inside it (so that two
    clones record the same), else absolute."""
    p = Path(path).resolve()
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


# ------------------------------------------------------------------------------ inputs
def collect_inputs(
    params: RunParams, params_path: Path, data_files: dict[str, Path], sections: Iterable[str] | None = None
) -> dict[str, dict[str, str]]:
    """Every input file of a run, labelled (``data/…``, ``evidence/…``, ``params/…`` for the
    parameters file and the bases it extends, and ``<section>.<key>/…`` for files a parameter
    section points to), with path and sha256."""
    out: dict[str, dict[str, str]] = {}

    def add(label: str, path: Path) -> None:
        out[label] = {"path": str(Path(path).resolve()), "sha256": sha256_file(path)}

    def add_found(prefix: str, path: Path) -> None:
        """A file as ``prefix/<name>``; a folder's files as ``prefix/<path in the folder>``."""
        if path.is_file():
            add(f"{prefix}/{path.name}", path)
        elif path.is_dir():
            for p in tree_files(path):
                add(f"{prefix}/{p.relative_to(path).as_posix()}", p)

    add(f"params/{Path(params_path).name}", Path(params_path))
    for base in params.source_files[1:]:  # the base files it extends (``extends:``)
        add(f"params/{base.name}", base)
    for _, p in sorted(data_files.items()):
        if p.is_dir():  # a dataset folder: each of its files, as ``run/snapshot.py`` copies them
            add_found(f"data/{p.name}", p)
        else:  # a data file that vanished fails here, as it always did
            add(f"data/{p.name}", p)
    ev = params.path(params.evidence)
    if ev is not None:
        add_found("evidence", ev)
    for section in sections if sections is not None else section_names(params):
        for key, target in section_paths(params, section).items():
            add_found(f"{section}.{key}", target)
    return dict(sorted(out.items()))


def section_names(params: RunParams) -> list[str]:
    from ..params import SECTION_NAMES

    return list(SECTION_NAMES)


def section_paths(params: RunParams, section: str) -> dict[str, Path]:
    """Files or folders a parameter section points to (keys ending in _dir, _file or _path):
    their content is an input of the notebooks that read the section."""
    model = getattr(params, section, None)
    if model is None:
        return {}
    out = {}
    for key in type(model).model_fields:
        value = getattr(model, key)
        if key.endswith(PATH_SUFFIXES) and isinstance(value, str) and value:
            p = params.path(value)
            if p is not None and p.exists():
                out[key] = p
    return out


# ------------------------------------------------------------------------------ validation stamp
def write_validation_stamp(run_dir: Path, data_dir: Path, hashes: dict[str, str]) -> None:
    """Record that the package with these file hashes passed validation in this run, so the
    notebooks of the run need not re-check the large tables."""
    (run_dir / "validation.json").write_text(
        json.dumps({"data_dir": str(data_dir), "files": hashes}, sort_keys=True, indent=1) + "\n", encoding="utf-8"
    )


def validated_in_run(run_dir: Path, data_dir: Path) -> bool:
    stamp = run_dir / "validation.json"
    if not stamp.is_file():
        return False
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    if Path(recorded.get("data_dir", "")) != Path(data_dir).resolve():
        return False
    files = recorded.get("files", {})
    return all((data_dir / n).is_file() and sha256_file(data_dir / n) == h for n, h in files.items())


# ------------------------------------------------------------------------------ code and environment
def git_state(root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """The commit and whether tracked files differ from it (``None`` outside a git checkout)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def code_state(notebooks: Iterable[Path] = (), root: Path = PROJECT_ROOT) -> dict[str, Any]:
    """Commit, dirty flag, sha256 of the library source tree and of each notebook file.
    The source hash identifies the code even where the tree had uncommitted changes."""
    state = git_state(root)
    state["source_sha256"] = tree_hash(LIB_ROOT)
    state["notebooks"] = {Path(p).stem: sha256_file(Path(p)) for p in sorted(notebooks, key=lambda p: Path(p).stem)}
    return state


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, Any]:
    return {"python": platform.python_version(), "packages": package_versions()}


# ------------------------------------------------------------------------------ the manifest
def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat(timespec="seconds")


def build_manifest(
    params: RunParams,
    params_path: Path,
    data_dir: Path | None,
    inputs: dict[str, dict[str, str]],
    code: dict[str, Any],
    env: dict[str, Any],
    runs: list[NotebookRun],
    started: float,
    ended: float,
    language: str,
    notebook_dir: Path | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """``synthetic``: the data package declares itself synthetic (``datapackage.json``)."""
    from ..contract.period import Period

    resolved = dump_params(params)
    return {
        "manifest_version": MANIFEST_VERSION,
        "code": code,
        "python": env["python"],
        "packages": env["packages"],
        "params_file": display_path(params_path),
        "params_path": str(Path(params_path).resolve()),
        "params_sha256": sha256_bytes(resolved.encode("utf-8")),
        "params": params.model_dump(mode="json"),
        "language": language,
        "data_dir": str(Path(data_dir).resolve()) if data_dir is not None else None,
        "period": Period.of(params).to_json(),
        "synthetic_data": synthetic,
        "notebook_dir": display_path(notebook_dir or PROJECT_ROOT / "notebooks"),
        "inputs": inputs,
        "started": iso(started),
        "ended": iso(ended),
        "seconds": round(ended - started, 2),
        "notebooks": [notebook_entry(r) for r in runs],
    }


def notebook_entry(r: NotebookRun) -> dict[str, Any]:
    return {
        "name": r.name,
        "status": r.status,
        "executed": not r.reused,
        "seconds": round(r.seconds, 2),
        "error": r.error,
        "failed_cell": r.failed_cell,
        "key": r.key,
    }


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    p = Path(out_dir) / "manifest.json"
    if not p.is_file():
        return None
    manifest: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return manifest


# ------------------------------------------------------------------------------ the appendix
def appendix_html(manifest: dict[str, Any], language: str, notebook: str | None = None) -> str:
    """The provenance appendix of every report: code version, parameters and their hash, the
    hash of every input file, package versions. No times (they are in manifest.json only)."""
    from ..report.jinja import markup, render
    from ..report.texts import Texts
    from .signoff import draft_banner

    t = Texts(language)
    code = manifest["code"]
    commit = code.get("commit") or t("run.appendix_no_git")
    dirty = {True: t("run.appendix_dirty"), False: t("run.appendix_clean"), None: ""}[code.get("dirty")]
    rows = [
        (t("run.appendix_commit"), f"{commit} {dirty}".strip()),
        (t("run.appendix_source"), code.get("source_sha256", "")),
    ]
    if notebook and notebook in code.get("notebooks", {}):
        rows.append((t("run.appendix_notebook", name=notebook), code["notebooks"][notebook]))
    rows += [
        (t("run.appendix_params_file"), manifest["params_file"]),
        (t("run.appendix_params_hash"), manifest["params_sha256"]),
        (t("run.appendix_language"), manifest["language"]),
    ]
    pk = [("python", manifest["python"])] + sorted((k, v) for k, v in manifest["packages"].items())
    return render(
        "appendix.html.j2",
        banner=markup(draft_banner(language)),
        heading=t("run.appendix_heading"),
        intro=t("run.appendix_intro"),
        rows=rows,
        inputs_heading=t("run.appendix_inputs"),
        file_heading=t("run.appendix_file"),
        files=[(label, v["sha256"]) for label, v in sorted(manifest["inputs"].items())],
        packages_heading=t("run.appendix_packages"),
        packages=", ".join(f"{k} {v if v is not None else '–'}" for k, v in pk),
        verify=t("run.appendix_verify"),
    )

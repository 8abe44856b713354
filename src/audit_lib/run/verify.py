"""``audit verify OUT_DIR``: re-execute a finished run and report every difference.

1. Every input file recorded in ``manifest.json`` is hashed again; a file that is missing or
   no longer matches its recorded sha256 is named (and so is a new file in the data package or
   evidence register that the recorded run did not have).
2. The code version (commit, uncommitted changes, library and notebook checksums) and the
   package versions are compared with the recorded ones.
3. The run is executed again from scratch (no cache) with the recorded parameters file, data
   folder, language and notebooks, into a temporary folder, and every output file is compared
   byte for byte with the recorded run (``manifest.json`` and ``cache.json`` hold times and
   bookkeeping and are not compared). For a report that differs only in its provenance
   appendix (the code version or an input checksum changed, the findings did not) this is said
   separately; for results JSON the first differing keys are named.

The run verifies when no input changed and every output is identical (a report whose
appendix alone differs counts as identical unless ``strict``).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .blocks import without_provenance
from .manifest import code_state, environment, read_manifest, sha256_file, tree_files
from .notebooks import PROJECT_ROOT
from .signoff import check_signatures, finalize, is_final

NOT_COMPARED = {"manifest.json", "cache.json", "signatures.json"}


@dataclass
class FileDiff:
    path: str  # relative to the run folder
    kind: str  # differs | appendix_only | missing_in_rerun | only_in_rerun
    detail: str = ""


@dataclass
class VerifyReport:
    out_dir: Path
    input_problems: list[str] = field(default_factory=list)
    signature_problems: list[str] = field(default_factory=list)
    code_notes: list[str] = field(default_factory=list)
    diffs: list[FileDiff] = field(default_factory=list)
    compared: int = 0
    rerun_error: str | None = None
    strict: bool = False

    @property
    def ok(self) -> bool:
        bad = [d for d in self.diffs if self.strict or d.kind != "appendix_only"]
        return not self.input_problems and not self.signature_problems and not bad and self.rerun_error is None

    def format(self) -> str:
        lines = [f"Verifying {self.out_dir}"]
        if self.input_problems:
            lines.append("Inputs that no longer match the recorded run:")
            lines += [f"  {p}" for p in self.input_problems]
        else:
            lines.append("Inputs: every recorded input file matches its sha256.")
        if self.signature_problems:
            lines.append("Files changed since the run was signed:")
            lines += [f"  {p}" for p in self.signature_problems]
        if self.code_notes:
            lines.append("Code and packages differ from the recorded run:")
            lines += [f"  {n}" for n in self.code_notes]
        if self.rerun_error:
            lines.append(f"The rerun failed: {self.rerun_error}")
        real = [d for d in self.diffs if d.kind != "appendix_only"]
        appendix = [d for d in self.diffs if d.kind == "appendix_only"]
        if real:
            lines.append(f"Outputs that differ ({len(real)} of {self.compared} files):")
            lines += [f"  {d.path}: {d.kind.replace('_', ' ')}{(' - ' + d.detail) if d.detail else ''}" for d in real]
        if appendix:
            lines.append(
                f"Reports whose provenance appendix alone differs ({len(appendix)}): "
                + ", ".join(d.path for d in appendix)
                + (
                    " (counted as differences: --strict)"
                    if self.strict
                    else " (the findings are identical; the appendix records the changed code or inputs)"
                )
            )
        if not self.diffs and self.rerun_error is None:
            lines.append(f"Outputs: all {self.compared} files are byte-identical to the rerun.")
        lines.append("VERIFIED" if self.ok else "NOT VERIFIED")
        return "\n".join(lines)


def check_inputs(manifest: dict[str, Any]) -> list[str]:
    """Recorded input files that are missing or changed (parts read in place, recorded by
    their URI: hashed again where they live, on the recorded engine)."""
    problems = []
    inputs = manifest.get("inputs", {})
    in_place = {label: e for label, e in inputs.items() if _URI.match(e["path"])}
    if in_place:
        problems += check_in_place(manifest.get("params", {}).get("engine", {}), in_place)
    for label, entry in sorted(inputs.items()):
        if label in in_place:
            continue
        p = Path(entry["path"])
        if not p.is_file():
            problems.append(f"{label}: missing ({p})")
        elif sha256_file(p) != entry["sha256"]:
            problems.append(
                f"{label}: changed since the run ({p}; recorded sha256 {entry['sha256'][:12]}…, "
                f"now {sha256_file(p)[:12]}…)"
            )
    return problems


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # hdfs://…, s3a://…, file:/… (as Spark names a local part)


def check_in_place(engine: dict[str, Any], recorded: dict[str, dict[str, str]]) -> list[str]:
    """The parts a run read in place (``engine.purchase_lines``), hashed again on the
    engine: those missing or changed."""
    from ..engine import EngineError, connect
    from ..engine.inplace import hash_parts

    try:
        con = connect(engine)
    except EngineError as e:
        return [f"{label}: cannot be checked ({e})" for label in sorted(recorded)]
    uris = [e["path"] for e in recorded.values()]
    now: dict[str, str] = {}
    for batch in [uris] + [[u] for u in uris]:  # all at once; one by one when one is missing
        try:
            now |= hash_parts(con, batch)
        except Exception:  # noqa: BLE001  (Spark's "path does not exist"): missing
            continue
        if batch is uris:
            break
    return [
        f"{label}: missing ({e['path']})"
        if e["path"] not in now
        else f"{label}: changed since the run ({e['path']}; recorded sha256 {e['sha256'][:12]}…, "
        f"now {now[e['path']][:12]}…)"
        for label, e in sorted(recorded.items())
        if now.get(e["path"]) != e["sha256"]
    ]


def compare_code(manifest: dict[str, Any], notebook_dir: Path) -> list[str]:
    notes = []
    rec = manifest.get("code", {})
    names = list(rec.get("notebooks", {}))
    now = code_state([notebook_dir / f"{n}.ipynb" for n in names if (notebook_dir / f"{n}.ipynb").is_file()])
    if rec.get("commit") != now.get("commit"):
        notes.append(f"commit: recorded {rec.get('commit')}, now {now.get('commit')}")
    if rec.get("dirty") != now.get("dirty"):
        notes.append(f"uncommitted changes: recorded {rec.get('dirty')}, now {now.get('dirty')}")
    if rec.get("source_sha256") != now.get("source_sha256"):
        notes.append("library source (src/audit_lib) differs")
    for n, h in rec.get("notebooks", {}).items():
        if now["notebooks"].get(n) != h:
            notes.append(f"notebook {n}: {'missing' if n not in now['notebooks'] else 'differs'}")
    env = environment()
    if manifest.get("python") != env["python"]:
        notes.append(f"python: recorded {manifest.get('python')}, now {env['python']}")
    for k, v in sorted(manifest.get("packages", {}).items()):
        if env["packages"].get(k) != v:
            notes.append(f"{k}: recorded {v}, now {env['packages'].get(k)}")
    return notes


def compare_dirs(recorded: Path, rerun: Path) -> tuple[list[FileDiff], int]:
    """Every file of both runs (but manifest and cache), compared byte for byte."""
    a = {p.relative_to(recorded).as_posix(): p for p in tree_files(recorded)}
    b = {p.relative_to(rerun).as_posix(): p for p in tree_files(rerun)}
    diffs = []
    names = sorted((set(a) | set(b)) - NOT_COMPARED)
    for rel in names:
        if rel not in b:
            diffs.append(FileDiff(rel, "missing_in_rerun"))
        elif rel not in a:
            diffs.append(FileDiff(rel, "only_in_rerun"))
        else:
            x, y = a[rel].read_bytes(), b[rel].read_bytes()
            if x != y:
                diffs.append(describe(rel, x, y))
    return diffs, len(names)


def describe(rel: str, x: bytes, y: bytes) -> FileDiff:
    if rel.endswith(".html"):
        sx, sy = x.decode("utf-8", "replace"), y.decode("utf-8", "replace")
        if without_provenance(sx) == without_provenance(sy):
            return FileDiff(rel, "appendix_only")
        return FileDiff(rel, "differs", f"first difference at line {_first_line(sx, sy)}")
    if rel.endswith((".json", ".ipynb")):
        try:
            a, b = json.loads(x), json.loads(y)
            paths = json_diff(a, b)
        except ValueError:
            paths = []
        if paths:
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            rounding = float_noise(a, b)
            note = (
                (
                    f" (floating-point digits only: largest relative difference {rounding:.0e}; an "
                    "unordered or parallel sum somewhere)"
                )
                if rounding is not None
                else ""
            )
            return FileDiff(rel, "differs", f"at {shown}{note}")
    return FileDiff(rel, "differs")


def float_noise(a: Any, b: Any, tolerance: float = 1e-9) -> float | None:
    """If two JSON values differ only in floats, each within ``tolerance`` relative, the
    largest relative difference; else None."""
    worst = [0.0]

    def walk(x: Any, y: Any) -> bool:
        if isinstance(x, dict) and isinstance(y, dict):
            return x.keys() == y.keys() and all(walk(x[k], y[k]) for k in x)
        if isinstance(x, list) and isinstance(y, list):
            return len(x) == len(y) and all(walk(i, j) for i, j in zip(x, y))
        if isinstance(x, float) and isinstance(y, float) and x != y:
            r = abs(x - y) / max(abs(x), abs(y))
            worst[0] = max(worst[0], r)
            return r <= tolerance
        return bool(x == y)

    return worst[0] if walk(a, b) and worst[0] > 0 else None


def _first_line(a: str, b: str) -> int:
    for i, (la, lb) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if la != lb:
            return i
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def json_diff(a: Any, b: Any, path: str = "") -> list[str]:
    """The paths (``table[3].gap``) at which two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in a or k not in b:
                out.append(sub)
            else:
                out += json_diff(a[k], b[k], sub)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path or '(top)'} (length {len(a)} vs {len(b)})"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += json_diff(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [path or "(top)"]


def verify(
    out_dir: str | Path, strict: bool = False, keep: Path | None = None, progress: Callable[[str], None] | None = None
) -> VerifyReport:
    """Check the inputs of the run in ``out_dir``, execute it again and compare."""
    from .runner import RunError, run

    out = Path(out_dir).resolve()
    manifest = read_manifest(out)
    if manifest is None:
        raise FileNotFoundError(f"{out}: no manifest.json (not the output folder of an audit run)")
    if keep is not None and (keep.resolve() == out or out in keep.resolve().parents or keep.resolve() in out.parents):
        raise ValueError(
            f"--keep {keep} is, contains or lies inside the run being verified ({out}); the rerun "
            "would replace what it is compared with. Keep it in another folder."
        )
    report = VerifyReport(out, strict=strict)
    report.input_problems = check_inputs(manifest)
    report.signature_problems = check_signatures(out)
    nb_dir = Path(manifest.get("notebook_dir") or PROJECT_ROOT / "notebooks")
    if not nb_dir.is_absolute():
        nb_dir = PROJECT_ROOT / nb_dir
    report.code_notes = compare_code(manifest, nb_dir)
    params_path = Path(manifest.get("params_path") or PROJECT_ROOT / manifest["params_file"])
    names = [n["name"] for n in manifest.get("notebooks", [])]
    tmp = Path(tempfile.mkdtemp(prefix="audit-verify-"))
    rerun_dir = keep.resolve() if keep else tmp / out.name
    try:
        try:
            result = run(
                params_path,
                data_dir=manifest["data_dir"],
                out_dir=rerun_dir,
                only=names,
                language=manifest.get("language"),
                notebook_dir=nb_dir,
                force=True,
                progress=progress,
            )
        except RunError as e:
            report.rerun_error = str(e)
            return report
        recorded_labels = set(manifest.get("inputs", {}))
        for label in sorted(set(result.manifest.get("inputs", {})) - recorded_labels):
            report.input_problems.append(f"{label}: a new input file the recorded run did not have")
        if is_final(out):  # the recorded run was made final by its reviewer: so is the rerun
            finalize(rerun_dir, manifest.get("language") or "sv")
        report.diffs, report.compared = compare_dirs(out, rerun_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return report

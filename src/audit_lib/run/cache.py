"""The run cache: skip a notebook whose code, parameters and inputs are unchanged.

A notebook's output is a function of
- its **code**: the notebook file and the library source (``src/audit_lib``, hashed as a whole:
  the simplest honest choice, since a notebook can reach any module through the imports of the
  ones it names) and the environment (Python and package versions);
- its **parameters**: the common keys (``RunParams.common()``, less ``notebooks``, which only
  selects what runs), the sections named in its ``metadata.audit.sections`` and the language;
- its **inputs**: every file of the data package, every file of the evidence register, the
  files its sections point to (keys ending in ``_dir``/``_file``/``_path``, e.g.
  ``followup.previous_results_dir``) and, for notebooks that run after all others (summary,
  follow-up), the results JSON of every notebook that ran before them in this run.

The key is the sha256 of those parts. After a run, ``cache.json`` in the output folder records
each successful notebook's key, its parts and the sha256 of its outputs. A rerun into the same
output folder copies a notebook's outputs (``notebooks/<name>.ipynb``, ``results/<name>.json``)
from the previous run instead of executing it when its key is unchanged and its recorded
outputs are intact. Its HTML report is copied too when the provenance appendix it would get
is the same as last time (nothing in the run changed); otherwise the previous report gets the
new run's appendix in place of its own (the appendix is the only part of a report that depends
on the run; a fresh rendering gives the same bytes, which ``audit verify`` checks). Its internal
rendition (``internal/<name>.html``, with code and no appendix) is always copied.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..params import RunParams
from .manifest import sha256_file, sha256_json
from .notebooks import NotebookInfo
from .blocks import appendix_block, appendix_on_page
from .render import as_rendered
from .site import internal_page

CACHE_FILE = "cache.json"
CACHE_VERSION = 1
NOT_IN_KEY = ("notebooks",)  # common keys that select what runs but change no output


@dataclass
class Fingerprint:
    """The parts of one notebook's cache key; ``inputs`` maps input label -> sha256."""

    code: str
    environment: str
    params: str
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return sha256_json(
            {"code": self.code, "environment": self.environment, "params": self.params, "inputs": self.inputs}
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "environment": self.environment,
            "params": self.params,
            "inputs": dict(sorted(self.inputs.items())),
        }


def params_part(params: RunParams, sections: tuple[str, ...] | list[str], language: str) -> dict[str, Any]:
    """What a notebook reads of the parameters: the common keys and its own sections."""
    common = {k: v for k, v in params.common().items() if k not in NOT_IN_KEY}
    secs = {s: getattr(params, s).model_dump(mode="json") for s in sorted(sections) if hasattr(params, s)}
    return {"common": common, "sections": secs, "language": language}


def input_part(info: NotebookInfo, inputs: dict[str, dict[str, str]]) -> dict[str, str]:
    """The run's input files a notebook depends on: data, evidence, and what its sections
    point to (not the parameters file itself: its content enters through ``params_part``)."""
    own = tuple(f"{s}." for s in info.sections)
    return {
        label: v["sha256"]
        for label, v in inputs.items()
        if label.startswith(("data/", "evidence/")) or label.startswith(own)
    }


def fingerprint(
    info: NotebookInfo,
    params: RunParams,
    language: str,
    code: dict[str, Any],
    env: dict[str, Any],
    inputs: dict[str, dict[str, str]],
    results_dir: Path | None = None,
) -> Fingerprint:
    """The fingerprint of ``info`` in this run. For after-all notebooks pass ``results_dir``:
    the results present when it starts are part of its inputs."""
    code_part = sha256_json(
        {"notebook": code["notebooks"].get(info.name) or sha256_file(info.path), "source": code["source_sha256"]}
    )
    ins = input_part(info, inputs)
    if info.after_all and results_dir is not None:
        for p in sorted(Path(results_dir).glob("*.json")):
            if p.stem != info.name:
                ins[f"results/{p.name}"] = sha256_file(p)
    return Fingerprint(code_part, sha256_json(env), sha256_json(params_part(params, info.sections, language)), ins)


def outputs_of(run_dir: Path, name: str) -> dict[str, Path]:
    return {"notebook": run_dir / "notebooks" / f"{name}.ipynb", "results": run_dir / "results" / f"{name}.json"}


# ------------------------------------------------------------------------------ the cache file
def _cache_file(out_dir: Path) -> dict[str, Any]:
    """The previous run's ``cache.json``; empty if it is absent, unreadable or of another version."""
    try:
        data = json.loads((Path(out_dir) / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == CACHE_VERSION else {}


def read_cache(out_dir: Path) -> dict[str, Any]:
    return _cache_file(out_dir).get("notebooks", {})


def cache_entry(fp: Fingerprint, run_dir: Path, name: str, appendix: str = "") -> dict[str, Any]:
    """What the next run needs to reuse this notebook: its key and the key's parts, the sha256
    of its outputs, and of its HTML report with the appendix it was rendered with."""
    html = run_dir / f"{name}.html"
    internal = internal_page(run_dir, name)
    block = appendix_on_page(html.read_text(encoding="utf-8")) if html.is_file() else None
    return {
        "key": fp.key,
        "parts": fp.to_json(),
        "outputs": {k: sha256_file(p) for k, p in outputs_of(run_dir, name).items() if p.is_file()},
        "html": sha256_file(html) if html.is_file() else None,
        "appendix": sha256_json(appendix),
        "appendix_block": sha256_json(block) if block is not None else None,
        "internal": sha256_file(internal) if internal.is_file() else None,
    }


def _intact(path: Path, recorded: str | None) -> bool:
    """True if ``path`` exists and has the sha256 the previous run recorded for it."""
    return recorded is not None and path.is_file() and sha256_file(path) == recorded


def internal_reusable(previous: dict[str, Any], prev_dir: Path, name: str) -> Path | None:
    """The previous run's internal rendition of this (reused) notebook if it is intact, else
    None. It has no appendix, so a reused notebook's rendition is the same in this run."""
    p = internal_page(prev_dir, name)
    return p if _intact(p, (previous.get(name) or {}).get("internal")) else None


def html_with_new_appendix(previous: dict[str, Any], prev_dir: Path, name: str, appendix: str) -> str | None:
    """The previous run's report of this (reused) notebook with its provenance appendix
    replaced by ``appendix``: the page a fresh rendering would give, since the appendix is the
    only part of a report that depends on the run (it has no headings, so the contents box does
    not change). ``None`` unless the previous report is intact (its recorded sha256) and holds
    exactly one appendix block, the one recorded (``appendix_block``: the block as it stands on
    the page, after nbconvert's BeautifulSoup pass, not the markup the template was given);
    then the report is rendered instead. The new appendix goes through the same pass."""
    entry = previous.get(name) or {}
    html = prev_dir / f"{name}.html"
    if not appendix or not entry.get("appendix_block") or not _intact(html, entry.get("html")):
        return None
    text = html.read_text(encoding="utf-8")
    at = appendix_block(text)
    if at is None or sha256_json(text[at[0] : at[1]]) != entry["appendix_block"]:
        return None
    return text[: at[0]] + as_rendered(appendix) + text[at[1] :]


def html_reusable(previous: dict[str, Any], prev_dir: Path, name: str, appendix: str) -> bool:
    """True if the previous run rendered this (reused) notebook with the same appendix and its
    HTML is intact: the report would come out byte-identical, so it is copied, not rendered.
    (The renderer's code is part of the key: a change to it reruns the notebook.)"""
    entry = previous.get(name) or {}
    return entry.get("appendix") == sha256_json(appendix) and _intact(prev_dir / f"{name}.html", entry.get("html"))


def read_pdf_record(out_dir: Path) -> dict[str, str]:
    """The previous run's PDF record (``pdf.PdfResult.record``); empty if there is none."""
    pdf = _cache_file(out_dir).get("pdf")
    return {k: v for k, v in pdf.items() if isinstance(v, str)} if isinstance(pdf, dict) else {}


def cache_json(entries: dict[str, dict[str, Any]], pdf: dict[str, str] | None = None) -> str:
    """``cache.json``: each notebook's entry (:func:`cache_entry`) and the PDF's record."""
    record: dict[str, Any] = {"version": CACHE_VERSION, "notebooks": dict(sorted(entries.items()))}
    if pdf:
        record["pdf"] = pdf
    return json.dumps(record, sort_keys=True, indent=1) + "\n"


def reusable(previous: dict[str, Any], prev_dir: Path, name: str, fp: Fingerprint) -> bool:
    """True if the previous run has this notebook with the same key and intact outputs."""
    entry = previous.get(name)
    if not entry or entry.get("key") != fp.key:
        return False
    recorded = entry.get("outputs", {})
    return all(_intact(p, recorded.get(kind)) for kind, p in outputs_of(prev_dir, name).items())


def must_rerun(previous: dict[str, Any], name: str, fp: Fingerprint) -> bool:
    """True if the notebook runs whatever its inputs hold: no previous result, or its code,
    packages or parameters changed (``fp``'s inputs are not looked at: they may not be read yet)."""
    parts = (previous.get(name) or {}).get("parts")
    if not parts:
        return True
    return (parts.get("code"), parts.get("environment"), parts.get("params")) != (fp.code, fp.environment, fp.params)


def why_rerun(previous: dict[str, Any], name: str, fp: Fingerprint) -> str:
    """In a few words, why a notebook runs again (for the progress line and the manifest)."""
    entry = previous.get(name)
    if not entry:
        return "no previous result"
    parts = entry.get("parts", {})
    reasons = []
    if parts.get("code") != fp.code:
        reasons.append("code changed")
    if parts.get("environment") != fp.environment:
        reasons.append("packages changed")
    if parts.get("params") != fp.params:
        reasons.append("parameters changed")
    old = parts.get("inputs", {})
    changed = sorted(k for k in set(old) | set(fp.inputs) if old.get(k) != fp.inputs.get(k))
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        reasons.append(f"inputs changed: {shown}")
    return "; ".join(reasons) or "previous outputs missing or modified"


def copy_html(prev_dir: Path, staging: Path, name: str) -> None:
    shutil.copy2(prev_dir / f"{name}.html", staging / f"{name}.html")


def copy_outputs(prev_dir: Path, staging: Path, name: str) -> None:
    for kind, src in outputs_of(prev_dir, name).items():
        dst = outputs_of(staging, name)[kind]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)

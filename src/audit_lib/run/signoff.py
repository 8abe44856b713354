"""Draft, reviewed, final: ``audit sign OUT --role preparer|reviewer|fact_check --name NAME``.

A run is a draft until a reviewer signs it: every public report carries a draft banner
("Utkast" / "Draft") in its provenance appendix (``manifest.appendix_html``), and so does the
index page, the site built from them (its own pages too: ``appendix.html``, and the index
where the run has none) and the PDF printed from the site.

A signature records role, name, date, note and the sha256 of every file of the run (but
``signatures.json`` itself and ``cache.json``, the rerun bookkeeping) in
``OUT/signatures.json``. The reviewer's signature first makes the run final: the banner is
removed from the pages in place, the site and the PDF are built again from them, and the
hashes recorded are those of the final files. The fact check by the audited body
(sakgranskning) and the preparer's sign-off are recorded the same way, without changing a page.

``check_signatures`` names every file changed, removed or added after the latest signature
(``audit verify`` reports them); ``is_signed`` tells the runner that a folder holds a signed run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .blocks import without_draft_banner

ROLES = ("preparer", "reviewer", "fact_check")
SIGNATURES = "signatures.json"
NOT_SIGNED = {SIGNATURES, "cache.json"}
_STYLE = (
    "position:fixed;top:0;right:0;z-index:10;background:#b00020;color:#fff;font-weight:bold;"
    "padding:0.3rem 0.9rem;border-bottom-left-radius:6px;letter-spacing:0.05em"
)


class SignError(Exception):
    """The run cannot be signed (the message says why)."""


def draft_banner(language: str) -> str:
    """The banner every public page shows until a reviewer signs."""
    from ..report.jinja import macro
    from ..report.texts import Texts

    return macro("display.html.j2", "draft_banner", Texts(language)("signoff.draft"), _STYLE)


def strip_draft(html: str) -> str:
    return without_draft_banner(html)


# ------------------------------------------------------------------ the record
def read_signatures(out_dir: Path) -> list[dict[str, Any]]:
    p = Path(out_dir) / SIGNATURES
    if not p.is_file():
        return []
    data = json.loads(p.read_text(encoding="utf-8"))
    return list(data.get("signatures", [])) if isinstance(data, dict) else []


def is_signed(out_dir: Path) -> bool:
    """Whether ``out_dir`` holds a run that anyone has signed."""
    try:
        return bool(read_signatures(out_dir))
    except (OSError, ValueError):
        return True  # an unreadable record is not proof that nobody signed


def is_final(out_dir: Path) -> bool:
    """Whether a reviewer has signed the run (it is no longer a draft)."""
    return any(s.get("role") == "reviewer" for s in read_signatures(out_dir))


def file_hashes(out_dir: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file of the run a signature covers."""
    from .manifest import sha256_file, tree_files

    out_dir = Path(out_dir)
    return {
        p.relative_to(out_dir).as_posix(): sha256_file(p)
        for p in tree_files(out_dir)
        if p.relative_to(out_dir).as_posix() not in NOT_SIGNED
    }


# ------------------------------------------------------------------ making a run final
def finalize(out_dir: Path, language: str) -> list[str]:
    """Remove the draft banner from every page of the run, then build the site and the PDF
    again from the pages (the PDF only where the run has one). Returns the pages changed."""
    from .site import SITE_DIR, build_site

    out_dir = Path(out_dir)
    changed = []
    for p in sorted(out_dir.rglob("*.html")):
        html = p.read_text(encoding="utf-8")
        final = strip_draft(html)
        if final != html:
            p.write_text(final, encoding="utf-8")
            changed.append(p.relative_to(out_dir).as_posix())
    site = out_dir / SITE_DIR
    if site.is_dir():
        keep = [p for p in site.iterdir() if p.suffix == ".xlsx"]  # the workbook's copy
        saved = {p.name: p.read_bytes() for p in keep}
        pdf = any(p.suffix == ".pdf" for p in out_dir.iterdir())
        build_site(out_dir, language, pdf=pdf, internal=False, draft=False)
        for name, data in saved.items():
            (site / name).write_bytes(data)
    return changed


@dataclass
class Signature:
    role: str
    name: str
    date: str
    note: str
    files: dict[str, str]
    finalized: list[str]


def sign(out_dir: Path, role: str, name: str, note: str = "", today: dt.date | None = None) -> Signature:
    """Record a signature of the run in ``out_dir`` (a reviewer's first makes it final)."""
    from ..report.results import write_json_atomic

    out_dir = Path(out_dir)
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        raise SignError(f"{out_dir}: no manifest.json (not the output folder of an audit run)")
    if role not in ROLES:
        raise SignError(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    if not name.strip():
        raise SignError("a signature needs a name")
    try:
        previous = read_signatures(out_dir)
    except ValueError as e:
        raise SignError(f"{out_dir / SIGNATURES}: not readable ({e})") from None
    finalized = []
    if role == "reviewer" and not any(s.get("role") == "reviewer" for s in previous):
        language = json.loads(manifest_path.read_text(encoding="utf-8")).get("language") or "sv"
        finalized = finalize(out_dir, language)
    sig = Signature(role, name.strip(), (today or dt.date.today()).isoformat(), note, file_hashes(out_dir), finalized)
    record = {
        "signatures": previous
        + [{"role": sig.role, "name": sig.name, "date": sig.date, "note": sig.note, "files": sig.files}]
    }
    write_json_atomic(out_dir / SIGNATURES, json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return sig


def check_signatures(out_dir: Path) -> list[str]:
    """Files changed, removed or added since the latest signature (empty when unsigned)."""
    try:
        sigs = read_signatures(out_dir)
    except (OSError, ValueError) as e:
        return [f"{SIGNATURES}: not readable ({e})"]
    if not sigs:
        return []
    last = sigs[-1]
    signed, now = last.get("files", {}), file_hashes(out_dir)
    who = f"{last.get('role')} {last.get('name')} on {last.get('date')}"
    out = [
        f"{rel}: changed after the signature of {who}"
        for rel in sorted(set(signed) & set(now))
        if signed[rel] != now[rel]
    ]
    out += [f"{rel}: removed after the signature of {who}" for rel in sorted(set(signed) - set(now))]
    out += [f"{rel}: added after the signature of {who}" for rel in sorted(set(now) - set(signed))]
    return out


def archive_signed(out_dir: Path) -> Path:
    """Move a signed run aside (``<out>.signed-<n>``) so a forced rerun does not overwrite it."""
    out_dir = Path(out_dir)
    n = 1
    while (dst := out_dir.with_name(f"{out_dir.name}.signed-{n}")).exists():
        n += 1
    shutil.move(str(out_dir), dst)
    return dst

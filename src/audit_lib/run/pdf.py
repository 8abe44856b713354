"""HTML -> PDF with headless Chromium (the system package), offline and deterministic.

Chromium prints the page with its print stylesheet (``@media print`` in ``audit.css``), no
browser header or footer (they would carry a date and a file path), page numbers from the
stylesheet's ``@page`` rules, and no network (the page's Content-Security-Policy allows no
request; background networking is switched off). The PDF's creation and modification dates
are then set to a fixed value so that the same run gives the same bytes.

The PDF is tagged (Chromium writes the structure tree from the page's HTML: headings, tables,
lists, figures with their text alternative), carries the page's title and language, and has
bookmarks from the headings. It is not checked against PDF/UA (see docs/publishing.md).

PDF creation is skipped, with a warning and no error, where Chromium is absent, and can be
switched off for fast test runs with ``AUDIT_PDF=0`` (also ``off``, ``false``, ``no``).

Printing the demo review takes Chromium 7-12 s (83 pages; tagging them is 3 s of it), so a rerun
into the same folder copies the previous PDF instead when it would be printed from the same
bytes by the same Chromium with the same flags and this module's same code (:func:`print_key`,
recorded in ``cache.json``), and the previous PDF still has the bytes recorded for it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .manifest import sha256_bytes, sha256_file

ENV_SWITCH = "AUDIT_PDF"
ENV_CHROMIUM = "AUDIT_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
TIMEOUT_S = 180
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--metrics-recording-only",
    "--mute-audio",
    "--hide-scrollbars",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=10000",
    "--generate-pdf-document-outline",  # bookmarks from the headings (the PDF is tagged by default)
)
_PDF_DATE = re.compile(rb"\(D:\d{14}[^)]*\)")
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)([^<]*)(</xmp:)")
_UUID = re.compile(rb"(<xmpMM:(?:DocumentID|InstanceID)>)([^<]*)(</xmpMM:)")
_TRAILER_ID = re.compile(rb"/ID \[<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>\]")
# The structure tree's element ids: Chromium names each element after its DOM node (``node`` and
# 8 digits, in /ID, the table cells' /Headers and the ID tree's /Names and /Limits).
_NODE_ID = re.compile(rb"\(node(\d{8})\)")
_ELEMENT_ID = re.compile(rb"/ID \(node(\d{8})\)")
_ID_LEAF = re.compile(rb"/Limits \[\(node\d{8}\) \(node\d{8}\)\]\s*/Names \[((?:\(node\d{8}\) \d+ \d+ R ?)+)\]")
_ID_PAIR = re.compile(rb"\((node\d{8})\) (\d+ \d+ R)")


class PdfError(RuntimeError):
    """Chromium ran but made no PDF (crash, timeout)."""


@dataclass
class PdfResult:
    path: Path | None
    pages: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why no PDF was made
    key: str | None = None  # what it was printed from (:func:`print_key`)
    reused: bool = False  # copied from the previous run (:func:`print_or_reuse`)

    def record(self) -> dict[str, str]:
        """What the next run needs to reuse this PDF (``cache.json``); empty if there is none."""
        if self.path is None or self.key is None:
            return {}
        return {"key": self.key, "sha256": sha256_file(self.path)}


@dataclass(frozen=True)
class PreviousPdf:
    """The previous run's PDF and its record in ``cache.json`` (:meth:`PdfResult.record`)."""

    path: Path
    record: dict[str, str]


def pdf_enabled(default: bool = True) -> bool:
    """False when ``AUDIT_PDF`` is 0/off/false/no."""
    value = os.environ.get(ENV_SWITCH, "").strip().lower()
    if not value:
        return default
    return value not in ("0", "off", "false", "no")


def find_chromium() -> str | None:
    """``AUDIT_CHROMIUM``, else /usr/bin/chromium, else chromium on the PATH; None if absent."""
    for candidate in (os.environ.get(ENV_CHROMIUM), DEFAULT_CHROMIUM):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def normalise_pdf(data: bytes) -> bytes:
    """Fixed dates, ids and structure element ids (same byte lengths, so the cross-reference
    offsets stay valid)."""

    def same_len(fill: bytes) -> Callable[[re.Match[bytes]], bytes]:
        def repl(m: re.Match[bytes]) -> bytes:
            inner = m.group(0)
            return (fill * len(inner))[: len(inner)]

        return repl

    def date(m: re.Match[bytes]) -> bytes:
        s = m.group(0)
        fixed = b"(D:20000101000000" + b"Z" + b")"
        return fixed.ljust(len(s), b" ")[: len(s)] if len(fixed) <= len(s) else s

    data = _PDF_DATE.sub(date, data)
    data = _XMP_DATE.sub(
        lambda m: m.group(1) + b"2000-01-01T00:00:00Z".ljust(len(m.group(2)))[: len(m.group(2))] + m.group(3), data
    )
    data = _UUID.sub(lambda m: m.group(1) + re.sub(rb"[0-9a-fA-F]", b"0", m.group(2)) + m.group(3), data)
    data = _TRAILER_ID.sub(lambda m: b"/ID [<" + b"0" * len(m.group(1)) + b"> <" + b"0" * len(m.group(2)) + b">]", data)
    return renumber_structure_ids(data)


def _sorted_id_leaf(m: re.Match[bytes]) -> bytes:
    """One leaf of the ID tree (a name tree: keys sorted) with its pairs sorted again and its
    limits set from them; unchanged if that would change its length."""
    pairs: list[tuple[bytes, bytes]] = sorted(_ID_PAIR.findall(m.group(1)))
    names = b" ".join(b"(" + key + b") " + ref for key, ref in pairs).ljust(len(m.group(1)))
    if len(names) != len(m.group(1)):
        return m.group(0)
    limits = b"/Limits [(" + pairs[0][0] + b") (" + pairs[-1][0] + b")]"
    return limits + m.group(0)[len(limits) : m.start(1) - m.start(0)] + names + m.group(0)[m.end(1) - m.start(0) :]


def renumber_structure_ids(data: bytes) -> bytes:
    """Number the structure tree's element ids 1, 2, ... in the order of the elements in the file.

    Chromium names each element after its DOM node, and which node ids the renderer handed out
    before printing varies from run to run (it gives the same page ids shifted by a few), so the
    same page printed twice could differ in these ids alone. The new ids have the same length
    (the cross-reference offsets stay valid) and the ID tree's leaf is sorted again; where the
    ID tree is not one leaf, the ids keep their order instead (numbered by rank).
    """
    found = [m.group(1) for m in _ELEMENT_ID.finditer(data)]
    found += [m.group(1) for m in _NODE_ID.finditer(data)]  # a table cell's header without an element
    leaves = len(_ID_LEAF.findall(data))
    order = list(dict.fromkeys(found)) if leaves == 1 else sorted(set(found))
    new = {old: b"%08d" % i for i, old in enumerate(order, 1)}
    data = _NODE_ID.sub(lambda m: b"(node" + new[m.group(1)] + b")", data)
    return _ID_LEAF.sub(_sorted_id_leaf, data) if leaves == 1 else data


def count_pages(data: bytes) -> int:
    """Pages in a PDF: the /Count of its page tree root (else the /Type /Page objects)."""
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    if counts:
        return max(counts)
    return len(re.findall(rb"/Type\s*/Page\b", data))


def html_to_pdf(html_path: Path, pdf_path: Path, chromium: str | None = None, timeout: int = TIMEOUT_S) -> PdfResult:
    """Print ``html_path`` to ``pdf_path``; raise :class:`PdfError` if Chromium makes no PDF."""
    exe = chromium or find_chromium()
    if exe is None:
        return PdfResult(None, skipped="Chromium is not installed (looked for /usr/bin/chromium and chromium)")
    started = time.perf_counter()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="audit-chromium-") as profile:
        tmp_pdf = Path(profile) / "out.pdf"
        cmd = [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}/profile",
            f"--print-to-pdf={tmp_pdf}",
            Path(html_path).resolve().as_uri(),
        ]
        env = {**os.environ, "TZ": "UTC", "LANG": "C.UTF-8"}
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as e:
            raise PdfError(f"Chromium did not finish the PDF within {timeout} s") from e
        if not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PdfError(f"Chromium made no PDF (exit {proc.returncode}): {' | '.join(tail)}")
        data = normalise_pdf(tmp_pdf.read_bytes())
    pdf_path.write_bytes(data)
    return PdfResult(pdf_path, pages=count_pages(data), seconds=time.perf_counter() - started)


def print_key(html: bytes, chromium: str) -> str:
    """What a PDF is a function of: the printed document's bytes, the Chromium it is printed
    with (its version), the flags and this module's code (the normalisation)."""
    try:
        version = subprocess.run([chromium, "--version"], capture_output=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        version = b""
    parts = (html, chromium.encode(), version, "\0".join(CHROMIUM_FLAGS).encode(), Path(__file__).read_bytes())
    return hashlib.sha256(b"".join(hashlib.sha256(part).digest() for part in parts)).hexdigest()


def print_or_reuse(
    html_path: Path,
    pdf_path: Path,
    chromium: str,
    previous: PreviousPdf | None = None,
    printer: Callable[[Path, Path], PdfResult] = html_to_pdf,
) -> PdfResult:
    """``printer(html_path, pdf_path)`` (:func:`html_to_pdf`), or the previous run's PDF copied
    when its recorded key is this print's key and its bytes are the ones recorded for it."""
    key = print_key(Path(html_path).read_bytes(), chromium)
    if previous is not None and previous.record.get("key") == key:
        try:
            data = previous.path.read_bytes()
        except OSError:
            data = b""
        if data and sha256_bytes(data) == previous.record.get("sha256"):
            pdf_path.parent.mkdir(parents=True, exist_ok=True)
            pdf_path.write_bytes(data)  # the bytes that were checked
            return PdfResult(pdf_path, pages=count_pages(data), key=key, reused=True)
    result = printer(html_path, pdf_path)
    result.key = key
    return result

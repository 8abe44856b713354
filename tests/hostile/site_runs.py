"""Runs of the review for the browser and safe-HTML tests, made once per test session, and
a headless Chromium driven by Playwright that checks a page as a reader's browser would.

``demo_run`` is the demo package as is; ``planted_run`` is a copy of it (and of the evidence
register) with script and markup planted in every free-text column of every table and in
every text of the register. Both are cached for the whole session (one run each).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pandas as pd
import yaml

from audit_lib.params import load_params_data

from . import PAYLOADS

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params" / "demo.yaml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "outputs" / "test-artifacts"

_CACHE: dict[str, Any] = {}


@dataclass
class RunInfo:
    out: Path
    seconds: float
    ok: bool
    planted: dict[str, int] = field(default_factory=dict)  # table.column -> cells planted


# ------------------------------------------------------------------ planting
# Columns whose values are matched against parameters (region codes, decision bodies) or a
# fixed list of the contract (allowed values) stay as they are; every other text column gets
# a payload appended. The payload depends only on the original value, so ids and categories
# still match across tables.
KEEP = {"lead_region", "region", "initiated_by"}


def poison(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return value
    k = int(hashlib.sha256(str(value).encode("utf-8")).hexdigest(), 16) % len(PAYLOADS)
    return f"{value} {PAYLOADS[k]}"


def plant_package(src: Path, dst: Path) -> dict[str, int]:
    """Copy the package at ``src`` to ``dst`` with payloads in every free-text cell."""
    from audit_lib.contract.spec import TABLES

    shutil.copytree(src, dst)
    counts: dict[str, int] = {}
    for name, spec in TABLES.items():
        files = [p for p in dst.iterdir() if p.stem == name]
        if not files:
            continue
        path = files[0]
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in spec.columns:
            if col.type != "str" or col.allowed is not None or col.name in KEEP or col.name not in df.columns:
                continue
            before = df[col.name].astype(object)
            df[col.name] = before.map(poison)
            counts[f"{name}.{col.name}"] = int((df[col.name] != before).fillna(False).sum())
        if path.suffix == ".parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_csv(path, index=False)
    return counts


_TEXT_KEYS = {"sv", "en", "source", "author", "comment", "note"}


def _plant_yaml(node: Any, counts: list[int]) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k in _TEXT_KEYS and isinstance(v, str):
                counts[0] += 1
                out[k] = poison(v)
            else:
                out[k] = _plant_yaml(v, counts)
        return out
    if isinstance(node, list):
        return [_plant_yaml(v, counts) for v in node]
    return node


def planted_params(tmp: Path, data: Path) -> tuple[Path, int]:
    """params/demo.yaml with its paths made absolute, ``data_dir`` the planted package and the
    evidence register a planted copy; returns (params file, texts planted)."""
    params = load_params_data(PARAMS)
    base = PARAMS.parent

    def absolute(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    str((base / v).resolve())
                    if isinstance(v, str) and (k.endswith("_dir") or k == "evidence") and not os.path.isabs(v)
                    else absolute(v)
                )
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [absolute(v) for v in node]
        return node

    params = absolute(params)
    src_ev = Path(params["evidence"])
    dst_ev = tmp / "evidence"
    dst_ev.mkdir(parents=True)
    counts = [0]
    for f in sorted(src_ev.glob("*.y*ml")):
        data_ev = yaml.safe_load(f.read_text(encoding="utf-8"))
        (dst_ev / f.name).write_text(
            yaml.safe_dump(_plant_yaml(data_ev, counts), allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    params["evidence"] = str(dst_ev)
    params["data_dir"] = str(data)
    params["generate_demo_data"] = False
    out = tmp / "planted.yaml"
    out.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out, counts[0]


# ------------------------------------------------------------------ the runs (once per session)
def _run(params: Path, data: Path, out: Path, pdf: bool, language: str | None = None) -> RunInfo:
    """``audit run`` in this process (notebooks in 2 worker processes), PDF on or off
    whatever the environment says; in ``language`` (else the parameters')."""
    from audit_lib.run.runner import run

    saved = os.environ.get("AUDIT_PDF")
    os.environ["AUDIT_PDF"] = "1" if pdf else "0"
    started = time.perf_counter()
    try:
        result = run(params, data_dir=data, out_dir=out, jobs=2, language=language, progress=lambda msg: None)
    finally:
        if saved is None:
            os.environ.pop("AUDIT_PDF", None)
        else:
            os.environ["AUDIT_PDF"] = saved
    return RunInfo(out, time.perf_counter() - started, result.ok)


def demo_run(base: Path, demo_dir: Path) -> RunInfo:
    if "demo" not in _CACHE:
        _CACHE["demo"] = _run(PARAMS, demo_dir, base / "demo-run", pdf=True)
    return _CACHE["demo"]


def planted_run(base: Path, demo_dir: Path) -> RunInfo:
    if "planted" not in _CACHE:
        tmp = base / "planted"
        counts = plant_package(demo_dir, tmp / "data")
        params, n_texts = planted_params(tmp, tmp / "data")
        counts["evidence register texts"] = n_texts
        info = _run(params, tmp / "data", tmp / "out", pdf=False)  # the PDF is tested on the demo run
        info.planted = counts
        _CACHE["planted"] = info
    return _CACHE["planted"]


# ------------------------------------------------------------------ the browser
@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (the system package) under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageReport:
    url: str
    console_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests that would have left the machine
    dialogs: list[str] = field(default_factory=list)
    unsized_figures: list[str] = field(default_factory=list)
    figures: int = 0
    links: int = 0
    broken_links: list[str] = field(default_factory=list)
    pwned: Any = None
    dangerous: list[str] = field(default_factory=list)  # elements that could run script
    text: str = ""
    html: str = ""


def _local(url: str) -> bool:
    return url.startswith(("file:", "data:", "about:", "blob:"))


def check_page(browser: Any, path: Path, screenshot: Path | None = None) -> PageReport:
    """Open ``path`` from file://, with every non-local request aborted and counted; collect
    console errors and dialogs; measure every figure; resolve every link."""
    report = PageReport(path.as_uri())
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r: Any) -> None:
        if _local(r.request.url):
            r.continue_()
        else:
            report.blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.console_errors.append(str(e)))
    page.on("request", lambda r: None if _local(r.url) or r.url in report.blocked else report.blocked.append(r.url))

    def on_dialog(d: Any) -> None:
        report.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(report.url, wait_until="load")
    page.wait_for_timeout(200)
    sizes = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure svg, figure img, img, svg[role=img]')).map(e => {
               const r = e.getBoundingClientRect();
               return {tag: e.tagName, w: r.width, h: r.height, natural: e.naturalWidth === undefined ? -1 : e.naturalWidth,
                       label: e.getAttribute('aria-label') || e.getAttribute('alt') || ''};
           })"""
    )
    report.figures = len(sizes)
    report.unsized_figures = [
        f"{s['tag']} {s['label'][:60]}" for s in sizes if s["w"] <= 0 or s["h"] <= 0 or s["natural"] == 0
    ]
    links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))")
    ids = set(page.evaluate("() => Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
    report.links = len(links)
    report.broken_links = [h for h in links if not _resolves(h, path, ids)]
    report.pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
    report.dangerous = page.evaluate(
        """() => Array.from(document.querySelectorAll('*')).flatMap(e => {
               const out = [];
               const tag = e.tagName.toLowerCase();
               if (['script', 'iframe', 'object', 'embed', 'frame'].includes(tag)) out.push(tag);
               for (const a of e.attributes) {
                   const v = (a.value || '').trim().toLowerCase();
                   if (a.name.startsWith('on') || a.name === 'srcdoc') out.push(`${tag}[${a.name}]`);
                   if (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(a.name) && v.startsWith('javascript:'))
                       out.push(`${tag}[${a.name}=javascript:]`);
               }
               return out;
           })"""
    )
    report.text = page.inner_text("body")
    report.html = page.content()
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return report


_ID = re.compile(r' id="([^"]*)"')


def _resolves(href: str, page: Path, ids: set[str]) -> bool:
    if href.startswith("#"):
        return unquote(href[1:]) in ids
    u = urlparse(href)
    if u.scheme or u.netloc:  # http(s), javascript:, mailto: ... never in an offline report
        return False
    target = (page.parent / unquote(u.path)).resolve()
    if not target.is_file():
        return False
    if u.fragment:
        return unquote(u.fragment) in set(_ID.findall(target.read_text(encoding="utf-8", errors="replace")))
    return True

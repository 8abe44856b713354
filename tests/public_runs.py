"""Full demo runs in Swedish and in English, each with last year's results for the follow-up,
made once per test session and shared by the accessibility and plain-words tests; and the
browser helpers those tests use (axe-core through Playwright, a page's visible text).

The runs: the demo's previous year (``params/demo-2024.yaml``, Swedish), then the demo year
(``params/demo.yaml``) in Swedish and in English, each comparing with that previous run.
The PDF is off (it is tested in test_browser.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hostile.site_runs import CHROMIUM, RunInfo, _run

from audit_lib.params import load_params_data

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params"
LANGUAGES = ("sv", "en")
# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_CACHE: dict[str, Any] = {}


def _absolute_params(src: Path, dst: Path, **changes: Any) -> Path:
    """``src`` with its relative paths made absolute (they are relative to its folder) and
    ``changes`` applied to its sections (``followup__previous_results_dir=...``)."""
    params = load_params_data(src)

    def absolute(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (
                    str((src.parent / v).resolve())
                    if isinstance(v, str) and (k.endswith("_dir") or k == "evidence") and not os.path.isabs(v)
                    else absolute(v)
                )
                for k, v in node.items()
            }
        return [absolute(v) for v in node] if isinstance(node, list) else node

    params = absolute(params)
    for key, value in changes.items():
        section, _, name = key.partition("__")
        params.setdefault(section, {})[name] = value
    dst.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dst


def language_runs(base: Path, demo_dir: Path) -> dict[str, RunInfo]:
    """``{"sv": run, "en": run}`` of the demo year, each with the previous year to follow up;
    also ``"sv-2024"``, the previous year's run itself."""
    if "runs" not in _CACHE:
        base.mkdir(parents=True, exist_ok=True)
        previous = _run(
            _absolute_params(PARAMS / "demo-2024.yaml", base / "demo-2024.yaml"),
            demo_dir,
            base / "demo-2024",
            pdf=False,
            language="sv",
        )
        params = _absolute_params(
            PARAMS / "demo.yaml", base / "demo.yaml", followup__previous_results_dir=str(previous.out / "results")
        )
        runs = {"sv-2024": previous}
        for lang in LANGUAGES:
            runs[lang] = _run(params, demo_dir, base / f"demo-{lang}", pdf=False, language=lang)
        _CACHE["runs"] = runs
    return _CACHE["runs"]


def public_pages(out: Path) -> list[Path]:
    """Every public page of a run: the reports and index at its top, everything in site/."""
    return sorted(out.glob("*.html")) + sorted((out / "site").rglob("*.html"))


def page_name(out: Path, page: Path) -> str:
    return page.relative_to(out).as_posix()


def open_page(browser: Any, path: Path, width: int = 1280) -> tuple[Any, Any]:
    """A fresh context and page showing ``path`` from file:// at ``width`` CSS pixels."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    return context, page


def each_page(
    runs: dict[str, RunInfo], keys: tuple[str, ...], width: int = 1280, top: bool = True
) -> Iterator[tuple[str, Any]]:
    """``("<run>/<page>", open page)`` for every public page of the runs ``keys``, one
    browser for all; ``top=False`` leaves out the pages at the run's top (the same reports
    as in site/, less its navigation)."""
    from hostile.site_runs import chromium

    with chromium() as browser:
        for key in keys:
            out = runs[key].out
            for path in public_pages(out):
                if not top and path.parent == out:
                    continue
                context, page = open_page(browser, path, width)
                try:
                    yield f"{key}/{page_name(out, path)}", page
                finally:
                    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on an open page: rule id, impact, and
    the first few offending elements."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"][:3]],
            "summary": (v["nodes"][0].get("failureSummary") or "")[:300] if v["nodes"] else "",
        }
        for v in results.response["violations"]
    ]


# The text a reader sees, without code-formatted blocks (the run's parameters and checksums
# in the appendix are a technical record, shown as code on purpose).
VISIBLE_TEXT = """() => {
    document.querySelectorAll('pre.params, .run-appendix code, script, style, svg').forEach(e => e.remove());
    document.querySelectorAll('details').forEach(d => d.setAttribute('open', ''));
    return document.body.innerText;
}"""


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()

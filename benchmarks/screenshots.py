"""Screenshots of a run's published pages at a desktop and a phone width, to look at.

Usage:  .venv/bin/python benchmarks/screenshots.py [RUN_FOLDER] [--out FOLDER]
RUN_FOLDER defaults to outputs/demo (a finished demo review); the PNGs go to
benchmarks/_work/screenshots/ (git-ignored), one full-page image per page and width, named
``<page>-<width>.png``. Each page is also measured: the document's width against the window's
(a wider document scrolls sideways) is printed beside the file name.

Needs Playwright and the system's Chromium (/usr/bin/chromium). Not a test: a person opens
the images and looks for text that runs off the page, labels that overlap and faint text. A
fixed element (the draft banner) shows where it sits in the first 900 px high window.
"""

from __future__ import annotations

import argparse
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PAGES = ("index.html", "site/q1_process.html", "site/q4_savings_model.html", "site/causality.html")
WIDTHS = (1280, 360)
ROOT = Path(__file__).resolve().parents[1]


def shoot(run: Path, out: Path, pages: tuple[str, ...] = PAGES, widths: tuple[int, ...] = WIDTHS) -> list[str]:
    """Write the screenshots; return one line per image: its name and the page's widths."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    lines = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for name in pages:
                for width in widths:
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    page = context.new_page()
                    page.goto((run / name).resolve().as_uri(), wait_until="load")
                    target = out / f"{Path(name).stem}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    lines.append(f"{target.name}: document {scroll} px wide in a {width} px window")
                    context.close()
        finally:
            browser.close()
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", nargs="?", default=str(ROOT / "outputs" / "demo"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "_work" / "screenshots"))
    a = ap.parse_args()
    for line in shoot(Path(a.run), Path(a.out)):
        print(line)


if __name__ == "__main__":
    main()

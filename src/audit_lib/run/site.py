"""The published site of a run: ``<run>/site/`` (public pages and index) and the PDF.

Called by the runner on the staging folder after the reports are rendered.
"""

from __future__ import annotations

from pathlib import Path


def build_site(run_dir: Path, language: str) -> None:
    """Build ``run_dir/site/`` from the rendered run (to be implemented)."""
    return None

"""Executed notebook -> self-contained HTML (no code for the public rendition).

The ``audit`` nbconvert template (``report/templates/audit``) extends JupyterLab's, loads
nothing from the network and inlines the project's stylesheet. Cells tagged ``internal``
(analysts' notes) and the parameters cells are left out of the public rendition, as are
warnings printed to stderr; a failed notebook is rendered with its code and traceback under a
banner, so the failing cell is visible.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from ..report.texts import Texts

TEMPLATES = Path(str(resources.files("audit_lib.report") / "templates"))
CSS = (resources.files("audit_lib.report") / "static" / "audit.css").read_text(encoding="utf-8")
HIDDEN_TAGS = {"internal", "parameters", "injected-parameters", "remove-cell"}


def public_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    return nb


def render_html(
    nb: nbformat.NotebookNode, *, language: str, public: bool = True, failed: bool = False,
    index_href: str = "index.html", appendix_html: str = "",
) -> str:
    t = Texts(language)
    show_code = not public or failed
    exporter = HTMLExporter(
        template_name="audit", extra_template_basedirs=[str(TEMPLATES)], exclude_input=not show_code,
        exclude_input_prompt=not show_code, exclude_output_prompt=True, embed_images=True,
    )
    node = public_cells(nb) if (public and not failed) else nb
    body, _ = exporter.from_notebook_node(
        node,
        resources={
            "language_code": language, "audit_css": CSS, "audit_index_href": index_href,
            "audit_index_label": "← " + t("common.index_title"), "audit_failed": failed,
            "audit_failed_text": t("common.failed_banner"), "audit_appendix": appendix_html,
        },
    )
    return body


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")

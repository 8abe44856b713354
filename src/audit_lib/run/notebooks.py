"""The notebooks of the review, found in ``notebooks/`` with their metadata.

Each notebook declares in its metadata ``audit``: ``order`` (run and list order), ``question``
(e.g. ``q3``) and ``sections`` (the parameter sections it reads besides the common keys).
Notebooks with ``order >= AFTER_ALL`` (summary, follow-up) read the others' results and run
after all of them have finished. A notebook with ``standalone: true`` (method validation) is
not part of a region's review: it runs only when named (``notebooks:`` in the parameters or
``--only``). A notebook with ``requires: <section>`` (sampling) runs in a review only when the
parameters have that section. ``cost`` (seconds, about what it takes on the demo) tells the
runner which notebooks to start first when it has not timed them in the output folder yet (the
longest first: ``run/schedule.py``); it changes only the order, never an output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

AFTER_ALL = 900
PROJECT_ROOT = Path(__file__).resolve().parents[3]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"


@dataclass(frozen=True)
class NotebookInfo:
    name: str
    path: Path
    order: int
    question: str | None
    sections: tuple[str, ...]
    standalone: bool = False
    requires: str | None = None  # a parameter section that must be set for the notebook to run
    cost: float = 0.0  # about how many seconds it takes on the demo (which to start first)

    @property
    def after_all(self) -> bool:
        return self.order >= AFTER_ALL


def discover(folder: Path = NOTEBOOK_DIR) -> list[NotebookInfo]:
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {}).get("audit")
        if not meta:
            continue
        found.append(
            NotebookInfo(
                name=path.stem,
                path=path,
                order=int(meta.get("order", 500)),
                question=meta.get("question"),
                sections=tuple(meta.get("sections", [])),
                standalone=bool(meta.get("standalone", False)),
                requires=meta.get("requires"),
                cost=float(meta.get("cost", 0.0)),
            )
        )
    return sorted(found, key=lambda n: (n.order, n.name))


def select(all_notebooks: list[NotebookInfo], names: list[str] | None, params: object = None) -> list[NotebookInfo]:
    """The notebooks named (in run order); unknown names are an error naming the known ones.
    Without names: every notebook of the review (not the standalone ones, nor those whose
    required section ``params`` does not set)."""
    if not names:
        return [
            n
            for n in all_notebooks
            if not n.standalone and (n.requires is None or getattr(params, n.requires, None) is not None)
        ]
    known = {n.name: n for n in all_notebooks}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown notebook(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [n for n in all_notebooks if n.name in set(names)]

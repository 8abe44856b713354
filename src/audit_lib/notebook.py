"""What a notebook needs, in one call: parameters, validated data, evidence, texts, recorder.

A notebook's parameters cell holds four values (papermill injects them in a run)::

    params_file = "../params/demo.yaml"
    data_dir = ""        # "" = the data_dir of the parameters file
    results_dir = ""     # "" = outputs/interactive/results (for work in JupyterLab)
    language = ""        # "" = the language of the parameters file

and its first code cell is ``audit = start("q3_targets", params_file, data_dir, results_dir,
language)``. Then it calls the question's library module, shows what it returns with
``audit.show``, records every stated figure with ``audit.record``, assesses with
``audit.assess`` and ends with ``audit.finish()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.display import display

from .assess import Assessment, assess
from .contract import DataPackage, load_package
from .contract.period import Period, see_period
from .evidence import EvidenceRegister, contradictions, load_register, what_if
from .params import RunParams, load_params
from .report import display as d
from .report.fmt import Formatter
from .report.results import dumps, write_json_atomic
from .report.style import setup_matplotlib
from .report.texts import Texts
from .report.values import label
from .run.manifest import validated_in_run
from .run.typed import load_typed

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Audit:
    def __init__(
        self,
        name: str,
        params: RunParams,
        package: DataPackage,
        evidence: EvidenceRegister,
        results_dir: Path,
        language: str,
    ) -> None:
        self.name = name
        self.params = params
        self.package = package
        self.evidence = evidence
        self.results_dir = results_dir
        self.language = language
        self.t = Texts(language)
        self.f = Formatter(language)
        self.results: dict[str, Any] = {
            "notebook": name,
            "audit_year": params.audit_year,
            "language": language,
            "audit_period": Period.of(params).to_json(),
            "synthetic_data": package.metadata.synthetic,
        }
        self.assessment: Assessment | None = None

    @property
    def section(self) -> Any:
        return getattr(self.params, self.name)

    @property
    def year(self) -> int:
        return self.params.audit_year

    @property
    def period(self) -> Period:
        """The audited period (``period_start`` to ``period_end``)."""
        return Period.of(self.params)

    @property
    def seed(self) -> int:
        """The run's seed; a question derives its own streams from it."""
        return int(self.params.seed)

    # -- showing ---------------------------------------------------------------------------
    def show(self, *parts: Any) -> None:
        for p in parts:
            display(p)

    def show_internal(self, *parts: Any) -> None:
        """Shown in the internal rendition only (for the auditors), never on a public page."""
        for p in parts:
            display(p, metadata={"audit": {"internal": True}})

    def title(self) -> None:
        """The report's title, a line saying what was audited on which data, and, on a what-if
        run (a parameter other than the board's documented rule), a banner saying so."""
        title = self.t(f"{self.name}.title")
        self.results["title"] = title
        regions = ", ".join(getattr(r, self.language) for r in self.params.regions.values())
        self.show(
            d.Html(f'<h1 class="report-title">{d.esc(title)}</h1>'),
            d.paragraph(self.t("common.scope", year=self.year, regions=regions, **Period.of(self.params).to_json())),
        )
        changed = what_if(self.evidence, self.params)
        self.results["what_if"] = changed
        if changed:
            items = "; ".join(
                self.t(
                    "common.what_if_item",
                    parameter=label(self.t, [f"parameter.{c['parameter']}"], c["parameter"]),
                    value=c["value"],
                    rule=c["rule"],
                    source=c["source"],
                )
                for c in changed
            )
            self.show(d.callout(self.t("common.what_if", items=items), "warning"))

    # -- recording -------------------------------------------------------------------------
    def record(self, **values: Any) -> None:
        self.results.update(values)

    def assess(
        self, question: str, inputs: dict[str, Any] | None, criteria: Any | None = None, format_value: Any = None
    ) -> Assessment | None:
        """Assess on the four-level scale from ``inputs`` and the auditors' facts; show it with
        its rule and evidence, and record it. ``inputs`` None (the question has no data to
        assess): nothing is assessed, shown or recorded."""
        if inputs is None:
            return None
        facts = self.evidence.facts_for(question)
        clash = sorted(set(facts) & set(inputs))
        if clash:  # a fact never silently replaces a figure the data gives (an override says why)
            raise ValueError(
                f"the evidence register gives {question} the fact(s) {', '.join(clash)}, which the data "
                "already computes; remove them from the register, or record an override with its reason"
            )
        all_inputs = {**inputs, **facts}
        conflicts = contradictions(self.evidence, question)
        if conflicts:  # for the auditors to settle before publishing
            self.show_internal(d.callout(self.t("evidence.contradiction", items="; ".join(conflicts)), "warning"))
        a = assess(
            question,
            criteria if criteria is not None else self.section.criteria,
            all_inputs,
            self.evidence.override_for(question, self.language),
            self.params.edge_tolerance,
            self.params.stability_step,
        )
        self.assessment = a
        self.results["assessment"] = a.to_json()
        self.show(
            d.heading(self.t("assess.section"), 2),
            d.assessment_box(a, self.t, format_value, self.evidence.fact_evidence(question)),
        )
        self.show(
            d.heading(self.t("evidence.heading"), 3), d.evidence_list(self.evidence.evidence_for(question), self.t)
        )
        return a

    def parameters(self) -> dict[str, Any]:
        """The parameters the results were computed with: the notebook's own section (as the
        run resolved it, defaults included) and the run-wide settings the analysis reads."""
        out: dict[str, Any] = {
            "seed": self.params.seed,
            "edge_tolerance": self.params.edge_tolerance,
            "stability_step": self.params.stability_step,
        }
        section = getattr(self.params, self.name, None)
        if section is not None and hasattr(section, "model_dump"):
            out[self.name] = section.model_dump(mode="json")
        return out

    def finish(self) -> Path:
        """Write ``results/<notebook>.json`` with ``status: ok``."""
        self.results["parameters"] = self.parameters()
        self.results["status"] = "ok"
        path = self.results_dir / f"{self.name}.json"
        write_json_atomic(path, dumps(self.results))
        return path


def start(
    name: str,
    params_file: str,
    data_dir: str = "",
    results_dir: str = "",
    language: str = "",
) -> Audit:
    """Load the parameters, the validated data package and the evidence register."""
    params = load_params(_from_root(params_file))
    lang = language or params.language
    data = Path(data_dir) if data_dir else params.data_path
    out = Path(results_dir) if results_dir else PROJECT_ROOT / "outputs" / "interactive" / "results"
    if data is None:  # a run that reads no data package (method validation)
        package = DataPackage(root=Path("."))
    elif not data.is_dir():  # never created here: a run only reads its data folder
        hint = " For the demo: `audit demo-data data/demo` (or `make demo`)." if params.generate_demo_data else ""
        raise FileNotFoundError(f"No data package at {data}.{hint}")
    else:
        package = _load(data, out.parent, list(params.regions))
    package = see_period(package, Period.of(params))  # no question sees a row after the period's end
    evidence = load_register(params.path(params.evidence), params.audit_year, params)
    setup_matplotlib()
    d.set_language(lang)
    return Audit(name, params, package, evidence, out, lang)


def _load(data: Path, run_dir: Path, regions: list[str]) -> DataPackage:
    """The validated package: in ``audit run``, the typed tables the run wrote once after it
    validated its snapshot (``run/typed.py``: their stamp is checked; a changed file fails with
    :class:`~audit_lib.run.typed.TypedSnapshotError` naming it); elsewhere parsed and validated
    here (the large tables only if this run has not validated them)."""
    typed = load_typed(run_dir, data, regions)
    if typed is not None:
        return typed
    return load_package(data, check_large_tables=not validated_in_run(run_dir, data), regions=regions)


def _from_root(path: str) -> Path:
    """A relative path as given in a notebook: tried from the working folder, then the root."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    for base in (PROJECT_ROOT / "notebooks", PROJECT_ROOT):
        if (base / p).exists():
            return base / p
    return p

"""The whole parameters file (``RunParams``): the common keys, one field per section, and the
checks that span sections (the audited period, delegation rules naming known regions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from .sections import (
    CausalityParams,
    DecisionLevelParams,
    ExternalStatisticsParams,
    FollowupParams,
    Q1Params,
    Q2Params,
    Q3Params,
    Q4Params,
    Q5Params,
    Q6Params,
)
from .settings import EngineParams, MethodValidationParams, SamplingParams, SummaryParams
from .strict import MAX_SEED, Language, RegionName, Section, Strict, model_class


class RunParams(Strict):
    run_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    audit_year: int = Field(ge=2000, le=2100)
    period_start: dt.date = Field(description="first day of the audited period; default 1 January of audit_year")
    period_end: dt.date = Field(
        description="last day of the audited period (an interim cut-off such as 31 August); default 31 December; "
        "no notebook sees a row dated after it"
    )
    language: Language = "sv"
    data_dir: str = Field(
        default="",
        description="the data package folder; empty for a run that reads no data package (the method-validation run)",
    )
    generate_demo_data: bool = Field(
        default=False,
        description="data_dir is the demo package: an error for a missing package says how to write it "
        "(`audit demo-data`); a run never writes data",
    )
    evidence: str | None = Field(
        default=None, description="the auditors' evidence register: a YAML file or a folder of YAML files"
    )
    seed: int = Field(default=20251027, ge=0, le=MAX_SEED, description="seed of every random stream of the run")
    significance_level: float = Field(default=0.05, gt=0, lt=0.5)
    edge_tolerance: float = Field(
        default=0.02,
        ge=0,
        le=0.5,
        description="an assessment is on the edge when a deciding criterion lies within this "
        "share of its threshold (at least this much absolutely; 0.02 = 2 percentage points for a share)",
    )
    stability_step: float = Field(
        default=0.05,
        ge=0,
        le=0.5,
        description="stability: each numeric threshold is moved by this share of itself (at least "
        "this much absolutely) down and up, and a verdict that changes is reported as unstable; 0 turns it off",
    )
    regions: dict[str, RegionName]
    notebooks: list[str] | None = Field(default=None, description="notebooks to run; all when empty")

    q1_process: Q1Params = Q1Params()
    q2_gains: Q2Params = Q2Params()
    q3_targets: Q3Params = Q3Params()
    q4_savings_model: Q4Params = Q4Params()
    q5_indicators: Q5Params = Q5Params()
    q6_learning: Q6Params = Q6Params()
    decision_level: DecisionLevelParams = DecisionLevelParams()
    causality: CausalityParams = CausalityParams()
    external_statistics: ExternalStatisticsParams = ExternalStatisticsParams()
    followup: FollowupParams = FollowupParams()
    summary: SummaryParams = SummaryParams()
    method_validation: MethodValidationParams = MethodValidationParams()
    sampling: SamplingParams | None = None
    engine: EngineParams = EngineParams()

    # where the file was read from (set by the loader, never by a file): relative paths resolve
    # against its folder; source_files are the run file and the bases it extends, each an input
    base_dir: Path = Field(default=Path("."), exclude=True)
    source_files: tuple[Path, ...] = Field(default=(), exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _period_defaults_to_audit_year(cls, data: Any) -> Any:
        """An absent (or empty) period is the whole audit year."""
        if not isinstance(data, dict) or isinstance(data.get("audit_year"), bool):
            return data
        try:
            year = int(data.get("audit_year"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return data
        if not 1 <= year <= 9999:
            return data
        data = dict(data)
        for key, default in (("period_start", dt.date(year, 1, 1)), ("period_end", dt.date(year, 12, 31))):
            if data.get(key) is None:
                data[key] = default
        return data

    @model_validator(mode="after")
    def _period_in_audit_year(self) -> RunParams:
        """The period lies in the audit year (the questions take 'the audit year' as the year
        of a row's date) and does not end before it starts."""
        for key in ("period_start", "period_end"):
            if getattr(self, key).year != self.audit_year:
                raise ValueError(f"{key} {getattr(self, key).isoformat()} is not in audit_year {self.audit_year}")
        if self.period_start > self.period_end:
            raise ValueError(
                f"period_start {self.period_start.isoformat()} is after period_end {self.period_end.isoformat()}"
            )
        return self

    @field_validator("regions")
    @classmethod
    def _regions_not_empty(cls, v: dict[str, RegionName]) -> dict[str, RegionName]:
        if not v:
            raise ValueError("at least one region is required")
        return v

    @model_validator(mode="after")
    def _rules_name_known_regions(self) -> RunParams:
        for rule in self.decision_level.rules:
            if rule.region not in self.regions:
                raise ValueError(f"decision_level.rules: unknown region {rule.region!r}")
            if rule.body not in self.decision_level.bodies_rank:
                raise ValueError(f"decision_level.rules: body {rule.body!r} is not in bodies_rank")
        return self

    def path(self, value: str | None) -> Path | None:
        """Resolve a path from this file: absolute as is, relative to the file's folder."""
        if value is None or value == "":
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    @property
    def data_path(self) -> Path | None:
        """The data package folder, or None for a run without one."""
        return self.path(self.data_dir) if self.data_dir else None

    def section(self, name: str) -> BaseModel:
        model: BaseModel = getattr(self, name)
        return model

    def common(self) -> dict[str, Any]:
        """The keys every notebook depends on (for the run cache)."""
        names = [n for n in type(self).model_fields if n not in SECTION_NAMES and n not in LOADER_FIELDS]
        return self.model_dump(mode="json", include=set(names))


# fields the loader sets (not keys of a file)
LOADER_FIELDS = ("base_dir", "source_files")
# the sections, in the schema's order: the fields typed as a Section (see strict.Section)
SECTION_NAMES: tuple[str, ...] = tuple(
    name
    for name, field in RunParams.model_fields.items()
    if (model := model_class(field.annotation)) is not None and issubclass(model, Section)
)

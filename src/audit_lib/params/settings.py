"""The sections that are not one question's: the summary and its overall conclusion, method
validation, sampling for file review, and the engine for the large tables."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from .strict import LEVELS, Condition, Criteria, Level, Section, Strict


class ConclusionDimension(Strict):
    """One dimension of the overall conclusion (e.g. appropriate, efficient): the questions that
    inform it and the criteria on their levels (inputs ``mean_score``, ``min_score``,
    ``max_score``, ``n_assessed``, computed with ``SummaryParams.level_scores``)."""

    questions: list[str] = Field(min_length=1)
    criteria: Criteria = Criteria()


def _default_questions() -> dict[str, str]:
    return {
        "q1": "q1_process",
        "q2": "q2_gains",
        "q3": "q3_targets",
        "q4": "q4_savings_model",
        "q5": "q5_indicators",
        "q6": "q6_learning",
    }


def _default_dimensions() -> dict[str, ConclusionDimension]:
    """The reference report's reading: appropriate (ändamålsenligt) when process, targets and
    indicators exist (no Nej among q1, q3, q5); efficiency from gains, the savings model,
    follow-up and learning (q2, q4, q5, q6) by mean and lowest score."""
    c = Condition
    return {
        "appropriate": ConclusionDimension(
            questions=["q1", "q3", "q5"],
            criteria=Criteria(
                ja=[c(input="min_score", op=">=", value=1)],
                till_stor_del=[c(input="mean_score", op=">=", value=1)],
                till_viss_del=[c(input="max_score", op=">=", value=1)],
            ),
        ),
        "efficient": ConclusionDimension(
            questions=["q2", "q4", "q5", "q6"],
            criteria=Criteria(
                ja=[c(input="mean_score", op=">=", value=2.5), c(input="min_score", op=">=", value=2)],
                till_stor_del=[c(input="mean_score", op=">=", value=1.75), c(input="min_score", op=">=", value=1)],
                till_viss_del=[c(input="mean_score", op=">=", value=0.5)],
            ),
        ),
    }


def _default_level_scores() -> dict[Level, float]:
    return {"ja": 3.0, "till_stor_del": 2.0, "till_viss_del": 1.0, "nej": 0.0}


class SummaryParams(Section):
    """The closing table and the overall conclusion (see ``audit_lib.questions.summary``)."""

    questions: dict[str, str] = Field(
        default_factory=_default_questions, description="question id -> notebook, in table order"
    )
    answer_by: dt.date | None = Field(
        default=None, description="the date by which the board must answer the auditors (shown with the conclusion)"
    )
    responses_as_of: dt.date | None = Field(
        default=None, description="the day the board's answers are judged on (default: the audited period's end)"
    )
    level_scores: dict[Level, float] = Field(
        default_factory=_default_level_scores,
        description="score of each level, for the conclusion's inputs",
    )
    dimensions: dict[str, ConclusionDimension] = Field(
        default_factory=lambda: _default_dimensions(),
        description="dimensions of the overall conclusion, in the order of the sentence",
    )

    @model_validator(mode="after")
    def _dimensions_name_known_questions(self) -> SummaryParams:
        for name, dim in self.dimensions.items():
            unknown = [q for q in dim.questions if q not in self.questions]
            if unknown:
                raise ValueError(f"dimensions.{name}: unknown question(s) {', '.join(unknown)}")
        if set(self.level_scores) != set(LEVELS):
            raise ValueError("level_scores must give a score for each of ja, till_stor_del, till_viss_del, nej")
        return self


class MethodValidationParams(Section):
    """The method-validation notebook (``audit run params/method_validation.yaml``; not part of
    a region's review): the staggered estimators on published results and a real rollout."""

    mpdta_file: str | None = Field(default=None, description="mpdta.csv (Callaway and Sant'Anna 2021); empty: skipped")
    decarolis_file: str | None = Field(default=None, description="Authority.dta (Decarolis 2014); empty: skipped")
    control: Literal["never", "notyet"] = Field(default="never", description="controls: never or not-yet treated")
    se: Literal["analytic", "bootstrap"] = Field(
        default="analytic", description="influence-function or multiplier bootstrap"
    )
    bootstrap_reps: int = Field(default=999, ge=99, description="multiplier bootstrap draws (seeded by seed)")
    interval_level: float = Field(default=0.95, gt=0, lt=1)
    min_treated_clusters: int = Field(
        default=10, ge=1, description="fewer treated clusters: randomization inference instead of cluster-robust"
    )
    randomization_reps: int = Field(default=999, ge=99, description="placebo draws (all of them when fewer exist)")


class SamplingParams(Section):
    """Monetary-unit sampling of the audit year's procurements for file review (``audit sample``;
    ``audit_lib.sampling``). The size is ``size`` if given, else from the misstatements."""

    size: int | None = Field(default=None, ge=1, description="fixed sample size (selection points)")
    tolerable_misstatement_sek: float | None = Field(default=None, gt=0, description="tolerable misstatement (TM)")
    expected_misstatement_sek: float = Field(default=0.0, ge=0, description="expected misstatement (EM)")
    confidence: float = Field(default=0.95, gt=0, lt=1, description="1 - risk of incorrect acceptance")
    risk_stratum: list[Literal["delegation_breach", "single_bid"]] = Field(
        default_factory=list, description="findings of the review selected in full, not sampled"
    )
    risk_ids: list[str] = Field(default_factory=list, description="further procurement ids selected in full")
    single_bid_min_sek: float = Field(default=1_000_000.0, ge=0, description="single-bid procurements from this value")
    outcomes_file: str | None = Field(
        default=None, description="CSV of file-review outcomes: procurement_id, misstatement_sek (overstatement)"
    )


# ---------------------------------------------------------------- engine (large tables)
ENGINE_ENV = "AUDIT_ENGINE"  # `audit run --engine` tells the run's notebooks (which load the parameters again)


class EngineParams(Strict):
    """Where the large-table work (``purchase_lines``: typed reading, price-index aggregate,
    validation) runs: embedded DuckDB (default) or Spark (``audit_lib.engine``; the
    ``[spark]`` extra and a Java runtime). The small tables stay in pandas."""

    backend: Literal["duckdb", "spark"] = "duckdb"
    master: str | None = Field(
        default=None,
        description='Spark master: "local[2]" (default for spark) or a cluster URL such as spark://host:7077',
    )
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings (spark.* keys)")
    purchase_lines: str | None = Field(
        default=None,
        description="where purchase_lines lives, read in place by Spark (not copied): a URI Spark reads "
        "(file://, hdfs://, s3a://; a Parquet dataset folder, file or glob); then the data folder has none",
    )

    @model_validator(mode="after")
    def _spark_only(self) -> EngineParams:
        if self.backend == "duckdb" and (self.master or self.conf):
            raise ValueError("engine: master and conf are Spark settings; set backend: spark")
        if self.purchase_lines is not None and self.backend != "spark":
            raise ValueError(
                "engine.purchase_lines is read in place by the Spark engine only; set backend: spark, or "
                "put purchase_lines in the data folder for the DuckDB engine"
            )
        if self.purchase_lines is not None and not _located(self.purchase_lines):
            raise ValueError(
                f"engine.purchase_lines: {self.purchase_lines!r} is neither a URI (file://, hdfs://, s3a://…) "
                "nor an absolute path"
            )
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        """Without ``purchase_lines`` when it is not given: the resolved parameters (and their
        hash) of a run that reads its lines from the data folder are as they always were."""
        out: dict[str, object] = handler(self)
        if out.get("purchase_lines") is None:
            out.pop("purchase_lines", None)
        return out

    def with_backend(self, backend: str) -> EngineParams:
        """``--engine BACKEND`` applied: this engine if it is that backend already (its master
        and conf kept), else that backend's defaults (``purchase_lines`` kept: on DuckDB it is
        refused)."""
        if backend == self.backend:
            return self
        return EngineParams.model_validate({"backend": backend, "purchase_lines": self.purchase_lines})


def _located(where: str) -> bool:
    """A URI with a scheme (``hdfs://…``) or an absolute local path."""
    return "://" in where or where.startswith("/")

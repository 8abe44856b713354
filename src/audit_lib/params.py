"""The parameter schema: one YAML file per run (``params/*.yaml``), typed and strict.

An unknown or misspelled key is an error (papermill alone would only warn), and a wrong type
names the key. Relative paths in a parameters file are relative to that file's folder.
Each notebook reads the common keys and its own section; the run cache (``audit_lib.run``)
hashes exactly those, so changing one section reruns only the notebook that uses it.

Guards against a hostile or mistyped file (each an error naming the key):

- a key written twice in one mapping (``audit_lib.yamlfile``): the YAML loader would keep the
  last one silently;
- numbers are finite (no ``.inf``/``.nan``), whole-number keys refuse ``true``/``false``, and
  seeds and counts have bounds: ``seed`` 0 to 2**32 - 1; resample and simulation counts at
  most ``MAX_RESAMPLES`` (100,000); years searched at most ``MAX_YEARS`` (50); months at most
  ``MAX_MONTHS`` (240); bid and tender counts at most ``MAX_BIDS`` (1,000); cluster and lot
  counts at most ``MAX_UNITS`` (1,000,000); lists of alternatives at most 20 entries;
- paths (``data_dir``, ``evidence`` and section keys ending in ``_dir``, ``_file``, ``_path``)
  may not point into a system folder (``SYSTEM_FOLDERS``: ``/proc``, ``/sys``, ``/dev``,
  ``/etc``, ``/usr/lib``, ...) nor at a top folder (``SYSTEM_ROOTS``: ``/``, ``/usr``,
  ``/home``, ``/tmp``, ...), symlinks followed; a folder the run hashes (all but ``data_dir``) may hold at
  most ``MAX_TREE_ENTRIES`` (10,000) files and folders and ``MAX_TREE_BYTES`` (2 GiB). These
  limits live in ``audit_lib.safepaths``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator,
)

from . import safepaths
from .yamlfile import DuplicateKeyError
from .yamlfile import loads as load_yaml

Language = Literal["sv", "en"]
Level = Literal["ja", "till_stor_del", "till_viss_del", "nej"]
LEVELS: tuple[Level, ...] = ("ja", "till_stor_del", "till_viss_del", "nej")

# bounds on counts (documented in the module docstring)
MAX_SEED = 2**32 - 1
MAX_RESAMPLES = 100_000
MAX_YEARS = 50
MAX_MONTHS = 240
MAX_BIDS = 1_000
MAX_UNITS = 1_000_000
MAX_CHOICES = 20


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, v: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(v, bool) and field is not None and field.annotation in (int, float, int | None, float | None):
            raise ValueError("expected a number, not true/false")
        return v


# ---------------------------------------------------------------- assessment criteria
class Condition(Strict):
    """One condition on a named input of an assessment, e.g. ``share_within_interval >= 0.75``."""

    input: str
    op: Literal[">=", ">", "<=", "<", "==", "!="]
    value: float | bool | str


class Criteria(Strict):
    """Per level, the conditions that must all hold; levels are tried from Ja downwards and
    the first whose conditions all hold is the assessment; if none holds, Nej."""

    ja: list[Condition] = Field(default_factory=list)
    till_stor_del: list[Condition] = Field(default_factory=list)
    till_viss_del: list[Condition] = Field(default_factory=list)


# ---------------------------------------------------------------- shared settings
class RegionName(Strict):
    sv: str
    en: str


class DelegationRule(Strict):
    """In ``region``, a procurement with estimated value >= ``from_value_sek`` must be
    initiated by ``body`` (or a body ranked above it)."""

    region: str
    body: str
    from_value_sek: float = Field(ge=0)
    source: str = ""


# ---------------------------------------------------------------- one section per notebook
class Q1Params(Strict):
    interval_level: float = Field(0.95, gt=0, lt=1, description="level of the intervals around shares")
    bootstrap_reps: int = Field(2000, ge=100, le=MAX_RESAMPLES, description="resamples for the value-share interval")
    criteria: Criteria = Criteria()


class Q2Params(Strict):
    hourly_cost_sek: float = Field(750.0, ge=0, description="full cost of one hour of coordination work")
    cost_per_procurement_sek: float = Field(
        250_000.0, ge=0, description="cost of running one procurement procedure"
    )
    interval_level: float = Field(0.95, gt=0, lt=1, description="level of the intervals")
    bootstrap_reps: int = Field(
        2000, ge=100, le=MAX_RESAMPLES, description="resamples for the savings-rate comparison"
    )
    examples_years: int = Field(
        3, ge=1, le=MAX_YEARS, description="years searched for good and poor examples: the audit year and the ones before"
    )
    high_effort_factor: float = Field(
        2.5, gt=1, description="recorded hours at least this times the median count as unusually high effort"
    )
    criteria: Criteria = Criteria()


class Q3Params(Strict):
    forecast_level: float = Field(0.80, gt=0, lt=1, description="level of the forecast interval")
    min_history_years: int = Field(3, ge=2, le=MAX_YEARS, description="outcomes needed before a forecast is made")
    criteria: Criteria = Criteria()


class Q4Params(Strict):
    """The savings model (question 4): the register's rules, the reconciliation tolerance, the
    alternative baselines and the interval. See ``audit_lib.questions.q4_savings_model``."""

    market_min_bids: int = Field(3, ge=1, le=MAX_BIDS, description="approved bids needed for the market-price method")
    tolerance_sek: float = Field(1_000.0, ge=0, description="register vs recomputed: absolute tolerance")
    tolerance_pct: float = Field(0.01, ge=0, le=1, description="register vs recomputed: relative tolerance")
    n_resamples: int = Field(2000, ge=100, le=MAX_RESAMPLES, description="bootstrap resamples over procurements")
    interval_level: float = Field(0.90, gt=0, lt=1, description="level of the bootstrap interval")
    interval_baselines: list[Literal["mean", "median", "second_lowest", "estimated_value"]] = Field(
        default_factory=lambda: ["mean", "median", "second_lowest", "estimated_value"], min_length=1,
        description="market-method baselines whose bootstrap intervals make up the range",
    )
    sensitivity_min_bids: list[Annotated[int, Field(ge=1, le=MAX_BIDS)]] = Field(
        default_factory=lambda: [2, 3, 4, 5], min_length=1, max_length=MAX_CHOICES)
    sensitivity_tolerance_pct: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.0, 0.01, 0.05], min_length=1, max_length=MAX_CHOICES)
    max_n_bids: int = Field(10, ge=3, le=MAX_BIDS, description="bids from which procurements are pooled in the by-bids view")
    null_model_sims: int = Field(4000, ge=100, le=MAX_RESAMPLES, description="simulated tenders per bid count in the null model")
    top_k: int = Field(5, ge=1, le=MAX_BIDS, description="largest procurements whose share of the total is shown")
    real_bids_dir: str | None = Field(None, description="folder of real bid-level data (optional)")
    criteria: Criteria = Criteria()


GoalArea = Literal["cost", "quality", "commercial_soundness", "administration", "learning"]


class Q5Params(Strict):
    """Question 5: the mission's goal areas against the indicators followed up and reported."""

    goal_areas: list[GoalArea] = Field(
        default_factory=lambda: ["cost", "quality", "commercial_soundness", "administration", "learning"],
        min_length=1, description="the goal areas of the mission, in the order shown",
    )
    governing_bodies: list[str] = Field(
        default_factory=lambda: ["regionfullmaktige", "regionstyrelse", "inkopsnamnden"],
        description="bodies whose receipt of an indicator counts as reporting it for steering",
    )
    criteria: Criteria = Criteria()


class Q6Params(Strict):
    """Question 6: documented lessons, external consultants and repeated problems by category."""

    interval_level: float = Field(0.95, gt=0, lt=1, description="level of the Wilson interval for shares")
    window_years: int = Field(3, ge=1, le=MAX_YEARS, description="years up to the audit year searched for repeated problems")
    min_repeat_years: int = Field(
        2, ge=2, le=MAX_YEARS, description="a problem is repeated in a category when it occurs in at least this many years"
    )
    criteria: Criteria = Criteria()


class DecisionLevelParams(Strict):
    bodies_rank: list[str] = Field(
        default_factory=lambda: ["regionfullmaktige", "regionstyrelse", "inkopsnamnden", "forvaltning"],
        description="decision bodies, highest first",
    )
    rules: list[DelegationRule] = Field(default_factory=list)
    require_reference: bool = Field(True, description="a missing initiation_ref is a finding")
    period: Literal["audit_year", "all_years"] = Field(
        "audit_year", description="check the audit year's procurements, or every year in the package"
    )
    materiality_amount_sek: float = Field(
        50_000_000, ge=0, description="a breach of the delegation order at or above this estimated value is material"
    )
    materiality_share: float = Field(
        0.10, ge=0, le=1, description="... and so is one at or above this share of the value checked in the period"
    )
    criteria: Criteria = Criteria()


class CausalityParams(Strict):
    """Staggered-rollout estimation of the initiatives' effects on prices (notebook causality)."""

    treatments: list[Literal["ecommerce", "category_management", "coordination"]] = Field(
        default_factory=lambda: ["ecommerce", "category_management", "coordination"],
        description="initiatives to estimate (columns of the rollouts table)", min_length=1,
    )
    event_window: tuple[Annotated[int, Field(ge=-MAX_MONTHS, le=MAX_MONTHS)],
                        Annotated[int, Field(ge=-MAX_MONTHS, le=MAX_MONTHS)]] = Field(
        (-6, 12), description="event study: months before (leads, tested jointly) and after the start; "
        "effects from the second number of months on are pooled",
    )
    placebo_shift_months: int = Field(12, ge=1, le=MAX_MONTHS, description="placebo: every start moved this many months earlier")
    min_cell_months: int = Field(12, ge=2, le=MAX_MONTHS, description="cells with fewer months of price index are left out")
    index_base_months: int = Field(12, ge=1, le=MAX_MONTHS, description="the price index is 100 on average over a cell's first months")
    bootstrap_reps: int = Field(999, ge=99, le=MAX_RESAMPLES, description="wild cluster bootstrap replications (p-values, pre-trend test)")
    few_clusters_below: int = Field(
        30, ge=2, le=MAX_UNITS, description="with fewer clusters than this: cluster-jackknife intervals and wild bootstrap "
        "p-values; otherwise cluster-robust (CR1) intervals",
    )
    min_treated_clusters: int = Field(
        3, ge=1, le=MAX_UNITS, description="an effect resting on fewer treated clusters is weakly identified (associational)"
    )
    close_start_months: int = Field(3, ge=0, le=MAX_MONTHS, description="two starts this close (but not equal) are flagged")
    naive_window_months: int = Field(12, ge=1, le=MAX_MONTHS, description="months before and after in the naive comparison")
    divergence_share: float = Field(
        0.2, ge=0, description="TWFE and the robust estimate differ materially: by more than this share of the latter"
    )
    divergence_min: float = Field(0.005, ge=0, description="... and by more than this on the log price (0.005 = 0.5 %)")
    cluster: Literal["category", "category_region"] = "category"
    identification_tests: list[Literal["wild_cluster_bootstrap", "f_test"]] = Field(
        default_factory=lambda: ["wild_cluster_bootstrap", "f_test"], min_length=1,
        description="pre-trend tests whose rejection makes the effects associational (all are run and shown)",
    )
    criteria: Criteria = Criteria()

    @field_validator("event_window")
    @classmethod
    def _window(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > -1 or v[1] < 1:
            raise ValueError("event_window needs at least one month before (negative) and one after (positive)")
        return v


class ExternalStatisticsParams(Strict):
    """The national procurement statistics (Upphandlingsmyndigheten) as independent evidence.

    Without ``statistics_dir`` (or where the folder is absent) the notebook says so and records
    ``available: false``; nothing else in the review depends on it."""

    statistics_dir: str | None = Field(None, description="folder with the statistics export (.xlsx or .csv)")
    year: int | None = Field(None, ge=1990, le=2100, description="statistics year; empty: every year in the export")
    buyers: list[str] = Field(default_factory=list, description="buyer names or organisation numbers")
    peer_sector: str | None = Field(
        None, description="peers: other buyers of this sector as named in the data; empty: the buyers' own sector"
    )
    buyer_aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="per buyer (as in buyers): other names its titles use, e.g. Sörmland"
    )
    buyer_regions: dict[str, str] = Field(
        default_factory=dict,
        description="per buyer (as in buyers): region code in the data package; default by matching region names",
    )
    reference_pattern: str = Field(
        r"\b[A-ZÅÄÖ]{1,6}(?:-[A-ZÅÄÖ]{1,6})?[- ]?\d{2,4}[-/]\d{2,6}\b",
        description="regular expression for a reference (diarienummer) in a title",
    )
    title_ignore_words: list[str] = Field(
        default_factory=lambda: ["upphandling av", "upphandlings av", "upphandling", "ramavtal", "till", "för",
                                 "avseende"],
        description="words left out when comparing titles across buyers",
    )
    interval_level: float = Field(0.95, gt=0, lt=1)
    bootstrap_reps: int = Field(2000, ge=200, le=MAX_RESAMPLES)
    min_peer_lots: int = Field(10, ge=1, le=MAX_UNITS, description="lots a peer buyer needs to be shown in the distribution")
    market_min_tenders: int = Field(3, ge=1, le=MAX_BIDS, description="tenders a lot needs for the market-price method")
    count_tolerance: float = Field(
        0.10, ge=0, description="register vs statistics: relative difference still counted as agreeing"
    )

    @field_validator("reference_pattern")
    @classmethod
    def _pattern_compiles(cls, v: str) -> str:
        import re

        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"not a valid regular expression: {e}") from None
        return v

    @model_validator(mode="after")
    def _per_buyer_keys_name_buyers(self) -> ExternalStatisticsParams:
        for name in ("buyer_aliases", "buyer_regions"):
            unknown = [k for k in getattr(self, name) if k not in self.buyers]
            if unknown:
                raise ValueError(f"{name}: {', '.join(map(repr, unknown))} not in buyers (write them as in buyers)")
        return self


class FollowupParams(Strict):
    previous_results_dir: str | None = Field(None, description="results/ of last year's run")


class ConclusionDimension(Strict):
    """One dimension of the overall conclusion (e.g. appropriate, efficient): the questions that
    inform it and the criteria on their levels (inputs ``mean_score``, ``min_score``,
    ``max_score``, ``n_assessed``, computed with ``SummaryParams.level_scores``)."""

    questions: list[str] = Field(min_length=1)
    criteria: Criteria = Criteria()


def _default_questions() -> dict[str, str]:
    return {"q1": "q1_process", "q2": "q2_gains", "q3": "q3_targets", "q4": "q4_savings_model",
            "q5": "q5_indicators", "q6": "q6_learning"}


def _default_dimensions() -> dict[str, ConclusionDimension]:
    """The reference report's reading: appropriate (ändamålsenligt) when process, targets and
    indicators exist (no Nej among q1, q3, q5); efficiency from gains, the savings model,
    follow-up and learning (q2, q4, q5, q6) by mean and lowest score."""
    c = Condition
    return {
        "appropriate": ConclusionDimension(questions=["q1", "q3", "q5"], criteria=Criteria(
            ja=[c(input="min_score", op=">=", value=1)],
            till_stor_del=[c(input="mean_score", op=">=", value=1)],
            till_viss_del=[c(input="max_score", op=">=", value=1)])),
        "efficient": ConclusionDimension(questions=["q2", "q4", "q5", "q6"], criteria=Criteria(
            ja=[c(input="mean_score", op=">=", value=2.5), c(input="min_score", op=">=", value=2)],
            till_stor_del=[c(input="mean_score", op=">=", value=1.75), c(input="min_score", op=">=", value=1)],
            till_viss_del=[c(input="mean_score", op=">=", value=0.5)])),
    }


class SummaryParams(Strict):
    """The closing table and the overall conclusion (see ``audit_lib.questions.summary``)."""

    questions: dict[str, str] = Field(
        default_factory=_default_questions, description="question id -> notebook, in table order"
    )
    answer_by: dt.date | None = Field(
        None, description="the date by which the board must answer the auditors (shown with the conclusion)"
    )
    level_scores: dict[Level, float] = Field(
        default_factory=lambda: {"ja": 3.0, "till_stor_del": 2.0, "till_viss_del": 1.0, "nej": 0.0},
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


class MethodValidationParams(Strict):
    """The method-validation notebook (``audit run params/method_validation.yaml``; not part of
    a region's review): the staggered estimators on published results and a real rollout."""

    mpdta_file: str | None = Field(None, description="mpdta.csv (Callaway and Sant'Anna 2021); empty: skipped")
    decarolis_file: str | None = Field(None, description="Authority.dta (Decarolis 2014); empty: skipped")
    control: Literal["never", "notyet"] = Field("never", description="controls: never or not-yet treated")
    se: Literal["analytic", "bootstrap"] = Field("analytic", description="influence-function or multiplier bootstrap")
    bootstrap_reps: int = Field(999, ge=99, description="multiplier bootstrap draws (seeded by seed)")
    interval_level: float = Field(0.95, gt=0, lt=1)
    min_treated_clusters: int = Field(
        10, ge=1, description="fewer treated clusters: randomization inference instead of cluster-robust"
    )
    randomization_reps: int = Field(999, ge=99, description="placebo draws (all of them when fewer exist)")


class SamplingParams(Strict):
    """Monetary-unit sampling of the audit year's procurements for file review (``audit sample``;
    ``audit_lib.sampling``). The size is ``size`` if given, else from the misstatements."""

    size: int | None = Field(None, ge=1, description="fixed sample size (selection points)")
    tolerable_misstatement_sek: float | None = Field(None, gt=0, description="tolerable misstatement (TM)")
    expected_misstatement_sek: float = Field(0.0, ge=0, description="expected misstatement (EM)")
    confidence: float = Field(0.95, gt=0, lt=1, description="1 - risk of incorrect acceptance")
    risk_stratum: list[Literal["delegation_breach", "single_bid"]] = Field(
        default_factory=list, description="findings of the review selected in full, not sampled"
    )
    risk_ids: list[str] = Field(default_factory=list, description="further procurement ids selected in full")
    single_bid_min_sek: float = Field(1_000_000.0, ge=0, description="single-bid procurements from this value")
    outcomes_file: str | None = Field(
        None, description="CSV of file-review outcomes: procurement_id, misstatement_sek (overstatement)"
    )


# ---------------------------------------------------------------- engine (large tables)
class EngineParams(Strict):
    """Where the large-table work (``purchase_lines``: typed reading, price-index aggregate,
    validation) runs: embedded DuckDB (default) or Spark (``audit_lib.engine``; the
    ``[spark]`` extra and a Java runtime). The small tables stay in pandas."""

    backend: Literal["duckdb", "spark"] = "duckdb"
    master: str | None = Field(
        None, description='Spark master: "local[2]" (default for spark) or a cluster URL such as spark://host:7077'
    )
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings (spark.* keys)")

    @model_validator(mode="after")
    def _spark_only(self) -> EngineParams:
        if self.backend == "duckdb" and (self.master or self.conf):
            raise ValueError("engine: master and conf are Spark settings; set backend: spark")
        return self


class RunParams(Strict):
    run_name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    audit_year: int = Field(ge=2000, le=2100)
    period_start: dt.date = Field(description="first day of the audited period; default 1 January of audit_year")
    period_end: dt.date = Field(
        description="last day of the audited period (an interim cut-off such as 31 August); default 31 December; "
        "no notebook sees a row dated after it"
    )
    language: Language = "sv"
    data_dir: str = Field("", description="the data package folder; empty for a run that reads no data package "
                          "(the method-validation run)")
    generate_demo_data: bool = Field(
        False, description="data_dir is the demo package: an error for a missing package says how to write it "
        "(`audit demo-data`); a run never writes data"
    )
    evidence: str | None = Field(
        None, description="the auditors' evidence register: a YAML file or a folder of YAML files"
    )
    seed: int = Field(20251027, ge=0, le=MAX_SEED, description="seed of every random stream of the run")
    significance_level: float = Field(0.05, gt=0, lt=0.5)
    edge_tolerance: float = Field(
        0.02, ge=0, le=0.5, description="an assessment is on the edge when a deciding criterion lies within this "
        "share of its threshold (at least this much absolutely; 0.02 = 2 percentage points for a share)",
    )
    stability_step: float = Field(
        0.05, ge=0, le=0.5, description="stability: each numeric threshold is moved by this share of itself (at least "
        "this much absolutely) down and up, and a verdict that changes is reported as unstable; 0 turns it off",
    )
    regions: dict[str, RegionName]
    notebooks: list[str] | None = Field(None, description="notebooks to run; all when empty")

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

    # where the file was read from; relative paths resolve against its folder
    base_dir: Path = Field(default=Path("."), exclude=True)

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
            raise ValueError(f"period_start {self.period_start.isoformat()} is after period_end "
                             f"{self.period_end.isoformat()}")
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
        return getattr(self, name)

    def common(self) -> dict[str, Any]:
        """The keys every notebook depends on (for the run cache)."""
        names = [n for n in type(self).model_fields if n not in SECTION_NAMES and n != "base_dir"]
        return self.model_dump(mode="json", include=set(names))


SECTION_NAMES = (
    "q1_process", "q2_gains", "q3_targets", "q4_savings_model", "q5_indicators", "q6_learning",
    "decision_level", "causality", "external_statistics", "followup", "summary", "method_validation", "sampling",
)


class ParamsError(Exception):
    """The parameters file is not valid; the message names each bad key."""


def _format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid parameters"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key (misspelled?)")
        elif e["type"] == "missing":
            lines.append(f"  {key}: required key is missing")
        else:
            got = e.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
            lines.append(f"  {key}: {e['msg']}{shown}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ paths
PATH_SUFFIXES = ("_dir", "_file", "_path")


def path_values(params: RunParams) -> dict[str, str]:
    """Every path the parameters give, by key (``data_dir``, ``evidence``, and section keys
    ending in _dir, _file or _path), as written."""
    out = {k: v for k in ("data_dir", "evidence") if (v := getattr(params, k))}
    for section in SECTION_NAMES:
        model = getattr(params, section)
        if model is None:  # an optional section not given (sampling)
            continue
        for key in type(model).model_fields:
            value = getattr(model, key)
            if key.endswith(PATH_SUFFIXES) and isinstance(value, str) and value:
                out[f"{section}.{key}"] = value
    return out


def _check_paths(params: RunParams, source: str) -> None:
    """Refuse paths at or into system folders, and folders too large to hash (every path key
    but ``data_dir`` is hashed as an input of the run)."""
    for key, value in path_values(params).items():
        p = params.path(value)
        sys_dir = safepaths.system_folder(p)
        if sys_dir is not None:
            raise ParamsError(f"{source}: {key}: {value!r} is the system folder {sys_dir} or inside it; "
                              "give a folder of your own")
        if key != "data_dir" and p.is_dir():
            try:
                safepaths.bounded_files(p)
            except safepaths.PathError as e:
                raise ParamsError(f"{source}: {key}: {e}") from None


def parse_params(data: Any, source: str = "parameters", base_dir: Path | None = None) -> RunParams:
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of keys to values at the top level")
    try:
        params = RunParams.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_format_validation_error(err, source)) from None
    params = params.model_copy(update={"base_dir": (base_dir or Path(".")).resolve()})
    _check_paths(params, source)
    return params


def load_params(path: str | Path) -> RunParams:
    """Read and validate a parameters file (safe YAML loading)."""
    p = Path(path)
    if not p.is_file():
        raise ParamsError(f"{p}: parameters file not found")
    try:
        data = load_yaml(p.read_text(encoding="utf-8"))
    except DuplicateKeyError as e:
        raise ParamsError(f"{p}: {e}") from None
    except yaml.YAMLError as e:
        raise ParamsError(f"{p}: not valid YAML: {e}") from None
    return parse_params(data, str(p), p.parent)


def dump_params(params: RunParams) -> str:
    """The resolved parameters as YAML (paths as given, sorted keys: stable for hashing)."""
    return yaml.safe_dump(params.model_dump(mode="json"), sort_keys=True, allow_unicode=True)

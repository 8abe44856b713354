"""One section per notebook of the review: questions 1-6, the decision level, causality, the
national statistics and the follow-up (each read by the notebooks that name it in their
``metadata.audit.sections``)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from .strict import (
    MAX_BIDS,
    MAX_CHOICES,
    MAX_MONTHS,
    MAX_RESAMPLES,
    MAX_UNITS,
    MAX_YEARS,
    Criteria,
    DelegationRule,
    Section,
)

# the choices of list-valued keys; by default, all of them in this order
Baseline = Literal["mean", "median", "second_lowest", "estimated_value"]
GoalArea = Literal["cost", "quality", "commercial_soundness", "administration", "learning"]
Treatment = Literal["ecommerce", "category_management", "coordination"]
PretrendTest = Literal["wild_cluster_bootstrap", "f_test"]


class Q1Params(Section):
    interval_level: float = Field(default=0.95, gt=0, lt=1, description="level of the intervals around shares")
    bootstrap_reps: int = Field(
        default=2000, ge=100, le=MAX_RESAMPLES, description="resamples for the value-share interval"
    )
    criteria: Criteria = Criteria()


class Q2Params(Section):
    hourly_cost_sek: float = Field(default=750.0, ge=0, description="full cost of one hour of coordination work")
    cost_per_procurement_sek: float = Field(
        default=250_000.0, ge=0, description="cost of running one procurement procedure"
    )
    cost_per_procurement_factors: tuple[float, float] = Field(
        default=(0.5, 2.0),
        description="the plausible range of that assumed cost, as factors of it (low <= 1 <= high): "
        "the administrative gain is shown over it; by default half to double, as the cost is assumed, not measured",
    )
    interval_level: float = Field(default=0.95, gt=0, lt=1, description="level of the intervals")
    bootstrap_reps: int = Field(
        default=2000, ge=100, le=MAX_RESAMPLES, description="resamples for the savings-rate comparison"
    )
    examples_years: int = Field(
        default=3,
        ge=1,
        le=MAX_YEARS,
        description="years searched for good and poor examples: the audit year and the ones before",
    )
    high_effort_factor: float = Field(
        default=2.5, gt=1, description="recorded hours at least this times the median count as unusually high effort"
    )
    criteria: Criteria = Criteria()

    @field_validator("cost_per_procurement_factors")
    @classmethod
    def _factors(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= v[0] <= 1 <= v[1]:
            raise ValueError("cost_per_procurement_factors: [low, high] with 0 <= low <= 1 <= high")
        return v


class Q3Params(Section):
    forecast_level: float = Field(default=0.80, gt=0, lt=1, description="level of the forecast interval")
    min_history_years: int = Field(
        default=3, ge=2, le=MAX_YEARS, description="outcomes needed before a forecast is made"
    )
    criteria: Criteria = Criteria()


class Q4Params(Section):
    """The savings model (question 4): the register's rules, the reconciliation tolerance, the
    alternative baselines and the interval. See ``audit_lib.questions.q4_savings_model``."""

    market_min_bids: int = Field(
        default=3, ge=1, le=MAX_BIDS, description="approved bids needed for the market-price method"
    )
    tolerance_sek: float = Field(default=1_000.0, ge=0, description="register vs recomputed: absolute tolerance")
    tolerance_pct: float = Field(default=0.01, ge=0, le=1, description="register vs recomputed: relative tolerance")
    n_resamples: int = Field(
        default=2000, ge=100, le=MAX_RESAMPLES, description="bootstrap resamples over procurements"
    )
    interval_level: float = Field(default=0.90, gt=0, lt=1, description="level of the bootstrap interval")
    interval_baselines: list[Baseline] = Field(
        default_factory=lambda: list(get_args(Baseline)),
        min_length=1,
        description="market-method baselines whose bootstrap intervals make up the range",
    )
    sensitivity_min_bids: list[Annotated[int, Field(ge=1, le=MAX_BIDS)]] = Field(
        default_factory=lambda: [2, 3, 4, 5], min_length=1, max_length=MAX_CHOICES
    )
    sensitivity_tolerance_pct: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.0, 0.01, 0.05], min_length=1, max_length=MAX_CHOICES
    )
    max_n_bids: int = Field(
        default=10, ge=3, le=MAX_BIDS, description="bids from which procurements are pooled in the by-bids view"
    )
    null_model_sims: int = Field(
        default=4000, ge=100, le=MAX_RESAMPLES, description="simulated tenders per bid count in the null model"
    )
    top_k: int = Field(
        default=5, ge=1, le=MAX_BIDS, description="largest procurements whose share of the total is shown"
    )
    real_bids_dir: str | None = Field(default=None, description="folder of real bid-level data (optional)")
    criteria: Criteria = Criteria()


class Q5Params(Section):
    """Question 5: the mission's goal areas against the indicators followed up and reported."""

    goal_areas: list[GoalArea] = Field(
        default_factory=lambda: list(get_args(GoalArea)),
        min_length=1,
        description="the goal areas of the mission, in the order shown",
    )
    governing_bodies: list[str] = Field(
        default_factory=lambda: ["regionfullmaktige", "regionstyrelse", "inkopsnamnden"],
        description="bodies whose receipt of an indicator counts as reporting it for steering",
    )
    criteria: Criteria = Criteria()


class Q6Params(Section):
    """Question 6: documented lessons, external consultants and repeated problems by category."""

    interval_level: float = Field(default=0.95, gt=0, lt=1, description="level of the Wilson interval for shares")
    window_years: int = Field(
        default=3, ge=1, le=MAX_YEARS, description="years up to the audit year searched for repeated problems"
    )
    min_repeat_years: int = Field(
        default=2,
        ge=2,
        le=MAX_YEARS,
        description="a problem is repeated in a category when it occurs in at least this many years",
    )
    criteria: Criteria = Criteria()


class DecisionLevelParams(Section):
    bodies_rank: list[str] = Field(
        default_factory=lambda: ["regionfullmaktige", "regionstyrelse", "inkopsnamnden", "forvaltning"],
        description="decision bodies, highest first",
    )
    rules: list[DelegationRule] = Field(default_factory=list)
    require_reference: bool = Field(default=True, description="a missing initiation_ref is a finding")
    period: Literal["audit_year", "all_years"] = Field(
        default="audit_year", description="check the audit year's procurements, or every year in the package"
    )
    materiality_amount_sek: float = Field(
        default=50_000_000,
        ge=0,
        description="a breach of the delegation order at or above this estimated value is material",
    )
    materiality_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="... and so is one at or above this share of the value checked in the period",
    )
    criteria: Criteria = Criteria()


class CausalityParams(Section):
    """Staggered-rollout estimation of the initiatives' effects on prices (notebook causality)."""

    treatments: list[Treatment] = Field(
        default_factory=lambda: list(get_args(Treatment)),
        description="initiatives to estimate (columns of the rollouts table)",
        min_length=1,
    )
    event_window: tuple[
        Annotated[int, Field(ge=-MAX_MONTHS, le=MAX_MONTHS)], Annotated[int, Field(ge=-MAX_MONTHS, le=MAX_MONTHS)]
    ] = Field(
        default=(-6, 12),
        description="event study: months before (leads, tested jointly) and after the start; "
        "effects from the second number of months on are pooled",
    )
    placebo_shift_months: int = Field(
        default=12, ge=1, le=MAX_MONTHS, description="placebo: every start moved this many months earlier"
    )
    min_cell_months: int = Field(
        default=12, ge=2, le=MAX_MONTHS, description="cells with fewer months of price index are left out"
    )
    index_base_months: int = Field(
        default=12, ge=1, le=MAX_MONTHS, description="the price index is 100 on average over a cell's first months"
    )
    bootstrap_reps: int = Field(
        default=999,
        ge=99,
        le=MAX_RESAMPLES,
        description="wild cluster bootstrap replications (p-values, pre-trend test)",
    )
    few_clusters_below: int = Field(
        default=30,
        ge=2,
        le=MAX_UNITS,
        description="with fewer clusters than this: cluster-jackknife intervals and wild bootstrap "
        "p-values; otherwise cluster-robust (CR1) intervals",
    )
    min_treated_clusters: int = Field(
        default=3,
        ge=1,
        le=MAX_UNITS,
        description="an effect resting on fewer treated clusters is weakly identified (associational)",
    )
    close_start_months: int = Field(
        default=3, ge=0, le=MAX_MONTHS, description="two starts this close (but not equal) are flagged"
    )
    naive_window_months: int = Field(
        default=12, ge=1, le=MAX_MONTHS, description="months before and after in the naive comparison"
    )
    divergence_share: float = Field(
        default=0.2,
        ge=0,
        description="TWFE and the robust estimate differ materially: by more than this share of the latter",
    )
    divergence_min: float = Field(
        default=0.005, ge=0, description="... and by more than this on the log price (0.005 = 0.5 %)"
    )
    cluster: Literal["category", "category_region"] = "category"
    identification_tests: list[PretrendTest] = Field(
        default_factory=lambda: list(get_args(PretrendTest)),
        min_length=1,
        description="pre-trend tests whose rejection makes the effects associational (all are run and shown)",
    )
    criteria: Criteria = Criteria()

    @field_validator("event_window")
    @classmethod
    def _window(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > -1 or v[1] < 1:
            raise ValueError("event_window needs at least one month before (negative) and one after (positive)")
        return v


class ExternalStatisticsParams(Section):
    """The national procurement statistics (Upphandlingsmyndigheten) as independent evidence.

    Without ``statistics_dir`` (or where the folder is absent) the notebook says so and records
    ``available: false``; nothing else in the review depends on it."""

    statistics_dir: str | None = Field(default=None, description="folder with the statistics export (.xlsx or .csv)")
    year: int | None = Field(
        default=None, ge=1990, le=2100, description="statistics year; empty: every year in the export"
    )
    buyers: list[str] = Field(default_factory=list, description="buyer names or organisation numbers")
    peer_sector: str | None = Field(
        default=None,
        description="peers: other buyers of this sector as named in the data; empty: the buyers' own sector",
    )
    buyer_aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="per buyer (as in buyers): other names its titles use, e.g. Sörmland"
    )
    buyer_regions: dict[str, str] = Field(
        default_factory=dict,
        description="per buyer (as in buyers): region code in the data package; default by matching region names",
    )
    reference_pattern: str = Field(
        default=r"\b[A-ZÅÄÖ]{1,6}(?:-[A-ZÅÄÖ]{1,6})?[- ]?\d{2,4}[-/]\d{2,6}\b",
        description="regular expression for a reference (diarienummer) in a title",
    )
    title_ignore_words: list[str] = Field(
        default_factory=lambda: [
            "upphandling av",
            "upphandlings av",
            "upphandling",
            "ramavtal",
            "till",
            "för",
            "avseende",
        ],
        description="words left out when comparing titles across buyers",
    )
    interval_level: float = Field(default=0.95, gt=0, lt=1)
    bootstrap_reps: int = Field(default=2000, ge=200, le=MAX_RESAMPLES)
    min_peer_lots: int = Field(
        default=10, ge=1, le=MAX_UNITS, description="lots a peer buyer needs to be shown in the distribution"
    )
    market_min_tenders: int = Field(
        default=3, ge=1, le=MAX_BIDS, description="tenders a lot needs for the market-price method"
    )
    count_tolerance: float = Field(
        default=0.10, ge=0, description="register vs statistics: relative difference still counted as agreeing"
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


class FollowupParams(Section):
    previous_results_dir: str | None = Field(default=None, description="results/ of last year's run")

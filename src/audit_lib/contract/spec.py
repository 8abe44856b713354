"""The audit data package, version 1: one spec per table of the data contract.

The contract is documented for people in ``docs/data_contract.md``; this module is the
machine-readable form that loading and validation use. Column names and types follow
``DATA_CONTRACT.md`` exactly; the project may add tables or columns but never renames them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "bool", "date"]

CONTRACT_VERSION = 1

# Dates outside this window are refused as implausible (a typo such as 2205-01-01).
MIN_DATE = "1990-01-01"
MAX_DATE = "2100-12-31"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: ColumnType
    nullable: bool = False
    unique: bool = False
    allowed: tuple[str, ...] | None = None
    ge: float | None = None  # value >= ge
    gt: float | None = None  # value > gt
    le: float | None = None  # value <= le
    meaning: str = ""
    # an id or code: invisible and bidirectional control characters are refused
    key: bool = False
    # a region code: checked against the parameters' region codes where they are given
    region: bool = False
    # the column may be absent from the file (never required)
    optional: bool = False


@dataclass(frozen=True)
class Reference:
    """``column`` of this table must name an existing ``target_table.target_column``."""

    column: str
    target_table: str
    target_column: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: bool
    columns: tuple[ColumnSpec, ...]
    meaning: str = ""
    references: tuple[Reference, ...] = ()
    unique_together: tuple[str, ...] = ()
    large: bool = False  # validated and queried with DuckDB, never loaded whole into pandas
    extra_checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        """The columns a file of this table must have (all but the optional ones)."""
        return [c.name for c in self.columns if not c.optional]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


SAVING_METHODS = ("basket", "negotiation", "market", "none")
INDICATORS = ("coordinated_count", "coordinated_share", "enabled_savings_sek")
PERIODS = ("full_year", "interim")
GOAL_AREAS = ("cost", "quality", "commercial_soundness", "administration", "learning")

C = ColumnSpec

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "procurements",
            required=True,
            meaning="one row per completed procurement",
            columns=(
                C("procurement_id", "str", unique=True, key=True, meaning="the register's id (diarienummer)"),
                C("title", "str"),
                C("category", "str", key=True, meaning="purchasing category; matches rollouts.category"),
                C("lead_region", "str", key=True, region=True, meaning="region code of the lead buyer"),
                C("completed_date", "date", meaning="award date; its year is the audit year"),
                C("planned_coordinated", "bool", meaning="identified as coordinable in the plan"),
                C("non_coordination_reason", "str", nullable=True),
                C("saving_method", "str", allowed=SAVING_METHODS),
                C("reported_saving_sek", "float", nullable=True),
                C("basket_old_sek", "float", nullable=True, ge=0),
                C("basket_new_sek", "float", nullable=True, ge=0),
                C("first_price_sek", "float", nullable=True, ge=0),
                C("negotiated_price_sek", "float", nullable=True, ge=0),
                C("external_consultant", "bool"),
                C("lessons_documented", "bool"),
            ),
        ),
        TableSpec(
            "procurement_regions",
            required=True,
            meaning="one row per procurement and participating region",
            columns=(
                C("procurement_id", "str", key=True),
                C("region", "str", key=True, region=True),
                C("estimated_value_sek", "float", ge=0),
                C("initiated_by", "str", nullable=True),
                C("initiation_ref", "str", nullable=True),
            ),
            references=(Reference("procurement_id", "procurements", "procurement_id"),),
            unique_together=("procurement_id", "region"),
        ),
        TableSpec(
            "bids",
            required=False,
            meaning="bids per procurement; needed to recompute the market-price method",
            columns=(
                C("procurement_id", "str", key=True),
                C("bidder_id", "str", key=True),
                C("evaluated_price_sek", "float", gt=0),
                C("approved", "bool"),
                C("awarded", "bool"),
                C(
                    "lot_id",
                    "str",
                    nullable=True,
                    key=True,
                    optional=True,
                    meaning="the lot (delomrade) bid on; optional: a bidder may bid once per lot",
                ),
            ),
            references=(Reference("procurement_id", "procurements", "procurement_id"),),
            extra_checks=("bidder_repeats",),
        ),
        TableSpec(
            "targets",
            required=True,
            meaning="the board's indicators, target and outcome by year",
            columns=(
                C("year", "int", ge=1990, le=2100),
                C("indicator", "str", allowed=INDICATORS),
                C("target", "float", nullable=True, ge=0),
                C("outcome", "float", nullable=True, ge=0),
                C("period", "str", allowed=PERIODS),
                C("source", "str"),
            ),
            unique_together=("year", "indicator", "period"),
            extra_checks=("share_is_fraction",),
        ),
        TableSpec(
            "rollouts",
            required=False,
            meaning="start dates of e-commerce, category management and coordinated contracts",
            columns=(
                C("category", "str", key=True),
                C("region", "str", key=True, region=True),
                C("ecommerce_start", "date", nullable=True),
                C("category_management_start", "date", nullable=True),
                C("coordinated_contract_start", "date", nullable=True),
            ),
            unique_together=("category", "region"),
        ),
        TableSpec(
            "purchase_lines",
            required=False,
            large=True,
            meaning="order lines (millions of rows; Parquet or CSV)",
            columns=(
                C("order_date", "date"),
                C("region", "str", key=True, region=True),
                C("category", "str", key=True),
                C("article_id", "str", key=True),
                C("quantity", "float", gt=0),
                C("amount_sek", "float"),
            ),
        ),
        TableSpec(
            "coordination_effort",
            required=False,
            meaning="time spent coordinating",
            columns=(
                C("procurement_id", "str", key=True),
                C("activity", "str"),
                C("hours", "float", ge=0),
            ),
            references=(Reference("procurement_id", "procurements", "procurement_id"),),
        ),
        TableSpec(
            "indicators",
            required=False,
            meaning="what the board follows up (question 5)",
            columns=(
                C("goal_area", "str", allowed=GOAL_AREAS),
                C("indicator", "str"),
                C("followed_up", "bool"),
                C("reported_to", "str", nullable=True),
            ),
        ),
    )
}

FILE_SUFFIXES = (".csv", ".xlsx", ".parquet")

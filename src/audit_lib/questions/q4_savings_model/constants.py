"""The savings model's names: its methods and their saving types, the market method's
baselines, a method's status for a procurement and why it could not be computed, and the kinds
of finding the reconciliation lists."""

from __future__ import annotations

METHODS: tuple[str, ...] = ("basket", "negotiation", "market")
SAVING_TYPE: dict[str, str] = {"basket": "cost_reduction", "negotiation": "cost_avoidance", "market": "cost_avoidance"}
SAVING_TYPES: tuple[str, ...] = ("cost_reduction", "cost_avoidance")
BASELINES: tuple[str, ...] = ("mean", "median", "second_lowest", "estimated_value")
COMPUTED = "computed"
NOT_APPLICABLE = "not_applicable"
# why a method could not be computed for a procurement
REASONS: tuple[str, ...] = (
    "no_bids_table",
    "no_bids",
    "no_approved_bids",
    "too_few_approved_bids",
    "basket_missing",
    "basket_incomplete",
    "negotiation_missing",
    "negotiation_incomplete",
)
# ways the register applied a method whose conditions do not hold
INVALID_KINDS: tuple[str, ...] = (
    "market_too_few_bids",
    "unapproved_counted",
    "basket_inputs_missing",
    "negotiation_inputs_missing",
    "saving_without_method",
)
MISMATCH = "mismatch"

"""The building blocks of the parameter schema: the strict base model, the bounds on counts,
assessment criteria and the small shared types (regions, delegation rules)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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


class Section(Strict):
    """A section of the parameters file read by the notebooks that name it (their
    ``metadata.audit.sections``): its content enters the run cache of those notebooks only.
    ``RunParams`` fields typed as a ``Section`` are the section names (``SECTION_NAMES``);
    every other field is a common key that every notebook depends on."""


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


def model_class(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: ``annotation`` itself, or the model in ``X | None``; else None
    (a number, a list, or a table keyed by the user's own names such as ``regions``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        models = [m for a in typing.get_args(annotation) if (m := model_class(a)) is not None]
        return models[0] if len(models) == 1 else None
    return None

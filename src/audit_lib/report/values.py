"""Display helpers every question's page shares: a criterion's input, yes or no, an interval,
a region's name, a label from the text catalog with a fallback.

Each takes the run's texts ``t`` and formats ``f`` (``audit.t``, ``audit.f``); none computes a
figure. A question's page module (``report/pages/<question>.py``) composes them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .fmt import MISSING, Formatter
from .texts import Texts


def yes_no(value: bool | None, t: Texts, missing: str = MISSING) -> str:
    """ "Ja"/"Nej" (Yes/No); ``missing`` for None."""
    if value is None:
        return missing
    return t("common.yes") if value else t("common.no")


def is_number(x: Any) -> bool:
    """A finite number (not None, not NaN, not an infinity)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return False
    return v == v and v not in (float("inf"), float("-inf"))


def interval(low: Any, high: Any, show: Callable[[Any], str]) -> str:
    """ "low – high" in the given format; "–" when either end is missing."""
    if not (is_number(low) and is_number(high)):
        return MISSING
    return f"{show(low)} – {show(high)}"


def label(t: Texts, keys: Iterable[str], fallback: Any) -> str:
    """The first of ``keys`` the catalog has, else ``fallback`` as text."""
    for key in keys:
        if t.has(key):
            return t(key)
    return str(fallback)


def region_name(code: str, params: Any, language: str) -> str:
    """A region's name in the language, from the run's parameters; the code when unknown."""
    region = params.regions.get(code)
    return str(getattr(region, language)) if region is not None else code


@dataclass(frozen=True)
class InputFormat:
    """How a question shows its criteria's inputs: booleans as yes/no, missing as "–", names
    ending in one of ``percent_suffixes`` (or listed in ``percent_names``) as percent, names in
    ``count_suffixes`` / ``count_names`` as counts, anything else as a number with ``decimals``."""

    percent_suffixes: tuple[str, ...] = ("_share",)
    percent_names: tuple[str, ...] = ()
    percent_prefixes: tuple[str, ...] = ()
    percent_decimals: int = 0
    count_suffixes: tuple[str, ...] = ()
    count_names: tuple[str, ...] = ()
    decimals: int = 2

    def is_percent(self, name: str) -> bool:
        return (
            name.endswith(self.percent_suffixes)
            or name in self.percent_names
            or name.startswith(self.percent_prefixes or ("\0",))
        )

    def is_count(self, name: str) -> bool:
        return name.endswith(self.count_suffixes or ("\0",)) or name in self.count_names

    def bind(self, t: Texts, f: Formatter) -> Callable[[str, Any], str]:
        """The ``format_value(name, value)`` that ``audit.assess`` takes."""

        def show(name: str, value: Any) -> str:
            if isinstance(value, bool) or value is None:
                return yes_no(value, t)
            if self.is_percent(name):
                return f.percent(value, self.percent_decimals)
            if self.is_count(name):
                return f.count(value)
            return f.number(value, self.decimals)

        return show

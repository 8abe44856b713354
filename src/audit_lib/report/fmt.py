"""Number formats per language: "74,4 mnkr" in Swedish, "74.4 MSEK" in English.

Swedish uses a decimal comma and a (non-breaking) space between thousands, and a space before
the percent sign; English a decimal point, comma thousands, no space before %. A missing value
is shown as an en dash, never as 0 or "nan".
"""

from __future__ import annotations

import math
from typing import Any

NBSP = "\u00a0"
MISSING = "–"


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def number(x: Any, language: str, decimals: int = 0) -> str:
    if _missing(x):
        return MISSING
    s = f"{float(x):,.{decimals}f}"
    if s.startswith("-"):
        s = "\u2212" + s[1:] if language == "sv" else s
    if language == "sv":
        s = s.replace(",", NBSP).replace(".", ",")
    return s


def count(n: Any, language: str) -> str:
    return number(n, language, 0)


def percent(fraction: Any, language: str, decimals: int = 0) -> str:
    if _missing(fraction):
        return MISSING
    s = number(100 * float(fraction), language, decimals)
    return f"{s}{NBSP}%" if language == "sv" else f"{s}%"


def percent_points(diff: Any, language: str, decimals: int = 0) -> str:
    if _missing(diff):
        return MISSING
    s = number(100 * float(diff), language, decimals)
    return f"{s} procentenheter" if language == "sv" else f"{s} percentage points"


def mnkr(sek: Any, language: str, decimals: int = 1) -> str:
    """Money in millions: 74 400 000 -> "74,4 mnkr" / "74.4 MSEK"."""
    if _missing(sek):
        return MISSING
    s = number(float(sek) / 1e6, language, decimals)
    return f"{s}{NBSP}mnkr" if language == "sv" else f"{s}{NBSP}MSEK"


def sek(x: Any, language: str) -> str:
    if _missing(x):
        return MISSING
    s = number(x, language, 0)
    return f"{s}{NBSP}kr" if language == "sv" else f"SEK{NBSP}{s}"


def signed(s: str, x: Any) -> str:
    """Prefix a plus sign to a formatted positive number."""
    return ("+" + s) if not _missing(x) and float(x) > 0 else s


class Formatter:
    """Bound to a language: ``f = Formatter('sv'); f.mnkr(74.4e6)``."""

    def __init__(self, language: str) -> None:
        self.language = language

    def number(self, x: Any, decimals: int = 0) -> str:
        return number(x, self.language, decimals)

    def count(self, n: Any) -> str:
        return count(n, self.language)

    def percent(self, x: Any, decimals: int = 0) -> str:
        return percent(x, self.language, decimals)

    def percent_points(self, x: Any, decimals: int = 0) -> str:
        return percent_points(x, self.language, decimals)

    def mnkr(self, x: Any, decimals: int = 1) -> str:
        return mnkr(x, self.language, decimals)

    def sek(self, x: Any) -> str:
        return sek(x, self.language)

"""Number formats per language."""

from __future__ import annotations

from audit_lib.report import fmt

NB = "\u00a0"


def test_mnkr_swedish_and_english():
    assert fmt.mnkr(74.4e6, "sv") == f"74,4{NB}mnkr"
    assert fmt.mnkr(74.4e6, "en") == f"74.4{NB}MSEK"
    assert fmt.mnkr(-1.9e6, "sv") == f"\u22121,9{NB}mnkr"
    assert fmt.mnkr(-1.9e6, "en") == f"-1.9{NB}MSEK"


def test_thousands_and_percent():
    assert fmt.number(1234567.891, "sv", 1) == f"1{NB}234{NB}567,9"
    assert fmt.number(1234567.891, "en", 1) == "1,234,567.9"
    assert fmt.percent(0.19, "sv") == f"19{NB}%"
    assert fmt.percent(0.127, "en", 1) == "12.7%"


def test_missing_is_a_dash_not_zero():
    for f in (fmt.mnkr, fmt.percent, fmt.count, fmt.sek):
        assert f(None, "sv") == "–"
        assert f(float("nan"), "en") == "–"

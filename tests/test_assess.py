"""The four-level assessment: levels tried from Ja downward, missing inputs never hold."""

from __future__ import annotations

from audit_lib.assess import Override, assess
from audit_lib.params import Condition, Criteria

CRIT = Criteria(
    ja=[Condition(input="share", op=">=", value=0.9), Condition(input="documented", op="==", value=True)],
    till_stor_del=[Condition(input="share", op=">=", value=0.75)],
    till_viss_del=[Condition(input="share", op=">=", value=0.5)],
)


def test_levels_from_the_top():
    assert assess("q", CRIT, {"share": 0.95, "documented": True}).level == "ja"
    assert assess("q", CRIT, {"share": 0.95, "documented": False}).level == "till_stor_del"
    assert assess("q", CRIT, {"share": 0.6}).level == "till_viss_del"
    assert assess("q", CRIT, {"share": 0.2}).level == "nej"


def test_boundaries_are_inclusive_for_ge():
    assert assess("q", CRIT, {"share": 0.75}).level == "till_stor_del"
    assert assess("q", CRIT, {"share": 0.7499}).level == "till_viss_del"


def test_missing_input_cannot_hold_and_is_traced():
    a = assess("q", CRIT, {"share": 0.95})
    assert a.level == "till_stor_del"
    ja = a.trace["ja"]
    assert ja[1].holds is None and ja[1].actual is None
    assert assess("q", CRIT, {"share": float("nan")}).level == "nej"


def test_level_without_conditions_never_holds():
    a = assess("q", Criteria(), {"share": 1.0})
    assert a.level == "nej"


def test_override_is_kept_apart_from_the_computed_level():
    o = Override("till_stor_del", "Interviews show ...", "A. Revisor", "2025-10-01")
    a = assess("q", CRIT, {"share": 0.6}, o)
    assert a.level == "till_stor_del" and a.computed_level == "till_viss_del" and a.overridden
    j = a.to_json()
    assert j["override"]["author"] == "A. Revisor" and j["overridden"] is True
    assert j["rule"]["till_viss_del"][0] == {"input": "share", "op": ">=", "value": 0.5, "actual": 0.6, "holds": True}


def test_type_mismatch_does_not_crash():
    assert assess("q", CRIT, {"share": "high"}).level == "nej"

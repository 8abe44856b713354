"""The four-level assessment: levels tried from Ja downward, missing inputs never hold."""

from __future__ import annotations

import pytest

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


def test_missing_input_is_not_assessable_not_failed():
    """A criterion whose input is missing neither holds nor fails: the level is decided on the
    criteria that can be assessed, and the assessment says how many could not be."""
    crit = Criteria(
        ja=[
            Condition(input="share", op=">=", value=0.9),
            Condition(input="documented", op="==", value=True),
            Condition(input="target", op=">=", value=0.5),
        ],
        till_stor_del=[Condition(input="share", op=">=", value=0.75)],
    )
    a = assess("q", crit, {"share": 0.95, "documented": True})
    assert a.level == "ja"  # was Till stor del: the missing target counted as failed
    ja = a.trace["ja"]
    assert ja[2].holds is None and ja[2].actual is None and not ja[2].assessable
    assert a.not_assessable == ["target"]
    j = a.to_json()
    assert j["n_not_assessable"] == 1 and j["not_assessable"] == ["target"]
    assert j["rule"]["ja"][2]["assessable"] is False
    # a level resting on as many missing inputs as assessed ones is not reached
    half = assess("q", CRIT, {"share": 0.95})
    assert half.level == "till_stor_del" and half.not_assessable == ["documented"]
    # a level none of whose criteria can be assessed never holds
    assert assess("q", CRIT, {"share": float("nan")}).level == "nej"
    assert assess("q", CRIT, {}).level == "nej"


def test_margins_and_on_edge():
    """Each criterion records its distance from the threshold; a verdict whose deciding
    criterion lies within the tolerance of its threshold is on the edge (the demo's q3 at
    50 % against >= 50 %, q5 at 20 % against >= 20 %)."""
    a = assess("q", CRIT, {"share": 0.5, "documented": True})
    assert a.level == "till_viss_del" and a.on_edge
    viss = a.to_json()["rule"]["till_viss_del"][0]
    assert viss["margin"] == pytest.approx(0.0) and viss["value"] == 0.5 and viss["actual"] == 0.5
    assert a.to_json()["on_edge"] is True and "share" in a.to_json()["deciding"]
    # close below the next level up is on the edge too; far from both is not
    assert assess("q", CRIT, {"share": 0.74, "documented": True}).on_edge
    far = assess("q", CRIT, {"share": 0.62, "documented": True})
    assert not far.on_edge and far.to_json()["rule"]["till_stor_del"][0]["margin"] == pytest.approx(-0.13)
    # the tolerance is a parameter
    assert assess("q", CRIT, {"share": 0.62, "documented": True}, tolerance=0.15).on_edge
    # booleans have no margin
    assert a.to_json()["rule"]["ja"][1]["margin"] is None


def test_level_without_conditions_never_holds():
    a = assess("q", Criteria(), {"share": 1.0})
    assert a.level == "nej"


def test_override_is_kept_apart_from_the_computed_level():
    o = Override("till_stor_del", "Interviews show ...", "A. Revisor", "2025-10-01")
    a = assess("q", CRIT, {"share": 0.6}, o)
    assert a.level == "till_stor_del" and a.computed_level == "till_viss_del" and a.overridden
    j = a.to_json()
    assert j["override"]["author"] == "A. Revisor" and j["overridden"] is True
    assert j["rule"]["till_viss_del"][0] == {
        "input": "share",
        "op": ">=",
        "value": 0.5,
        "actual": 0.6,
        "holds": True,
        "margin": pytest.approx(0.1),
        "assessable": True,
    }


def test_type_mismatch_does_not_crash():
    assert assess("q", CRIT, {"share": "high"}).level == "nej"


def test_stability_under_neighbouring_thresholds():
    """Each numeric threshold moved to its neighbours one at a time: a verdict that flips
    there records how; one far from every threshold is stable."""
    a = assess("q", CRIT, {"share": 0.52, "documented": True}, step=0.05)
    j = a.to_json()
    assert j["stable"] is False
    flip = [f for f in j["flips"] if f["level_of_threshold"] == "till_viss_del"]
    assert flip and flip[0]["input"] == "share" and flip[0]["moved_to"] == pytest.approx(0.55)
    assert flip[0]["level"] == "nej"
    assert assess("q", CRIT, {"share": 0.62, "documented": True}, step=0.05).to_json()["stable"] is True
    assert assess("q", CRIT, {"share": 0.52}, step=None).flips == []

"""The board's responses: answers in time or not, promised measures done, late or overdue, and
the register's checks of the responses file (each error names where it is)."""

from __future__ import annotations

import datetime as dt

import pytest

from audit_lib import responses as rs
from audit_lib.evidence import EvidenceError, EvidenceRegister, Measure, load_register

D = dt.date
REC = {"id": "R1", "question": "q1", "text": {"sv": "Tydliggör ansvaret.", "en": "Clarify responsibility."}}


def measure(**kw) -> Measure:
    base = {"text": {"sv": "Ny rutin", "en": "New routine"}, "owner": "Inköpschef", "deadline": D(2026, 6, 30)}
    return Measure.model_validate({**base, **kw})


@pytest.mark.parametrize(
    ("kw", "as_of", "outcome"),
    [
        ({"status": "done", "completed": D(2026, 6, 30)}, D(2026, 12, 31), "done"),  # on the deadline: in time
        ({"status": "done", "completed": D(2026, 7, 1)}, D(2026, 12, 31), "done_late"),
        ({"status": "done"}, D(2026, 12, 31), "done"),  # done, no day given: not judged late
        ({"status": "in_progress"}, D(2026, 7, 1), "overdue"),
        ({"status": "planned"}, D(2026, 6, 30), "not_due"),  # the deadline day itself is not past
        ({"status": "rejected", "reason": {"sv": "Ryms inte i budget"}}, D(2026, 12, 31), "rejected"),
    ],
)
def test_a_measure_judged_on_a_day(kw, as_of, outcome):
    assert rs.measure_outcome(measure(**kw), as_of) == outcome


def register(responses: list[dict], recs: list[dict] | None = None) -> EvidenceRegister:
    return EvidenceRegister.model_validate({"year": 2025, "recommendations": recs or [REC], "responses": responses})


def test_answers_in_time_late_missing_and_not_yet_due():
    recs = [REC, {**REC, "id": "R2"}, {**REC, "id": "R3"}]
    reg = register(
        [
            {
                "recommendation": "R1",
                "received": D(2026, 2, 26),
                "answer": {"sv": "Vi gör så."},
                "measures": [
                    {"text": {"sv": "Rutin"}, "owner": "Inköpschef", "deadline": D(2026, 6, 30)},
                    {
                        "text": {"sv": "Utbildning"},
                        "owner": "HR",
                        "deadline": D(2026, 9, 30),
                        "status": "done",
                        "completed": D(2026, 6, 15),
                    },
                ],
            },
            {"recommendation": "R2", "received": D(2026, 2, 27)},
        ],
        recs,
    )
    answer_by = D(2026, 2, 26)
    before = rs.responses(reg, answer_by, D(2026, 2, 1))  # before any answer came
    assert [s.answered for s in before] == ["not_due", "not_due", "not_due"]
    assert [s.answered for s in rs.responses(reg, answer_by, D(2026, 2, 27))] == ["in_time", "late", "missing"]
    after = rs.responses(reg, answer_by, D(2026, 7, 1), "en")
    r1, r2, r3 = after
    assert (r1.answered, r1.deadline, r1.owner, r1.status) == ("in_time", "2026-09-30", "Inköpschef, HR", "in_progress")
    assert [m.outcome for m in r1.measures] == ["overdue", "done"] and r1.overdue
    assert r1.recommendation == "Clarify responsibility." and r1.answer == "Vi gör så."  # no English answer: Swedish
    assert r2.answered == "late" and r2.overdue and r2.status == "no_measures"
    assert r3.answered == "missing" and r3.received is None and r3.overdue
    assert rs.without_answer(after) == ["R3"]
    c = rs.counts(after)
    assert (c["in_time"], c["late"], c["missing"], c["measures_overdue"], c["measures_done"], c["overdue"]) == (
        1,
        1,
        1,
        1,
        1,
        3,
    )
    assert r1.to_json()["measures"][1]["completed"] == "2026-06-15"


def test_without_an_answer_date_nothing_is_missing_or_late():
    reg = register([{"recommendation": "R1", "received": D(2026, 5, 1)}])
    s = rs.responses(reg, None, D(2026, 12, 31))[0]
    assert s.answered == "in_time" and not s.overdue
    assert rs.answered(None, None, D(2030, 1, 1)) == "not_due"


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ([{"recommendation": "R9", "received": D(2026, 2, 1)}], "no such recommendation.*R1"),
        ([{"recommendation": "R1", "received": D(2026, 2, 1)}, {"recommendation": "R1"}], "more than one response"),
        ([{"recommendation": "R1", "answer": {"sv": "Ja"}}], "without the day it was received"),
        (
            [
                {
                    "recommendation": "R1",
                    "received": D(2026, 2, 1),
                    "measures": [{"text": {"sv": "x"}, "owner": "y", "deadline": D(2026, 3, 1), "status": "rejected"}],
                }
            ],
            "rejected measure needs its reason",
        ),
        (
            [
                {
                    "recommendation": "R1",
                    "received": D(2026, 2, 1),
                    "measures": [
                        {"text": {"sv": "x"}, "owner": "y", "deadline": D(2026, 3, 1), "completed": D(2026, 2, 2)}
                    ],
                }
            ],
            "only a done measure",
        ),
        (
            [
                {
                    "recommendation": "R1",
                    "received": D(2026, 2, 1),
                    "measures": [{"text": {"sv": "x"}, "owner": "", "deadline": D(2026, 3, 1)}],
                }
            ],
            "owner",
        ),
        ([{"recommendation": "R1", "received": D(2026, 2, 1), "evidence": ["O1"]}], "unknown observation"),
    ],
)
def test_bad_responses_are_named(responses, message):
    with pytest.raises(ValueError, match=message):
        register(responses)


def test_a_responses_file_in_a_register_folder(tmp_path):
    (tmp_path / "recommendations.yaml").write_text(
        "year: 2025\nrecommendations:\n  - id: R1\n    text: {sv: Gör något}\n", encoding="utf-8"
    )
    (tmp_path / "responses.yaml").write_text(
        "year: 2025\nresponses:\n  - recommendation: R1\n    received: 2026-02-20\n"
        "    measures:\n      - {text: {sv: Rutin}, owner: Inköpschef, deadline: 2026-06-30, status: planned}\n",
        encoding="utf-8",
    )
    reg = load_register(tmp_path, 2025)
    assert reg.responses[0].measures[0].owner == "Inköpschef"
    (tmp_path / "responses.yaml").write_text(
        "year: 2025\nresponses:\n  - recommendation: R1\n    recieved: 2026-02-20\n", encoding="utf-8"
    )
    with pytest.raises(EvidenceError, match=r"responses\.yaml.*\n.*recieved: unknown key"):
        load_register(tmp_path, 2025)


def test_the_page_section_in_both_languages():
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import responses as page
    from audit_lib.report.texts import Texts

    recs = [REC, {**REC, "id": "R2"}]
    reg = register(
        [
            {
                "recommendation": "R1",
                "received": D(2026, 3, 2),
                "measures": [
                    {
                        "text": {"sv": "Ny rutin", "en": "New routine"},
                        "owner": "Inköpschef",
                        "deadline": D(2026, 6, 30),
                    },
                    {
                        "text": {"sv": "Utbildning"},
                        "owner": "HR",
                        "deadline": D(2026, 9, 30),
                        "status": "rejected",
                        "reason": {"sv": "Ryms inte", "en": "No budget"},
                    },
                ],
            }
        ],
        recs,
    )
    for lang, words in (
        (
            "sv",
            [
                "Svar 2026-03-02, för sent",
                "Avvisad: Ryms inte",
                "Svar saknas",
                "Rekommendationer utan svar: R2.",
                "1 kom för sent",
            ],
        ),
        (
            "en",
            [
                "Answered 2026-03-02, late",
                "Rejected: No budget",
                "No answer",
                "Recommendations without an answer: R2.",
                "1 came late",
            ],
        ),
    ):
        statuses = rs.responses(reg, D(2026, 2, 26), D(2026, 7, 1), lang)
        html = "".join(str(p) for p in page.section(statuses, Texts(lang), Formatter(lang), "2026-02-26", "2026-07-01"))
        for w in words:
            assert w in html, (lang, w)
        assert html.count("<tr>") == 1 + 3  # header, two measures of R1, R2 without measures
    empty = page.section([], Texts("sv"), Formatter("sv"), None, "2026-07-01")
    assert "inga rekommendationer" in "".join(str(p) for p in empty)


def test_nothing_after_the_day_is_seen():
    """A review judged on a day before the answer came sees no answer and no measure; a measure
    completed after the day is not yet done."""
    reg = register(
        [
            {
                "recommendation": "R1",
                "received": D(2026, 2, 20),
                "answer": {"sv": "Ja"},
                "measures": [
                    {
                        "text": {"sv": "Rutin"},
                        "owner": "Inköpschef",
                        "deadline": D(2026, 6, 30),
                        "status": "done",
                        "completed": D(2026, 6, 1),
                    }
                ],
            }
        ]
    )
    early = rs.responses(reg, D(2026, 2, 26), D(2026, 1, 31))[0]
    assert (early.answered, early.received, early.answer, early.measures) == ("not_due", None, None, ())
    mid = rs.responses(reg, D(2026, 2, 26), D(2026, 5, 1))[0]
    assert mid.answered == "in_time" and mid.measures[0].outcome == "not_due"  # done on 1 June, not yet
    late = rs.responses(reg, D(2026, 2, 26), D(2026, 7, 1))[0]
    assert late.measures[0].outcome == "done" and not late.overdue


def test_before_any_answer_is_due_the_page_says_so_plainly():
    """No "0 of 5 came in time" before the answer date, and no "no measure promised" for a
    recommendation the board has not yet answered."""
    from audit_lib.report.fmt import Formatter
    from audit_lib.report.pages import responses as page
    from audit_lib.report.texts import Texts

    statuses = rs.responses(register([]), D(2026, 2, 26), D(2025, 12, 31))
    html = "".join(str(p) for p in page.section(statuses, Texts("sv"), Formatter("sv"), "2026-02-26", "2025-12-31"))
    assert "Den 2025-12-31 har inget svar kommit, och inget är försenat." in html
    assert "0 av" not in html and "Ingen åtgärd utlovad" not in html
    answered = rs.responses(
        register([{"recommendation": "R1", "received": D(2026, 2, 1)}]), D(2026, 2, 26), D(2026, 3, 1)
    )
    html = "".join(str(p) for p in page.section(answered, Texts("sv"), Formatter("sv"), "2026-02-26", "2026-03-01"))
    assert "Ingen åtgärd utlovad" in html  # answered, but without a measure

"""Follow-up: last year's recommendations and where they stand (see the package's docstring)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

STATUS_ORDER = ("done", "in_progress", "open", "not_started", "missing", "new")
CARRIED = ("open", "in_progress", "done", "not_started")


def recommendation_followup(
    register: Sequence[Mapping[str, Any]],
    observations: Mapping[str, Mapping[str, Any]],
    previous: Sequence[Mapping[str, Any]] | None,
) -> pd.DataFrame:
    """Last year's recommendations and where they stand.

    ``register``: this year's recommendations (``id``, ``question``, ``text``, ``status``,
    ``status_evidence``); ``observations``: this year's observations by id; ``previous``: the
    recommendations last year's follow-up recorded (None if unknown). A recommendation is
    followed up if this year's register carries it (status other than ``new``) or last year
    recorded it as not done; if last year recorded it and this year's register lacks it, its
    status is ``missing``. Columns: ``id``, ``question``, ``text``, ``status``,
    ``previous_status``, ``evidence`` (list of observations), ``in_register``.
    """
    now = {r["id"]: r for r in register}
    before = {r["id"]: r for r in (previous or [])}
    ids = [r["id"] for r in register if r.get("status") in CARRIED]
    ids += [i for i, r in before.items() if i not in ids and r.get("status") != "done"]
    rows = []
    for i in ids:
        r, b = now.get(i), before.get(i)
        src = r or b or {}
        evidence = [dict(observations[e], id=e) for e in (r or {}).get("status_evidence", []) if e in observations]
        rows.append(
            {
                "id": i,
                "question": src.get("question"),
                "text": src.get("text"),
                "status": r.get("status") if r else "missing",
                "previous_status": b.get("status") if b else None,
                "evidence": evidence,
                "in_register": r is not None,
            }
        )
    rank = {s: k for k, s in enumerate(STATUS_ORDER)}
    rows.sort(key=lambda x: (rank.get(x["status"], 99), str(x["id"])))
    cols = ["id", "question", "text", "status", "previous_status", "evidence", "in_register"]
    return pd.DataFrame(rows, columns=cols, dtype=object)


def status_counts(followed: pd.DataFrame) -> dict[str, int]:
    """How many followed-up recommendations per status (every status listed, zeros included)."""
    c = Counter(followed["status"]) if len(followed) else Counter()
    return {s: int(c.get(s, 0)) for s in STATUS_ORDER if s != "new"}

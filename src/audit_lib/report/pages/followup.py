"""What the follow-up page shows: whether there is a previous year, each question's assessment
then and now, the figures that changed, and last year's recommendations."""

from __future__ import annotations

from functools import partial
from typing import Any

from ...questions.followup import FollowupResult, figures_summary
from .. import display as d
from ..fmt import MISSING, Formatter, signed
from ..texts import Texts
from ..values import interval, label, yes_no
from . import responses as responses_page


def question_label(res: FollowupResult, notebook: str, t: Texts) -> str:
    """A question's short name; else the title its results recorded (this year's, else last
    year's); else the notebook's name."""
    if t.has(f"{notebook}.short"):
        return t(f"{notebook}.short")
    return str((res.current.get(notebook) or res.previous.get(notebook) or {}).get("title") or notebook)


def level_label(level: str | None, overridden: Any, t: Texts) -> str:
    """A level's name, "(overridden)" after it when the auditors overrode it."""
    if level is None:
        return MISSING
    return t(f"level.{level}") + (f" ({t('followup.overridden')})" if overridden else "")


def value_s(kind: str, v: Any, t: Texts, f: Formatter) -> str:
    """A figure in its kind's format (``followup.kind_of``)."""
    if v is None:
        return MISSING
    if kind == "bool":
        return yes_no(v, t)
    if kind == "text":
        return str(v)
    if kind == "share":
        return f.percent(v, 1)
    if kind == "money":
        return f.mnkr(v)
    return f.count(v) if kind == "count" else f.number(v, 2)


def change_s(r: Any, t: Texts, f: Formatter) -> str:
    """A figure's change (a share's in percentage points; others also relative), or its status."""
    if r.status != "changed" or r.change is None:
        return t(f"followup.status_{r.status}")
    if r.kind == "share":
        return signed(f.percent_points(r.change, 1), r.change)
    s = signed(value_s(r.kind, r.change, t, f), r.change)
    return s + (f" ({signed(f.percent(r.change_rel, 1), r.change_rel)})" if r.change_rel is not None else "")


def uncertainty_s(r: Any, t: Texts, f: Formatter) -> str:
    """Both years' intervals and whether they overlap ("" without intervals in both years)."""
    if r.intervals_overlap is None:
        return ""
    show = partial(value_s, r.kind, t=t, f=f)
    prev, cur = interval(r.previous_low, r.previous_high, show), interval(r.current_low, r.current_high, show)
    return f"{prev} → {cur}: " + t("followup.overlap_yes" if r.intervals_overlap else "followup.overlap_no")


def intro(res: FollowupResult, t: Texts, f: Formatter) -> list[d.Html]:
    """The years compared, or why there is no comparison; this year's notebooks that failed."""
    avail = res.availability
    if avail["available"]:
        parts = [d.paragraph(t("followup.intro", year=res.audit_year, previous_year=avail["previous_year"]))]
        if avail["n_previous_failed"]:
            parts.append(d.callout(t("followup.previous_failed", n=avail["n_previous_failed"]), "warning"))
    else:
        parts = [
            d.heading(t("followup.not_available_heading")),
            d.callout(
                t(
                    f"followup.reason_{avail['reason']}",
                    path=res.previous_results_dir or "",
                    year=res.audit_year,
                    previous_year=avail["previous_year"],
                ),
                "warning",
            ),
        ]
    if res.failed_now:
        names = ", ".join(question_label(res, n, t) for n in res.failed_now)
        parts.append(d.callout(t("followup.current_failed", n=len(res.failed_now), names=names), "warning"))
    return parts


def _direction(direction: str, because: list[str], t: Texts) -> str:
    if not because:
        return t(f"followup.direction_{direction}")
    return t(
        "followup.because",
        direction=t(f"followup.direction_{direction}"),
        reasons=", ".join(t(f"followup.because_{r}") for r in because),
    )


def assessments(res: FollowupResult, t: Texts, f: Formatter) -> list[d.Html]:
    """Each question's level then and now, like for like (nothing without a previous year)."""
    if not res.availability["available"]:
        return []
    a, n = res.assessments, res.directions
    shown = a.assign(
        question_s=[question_label(res, nb, t) for nb in a["notebook"]],
        previous_s=[level_label(lv, o, t) for lv, o in zip(a["previous_level"], a["previous_overridden"])],
        current_s=[level_label(lv, o, t) for lv, o in zip(a["current_level"], a["current_overridden"])],
        previous_now_s=[level_label(lv, False, t) for lv in a["previous_level_now"]],
        figures_s=[t("followup.figures_summary", **figures_summary(fg)) if fg else MISSING for fg in a["figures"]],
        direction_s=[_direction(x, because, t) for x, because in zip(a["direction"], a["because"])],
        criteria_s=[yes_no(b, t) for b in a["criteria_changed"]],
    )
    parts = [
        d.key_figures(
            [
                (t("followup.kf_improved"), f.count(n["improved"])),
                (t("followup.kf_unchanged"), f.count(n["unchanged"])),
                (t("followup.kf_worsened"), f.count(n["worsened"])),
                (t("followup.kf_changed"), f.count(n["changed"])),
            ]
        ),
        d.heading(t("followup.assess_heading")),
        d.paragraph(t("followup.assess_intro")),
        d.paragraph(t("followup.like_for_like_note")),
        d.table(
            shown,
            {
                "question_s": t("followup.col_question"),
                "previous_s": t("followup.col_previous_level"),
                "previous_now_s": t("followup.col_previous_now"),
                "current_s": t("followup.col_current_level"),
                "figures_s": t("followup.col_figures"),
                "direction_s": t("followup.col_direction"),
                "criteria_s": t("followup.col_criteria"),
            },
        ),
    ]
    n_changed = int(sum(1 for b in a["criteria_changed"] if b))
    if n_changed:
        parts.append(d.callout(t("followup.criteria_changed_note", n=n_changed), "caution"))
    return parts


def figures(res: FollowupResult, t: Texts, f: Formatter) -> list[d.Html]:
    """One table per question of the figures both years recorded (nothing without a previous year)."""
    if not res.availability["available"]:
        return []
    parts = [d.heading(t("followup.figures_heading")), d.paragraph(t("followup.figures_intro"))]
    if res.figures.empty:
        parts.append(d.paragraph(t("followup.no_figures")))
    for nb, part in res.figures.groupby("notebook", sort=False):
        rows = list(part.itertuples())
        view = part.assign(
            figure_s=[label(t, (f"input.{n}", f"indicator.{n}"), n) for n in part["name"]],
            previous_s=[value_s(k, v, t, f) for k, v in zip(part["kind"], part["previous"])],
            current_s=[value_s(k, v, t, f) for k, v in zip(part["kind"], part["current"])],
            change_s=[change_s(r, t, f) for r in rows],
            uncertainty_s=[uncertainty_s(r, t, f) for r in rows],
        )
        columns = {
            "figure_s": t("followup.col_figure"),
            "previous_s": t("followup.col_previous"),
            "current_s": t("followup.col_current"),
            "change_s": t("followup.col_change"),
        }
        if view["uncertainty_s"].astype(bool).any():
            columns["uncertainty_s"] = t("followup.col_uncertainty")
        parts.append(
            d.table(
                view,
                columns,
                caption=t("followup.figures_caption", question=question_label(res, str(nb), t)),
                numeric=["previous_s", "current_s", "change_s"],
            )
        )
    return parts


def text_of(x: Any, language: str) -> str:
    """A register text in the language (Swedish when it has none in the language)."""
    if isinstance(x, dict):
        return str(x.get(language) or x.get("sv") or "")
    return str(x or "")


def previous_status_s(s: str | None, res: FollowupResult, t: Texts) -> str:
    """A recommendation's status last year ("made in <year>" for a new one)."""
    if not s:
        return MISSING
    if s == "new":
        return t("followup.rec_made", year=res.availability["previous_year"] or res.audit_year - 1)
    return t(f"followup.rec_status_{s}")


def evidence_s(items: list[dict[str, Any]], t: Texts) -> str:
    """The observations behind a recommendation's status."""
    if not items:
        return t("followup.no_evidence")
    return "; ".join(f"{e['id']}: {e['text']} ({e['source']}, {e['date']})" for e in items)


def recommendations(res: FollowupResult, t: Texts, f: Formatter) -> list[d.Html]:
    """Last year's recommendations and where they stand; this review's new ones."""
    recs, counts, lang = res.followed_up, res.recommendation_status, res.language
    parts = [d.heading(t("followup.recs_heading"))]
    if recs.empty:
        parts.append(d.paragraph(t("followup.recs_none")))
    else:
        shown = recs.assign(
            text_s=[text_of(x, lang) for x in recs["text"]],
            question_s=[q or MISSING for q in recs["question"]],
            previous_s=[previous_status_s(s, res, t) for s in recs["previous_status"]],
            status_s=[t(f"followup.rec_status_{s}") for s in recs["status"]],
            evidence_s=[evidence_s(e, t) for e in recs["evidence"]],
        )
        parts += [
            d.key_figures(
                [(t("followup.kf_recs"), f.count(len(recs))), (t("followup.kf_recs_done"), f.count(counts["done"]))]
            ),
            d.paragraph(t("followup.recs_intro")),
            d.table(
                shown,
                {
                    "id": t("followup.col_id"),
                    "text_s": t("followup.col_recommendation"),
                    "previous_s": t("followup.col_previous_status"),
                    "status_s": t("followup.col_status"),
                    "evidence_s": t("followup.col_evidence"),
                },
            ),
        ]
        if counts["missing"]:
            parts.append(d.callout(t("followup.recs_missing", n=counts["missing"]), "warning"))
        if counts["open"]:
            parts.append(d.callout(t("followup.recs_open", n=counts["open"]), "info"))
    if res.measures:  # the board's answers to last year's recommendations and what became of its measures
        parts += responses_page.section(
            res.measures,
            t,
            f,
            res.answer_by.isoformat() if res.answer_by else None,
            res.measures_as_of.isoformat() if res.measures_as_of else "",
            level=3,
        )
    made = [r for r in res.register if r["status"] == "new"]
    return [
        *parts,
        d.heading(t("followup.made_heading"), 3),
        d.bullets(f"{r['id']}: {text_of(r['text'], lang)}" for r in made)
        if made
        else d.paragraph(t("followup.made_none")),
    ]

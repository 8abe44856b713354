"""``audit new-year YEAR --from params/PREVIOUS.yaml``: scaffold the next audit year.

Writes, beside the previous parameters file:

- ``<run name>.yaml``: the previous file with ``audit_year`` set to YEAR, the year in
  ``run_name``, ``data_dir`` and ``evidence`` bumped (``2025`` → ``2026``; a run name without
  the year gets ``-YEAR`` appended; a data folder without the year is kept, and said so), and
  ``followup.previous_results_dir`` pointing at the previous run's ``results/`` folder; a
  ``period_start``/``period_end`` in the file is set to the whole new year. The
  file's comments and every other section are kept as they are; the result is validated.
- the new evidence register folder with ``README.yaml`` (the year) and ``followup.yaml``:
  every recommendation of the previous register that was not done, carried with status
  ``open`` (last year's status in a comment) for the auditors to follow up, and the board's
  answers to them with the measures it promised (owner, deadline, status), so the follow-up
  judges each measure as done, late or not done.

Nothing is overwritten: an existing parameters file or ``followup.yaml`` is an error.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..evidence import load_register
from ..params import load_params
from .notebooks import PROJECT_ROOT


class NewYearError(Exception):
    pass


@dataclass
class NewYear:
    params_file: Path
    evidence_dir: Path | None
    previous_results_dir: str
    carried: list[str] = field(default_factory=list)  # recommendation ids carried as open
    closed: list[str] = field(default_factory=list)  # done last year: not carried
    notes: list[str] = field(default_factory=list)  # what the auditors must check or fill in

    def format(self) -> str:
        lines = [f"Wrote {self.params_file}"]
        if self.evidence_dir:
            lines.append(
                f"Wrote the evidence register {self.evidence_dir}/ "
                f"({len(self.carried)} recommendation(s) carried as open"
                + (f"; {len(self.closed)} done last year, not carried" if self.closed else "")
                + ")"
            )
        lines.append(f"followup.previous_results_dir: {self.previous_results_dir}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


# ------------------------------------------------------------------------------ editing the YAML text
_TOP = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?P<rest>.*)$")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    s = str(value)
    return (
        s if re.fullmatch(r"[A-Za-z_./][A-Za-z0-9_./-]*", s) and s not in ("null", "true", "false") else json.dumps(s)
    )


def set_top_level(text: str, key: str, value: Any) -> str:
    """Set a top-level scalar key in YAML text, keeping its trailing comment; append if absent."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _TOP.match(line)
        if m and m.group("key") == key:
            comment = ""
            cm = re.search(r"\s+#.*$", m.group("rest"))
            if cm:
                comment = cm.group(0)
            lines[i] = f"{key}: {_scalar(value)}{comment}"
            return "\n".join(lines) + "\n"
    return text.rstrip("\n") + f"\n{key}: {_scalar(value)}\n"


def set_section_key(text: str, section: str, key: str, value: Any, comment: str = "") -> str:
    """Set ``section.key`` (a scalar) in YAML text: replace the key's line inside the section,
    add it to the section, or append the section at the end."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(section)}:\s*(#.*)?$", ln)), None)
    new = f"  {key}: {_scalar(value)}" + (f"  # {comment}" if comment else "")
    if start is None:
        return text.rstrip("\n") + f"\n\n{section}:\n{new}\n"
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith((" ", "\t", "#"))):
        end += 1
    for i in range(start + 1, end):
        if re.match(rf"^\s+{re.escape(key)}:", lines[i]):
            lines[i] = new
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, new)
    return "\n".join(lines) + "\n"


def bump(value: str, old: int, new: int) -> str:
    """``value`` with the year ``old`` replaced by ``new`` (as a whole number only)."""
    return re.sub(rf"(?<!\d){old}(?!\d)", str(new), value)


# ------------------------------------------------------------------------------ the scaffold
def new_year(
    year: int, from_params: str | Path, out: str | Path | None = None, previous_out: str | Path | None = None
) -> NewYear:
    """Scaffold ``year`` from the parameters file ``from_params`` (see the module docstring).
    ``previous_out``: the previous run's output folder, if not the default outputs/<run name>."""
    src = Path(from_params)
    prev = load_params(src)
    old = prev.audit_year
    if year <= old:
        raise NewYearError(f"{src} audits {old}; the new year must be later (got {year})")
    notes = []

    run_name = bump(prev.run_name, old, year)
    if run_name == prev.run_name:
        run_name = f"{prev.run_name}-{year}"
    dst = Path(out) if out else src.parent / f"{run_name}.yaml"
    if dst.exists():
        raise NewYearError(f"{dst} exists already; nothing was written")

    data_dir = bump(prev.data_dir, old, year)
    if data_dir == prev.data_dir:
        notes.append(f"data_dir is still {prev.data_dir}: point it at {year}'s data package if it is not there")

    evidence = _evidence_folder(prev.evidence, old, year, run_name)

    prev_out = Path(previous_out).resolve() if previous_out else PROJECT_ROOT / "outputs" / prev.run_name
    prev_results = prev_out / "results"
    rel_results = Path(os.path.relpath(prev_results, dst.parent.resolve())).as_posix()
    if not prev_results.is_dir():
        notes.append(
            f"{prev_results} does not exist yet: run `audit run {src}` before the {year} run, "
            "or the follow-up report will say that last year's results are missing"
        )

    text = _next_text(
        src.read_text(encoding="utf-8"),
        prev,
        year,
        {"run_name": run_name, "data_dir": data_dir, "evidence": evidence, "previous_results_dir": rel_results},
        notes,
    )

    ev_dir = (dst.parent / evidence).resolve()
    carried, closed, followup_text = carry_recommendations(prev, year)
    if ev_dir.suffix in (".yaml", ".yml"):
        raise NewYearError(f"evidence {evidence} is a file; use a folder for {year} (e.g. evidence/{year})")
    if (ev_dir / "followup.yaml").exists():
        raise NewYearError(f"{ev_dir / 'followup.yaml'} exists already; nothing was written")

    _write_params(dst, text)
    _write_evidence(ev_dir, year, followup_text)
    return NewYear(dst, ev_dir, rel_results, carried, closed, notes)


def _write_params(dst: Path, text: str) -> None:
    """Write the new year's parameters file and load it back; remove it again if it is not valid."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(text, encoding="utf-8")
    try:
        load_params(dst)
    except Exception as e:
        dst.unlink()
        raise NewYearError(f"the scaffolded parameters are not valid (nothing was written):\n{e}") from None


def _write_evidence(ev_dir: Path, year: int, followup_text: str) -> None:
    """The new year's evidence folder: a README (kept if there is one) and followup.yaml."""
    ev_dir.mkdir(parents=True, exist_ok=True)
    readme = ev_dir / "README.yaml"
    if not readme.exists():
        readme.write_text(
            f"# The auditors' evidence register for {year}: one YAML file per question (q1.yaml ...) with\n"
            "# observations, facts, overrides and recommendations. followup.yaml carries last year's\n"
            "# recommendations: set each one's status and cite the observations it rests on.\n"
            f"year: {year}\n",
            encoding="utf-8",
        )
    (ev_dir / "followup.yaml").write_text(followup_text, encoding="utf-8")


def _evidence_folder(previous: str | None, old: int, year: int, run_name: str) -> str:
    """The new year's evidence register: last year's path with the year bumped, else a folder
    named by the year beside it, else ``evidence/<run name>``."""
    if not previous:
        return f"evidence/{run_name}"
    evidence = bump(previous, old, year)
    if evidence != previous:
        return evidence
    return str(Path(previous).parent / str(year)) if Path(previous).parent != Path(".") else f"evidence/{year}"


def _next_text(text: str, prev: Any, year: int, values: dict[str, str], notes: list[str]) -> str:
    """Last year's parameters file edited for ``year`` (comments kept): run name, year, the
    whole year as the period, data and evidence folders, last year's results, no answer date."""
    text = set_top_level(text, "run_name", values["run_name"])
    text = set_top_level(text, "audit_year", year)
    for key, day in (("period_start", f"{year}-01-01"), ("period_end", f"{year}-12-31")):
        if re.search(rf"^{key}:", text, re.M):  # last year's period (perhaps an interim cut-off)
            text = set_top_level(text, key, day)
            notes.append(f"{key} is set to {day} (the whole year): change it for an interim report")
    text = set_top_level(text, "data_dir", values["data_dir"])
    text = set_top_level(text, "evidence", values["evidence"])
    text = set_section_key(
        text,
        "followup",
        "previous_results_dir",
        values["previous_results_dir"],
        f"results of the {prev.audit_year} run ({prev.run_name})",
    )
    if prev.summary.answer_by is not None:  # last year's answer date does not carry over
        text = set_section_key(
            text, "summary", "answer_by", None, f"the date the board must answer the {year} review by"
        )
    return text


def carry_recommendations(prev: Any, year: int) -> tuple[list[str], list[str], str]:
    """The register file carrying the previous register's recommendations that were not done,
    with status ``open`` (and last year's status in a comment)."""
    reg = load_register(prev.path(prev.evidence), prev.audit_year, prev) if prev.evidence else None
    recs = list(reg.recommendations) if reg else []
    carried = [r for r in recs if r.status != "done"]
    closed = [r.id for r in recs if r.status == "done"]
    head = (
        f"# Follow-up of the {prev.audit_year} review's recommendations, carried by `audit new-year {year}`.\n"
        "# For each: set status (done, in_progress, not_started; open = not yet assessed) and cite\n"
        "# the observations (add them under observations:) in status_evidence.\n"
        f"year: {year}\n"
    )
    if not carried:
        return [], closed, head + "observations: []\nrecommendations: []\n"
    body = ["observations: []", "recommendations:"]
    for r in carried:
        item: dict[str, Any] = {
            "id": r.id,
            "question": r.question,
            "text": r.text.model_dump(exclude_none=True),
            "status": "open",
            "status_evidence": [],
        }
        dumped = yaml.safe_dump([item], allow_unicode=True, sort_keys=False, width=100).rstrip("\n")
        body.append(f"  # {prev.audit_year}: {r.status}")
        body += ["  " + ln for ln in dumped.splitlines()]
    ids = {r.id for r in carried}
    answers = [a for a in (reg.responses if reg else []) if a.recommendation in ids]
    if answers:  # the board's answers and promised measures: the follow-up judges them this year
        body.append(
            "# The board's answers to them and the measures it promised: set each measure's status "
            "(done with completed:, in_progress, planned, rejected with reason:) as the follow-up finds it."
        )
        body.append("responses:")
        # without last year's observation ids: this year's register cites its own observations
        dumped = yaml.safe_dump(
            [
                a.model_dump(
                    mode="json", exclude_none=True, exclude={"evidence": True, "measures": {"__all__": {"evidence"}}}
                )
                for a in answers
            ],
            allow_unicode=True,
            sort_keys=False,
            width=100,
        ).rstrip("\n")
        body += ["  " + ln for ln in dumped.splitlines()]
    return [r.id for r in carried], closed, head + "\n".join(body) + "\n"

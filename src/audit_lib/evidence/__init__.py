"""The auditors' evidence register: one YAML file per audit year.

Much of an audit is interviews and documents. The register records, per question:
- ``observations``: what was seen or heard, each with its source reference and date;
- ``facts``: named inputs to the assessment criteria that only the auditors can establish
  (e.g. ``derivation_documented: false`` for question 3), each citing observations;
- ``overrides``: an assessment set by the auditors, with a written justification and author
  (keyed by question id, or ``summary.<dimension>`` for the overall conclusion);
- ``comments``: the auditors' one-line comment per question for the closing table (and
  ``summary`` for the overall conclusion), citing observations;
- ``recommendations``: the review's recommendations, with their follow-up status;
- ``responses``: the board's answer to each recommendation (when it was received, what it
  says) and the measures it promises, each with an owner, a deadline and a status (planned,
  in progress, done, rejected with a reason); ``audit_lib.responses`` judges them.

The format is documented in ``docs/evidence_register.md``; loading is strict and uses safe
YAML loading: an unknown or twice-written key, an unknown question id and (given the run's
parameters) a fact no criterion uses are errors naming the nearest valid name, never ignored.

By what they do: ``model`` (the register's entries, strict pydantic models), ``checks`` (names
nothing reads, contradicted facts, parameters that differ from the board's rules) and ``load``
(one file or a folder of files, merged). Their public names are importable from here.
"""

from __future__ import annotations

from .checks import contradictions, fact_names, name_problems, parameter_value, what_if
from .load import empty_register, load_register, merge_registers
from .model import (
    ASSESSED,
    QUESTIONS,
    TOPICS,
    BoardRule,
    Comment,
    EvidenceError,
    EvidenceRegister,
    Fact,
    Measure,
    Observation,
    OverrideEntry,
    Recommendation,
    Response,
    Text,
    nearest,
)

__all__ = [
    "ASSESSED",
    "QUESTIONS",
    "TOPICS",
    "BoardRule",
    "Comment",
    "EvidenceError",
    "EvidenceRegister",
    "Fact",
    "Measure",
    "Observation",
    "OverrideEntry",
    "Recommendation",
    "Response",
    "Text",
    "contradictions",
    "empty_register",
    "fact_names",
    "load_register",
    "merge_registers",
    "name_problems",
    "nearest",
    "parameter_value",
    "what_if",
]

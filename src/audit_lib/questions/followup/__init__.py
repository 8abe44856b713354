"""Follow-up: this year's run against last year's results, and last year's recommendations.

Pure functions over the results JSON of two runs (``results/<notebook>.json``, read by the
notebook with ``report.results.read_all_results``) and the evidence register's recommendations.
No file I/O. ``analyse`` is the one entry point (``analysis.py``), ``results`` what the results
JSON records; the page is ``report/pages/followup.py``. The parts: ``figures.py``,
``assessments.py``, ``recommendations.py``.

- **Figures** of a notebook are the inputs of its assessment (named, labelled ``input.<name>``;
  they include the auditors' facts) and the numbers and booleans it recorded at the top level
  of its results (``coordinated_share_count``, ``n_procurements``, ...). Tables (lists) are not
  compared row by row. Parameters a notebook echoes in its results (the names of its parameter
  section, the common keys, keys ending in ``_level``) are settings, not findings, and are left
  out, as are words. A recorded ``<name>_interval`` (a pair), or ``<name>_low`` and
  ``<name>_high``, is the uncertainty of ``<name>``: where both years have one, the comparison says whether the
  two intervals overlap (if they do, the change may be noise; if they do not, it exceeds the
  uncertainty of both estimates; overlap is a conservative check, not a test).
- **Assessments** are compared like with like: last year's inputs are assessed again under
  this year's criteria (``previous_level_now``), and each input a criterion uses gets a
  direction (better, worse, same, missing) read from its condition (higher is better for
  ``>=``, lower for ``<=``, towards the required value for ``==``). A level change is called
  ``improved`` (or ``worsened``) only when the like-for-like levels differ that way and the
  underlying figures agree (some better, none worse; or the reverse); otherwise it is
  ``changed`` and ``because`` says what changed: ``criteria`` (the rule, not the practice),
  ``missing_inputs`` (an input present in one year only) or ``data`` (figures that point the
  other way or both ways).
- **Recommendations**: last year's recommendations are those carried into this year's register
  (status other than ``new``; ``audit new-year`` carries them with status ``open``) and those
  last year's follow-up recorded as made or still open; one missing from this year's register
  is shown as missing, never silently dropped.
"""

from __future__ import annotations

from .analysis import FollowupResult, analyse, availability, previous_year_of, results
from .assessments import (
    LEVEL_RANK,
    assessment_changes,
    criteria_by_notebook,
    criteria_changed,
    criteria_inputs,
    criteria_signature,
    direction_counts,
    figure_direction,
    level_direction,
    like_for_like,
)
from .figures import (
    META_KEYS,
    SHARE_HINTS,
    TOLERANCE,
    figure_changes,
    figures,
    figures_summary,
    interval_of,
    kind_of,
    parameter_names,
)
from .recommendations import CARRIED, STATUS_ORDER, recommendation_followup, status_counts

__all__ = [
    "CARRIED",
    "LEVEL_RANK",
    "META_KEYS",
    "SHARE_HINTS",
    "STATUS_ORDER",
    "TOLERANCE",
    "FollowupResult",
    "analyse",
    "assessment_changes",
    "availability",
    "criteria_by_notebook",
    "criteria_changed",
    "criteria_inputs",
    "criteria_signature",
    "direction_counts",
    "figure_changes",
    "figure_direction",
    "figures",
    "figures_summary",
    "interval_of",
    "kind_of",
    "level_direction",
    "like_for_like",
    "parameter_names",
    "previous_year_of",
    "recommendation_followup",
    "results",
    "status_counts",
]

"""The package as the audited period sees it: no row dated after the period's end.

``see_period(package, period, audit_year)`` is applied once, when a notebook loads the package
(``audit_lib.notebook.start``), so every question sees the same rows:

- **procurements** completed after ``period.end`` are gone, and so are the audit year's
  procurements completed before ``period.start``. Earlier years stay: several questions
  compare the audit year with the years before it (q1's shares by year, q2's savings rate
  over all years, q3's anchoring of targets in earlier outcomes, q6's window of years);
- **procurement_regions**, **bids** and **coordination_effort** of those procurements only;
- **targets** of later years are gone; with an interim cut-off (``period.end`` before
  31 December) the audit year's *full-year* outcomes are blanked, since they are known only
  after the year ends (targets stay; the interim rows are taken as the cut-off's own);
- **rollouts**: a start after ``period.end`` had not happened yet and is blank;
- **purchase_lines** (DuckDB): ``LargeTable.sql()`` only returns lines ordered on or before
  ``period.end``. The price panel is a monthly series over all years, so it is capped at the
  end only (a hole at the start of the year would break the series).

The tables without dates (``indicators``) are unchanged. Nothing is written: the package's
files stay as they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .package import DataPackage, LargeTable

# large table -> its date column
LARGE_DATE_COLUMNS = {"purchase_lines": "order_date"}
ROLLOUT_STARTS = ("ecommerce_start", "category_management_start", "coordinated_contract_start")
BY_PROCUREMENT = ("procurement_regions", "bids", "coordination_effort")


@dataclass(frozen=True)
class Period:
    """The audited period, both days included."""

    start: dt.date
    end: dt.date

    @classmethod
    def of(cls, params: Any) -> Period:
        """The period of the run parameters (``period_start``, ``period_end``)."""
        return cls(params.period_start, params.period_end)

    @property
    def interim(self) -> bool:
        """True when the period ends before the end of its year (an interim cut-off)."""
        return self.end < dt.date(self.end.year, 12, 31)

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass
class CappedTable(LargeTable):
    """A large table whose ``sql()`` returns only the rows dated on or before ``until``."""

    date_column: str = ""
    until: dt.date | None = None

    def sql(self) -> str:
        base = super().sql()
        if self.until is None:
            return base
        col = '"' + self.date_column.replace('"', '""') + '"'
        return f"SELECT * FROM ({base}) AS dated WHERE {col} <= DATE '{self.until.isoformat()}'"


def see_period(package: DataPackage, period: Period) -> DataPackage:
    """The package with only the rows the period sees (see the module docstring); a new
    package, the given one is left as it was."""
    t = dict(package.tables)
    if "procurements" in t:
        done = t["procurements"]["completed_date"]
        year_start = pd.Timestamp(period.start.year, 1, 1)
        keep = (done <= pd.Timestamp(period.end)) & ~((done >= year_start) & (done < pd.Timestamp(period.start)))
        t["procurements"] = t["procurements"][keep]
        ids = set(t["procurements"]["procurement_id"])
        for name in BY_PROCUREMENT:
            if name in t:
                t[name] = t[name][t[name]["procurement_id"].isin(ids)]
    if "targets" in t:
        t["targets"] = _targets(t["targets"], period)
    if "rollouts" in t:
        r = t["rollouts"].copy()
        for c in ROLLOUT_STARTS:
            if c in r.columns:
                r[c] = r[c].where(r[c] <= pd.Timestamp(period.end))
        t["rollouts"] = r
    large = {
        name: CappedTable(lt.name, lt.path, lt.n_rows, LARGE_DATE_COLUMNS[name], period.end)
        if name in LARGE_DATE_COLUMNS
        else lt
        for name, lt in package.large.items()
    }
    return dataclasses.replace(package, tables=t, large=large)


def _targets(targets: pd.DataFrame, period: Period) -> pd.DataFrame:
    out = targets[targets["year"] <= period.end.year]
    if period.interim:
        unknown = (out["year"] == period.end.year) & (out["period"] == "full_year")
        if unknown.any():
            out = out.copy()
            out.loc[unknown, "outcome"] = float("nan")
    return out

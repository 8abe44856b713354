"""Validation problems: each names file, row, column, value and the rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

# At most this many problems of one kind (file, column, rule) are listed; the rest are counted.
MAX_PER_RULE = 20


@dataclass(frozen=True)
class Problem:
    severity: Severity
    file: str
    rule: str
    row: int | None = None
    column: str | None = None
    value: str | None = None

    def format(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
            text += f": value {shown!r}"
        return f"{self.severity.upper()}: {text} -- {self.rule}"


@dataclass
class ValidationReport:
    problems: list[Problem] = field(default_factory=list)
    # (file, column, rule) -> number of further problems not listed individually
    suppressed: dict[tuple[str, str | None, str], int] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        key = (problem.file, problem.column, problem.rule)
        if self._listed.get(key, 0) >= MAX_PER_RULE:
            self.suppressed[key] = self.suppressed.get(key, 0) + 1
            return
        self._listed[key] = self._listed.get(key, 0) + 1
        self._severity[key] = problem.severity
        self.problems.append(problem)

    def add_count(self, file: str, column: str | None, rule: str, n: int, severity: Severity = "error") -> None:
        """Record ``n`` further problems of a kind that were counted, not listed."""
        if n > 0:
            key = (file, column, rule)
            self._severity.setdefault(key, severity)
            self.suppressed[key] = self.suppressed.get(key, 0) + n

    def extend(self, problems: list[Problem]) -> None:
        for p in problems:
            self.add(p)

    def __post_init__(self) -> None:
        self._listed: dict[tuple[str, str | None, str], int] = {}
        self._severity: dict[tuple[str, str | None, str], Severity] = {}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def n_errors(self) -> int:
        more = sum(n for k, n in self.suppressed.items() if self._severity.get(k, "error") == "error")
        return len(self.errors) + more

    @property
    def ok(self) -> bool:
        return self.n_errors == 0

    def format(self) -> str:
        lines = [p.format() for p in sorted(self.problems, key=_sort_key)]
        for (file, column, rule), n in sorted(self.suppressed.items(), key=lambda kv: str(kv[0])):
            col = f", column '{column}'" if column else ""
            lines.append(f"  ... and {n} more in {file}{col} -- {rule}")
        n_err, n_warn = self.n_errors, len(self.warnings)
        lines.append(f"{n_err} error(s), {n_warn} warning(s).")
        return "\n".join(lines)


def _sort_key(p: Problem) -> tuple[bool, str, int, str, str]:
    return (p.severity != "error", p.file, p.row if p.row is not None else -1, p.column or "", p.rule)


class DataPackageError(Exception):
    """The data package breaks the contract; ``report`` lists every problem."""

    def __init__(self, report: ValidationReport, data_dir: str = "") -> None:
        self.report = report
        self.data_dir = data_dir
        head = f"The data package {data_dir} breaks the contract:\n" if data_dir else ""
        super().__init__(head + report.format())

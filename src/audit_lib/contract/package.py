"""A data package: find each table's file, read, type, validate, check references.

``load_package`` returns validated tables or raises :class:`DataPackageError` listing every
problem at once; ``validate_package`` returns the report without raising.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .large import parquet_files, relation_sql
from .metadata import METADATA_FILE, PackageMetadata, read_metadata
from .parse import parse_table
from .problems import DataPackageError, Problem, ValidationReport
from .read import ReadError, read_raw
from .spec import FILE_SUFFIXES, TABLES, TableSpec
from .validate import check_codes, check_reference, check_rules


@dataclass
class LargeTable:
    """A table kept on disk; query it with DuckDB through :meth:`sql`."""

    name: str
    path: Path
    n_rows: int  # -1 where the rows were not counted (already validated in this run)

    def sql(self) -> str:
        """A typed SELECT over the file, usable as a subquery in DuckDB."""
        return relation_sql(self.path, TABLES[self.name])


@dataclass
class DataPackage:
    root: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    large: dict[str, LargeTable] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # table name -> file; also datapackage.json
    report: ValidationReport = field(default_factory=ValidationReport)
    metadata: PackageMetadata = field(default_factory=PackageMetadata)  # datapackage.json (synthetic?)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name in self.large:
            raise KeyError(f"{name} is a large table: use package.large[{name!r}].sql() with DuckDB")
        if name not in self.tables:
            raise KeyError(f"the data package has no table {name!r}")
        return self.tables[name]

    def has(self, name: str) -> bool:
        return name in self.tables or name in self.large


def _entry_problem(root: Path, p: Path) -> str | None:
    """Why a directory entry named like a table cannot be read as one (never opens it: a FIFO
    would block), else None."""
    try:
        if p.is_symlink():
            target = Path(os.path.realpath(p))
            if not target.is_relative_to(Path(os.path.realpath(root))):
                return f"a symbolic link that leads out of the data folder (to {target}); copy the file in instead"
        mode = p.stat().st_mode
    except OSError as e:
        return f"cannot be opened ({e.strerror or type(e).__name__}; a broken link?)"
    if stat.S_ISDIR(mode):
        return "a folder, not a file: each table is one file (only purchase_lines may be a Parquet dataset folder)"
    if not stat.S_ISREG(mode):
        kind = (
            "a FIFO (named pipe)"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        return f"{kind}, not a file: never opened"
    return None


def find_table_files(root: Path, report: ValidationReport) -> dict[str, Path]:
    """Each table's file in ``root`` (a problem for every entry that cannot be one). A large
    table may also be a Parquet dataset folder, as Spark writes it: ``purchase_lines/`` (or
    ``purchase_lines.parquet/``) holding ``part-*.parquet`` files or hive partitions
    (``year=2024/...``)."""
    found: dict[str, Path] = {}
    try:
        candidates = sorted(p for p in root.iterdir() if p.suffix.lower() in FILE_SUFFIXES or _large_folder(p))
    except OSError as e:
        report.add(Problem("error", str(root), f"data folder cannot be read ({e.strerror or type(e).__name__})"))
        return found
    by_stem: dict[str, list[Path]] = {}
    for p in candidates:
        by_stem.setdefault(p.name.lower() if p.suffix == "" else p.stem.lower(), []).append(p)
    for stem, paths in by_stem.items():
        if stem not in TABLES:
            for p in paths:
                if p.is_file() and not p.is_symlink():
                    report.add(Problem("warning", p.name, "not a table of the data contract; ignored"))
            continue
        if len(paths) > 1:
            report.add(
                Problem(
                    "error",
                    paths[0].name,
                    f"ambiguous: more than one file for table '{stem}': "
                    + ", ".join(p.name for p in paths)
                    + "; keep one",
                )
            )
            continue
        why = _dataset_problem(root, paths[0]) if _large_folder(paths[0]) else _entry_problem(root, paths[0])
        if why is not None:
            report.add(Problem("error", paths[0].name, why))
            continue
        found[stem] = paths[0]
    for name, spec in TABLES.items():
        if spec.required and name not in found and name not in by_stem:
            report.add(
                Problem(
                    "error",
                    f"{name}.csv",
                    "required table is missing (looked for " + ", ".join(f"{name}{s}" for s in FILE_SUFFIXES) + ")",
                )
            )
    return found


def _large_folder(p: Path) -> bool:
    """A folder named like a large table (``purchase_lines`` or ``purchase_lines.parquet``)."""
    name = p.name.lower()
    stem = name[: -len(".parquet")] if name.endswith(".parquet") else name
    return stem in TABLES and TABLES[stem].large and p.is_dir() and (p.suffix == "" or name.endswith(".parquet"))


def _dataset_problem(root: Path, folder: Path) -> str | None:
    """Why a dataset folder cannot be read as its table (the folder and every Parquet file in
    it as :func:`_entry_problem` checks a file), else None."""
    why = _entry_problem(root, folder) if folder.is_symlink() else None
    if why is not None and "a folder" not in why:
        return why
    files = parquet_files(folder)
    if not files:
        return "a folder without Parquet files: a dataset folder holds part-*.parquet files (or partitions of them)"
    for f in files:
        why = _entry_problem(root, Path(f))
        if why is not None:
            return f"{Path(f).relative_to(folder)}: {why}"
    return None


def _load_small(
    path: Path, spec: TableSpec, report: ValidationReport, regions: Collection[str] | None = None
) -> tuple[pd.DataFrame | None, set[tuple[int, str]]]:
    file = path.name
    try:
        raw, warnings = read_raw(path, spec)
    except ReadError as e:
        report.add(e.problem)
        return None, set()
    report.extend(warnings)
    missing = [c for c in spec.required_columns if c not in raw.frame.columns]
    for c in missing:
        report.add(Problem("error", file, "required column is missing", column=c))
    for c in raw.frame.columns:
        if c not in spec.column_names:
            report.add(Problem("warning", file, "column is not in the contract; kept but not used", column=c))
    dupes = raw.frame.columns[raw.frame.columns.duplicated()].tolist()
    for c in dupes:
        report.add(Problem("error", file, "column appears more than once in the header", column=c))
    if dupes:
        return None, set()
    if raw.frame.empty:
        report.add(Problem("error", file, "file has a header but no rows"))
        return None, set()
    frame, problems, failed = parse_table(raw.frame, spec, file)
    report.extend(problems)
    if missing:
        return frame, failed
    report.extend(check_rules(frame, spec, file, failed))
    if regions is not None:
        report.extend(check_codes(frame, spec, file, regions))
    for col in spec.columns:  # an optional column the file does not have: empty
        if col.optional and col.name not in frame.columns:
            frame[col.name] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame, failed


def validate_package(
    data_dir: str | Path, check_large_tables: bool = True, regions: Collection[str] | None = None
) -> tuple[DataPackage, ValidationReport]:
    """Read and check every table; return the package (possibly partial) and the full report.

    ``check_large_tables=False`` skips the row checks of large tables (only for a package this
    run has already validated: see ``audit_lib.run.manifest.validated_in_run``). ``regions``:
    the parameters' region codes (``params.regions``); every region code in the package must
    be one of them (None: codes are not checked)."""
    root = Path(data_dir)
    report = ValidationReport()
    package = DataPackage(root=root, report=report)
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        report.add(Problem("error", str(root), f"data folder {what}"))
        return package, report
    files = find_table_files(root, report)
    package.files = files
    for name, path in files.items():
        spec = TABLES[name]
        try:
            if spec.large:
                n = _check_large(path, spec, report, regions) if check_large_tables else -1
                package.large[name] = LargeTable(name, path, n)
                continue
            frame, _ = _load_small(path, spec, report, regions)
        except Exception as e:  # garbage never crashes the loader: it is a problem of that file
            report.add(Problem("error", path.name, f"cannot be read ({type(e).__name__}: {_one_line(e)})"))
            continue
        if frame is not None:
            package.tables[name] = frame
    package.metadata = read_metadata(root, report)
    if package.metadata.path is not None:  # an input of the run like the tables (hashed, cached)
        package.files[METADATA_FILE] = package.metadata.path
    try:
        _check_references(package, report)
    except Exception as e:
        report.add(Problem("error", str(root), f"references between tables cannot be checked ({type(e).__name__})"))
    return package, report


def _check_large(path: Path, spec: TableSpec, report: ValidationReport, regions: Collection[str] | None) -> int:
    """A large table's header and row rules: ``engine.validate``'s one ibis expression, here on
    embedded DuckDB (imported on first use: the small tables need no ibis)."""
    from ..engine.validate import check_large

    return check_large(path, spec, report, regions=regions)


def _one_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:200] if lines else ""


def _check_references(package: DataPackage, report: ValidationReport) -> None:
    for name, frame in package.tables.items():
        spec = TABLES[name]
        for ref in spec.references:
            target = package.tables.get(ref.target_table)
            if target is None or ref.column not in frame.columns or ref.target_column not in target.columns:
                continue
            report.extend(
                check_reference(
                    frame,
                    ref.column,
                    package.files[name].name,
                    target[ref.target_column],
                    f"{ref.target_table}.{ref.target_column}",
                )
            )
    procs, regions = package.tables.get("procurements"), package.tables.get("procurement_regions")
    if procs is not None and regions is not None and {"procurement_id"} <= set(regions.columns):
        without = set(procs["procurement_id"].dropna()) - set(regions["procurement_id"].dropna())
        file = package.files["procurements"].name
        for row in procs.index[procs["procurement_id"].isin(without)]:
            report.add(
                Problem(
                    "error",
                    file,
                    "procurement has no row in procurement_regions",
                    row=int(row),
                    column="procurement_id",
                    value=str(procs.at[row, "procurement_id"]),
                )
            )


def load_package(
    data_dir: str | Path, check_large_tables: bool = True, regions: Collection[str] | None = None
) -> DataPackage:
    """Load and validate; raise :class:`DataPackageError` with every problem if any is an error."""
    package, report = validate_package(data_dir, check_large_tables, regions)
    if not report.ok:
        raise DataPackageError(report, str(data_dir))
    return package

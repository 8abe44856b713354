"""The audit data package: table specs, loading (CSV variants, xlsx, Parquet), validation."""

from .package import DataPackage, LargeTable, load_package, validate_package
from .problems import DataPackageError, Problem, ValidationReport
from .spec import CONTRACT_VERSION, TABLES, ColumnSpec, TableSpec

__all__ = [
    "CONTRACT_VERSION",
    "TABLES",
    "ColumnSpec",
    "DataPackage",
    "DataPackageError",
    "LargeTable",
    "Problem",
    "TableSpec",
    "ValidationReport",
    "load_package",
    "validate_package",
]

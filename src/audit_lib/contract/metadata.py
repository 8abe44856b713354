"""The package metadata file ``datapackage.json``: what a package says about itself.

Optional. Its one key the review reads is ``synthetic``: ``true`` marks a package of invented
data (the demo package that ``audit demo-data`` writes), so that every page of a run on it
carries a banner and every results JSON records ``"synthetic_data": true``. Any other key
(``name``, ``title``, ``description``, ``resources`` as in a Frictionless data package) is
kept for people and ignored. Without the file a package is not synthetic.

A file that is not a JSON object, or whose ``synthetic`` is not ``true``/``false``, is an
error naming the file: a package that cannot say whether it is real is not run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, ValidationReport

METADATA_FILE = "datapackage.json"


@dataclass(frozen=True)
class PackageMetadata:
    synthetic: bool = False
    path: Path | None = None  # the file it was read from; None where the package has none


def read_metadata(root: Path, report: ValidationReport) -> PackageMetadata:
    """Read ``root/datapackage.json``; problems go to ``report``."""
    path = Path(root) / METADATA_FILE
    if not path.is_file():
        return PackageMetadata()
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        report.add(Problem("error", METADATA_FILE, f"package metadata cannot be read as JSON ({type(e).__name__})"))
        return PackageMetadata(path=path)
    if not isinstance(data, dict):
        report.add(Problem("error", METADATA_FILE, "package metadata must be a JSON object ({...})"))
        return PackageMetadata(path=path)
    synthetic = data.get("synthetic", False)
    if not isinstance(synthetic, bool):
        report.add(
            Problem(
                "error",
                METADATA_FILE,
                "'synthetic' must be true or false",
                column="synthetic",
                value=json.dumps(synthetic, ensure_ascii=False),
            )
        )
        return PackageMetadata(path=path)
    return PackageMetadata(synthetic=synthetic, path=path)

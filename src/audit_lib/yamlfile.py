"""Reading the YAML files the tool is given (parameters, evidence register, text catalog).

Safe loading only (no Python tags), and strict about one thing plain ``yaml.safe_load`` lets
pass: a key written twice in one mapping. ``safe_load`` keeps the last one silently, so a
second ``audit_year:`` wins and a repeated section replaces the first one with all its
criteria. Here it is an error naming the key and both lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class DuplicateKeyError(yaml.YAMLError):
    """A key occurs twice in one mapping; the message names it and both lines."""


# libyaml's parser where PyYAML has it (about ten times faster: every kernel reads the
# parameters and the evidence register), else PyYAML's own; both construct with SafeConstructor
if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_SafeLoader):
    """A safe loader that refuses a key written twice in the same mapping (merge keys
    ``<<`` may still be overridden, as YAML intends)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    seen = first_line.get(key)
                    first_line.setdefault(key, line)
                except TypeError:  # an unhashable key: SafeLoader reports it
                    continue
                if seen is not None:
                    where = f"twice on line {line}" if seen == line else f"twice, on line {seen} and line {line}"
                    raise DuplicateKeyError(f"key {key!r} is defined {where}")
        return super().construct_mapping(node, deep=deep)


def loads(text: str) -> Any:
    """Parse YAML text safely, refusing duplicate keys (``yaml.YAMLError`` on any problem)."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - UniqueKeyLoader is a SafeLoader


def load_file(path: str | Path) -> Any:
    """Read and parse a YAML file (UTF-8) with :func:`loads`."""
    return loads(Path(path).read_text(encoding="utf-8"))

"""Reading a parameters file and the base files it extends, and merging them.

A run file may name its base with ``extends: base.yaml``: a file name in the same folder (so a
relative path means the same in both files), which may itself extend another. The run file is
merged over its base: a section (and a model inside it, such as ``criteria``) merges key by key,
the run file's value winning; any other value (a number, a list, a table keyed by the user's own
names such as ``regions`` or ``buyer_aliases``, or ``null``) replaces the base's as a whole.

Refused, each with an error naming the file and the key: a base that is missing, not a mapping,
outside the run file's folder (also through a symlink), not a ``.yaml``/``.yml`` file, a chain
that comes back to a file already read (a cycle) or longer than ``MAX_EXTENDS``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from ..yamlfile import DuplicateKeyError
from ..yamlfile import loads as load_yaml
from .run import RunParams
from .strict import model_class

EXTENDS = "extends"
MAX_EXTENDS = 8  # bases in one chain


class ParamsError(Exception):
    """The parameters file is not valid; the message names each bad key."""


@dataclass(frozen=True)
class ParamsFiles:
    """A run file with its bases merged in: the mapping to validate, the files read (the run
    file first, then each base in turn) and, per key path, the file whose value was kept."""

    data: dict[str, Any]
    files: tuple[Path, ...]
    origins: dict[tuple[str, ...], Path] = field(default_factory=dict)

    def origin(self, loc: tuple[int | str, ...]) -> Path | None:
        """The file a key (a validation error's location) came from; None if it is in none."""
        parts = tuple(str(p) for p in loc)
        for n in range(len(parts), 0, -1):
            if parts[:n] in self.origins:
                return self.origins[parts[:n]]
        return None


def read_mapping(path: Path, named_by: Path | None = None) -> Any:
    """The YAML in ``path`` (``None`` when it is empty); a base (``named_by`` the file that
    extends it) must be a mapping."""
    if not path.is_file():
        if named_by is not None:
            raise ParamsError(f"{named_by}: {EXTENDS}: base file {path} not found")
        raise ParamsError(f"{path}: parameters file not found")
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except DuplicateKeyError as e:
        raise ParamsError(f"{path}: {e}") from None
    except yaml.YAMLError as e:
        raise ParamsError(f"{path}: not valid YAML: {e}") from None
    if named_by is not None and not isinstance(data, dict):
        raise ParamsError(
            f"{path}: expected a mapping of keys to values at the top level "
            f"(it is the base named by {EXTENDS} in {named_by})"
        )
    return data


def base_of(path: Path, value: Any) -> Path:
    """The base file ``extends: value`` in ``path`` names, beside ``path``."""
    where = f"{path}: {EXTENDS}"
    if not isinstance(value, str) or not value.strip():
        raise ParamsError(
            f"{where}: expected the file name of a base parameters file in the same folder (got {value!r})"
        )
    if Path(value).name != value or "\\" in value or value in (".", ".."):
        raise ParamsError(
            f"{where}: {value!r} is not a file name: a base lies in the same folder as the file "
            "that extends it (no folder part)"
        )
    if Path(value).suffix not in (".yaml", ".yml"):
        raise ParamsError(f"{where}: {value!r} is not a .yaml or .yml file")
    base = path.parent / value
    if base.exists() and Path(os.path.realpath(base)).parent != Path(os.path.realpath(path.parent)):
        raise ParamsError(
            f"{where}: {value!r} is a link to {os.path.realpath(base)}, outside the folder of "
            f"{path}; a base lies in the same folder"
        )
    return base


def read_chain(path: Path) -> list[tuple[Path, Any]]:
    """The run file and each base it extends, in turn: ``(file, its mapping without extends)``."""
    chain: list[tuple[Path, Any]] = []
    seen: dict[Path, Path] = {}
    current, named_by = path, None
    while True:
        real = Path(os.path.realpath(current))
        if real in seen:
            names = " -> ".join([p.name for p, _ in chain] + [current.name])
            raise ParamsError(f"{named_by}: {EXTENDS}: {current.name!r} makes a cycle ({names})")
        if len(chain) > MAX_EXTENDS:
            raise ParamsError(f"{named_by}: {EXTENDS}: more than {MAX_EXTENDS} bases in one chain")
        seen[real] = current
        data = read_mapping(current, named_by)
        if not isinstance(data, dict) or EXTENDS not in data:
            chain.append((current, data))
            return chain
        data = dict(data)
        value = data.pop(EXTENDS)
        chain.append((current, data))
        named_by, current = current, base_of(current, value)


def merge_params(base: dict[str, Any], over: dict[str, Any], model: type[BaseModel] = RunParams) -> dict[str, Any]:
    """``over`` merged over ``base`` (neither changed), as ``extends`` merges a run file over
    its base (see the module docstring)."""
    out = dict(base)
    _merge_into(out, over, model, Path(), (), {})
    return out


def _merge_into(
    target: dict[Any, Any],
    over: dict[Any, Any],
    model: type[BaseModel] | None,
    file: Path,
    at: tuple[str, ...],
    origins: dict[tuple[str, ...], Path],
) -> None:
    """Merge ``over`` (from ``file``) into ``target`` at key path ``at``, noting in ``origins``
    the file of each key kept."""
    for key, value in over.items():
        here = (*at, str(key))
        fld = model.model_fields.get(key) if model is not None and isinstance(key, str) else None
        sub = model_class(fld.annotation) if fld is not None else None
        old = target.get(key)
        if sub is not None and isinstance(old, dict) and isinstance(value, dict):
            merged = dict(old)
            _merge_into(merged, value, sub, file, here, origins)
            target[key] = merged
        else:
            for k in [k for k in origins if k[: len(here)] == here]:
                del origins[k]
            target[key] = value
        origins[here] = file


def read_params_files(path: str | Path) -> ParamsFiles:
    """Read a parameters file and the bases it extends, merged (not yet validated). A file
    without ``extends`` is read as it is."""
    chain = read_chain(Path(path))
    files = tuple(p for p, _ in chain)
    if len(chain) == 1 and not isinstance(chain[0][1], dict):  # parse_params says it is not a mapping
        return ParamsFiles(chain[0][1], files)
    merged: dict[str, Any] = {}
    origins: dict[tuple[str, ...], Path] = {}
    for file, layer in reversed(chain):
        _merge_into(merged, layer, RunParams, file, (), origins)
    return ParamsFiles(merged, files, origins)


def load_params_data(path: str | Path) -> dict[str, Any]:
    """The mapping a parameters file gives, its bases merged in (``extends`` removed), before
    validation: for tools and tests that change a key and write a file of their own."""
    data = read_params_files(path).data
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys to values at the top level")
    return data

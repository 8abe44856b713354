"""Validating the merged parameters: errors that name the key (and the file it came from),
the paths the parameters give, reading a file and writing the resolved parameters."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .. import safepaths
from .files import ParamsError, ParamsFiles, read_params_files
from .run import SECTION_NAMES, RunParams
from .settings import ENGINE_ENV


def _format_validation_error(err: ValidationError, source: str, read: ParamsFiles | None = None) -> str:
    lines = [f"{source}: invalid parameters"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        origin = read.origin(e["loc"]) if read is not None and len(read.files) > 1 else None
        where = f" [in {origin}]" if origin is not None else ""
        if e["type"] == "extra_forbidden":
            lines.append(f"  {key}: unknown key (misspelled?){where}")
        elif e["type"] == "missing":
            lines.append(f"  {key}: required key is missing")
        else:
            got = e.get("input")
            shown = "" if isinstance(got, (dict, list)) else f" (got {got!r})"
            lines.append(f"  {key}: {e['msg']}{shown}{where}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ paths
PATH_SUFFIXES = ("_dir", "_file", "_path")


def path_values(params: RunParams) -> dict[str, str]:
    """Every path the parameters give, by key (``data_dir``, ``evidence``, and section keys
    ending in _dir, _file or _path), as written."""
    out = {k: v for k in ("data_dir", "evidence") if (v := getattr(params, k))}
    for section in SECTION_NAMES:
        model = getattr(params, section)
        if model is None:  # an optional section not given (sampling)
            continue
        for key in type(model).model_fields:
            value = getattr(model, key)
            if key.endswith(PATH_SUFFIXES) and isinstance(value, str) and value:
                out[f"{section}.{key}"] = value
    return out


def _check_paths(params: RunParams, source: str) -> None:
    """Refuse paths at or into system folders, and folders too large to hash (every path key
    but ``data_dir`` is hashed as an input of the run)."""
    for key, value in path_values(params).items():
        p = params.path(value)
        if p is None:
            continue
        sys_dir = safepaths.system_folder(p)
        if sys_dir is not None:
            raise ParamsError(
                f"{source}: {key}: {value!r} is the system folder {sys_dir} or inside it; give a folder of your own"
            )
        if key != "data_dir" and p.is_dir():
            try:
                safepaths.bounded_files(p)
            except safepaths.PathError as e:
                raise ParamsError(f"{source}: {key}: {e}") from None


# ------------------------------------------------------------------------------ reading
def parse_params(
    data: Any, source: str = "parameters", base_dir: Path | None = None, *, read: ParamsFiles | None = None
) -> RunParams:
    """Validate a mapping of parameters; ``read``: the files it was read from (for errors that
    name the file of a key, and the run's inputs)."""
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: expected a mapping of keys to values at the top level")
    try:
        params = RunParams.model_validate(data)
    except ValidationError as err:
        raise ParamsError(_format_validation_error(err, source, read)) from None
    files = tuple(Path(os.path.abspath(p)) for p in read.files) if read is not None else ()
    params = params.model_copy(update={"base_dir": (base_dir or Path(".")).resolve(), "source_files": files})
    _check_paths(params, source)
    return params


def load_params(path: str | Path) -> RunParams:
    """Read and validate a parameters file and the bases it extends (safe YAML loading); the
    engine's backend as ``audit run --engine`` set it for the run (``AUDIT_ENGINE``), if it did."""
    p = Path(path)
    read = read_params_files(p)
    return with_engine(parse_params(read.data, str(p), p.parent, read=read), os.environ.get(ENGINE_ENV) or None)


def with_engine(params: RunParams, backend: str | None) -> RunParams:
    """The parameters with the engine's backend ``backend`` (``--engine``; None: as they are)."""
    if backend is None:
        return params
    if backend not in ("duckdb", "spark"):
        raise ParamsError(f"engine {backend!r} (--engine, {ENGINE_ENV}): not one of duckdb, spark")
    try:
        engine = params.engine.with_backend(backend)
    except ValidationError as e:
        raise ParamsError(
            f"engine {backend!r} (--engine, {ENGINE_ENV}): {e.errors()[0]['msg'].removeprefix('Value error, ')}"
        ) from None
    return params.model_copy(update={"engine": engine})


def run_engine(params: RunParams, backend: str | None) -> RunParams:
    """``audit run --engine BACKEND``: the run's parameters with that backend, and the same for
    its notebooks, which load the parameters file again in their own processes: they inherit
    ``AUDIT_ENGINE`` from the run's environment (set here). None: the parameters' engine."""
    if backend is None:
        return params
    params = with_engine(params, backend)
    os.environ[ENGINE_ENV] = backend
    return params


def dump_params(params: RunParams) -> str:
    """The resolved parameters as YAML (paths as given, sorted keys: stable for hashing)."""
    return yaml.safe_dump(params.model_dump(mode="json"), sort_keys=True, allow_unicode=True)

"""The parameter schema: one YAML file per run (``params/*.yaml``), typed and strict.

A run file states what is its own (run name, year, data, evidence register) and names the
file of shared settings it builds on with ``extends: base.yaml``: the run file is merged over
its base, section by section, the run file winning (``files``). An unknown or misspelled key
is an error (papermill alone would only warn), and a wrong type names the key and, where the
settings come from more than one file, the file. Relative paths are relative to the files'
folder (a base lies beside the file that extends it). Each notebook reads the common keys and
its own sections (``SECTION_NAMES``: the fields of ``RunParams`` typed as a ``Section``); the
run cache (``audit_lib.run``) hashes exactly those, so changing one section reruns only the
notebooks that use it. Every file read (the run file and its bases) is an input of the run.

The modules: ``strict`` (the strict base model, bounds, criteria), ``sections`` (one per
question notebook), ``settings`` (summary, method validation, sampling, engine), ``run`` (the
whole file and its cross-section checks), ``files`` (reading, ``extends`` and merging) and
``loading`` (validation errors, paths, ``load_params``).

Guards against a hostile or mistyped file (each an error naming the file and the key):

- a key written twice in one mapping (``audit_lib.yamlfile``): the YAML loader would keep the
  last one silently;
- a base that is missing, not a mapping, outside the folder of the file that extends it (also
  through a symlink), or a chain of bases that comes back to a file (a cycle) or is longer than
  ``MAX_EXTENDS``;
- numbers are finite (no ``.inf``/``.nan``), whole-number keys refuse ``true``/``false``, and
  seeds and counts have bounds: ``seed`` 0 to 2**32 - 1; resample and simulation counts at
  most ``MAX_RESAMPLES`` (100,000); years searched at most ``MAX_YEARS`` (50); months at most
  ``MAX_MONTHS`` (240); bid and tender counts at most ``MAX_BIDS`` (1,000); cluster and lot
  counts at most ``MAX_UNITS`` (1,000,000); lists of alternatives at most 20 entries;
- paths (``data_dir``, ``evidence`` and section keys ending in ``_dir``, ``_file``, ``_path``)
  may not point into a system folder (``SYSTEM_FOLDERS``: ``/proc``, ``/sys``, ``/dev``,
  ``/etc``, ``/usr/lib``, ...) nor at a top folder (``SYSTEM_ROOTS``: ``/``, ``/usr``,
  ``/home``, ``/tmp``, ...), symlinks followed; a folder the run hashes (all but ``data_dir``) may hold at
  most ``MAX_TREE_ENTRIES`` (10,000) files and folders and ``MAX_TREE_BYTES`` (2 GiB). These
  limits live in ``audit_lib.safepaths``.
"""

from __future__ import annotations

from .files import EXTENDS, MAX_EXTENDS, ParamsError, ParamsFiles, load_params_data, merge_params, read_params_files
from .loading import PATH_SUFFIXES, dump_params, load_params, parse_params, path_values
from .run import LOADER_FIELDS, SECTION_NAMES, RunParams
from .sections import (
    CausalityParams,
    DecisionLevelParams,
    ExternalStatisticsParams,
    FollowupParams,
    GoalArea,
    Q1Params,
    Q2Params,
    Q3Params,
    Q4Params,
    Q5Params,
    Q6Params,
)
from .settings import (
    ConclusionDimension,
    EngineParams,
    MethodValidationParams,
    SamplingParams,
    SummaryParams,
    _default_questions,
)
from .strict import (
    LEVELS,
    MAX_BIDS,
    MAX_CHOICES,
    MAX_MONTHS,
    MAX_RESAMPLES,
    MAX_SEED,
    MAX_UNITS,
    MAX_YEARS,
    Condition,
    Criteria,
    DelegationRule,
    Language,
    Level,
    RegionName,
    Section,
    Strict,
    model_class,
)

__all__ = [
    "EXTENDS",
    "LEVELS",
    "LOADER_FIELDS",
    "MAX_BIDS",
    "MAX_CHOICES",
    "MAX_EXTENDS",
    "MAX_MONTHS",
    "MAX_RESAMPLES",
    "MAX_SEED",
    "MAX_UNITS",
    "MAX_YEARS",
    "PATH_SUFFIXES",
    "SECTION_NAMES",
    "CausalityParams",
    "ConclusionDimension",
    "Condition",
    "Criteria",
    "DecisionLevelParams",
    "DelegationRule",
    "EngineParams",
    "ExternalStatisticsParams",
    "FollowupParams",
    "GoalArea",
    "Language",
    "Level",
    "MethodValidationParams",
    "ParamsError",
    "ParamsFiles",
    "Q1Params",
    "Q2Params",
    "Q3Params",
    "Q4Params",
    "Q5Params",
    "Q6Params",
    "RegionName",
    "RunParams",
    "SamplingParams",
    "Section",
    "Strict",
    "SummaryParams",
    "dump_params",
    "load_params",
    "load_params_data",
    "merge_params",
    "model_class",
    "parse_params",
    "path_values",
    "read_params_files",
    "_default_questions",
]

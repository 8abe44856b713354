"""Reproducible audit notebooks for public procurement audits."""

import os as _os

from .lazy_iri import defer as _defer_iri_grammar

# The environment's names when this process imported the library, before another library's
# import could add to it (pandera sets PYARROW_IGNORE_TIMEZONE and SPARK_LOCAL_IP): a run's
# kernels start from these, not from whatever the runner happened to import first
# (``run.execute.kernel_env``).
ENVIRONMENT_AT_IMPORT = frozenset(_os.environ)

_defer_iri_grammar()  # 3 s saved in every process that imports nbformat (``lazy_iri``)

__version__ = "0.1.0"

"""Reproducible audit notebooks for public procurement audits."""

from .lazy_iri import defer as _defer_iri_grammar

_defer_iri_grammar()  # 3 s saved in every process that imports nbformat (``lazy_iri``)

__version__ = "0.1.0"

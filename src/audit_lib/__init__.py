"""Reproducible audit notebooks for public procurement audits."""

__version__ = "0.1.0"

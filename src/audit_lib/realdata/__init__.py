"""Readers for real public data used to test the project's methods on real inputs.

The files are not the project's and are never copied into it: they are read from a folder
given by a parameter (``q4_savings_model.real_bids_dir`` of the method-validation run,
``method_validation.decarolis_file``) or by the tests' ``shared_data`` fixture, and everything that uses them skips cleanly where the folder is absent.
"""

from .bids import RealBids, read_comprasnet, read_rcext, read_real_bids

__all__ = ["RealBids", "read_comprasnet", "read_rcext", "read_real_bids"]

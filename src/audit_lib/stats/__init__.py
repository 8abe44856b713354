"""Estimators and inference for the causality question (pure numpy / statsmodels, no I/O).

- ``linear``: inference for any estimator that is linear in the outcome (``theta = A @ y``):
  cluster-robust variance, wild cluster bootstrap-t intervals and bootstrap Wald tests;
- ``did``: staggered-adoption estimators with several treatments: two-way fixed effects
  (static and event study) and the imputation / two-stage estimator (Borusyak, Jaravel and
  Spiess 2024; Gardner 2022) with its pre-trend test;
- ``simulate``: staggered panels with known effects, for tests and coverage checks.
"""

# The two commands a new user types:
#   make demo   -> creates .venv, installs pinned dependencies, runs the review on the demo data
#                  (2024, then 2025 with its follow-up against 2024)
#   make test   -> creates .venv, installs pinned dependencies, runs the test suite
# Both work from a fresh clone; the first call installs (about 10 s with uv), later calls reuse .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UV     := $(BIN)/python -m uv

.PHONY: demo test test-slow lint install lock benchmarks clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	@$(UV) pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.lock
	@$(UV) pip install --quiet --python $(BIN)/python --compile-bytecode --no-deps -e .
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP)

# the demo carries two consecutive years, so the 2025 follow-up compares with 2024
# the demo package is written by `audit demo-data` into data/demo, a folder make demo owns
demo: $(STAMP)
	@test -f data/demo/PLANTED.json || $(BIN)/audit demo-data data/demo
	$(BIN)/audit run params/demo-2024.yaml --jobs 2
	$(BIN)/audit run params/demo.yaml --jobs 2

# lint first (mypy takes about a minute on a cold cache), then the suite; the slowest tests are listed at the end
test: lint
	$(BIN)/python -m pytest -q --durations=15

# style and types: ruff (lint only; settings in pyproject.toml) and mypy (strict where pyproject.toml says)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/ruff format --check src tests benchmarks notebooks
	$(BIN)/mypy

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/panel_benchmark.py
	$(BIN)/python benchmarks/run_benchmark.py

# Regenerate the full pinned lock from pyproject.toml (needs network).
lock:
	$(UV) pip compile pyproject.toml --extra test --python-version 3.11 --no-header -o requirements.lock

clean:
	rm -rf $(VENV) outputs/*/ .pytest_cache .mypy_cache .ruff_cache

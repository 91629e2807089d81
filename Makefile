# amdsim — two set-up commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv pip install --python $(BIN)/python

.PHONY: demo test lint bench soak robustness-report lock clean install dev

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip uv

$(VENV)/.installed: $(BIN)/uv requirements.lock pyproject.toml
	$(UV) --quiet -r requirements.lock
	$(UV) --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(UV) --quiet -r requirements-dev.lock
	$(UV) --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## Run the built-in default scenario, print its summary table and write out/demo/.
demo: install
	$(BIN)/amdsim run -o out/demo

## Lint, type-check, layer contract, then every test (two worker processes).
test: dev lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lint: dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

## Every benchmark; rewrites docs/benchmarks.md.
bench: dev
	$(BIN)/python benchmarks/run_all.py

## 1,000 replications of the default scenario in one study; fails if memory grows.
soak: install
	$(BIN)/python scripts/soak.py --replications 1000

## Run the robustness tests and rewrite docs/robustness.md from their records.
robustness-report: dev
	$(BIN)/python scripts/robustness_report.py

## Refresh the pinned locks from pyproject.toml (needs the package index).
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock --quiet
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --all-extras -o requirements-dev.lock --quiet

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache

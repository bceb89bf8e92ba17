# Two entry points for a fresh machine: `make demo` and `make test`. Both bootstrap the venv.
# `make check` is the fast loop while editing (lint + tests/unit, under two minutes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo check test lint bench venv clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)  ## generate, serve, crawl, ingest, process through Airflow; print a summary
	$(BIN)/jobpool-demo

check: $(STAMP)  ## the fast loop: ruff, the import contract, tests/unit (no servers, no Airflow); under 2 minutes
	$(BIN)/ruff check . && $(BIN)/lint-imports && PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q tests/unit

test: $(STAMP)  ## the full suite, what CI runs: tests/unit + tests/integration + tests/e2e (real Airflow scheduler)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff, and the import contract (pyproject.toml [tool.importlinter]: the layers)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/jobpool-demo bench

clean:
	rm -rf var

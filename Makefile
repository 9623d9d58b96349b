# One entry point per chore. Every target bootstraps .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA := .demo-data

.PHONY: install demo test test-fast lint fix bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: ingest the example vault into .demo-data/ and print a context pack
demo: $(STAMP)
	ATOCORE_DATA_DIR=$(DEMO_DATA) ATOCORE_PROJECT_REGISTRY_PATH=examples/project-registry.json \
	  $(BIN)/atocore init
	ATOCORE_DATA_DIR=$(DEMO_DATA) ATOCORE_PROJECT_REGISTRY_PATH=examples/project-registry.json \
	  $(BIN)/atocore ingest
	ATOCORE_DATA_DIR=$(DEMO_DATA) ATOCORE_PROJECT_REGISTRY_PATH=examples/project-registry.json \
	  $(BIN)/atocore state set p05 decision mount-material \
	  "Invar 36 flexure ring, stress-relieved (decided 2026-03-12 design review)" \
	  --source "design review 2026-03-12"
	ATOCORE_DATA_DIR=$(DEMO_DATA) ATOCORE_PROJECT_REGISTRY_PATH=examples/project-registry.json \
	  $(BIN)/atocore context "What material did we choose for the mirror mount and why?" \
	  --project p05 --budget 2000

## test: the full suite (real SQLite, real sqlite-vec, real embedding model)
test: $(STAMP)
	$(BIN)/python -m pytest

## test-fast: the inner loop, without the tests that need the embedding model (`slow`)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

## lint: ruff (rules and formatting) and mypy over the package
lint: $(STAMP)
	$(BIN)/ruff check atocore tests scripts
	$(BIN)/ruff format --check atocore tests scripts
	$(BIN)/mypy atocore

fix: $(STAMP)
	$(BIN)/ruff check --fix atocore tests scripts
	$(BIN)/ruff format atocore tests scripts

## bench: the quick benchmarks, a couple of minutes (each prints a table and writes
## bench/results/*.json; method and figures in docs/benchmarks.md; every benchmark:
## atocore bench --help). Long runs: nice make bench.
bench: $(STAMP)
	$(BIN)/atocore bench cli --runs 10
	$(BIN)/atocore bench extractor
	$(BIN)/atocore bench memory-loop --sizes 100,1000
	$(BIN)/atocore bench mirror
	$(BIN)/atocore bench backup --vectors 20000 --text-mb 20
	$(BIN)/atocore bench vectors --sizes 10000 --kinds random,clustered

docs: $(STAMP)
	$(BIN)/python scripts/gen_cli_docs.py > docs/cli-reference.md
	$(BIN)/python scripts/gen_operations_doc.py > docs/operations-reference.md

clean:
	rm -rf $(DEMO_DATA) .pytest_cache .ruff_cache .mypy_cache

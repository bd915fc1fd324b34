PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast fuzz bench install bytecode clean docs docs-check vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Compiled bytecode for src/, written even where PYTHONDONTWRITEBYTECODE is set: an
# editable install imports from src/, and without .pyc files every vaultgraph process
# compiles every module again (0.50 -> 0.28 s wall for a small `backlinks`, measured).
# compileall skips modules whose .pyc is current, so this costs little when nothing changed.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src

demo: bytecode
	$(BIN)/vaultgraph --vault notes check --unresolved warning
	$(BIN)/vaultgraph --vault notes links "Neuroplasticity"
	$(BIN)/vaultgraph --vault notes tags
	$(BIN)/vaultgraph --vault notes provenance "The brain adapts to psychotropic drugs"
	$(BIN)/vaultgraph --vault notes provenance "Low serotonin has not been shown"
	$(BIN)/vaultgraph --vault notes provenance --dependents https://doi.org/10.1038/S41380-024-02625-2
	$(BIN)/vaultgraph --vault notes provenance --dependents @hyman1996
	$(BIN)/vaultgraph --vault notes report backlinks --format html -o report.html

test: bytecode
	$(BIN)/python -m pytest

test-fast: bytecode
	$(BIN)/python -m pytest -m "not slow"

# The examples of the pages in DOCS are made by running them (cog; docs/cogcli.py).
DOCS := docs/cli.md README.md

docs: $(STAMP)
	$(BIN)/cog -I docs -r $(DOCS)

docs-check: $(STAMP)
	$(BIN)/cog -I docs --check --diff $(DOCS)

BENCH_SIZES ?= 1000,10000,100000

bench: bytecode
	$(BIN)/python benchmarks/run.py --sizes $(BENCH_SIZES)

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache

# The graph renderer the HTML report inlines (sigma + graphology + ForceAtlas2), pinned in
# tools/report-vendor/package-lock.json; needs node and npm.
vendor:
	tools/report-vendor/build.sh

# `vaultgraph watch`: whole CLI processes answered by a watcher, against --version
# (benchmarks/watch.py; not in `bench`: it keeps a watcher running).
.PHONY: bench-watch
bench-watch: bytecode
	$(BIN)/python benchmarks/watch.py --sizes $(BENCH_SIZES)

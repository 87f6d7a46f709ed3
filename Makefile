# heron's one task runner: the README's two commands (`make demo`, `make test`) and the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SERVICES_ENV := .services/env

.PHONY: demo bytecode test lint typecheck pytest bench bench-peers services venv clean

# The environment: a venv with heron (editable) and its dev tools. Re-done when pyproject changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The ML stack of the example workflow (CPU torch from pip, Keras, EfficientNet-Lite0 weights,
# the animal-mnist images). pip, not uv: only pip resolves the pinned CPU build of torch.
EXAMPLES_STAMP := $(VENV)/.examples-installed
$(EXAMPLES_STAMP): requirements-examples.txt $(STAMP)
	$(BIN)/python -m pip install -q -r requirements-examples.txt
	$(BIN)/python -m pip install -q --no-deps animal-mnist==0.4
	touch $(EXAMPLES_STAMP)

-include mk/*.mk

DEMO_DIR ?= heron-data
# The walkthrough's sweep over the fine-tuning layer, one Adam variant, and a 1-epoch model to
# compare with its 5-epoch twin.
DEMO_VARIANTS ?= 256,512,1024,2048,256:adam,1024:rmsprop:1

## make demo: set up, run the walkthrough's workflow on offline data, then serve the UI on it
demo: $(STAMP) $(EXAMPLES_STAMP) ui-build bytecode
	$(BIN)/python -m examples.inaturalist all --dir $(DEMO_DIR) --variants $(DEMO_VARIANTS)
	$(BIN)/heron ui --dir $(DEMO_DIR)

# heron's compiled modules, written even where PYTHONDONTWRITEBYTECODE is set: every server,
# CLI and worker process the tests and the demo start would otherwise compile heron's sources
# again (~0.2 s of CPU each). Up-to-date files are skipped, so this is quick when nothing changed.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 heron examples bench

## make test: lint + type check + every test (services are started first)
test: $(STAMP) lint typecheck ui-test services pytest

lint: $(STAMP)
	$(BIN)/ruff check heron tests bench examples
	$(BIN)/ruff format --check heron

typecheck: $(STAMP)
	$(BIN)/mypy

services: $(STAMP)
	scripts/services.sh start

# Four workers on two cores: many tests spend their time waiting on the servers, databases and
# browser they start, and the extra workers fill that time (the whole of `make test` here: two
# workers 11m40s -> three 9m05s when there were 1,124 tests; three 13m10s with 1,409 -> four
# 11m20s with 1,413); the browser tests still share one worker (tests/conftest.py).
# `make test TEST_WORKERS=n` changes it.
TEST_WORKERS ?= 4
pytest: $(STAMP) $(EXAMPLES_STAMP) ui-build bytecode
	source $(SERVICES_ENV) && $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

## make bench: print the benchmark figures
bench: $(STAMP)
	for b in bench/*_bench.py; do $(BIN)/python -m bench.$$(basename $$b .py) || exit 1; done

## make bench-peers: heron side by side with W&B, MLflow and Aim, each in an environment of its
## own under .bench-envs/; figures, CSV, summary and plot in bench/results/.
## QUICK=1: one round (under 15 minutes); ONLY=a,b: just those scenarios (python -m bench.peers -h)
bench-peers: $(STAMP)
	$(BIN)/python -m bench.peers $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf $(VENV) .services .pytest_cache .mypy_cache .ruff_cache

# commsim task runner. Each target sets up what it needs (a virtual environment in .venv).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup fonts clean bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) fonts

## fonts: best effort; Chinese labels need a CJK font (see README)
fonts:
	@bash scripts/install-cjk-font.sh || true

## the main job: the baseline street, 20 replicates
run: setup
	$(BIN)/commsim run baseline --reps 20 --out results/baseline

## lint and the test suite
test: $(STAMP) fonts
	$(BIN)/ruff check $(wildcard src tests benchmarks experiments)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) results .pytest_cache

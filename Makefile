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

HEADLINE := baseline suzhou_alliance liaocheng_four_in_one fee_subsidy alliance_plus_subsidy \
	cangzhou_six_in_one harbin_basic_service xian_staffing suzhou_classified

## the main job: the status quo against the seed documents' policies (common random numbers),
## its figures, and a one-page brief in English and (with a CJK font) Chinese
run: setup
	$(BIN)/commsim compare $(HEADLINE) --reps 30 --out results/headline
	$(BIN)/commsim brief results/headline --lang en
	-$(BIN)/commsim brief results/headline --lang zh
	@echo "open results/headline/brief.html (brief_en.html, brief_zh.html)"

## lint and the test suite
test: $(STAMP) fonts
	$(BIN)/ruff check $(wildcard src tests benchmarks experiments)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) results .pytest_cache

# commsim task runner. Each target sets up what it needs (a virtual environment in .venv).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup fonts browser clean bench

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) fonts

## fonts: best effort; Chinese labels need a CJK font (see README)
fonts:
	@bash scripts/install-cjk-font.sh || true

## browser: best effort; the test that the brief prints on one A4 page uses Debian's chromium
browser:
	@bash scripts/install-browser.sh || true

HEADLINE := baseline suzhou_alliance liaocheng_four_in_one fee_subsidy alliance_plus_subsidy \
	cangzhou_six_in_one harbin_basic_service xian_staffing suzhou_classified burden_reduction

## assumptions screened for what the alliance's advantage over the status quo depends on
SCREENED := pay_intercept pay_beta_satisfaction pay_beta_norm norm_estate_weight pay_beta_burden \
	firm_variable_cost_ratio firm_fixed_cost_yuan_month firm_estate_fixed_cost_yuan_month supervision_margin_capture supervision_hours_scale \
	participation_social_weight suzhou_alliance.activity_participation_drive \
	suzhou_alliance.federation_owner_hours suzhou_alliance.cross_tie_prob \
	suzhou_alliance.activity_belonging_gain

## the main job: the status quo against the seed documents' policies across plausible worlds
## (100 worlds, extended to at most 200 while a share of worlds is not precise enough: see
## docs/experiments.md) and under the default assumptions (30 replicates), common random
## numbers; its figures, a Morris screening of the assumptions, and a one-page brief with its
## annex in English and (with a CJK font) Chinese; brief.html is the English brief
WORLDS := --worlds 100 --max-worlds 200

run: setup
	$(BIN)/commsim compare $(HEADLINE) --reps 30 $(WORLDS) --out results/headline
	$(BIN)/commsim sensitivity suzhou_alliance --against baseline --method morris --n 8 \
		$(addprefix --vary ,$(SCREENED)) --out results/headline_sensitivity
	$(BIN)/commsim brief results/headline --sensitivity results/headline_sensitivity --lang both \
		|| $(BIN)/commsim brief results/headline --sensitivity results/headline_sensitivity --lang en
	@echo "open results/headline/brief.html (English; brief_zh.html in Chinese; annex_en.html, annex_zh.html: full results)"

## lint and the test suite (the one-page test must run here: COMMSIM_REQUIRE_BROWSER=1)
test: $(STAMP) fonts browser
	$(BIN)/ruff check $(wildcard src tests benchmarks experiments)
	COMMSIM_REQUIRE_BROWSER=1 $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) results .pytest_cache

# Quick start: `make demo` (crawl the bundled saved pages + digest), `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup browser demo test lint bench-extraction bench-flagging bench-dedup clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

browser:
	@scripts/ensure-browser.sh

setup: $(STAMP) browser

demo: setup
	$(BIN)/monitor run --replay seeds/site

# pytest's exit 5 ("no tests ran") is a failure here
test: setup
	@$(BIN)/python -m pytest -q; code=$$?; \
	if [ $$code -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$code

lint: $(STAMP)
	$(BIN)/ruff check .

bench-extraction: setup
	$(BIN)/python -m bench.extraction

bench-flagging: setup
	$(BIN)/python -m bench.flagging

bench-dedup: setup
	$(BIN)/python -m bench.dedup

clean:
	rm -rf data/monitor.db* data/logs

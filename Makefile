# Quick start: `make demo` (crawl the bundled saved pages + digest), `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup browser postgres redis demo cluster-demo test lint bench-extraction bench-flagging bench-partners bench-dedup bench-stories bench-crawl bench-digest bench-scale-out bench-lists clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

browser:
	@scripts/ensure-browser.sh

setup: $(STAMP) browser

demo: setup
	$(BIN)/monitor run --all --replay seeds/site

# the README's "Running on several machines" followed on this machine (root): Debian's
# PostgreSQL and Redis installed and started if needed, a role and database of its own,
# two workers on the saved pages, dispatch, digest, health, checked; cleans up (about 2 min)
cluster-demo: setup
	VENV=$(VENV) scripts/cluster-demo.sh

# a throw-away PostgreSQL server for the tests (Debian's package, installed if missing)
postgres:
	@scripts/postgres-test.sh

# a throw-away Redis server for the distributed-mode tests (Debian's redis-server)
redis:
	@scripts/redis-test.sh

# the PostgreSQL variants of the tests run against MONITOR_TEST_POSTGRES_URL: an existing
# server when set, else the one scripts/postgres-test.sh starts; the distributed-mode tests
# against MONITOR_TEST_REDIS_URL likewise (scripts/redis-test.sh).
# pytest's exit 5 ("no tests ran") is a failure here
test: setup
	@pg="$${MONITOR_TEST_POSTGRES_URL:-$$(scripts/postgres-test.sh)}" || exit 1; \
	rd="$${MONITOR_TEST_REDIS_URL:-$$(scripts/redis-test.sh)}" || exit 1; \
	MONITOR_TEST_POSTGRES_URL="$$pg" MONITOR_TEST_REDIS_URL="$$rd" \
	$(BIN)/python -m pytest -q; code=$$?; \
	if [ $$code -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$code

# ruff, then the package's layers (.importlinter)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# saved pages (seeds/site), then the real pages of ../shared/realpages beside trafilatura and GNE
bench-extraction: setup
	@$(BIN)/python -m bench.extraction; saved=$$?; \
	$(BIN)/python -m bench.realpages || exit 1; exit $$saved

bench-flagging: setup
	$(BIN)/python -m bench.flagging

# partner pairs of the flagged rows of ../shared/labelled/flagging-dev2.jsonl against
# partners-dev2.jsonl (-v: each row's misses: make bench-partners ARGS=-v)
bench-partners: setup
	$(BIN)/python -m bench.partners $(ARGS)

bench-dedup: setup
	$(BIN)/python -m bench.dedup

# story grouping on the real repost pairs of ../shared/labelled/story-pairs-dev.jsonl
bench-stories: setup
	$(BIN)/python -m bench.story_pairs

# crawl throughput over HTTP on 127.0.0.1 against `scrapy bench`; PAGES=N to change the size
bench-crawl: setup
	$(BIN)/python -m bench.crawl $(if $(PAGES),--pages $(PAGES))

# monitor digest --format html over 1,000 flagged stories: time and peak memory
bench-digest: setup
	$(BIN)/python -m bench.digest

# distributed mode: pages/s with 1, 2 and 4 workers (starts the test PostgreSQL and Redis)
bench-scale-out: setup
	$(BIN)/python -m bench.scale_out

# list detection on the real list pages of ../shared/reallists (MONITOR_REALLISTS=DIR)
bench-lists: setup
	$(BIN)/python -m bench.lists

clean:
	rm -rf data/monitor.db* data/logs

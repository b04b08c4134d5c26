# k12ews: two commands do all the set-up on a fresh machine with Python 3.11 and make.
#   make run    create the virtualenv, generate the default district, dbt build, summary
#   make test   the whole suite: ruff, sqlfluff, pytest (which builds a small district with dbt)
#   make test-fast  the edit loop: lint and the unit tests (python/tests/unit), no dbt build
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/k12ews.duckdb
STAMP  := $(VENV)/.installed

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: run test test-fast setup generate build docs docs-serve lint realism bench clean engines-setup bench-engines bench-ml bench-explain bench-lifecycle report browser-setup twin-setup bench-twin bench-pages

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,engines]"
	touch $(STAMP)

run: setup generate build docs
	$(BIN)/k12ews summary --db $(DB)

generate: setup
	$(BIN)/k12ews generate --db $(DB)

build: setup
	K12EWS_DB=$(DB) $(BIN)/dbt build --quiet

docs: setup
	K12EWS_DB=$(DB) $(BIN)/dbt docs generate --quiet

docs-serve: docs
	$(BIN)/dbt docs serve --port 8080

lint: setup
	$(BIN)/ruff check python
	$(BIN)/ruff format --check python
	$(BIN)/sqlfluff lint models tests
	$(BIN)/python -m k12ews.dbt_sources --check
	$(BIN)/python -m k12ews.contract_docs --check

test: lint engines-setup browser-setup twin-setup
	$(BIN)/pytest

# The edit loop, a few minutes: lint, then the unit tests (no dbt build of a district),
# leaving out the loader's two fuzz loops (500 damaged exports each: marker fuzz).
test-fast: lint twin-setup
	$(BIN)/pytest python/tests/unit -m "not fuzz"

# The twin's learned synthesizer (optional extra .[twin], docs/twin.md): DataSynthesizer and
# seaborn, 2.8 MB installed. `make run` does not need it; the tests do.
TWIN_STAMP := $(VENV)/.installed-twin
twin-setup: $(TWIN_STAMP)

$(TWIN_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,engines,twin]"
	touch $(TWIN_STAMP)

# The twin of the built default district, both methods, timed (bar: 10 minutes on two
# cores; docs/twin.md). Not a test: run on a quiet machine.
TWIN   ?= data/k12ews_twin.duckdb
bench-twin: twin-setup
	rm -f $(TWIN)
	$(BIN)/k12ews twin --db $(DB) --out $(TWIN) --method both

# Java 17+ and the PostgreSQL server binaries, from Debian where missing: the tests build
# the SQL layer on Spark and on a throwaway Postgres server (docs/scale_out.md).
engines-setup:
	scripts/engine_deps.sh

# Headless Chromium and chromedriver from Debian where missing: the tests open the report
# and the dbt docs site in it (python/tests/district/test_report_browser.py).
browser-setup:
	scripts/browser_deps.sh

# The self-contained HTML report of the built warehouse (docs/report.md).
report: setup
	$(BIN)/k12ews report --db $(DB)

realism: setup
	$(BIN)/k12ews realism --db $(DB)

bench: setup
	$(BIN)/k12ews bench
	$(BIN)/k12ews bench --students 100000

# Risk models on the built default district: train, score, explain (target 2 minutes).
bench-ml: setup
	$(BIN)/python -m k12ews.ml.bench --db $(DB)

# The model lifecycle on the built default district: the ML time of a train-mode build
# beside a score-mode build, side by side (bar: score at most 40% of train).
bench-lifecycle: setup
	$(BIN)/python -m k12ews.ml.bench_lifecycle --db $(DB)

# Explanations and recourse of every current score on the built default district (target
# 30 seconds; the registry must be built).
bench-explain: setup
	$(BIN)/python -m k12ews.ml.bench --db $(DB) --explain

# `k12ews pages` on the built default district: one student's page (bar 1 s) and every
# page of the largest school's principal (bar 1 minute); docs/access.md. Not a test.
bench-pages: setup
	$(BIN)/python -m k12ews.pages.bench --db $(DB)

# The SQL layer on DuckDB, Postgres and Spark side by side (default district), then a
# state-sized slice on Spark and DuckDB (docs/benchmarks.md, "Scale-out"). Tens of minutes.
bench-engines: setup engines-setup
	$(BIN)/python -m k12ews.engines.bench
	K12EWS_SPARK_DRIVER_MEMORY=12g K12EWS_SPARK_SHUFFLE_PARTITIONS=16 \
		$(BIN)/python -m k12ews.engines.bench --students 500000 --years 2 --engines spark,duckdb

clean:
	rm -rf target logs data $(VENV)

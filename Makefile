# Two commands: `make run` (serve the demo) and `make test` (run the suite). Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
DRILL_ARGS ?=

.PHONY: install run test test-browser mutate lint mypy format check-deploy restore-drill worker beat ci clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

run: export DEBUG ?= 1
run: export DEMO ?= 1
run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/"
	@echo "Demo logins (password: $${DEMO_PASSWORD:-safer-options-demo}):"
	@echo "  caseworker  police  voluntary  mentor  coordinator  outreach  manager  dpo  admin"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite except the browser journeys: SQLite by default, PostgreSQL when DATABASE_URL says so.
test: install
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

# Browser journeys in Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH), with the axe accessibility scan.
# .ci/chromium finds Chromium (installing Debian's package when root) or fails; a journey never skips.
test-browser: install
	bash .ci/chromium
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# Mutation testing (docs/testing.md), not part of `make test`: mutmut over the access layer, the audit service and
# the feed apply, one area at a time in a scratch copy (var/mutation/<area>/), each with its own tests. Prints the
# score per area and every surviving mutant docs/testing.md does not explain; fails under target or on one.
# MUTATE_AREAS picks areas (access audit feeds; default all), MUTATE_CHILDREN how many mutants run at once.
# The feeds area runs on PostgreSQL when DATABASE_URL names one (its set-based apply is PostgreSQL only).
# MUTATE_ARGS go to the driver, e.g. --state tests/mutation/state to carry verdicts from run to run.
MUTATE_AREAS ?=
MUTATE_CHILDREN ?= 1
MUTATE_ARGS ?=

mutate: install
	nice -n 10 $(BIN)/python -m tests.mutation.run --max-children $(MUTATE_CHILDREN) $(MUTATE_ARGS) $(MUTATE_AREAS)

# Ruff, the architecture (import-linter layers in pyproject.toml) and the types (mypy, strict for the
# access layer and every services module).
MYPY_TARGETS := -p access -p audit.services -p audit.shipping -p accounts.services -p accounts.sessions -p accounts.security_emails -p cases.services -p interventions.services -p cohorts.services -p feeds.services -p mentoring.services -p outreach.services -p oversight.services -p areas

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(MYPY_TARGETS)

mypy: install
	$(BIN)/mypy $(MYPY_TARGETS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Django's production checklist with production-like settings.
check-deploy: install
	DEBUG=0 SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=safeguarding.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# Backup and restore drill (docs/backups.md): pg_dump of DATABASE_URL (PostgreSQL) into var/backups/, restored into
# a scratch database (<name>_restore_drill, dropped afterwards); every table's row count and every audit row compared,
# and the copy's audit trail checked to be append-only still. Fails on any difference. DEBUG only spares a SECRET_KEY.
restore-drill: export DEBUG ?= 1
restore-drill: install
	$(BIN)/python manage.py restore_drill $(DRILL_ARGS)

worker: install
	$(BIN)/celery -A safeguarding worker --loglevel=info

beat: install
	mkdir -p var
	$(BIN)/celery -A safeguarding beat --loglevel=info --schedule var/celerybeat-schedule

# Everything CI checks (lint, migrations, deploy check, SQLite, PostgreSQL + Redis, browser), as .ci/run.
ci:
	bash .ci/run

clean:
	rm -rf $(VENV) node_modules var staticfiles .pytest_cache .ruff_cache

# Benchmark (benchmarks/README.md): PostgreSQL must be running at BENCH_DATABASE_URL. Generates the synthetic
# city once (a few minutes; skipped when it is there), then times name search and the child profile in-process,
# then the dashboards (refresh of the kept aggregates < 10 s; dashboard, social factors and scrutiny report
# medians < 300 ms). Fails when a median is over 100 ms or a p95 over 250 ms (search, profile). BENCH_ARGS go to the benchmark, e.g. --no-check.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/safeguarding_bench
BENCH_ARGS ?=

.PHONY: bench
bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.generate_city
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_cases $(BENCH_ARGS)
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_dashboards $(BENCH_ARGS)

# Cohort benchmark (benchmarks/README.md, "Cohort engine"): the city above plus 3,000,000 observations, then the
# whole-city and incremental recalculation against a hand-written floor (the same result kept durably), then the
# feed import rate, then a first load of a 1,000,000-row extract into an empty city (its own database,
# BENCH_FIRST_LOAD_DATABASE_URL, dropped and created again each run). Fails when a target is missed (full <= 10 s
# and <= 1.5 x floor, incremental 1,000 <= 0.5 s, 10,000 <= 2 s, 50,000 <= full; import >= 25,000 rows/s; first
# load >= 25,000 rows/s, people within 0.5%, a re-import changing nothing).
BENCH_FIRST_LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/safeguarding_first_load

.PHONY: bench-cohort
bench-cohort: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.generate_city
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.generate_cohort_city
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_cohort $(BENCH_ARGS)
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_feed_import $(BENCH_ARGS)
	BENCH_FIRST_LOAD_DATABASE_URL=$(BENCH_FIRST_LOAD_DATABASE_URL) $(BIN)/python -m benchmarks.bench_first_load $(BENCH_ARGS)
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_cohort_pages $(BENCH_ARGS)

# Load test (benchmarks/README.md, "Load"): the city above, copied into BENCH_LOAD_DATABASE_URL (created again each run
# and dropped after it: the run records interventions), served by gunicorn (DEBUG and DEMO off, Celery eager), with
# locust's caseworkers, police, managers and mentors (LOAD_USERS at once, LOAD_DURATION seconds, 1-5 s between pages),
# then each page's throughput against a minimal signed-in view's. Prints p50/p95/p99, requests per second and errors
# per page. Fails when a page's p95 is over 300 ms, on any error, or when the child page's throughput is under 30%
# of the minimal view's. Not in .ci/run: it takes about ten minutes.
LOAD_USERS ?= 50
LOAD_DURATION ?= 300
BENCH_LOAD_DATABASE_URL ?= $(BENCH_DATABASE_URL)_load

.PHONY: bench-load
bench-load: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.generate_city
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m benchmarks.bench_load --users $(LOAD_USERS) \
		--duration $(LOAD_DURATION) --database-url $(BENCH_LOAD_DATABASE_URL) $(BENCH_ARGS)

# Skills Wallet. `make run` serves the app; `make test` lints, type-checks and tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WITH_DB := $(BIN)/python scripts/with_database.py --

.PHONY: install system-libs test-system-packages run test lint typecheck checks pytest lock migrate demo clean-data help bench-ledger bench-reports bench-catalogue bench-api fuzz bench-grants

help:
	@echo "make run    - set up and serve http://127.0.0.1:8000 with demo data"
	@echo "make test   - set up, lint (ruff), type-check (mypy) and run every test"
	@echo "make fuzz   - fuzz the API as each role, longer than make test (FUZZ_EXAMPLES=50)"
	@echo "make lock   - regenerate the hashed locks in requirements/ from pyproject.toml"
	@echo "make bench-ledger  - ledger posting throughput against pgbench (docs/BENCHMARKS.md)"
	@echo "make bench-reports - every funder report on 1,000,000 ledger entries (BENCH_ARGS=\"--entries 100000\")"
	@echo "make bench-catalogue - catalogue search (100k courses) and statements (1M entries) p95"
	@echo "make bench-api - gunicorn under a mixed load (search, wallet, applications) vs /healthz"
	@echo "make bench-grants - credit 1,000,000 wallets from one CSV and measure (BENCH_ARGS=\"--rows 100000\")"

install: $(STAMP) system-libs

# WeasyPrint (certificate PDFs) needs Pango and HarfBuzz (with HarfBuzz-Subset: without it the
# PDFs are not byte-for-byte reproducible) from the operating system: installed
# with apt-get when we can (root), otherwise we stop and say the one command to run.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core
system-libs: $(STAMP)
	@$(BIN)/python -c "import sys, ctypes.util, weasyprint; sys.exit(not ctypes.util.find_library('harfbuzz-subset'))" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "PDFs need Pango and HarfBuzz. Run: sudo apt-get install -y $(SYSTEM_PACKAGES)" >&2; exit 1; \
	  fi; }

# The venv is rebuilt from the hashed lock whenever the lock changes; otherwise nothing runs.
$(STAMP): requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.txt
	@touch $(STAMP)

run: install
	$(WITH_DB) $(BIN)/python scripts/serve.py

test: install lint typecheck checks pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

# Models and migrations agree; the OpenAPI document is valid and warning-free.
DJANGO_TEST := DJANGO_SETTINGS_MODULE=config.settings.test
checks: install
	@$(DJANGO_TEST) $(WITH_DB) $(BIN)/python manage.py makemigrations --check --dry-run
	@$(DJANGO_TEST) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# What the tests need from the operating system beyond `make install`: Chromium for the page
# tests, PgBouncer for the pooler tests, pg_dump/pg_restore for the restore test. Installed
# with apt-get when we can (root), otherwise we stop and say the one command to run.
test-system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	{ command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; } || missing="$$missing pgbouncer"; \
	{ command -v pg_dump >/dev/null && command -v pg_restore >/dev/null; } || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need:$$missing. Run: sudo apt-get install -y$$missing" >&2; exit 1; \
	  fi; \
	fi

# pytest exits 5 when it collected no tests: that is a failure here, never a silent pass.
# Coverage of the application's code, branches included, must stay at 90 % (pyproject.toml).
pytest: install test-system-packages
	@$(WITH_DB) $(BIN)/python -m pytest --cov $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing." >&2; exit 1; fi; exit $$rc

migrate: install
	$(WITH_DB) $(BIN)/python manage.py migrate

lock: install
	$(BIN)/pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe --extra dev -o requirements/dev.txt pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links \
		--strip-extras --allow-unsafe -o requirements/base.txt pyproject.toml

clean-data:
	rm -rf .data

# Fuzzing (schemathesis) as anonymous, a learner, a provider admin and a funder officer, with
# more examples per operation than the bounded run inside `make test` (tests/security).
FUZZ_EXAMPLES ?= 50
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(WITH_DB) $(BIN)/python -m pytest --no-cov -p no:randomly \
		tests/security/test_fuzz.py $(PYTEST_ARGS)

# Benchmarks measure and print; they are not part of `make test`.
bench-ledger: install
	$(WITH_DB) $(BIN)/python scripts/bench_ledger.py $(BENCH_ARGS)

# 1,000,000 ledger entries and 50,000 enrolments in a scratch database, then every funder
# report timed (p50/p95); rewrites its section of docs/BENCHMARKS.md unless --no-write.
bench-reports: install
	$(WITH_DB) $(BIN)/python scripts/bench_reports.py $(BENCH_ARGS)

# 100,000 courses and 500,000 cohorts, and a learner with 10,000 statement lines among
# 1,000,000 entries: catalogue search and statement pages timed (p50/p95) beside /healthz.
bench-catalogue: install
	$(WITH_DB) $(BIN)/python scripts/bench_catalogue.py $(BENCH_ARGS)

# gunicorn on a free loopback port under a mixed load for a bounded time, beside /healthz.
bench-api: install
	$(WITH_DB) $(BIN)/python scripts/bench_api.py $(BENCH_ARGS)
bench-grants: install
	$(WITH_DB) $(BIN)/python scripts/bench_grants.py $(BENCH_ARGS)

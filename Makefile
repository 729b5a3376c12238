# The two commands: `make run` serves the site, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint format bench lighthouse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Installing the test tools installs the runtime packages too; .runtime is
# marked new only when those changed, since static files are collected again
# after it (so `make test` leaves the next `make run` fast).
$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	test $(VENV)/.runtime -nt requirements.txt || touch $(VENV)/.runtime
	touch $@

# The HTML checkers the tests run (vnu-jar, axe-core) and Lighthouse, pinned
# in package-lock.json, for the machine's Node and Java.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

.env:
	$(PYTHON) -c "import secrets; print('DJANGO_SECRET_KEY=' + secrets.token_urlsafe(50))" > .env
	@echo "Wrote .env with a new secret key."

# Collecting (hashing and compressing) static files takes seconds, so it runs
# only when a source file or the installed packages changed.
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)
var/static/staticfiles.json: $(STATIC_SOURCES) $(VENV)/.runtime | .env
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

# `make run` is for one person on their own machine: the admin opens without
# two-factor there. Production leaves DJANGO_STAFF_MFA_REQUIRED unset (true).
# Added to an older .env too, once, without touching anything else in it.
run: $(VENV)/.runtime .env var/static/staticfiles.json
	@grep -q '^DJANGO_STAFF_MFA_REQUIRED=' .env || echo 'DJANGO_STAFF_MFA_REQUIRED=false' >> .env
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py create_staff
	$(BIN)/gunicorn -c config/gunicorn.py

test: $(VENV)/.dev node_modules/.installed
	$(BIN)/pytest

# Each public page's rate against a trivial view's, on PostgreSQL, Redis and
# gunicorn as in production (bench/pages.py; README, Performance). It needs
# wrk and takes about 10 minutes. Options go in BENCH_ARGS, for example
# make bench BENCH_ARGS="--products 1000000".
bench: $(VENV)/.dev
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# Lighthouse scores of home, list and product at phone size, in Chromium
# (bench/lighthouse.py; README, Performance). About two minutes.
lighthouse: $(VENV)/.dev node_modules/.installed
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

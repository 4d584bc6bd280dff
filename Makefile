# Prompt Contest. `make run` starts the platform with a demo; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test bench lint messages clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# The demo is the city of みなと坂市: its gallery prompts are credited to it.
run: export GALLERY_ORGANISATION_NAME ?= みなと坂市
run: $(VENV)/.runtime
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 PORT=$(PORT) $(PY) manage.py run_platform

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

# The embedded-defaults tests (SQLite + filesystem broker) need their own pytest session;
# the main session uses PostgreSQL when one answers (always in CI).
test: lint
	DATABASE_URL= CELERY_BROKER_URL= $(PY) -m pytest -m embedded -p no:cacheprovider
	DATABASE_URL="$$($(PY) tests/services.py database-url)" $(PY) -m pytest -m "not embedded"

# Each prints its figures as ratios to an ideal measured in the same run. The page benches
# use the database DATABASE_URL names (PostgreSQL when one answers, as in `make test`);
# BENCH_ENTRIES, BENCH_PAGE_ENTRIES, BENCH_WORKERS and the scripts' options take bigger sizes.
bench: $(VENV)/.dev
	$(PY) bench/runs.py
	$(PY) bench/judging.py
	DJANGO_DEBUG=1 DATABASE_URL="$$($(PY) tests/services.py database-url)" $(PY) bench/pages.py
	DJANGO_DEBUG=1 DATABASE_URL="$$($(PY) tests/services.py database-url)" $(PY) bench/judging_pages.py
	DJANGO_DEBUG=1 $(PY) bench/uploads.py
	$(PY) bench/gallery.py

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l ja --ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench --no-obsolete --no-location
	$(PY) manage.py compilemessages -l ja --ignore=.venv

clean:
	rm -rf var db.sqlite3 staticfiles

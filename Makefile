# LiênThông — the two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# PostgreSQL for the second test run: TEST_POSTGRES_URL, else DATABASE_URL if it is PostgreSQL.
PG_URL := $(or $(TEST_POSTGRES_URL),$(filter postgres%,$(DATABASE_URL)))

.PHONY: demo test lint test-sqlite test-postgres bench install messages clean openapi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make demo: install, migrate, load reference and demo data, serve on http://127.0.0.1:8000
demo: install
	env -u DATABASE_URL $(BIN)/lienthong demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make test: lint, migrations check, pytest on SQLite, then on PostgreSQL when configured
test: lint test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL $(BIN)/lienthong makemigrations --check --dry-run
	env -u DATABASE_URL $(BIN)/pytest -n 2 -p no:cacheprovider

test-postgres: install
ifneq ($(PG_URL),)
	DATABASE_URL='$(PG_URL)' $(BIN)/pytest -n 2 -p no:cacheprovider
else
	@echo "PostgreSQL: skipped (set TEST_POSTGRES_URL or DATABASE_URL=postgres://… to run)"
endif

## make bench: run every benchmark in bench/ (each prints JSON)
bench: install
	@set -e; for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b; done

## make messages: refresh and compile the English translation of the Vietnamese UI
messages: install
	cd src/lienthong && ../../$(BIN)/lienthong makemessages -l en --no-obsolete && ../../$(BIN)/lienthong compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

## make openapi: rewrite the committed OpenAPI document after an API change
openapi: install
	env -u DATABASE_URL $(BIN)/python -c "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'lienthong.settings'); django.setup(); from lienthong.api import api; print(json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False))" > docs/openapi.json

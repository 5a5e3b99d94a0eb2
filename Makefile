# LiênThông — the two commands a new user needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# uv installs into .venv from uv.lock only, with the machine's Python; it never downloads an
# interpreter (docs/dependencies.md).
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml uv.lock | sha1sum | cut -c1-12)
# PostgreSQL for the second test run: TEST_POSTGRES_URL, else DATABASE_URL if it is PostgreSQL.
PG_URL := $(or $(TEST_POSTGRES_URL),$(filter postgres%,$(DATABASE_URL)))

.PHONY: demo test lint test-sqlite test-postgres bench install messages clean openapi lock system-deps axe

# The installer: pip takes exactly the uv release whose hashes scripts/uv-requirements.txt lists.
$(UV): scripts/uv-requirements.txt
	@PYTHON=$(PYTHON) scripts/system-deps venv
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r scripts/uv-requirements.txt
	touch $(UV)

# Everything else: the whole locked tree (dev group included), refused if pyproject.toml and
# uv.lock disagree; packages not in the lock are removed. Compiled to bytecode once here, so
# no command compiles them again at each start (nor needs to write beside them).
$(STAMP): pyproject.toml uv.lock $(UV)
	$(UV) sync --locked --quiet --python $(BIN)/python --compile-bytecode
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# axe-core, the accessibility checker of the browser tests, from the npm registry: exactly
# the version and hash in tests/browser/axe/package-lock.json (npm ci). Test-only.
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/browser/axe && npm ci --ignore-scripts --no-audit --no-fund --silent && touch node_modules/axe-core/axe.min.js; \
	else echo "axe-core: npm is missing (scripts/system-deps installs it as root); accessibility checks will be skipped" >&2; fi

axe: $(AXE)

## make demo: install, migrate, load reference and demo data, serve on http://127.0.0.1:8000
demo: install
	env -u DATABASE_URL $(BIN)/lienthong demo

## make lint: style, the layering between apps (import-linter) and static types (mypy)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	env -u DATABASE_URL PYTHONWARNINGS=ignore $(BIN)/mypy

## make lock: record a change of pyproject.toml in uv.lock (UPGRADE=1: newest versions of all
## transitive dependencies too). Commit both files.
lock: $(UV)
	$(UV) lock $(if $(UPGRADE),--upgrade,)

## make system-deps: Chromium, poppler-utils and Pango from apt when root and missing
system-deps:
	@PYTHON=$(PYTHON) scripts/system-deps

## make test: system packages, lint, migrations check, pytest on SQLite, then on PostgreSQL
test: system-deps lint test-sqlite test-postgres

test-sqlite: install axe
	env -u DATABASE_URL $(BIN)/lienthong makemigrations --check --dry-run
	env -u DATABASE_URL $(BIN)/pytest -n 2 -p no:cacheprovider

test-postgres: install axe
ifneq ($(PG_URL),)
	DATABASE_URL='$(PG_URL)' $(BIN)/pytest -n 2 -p no:cacheprovider
else ifeq ($(CI),true)
	@echo "PostgreSQL: CI=true needs TEST_POSTGRES_URL or DATABASE_URL=postgres://…" >&2; exit 1
else
	@echo "PostgreSQL: skipped (set TEST_POSTGRES_URL or DATABASE_URL=postgres://… to run)"
endif

## make bench: run every benchmark in bench/ (each prints JSON)
bench: install
	@set -e; for b in bench/[!_]*.py; do echo "== $$b"; PYTHONWARNINGS=ignore $(BIN)/python $$b; done

## make messages: refresh and compile the English translation of the Vietnamese UI
messages: install
	cd src/lienthong && ../../$(BIN)/lienthong makemessages -l en --no-obsolete && ../../$(BIN)/lienthong compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

## make openapi: rewrite the committed OpenAPI document after an API change
openapi: install
	env -u DATABASE_URL PYTHONWARNINGS=ignore $(BIN)/python -c "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'lienthong.settings'); django.setup(); from lienthong.api import api; print(json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False))" > docs/openapi.json

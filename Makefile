# ViorNet ERP: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# First port of the demo router simulator (four routers: this port and the next three).
ROUTER_SIM_PORT ?= 8728
# Port of the demo phone (the SMS Gateway for Android simulator).
SMS_SIM_PORT ?= 8090
# uv installs the pinned dependencies in seconds where pip takes a minute and a half;
# pip stays the fallback.
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install preflight run test lint migrate demo serve clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION) \
	  && $(VENV)/bin/uv pip install -q --python $(PY) -e '.[dev]' \
	  || $(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

# One line per process that could not start (a taken port …), before a minute of migrating.
preflight: install
	@$(PY) manage.py preflight --host $(HOST) --port $(PORT) --router-port $(ROUTER_SIM_PORT)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	SMS_SIM_PORT=$(SMS_SIM_PORT) $(PY) manage.py seed_demo --router-port $(ROUTER_SIM_PORT)

run: preflight demo
	$(PY) manage.py collectstatic --noinput -v0 -i node_modules -i '*.map'
	@echo
	@echo "  ViorNet is starting on http://$(HOST):$(PORT)/  (log in with a demo login above)"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/   health: http://$(HOST):$(PORT)/healthz"
	@echo
	HOST=$(HOST) PORT=$(PORT) ROUTER_SIM_PORT=$(ROUTER_SIM_PORT) SMS_SIM_PORT=$(SMS_SIM_PORT) $(VENV)/bin/honcho start -f Procfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: lint
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .import_linter_cache

# One archive of the database, media files and keys under BACKUP_DIR (README: Backups).
.PHONY: backup
backup: install
	$(PY) manage.py backup

# The full schemathesis conformance run (CI runs the same test with 3 cases per operation):
# no 5xx, and every answer's status code, media type and body as the OpenAPI schema says.
FUZZ_EXAMPLES ?= 20
.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_REPORT=var/fuzz-report.json $(PY) -m pytest tests/test_api_fuzz.py -q $(PYTEST_ARGS)
	@cat var/fuzz-report.json; echo

# The Swahili and French catalogs after strings change: extract, merge, compile (README:
# Translations). `manage.py messages --check` says what this would change (CI runs it).
.PHONY: messages
messages: install
	$(PY) manage.py messages

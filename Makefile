# Agir Ensemble — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test lint format install install-dev lock messages vendor serve clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The dependencies come from the lock files, exact versions checked against their hashes
# (pyproject.toml keeps the ranges); the project itself is installed without dependencies.
$(VENV)/.installed: requirements.lock pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make lock: refresh requirements.lock (runtime) and requirements-dev.lock (runtime + dev,
## the same runtime versions) from pyproject.toml, with pip-tools and Python 3.11; commit both
PIP_TOOLS ?= pip-tools==7.6.2
LOCK_VENV := $(or $(TMPDIR),/tmp)/agir-lock-venv
LOCK_FLAGS := --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet "$(PIP_TOOLS)"
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
	  --output-file requirements.lock pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) \
	  --extra dev --constraint requirements.lock --output-file requirements-dev.lock pyproject.toml
	rm -rf $(LOCK_VENV)

## make run: install, migrate, load the PMA 2030 demo, serve http://127.0.0.1:$(PORT) (SQLite, in-memory layer)
## with the task worker beside the server (stopped with it)
run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	@# The worker renders PDFs and e-mails: it needs the site's address as much as the server.
	@export DEBUG=1 SITE_URL=$${SITE_URL:-http://127.0.0.1:$(PORT)}; \
	$(PY) manage.py run_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## make test: the whole pytest suite on SQLite and the in-memory layer
test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: install-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## make messages: refresh and compile the translation catalogues (needs GNU gettext)
messages: install
	DEBUG=1 $(PY) scripts/messages.py

vendor:
	./scripts/vendor.sh

## make serve: production-style serving, $(WORKERS) web worker processes and $(TASK_WORKERS)
## task worker(s) (needs DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS); under systemd,
## run web and worker as separate units instead (docs/deployment.md, deploy/systemd/)
TASK_WORKERS ?= 1
METRICS_DIR ?= $(CURDIR)/.prometheus-multiproc
serve: install
	$(PY) manage.py check_production
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	@rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR); \
	export PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR); pids=""; \
	for i in $$(seq $(TASK_WORKERS)); do $(PY) manage.py run_worker & pids="$$pids $$!"; done; \
	trap 'kill -TERM $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/uvicorn project.asgi:application --host 127.0.0.1 --port $(PORT) --workers $(WORKERS) --ws-per-message-deflate false --proxy-headers

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

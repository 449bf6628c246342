# Agir Ensemble — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: run test lint format install install-dev messages vendor serve clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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

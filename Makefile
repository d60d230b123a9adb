# Leadline: one command to try it, one to test it. GNU make; needs only Python 3.11+.
#   make run    venv + dependencies, migrate, demo company, serve on http://127.0.0.1:8000
#               and run the background worker beside it (honcho + Procfile; Ctrl-C stops both)
#   make serve  production on one machine: make release, then gunicorn + worker
#               (deploy/Procfile), all from the environment (ENV_FILE=... to read a file)
#   make release  migrate, collectstatic, deployment checks (what an upgrade runs)
#   make test   the whole suite (SQLite; set DATABASE_URL for PostgreSQL); installs
#               Debian's chromium for the browser tests when missing (as root)
#   make lint   ruff check, ruff format --check, mypy, lint-imports (the floors)
# Nothing is activated: every tool is called by its .venv/bin/ path.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-n 2"` or `PYTEST_ARGS="-m 'not browser'"`.
PYTEST_ARGS ?=

# Stamps remember which requirements were installed, so pip runs only when a
# requirements file changed (or the venv is new).
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

# `make serve ENV_FILE=/etc/leadline/leadline.env` reads the variables from a file
# (KEY=value lines, as deploy/production.env.example); unset, the environment as it is.
ENV_FILE ?=

.PHONY: help run serve release demo migrate test chromium lint fix clean

help:
	@echo "make run    start Leadline with the demo company on http://$(HOST):$(PORT) and its worker"
	@echo "make serve  production: make release, then gunicorn + worker (ENV_FILE=... to read a file)"
	@echo "make release  migrate, collectstatic, deployment checks (what an upgrade runs)"
	@echo "make demo   migrate and load the demo company (idempotent)"
	@echo "make test   run the whole test suite (PYTEST_ARGS=... to pass options)"
	@echo "make lint   ruff check, ruff format --check, mypy, the floors (lint-imports)"
	@echo "make fix    ruff format and ruff check --fix"
	@echo "make clean  remove the venv, the SQLite database and caches"

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11+ not found: install python3.11 or set PYTHON=/path/to/python"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "$(PYTHON) is Python $$($(PYTHON) -c 'import platform; print(platform.python_version())'); Leadline needs 3.11+ (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install -q -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

migrate: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --no-input -v 0

demo: migrate
	$(PY) manage.py load_demo

# The web server and the background worker (webhooks, texts) in one terminal:
# honcho prefixes each line with web.1 or worker.1; Ctrl-C stops both.
run: demo
	@echo
	@echo "Leadline is starting at http://$(HOST):$(PORT)/  (log in at http://$(HOST):$(PORT)/login/)"
	@echo "  Log in as admin, manager, office, csr or tech with the password leadline-demo"
	@echo "  (every demo login is listed above). API docs: http://$(HOST):$(PORT)/api/v1/docs"
	@echo "  The background worker runs beside the server (lines marked worker.1). Ctrl-C stops both."
	@echo
	HOST=$(HOST) PYTHONUNBUFFERED=1 $(VENV)/bin/honcho start -f Procfile -p $(PORT)

# Reads ENV_FILE (when given) into the environment of the command that follows.
LOAD_ENV = set -a; if [ -n "$(ENV_FILE)" ]; then . "$(ENV_FILE)" || exit 1; fi; set +a

# What every release needs before it serves: migrations (written to stay safe
# for a rolling restart: README "Upgrading"), static files, and Django's
# deployment checks printed (warnings do not stop it; errors do).
release: $(RUNTIME_STAMP)
	@$(LOAD_ENV); set -x; \
	$(PY) manage.py migrate --no-input && \
	$(PY) manage.py collectstatic --no-input -v 0 && \
	$(PY) manage.py check --deploy

# Production on one machine: a release, then gunicorn and the worker side by
# side (deploy/Procfile); if either exits, honcho stops the other and make fails.
serve: release
	@$(LOAD_ENV); PYTHONUNBUFFERED=1 exec $(VENV)/bin/honcho start -f deploy/Procfile -d .

# The browser tests drive Debian's Chromium (LEADLINE_CHROMIUM, default
# /usr/bin/chromium). When it is missing, root installs it with apt-get; anyone
# else is told the exact command and the target fails: never a silent skip.
# PYTEST_ARGS="-m 'not browser'" runs without it.
DEBIAN_CHROMIUM := /usr/bin/chromium
CHROMIUM := $(or $(LEADLINE_CHROMIUM),$(DEBIAN_CHROMIUM))

chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$(CHROMIUM)" != "$(DEBIAN_CHROMIUM)" ]; then \
		echo "LEADLINE_CHROMIUM=$(CHROMIUM) does not exist: point it at a Chromium, or unset it for Debian's /usr/bin/chromium"; exit 1; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "The browser tests need Debian's Chromium at $(DEBIAN_CHROMIUM). Install it (as root) with:"; \
		echo "    sudo apt-get update && sudo apt-get install -y chromium"; \
		echo "or run without them: make test PYTEST_ARGS=\"-m 'not browser'\""; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "No apt-get: install Chromium at /usr/bin/chromium (or set LEADLINE_CHROMIUM)"; exit 1; }; \
	echo "Installing Debian's chromium for the browser tests (apt-get install -y chromium)"; \
	DEBIAN_FRONTEND=noninteractive apt-get update -q && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium && \
	test -x "$(DEBIAN_CHROMIUM)"

# pytest's exit code is make's: 1 for failures, 5 when no test ran; both fail.
# Bytecode is written (__pycache__, ignored by git) even where the environment
# says not to (PYTHONDONTWRITEBYTECODE): the suite starts dozens of Python
# processes (test workers, servers, workers, commands), and without it each one
# compiled all of Leadline's modules again, and pytest re-rewrote every test
# module's asserts in each worker.
test: $(DEV_STAMP) $(if $(findstring not browser,$(PYTEST_ARGS)),,chromium)
	env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest $(PYTEST_ARGS)

# Every check runs, so one report shows all problems; any failure fails the target.
lint: $(DEV_STAMP)
	@status=0; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "ruff format --check ."; $(VENV)/bin/ruff format --check . || status=1; \
	echo "mypy ."; $(VENV)/bin/mypy . || status=1; \
	echo "lint-imports (the floors)"; $(VENV)/bin/lint-imports --no-cache || status=1; \
	exit $$status

fix: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles test-artifacts \
		.pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

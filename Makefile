# COO Portal: the everyday commands. `make run` and `make test` work on a fresh machine with
# Python 3.11 only; everything else is installed into .venv on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Development defaults for the commands that serve or change the local database.
DEV := DEBUG=$${DEBUG:-1}

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format check-migrations messages check-messages \
        ci worker beat seed-medium seed-large clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed  ## Create .venv and install the pinned requirements

run: install  ## Migrate, load the demo data if the database is empty, serve http://127.0.0.1:8000
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo --if-empty
	$(DEV) $(PY) manage.py runserver 127.0.0.1:8000

test: install  ## Run the whole test suite (SQLite, or DATABASE_URL / REDIS_URL when set)
	$(PY) -m pytest

test-fast: install  ## The suite without the browser tests
	$(PY) -m pytest -m "not browser"

lint: install  ## ruff check and ruff format --check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install  ## Format the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check-migrations: install  ## Fail if a model change has no migration
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

messages: install  ## Update the Spanish catalogue from the code and compile it (needs gettext)
	$(DEV) $(PY) manage.py makemessages -l es -i ".venv/*" -i "staticfiles/*" -i "tests/*" -i "*/tests/*" --no-location
	@# The creation date changes on every run; without it, two branches' catalogues merge cleanly.
	find . -path ./.venv -prune -o -name django.po -path "*/locale/es/*" -print | xargs sed -i '/^"POT-Creation-Date:/d'
	$(DEV) $(PY) manage.py compilemessages -l es -i ".venv"

check-messages: install  ## Fail on untranslated or fuzzy Spanish entries, or a stale .mo (needs gettext)
	$(DEV) $(PY) manage.py check_catalogue

worker: install  ## A Celery worker (needs REDIS_URL)
	$(PY) -m celery -A coo_portal worker --loglevel=INFO

beat: install  ## Celery beat with the schedules stored in the database (needs REDIS_URL)
	$(PY) -m celery -A coo_portal beat --loglevel=INFO --scheduler django_celery_beat.schedulers:DatabaseScheduler

seed-medium: install  ## Demo data at the medium size
	$(DEV) $(PY) manage.py seed_demo --size medium

seed-large: install  ## Demo data at the large (performance reference) size
	$(DEV) $(PY) manage.py seed_demo --size large

ci:  ## What CI runs (installs apt packages; needs root, PostgreSQL and Redis)
	bash .ci/run

clean:  ## Remove the virtual environment, caches and the local SQLite database
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles db.sqlite3

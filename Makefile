# Tandem: `make run` serves the demo shop, `make test` runs the whole suite.
# Both set everything up on a fresh machine (a .venv with the first Python >= 3.12 found).

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

export DEBUG ?= true

.PHONY: run test venv migrate demo simulate browser-deps clean help

help:
	@echo "make run    - set up, load the demo shop and serve it on http://$(HOST):$(PORT)"
	@echo "make test   - set up and run the whole test suite (SQLite; browser tests where Chromium is present)"

# The first interpreter >= 3.12: on PATH, then pyenv builds (whose shims may not work).
define FIND_PYTHON
for c in python3.14 python3.13 python3.12 python3 \
         $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /opt/python*/bin/python3; do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  "$$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
done; exit 1
endef

$(PY):
	@py=$$($(FIND_PYTHON)) || { echo "error: Tandem needs Python 3.12 or newer and none was found (looked on PATH and in ~/.pyenv/versions)." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# A development .env, written once by the development targets (demo, run, simulate, test)
# and never overwritten (git-ignored): DEBUG=true and a random SECRET_KEY, so that every
# `.venv/bin/python manage.py …` in the README works as written. Settings read it; variables
# set in the environment win over it. `make serve` never writes it.
.env:
	@printf '%s\n' '# Written by `make` for development; see .env.example for production.' \
	  'DEBUG=true' "SECRET_KEY=dev-$$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 60)" > .env
	@echo "Wrote .env (DEBUG=true, a random SECRET_KEY) for development"

venv: $(STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput -v0

demo: .env migrate
	$(PY) manage.py load_demo
	$(PY) manage.py refresh_recommendations

run: demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Synthetic shoppers through the real pages, so the admin dashboard has figures (about a minute).
simulate: demo
	$(PY) manage.py simulate_shoppers --visitors 300

# Chromium for the browser tests: Debian's package, installed when we are allowed to.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	      || echo "WARNING: could not install chromium: browser tests will be SKIPPED"; \
	  else \
	    echo "WARNING: /usr/bin/chromium not found and cannot be installed: browser tests will be SKIPPED"; \
	  fi; \
	fi

test: venv browser-deps .env
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-results

# The real stack (set DATABASE_URL and REDIS_URL, DEBUG=false, SECRET_KEY, ALLOWED_HOSTS):
.PHONY: serve worker beat
serve: migrate
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/gunicorn shop.wsgi:application --workers $${WEB_CONCURRENCY:-2} --bind $(HOST):$(PORT) --no-control-socket

worker: venv
	$(VENV)/bin/celery -A shop worker -l info

beat: venv
	mkdir -p .celery && $(VENV)/bin/celery -A shop beat -l info -s .celery/beat-schedule

# Mealbuddy — `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
WORKERS ?= 1
# Two workers (pytest-xdist, one per core here); config/testworkers.py gives each its own
# Redis database. Tests go out in pytest-django's order (the database-flushing transactional tests
# last, after every test that reads the regions loaded once per session), so no --dist loadfile.
PYTEST_ARGS ?= -n 2

.PHONY: run serve serve-all worker scheduler test lint format bench install install-test browser proxy nginx clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11+ is needed (found $$($(PYTHON) --version))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_regions
	$(BIN)/python manage.py seed_demo
	$(MAKE) --no-print-directory serve-all

# What a user should see by default: production mode (no debug pages, hashed static files
# collected by `manage.py serve`); `DEBUG=1 make run` asks for debug mode.
run serve serve-all: export DEBUG ?= 0
# One machine: Django serves the uploads under MEDIA_ROOT itself (a deployment behind the
# proxy leaves that to the proxy; with S3 storage nothing is local).
run serve serve-all: export SERVE_MEDIA ?= 1
# A loopback address is plain HTTP: switch off SSL redirect, HSTS and Secure cookies there.
# Any other HOST keeps them on (a deployment behind TLS); HTTPS=0 asks for plain HTTP anyway.
ifneq ($(filter 127.0.0.1 localhost ::1,$(HOST)),)
run serve serve-all: export HTTPS ?= 0
endif

# Refuses a configuration that would break silently (e.g. WORKERS>1 without REDIS_URL),
# collects static files, then runs uvicorn.
serve:
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# --- Background jobs (issue 9): web + worker + scheduler in one command, or each alone -----------
# serve-all supervises uvicorn, one task worker and the scheduler; one Ctrl+C stops all three.
serve-all:
	$(BIN)/python manage.py serve_all --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Production runs these as their own processes (any number of workers, a scheduler per machine).
worker:
	$(BIN)/python manage.py db_worker --no-reload

scheduler:
	$(BIN)/python manage.py run_scheduler

# Browser tests drive Debian's Chromium; install it when it is missing and apt can, with a
# Korean font and an emoji font (the screenshots kept for people to look at must show Korean and
# the icons, not boxes).
browser:
	@if ! { fc-list :lang=ko | grep -q . && fc-list | grep -qi emoji; } 2>/dev/null && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's fonts-noto-cjk and fonts-noto-color-emoji for the browser tests' screenshots"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-noto-color-emoji >/dev/null || true; \
	fi
	@if [ -n "$$CHROMIUM_PATH" ] && [ -x "$$CHROMIUM_PATH" ]; then exit 0; fi; \
	if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium: install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH."; \
		exit 1; \
	fi

# The proxy tests run deploy/Caddyfile with Debian's Caddy; install it when missing and apt can.
proxy:
	@command -v caddy >/dev/null 2>&1 && exit 0; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's caddy for the proxy tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy >/dev/null; \
	else \
		echo "The proxy tests (tests/deploy/test_proxy.py) skip without Caddy: apt-get install caddy"; \
	fi

# The cluster tests (tests/cluster) put Debian's nginx in front of two servers; install it
# like Chromium. It runs as the test's own process (config, pid and logs in a temp dir).
nginx:
	@if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's nginx for the cluster tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	else \
		echo "The cluster tests need nginx: install Debian's 'nginx' package (apt-get install nginx)."; \
		exit 1; \
	fi

test: install-test browser proxy nginx
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# wrk (Debian) measures HTTP load when present; otherwise the harness uses httpx. The topology
# scenario runs deploy/Caddyfile, hence Caddy (`proxy`).
bench: install-test proxy
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get install -y -qq wrk >/dev/null 2>&1; } || true
	$(BIN)/python -m bench $(SCENARIOS)

clean:
	rm -rf $(VENV) db.sqlite3* .test-db.sqlite3* staticfiles test-artifacts .pytest_cache

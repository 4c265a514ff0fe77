# serialtrack — `make demo` loads the walkthrough and starts the server, `make test` runs the
# whole test suite.
# Both create .venv and install everything from pyproject.toml, pinned by requirements.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PostgreSQL half of the test suite; tests create and drop their own databases there.
PG_URL ?= postgresql://postgres@127.0.0.1:5432/serialtrack
# The browser tests drive Debian's Chromium (no Playwright browser download).
CHROMIUM := /usr/bin/chromium

.PHONY: install browser demo test test-sqlite test-postgres lint bench serve clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian's chromium for the browser tests (tests/web/), installed when missing;
# sudo only when not root, `apt-get update` only when the package lists do not know it yet.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  APT="$$([ "$$(id -u)" = 0 ] || echo sudo) env DEBIAN_FRONTEND=noninteractive apt-get"; \
	  $$APT install -y --no-install-recommends chromium \
	  || { $$APT update && $$APT install -y --no-install-recommends chromium; }; \
	fi

# The walkthrough on the embedded SQLite database, then the web pages and API on
# http://127.0.0.1:8000/ (the first start prints the admin's one-time password). Ctrl-C stops.
demo: install
	$(BIN)/serialtrack demo
	exec $(BIN)/serialtrack serve $(SERVE_ARGS)

test: lint browser test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests benchmarks

test-sqlite: install browser
	SERIALTRACK_DATABASE_URL= $(BIN)/pytest -n 2

test-postgres: install browser
	SERIALTRACK_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2

bench: install
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info .pytest_cache .ruff_cache

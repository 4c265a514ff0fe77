# serialtrack — `make demo` runs the walkthrough, `make test` runs the whole test suite.
# Both create .venv and install everything from pyproject.toml, pinned by requirements.lock.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PostgreSQL half of the test suite; tests create and drop their own databases there.
PG_URL ?= postgresql://postgres@127.0.0.1:5432/serialtrack

.PHONY: install demo test test-sqlite test-postgres lint bench serve clean

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/serialtrack demo

test: lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check src tests

test-sqlite: install
	SERIALTRACK_DATABASE_URL= $(BIN)/pytest -n 2

test-postgres: install
	SERIALTRACK_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2

bench: install
	$(BIN)/python -m serialtrack.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info .pytest_cache .ruff_cache

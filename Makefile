# The two commands a newcomer needs: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: run test install migrate lint bench bench-telegram clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) -m bot migrate

## Start the product on SQLite with the bundled surveys (http://localhost:8080).
run: migrate
	$(PY) -m bot

## Install and run the whole suite (store tests also on PostgreSQL if TEST_DATABASE_URL is set).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: install
	$(PY) bench/engine.py

## Telegram webhook under load (issue 3): 1,000 simulated people; add DATABASE=postgresql://…
bench-telegram: install
	$(PY) bench/telegram.py --database-url sqlite $(if $(DATABASE),--database-url $(DATABASE))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

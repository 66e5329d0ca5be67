# Two commands: `make demo` (try it on one machine) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint format install clean

$(BIN)/huifang: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/huifang

demo: $(BIN)/huifang
	$(BIN)/huifang demo --host $(HOST) --port $(PORT) $(DEMO_ARGS)

lint: $(BIN)/huifang
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The migrations check runs on an in-memory database: it compares the models
# with the migration files, and a fresh clone has no var/ for Django's look at
# the migration history.
test: lint
	env DATABASE_URL=sqlite://:memory: HUIFANG_ENV=test $(BIN)/huifang makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

format: $(BIN)/huifang
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var

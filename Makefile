# Assembly: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
TEST_STAMP := $(VENV)/.installed-test-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: run test lint format bench i18n i18n-extract i18n-update clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/assembly demo --dev

test: $(TEST_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check assembly tests bench
	$(BIN)/ruff format --check assembly tests bench
	$(BIN)/mypy assembly

format: $(TEST_STAMP)
	$(BIN)/ruff format assembly tests bench
	$(BIN)/ruff check --fix assembly tests bench

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

# Extract every UI string, then merge it into every catalogue (docs/translating.md).
i18n: $(TEST_STAMP)
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k _l -k lazy_gettext -o assembly/translations/messages.pot assembly templates
	$(BIN)/pybabel update --no-fuzzy-matching -i assembly/translations/messages.pot -d assembly/translations
	$(BIN)/pybabel compile --statistics -d assembly/translations

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

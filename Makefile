# The two README commands: `make demo` and `make test`. Each sets everything up on a fresh
# machine (virtual environment, packages, models) and is safe to run again.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test lint bench models clean

setup: $(STAMP) models

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q --upgrade pip==25.3
	$(BIN)/python -m pip install --disable-pip-version-check -q -e '.[edge,dev]'
	touch $(STAMP)

models: $(STAMP)
	$(BIN)/dendo-edge models fetch

demo: setup
	$(BIN)/python scripts/demo.py --out out/demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python scripts/bench_perception.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache

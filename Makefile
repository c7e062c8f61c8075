# gxatlas — one place for the commands people and CI run.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= $(CURDIR)/out/demo.sqlite

.PHONY: setup demo test eval bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

# Build the default atlas into out/demo.sqlite, print its summary and serve the dashboard
# at http://127.0.0.1:$(PORT)/ (Ctrl-C stops it; `make demo SERVE=0` only builds and prints).
PORT ?= 8000
SERVE ?= 1
demo: setup
	mkdir -p out
	$(BIN)/gxatlas --db sqlite:///$(DEMO_DB) init
	$(BIN)/gxatlas --db sqlite:///$(DEMO_DB) overview
	@if [ "$(SERVE)" = "1" ]; then $(BIN)/gxatlas --db sqlite:///$(DEMO_DB) serve --port $(PORT); fi

test: setup
	$(BIN)/pytest

# Extraction accuracy on the seed documents and the real set (needs ../shared; GXATLAS_SHARED
# points elsewhere): both tables, the real set's hold-out too; fails below the minimums.
MIN_SEEDS ?= 0.85
MIN_REAL ?= 0.78
eval: setup
	$(BIN)/python bench/eval.py --min-seeds $(MIN_SEEDS) --min-real $(MIN_REAL)

clean:
	rm -rf out .pytest_cache

# Every target installs what it needs first; a fresh machine needs only python3, Go and Node.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1.0

.PHONY: setup test rehearse lint bench clean

setup: $(VENV)/.installed .tools/bin/ferretdb

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

.tools/bin/ferretdb: tools/ferretdb/build.sh tools/ferretdb/go.mod
	tools/ferretdb/build.sh

test: setup
	$(BIN)/pytest

rehearse: setup
	$(BIN)/meeshy-ops rehearse --scale $(SCALE) --report-dir reports

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/migration.py

clean:
	rm -rf var reports/*

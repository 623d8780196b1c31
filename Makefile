# Every target installs what it needs first; a fresh machine needs only python3, Go, Node and root
# (apt-get for docker.io, debootstrap, openssh-server and chromium).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1.0
# The database rung of the tests and the rehearsal's tools (rehearsal/embedded_db.py): empty for the
# ladder's first (FerretDB on SQLite), or ferretdb-postgresql (installs Debian's PostgreSQL).
DB_RUNG ?=
export MEESHY_DB_RUNG := $(DB_RUNG)
DB_RUNG_TOOLS := $(if $(filter ferretdb-postgresql,$(DB_RUNG)),postgresql)

.PHONY: setup test rehearse lint bench clean chromium postgresql

setup: $(VENV)/.installed .tools/bin/ferretdb node_modules/.installed chromium replica-tools $(DB_RUNG_TOOLS)

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

.tools/bin/ferretdb: tools/ferretdb/build.sh tools/ferretdb/go.mod $(wildcard tools/ferretdb/*.patch)
	tools/ferretdb/build.sh

# socket.io-client (served to the sandbox's pages) and allure (the report generator).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Playwright cannot download its browser here: Debian's Chromium stands in (meeshy_checks/checklib/chromium.py).
chromium: $(VENV)/.installed
	@test -x /usr/bin/chromium || $(BIN)/python -c 'import sys; from meeshy_checks.checklib.chromium import playwright_chromium_installed as p; sys.exit(not p())' \
		|| (apt-get update -qq && apt-get install -y -qq chromium)

# FerretDB's PostgreSQL backend: Debian's server, run as a private cluster (rehearsal/embedded_db_postgres.py).
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq postgresql)

# loadfile: the tests of one module share its fixtures on one worker (the replica journey is one per module).
test: setup
	$(BIN)/pytest -n 2 --dist loadfile

rehearse: setup
	$(BIN)/meeshy-ops rehearse --scale $(SCALE) --rollback-drill --report-dir reports

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/migration.py

clean:
	rm -rf var reports/*

# The replica's engine and tools: Docker engine + debootstrap (apt), Compose v2 and FerretDB (Go builds).
.PHONY: replica-tools
replica-tools:
	tools/docker/install.sh
	tools/compose/build.sh
	tools/ferretdb/build.sh

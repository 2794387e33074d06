# make run   — serve the graph on http://127.0.0.1:$(PORT)
# make test  — lint, type-check and test (embedded store, then over an Oxigraph server), as CI does
# make bench — install the bench extras and run the side-by-side benchmark (BENCH_ARGS='--quick' for S only)
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format clean install bench

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m graph_api serve --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph_api bench

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The server pass runs the suite again over Oxigraph servers that the tests start on 127.0.0.1 (tests/conftest.py).
# Left out: the bench generator and runner (no store in them), the embedded store's own modules (skipped there anyway),
# and the modules of writes and request limits (writes need the embedded store; their slow queries go on running in a
# server after the deadline, see docs/deployment.md).
SERVER_PASS_SKIPS := generate bench_run persistence bulk locks transactions audit changes update_delta document_input \
	malformed ssrf limits fuzz
test: lint
	$(BIN)/pytest
	GRAPH_API_TEST_BACKEND=server $(BIN)/pytest -p no:cacheprovider $(SERVER_PASS_SKIPS:%=--ignore=tests/test_%.py)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache $(STAMP)
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +

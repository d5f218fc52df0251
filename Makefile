# Each target does its own set-up on a fresh machine: venv, editable install, migrations, demo data.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= $(or $(STREAMLIT_SERVER_PORT),8501)
# Loopback by default: put a TLS reverse proxy in front to serve others (see the README).
ADDRESS ?= $(or $(STREAMLIT_SERVER_ADDRESS),127.0.0.1)
DEMO_DB := laa.db

.PHONY: install db run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Migrate (and load reference lists); seed the demo only when the database has no areas yet.
db: install
	$(BIN)/laa db upgrade
	$(BIN)/laa seed demo --if-empty

run: db
	$(BIN)/streamlit run dashboard/server.py --server.port $(PORT) --server.address $(ADDRESS) --server.headless true

# Unit and page tests on every core (TEST_JOBS, default one worker per core; each worker its
# own PostgreSQL database), then the browser tests one at a time: they time real servers.
TEST_JOBS ?= auto
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_JOBS) --dist loadfile tests/unit tests/app
	$(BIN)/python -m pytest -q tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks on their own databases (BENCH_DIR, default /tmp/laa-bench): each figure beside its
# floor, written to bench/results/. SCALES="demo national stress" chooses the scales.
bench: install
	$(BIN)/python -m bench.run $(if $(SCALES),--scales "$(SCALES)")

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

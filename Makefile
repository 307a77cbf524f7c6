# ResolutionFlow Bot — every target creates .venv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK=1

.PHONY: demo test lint typecheck bench perf pg clean fuzz soak

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rfbot db upgrade
	$(BIN)/rfbot flows import --bundled
	$(BIN)/rfbot console $(DEMO_ARGS)

pg:
	@scripts/ensure_postgres.sh

# pytest-xdist: the suite mostly waits (subprocesses, sockets, workers' polls), so 3 processes on 2 cores pay;
# worksteal rebalances the slow e2e tests. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 3
test: $(STAMP) pg
	$(BIN)/ruff check bot tests bench migrations
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot tests bench migrations
	$(BIN)/ruff format --check bot tests bench migrations

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP) pg
	$(BIN)/python -m bench

# docs/performance.md: every benchmark with its same-run baseline and target, and the machine it ran on. Long (the
# memory bench alone runs 10,000 sessions): run it on a quiet machine. `make perf PERF_QUICK=1` uses small sizes (a
# minute or two; the report says so); any BENCH_* variable sets one size, PERF_ARGS passes --only/--output.
PERF_QUICK ?=
perf: $(STAMP) pg
	PERF_QUICK=$(PERF_QUICK) $(BIN)/python -m bench.report $(PERF_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Property-based fuzzing and the attack corpus, long profile (thousands of examples per property; RFBOT_FUZZ_EXAMPLES
# sets how many); prints examples, failures and seconds per property. `make test` runs the same suite's CI profile.
fuzz: $(STAMP) pg
	RFBOT_FUZZ=long $(BIN)/python -m pytest -q tests/fuzz $(PYTEST_ARGS)

# Scale-out soak with fault drills (bench/soak.py): a PostgreSQL cluster of its own (never the shared one), 3 replicas
# behind a round-robin proxy, Slack + Teams + ConnectWise + FlowPilot traffic, a schedule firing every 5 s, and the
# drills kill, pg-restart, cw-outage, anthropic, slack-429; exits 1 on any duplicate or loss. Writes
# bench/last_soak.json (docs/performance.md includes it). SOAK_ARGS replaces the arguments, e.g.
# `make soak SOAK_ARGS="--drills kill,cw-outage --duration 60 --json"`.
SOAK_ARGS ?= --json
soak: $(STAMP)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

# Backbone: `make demo` runs the main job, `make test` runs the whole test suite.
# Both create .venv and install the project (with its test extras) on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench posterior clean-cache clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/backbone compare no_backbone baseline isolated_impact --replications 100
	mkdir -p out
	$(BIN)/backbone report no_backbone baseline isolated_impact --replications 30 --out out/report.html --force

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Every target of issue 13, measured, then one table with figure and verdict (bench/README.md).
BENCH_OUT := out/bench
bench: $(STAMP)
	mkdir -p $(BENCH_OUT)
	$(BIN)/python bench/probe.py --json $(BENCH_OUT)/probe_start.json
	$(BIN)/python bench/bench_model.py --json $(BENCH_OUT)/model.json
	$(BIN)/python bench/bench_sweep.py --json $(BENCH_OUT)/sweep.json
	$(BIN)/python bench/bench_app.py --json $(BENCH_OUT)/app.json
	$(BIN)/python bench/bench_cold_start.py --json $(BENCH_OUT)/cold.json
	$(BIN)/python bench/probe.py --json $(BENCH_OUT)/probe_end.json
	$(BIN)/python bench/summary.py $(BENCH_OUT)

# The shipped posterior (--posterior default): refit it whenever the model changes (a test
# checks its model fingerprint). Sizes default to experiments/calibration/targets.toml's
# [calibrate] table; a quick provisional fit: make posterior POSTERIOR_SIZE="--population 40 --generations 3"
POSTERIOR_OUT := out/posterior_default
POSTERIOR_SIZE ?=
posterior: $(STAMP)
	rm -rf $(POSTERIOR_OUT)
	mkdir -p out
	$(BIN)/backbone calibrate experiments/calibration/targets.toml --out $(POSTERIOR_OUT) $(POSTERIOR_SIZE) \
		--export experiments/calibration/posterior_default.json --force

# numba's compiled code lives in a folder keyed by a hash of the simulation sources
# (simulation/_cache.py: $$NUMBA_CACHE_DIR/<hash>, else ~/.cache/backbone/numba/<hash>), so
# an edit never runs old code. This removes every kept compile (and old in-tree files):
clean-cache:
	find simulation -name '*.nbi' -delete -o -name '*.nbc' -delete
	rm -rf "$${XDG_CACHE_HOME:-$$HOME/.cache}/backbone/numba"

clean: clean-cache
	rm -rf $(VENV)

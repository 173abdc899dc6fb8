# engramlab: `make demo` runs the main job, `make test` runs the test suite.
# Both create .venv and install the package into it on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= results

.PHONY: demo test lint venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/engramlab run sdm --out $(OUT)/sdm
	$(BIN)/engramlab theory sdm --n 64 --d 11 --out $(OUT)/theory-sdm
	@echo "Open $(OUT)/sdm/report.html in a browser (figures, key numbers, parameters; works offline)."

# the suite on one process more than there are cores, at most 4 (each holds its own Brian2 builds
# in memory): with one per core, 2 cores were busy 1.66 of 2 on average (a clean CI on 2026-12-03:
# 31.0 CPU-minutes in 18.7 minutes), idle while notebooks start kernels and builds link;
# tests sharing a spiking run stay on one process (tests/conftest.py)
JOBS ?= $(shell n=$$(nproc 2>/dev/null) && echo $$((n + 1)) || echo auto)
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n $(JOBS) --maxprocesses 4 --dist loadgroup

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check engramlab tests labs benchmarks
	$(BIN)/mypy engramlab

clean:
	rm -rf $(VENV) results .pytest_cache .mypy_cache .ruff_cache

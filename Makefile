# d2lite: `make book` builds the web book, `make test` runs every test.
# Both create .venv with the pinned requirements first.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.10 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

# Data: a local copy beside the repository (as in CI) wins; otherwise d2lite
# looks in ~/.cache/d2lite and downloads there.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)),)
export D2LITE_DATA_DIR ?= $(SHARED_DATA)
endif
# MXNet reads this once, when it loads; its default leaves half of a small CPU
# idle. On a machine shared with other busy programs, run
# `OMP_WAIT_POLICY=PASSIVE make test` (see "Speed on a CPU" in the README).
export OMP_NUM_THREADS ?= $(shell nproc 2>/dev/null || echo 1)
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: all venv test unit notebooks book check-book bench portability machine lab clean

all: test

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; \
	  sys.exit(0 if (3, 10) <= v <= (3, 11) else \
	  f"d2lite needs Python 3.10 or 3.11 (MXNet 1.9.1 needs NumPy 1.23), not {v[0]}.{v[1]}: run make PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# Unit tests and every notebook under book/ (nbval finds them), in one run.
# tests/browser needs a built book: `make check-book` runs it.
test: venv
	$(BIN)/python -m pytest tests book --ignore=tests/browser --nbval-lax --nbval-current-env --nbval-cell-timeout=900

unit: venv
	$(BIN)/python -m pytest tests --ignore=tests/browser

notebooks: venv
	$(BIN)/python -m pytest book --nbval-lax --nbval-current-env --nbval-cell-timeout=900

# Executes every notebook and writes _build/html (--all: every page, even when
# only d2lite changed); any Sphinx warning fails the build.
book: venv
	$(BIN)/jupyter-book build . --all --warningiserror --keep-going
	@echo "Open _build/html/index.html"

# Builds the book, then opens every page in headless Chromium and checks what a
# reader sees (math typeset, no JS errors, images, no outside request, outputs
# within the column); screenshots go to _build/screenshots/.
check-book: book
	$(BIN)/python -m pytest tests/browser

# Training throughput against PyTorch (in its own environment, .venv-bench),
# MXNet's settings one by one, and the book's time per chapter from the last
# `make notebooks` or `make test`; writes _build/bench.json.
BENCH_VENV := .venv-bench

$(BENCH_VENV)/.installed: benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r benchmarks/requirements.txt
	touch $@

bench: venv $(BENCH_VENV)/.installed
	$(BIN)/python benchmarks/run.py --torch-python $(BENCH_VENV)/bin/python

# Every notebook and the unit tests under settings that stand in for other
# CPUs (oneDNN's AVX2 and SSE4.1 kernels, 1 and 4 threads, MXNet's operator
# tuning off) and seeds shifted by 1 and 2; prints which checks failed where
# and the headline numbers by setting. Hours on 2 cores: run it before
# resolving a chapter issue, not in CI. Results (and executed notebooks) go
# to _build/portability/; a finished setting is not run again (FRESH=1 reruns).
# Pick with SETTINGS="sse41 seed1" and NOTEBOOKS="book/rnn"; JOBS settings run at
# a time (2: two settings share the cores, which is faster than one after
# the other on a small CPU).
JOBS ?= 2
portability: venv
	$(BIN)/python tests/portability.py $(if $(SETTINGS),--settings $(SETTINGS)) \
	  $(if $(NOTEBOOKS),--notebooks $(NOTEBOOKS)) $(if $(FRESH),--fresh) --jobs $(JOBS)

# The CPU, core count and the instruction set oneDNN uses here.
machine: venv
	@$(BIN)/python tests/portability.py --machine

lab: venv
	$(BIN)/jupyter lab book

clean:
	rm -rf _build .pytest_cache

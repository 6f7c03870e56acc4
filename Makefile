# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080

.PHONY: run test lint clean

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	$(VENV)/bin/signet serve --port $(PORT)

test: $(VENV)/.dev
	sh tests/setup_system.sh  # Chromium and nginx, which the tests drive (apt, once)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# `make bench BENCH_ARGS="--quick"`: Signet vs thumbor vs the Pillow limit (see bench/README.md).
.PHONY: bench
bench: $(VENV)/.runtime
	$(PY) -m bench $(BENCH_ARGS)

# `make gallery`: the stock-photo gallery example on :8000, beside Signet's demo on :8080.
.PHONY: gallery
gallery: $(VENV)/.dev  # it fills the media library with ImageKit's SDK, a dev dependency
	$(PY) -m examples.gallery

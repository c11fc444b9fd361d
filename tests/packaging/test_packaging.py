"""The package as users get it (slow: run by `make install-check` and `make package`, not by
`make test`; they build the package and install into fresh venvs from the package registries).

* Installing the wheel into an environment that already has plain `tensorflow` (Colab's) keeps
  that TensorFlow, Keras and NumPy, adds no second TensorFlow, and `python -m comparisons xor`
  passes there (tools/compat.py install-check does the work; these tests read its report).
* `python -m build` and `twine check` pass; the wheel holds the three packages and the licence and
  no tests or development tools; the sdist holds every file of tests/ and runs its own tests.
"""
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

COLAB_ENVIRONMENTS = {  # the TensorFlow, Keras and NumPy Colab has shipped (Python 3.11 builds)
    "tensorflow-2.19": ("tensorflow==2.19.1", "keras==3.10.0", "numpy==2.0.2"),
    "tensorflow-2.20": ("tensorflow==2.20.0", "keras==3.10.0", "numpy==2.0.2"),
}


@pytest.mark.parametrize("name", COLAB_ENVIRONMENTS)
def test_wheel_installs_beside_plain_tensorflow_and_xor_passes(name, tmp_path):
    packages = COLAB_ENVIRONMENTS[name]
    report_path = tmp_path / "report.json"
    result = subprocess.run([sys.executable, REPO / "tools" / "compat.py", "install-check", "--workdir", tmp_path,
                             "--json", report_path, "--packages", *packages], capture_output=True, text=True,
                            timeout=1800)
    report = json.loads(report_path.read_text())
    assert report["install"] == "ok, environment kept", report
    assert report["changed"] == []  # no distribution of the environment changed version
    assert "tensorflow-cpu" not in report["added"] and "tensorflow" not in report["added"]
    assert "scratchnet" in report["added"]
    assert report["import_ok"], report["import_tensorflow"]
    tensorflow, keras, location = report["import_tensorflow"].split(" ")
    assert (tensorflow, keras) == (packages[0].split("==")[1], packages[1].split("==")[1])
    assert "site-packages" in location  # the installed wheel ran, not this checkout
    assert report["xor_exit"] == 0 and report["xor_verdict"].startswith("xor: PASSED"), report
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The sdist and wheel `python -m build` makes of this checkout (the sdist first, then the
    wheel from it, as build does by default)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", out, REPO], check=True, capture_output=True,
                   timeout=900)
    sdist, = out.glob("scratchnet-*.tar.gz")
    wheel, = out.glob("scratchnet-*.whl")
    return sdist, wheel


def test_twine_check_passes(dist):
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *dist], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_wheel_holds_the_packages_and_the_licence_and_no_tests_or_tools(dist):
    names = zipfile.ZipFile(dist[1]).namelist()
    tops = {name.split("/")[0] for name in names}
    info = next(top for top in tops if top.endswith(".dist-info"))
    assert tops == {"scratchnet", "reference_keras", "comparisons", info}
    assert f"{info}/licenses/LICENSE" in names
    assert "MIT License" in zipfile.ZipFile(dist[1]).read(f"{info}/licenses/LICENSE").decode()
    metadata = zipfile.ZipFile(dist[1]).read(f"{info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert not [line for line in requires if line.startswith("Requires-Dist: tensorflow") and "extra ==" not in line]
    assert "Requires-Dist: tensorflow<2.22,>=2.18; extra == \"tensorflow\"" in requires
    assert "Requires-Dist: tensorflow-cpu<2.22,>=2.18; extra == \"tensorflow-cpu\"" in requires
    source = {str(path.relative_to(REPO)) for top in ("scratchnet", "reference_keras", "comparisons")
              for path in (REPO / top).rglob("*.py")}
    modules = {name for name in names if name.endswith(".py")}
    assert modules == source
    assert not [name for name in names if name.startswith(("tests/", "tools/"))]


def test_sdist_holds_every_file_of_tests_and_the_build_inputs(dist):
    with tarfile.open(dist[0]) as sdist:
        root = sdist.getnames()[0].split("/")[0]
        names = {name[len(root) + 1:] for name in sdist.getnames()}
    tests = {str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("*")
             if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}
    assert {"tests/conftest.py", "tests/reference_keras/keras_optimizer_goldens.json"} <= tests
    assert tests - names == set()  # conftest, goldens, book_style/, corpus/ data: all of tests/
    assert {"LICENSE", "pyproject.toml", "README.md", "Makefile", "MANIFEST.in"} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


def test_unpacked_sdist_runs_its_own_tests(dist, tmp_path):
    """The unpacked sdist's code and tests, not this checkout's: every test module collects, and the
    ones that read the test data (the goldens, book_style/, corpus/) pass, with reference_keras's."""
    with tarfile.open(dist[0]) as sdist:
        sdist.extractall(tmp_path, filter="data")
    root, = tmp_path.iterdir()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    where = subprocess.run([sys.executable, "-c", "import scratchnet, comparisons; print(scratchnet.__file__)"],
                           cwd=root, capture_output=True, text=True, env=env)
    assert Path(where.stdout.strip()).is_relative_to(root)
    readers = sorted(str(path.relative_to(root)) for path in (root / "tests").rglob("test_*.py")
                     if any(word in path.read_text() for word in ("book_style", "goldens", "corpus")))
    assert readers
    collected = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
                                "tests"], cwd=root, capture_output=True, text=True, env=env, timeout=600)
    assert collected.returncode == 0, collected.stdout[-3000:]
    ran = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *readers,
                          "tests/reference_keras"], cwd=root, capture_output=True, text=True, env=env, timeout=1500)
    assert ran.returncode == 0, ran.stdout[-3000:]
    assert " passed" in ran.stdout.splitlines()[-1] and "failed" not in ran.stdout.splitlines()[-1]

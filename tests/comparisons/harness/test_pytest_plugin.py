"""The pytest plugin: from a throwaway project outside the repository (a subprocess running
this environment's pytest, which finds the plugin through the pytest11 entry point), a test
taking the `assert_matches_keras` fixture passes for correct code and fails with the diagnosis
for a mistake, and the header names the Keras and TensorFlow versions. In this repository the
entry point loads the plugin and tests/conftest.py does not load it again."""
import os
import subprocess
import sys
from importlib import metadata

import reference_keras as rk
import scratchnet
from comparisons.harness import pytest_plugin

MY_LAYERS = '''
import numpy as np


class MyAffine:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.W.T


class MyRelu:
    def forward(self, x):
        self.mask = x <= 0
        return np.maximum(x, 0)

    def backward(self, dout):
        return dout.copy()  # forgot the mask
'''

TESTS = '''
import numpy as np
from my_layers import MyAffine, MyRelu


def test_my_affine(assert_matches_keras):
    assert_matches_keras(MyAffine(np.random.default_rng(0).normal(size=(4, 3)), np.zeros(3)))


def test_my_relu(assert_matches_keras):
    assert_matches_keras(MyRelu())
'''


def test_the_fixture_works_in_a_throwaway_project(tmp_path):
    project = tmp_path / "learner_project"
    project.mkdir()
    (project / "my_layers.py").write_text(MY_LAYERS)
    (project / "test_layers.py").write_text(TESTS)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras"), "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # one test fails, as it should
    tensorflow = next(iter(rk._environment.installed_distributions().values()))  # tensorflow or tensorflow-cpu
    header = f"assert_matches_keras: Keras {metadata.version('keras')}, TensorFlow {tensorflow}"
    assert header in out
    assert "1 failed, 1 passed" in out
    assert "FAILED test_layers.py::test_my_relu" in out and "test_my_affine PASSED" not in out
    assert "MyRelu (ReLU layer, float64): FAILED" in out
    assert "no mask: the gradient passes where the ReLU is inactive" in out
    assert sorted(p.name for p in project.iterdir()) == ["my_layers.py", "test_layers.py"]


def test_this_repository_loads_the_plugin_once(request, assert_matches_keras):
    manager = request.config.pluginmanager
    assert [plugin for plugin in manager.get_plugins() if plugin is pytest_plugin] == [pytest_plugin]
    assert manager.get_plugin("scratchnet") is pytest_plugin
    assert assert_matches_keras(scratchnet.layers.Tanh()).passed


OWN_PACKAGE_TESTS = '''
from comparisons import check


def test_the_projects_own_check():
    assert check(2) == "the project's own check of 2"


def test_the_fixture_says_why_it_cannot_run(assert_matches_keras):
    assert_matches_keras(None)
'''


def test_a_project_with_its_own_comparisons_package_imports_its_own(tmp_path):
    """Under plain pytest the plugin (loaded first, from scratchnet's comparisons) must not make the
    project's `from comparisons import check` silently return scratchnet's."""
    project = tmp_path / "own_project"
    (project / "comparisons").mkdir(parents=True)
    own = "def check(x):\n    return f\"the project's own check of {x}\"\n"
    (project / "comparisons" / "__init__.py").write_text(own)
    (project / "test_own.py").write_text(OWN_PACKAGE_TESTS)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras"), "MPLCONFIGDIR": str(tmp_path / "matplotlib"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=120)
    out = result.stdout
    assert "1 passed, 1 error" in out, out + result.stderr  # the fixture refuses at its set-up
    assert "PASSED test_own.py::test_the_projects_own_check" in out
    assert (f"assert_matches_keras: this project has its own package named comparisons ({project / 'comparisons'})"
            in out)

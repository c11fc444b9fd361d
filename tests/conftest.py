"""Shared fixtures, and Keras and matplotlib kept out of the user's home during tests: both
write config files on import (~/.keras/keras.json, ~/.config/matplotlib), so they are pointed at
a throw-away folder before anything imports them. (TensorFlow's log level and the like are set
by reference_keras itself, in its one place for them.)"""
import os
import tempfile

import numpy as np
import pytest

_scratch_home = tempfile.mkdtemp(prefix="scratchnet-tests-")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_scratch_home, "matplotlib"))
os.environ.setdefault("KERAS_HOME", os.path.join(_scratch_home, "keras"))


def pytest_configure(config):
    """The `assert_matches_keras` fixture comes from the project's pytest plugin, which the
    `pytest11` entry point loads wherever scratchnet is installed. Register it here only when it
    is not loaded already (an install older than the entry point): listing it in `pytest_plugins`
    as well would register the module twice, which pluggy refuses ("Plugin already registered
    under a different name")."""
    from comparisons.harness import pytest_plugin
    if not config.pluginmanager.is_registered(pytest_plugin):
        config.pluginmanager.register(pytest_plugin, "scratchnet")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    """Tables are rendered to the terminal's width (80 to 120 columns), so a test that looks for
    a phrase in a table would depend on the terminal it runs in (pytest-xdist's workers and many
    terminals say 80). Tests see the widest form; wrapping has its own tests with explicit widths."""
    monkeypatch.setenv("COLUMNS", "120")


@pytest.fixture(scope="session")
def mnist_sample():
    """The first 5,000 MNIST training images (float64, flattened) and their integer labels."""
    from scratchnet.datasets import DatasetError, load
    try:
        (x, t), _ = load("mnist", dtype=np.float64)
    except DatasetError as error:
        pytest.fail(f"MNIST is not provisioned: {error}")
    return x[:5000], t[:5000].astype(np.int64)


@pytest.fixture
def assert_twin():
    """`assert_twin(model, x, t)`: the model and its Keras twin (built by to_keras unless given)
    agree on this batch, with the tolerance table's numbers for the model's dtype: every layer's
    output (shape, dtype, values; in training and inference mode for Dropout/BatchNormalization),
    the loss, every parameter gradient (shape, dtype, values; also against central differences at
    a few entries) and the gradient of the input. Fails with the table of failed checks and the
    diagnosis. Returns the checks."""
    import reference_keras
    from comparisons.core.one_batch import twin_checks

    def check(model, x, t, keras_model=None, numerical_samples=2):
        keras_model = keras_model if keras_model is not None else reference_keras.to_keras(model)
        checks, diagnosis = twin_checks(model, keras_model, x, t, numerical_samples=numerical_samples,
                                        input_gradient=True)
        failed = [f"{c.name}: {c.value:.3g} > {c.tolerance:g} {c.diagnosis}" for c in checks if not c.passed]
        assert not failed, "\n".join(failed + diagnosis)
        return checks
    return check

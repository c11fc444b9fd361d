"""The pytest plugin (entry point `scratchnet` under pytest11 in pyproject.toml): in any project
where scratchnet is installed,

    def test_my_affine(assert_matches_keras):
        assert_matches_keras(MyAffine(W, b))

checks the object against Keras (comparisons.harness.assert_matches_keras) and fails with the
table of checks and the diagnosis. The report header names the Keras and TensorFlow versions.
Loading the plugin imports neither; the first use of the fixture imports Keras. Disable it with
`-p no:scratchnet`.
"""
from importlib import metadata

import pytest


def _version(*distributions):
    for name in distributions:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def pytest_report_header(config):
    return (f"scratchnet {_version('scratchnet')} assert_matches_keras: Keras {_version('keras')}, "
            f"TensorFlow {_version('tensorflow', 'tensorflow-cpu')}")


@pytest.fixture
def assert_matches_keras():
    """`assert_matches_keras(obj, x=None, t=None, dtype="float64")`: obj (a layer, loss layer,
    network or optimizer in the deep-learning-from-scratch book's contract, or scratchnet's)
    matches Keras on seeded inputs; an AssertionError carries the table and the diagnosis."""
    from .core import assert_matches_keras as check
    return check

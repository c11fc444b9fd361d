"""The pytest plugin (entry point `scratchnet` under pytest11 in pyproject.toml): in any project
where scratchnet is installed,

    def test_my_affine(assert_matches_keras):
        assert_matches_keras(MyAffine(W, b))

checks the object against Keras (comparisons.harness.assert_matches_keras) and fails with the
table of checks and the diagnosis. The report header names the Keras and TensorFlow versions.
Loading the plugin imports neither; the first use of the fixture imports Keras. Disable it with
`-p no:scratchnet`.

A project with its own package named `comparisons` (found at the root pytest runs in, or in its
src/ folder) would otherwise import scratchnet's, which loading the plugin put in sys.modules:
there the plugin takes scratchnet's `comparisons` out of sys.modules at start-up, so the
project's own imports find its package, and the fixture fails with a message saying why it
cannot run beside it.
"""
import sys
from importlib import metadata
from pathlib import Path

import pytest

_OURS = Path(__file__).resolve().parents[1]  # scratchnet's comparisons package
_foreign = []  # the project's own comparisons package, when it has one


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


def _projects_comparisons(config):
    """The folder of a `comparisons` package of the project under test that is not scratchnet's."""
    roots = {Path(config.rootpath), Path(config.invocation_params.dir)}
    for root in sorted(roots):
        for folder in (root / "comparisons", root / "src" / "comparisons"):
            if (folder / "__init__.py").is_file() and folder.resolve() != _OURS:
                return folder
    return None


def pytest_configure(config):
    folder = _projects_comparisons(config)
    if folder is None:
        return
    _foreign[:] = [folder]
    for name in [name for name in sys.modules if name == "comparisons" or name.startswith("comparisons.")]:
        module = sys.modules[name]
        if Path(getattr(module, "__file__", None) or _OURS).resolve().is_relative_to(_OURS):
            del sys.modules[name]  # the project's `import comparisons` then finds its own package


@pytest.fixture
def assert_matches_keras():
    """`assert_matches_keras(obj, x=None, t=None, dtype="float64")`: obj (a layer, loss layer,
    network or optimizer in the deep-learning-from-scratch book's contract, or scratchnet's)
    matches Keras on seeded inputs; an AssertionError carries the table and the diagnosis."""
    if _foreign:
        pytest.fail(f"assert_matches_keras: this project has its own package named comparisons ({_foreign[0]}), "
                    f"which hides scratchnet's comparisons that the fixture runs on; rename the project's package "
                    f"(or run the checks with `python -m comparisons check FILE.py`)", pytrace=False)
    from .core import assert_matches_keras as check
    return check

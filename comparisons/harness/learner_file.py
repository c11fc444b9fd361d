"""Import a learner's Python file for `python -m comparisons check FILE.py`, and leave no trace.

The file runs as a script would from its own folder (its folder first on sys.path and as the
working directory, so the book's `sys.path.append(os.pardir)` finds `common/`; the parent folder
last on sys.path, so that common/layers.py itself finds `common.functions`), under a module
name of its own, so an `if __name__ == "__main__":` block does not run. Afterwards sys.path, the
working directory, NumPy's global RNG and error settings, the warning filters and sys.modules
(the learner's own modules are dropped again) are as they were, and no bytecode was written.
"""
import contextlib
import os
import runpy
import sys
import sysconfig
import warnings
from pathlib import Path

import numpy as np

RUN_NAME = "__learner_file__"
OUR_PACKAGES = ("scratchnet", "reference_keras", "comparisons")
_INSTALLED = tuple(Path(p).resolve() for p in {sysconfig.get_paths()[key] for key in
                                                  ("stdlib", "platstdlib", "purelib", "platlib")})


class FileDoesNotImport(Exception):
    """The file raised (a syntax error, a missing module, anything) while being imported."""


def _learners(module):
    """True for a module of the learner's own: not ours, not installed, not built in."""
    if module is None or module.__name__.split(".")[0] in OUR_PACKAGES:
        return False
    file = getattr(module, "__file__", None)
    if not file:
        return False
    file = Path(file).resolve()
    return not any(file.is_relative_to(root) for root in _INSTALLED)


@contextlib.contextmanager
def _restored_process_state(folder):
    saved_path, saved_modules, saved_cwd = list(sys.path), set(sys.modules), os.getcwd()
    saved_rng, saved_err, saved_bytecode = np.random.get_state(), np.geterr(), sys.dont_write_bytecode
    sys.path.insert(0, str(folder))
    sys.path.append(str(folder.parent))
    sys.dont_write_bytecode = True
    os.chdir(folder)
    try:
        with warnings.catch_warnings():
            yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        np.random.set_state(saved_rng)
        np.seterr(**saved_err)
        for name in set(sys.modules) - saved_modules:
            if _learners(sys.modules.get(name)):
                del sys.modules[name]


def load_classes(path):
    """The classes of a learner's file, in the order its namespace holds them: those it defines,
    and those it imports from the learner's other files (the book's `from common.layers import *`),
    not those from installed packages or from this project."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    learner_modules = {RUN_NAME}
    with _restored_process_state(path.parent):
        before = set(sys.modules)
        try:
            namespace = runpy.run_path(str(path), run_name=RUN_NAME)
        except BaseException as err:  # noqa: BLE001  (SystemExit and KeyboardInterrupt included: the file ran them)
            if isinstance(err, KeyboardInterrupt):
                raise
            raise FileDoesNotImport(f"{type(err).__name__}: {err}") from err
        learner_modules |= {name for name in set(sys.modules) - before if _learners(sys.modules[name])}
    return [value for value in namespace.values()
            if isinstance(value, type) and value.__module__ in learner_modules]

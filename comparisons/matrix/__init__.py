"""The coverage matrix: `python -m comparisons matrix`. Every optimizer and loss variant with every
activation, L2, weight decay and clip option on small networks (a covering design: design.py; one
row: rows.py), and sections for the initializers, scratchnet.functions, the optimizers' options
and the round trips of a model, all against Keras in float64. `run(seed) -> Report` (whole.py);
the package itself is callable, so that `comparisons.matrix(seed=0)` is `comparisons.matrix.run(seed=0)`.
"""
import sys
import types


def run(seed=0, rows=None, fail_fast=False):
    """The whole matrix as a Report (see whole.run); imports Keras."""
    from .whole import run as run_matrix
    return run_matrix(seed, rows=rows, fail_fast=fail_fast)


class _CallableModule(types.ModuleType):
    """This package, callable as its `run` (the Python entry point `comparisons.matrix()`)."""

    def __call__(self, seed=0, rows=None, fail_fast=False):
        return run(seed, rows=rows, fail_fast=fail_fast)


sys.modules[__name__].__class__ = _CallableModule

"""comparisons: run scratchnet and Keras from identical weights and batches, check that forward
passes, losses, gradients, trajectories and accuracies agree, and report it.

Pipelines, each `run(...) -> Report` (core.result): scenarios (xor, mnist, ..., all), matrix,
harness (a learner's own code: `check`, check FILE.py, the bug zoo, the pytest plugin), course
(the course texts) and studies (speed, the book's optimizers), around a shared core (checks,
tolerances, one-batch checks, lockstep) and one renderer (render); report_diff compares two runs.
Entry points: `python -m comparisons COMMAND` (cli), and in Python one function per command
(api), each returning a Report that shows itself in a notebook:

    import comparisons
    comparisons.run("xor")                   comparisons.matrix()
    comparisons.course.run("001")            comparisons.check_file("my_layers.py")
    comparisons.bugzoo()                     comparisons.speed(steps=50)
    comparisons.book_optimizers()            comparisons.diff("old/xor.json", "new/xor.json")
    comparisons.check(MyAffine)              comparisons.assert_matches_keras(my_layer)

Importing comparisons loads no Keras: every name here is imported on first use (the functions
load Keras when they run; diff never does).
"""

__all__ = ["check", "assert_matches_keras", "run", "matrix", "course", "check_file", "check_files", "bugzoo",
           "speed", "book_optimizers", "diff", "render", "Report", "Reports"]
_HARNESS = ("check", "assert_matches_keras")
_API = ("run", "check_file", "check_files", "bugzoo", "speed", "book_optimizers", "diff")
_MODULES = ("matrix", "course", "render")  # comparisons.matrix(...) calls matrix.run


def __getattr__(name):
    if name in _HARNESS:
        from . import harness
        return getattr(harness, name)
    if name in _API:
        from . import api
        return getattr(api, name)
    if name in _MODULES:
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    if name in ("Report", "Reports"):
        from .core import result
        return getattr(result, name)
    raise AttributeError(f"module 'comparisons' has no attribute {name!r}")

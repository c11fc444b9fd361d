"""comparisons: run scratchnet and Keras from identical weights and batches, check that forward
passes, losses, gradients, trajectories and accuracies agree, and report it.

Pipelines, each `run(...) -> Report` (core.result): scenarios (xor, mnist, ..., all), matrix,
harness (a learner's own code: `check`, check FILE.py, the bug zoo, the pytest plugin), course
(the course texts) and studies (speed, the book's optimizers), around a shared core (checks,
tolerances, one-batch checks, lockstep) and one renderer (render). Entry point:
`python -m comparisons COMMAND` (cli); in Python, `comparisons.scenarios.run(PRESETS["xor"])`.
`comparisons.check(obj)` and `comparisons.assert_matches_keras(obj)` check a learner's layers,
networks and optimizers (importing them loads Keras, so they are imported on first use).
"""

__all__ = ["check", "assert_matches_keras"]


def __getattr__(name):
    if name in __all__:
        from . import harness
        return getattr(harness, name)
    raise AttributeError(f"module 'comparisons' has no attribute {name!r}")

"""comparisons: run scenarios on scratchnet and Keras from identical weights and batches, check
that forward passes, losses, gradients, trajectories and accuracies agree, and report it.

Entry point: `python -m comparisons COMMAND` (see `comparisons.cli`); in Python,
`comparisons.runner.run(comparisons.scenarios.PRESETS["xor"])`. For a learner's own layers,
networks and optimizers: `comparisons.check(obj)` and `comparisons.assert_matches_keras(obj)`
(comparisons.harness; importing them loads Keras, so they are imported on first use).
"""

__all__ = ["check", "assert_matches_keras"]


def __getattr__(name):
    if name in __all__:
        from . import harness
        return getattr(harness, name)
    raise AttributeError(f"module 'comparisons' has no attribute {name!r}")

"""comparisons: run scenarios on scratchnet and Keras from identical weights and batches, check
that forward passes, losses, gradients, trajectories and accuracies agree, and report it.

Entry point: `python -m comparisons COMMAND` (see `comparisons.cli`); in Python,
`comparisons.runner.run(comparisons.scenarios.PRESETS["xor"])`.
"""

"""The scenarios: `python -m comparisons xor | mnist | ... | all`. Each runs a network on both
sides from identical weights and batches and checks one batch, the lockstep training and the
final numbers (runner), with the scenario's own extras (the conventions it stands for).

    from comparisons import scenarios
    report = scenarios.run(scenarios.PRESETS["xor"])

Importing this package loads neither Keras nor TensorFlow; `run` does.
"""
from .architectures import ARCHITECTURES, build_model, build_optimizer, input_size, load_data
from .settings import ALL, OPTIMIZER_OPTIONS, PRESETS, QUICK, QUICK_IN_ALL, Settings

__all__ = ["ALL", "ARCHITECTURES", "OPTIMIZER_OPTIONS", "PRESETS", "QUICK", "QUICK_IN_ALL", "Settings", "build_model",
           "build_optimizer", "input_size", "load_data", "run"]


def run(settings, progress=None, data=None):
    """Run `settings` (a Settings) on both sides; returns the Report (see runner.run)."""
    from .runner import run as run_scenario
    return run_scenario(settings, progress=progress, data=data)

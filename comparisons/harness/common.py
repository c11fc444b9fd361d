"""What every kind of check shares: the learner's calls (whatever they raise becomes a failed
check) and the seeded draws."""
import numpy as np

from ..checks import Check

INF = float("inf")


class LearnerFailure(Exception):
    """The learner's code raised; the check it was running fails with this message."""

    def __init__(self, stage, err):
        super().__init__(f"{stage} raised {type(err).__name__}: {err}")
        self.stage = stage


class BadInput(ValueError):
    """The inputs given to `check` do not fit the object checked (raised to the caller, not a finding)."""


def call(stage, fn, *args):
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001  (anything a learner's code raises becomes a failed check)
        raise LearnerFailure(stage, err) from err


class Draws:
    """Seeded inputs, weights and upstream gradients in the checked dtype."""

    def __init__(self, seed, dtype):
        self.seed, self.dtype = seed, np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

    def normal(self, shape, scale=1.0):
        return (self.rng.normal(size=shape) * scale).astype(self.dtype)

    def activation_input(self, shape=(5, 6)):
        """Values across the activations' interesting range, every fourth one exactly 0 (ReLU's kink)."""
        x = self.normal(shape, 2.0)
        x.flat[::4] = 0.0
        return x


def failure(err, case, tol):
    """The failed check for a learner's call that raised."""
    return Check(f"{err.stage} ({case})" if case else err.stage, INF, tol, False, str(err))

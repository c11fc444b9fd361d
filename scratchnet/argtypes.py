"""argparse helpers shared by `python -m scratchnet.datasets` and `python -m comparisons`: one-line
usage errors (exit status 2) and argument types that refuse bad numbers with a clear message."""
import argparse
import math


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit status 2 (argparse's own prints the usage too)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def count(minimum=1):
    """An argparse type: an integer of at least `minimum` (a size, a number of steps)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value
    parse.__name__ = f"integer >= {minimum}"
    return parse


SEED_LIMIT = 2**32  # np.random.seed (which Keras's set_random_seed calls) takes seeds below 2**32


def seed(text):
    """An argparse type: a seed, an integer in [0, 2**32) (what NumPy's legacy seeding and so
    Keras's set_random_seed accept)."""
    value = count(0)(text)
    if value >= SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"expected an integer in [0, 2**32 - 1 = {SEED_LIMIT - 1}], got {value}")
    return value


seed.__name__ = "seed"


def real(positive=False):
    """An argparse type: a finite number (NaN and inf are refused), positive if asked."""
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or (positive and value <= 0):
            raise argparse.ArgumentTypeError(f"expected a finite {'positive ' if positive else ''}number, "
                                             f"got {text!r}")
        return value
    parse.__name__ = "positive number" if positive else "number"
    return parse

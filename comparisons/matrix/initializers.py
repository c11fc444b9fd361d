"""scratchnet's initializers against Keras's: a large seeded draw from each side, compared as
distributions (mean, standard deviation, the share of values beyond two standard deviations,
the bound, and the two-sample Kolmogorov-Smirnov statistic). Weights are copied from scratchnet
to Keras in every other check, so this is the one place where a wrong fan or scale shows."""
import math

import numpy as np

import reference_keras
from scratchnet import initializers

from ..core.check import Check
from ..core.tolerances import INITIALIZER_BOUND_RTOL, INITIALIZER_DRAW_SHAPE, INITIALIZER_KS_ALPHA, INITIALIZER_Z

# name -> a factory of the scratchnet initializer: every registry entry with
# its defaults, plus the textbook's untruncated He initialisation.
CASES = {**{name: (lambda cls=cls: cls()) for name, cls in initializers.INITIALIZERS.items()},
         "he_normal (truncated=False)": lambda: initializers.HeNormal(truncated=False)}


def ks_statistic(a, b):
    """The two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    points = np.concatenate([a, b])
    gap = np.searchsorted(a, points, side="right") / a.size - np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(gap)))


def draws(name, seed=0):
    """(scratchnet's draw, Keras's draw, whether Keras's distribution is bounded) of
    INITIALIZER_DRAW_SHAPE float64 values."""
    sn_init = CASES[name]()
    ours = sn_init(INITIALIZER_DRAW_SHAPE, np.random.default_rng(seed), np.float64)
    keras_init = reference_keras.keras_initializer(sn_init, seed=seed)
    theirs = np.asarray(keras_init(INITIALIZER_DRAW_SHAPE, dtype="float64"))
    bounded = getattr(keras_init, "distribution", None) in ("truncated_normal", "uniform")  # VarianceScaling
    return ours, theirs, bounded


def _check(initializer, statistic, value, tol, note=""):
    return Check(f"initializer {initializer}: {statistic}", float(value), float(tol), bool(value <= tol), note,
                 kind="initializer", subject=initializer)


def distribution_checks(name, ours, theirs, bounded):
    """Checks of scratchnet's draw `ours` against Keras's `theirs`, whose distribution is
    `bounded` (a truncated normal or a uniform) or not (see tolerances.py for the tolerances)."""
    return list(_statistics(name, ours, theirs, bounded).values())


def _statistics(name, ours, theirs, bounded):
    """distribution_checks by statistic: "shape", "zeros", "mean", "std", "beyond", "ks", "bound"."""
    z, n = INITIALIZER_Z, theirs.size
    if ours.shape != theirs.shape or ours.dtype != theirs.dtype:
        return {"shape": Check(f"initializer {name}: shape and dtype", float("inf"), 0.0, False,
                               f"{ours.shape} {ours.dtype} vs Keras {theirs.shape} {theirs.dtype}", kind="initializer",
                               subject=name)}
    std = float(np.std(theirs))
    if std == 0.0:  # Zeros
        return {"zeros": _check(name, "max |value| (Keras: all 0)", np.max(np.abs(ours)), 0.0)}
    ours_std = float(np.std(ours))
    beyond = 2.0 * std
    p_ours, p_theirs = np.mean(np.abs(ours) > beyond), np.mean(np.abs(theirs) > beyond)
    p = max(float(p_theirs), 1.0 / n)
    checks = {
        "mean": _check(name, "mean difference / std", abs(np.mean(ours) - np.mean(theirs)) / std,
                       z * math.sqrt(2.0 / n)),
        "std": _check(name, "std ratio - 1", abs(ours_std / std - 1.0), z * math.sqrt(2.0 * 2.0 / (4 * n)),
                      f"std {ours_std:.6g} vs Keras {std:.6g}"),
        "beyond": _check(name, "share beyond 2 std (Keras's), difference", abs(p_ours - p_theirs),
                         max(z * math.sqrt(2.0 * p * (1.0 - p) / n), z / n), f"{p_ours:.4%} vs Keras {p_theirs:.4%}"),
        "ks": _check(name, "Kolmogorov-Smirnov D", ks_statistic(ours, theirs),
                     math.sqrt(-math.log(INITIALIZER_KS_ALPHA / 2.0) / 2.0) * math.sqrt(2.0 / n)),
    }
    if bounded:  # a truncated normal or a uniform: the largest values reach the same bound
        top_ours, top_theirs = float(np.max(np.abs(ours))), float(np.max(np.abs(theirs)))
        checks["bound"] = _check(name, "max |value| ratio - 1", abs(top_ours / top_theirs - 1.0),
                                 INITIALIZER_BOUND_RTOL, f"{top_ours:.6g} vs Keras {top_theirs:.6g}")
    return checks


def initializer_checks(seed=0):
    """(checks, table rows) for every initializer."""
    checks, rows = [], []
    for name in CASES:
        ours, theirs, bounded = draws(name, seed)
        statistics = _statistics(name, ours, theirs, bounded)
        found = list(statistics.values())
        checks.extend(found)
        ks = statistics["ks"].value if "ks" in statistics else None
        rows.append([name, f"{np.mean(ours):.2e} / {np.mean(theirs):.2e}", f"{np.std(ours):.5f} / {np.std(theirs):.5f}",
                     f"{np.max(np.abs(ours)):.5f} / {np.max(np.abs(theirs)):.5f}" + (" (bound)" if bounded else ""),
                     "-" if ks is None else f"{ks:.4f}", "pass" if all(c.passed for c in found) else "FAIL"])
    return checks, rows


INITIALIZER_HEADERS = ["initializer", "mean (scratchnet / Keras)", "std", "max |value|", "KS D", "result"]

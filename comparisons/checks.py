"""A check is one measured difference against its tolerance; a failed check carries a
diagnosis of what the difference looks like (a constant ratio, a sign, a transpose, ...)."""
from dataclasses import asdict, dataclass

import numpy as np

from scratchnet.gradcheck import relative_error

from .tolerances import tolerance


@dataclass
class Check:
    name: str
    value: float
    tolerance: float
    passed: bool
    diagnosis: str = ""

    def as_dict(self):
        return asdict(self)


def compare(name, ours, theirs, tol, batch_size=None):
    """Check scratchnet's array `ours` against the reference `theirs`: dtype, shape, then values."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.dtype != theirs.dtype:
        return Check(name, float("inf"), tol, False, f"dtype {ours.dtype} vs Keras {theirs.dtype}")
    ours, theirs = ours.astype(np.float64), theirs.astype(np.float64)
    if ours.shape != theirs.shape:
        return Check(name, float("inf"), tol, False, diagnose_shapes(ours, theirs, batch_size))
    value = relative_error(ours, theirs)
    passed = bool(value <= tol)
    return Check(name, value, tol, passed, "" if passed else diagnose(ours, theirs, batch_size))


def scalar_check(name, ours, theirs, tol, relative=True):
    diff = abs(ours - theirs)
    if relative:
        diff /= max(abs(theirs), 1e-300)
    passed = bool(diff <= tol)
    note = "" if passed else f"scratchnet {ours!r} vs Keras {theirs!r}"
    return Check(name, float(diff), tol, passed, note)


def diagnose_shapes(ours, theirs, batch_size=None):
    text = f"shape {ours.shape} vs Keras {theirs.shape}"
    if ours.shape == theirs.T.shape and np.allclose(ours, theirs.T, rtol=1e-6, atol=0):
        return text + ": transposed match"
    if batch_size is not None and batch_size in ours.shape and batch_size not in theirs.shape:
        return text + f": an axis of batch size {batch_size} where Keras has none (summed over the wrong axis?)"
    return text


def _near(value, target, rtol=1e-6):
    return abs(value - target) <= rtol * abs(target)


def diagnose(ours, theirs, batch_size=None):
    """Name the shape of the difference between two same-shaped arrays."""
    scale = np.max(np.abs(theirs), initial=0.0)
    if ours.ndim == 2 and ours.shape[0] == ours.shape[1] and np.allclose(ours, theirs.T, rtol=1e-9, atol=1e-12 * scale):
        return "transposed match"
    significant = np.abs(theirs) > 1e-6 * scale
    if significant.any():
        ratio = ours[significant] / theirs[significant]
        median = float(np.median(ratio))
        if median != 0 and np.ptp(ratio) <= 1e-6 * abs(median) and np.allclose(
                ours[~significant], median * theirs[~significant], rtol=1e-6, atol=1e-9 * scale):
            if batch_size and _near(median, batch_size):
                return f"constant ratio {median:.6g} = batch size: missing batch mean (divide by N)"
            if batch_size and _near(median, 1.0 / batch_size):
                return f"constant ratio {median:.6g} = 1/batch size: divided by N once too often"
            if _near(median, -1.0):
                return "constant ratio -1: sign"
            return f"constant ratio {median:.6g}"
    theirs_zero = np.abs(theirs) <= 1e-12 * max(scale, 1e-300)
    ours_nonzero = np.abs(ours) > 1e-12 * max(scale, 1e-300)
    leak = theirs_zero & ours_nonzero
    if leak.any() and np.allclose(ours[~leak], theirs[~leak], rtol=1e-9, atol=1e-12 * scale):
        return (f"nonzero where Keras is exactly zero in {leak.mean():.1%} of entries, equal elsewhere: "
                "gradient passed where the activation is inactive")
    differing = ~np.isclose(ours, theirs, rtol=1e-6, atol=1e-9 * max(scale, 1e-300))
    return f"differs in {differing.mean():.1%} of entries, no simple pattern"


def final_checks(sides, dtype):
    """Both sides' final train/test loss and accuracy against each other."""
    ours, theirs = sides["scratchnet"], sides["keras"]
    return [
        scalar_check("final train loss", ours["final_loss"], theirs["final_loss"], tolerance(dtype, "final_loss")),
        scalar_check("final test loss", ours["test_loss"], theirs["test_loss"], tolerance(dtype, "final_loss")),
        scalar_check("final train accuracy", ours["train_accuracy"], theirs["train_accuracy"],
                     tolerance(dtype, "accuracy"), relative=False),
        scalar_check("final test accuracy", ours["test_accuracy"], theirs["test_accuracy"],
                     tolerance(dtype, "accuracy"), relative=False),
    ]


def trajectory_checks(traj, dtype):
    """The lockstep trajectory: the per-step loss difference and the weight drift, each with the
    first step where it exceeds its tolerance, over the tier's horizon (every step in float64;
    see tolerances.py for float32's)."""
    horizon = tolerance(dtype, "trajectory_steps")
    loss_diff = traj.loss_differences()[:horizon]
    drift = [(step, value) for step, value in zip(traj.drift_steps, traj.weight_drift)
             if horizon is None or step <= horizon] or list(zip(traj.drift_steps, traj.weight_drift))[:1]
    over = "steps" if horizon is None or len(traj.scratchnet_loss) <= horizon else f"the first {horizon} steps"
    worst_drift = max(value for _, value in drift)
    checks = [Check(f"trajectory loss (max over {over})", float(loss_diff.max()), tolerance(dtype, "trajectory_loss"),
                    bool(loss_diff.max() <= tolerance(dtype, "trajectory_loss"))),
              Check("trajectory weights (max drift)" if over == "steps" else f"trajectory weights (max drift over {over})",
                    float(worst_drift), tolerance(dtype, "trajectory_weights"),
                    bool(worst_drift <= tolerance(dtype, "trajectory_weights")))]
    for check, series in ((checks[0], list(enumerate(loss_diff, start=1))), (checks[1], drift)):
        if not check.passed:
            step = next(s for s, v in series if v > check.tolerance)
            check.diagnosis = f"first exceeds the tolerance at step {step}"
    return checks

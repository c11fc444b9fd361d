"""Plain words for what a difference between scratchnet's array and Keras's looks like: NaN or
inf where Keras is finite, a known wrong formula the caller offers as a candidate, a transpose,
a constant ratio (the batch size, -1), an L2 term proportional to the weights, a gradient leaking
where the activation is inactive. Each test asks for an exact pattern (to ~1e-6 relative), so a
diagnosis names a cause only when the numbers show it; otherwise it says how much differs.
"""
import numpy as np


def _matching_candidate(ours, theirs, candidates):
    """The first candidate cause whose array `ours` reproduces (and Keras's does not)."""
    scale = max(np.max(np.abs(theirs[np.isfinite(theirs)]), initial=0.0), 1e-300)
    for cause, array in (candidates or {}).items():
        array = np.asarray(array, dtype=np.float64)
        if array.shape == ours.shape and np.allclose(ours, array, rtol=1e-6, atol=1e-9 * scale, equal_nan=True) \
                and not (array.shape == theirs.shape and np.allclose(array, theirs, rtol=1e-6, atol=1e-9 * scale)):
            return cause
    return None


def diagnose_shapes(ours, theirs, batch_size=None, candidates=None):
    text = f"shape {ours.shape} vs Keras {theirs.shape}"
    cause = _matching_candidate(ours, theirs, candidates)
    if cause:
        return f"{text}: {cause}"
    if ours.shape == theirs.T.shape and np.allclose(ours, theirs.T, rtol=1e-6, atol=0):
        return text + ": transposed match (the transpose of Keras's: the product's operands in the wrong order)"
    if batch_size is not None and batch_size in ours.shape and batch_size not in theirs.shape:
        return text + f": an axis of batch size {batch_size} where Keras has none (summed over the wrong axis?)"
    if ours.size == theirs.size and np.allclose(ours.reshape(theirs.shape), theirs, rtol=1e-6, atol=0):
        return text + ": the right values in the wrong shape (keepdims=True, or a reshape)"
    return text


def _near(value, target, rtol=1e-6):
    return abs(value - target) <= rtol * abs(target)


def _nonfinite(ours, theirs):
    """Plain words for NaN or inf where Keras's result is finite; None when there are none."""
    bad = ~np.isfinite(ours) & np.isfinite(theirs)
    if not bad.any():
        return None
    where = f"in {bad.sum()} of {bad.size} entries where Keras is finite"
    if np.isnan(ours[bad]).any():
        return (f"NaN {where}: an overflow (exp of a large number is inf, and inf/inf or inf - inf is NaN); "
                "at large logits, subtract each row's max before exp")
    return (f"inf {where}: log(0) (a probability that underflowed to 0; add a small delta such as "
            "log(y + 1e-7), or compute from the logits) or a division by zero")


def _ratio_words(ratio, batch_size):
    if batch_size and _near(ratio, batch_size):
        return f"constant ratio {ratio:.6g} = batch size: missing batch mean (divide by N)"
    if batch_size and _near(ratio, 1.0 / batch_size):
        return f"constant ratio {ratio:.6g} = 1/batch size: divided by N once too often"
    if _near(ratio, -1.0):
        return "constant ratio -1: sign (every entry has the opposite sign)"
    return f"constant ratio {ratio:.6g}: a wrong factor (every entry {ratio:.6g} times Keras's)"


def _weight_decay_words(c, weight_decay):
    if weight_decay:
        if _near(c, -weight_decay):
            return (f"differs from Keras by exactly -lambda x the weights (lambda = {weight_decay:g}): the L2 "
                    "penalty 0.5*lambda*sum(W**2) is in the loss but its gradient lambda*W is missing")
        if _near(c, -weight_decay / 2):
            return (f"differs from Keras by exactly -lambda/2 x the weights (lambda = {weight_decay:g}): the L2 "
                    "gradient has the wrong factor, 0.5*lambda*W where 0.5*lambda*sum(W**2) differentiates to lambda*W")
        if _near(c, weight_decay):
            return (f"differs from Keras by exactly +lambda x the weights (lambda = {weight_decay:g}): the L2 "
                    "gradient is added twice")
    return (f"differs from Keras by exactly {c:.6g} x the weights: an L2 weight-decay term, missing from the "
            "gradient or with the wrong factor")


def diagnose(ours, theirs, batch_size=None, candidates=None, weights=None, weight_decay=None):
    """Name the shape of the difference between two same-shaped arrays (see `compare`)."""
    nonfinite = _nonfinite(ours, theirs)
    if nonfinite:
        return nonfinite
    cause = _matching_candidate(ours, theirs, candidates)
    if cause:
        return cause
    scale = np.max(np.abs(theirs), initial=0.0)
    if ours.ndim == 2 and ours.shape[0] == ours.shape[1] and np.allclose(ours, theirs.T, rtol=1e-9, atol=1e-12 * scale):
        return "transposed match (the transpose of Keras's: the product's operands in the wrong order)"
    if scale > 0 and not ours.any():
        return "all zeros where Keras's are not: nothing reached this array (no update, or a copy was updated)"
    significant = np.abs(theirs) > 1e-6 * scale
    if significant.any():
        ratio = ours[significant] / theirs[significant]
        median = float(np.median(ratio))
        if median != 0 and not _near(median, 1.0) and np.ptp(ratio) <= 1e-6 * abs(median) and np.allclose(
                ours[~significant], median * theirs[~significant], rtol=1e-6, atol=1e-9 * scale):
            return _ratio_words(median, batch_size)
    if weights is not None and np.shape(weights) == ours.shape and np.any(weights):
        w = np.asarray(weights, dtype=np.float64)
        c = float(np.vdot(ours - theirs, w) / np.vdot(w, w))
        if c and np.allclose(ours - theirs, c * w, rtol=1e-6, atol=1e-9 * max(scale, 1e-300)):
            return _weight_decay_words(c, weight_decay)
    theirs_zero = np.abs(theirs) <= 1e-12 * max(scale, 1e-300)
    ours_nonzero = np.abs(ours) > 1e-12 * max(scale, 1e-300)
    leak = theirs_zero & ours_nonzero
    if leak.any() and np.allclose(ours[~leak], theirs[~leak], rtol=1e-9, atol=1e-12 * scale):
        return (f"nonzero where Keras is exactly zero in {leak.mean():.1%} of entries, equal elsewhere: "
                "gradient passed where the activation is inactive")
    differing = ~np.isclose(ours, theirs, rtol=1e-6, atol=1e-9 * max(scale, 1e-300))
    if not differing.any():  # a ratio within 1e-6 of 1 is no wrong factor
        return ("within 1e-6 of Keras's in every entry, beyond the tolerance: a difference of rounding (a constant "
                "rounded through float32 on one side, or a sum in another order)")
    return f"differs in {differing.mean():.1%} of entries, no simple pattern"

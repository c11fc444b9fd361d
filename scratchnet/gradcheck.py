"""Numerical differentiation, the slow but obviously-correct check on backprop."""
import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """Central differences (f(x+h) - f(x-h)) / 2h for every element of the float array `x`.

    `f` is called with `x` itself after one element was nudged, so `f` may also ignore its
    argument and read `x` through a closure (a network's weight array). `x` is restored
    exactly after each nudge.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient: x must be a float numpy array, got "
                        f"{type(x).__name__} {getattr(x, 'dtype', '')}")
    grad = np.zeros_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        f_plus = float(f(x))
        x[idx] = original - h
        f_minus = float(f(x))
        x[idx] = original
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad.astype(x.dtype, copy=False)


def gradient_descent(f, init_x, lr=0.01, step_num=100):
    """Minimise f from init_x by x -= lr * numerical_gradient(f, x); returns (x, history)
    where history holds x before each step."""
    x = np.array(init_x, dtype=np.float64)
    history = []
    for _ in range(step_num):
        history.append(x.copy())
        x -= lr * numerical_gradient(f, x)
    return x, np.array(history)


def relative_error(a, b):
    """max|a - b| scaled by the larger of max|a| and max|b| (0 when both are all zeros).

    Scaling by the array's largest entry rather than element by element keeps a tiny gradient
    entry, where both sides are near round-off, from dominating the result.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    return 0.0 if scale == 0 else float(np.max(np.abs(a - b)) / scale)


def gradient_check(model, x, t, h=1e-5, params=None):
    """For each parameter (or those named in `params`), the relative error (see
    `relative_error`) between backprop and central differences. Use a float64 model: float32
    round-off swamps the difference quotient. Every evaluation sees the model's current Dropout
    masks and BatchNormalization moving statistics, which it leaves unchanged (`frozen_state`)."""
    with model.frozen_state():
        analytic = model.gradient(x, t)
        report = {}
        for key in params or model.params:
            numeric = numerical_gradient(lambda _: model.loss(x, t), model.params[key], h)
            report[key] = relative_error(analytic[key], numeric)
    return report


def _switches(model):
    """Every layer's switch pattern (ReLU on/off, max-pool choice) after the last forward pass."""
    return [pattern.copy() for layer in model.layers if (pattern := layer.switches()) is not None]


def sampled_numerical_gradient(model, x, t, n_samples, seed=0, h=1e-5, keys=None):
    """Central differences of the loss, in float64, at up to `n_samples` randomly chosen entries of
    each parameter (or of those named in `keys`); returns {key: (flat indices, derivatives,
    entries skipped)}. The model is not modified: a float64 copy is nudged.

    An entry whose +-h nudge switches a ReLU on or off, or moves a max pooling window's choice to
    another cell, is skipped: the loss has a kink inside the interval, so the difference quotient
    is not a derivative (XOR's zero biases put the input (0, 0) exactly on the kink). Training-mode
    evaluations all use the model's current Dropout masks (drawn in the model's dtype) and moving
    statistics (`frozen_state`).
    """
    twin = model.astype(np.float64)
    for layer in twin.layers:
        if hasattr(layer, "draw_dtype"):  # Dropout: the model's own masks, whatever the copy's dtype
            layer.draw_dtype = model.dtype
    x64 = x if np.issubdtype(np.asarray(x).dtype, np.integer) else x.astype(np.float64)  # token ids stay ids
    rng = np.random.default_rng(seed)
    out = {}
    with twin.frozen_state():
        for key in keys or twin.params:
            out[key] = _sampled_entries(twin, x64, t, key, n_samples, rng, h)
    return out


def _sampled_entries(twin, x64, t, key, n_samples, rng, h):
    param = twin.params[key]  # nudged in place by index: reshape(-1) of a non-C-ordered array is a copy
    kept, values, skipped = [], [], 0
    for i in rng.permutation(param.size):
        if len(kept) == n_samples:
            break
        where = np.unravel_index(i, param.shape)
        original = param[where]
        param[where] = original + h
        plus, pattern_plus = twin.loss(x64, t), _switches(twin)
        param[where] = original - h
        minus, pattern_minus = twin.loss(x64, t), _switches(twin)
        param[where] = original
        if any(not np.array_equal(a, b) for a, b in zip(pattern_plus, pattern_minus)):
            skipped += 1
            continue
        kept.append(i)
        values.append((plus - minus) / (2 * h))
    return np.array(kept, dtype=np.int64), np.array(values), skipped

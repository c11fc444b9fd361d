"""A scratchnet model against its Keras twin on one batch: every layer's output, the loss, every
parameter gradient (by Keras's autodiff and by central differences on a sample of entries),
and, when a gradient differs, the layer where the backward pass first goes wrong."""
import numpy as np

import reference_keras
from scratchnet.gradcheck import sampled_numerical_gradient

from .checks import Check, compare, scalar_check
from .tolerances import tolerance


def numerical_checks(model, x, t, grads, dtype, n_samples, seed, keys=None, when=""):
    """Backprop's `grads` against float64 central differences at `n_samples` entries per parameter."""
    numeric = sampled_numerical_gradient(model, x, t, n_samples, seed, keys=keys)
    tol = tolerance(dtype, "numerical_gradient")
    checks = []
    for key, (idx, values, skipped) in numeric.items():
        if not len(idx):
            continue  # every sampled entry sits on a ReLU kink here; the caller may retry elsewhere
        ours_flat = grads[key].reshape(-1).astype(np.float64)
        scale = max(np.max(np.abs(ours_flat), initial=0.0), 1e-300)
        if grads[key].shape == model.params[key].shape:
            value = float(np.max(np.abs(ours_flat[idx] - values)) / scale)
        else:
            value = float("inf")
        note = f", {skipped} skipped at a ReLU kink" if skipped else ""
        checks.append(Check(f"gradient {key} (numerical{when}, {len(idx)} entries{note})", value, tol, value <= tol))
    return checks


def twin_checks(model, keras_model, x, t, *, numerical_samples=6, seed=0, loss_tolerance=None):
    """(checks, diagnosis lines) for one batch at the models' current weights.

    `model` is a scratchnet Sequential or anything with its interface (dtype, params, forward_trace,
    loss, gradient, backward_trace; and astype when numerical_samples > 0): the check harness
    passes its adapter for networks in the book's style. `loss_tolerance` replaces the tolerance
    table's loss entry (for a loss that follows another stated convention). A `weight_decay`
    attribute (the book's lambda) lets the diagnosis name an L2 term."""
    dtype, n = str(model.dtype), x.shape[0]
    checks, diagnosis = [], []
    theirs = reference_keras.forward_trace(keras_model, x)
    for name, ours in model.forward_trace(x).items():
        checks.append(compare(f"forward {name}", ours, theirs[name], tolerance(dtype, "forward"), n))
    first = next((c for c in checks if not c.passed), None)
    if first:
        diagnosis.append(f"first divergence: {first.name}: {first.diagnosis}")

    keras_loss, keras_grads = reference_keras.loss_and_gradients(keras_model, None, x, t)
    loss_tol = tolerance(dtype, "loss") if loss_tolerance is None else loss_tolerance
    checks.append(scalar_check("loss", model.loss(x, t), keras_loss, loss_tol))
    if not checks[-1].passed and first is None:
        diagnosis.append(f"first divergence: loss: {checks[-1].diagnosis}")
    grads = model.gradient(x, t)
    decay = getattr(model, "weight_decay", None)
    grad_checks = [compare(f"gradient {key} (Keras autodiff)", grads[key], keras_grads[key],
                           tolerance(dtype, "gradient"), n, weights=param, weight_decay=decay)
                   for key, param in model.params.items()]
    if numerical_samples:
        grad_checks.extend(numerical_checks(model, x, t, grads, dtype, numerical_samples, seed))
    checks.extend(grad_checks)
    if first is None and any(not c.passed for c in grad_checks):
        diagnosis.extend(backward_divergence(model, keras_model, x, t, grad_checks))
    return checks, diagnosis


def backward_divergence(model, keras_model, x, t, grad_checks):
    """Walk the backward pass from the loss down and name the first layer whose gradient differs."""
    ours, _ = model.backward_trace(x, t)
    theirs, _ = reference_keras.backward_trace(keras_model, x, t)
    tol = tolerance(str(model.dtype), "gradient")
    names = list(ours)
    lines = [] if names else ["the model exposes no layers, so no layer-by-layer backward trace"]
    for i in range(len(names) - 1, -1, -1):
        check = compare(f"dL/d(output of {names[i]})", ours[names[i]], theirs[names[i]], tol, x.shape[0])
        if not check.passed:
            upstream = names[i + 1] if i + 1 < len(names) else "the loss"
            lines.append(f"first divergence going backward: the gradient arriving at {names[i]}'s "
                         f"output (from {upstream}'s backward): {check.diagnosis}")
            break
    else:
        if names:
            lines.append("every layer's output gradient matches; the difference is in a parameter gradient")
    autodiff_failures = [c for c in grad_checks if not c.passed and "autodiff" in c.name]
    first_param = autodiff_failures[-1] if autodiff_failures else next(c for c in grad_checks if not c.passed)
    lines.append(f"first differing parameter gradient (nearest the loss): {first_param.name}: "
                 f"{first_param.diagnosis or f'relative error {first_param.value:.3g}'}")
    return lines

"""A scratchnet model against its Keras twin on one batch: every layer's output, the loss, every
parameter gradient (by Keras's autodiff and by central differences on a sample of entries),
and, when a gradient differs, the layer where the backward pass first goes wrong.

A model with Dropout or BatchNormalization is checked in training mode (the mode its gradients
are taken in: the same Dropout masks on both sides, batch statistics) and, for those layers and
the output, in inference mode too. The checks leave both models' state (moving statistics,
Dropout mask counters) as they found it, so a lockstep run can start from it.
"""
import contextlib
from typing import Protocol

import numpy as np

import reference_keras
from scratchnet.gradcheck import sampled_numerical_gradient
from scratchnet.layers import MaxPooling2D

from .check import Check, compare, scalar_check
from .tolerances import tolerance


class ModelLike(Protocol):
    """What the one-batch checks need of a model: scratchnet's Sequential has it all, and the
    check harness's adapters give a learner's network in the book's style the same interface.
    `layers` (with `name` and `training_aware`), `frozen_state`, `input_gradient` and `astype`
    are needed only for the checks that use them (training modes, the input gradient, numerical
    gradients); a `weight_decay` attribute (the book's lambda) lets the diagnosis name an L2 term."""
    dtype: object
    params: dict

    def forward_trace(self, x, training=False): ...
    def loss(self, x, t): ...
    def gradient(self, x, t): ...
    def backward_trace(self, x, t): ...


def _largest(arrays):
    return max((float(np.max(np.abs(a), initial=0.0)) for a in arrays), default=0.0)


def zero_on_both_sides(check, ours, theirs, model_scale):
    """A passed Check when both gradients are round-off around zero, else None.

    A gradient that is zero in exact arithmetic (the bias of a layer followed by
    BatchNormalization, whose batch mean cancels it) comes out as round-off noise on both sides,
    and two noises differ by 100 % relative to themselves. Such a gradient passes when both sides
    stay below the check's tolerance times `model_scale`, the model's largest gradient entry, and
    the value reported is their difference relative to that scale."""
    tol = check.tolerance
    largest = _largest([ours, theirs])
    if not model_scale or largest > tol * model_scale:
        return None
    value = float(np.max(np.abs(np.asarray(ours, np.float64) - np.asarray(theirs, np.float64)), initial=0.0)
                  / model_scale)
    return Check(check.name, value, tol, True, f"zero up to round-off on both sides: at most {largest:.1e}, "
                                               f"the model's largest gradient entry is {model_scale:.3g}",
                 check.kind, check.subject)


def numerical_checks(model, x, t, grads, dtype, n_samples, seed, keys=None, when=""):
    """Backprop's `grads` against float64 central differences at `n_samples` entries per parameter."""
    numeric = sampled_numerical_gradient(model, x, t, n_samples, seed, keys=keys)
    tol = tolerance(dtype, "numerical_gradient")
    model_scale = _largest(grads.values())
    pools = any(isinstance(layer, MaxPooling2D) for layer in model.layers)
    kink = "ReLU/max-pool kink" if pools else "ReLU kink"
    checks = []
    for key, (idx, values, skipped) in numeric.items():
        if not len(idx):
            continue  # every sampled entry sits on a ReLU kink here; the caller may retry elsewhere
        ours_flat = grads[key].reshape(-1).astype(np.float64)
        scale = max(np.max(np.abs(ours_flat), initial=0.0), 1e-300)
        skips = f", {skipped} skipped at a {kink}" if skipped else ""
        name = f"gradient {key} (numerical{when}, {len(idx)} entries{skips})"
        if grads[key].shape == model.params[key].shape:
            value = float(np.max(np.abs(ours_flat[idx] - values)) / scale)
        else:
            value = float("inf")
        check = Check(name, value, tol, value <= tol, kind="numerical", subject=key)
        if not check.passed and np.isfinite(value):
            check = zero_on_both_sides(check, ours_flat[idx], values, model_scale) or check
        checks.append(check)
    return checks


def _keras(keras_model, call, *args, **kwargs):
    """A reference_keras call that leaves the Keras model's state as it was."""
    with reference_keras.state_preserved(keras_model):
        return call(keras_model, *args, **kwargs)


def twin_checks(model, keras_model, x, t, *, numerical_samples=6, seed=0, input_gradient=False,
                loss_tolerance=None):
    """(checks, diagnosis lines) for one batch at the models' current weights and state;
    input_gradient=True also compares dLoss/dx (the first layer's input gradient, which training
    never computes).

    `model` is a scratchnet Sequential or anything with its interface (ModelLike): the check
    harness passes its adapter for networks in the book's style. `loss_tolerance` replaces the tolerance
    table's loss entry (for a loss that follows another stated convention). A `weight_decay`
    attribute (the book's lambda) lets the diagnosis name an L2 term."""
    modes = _has_modes(model)
    with model.frozen_state() if modes else contextlib.nullcontext():
        checks, diagnosis = _twin_checks(model, keras_model, x, t, modes, numerical_samples, seed, loss_tolerance)
        if input_gradient:
            checks.append(compare("gradient of the input (Keras autodiff)", model.input_gradient(x, t),
                                  _keras(keras_model, reference_keras.input_gradient, x, t),
                                  tolerance(str(model.dtype), "gradient"), x.shape[0], kind="gradient", subject="x"))
    return checks, diagnosis


def _has_modes(model):
    """Whether a layer behaves differently in training (book-style adapters have no such layers)."""
    return any(getattr(layer, "training_aware", False) for layer in getattr(model, "layers", ()))


def _twin_checks(model, keras_model, x, t, modes, numerical_samples, seed, loss_tolerance):
    dtype, n = str(model.dtype), x.shape[0]
    checks, diagnosis = [], []
    theirs = _keras(keras_model, reference_keras.forward_trace, x, training=modes)
    for name, ours in (model.forward_trace(x, training=True) if modes else model.forward_trace(x)).items():
        checks.append(compare(f"forward {name}", ours, theirs[name], tolerance(dtype, "forward"), n,
                              kind="forward", subject=name))
    if modes:
        checks.extend(_inference_checks(model, keras_model, x))
    first = next((c for c in checks if not c.passed), None)
    if first:
        diagnosis.append(f"first divergence: {first.name}: {first.diagnosis}")

    keras_loss, keras_grads = _keras(keras_model, reference_keras.loss_and_gradients, None, x, t)
    loss_tol = tolerance(dtype, "loss") if loss_tolerance is None else loss_tolerance
    checks.append(scalar_check("loss", model.loss(x, t), keras_loss, loss_tol, kind="loss"))
    if not checks[-1].passed and first is None:
        diagnosis.append(f"first divergence: loss: {checks[-1].diagnosis}")
    grads = model.gradient(x, t)
    decay = getattr(model, "weight_decay", None)
    scale = _largest(keras_grads.values())
    grad_checks = [_gradient_check(key, grads[key], keras_grads[key], tolerance(dtype, "gradient"), n, scale,
                                   param, decay) for key, param in model.params.items()]
    if numerical_samples:
        grad_checks.extend(numerical_checks(model, x, t, grads, dtype, numerical_samples, seed))
    checks.extend(grad_checks)
    if first is None and any(not c.passed for c in grad_checks):
        diagnosis.extend(backward_divergence(model, keras_model, x, t, grad_checks))
    return checks, diagnosis


def _gradient_check(key, ours, theirs, tol, n, model_scale, weights, weight_decay):
    name = f"gradient {key} (Keras autodiff)"
    check = compare(name, ours, theirs, tol, n, weights=weights, weight_decay=weight_decay, kind="gradient",
                    subject=key)
    if not check.passed and np.isfinite(check.value):
        check = zero_on_both_sides(check, ours, theirs, model_scale) or check
    return check


def _inference_checks(model, keras_model, x):
    """The training-aware layers' outputs and the model's output in inference mode."""
    dtype = str(model.dtype)
    ours = model.forward_trace(x)
    theirs = _keras(keras_model, reference_keras.forward_trace, x)
    last = model.layers[-1].name
    return [compare(f"forward {layer.name} (inference mode)", ours[layer.name], theirs[layer.name],
                    tolerance(dtype, "forward"), x.shape[0], kind="forward", subject=layer.name)
            for layer in model.layers if layer.training_aware or layer.name == last]


def backward_divergence(model, keras_model, x, t, grad_checks):
    """Walk the backward pass from the loss down and name the first layer whose gradient differs."""
    ours, _ = model.backward_trace(x, t)
    theirs, _ = _keras(keras_model, reference_keras.backward_trace, x, t)
    tol = tolerance(str(model.dtype), "gradient")
    names = list(ours)
    lines = [] if names else ["the model exposes no layers, so no layer-by-layer backward trace"]
    for i in range(len(names) - 1, -1, -1):
        check = compare(f"dL/d(output of {names[i]})", ours[names[i]], theirs[names[i]], tol, x.shape[0],
                        kind="gradient", subject=names[i])
        if not check.passed:
            upstream = names[i + 1] if i + 1 < len(names) else "the loss"
            lines.append(f"first divergence going backward: the gradient arriving at {names[i]}'s "
                         f"output (from {upstream}'s backward): {check.diagnosis}")
            break
    else:
        if names:
            lines.append("every layer's output gradient matches; the difference is in a parameter gradient")
    autodiff_failures = [c for c in grad_checks if not c.passed and c.kind == "gradient"]
    first_param = autodiff_failures[-1] if autodiff_failures else next(c for c in grad_checks if not c.passed)
    lines.append(f"first differing parameter gradient (nearest the loss): {first_param.name}: "
                 f"{first_param.diagnosis or f'relative error {first_param.value:.3g}'}")
    return lines

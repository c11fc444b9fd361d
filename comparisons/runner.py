"""Run one scenario on both sides and collect its checks."""
import copy
import time
from dataclasses import dataclass, field

import numpy as np

import reference_keras
from scratchnet.layers import Affine, ReLU

from .checks import Check, compare, scalar_check
from .lockstep import Trajectory, run_lockstep
from .scenarios import build_model, build_optimizer, load_data
from .tolerances import tolerance


@dataclass
class Result:
    settings: object
    checks: list = field(default_factory=list)
    sides: dict = field(default_factory=dict)
    trajectory: Trajectory | None = None
    diagnosis: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # extra tables: {"title", "headers", "rows"}
    initial_weights: list = field(default_factory=list)

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    @property
    def failed(self):
        return [check for check in self.checks if not check.passed]


def scratchnet_forward_trace(model, x):
    outputs = []
    for layer in model.layers:
        x = layer.forward(x)
        outputs.append(x)
    return outputs


def scratchnet_backward_trace(model, x, t):
    """dL/d(output of each layer), in layer order, as scratchnet's backward computes it."""
    model.loss(x, t)
    dout = model.loss_layer.backward(1.0)
    traces = [None] * len(model.layers)
    for i in range(len(model.layers) - 1, -1, -1):
        traces[i] = dout
        dout = model.layers[i].backward(dout)
    return traces


def as_float64(model):
    """A float64 twin of `model` (same layers and weights), for numerical differentiation."""
    twin_layers = []
    for layer in model.layers:
        if isinstance(layer, Affine):
            twin_layers.append(Affine(layer.params["W"].astype(np.float64),
                                      layer.params["b"].astype(np.float64), l2=layer.l2))
        else:
            twin_layers.append(type(layer)())
    return type(model)(twin_layers, copy.deepcopy(model.loss_layer), dtype=np.float64)


def _relu_pattern(model):
    return [layer.positive.copy() for layer in model.layers if isinstance(layer, ReLU)]


def numerical_gradient_sample(model, x, t, n_samples, seed, h=1e-5, keys=None):
    """Central differences of the float64 loss at up to `n_samples` entries of each parameter;
    returns {key: (flat indices, numerical values, entries skipped)}.

    An entry whose +-h nudge flips a ReLU on or off is skipped: the loss has a kink inside the
    interval, so the difference quotient is not a derivative (XOR's zero biases put the input
    (0, 0) exactly on the kink).
    """
    twin = as_float64(model)
    x64 = x.astype(np.float64)
    rng = np.random.default_rng(seed)
    out = {}
    for key in keys or twin.params:
        flat = twin.params[key].reshape(-1)
        kept, values, skipped = [], [], 0
        for i in rng.permutation(flat.size):
            if len(kept) == n_samples:
                break
            original = flat[i]
            flat[i] = original + h
            plus, pattern_plus = twin.loss(x64, t), _relu_pattern(twin)
            flat[i] = original - h
            minus, pattern_minus = twin.loss(x64, t), _relu_pattern(twin)
            flat[i] = original
            if any(not np.array_equal(a, b) for a, b in zip(pattern_plus, pattern_minus)):
                skipped += 1
                continue
            kept.append(i)
            values.append((plus - minus) / (2 * h))
        out[key] = (np.array(kept, dtype=np.int64), np.array(values), skipped)
    return out


def numerical_checks(model, x, t, settings, grads, keys=None, when=""):
    """Backprop vs central differences on a sample of each parameter's entries (float64)."""
    numeric = numerical_gradient_sample(model, x, t, settings.numerical_samples, settings.seed, keys=keys)
    tol = tolerance(settings.dtype, "numerical_gradient")
    checks = []
    for key, (idx, values, skipped) in numeric.items():
        if not len(idx):
            continue  # every entry sits on a ReLU kink here; run() retries after training
        ours_flat = grads[key].reshape(-1).astype(np.float64)
        scale = max(np.max(np.abs(ours_flat), initial=0.0), 1e-300)
        if grads[key].shape == model.params[key].shape:
            value = float(np.max(np.abs(ours_flat[idx] - values)) / scale)
        else:
            value = float("inf")
        note = f", {skipped} skipped at a ReLU kink" if skipped else ""
        checks.append(Check(f"gradient {key} (numerical{when}, {len(idx)} entries{note})", value, tol, value <= tol))
    return checks


def fixed_batch_checks(model, keras_model, x, t, settings):
    """Checks 1-3 on one batch at the initial weights; returns (checks, diagnosis lines)."""
    dtype, n = settings.dtype, x.shape[0]
    checks, diagnosis = [], []
    ours = scratchnet_forward_trace(model, x)
    theirs = reference_keras.forward_trace(keras_model, x)
    for layer, a, b in zip(model.layers, ours, theirs):
        checks.append(compare(f"forward {layer.name}", a, b, tolerance(dtype, "forward"), n))
    first = next((c for c in checks if not c.passed), None)
    if first:
        diagnosis.append(f"first divergence: {first.name}: {first.diagnosis}")

    keras_loss, keras_grads = reference_keras.loss_and_gradients(keras_model, None, x, t)
    checks.append(scalar_check("loss", model.loss(x, t), keras_loss, tolerance(dtype, "loss")))
    if not checks[-1].passed and first is None:
        diagnosis.append(f"first divergence: loss: {checks[-1].diagnosis}")
    grads = model.gradient(x, t)
    grad_checks = [compare(f"gradient {key} (Keras autodiff)", grads[key], g, tolerance(dtype, "gradient"), n)
                   for key, g in zip(model.params, keras_grads)]
    grad_checks.extend(numerical_checks(model, x, t, settings, grads))
    checks.extend(grad_checks)
    if first is None and any(not c.passed for c in grad_checks):
        diagnosis.extend(backward_divergence(model, keras_model, x, t, dtype, grad_checks))
    return checks, diagnosis


def backward_divergence(model, keras_model, x, t, dtype, grad_checks):
    """Walk the backward pass from the loss down and name the first layer whose gradient differs."""
    ours = scratchnet_backward_trace(model, x, t)
    theirs = reference_keras.backward_trace(keras_model, x, t)
    tol = tolerance(dtype, "gradient")
    lines = []
    for i in range(len(model.layers) - 1, -1, -1):
        check = compare(f"dL/d(output of {model.layers[i].name})", ours[i], theirs[i], tol, x.shape[0])
        if not check.passed:
            upstream = model.layers[i + 1].name if i + 1 < len(model.layers) else "the loss"
            lines.append(f"first divergence going backward: the gradient arriving at {model.layers[i].name}'s "
                         f"output (from {upstream}'s backward): {check.diagnosis}")
            break
    else:
        lines.append("every layer's output gradient matches; the difference is in a parameter gradient")
    autodiff_failures = [c for c in grad_checks if not c.passed and "autodiff" in c.name]
    first_param = autodiff_failures[-1] if autodiff_failures else next(c for c in grad_checks if not c.passed)
    lines.append(f"first differing parameter gradient (nearest the loss): {first_param.name}: "
                 f"{first_param.diagnosis or f'relative error {first_param.value:.3g}'}")
    return lines


def side_metrics(evaluate, data):
    (x_train, t_train), (x_test, t_test) = data
    train_loss, train_acc = evaluate(x_train, t_train)
    test_loss, test_acc = evaluate(x_test, t_test)
    return {"final_loss": train_loss, "train_accuracy": train_acc, "test_loss": test_loss, "test_accuracy": test_acc}


def final_checks(sides, dtype):
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
    loss_diff = traj.loss_differences()
    checks = [Check("trajectory loss (max over steps)", float(loss_diff.max()), tolerance(dtype, "trajectory_loss"),
                    bool(loss_diff.max() <= tolerance(dtype, "trajectory_loss"))),
              Check("trajectory weights (max drift)", float(max(traj.weight_drift)),
                    tolerance(dtype, "trajectory_weights"),
                    bool(max(traj.weight_drift) <= tolerance(dtype, "trajectory_weights")))]
    for check, series, steps in ((checks[0], loss_diff, range(1, len(loss_diff) + 1)),
                                 (checks[1], traj.weight_drift, traj.drift_steps)):
        if not check.passed:
            step = next(s for s, v in zip(steps, series) if v > check.tolerance)
            check.diagnosis = f"first exceeds the tolerance at step {step}"
    return checks


def run(settings, progress=None, data=None):
    """Run `settings` on both sides; `data` may be passed to reuse loaded arrays."""
    data = data or load_data(settings)
    (x_train, t_train), _ = data
    n_classes = 2 if settings.dataset is None else 10
    model = build_model(settings, x_train.shape[1], n_classes)
    keras_model = reference_keras.to_keras(model)
    optimizer = build_optimizer(settings)
    keras_optimizer = reference_keras.keras_optimizer(optimizer, dtype=settings.dtype)
    result = Result(settings)
    initial_weights = model.get_weights()

    xb, tb = x_train[:settings.check_batch], t_train[:settings.check_batch]
    checks, diagnosis = fixed_batch_checks(model, keras_model, xb, tb, settings)
    result.checks.extend(checks)
    result.diagnosis.extend(diagnosis)

    try:
        traj = run_lockstep(model, keras_model, optimizer, keras_optimizer, x_train, t_train, settings, progress)
    except (ValueError, TypeError, FloatingPointError) as err:  # a defect may break training itself
        traj = None
        result.checks.append(Check("trajectory (lockstep training)", float("inf"),
                                   tolerance(settings.dtype, "trajectory_weights"), False, f"training stopped: {err}"))
    result.trajectory = traj
    untested = [key for key in model.params
                if not any(c.name.startswith(f"gradient {key} (numerical") for c in result.checks)]
    if untested:  # every sampled entry was on a ReLU kink at the initial weights: check the trained ones
        result.checks.extend(numerical_checks(model, xb, tb, settings, model.gradient(xb, tb), untested,
                                              when=" after training"))
    if traj is not None:
        trajectory = trajectory_checks(traj, settings.dtype)
        result.checks.extend(trajectory)
        if not all(c.passed for c in trajectory):
            result.diagnosis.append(
                "training trajectories diverge although the first step's gradients match: look at the optimizer's update"
                if not diagnosis else "training trajectories diverge as a consequence of the difference above")

    start = time.perf_counter()
    sn_side = side_metrics(model.evaluate, data)
    sn_side["seconds"] = (traj.scratchnet_seconds if traj else 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    k_side = side_metrics(lambda x, t: reference_keras.evaluate(keras_model, x, t), data)
    k_side["seconds"] = (traj.keras_seconds if traj else 0.0) + time.perf_counter() - start
    result.sides = {"scratchnet": sn_side, "keras": k_side}
    result.checks.extend(final_checks(result.sides, settings.dtype))
    result.initial_weights = initial_weights
    return result

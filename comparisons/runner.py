"""Run one scenario on both sides and collect its checks: orchestration only. The checks
themselves live in twin.py (one batch), lockstep.py (training) and checks.py (trajectory and
final numbers)."""
import time
from dataclasses import dataclass, field, replace

import numpy as np

import reference_keras

from .checks import Check, final_checks, trajectory_checks
from .lockstep import Trajectory, run_lockstep
from .scenarios import build_model, build_optimizer, load_data
from .tolerances import tolerance
from .twin import numerical_checks, twin_checks


@dataclass
class Result:
    settings: object
    checks: list = field(default_factory=list)
    sides: dict = field(default_factory=dict)
    trajectory: Trajectory | None = None
    diagnosis: list = field(default_factory=list)
    sections: list = field(default_factory=list)  # extra tables: {"title", "headers", "rows"}
    initial_weights: list = field(default_factory=list)
    plot_marks: dict = field(default_factory=dict)  # {"loss"/"accuracy": [(step, value, label)]} drawn on the plots

    @property
    def passed(self):
        return all(check.passed for check in self.checks)

    @property
    def failed(self):
        return [check for check in self.checks if not check.passed]


def side_metrics(evaluate, data):
    (x_train, t_train), (x_test, t_test) = data
    train_loss, train_acc = evaluate(x_train, t_train)
    test_loss, test_acc = evaluate(x_test, t_test)
    return {"final_loss": train_loss, "train_accuracy": train_acc, "test_loss": test_loss, "test_accuracy": test_acc}


def _lockstep(model, keras_model, x_train, t_train, settings, progress, log_every=None):
    """(trajectory, None), or (None, a failed check) when a defect breaks training itself."""
    optimizer = build_optimizer(settings)
    keras_optimizer = reference_keras.keras_optimizer(optimizer, keras_model)
    try:
        return run_lockstep(model, keras_model, optimizer, keras_optimizer, x_train, t_train, settings, progress,
                            log_every=log_every), None
    except (ValueError, TypeError, FloatingPointError) as err:
        return None, Check("trajectory (lockstep training)", float("inf"),
                           tolerance(settings.dtype, "trajectory_weights"), False, f"training stopped: {err}")


def run(settings, progress=None, data=None, log_every=None):
    """Run `settings` on both sides; `data` may be passed to reuse loaded arrays; `log_every`
    records both sides' batch accuracy every so many steps (see run_lockstep)."""
    data = data or load_data(settings)
    (x_train, t_train), _ = data
    n_classes = 2 if settings.dataset is None else 10
    model = build_model(settings, x_train.shape[1:], n_classes)
    keras_model = reference_keras.to_keras(model)
    result = Result(settings, initial_weights=model.get_weights())

    xb, tb = x_train[:settings.check_batch], t_train[:settings.check_batch]
    checks, diagnosis = twin_checks(model, keras_model, xb, tb, numerical_samples=settings.numerical_samples,
                                    seed=settings.seed)
    result.checks.extend(checks)
    result.diagnosis.extend(diagnosis)

    traj, stopped = _lockstep(model, keras_model, x_train, t_train, settings, progress, log_every)
    result.trajectory = traj
    if stopped:
        result.checks.append(stopped)
    result.checks.extend(numerical_checks_after_training(model, xb, tb, settings, result.checks))
    if traj is not None:
        trajectory = trajectory_checks(traj, settings.dtype)
        result.checks.extend(trajectory)
        if not all(c.passed for c in trajectory):
            result.diagnosis.append(
                "training trajectories diverge although the first step's gradients match: look at the optimizer's "
                "update" if not diagnosis else "training trajectories diverge as a consequence of the difference above")

    start = time.perf_counter()
    sn_side = side_metrics(model.evaluate, data)
    sn_side["seconds"] = (traj.scratchnet_seconds if traj else 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    chunk = model.evaluation_batch_size
    k_side = side_metrics(lambda x, t: reference_keras.evaluate(keras_model, x, t, batch_size=chunk), data)
    k_side["seconds"] = (traj.keras_seconds if traj else 0.0) + time.perf_counter() - start
    result.sides = {"scratchnet": sn_side, "keras": k_side}
    result.checks.extend(final_checks(result.sides, settings.dtype))
    if settings.float64_steps and settings.dtype != "float64":
        float64_tier(result, data, n_classes, progress)
    return result


def numerical_checks_after_training(model, xb, tb, settings, checks):
    """Numerical checks of the parameters that `checks` has none for: every sampled entry was on a
    kink at the initial weights (zero biases put the zero pixels of MNIST's background, or XOR's
    input (0, 0), exactly on ReLU's kink), so the trained weights are checked instead. A float32
    model is checked through a float64 copy: once it fits the batch, its gradients are small sums
    of large terms that cancel, and float32 round-off would swamp them."""
    untested = [key for key in model.params
                if not any(c.name.startswith(f"gradient {key} (numerical") for c in checks)]
    if not untested:
        return []
    exact = model if model.dtype == np.float64 else model.astype(np.float64)
    with exact.frozen_state():  # a check, not a training step: the moving statistics stay
        grads = exact.gradient(xb.astype(np.float64), tb)
    when = " after training" if exact is model else " after training, float64 copy"
    return numerical_checks(exact, xb, tb, grads, "float64", settings.numerical_samples, settings.seed,
                            untested, when=when)


def float64_tier(result, data, n_classes, progress):
    """The exact tier beside a float32 run: the same architecture in float64 (its own initial
    weights from the same seed), checked on one batch and trained in lockstep for
    `float64_steps` steps (one epoch over the first float64_steps * batch_size training rows).
    Its checks join the result's, named "float64 tier: ..."."""
    settings = result.settings
    steps = settings.float64_steps
    exact = replace(settings, dtype="float64", epochs=1, steps_per_epoch=None, sampling="shuffle")
    (x_train, t_train), _ = data
    x, t = x_train[:steps * settings.batch_size].astype(np.float64), t_train[:steps * settings.batch_size]
    model = build_model(exact, x.shape[1:], n_classes)
    keras_model = reference_keras.to_keras(model)
    checks, diagnosis = twin_checks(model, keras_model, x[:settings.check_batch], t[:settings.check_batch],
                                    numerical_samples=settings.numerical_samples, seed=settings.seed)
    traj, stopped = _lockstep(model, keras_model, x, t, exact, progress)
    checks += numerical_checks_after_training(model, x[:settings.check_batch], t[:settings.check_batch], exact, checks)
    checks += [stopped] if stopped else trajectory_checks(traj, "float64")
    for check in checks:
        check.name = f"float64 tier: {check.name}"
    result.checks.extend(checks)
    result.diagnosis.extend(f"float64 tier: {line}" for line in diagnosis)
    if traj is not None:
        result.sections.append({
            "title": f"float64 tier: {len(traj.scratchnet_loss)} lockstep steps from the same float64 weights",
            "headers": ["side", "first loss", "last loss", "seconds"],
            "rows": [["scratchnet", f"{traj.scratchnet_loss[0]:.6f}", f"{traj.scratchnet_loss[-1]:.6f}",
                      f"{traj.scratchnet_seconds:.1f}"],
                     ["keras", f"{traj.keras_loss[0]:.6f}", f"{traj.keras_loss[-1]:.6f}", f"{traj.keras_seconds:.1f}"]]})

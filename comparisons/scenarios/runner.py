"""Run one scenario on both sides and collect its checks in a Report: orchestration only. The
checks themselves live in comparisons.core (one_batch: one batch; lockstep: training and its
trajectory) and here (the final numbers); a scenario's `extras` (EXTRAS) add the comparisons of
the conventions it stands for.

The report's data: "settings" (Settings), "sides" (each side's final train/test loss and
accuracy and its seconds), "trajectory" (the lockstep Trajectory, None when training stopped) and,
for a model with L2 penalties, "l2_factors" (each layer's l2 and the factor the twin applies).
"""
import time
from dataclasses import dataclass, field, replace

import numpy as np

import reference_keras

from ..core.check import scalar_check
from ..core.lockstep import run_lockstep, stopped_check, trajectory_checks
from ..core.one_batch import numerical_checks, twin_checks
from ..core.result import Report, Section
from ..core.tolerances import tolerance
from ..render.plots import training_plots
from . import book_conventions, course_convention, language_model
from .architectures import build_model, build_optimizer, load_data, n_classes



@dataclass
class ScenarioRun:
    """What an extra gets besides the report: the settings, the data, the models' initial weights,
    and `marks` it may fill ({"loss" | "accuracy": [(step, value, label)]}, drawn on the plots)."""
    settings: object
    data: tuple
    initial_weights: list
    marks: dict = field(default_factory=dict)


# Settings.extras names -> function(report, ScenarioRun) adding checks, sections or plot marks.
EXTRAS = {
    "course_convention": course_convention.convention_extra,
    "printed_log": course_convention.printed_log_extra,
    "book_conventions": book_conventions.convention_extra,
    "perplexity": language_model.perplexity_extra,
}
SIDE_HEADERS = ["side", "train loss", "train accuracy", "test loss", "test accuracy", "seconds"]
CONVENTIONS = [
    "- Both sides start from identical weights (copied from scratchnet into Keras) and see identical batches.",
    "- Differences are relative and norm-scaled: max|scratchnet - Keras| / max|Keras|; the tolerances "
    "come from `comparisons/core/tolerances.py`.",
    "- The loss is Keras's batch mean unless the settings say `loss_reduction: sum`; "
    "softmax + cross-entropy is one fused layer on logits (`from_logits=True` on the Keras side).",
    "- Optimizer hyperparameters other than the learning rate are rounded through float32 on the "
    "scratchnet side because Keras does so even in float64.",
]


def side_metrics(evaluate, data):
    (x_train, t_train), (x_test, t_test) = data
    train_loss, train_acc = evaluate(x_train, t_train)
    test_loss, test_acc = evaluate(x_test, t_test)
    return {"final_loss": train_loss, "train_accuracy": train_acc, "test_loss": test_loss, "test_accuracy": test_acc}


def final_checks(sides, dtype):
    """Both sides' final train/test loss and accuracy against each other."""
    ours, theirs = sides["scratchnet"], sides["keras"]
    return [
        scalar_check("final train loss", ours["final_loss"], theirs["final_loss"], tolerance(dtype, "final_loss"),
                     kind="final", subject="train loss"),
        scalar_check("final test loss", ours["test_loss"], theirs["test_loss"], tolerance(dtype, "final_loss"),
                     kind="final", subject="test loss"),
        scalar_check("final train accuracy", ours["train_accuracy"], theirs["train_accuracy"],
                     tolerance(dtype, "accuracy"), relative=False, kind="final", subject="train accuracy"),
        scalar_check("final test accuracy", ours["test_accuracy"], theirs["test_accuracy"],
                     tolerance(dtype, "accuracy"), relative=False, kind="final", subject="test accuracy"),
    ]


def _lockstep(model, keras_model, x_train, t_train, settings, progress):
    """(trajectory, None), or (None, a failed check) when a defect breaks training itself."""
    optimizer = build_optimizer(settings)
    keras_optimizer = reference_keras.keras_optimizer(optimizer, keras_model)
    try:
        return run_lockstep(model, keras_model, optimizer, keras_optimizer, x_train, t_train, settings.plan(),
                            progress), None
    except (ValueError, TypeError, FloatingPointError) as err:
        return None, stopped_check(err, settings.dtype)


def run(settings, progress=None, data=None):
    """Run `settings` on both sides; returns the Report. `data` may be passed to reuse loaded
    arrays ((x_train, t_train), (x_test, t_test))."""
    data = data or load_data(settings)
    (x_train, t_train), _ = data
    n_out = n_classes(settings)
    model = build_model(settings, x_train.shape[1:], n_out)
    keras_model = reference_keras.to_keras(model)
    initial_weights = model.get_weights()
    report = Report(settings.scenario, dtype=settings.dtype, data={"settings": settings})
    l2_factors = reference_keras.twin_l2_factors(model)
    if l2_factors:  # what the twin's L2 equation (in the report's environment) made of them
        report.data["l2_factors"] = l2_factors

    xb, tb = x_train[:settings.check_batch], t_train[:settings.check_batch]
    checks, diagnosis = twin_checks(model, keras_model, xb, tb, numerical_samples=settings.numerical_samples,
                                    seed=settings.seed)
    report.checks += checks
    report.diagnosis += diagnosis

    traj, stopped = _lockstep(model, keras_model, x_train, t_train, settings, progress)
    if stopped:
        report.checks.append(stopped)
    report.checks += numerical_checks_after_training(model, xb, tb, settings, report.checks)
    if traj is not None:
        trajectory = trajectory_checks(traj, settings.dtype)
        report.checks += trajectory
        if not all(c.passed for c in trajectory):
            report.diagnosis.append(
                "training trajectories diverge although the first step's gradients match: look at the optimizer's "
                "update" if not diagnosis else "training trajectories diverge as a consequence of the difference above")

    start = time.perf_counter()
    sn_side = side_metrics(model.evaluate, data)
    sn_side["seconds"] = (traj.scratchnet_seconds if traj else 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    chunk = model.evaluation_batch_size
    k_side = side_metrics(lambda x, t: reference_keras.evaluate(keras_model, x, t, batch_size=chunk), data)
    k_side["seconds"] = (traj.keras_seconds if traj else 0.0) + time.perf_counter() - start
    sides = {"scratchnet": sn_side, "keras": k_side}
    report.data.update(sides=sides, trajectory=traj)
    report.checks += final_checks(sides, settings.dtype)
    report.sections.append(Section("Both sides", SIDE_HEADERS, side_rows(sides), terminal_title=False, in_json=False))
    if settings.float64_steps and settings.dtype != "float64":
        report.merge(float64_tier(settings, data, n_out, progress), "float64 tier: ")
    context = ScenarioRun(settings, data, initial_weights)
    for name in settings.extras:
        EXTRAS[name](report, context)
    report.appendix += [
        Section("Settings", ["setting", "value"], [[k, v] for k, v in settings.as_dict().items() if k != "notes"],
                terminal=False, in_json=False),
        Section("Conventions", text="\n".join(CONVENTIONS + [f"- {note}" for note in settings.notes]),
                terminal=False, in_json=False)]
    if traj is not None:
        report.plots = scenario_plots(settings, traj, context.marks)
    return report


def scenario_plots(settings, traj, marks=None):
    """The training plots of a scenario run (losses per sample whatever the loss's reduction)."""
    per_sample = settings.batch_size if settings.loss_reduction == "sum" else 1  # a sum is N per-sample losses
    return training_plots(settings.scenario, traj, settings.dtype, per_sample, marks)


def side_rows(sides):
    return [[side, f"{m['final_loss']:.6f}", f"{m['train_accuracy']:.4f}", f"{m['test_loss']:.6f}",
             f"{m['test_accuracy']:.4f}", f"{m['seconds']:.1f}"] for side, m in sides.items()]


def numerical_checks_after_training(model, xb, tb, settings, checks):
    """Numerical checks of the parameters that `checks` has none for: every sampled entry was on a
    kink at the initial weights (zero biases put the zero pixels of MNIST's background, or XOR's
    input (0, 0), exactly on ReLU's kink), so the trained weights are checked instead. A float32
    model is checked through a float64 copy: once it fits the batch, its gradients are small sums
    of large terms that cancel, and float32 round-off would swamp them."""
    tested = {c.subject for c in checks if c.kind == "numerical"}
    untested = [key for key in model.params if key not in tested]
    if not untested:
        return []
    exact = model if model.dtype == np.float64 else model.astype(np.float64)
    xb = xb if xb.dtype.kind in "iu" else xb.astype(np.float64)  # token ids stay integers
    with exact.frozen_state():  # a check, not a training step: the moving statistics stay
        grads = exact.gradient(xb, tb)
    when = " after training" if exact is model else " after training, float64 copy"
    return numerical_checks(exact, xb, tb, grads, "float64", settings.numerical_samples, settings.seed,
                            untested, when=when)


def float64_tier(settings, data, n_classes, progress):
    """The exact tier beside a float32 run: the same architecture in float64 (its own initial
    weights from the same seed), checked on one batch and trained in lockstep for
    `float64_steps` steps (one epoch over the first float64_steps * batch_size training rows).
    Returns its Report, for the scenario's to merge as "float64 tier: ..."."""
    steps = settings.float64_steps
    exact = replace(settings, dtype="float64", epochs=1, steps_per_epoch=None, sampling="shuffle")
    (x_train, t_train), _ = data
    x, t = x_train[:steps * settings.batch_size], t_train[:steps * settings.batch_size]
    x = x if x.dtype.kind in "iu" else x.astype(np.float64)  # token ids stay integers
    model = build_model(exact, x.shape[1:], n_classes)
    keras_model = reference_keras.to_keras(model)
    tier = Report("float64 tier", dtype="float64")
    checks, tier.diagnosis = twin_checks(model, keras_model, x[:settings.check_batch], t[:settings.check_batch],
                                         numerical_samples=settings.numerical_samples, seed=settings.seed)
    traj, stopped = _lockstep(model, keras_model, x, t, exact, progress)
    checks += numerical_checks_after_training(model, x[:settings.check_batch], t[:settings.check_batch], exact, checks)
    checks += [stopped] if stopped else trajectory_checks(traj, "float64")
    tier.checks = checks
    if traj is not None:
        tier.sections.append(Section(
            f"float64 tier: {len(traj.scratchnet_loss)} lockstep steps from the same float64 weights",
            ["side", "first loss", "last loss", "seconds"],
            [["scratchnet", f"{traj.scratchnet_loss[0]:.6f}", f"{traj.scratchnet_loss[-1]:.6f}",
              f"{traj.scratchnet_seconds:.1f}"],
             ["keras", f"{traj.keras_loss[0]:.6f}", f"{traj.keras_loss[-1]:.6f}", f"{traj.keras_seconds:.1f}"]]))
    return tier

"""Course text 001's MNIST recipe as a scenario (textbook-mnist), and its two extras.

Course 001 back-propagates y - t (a batch-sum loss) with lr 0.0001 and prints the per-sample
(batch-mean) loss. `convention_extra`: three short runs from the same weights and batches show
what a Keras user must write to get the same training: the default mean loss with lr 0.01 is the
same trajectory; the mean loss with the course's lr 0.0001 learns 100 times more slowly.
`printed_log_extra`: the text's printed training log beside both sides' numbers, and on the plots.
"""
import numpy as np

import reference_keras
from scratchnet.training import batch_indices

from ..core.check import Check
from ..core.lockstep import weight_drift
from ..core.result import Section
from ..core.tolerances import tolerance
from .architectures import build_model, build_optimizer

# What text 001 prints while training (step, per-sample loss on the batch, accuracy on the batch;
# its step i is the (i+1)-th update) and at the end on the 10,000 test images. Its run is unseeded.
PRINTED_LOG = [(0, 3.2685531810627895, 0.11), (100, 1.012559391954679, 0.73), (200, 0.633419881170411, 0.82),
               (59900, 0.06369888765762836, 0.97)]
PRINTED_TEST = (0.08527644799650203, 0.975)
CONVENTION_STEPS = 600  # steps of the convention comparison (fewer when the run itself is shorter)


def convention_extra(report, run):
    """The convention comparison's check and table, over the run's first CONVENTION_STEPS steps."""
    settings, traj = run.settings, report.data.get("trajectory")
    steps = min(CONVENTION_STEPS, len(traj.scratchnet_loss) if traj else settings.epochs * settings.steps_per_epoch)
    checks, section = convention_comparison(settings, run.initial_weights, run.data, steps=steps)
    report.checks += checks
    report.sections.append(section)


def printed_log_extra(report, run):
    """The text's printed log beside both sides (a table), and its numbers on the plots."""
    report.sections.append(printed_log_section(report, run.settings))
    run.marks.update(printed_marks(report.data.get("trajectory")))


def _per_sample(settings, batch_loss):
    return batch_loss / settings.batch_size if settings.loss_reduction == "sum" else batch_loss


def printed_log_section(report, settings):
    """The text's training log and test numbers beside both sides' (losses per sample)."""
    s, traj = settings, report.data["trajectory"]
    rows = []
    for text_step, text_loss, text_acc in PRINTED_LOG:
        step = text_step + 1
        if traj is None or step not in traj.logged_steps:
            continue
        i = traj.logged_steps.index(step)
        rows.append([f"Loss {text_step}", f"{text_loss:.4f}", f"{_per_sample(s, traj.scratchnet_loss[step - 1]):.4f}",
                     f"{_per_sample(s, traj.keras_loss[step - 1]):.4f}", f"{text_acc:.1%}",
                     f"{traj.scratchnet_batch_accuracy[i]:.1%}", f"{traj.keras_batch_accuracy[i]:.1%}"])
    ours, theirs = report.data["sides"].get("scratchnet"), report.data["sides"].get("keras")
    if ours:
        steps = len(traj.scratchnet_loss) if traj else 0
        rows.append([f"Test (after {steps:,} steps; the text's after 60,000)", f"{PRINTED_TEST[0]:.4f}",
                     f"{ours['test_loss']:.4f}", f"{theirs['test_loss']:.4f}", f"{PRINTED_TEST[1]:.1%}",
                     f"{ours['test_accuracy']:.2%}", f"{theirs['test_accuracy']:.2%}"])
    return Section("Text 001's printed log beside both sides (loss per sample, as the text prints it)",
                   ["the text prints", "text loss", "scratchnet loss", "Keras loss", "text accuracy",
                    "scratchnet accuracy", "Keras accuracy"], rows)


def printed_marks(traj):
    """The text's printed loss and accuracy checkpoints (and its test accuracy) for the plots."""
    total = len(traj.scratchnet_loss) if traj else 0
    shown = [(step + 1, loss, acc) for step, loss, acc in PRINTED_LOG if step + 1 <= total]
    return {"loss": [(step, loss, f"text 001 prints {loss:.4f} (Loss {step - 1})") for step, loss, _ in shown],
            "accuracy": [(step, acc, f"text 001 prints {acc:.0%} (Acc at {step - 1})") for step, _, acc in shown]
            + ([(total, PRINTED_TEST[1], f"text 001's test accuracy {PRINTED_TEST[1]:.1%} (after 60,000 steps)")]
               if total else [])}


def convention_comparison(settings, initial_weights, data, steps=600):
    """Returns (checks, section) for the report: `steps` steps of the course's convention
    (scratchnet) against two Keras runs with the mean loss, from `initial_weights`."""
    (x_train, t_train), (x_test, t_test) = data
    n_in = x_train.shape[1]
    rng = np.random.default_rng(settings.seed + 1)
    batches = batch_indices(x_train.shape[0], settings.batch_size, rng, "replacement", steps)

    course = build_model(settings, n_in, 10)  # reduction="sum", lr 0.0001
    course.set_weights(initial_weights)
    course_opt = build_optimizer(settings)
    for batch in batches:
        course.backprop(x_train[batch], t_train[batch])
        course_opt.update(course.params, course.grads)

    runs = []
    for lr in (settings.learning_rate * settings.batch_size, settings.learning_rate):
        mean_settings = settings.with_options(loss_reduction="mean", learning_rate=lr)
        twin = build_model(mean_settings, n_in, 10)
        twin.set_weights(initial_weights)
        keras_model = reference_keras.to_keras(twin)
        keras_opt = reference_keras.keras_optimizer(build_optimizer(mean_settings), keras_model)
        for _ in reference_keras.train_steps(keras_model, keras_opt, x_train, t_train, batches):
            pass
        drift = weight_drift(course, keras_model)
        _, accuracy = reference_keras.evaluate(keras_model, x_test, t_test)
        runs.append((lr, drift, accuracy))

    _, course_acc = course.evaluate(x_test, t_test)
    tol = tolerance(settings.dtype, "trajectory_weights")
    (eq_lr, eq_drift, eq_acc), (naive_lr, naive_drift, naive_acc) = runs
    checks = [Check(f"Keras mean loss + lr {eq_lr:g} = course convention ({steps} steps)",
                    eq_drift, tol, bool(eq_drift <= tol), kind="convention", subject="course convention")]
    rows = [
        ["scratchnet, course convention (sum loss, backward y - t)", f"{settings.learning_rate:g}", "0",
         f"{course_acc:.4f}"],
        ["Keras, default mean loss, equivalent lr", f"{eq_lr:g}", f"{eq_drift:.2e}", f"{eq_acc:.4f}"],
        ["Keras, default mean loss, the course's lr unchanged", f"{naive_lr:g}", f"{naive_drift:.2e}",
         f"{naive_acc:.4f}"],
    ]
    section = Section(f"Course convention vs Keras's ({steps} steps from the same weights and batches)",
                      ["run", "learning rate", "weight drift vs course", "test accuracy"], rows)
    return checks, section

"""The course text 001's convention next to Keras's, from the same initial weights and batches.

Course 001 back-propagates y - t (a batch-sum loss) with lr 0.0001. Three short runs show
what a Keras user must write to get the same training: the default mean loss with lr 0.01 is
the same trajectory; the mean loss with the course's lr 0.0001 learns 100 times more slowly.
"""
import numpy as np

import reference_keras
from scratchnet.training import batch_indices

from .checks import Check
from .lockstep import weight_drift
from .scenarios import build_model, build_optimizer
from .tolerances import tolerance


def convention_comparison(settings, initial_weights, data, steps=600):
    """Returns (checks, section) for the report."""
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
        for batch in batches:
            reference_keras.train_step(keras_model, keras_opt, x_train[batch], t_train[batch])
        drift = weight_drift(course, keras_model)
        _, accuracy = reference_keras.evaluate(keras_model, x_test, t_test)
        runs.append((lr, drift, accuracy))

    _, course_acc = course.evaluate(x_test, t_test)
    tol = tolerance(settings.dtype, "trajectory_weights")
    (eq_lr, eq_drift, eq_acc), (naive_lr, naive_drift, naive_acc) = runs
    checks = [Check(f"Keras mean loss + lr {eq_lr:g} = course convention ({steps} steps)",
                    eq_drift, tol, bool(eq_drift <= tol))]
    rows = [
        ["scratchnet, course convention (sum loss, backward y - t)", f"{settings.learning_rate:g}", "0",
         f"{course_acc:.4f}"],
        ["Keras, default mean loss, equivalent lr", f"{eq_lr:g}", f"{eq_drift:.2e}", f"{eq_acc:.4f}"],
        ["Keras, default mean loss, the course's lr unchanged", f"{naive_lr:g}", f"{naive_drift:.2e}",
         f"{naive_acc:.4f}"],
    ]
    section = {"title": f"Course convention vs Keras's ({steps} steps from the same weights and batches)",
               "headers": ["run", "learning rate", "weight drift vs course", "test accuracy"],
               "rows": rows}
    return checks, section

"""The deep-learning-from-scratch book's BatchNormalization and Dropout next to Keras's, from the
same initial weights and the same batches (the fashion-mnist-regularized scenario's network).

The book (common/layers.py) differs from Keras in two places this scenario uses:
- BatchNormalization: momentum 0.9 and epsilon 1e-6 (Keras: 0.99 and 1e-3), with running
  statistics that start at zero for the variance too (Keras: ones). The update has the same
  running-average form and the same biased batch variance, so Keras's layer with momentum=0.9,
  epsilon=1e-6 and a zero moving variance *is* the book's: the checks are that the two agree on
  a batch (forward in both modes, loss, every gradient, at the float64 tolerance), and that run
  is trained on both sides in lockstep. Its weight drift is reported, not checked: with epsilon
  1e-6 a feature whose batch variance is near zero (a ReLU unit that is off for almost the whole
  batch) divides round-off by sqrt(1e-6), so training amplifies any difference of one rounding.
  The table shows it without Keras: scratchnet against itself, started from W1 moved by one ulp,
  parts as far as the two libraries do (the README gives the numbers).
- Dropout is not inverted: x * mask in training, x * (1 - rate) at inference (Keras: x * mask /
  (1 - rate), then x). Keras has no such layer, so that run is scratchnet's alone
  (`Dropout(inverted=False)`).
What each difference does to the result is the test accuracy of the runs side by side.
"""
import numpy as np

import reference_keras

from ..core.lockstep import run_lockstep, weight_drift
from ..core.one_batch import twin_checks
from ..core.result import Report, Section
from ..harness.book_layout import BOOK_BN_EPSILON
from .architectures import build_model, build_optimizer

BOOK_BN = {"bn_momentum": 0.9, "bn_epsilon": BOOK_BN_EPSILON}
BOOK_DROPOUT = {"inverted_dropout": False}


def _variant(settings, initial_weights, n_in, options, zero_moving_variance):
    variant = settings.with_options(model_options={**settings.model_options, **options})
    model = build_model(variant, n_in, 10)
    model.set_weights(initial_weights)
    if zero_moving_variance:
        for key in model.state:
            if key.startswith("moving_variance"):
                model.state[key][...] = 0.0
    return model


def _one_ulp_drift(settings, initial_weights, n_in, options, zero_variance, trained, x, t):
    """The weight drift between `trained` and the same training started from W1 moved up by one
    ulp: how far this network's training amplifies a single rounding."""
    nudged = _variant(settings, initial_weights, n_in, options, zero_variance)
    nudged.params["W1"][...] = np.nextafter(nudged.params["W1"], np.inf)
    settings.train(nudged, x, t)
    return weight_drift(trained, nudged)


def convention_extra(report, run):
    """The scenario's extra: the comparison's checks and table."""
    report.merge(convention_comparison(run.settings, run.initial_weights, run.data))


def convention_comparison(settings, initial_weights, data):
    """A Report (checks and a table) of four trainings of the scenario's length from
    `initial_weights`: Keras's conventions, the book's BatchNormalization, its Dropout, both."""
    (x_train, t_train), (x_test, t_test) = data
    n_in = x_train.shape[1:]
    runs = {
        "Keras's conventions (this scenario)": ({}, False),
        "the book's BatchNormalization (momentum 0.9, epsilon 1e-6, running variance from 0)": (BOOK_BN, True),
        "the book's non-inverted Dropout": (BOOK_DROPOUT, False),
        "both of the book's": ({**BOOK_BN, **BOOK_DROPOUT}, True),
    }
    rows, found = [], Report("book conventions", dtype=settings.dtype)
    for title, (options, zero_variance) in runs.items():
        model = _variant(settings, initial_weights, n_in, options, zero_variance)
        keras_side = drift_side = "-"
        if options in ({}, BOOK_BN):  # Keras can express it: check its twin, then train both in lockstep
            keras_model = reference_keras.to_keras(model)
            if options:
                batch = slice(0, settings.check_batch)
                twin = Report("book BatchNormalization", dtype=settings.dtype)
                twin.checks, _ = twin_checks(model, keras_model, x_train[batch], t_train[batch],
                                             numerical_samples=settings.numerical_samples, seed=settings.seed)
                found.merge(twin, "book BatchNormalization as Keras's (momentum 0.9, epsilon 1e-6): ")
            optimizer = build_optimizer(settings)
            traj = run_lockstep(model, keras_model, optimizer, reference_keras.keras_optimizer(optimizer, keras_model),
                                x_train, t_train, settings.plan(), progress=False)
            keras_side = (f"{reference_keras.evaluate(keras_model, x_test, t_test)[1]:.4f} "
                          f"(weight drift {max(traj.weight_drift):.1e})")
            drift = _one_ulp_drift(settings, initial_weights, n_in, options, zero_variance, model, x_train, t_train)
            drift_side = f"{drift:.1e}"
        else:
            settings.train(model, x_train, t_train)
        loss, accuracy = model.evaluate(x_test, t_test)
        rows.append([title, f"{accuracy:.4f}", f"{loss:.4f}", keras_side, drift_side])
    base = float(rows[0][1])
    for row in rows:
        row.insert(2, f"{100 * (float(row[1]) - base):+.2f}")
    found.sections.append(Section(
        "The book's BatchNormalization and Dropout vs Keras's (same initial weights and batches)",
        ["run (scratchnet)", "test accuracy", "vs Keras's (points)", "test loss",
         "Keras twin in lockstep: test accuracy", "scratchnet vs itself from W1 + 1 ulp: drift"], rows))
    return found

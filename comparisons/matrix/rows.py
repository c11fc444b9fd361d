"""One row of the matrix: its data, its model and settings, the one-batch checks, a 12-step
lockstep run, the final numbers of both sides, and on scratchnet alone the same run without each
of the row's options (which must end elsewhere, else the row does not exercise that option).
"""
import itertools
from dataclasses import replace

import numpy as np

import reference_keras
import scratchnet
from scratchnet.gradcheck import relative_error
from scratchnet.layers import ACTIVATIONS

from ..core.check import Check, scalar_check
from ..core.lockstep import run_lockstep, stopped_check, trajectory_checks
from ..core.one_batch import twin_checks
from ..core.tolerances import OPTION_EFFECT_MIN, tolerance
from ..scenarios import Settings, build_optimizer
from ..core.result import Report
from .design import LOSS_VARIANTS, OPTIMIZER_VARIANTS, VARIANT_ABLATION, Row

SIZES = (6, 5, 4, 3)  # two hidden layers: each activation is applied twice
SAMPLES, BATCH, EPOCHS = 40, 10, 3  # 4 steps an epoch, 12 in all
L2 = float(np.float32(1e-3))  # float32-representable: Keras rounds the L2 factor through float32
WEIGHT_DECAY = 0.05


# -- one row ------------------------------------------------------------------------------------
def row_data(row, seed):
    """(x, t) for the row's loss: 40 random samples of 6 features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(SAMPLES, SIZES[0]))
    kind = LOSS_VARIANTS[row.loss][2]
    n_out = SIZES[-1]
    labels = rng.integers(0, n_out, SAMPLES)
    targets = {"labels": labels, "one_hot": np.eye(n_out)[labels],
               "binary": (rng.random((SAMPLES, n_out)) < 0.5).astype(np.float64),
               "real": rng.normal(size=(SAMPLES, n_out))}
    return x, targets[kind]


def build_row_model(row, seed):
    cls, reduction, _ = LOSS_VARIANTS[row.loss]
    return scratchnet.mlp(list(SIZES), row.activation, cls(reduction), "glorot_uniform", seed, np.float64,
                          l2=L2 if row.l2 else 0.0)


def roundtrip_cases(seed):
    """One model per loss variant, L2 on, the activations in turn, with its row data."""
    cases = []
    for i, (loss, activation) in enumerate(zip(LOSS_VARIANTS, itertools.cycle(ACTIVATIONS))):
        row = Row("sgd", loss, activation, True, False, "none")
        x, t = row_data(row, seed + 100 + i)
        cases.append((f"{activation}, {loss}", build_row_model(row, seed + 100 + i), x, t))
    return cases


def _significant(value):
    return float(f"{value:.2g}")


def row_settings(row, model, x, t, seed):
    """The row's scenario Settings (optimizer and its options); clip thresholds are set from the
    gradient at the initial weights, so that they clip some tensors or entries and not others."""
    optimizer, lr, options = OPTIMIZER_VARIANTS[row.optimizer]
    options = dict(options)
    if LOSS_VARIANTS[row.loss][1] == "sum" and optimizer == "sgd":
        lr /= BATCH  # the summed loss's gradient is BATCH times the mean's
    if row.weight_decay:
        options["weight_decay"] = WEIGHT_DECAY
    if row.clip != "none":
        grads = model.gradient(x[:BATCH], t[:BATCH])
        if row.clip == "clipnorm":
            options["clipnorm"] = _significant(np.median([np.linalg.norm(g) for g in grads.values()]))
        elif row.clip == "clipvalue":
            options["clipvalue"] = _significant(np.quantile(np.abs(np.concatenate([g.ravel() for g in grads.values()])),
                                                            0.75))
        else:
            options["global_clipnorm"] = _significant(0.5 * np.sqrt(sum(np.vdot(g, g) for g in grads.values())))
    return Settings(f"matrix row {seed}", None, hidden=SIZES[1:-1], activation=row.activation,
                    weight_init="glorot_uniform", optimizer=optimizer, learning_rate=lr, optimizer_options=options,
                    loss_reduction=LOSS_VARIANTS[row.loss][1], epochs=EPOCHS, batch_size=BATCH, seed=seed)


def ablations(row, settings):
    """[(option, the same settings without it)] for every option the row sets."""
    out = []
    if row.optimizer in VARIANT_ABLATION:
        label, change = VARIANT_ABLATION[row.optimizer]
        change = dict(change)
        optimizer = change.pop("optimizer", settings.optimizer)
        options = {k: v for k, v in {**settings.optimizer_options, **change}.items() if v is not None}
        out.append((label, replace(settings, optimizer=optimizer, optimizer_options=options)))
    for name in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
        if name in settings.optimizer_options:
            rest = {k: v for k, v in settings.optimizer_options.items() if k != name}
            out.append((name, replace(settings, optimizer_options=rest)))
    if row.l2:
        out.append(("L2", None))
    return out


def _train_scratchnet(model, settings, x, t):
    settings.train(model, x, t)
    return model.get_weights()


def _weights_apart(a, b):
    return max(relative_error(p, q) for p, q in zip(a, b))


def option_checks(row, settings, seed, x, t, trained):
    """Each option of the row moves the final weights by at least OPTION_EFFECT_MIN."""
    checks = []
    for label, other in ablations(row, settings):
        if other is None:  # L2 is a property of the model
            model = build_row_model(replace(row, l2=False), seed)
            other = settings
        else:
            model = build_row_model(row, seed)
        effect = _weights_apart(_train_scratchnet(model, other, x, t), trained)
        checks.append(Check(f"option {label} changes the run (relative weight change, must be >= tolerance)",
                            effect, OPTION_EFFECT_MIN, bool(effect >= OPTION_EFFECT_MIN), kind="option_effect",
                            subject=label))
    return checks


def run_row(row, seed):
    """The Report of one combination (its settings in data["settings"])."""
    x, t = row_data(row, seed)
    model = build_row_model(row, seed)
    keras_model = reference_keras.to_keras(model)
    settings = row_settings(row, model, x, t, seed)
    report = Report(settings.scenario, dtype="float64", data={"settings": settings})
    report.checks, report.diagnosis = twin_checks(model, keras_model, x[:BATCH], t[:BATCH], numerical_samples=3,
                                                  seed=seed)
    optimizer = build_optimizer(settings)
    try:
        traj = run_lockstep(model, keras_model, optimizer, reference_keras.keras_optimizer(optimizer, keras_model),
                            x, t, settings.plan(), progress=False)
        report.checks += trajectory_checks(traj, "float64")
    except (ValueError, TypeError, FloatingPointError) as err:
        report.checks.append(stopped_check(err, "float64"))
        return report
    (loss, accuracy), (keras_loss, keras_accuracy) = model.evaluate(x, t), reference_keras.evaluate(keras_model, x, t)
    report.checks += [scalar_check("final loss (evaluate)", loss, keras_loss, tolerance("float64", "final_loss"),
                                   kind="final", subject="loss"),
                      scalar_check("final accuracy (evaluate)", accuracy, keras_accuracy,
                                   tolerance("float64", "accuracy"), relative=False, kind="final", subject="accuracy")]
    report.checks += option_checks(row, settings, seed, x, t, model.get_weights())
    return report



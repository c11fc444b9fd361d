"""scratchnet's Trainer beyond the lockstep runs of the rest of the report: batches drawn with
replacement for a fixed number of steps per epoch (trained in lockstep with Keras on the same
batches), and the history it records between epochs (evaluate="epoch", with test data and sample
weights, over two calls of fit, and evaluate="end"), each recorded loss and accuracy against
Keras's evaluate of a twin holding the weights scratchnet had then."""
import numpy as np

import reference_keras
from scratchnet import layers as L
from scratchnet import losses
from scratchnet.model import Sequential
from scratchnet.optimizers import SGD
from scratchnet.training import Trainer

from ..core.check import Check, scalar_check
from ..core.lockstep import LockstepPlan, run_lockstep, stopped_check, trajectory_checks
from ..core.tolerances import tolerance


def _model(seed):
    rng = np.random.default_rng(seed)
    return Sequential([L.Affine(rng.normal(size=(4, 6)) / 2.0, rng.normal(size=6) * 0.1), L.Tanh(),
                       L.Affine(rng.normal(size=(6, 3)) / 2.5, rng.normal(size=3) * 0.1)],
                      losses.SoftmaxCrossEntropy())


def _data(seed):
    rng = np.random.default_rng(seed + 1)
    x, x_test = rng.normal(size=(10, 4)), rng.normal(size=(7, 4))
    t, t_test = rng.integers(0, 3, size=10), rng.integers(0, 3, size=7)
    return x, t, x_test, t_test, 0.25 + rng.random(10) * 2.0


def replacement_checks(seed):
    """Sampling with replacement, 3 steps per epoch, 2 epochs: in lockstep with Keras."""
    model, (x, t, *_) = _model(seed), _data(seed)
    keras_model = reference_keras.to_keras(model)
    optimizer = SGD(learning_rate=0.2, momentum=0.5)
    plan = LockstepPlan(epochs=2, batch_size=4, seed=seed, sampling="replacement", steps_per_epoch=3)
    try:
        traj = run_lockstep(model, keras_model, optimizer, reference_keras.keras_optimizer(optimizer, keras_model),
                            x, t, plan, progress=False)
    except (ValueError, TypeError, FloatingPointError) as err:
        return [stopped_check(err, "float64")]
    steps = len(traj.scratchnet_loss)
    return [*trajectory_checks(traj, "float64", optimizer),
            Check("steps trained (2 epochs of 3 with replacement)", 0.0 if steps == 6 else 1.0, 0.0, steps == 6,
                  "" if steps == 6 else f"{steps} steps", kind="trajectory", subject="steps")]


def history_checks(seed):
    """evaluate="epoch" over two calls of fit (epochs numbered on), then evaluate="end"."""
    model, (x, t, x_test, t_test, w) = _model(seed), _data(seed)
    trainer = Trainer(model, SGD(learning_rate=0.3), x, t, x_test=x_test, t_test=t_test, sample_weight=w, epochs=1,
                      batch_size=4, seed=seed, evaluate="epoch", progress=False)
    loss_tol, accuracy_tol = tolerance("float64", "final_loss"), tolerance("float64", "accuracy")
    checks = []
    for call in (1, 2):
        history = trainer.fit()
        keras_model = reference_keras.to_keras(model)  # the weights scratchnet has after this epoch
        k_train = reference_keras.evaluate(keras_model, x, t, sample_weight=w)
        k_test = reference_keras.evaluate(keras_model, x_test, t_test)
        for name, ours, theirs, tol, relative in (
                ("train loss (sample_weight)", history.train_loss[-1], k_train[0], loss_tol, True),
                ("train accuracy", history.train_accuracy[-1], k_train[1], accuracy_tol, False),
                ("test loss", history.test_loss[-1], k_test[0], loss_tol, True),
                ("test accuracy", history.test_accuracy[-1], k_test[1], accuracy_tol, False)):
            checks.append(scalar_check(f"history after fit call {call}: {name}", ours, theirs, tol, relative,
                                       kind="final", subject=name))
    numbered = trainer.history.epoch == [1, 2] and len(trainer.history.step_loss) == 6
    checks.append(Check("history: two fit calls record epochs 1 and 2 and 6 steps", 0.0 if numbered else 1.0, 0.0,
                        numbered, "" if numbered else f"epochs {trainer.history.epoch}, "
                        f"{len(trainer.history.step_loss)} steps", kind="final", subject="epochs"))
    at_end = Trainer(_model(seed), SGD(learning_rate=0.3), x, t, epochs=2, batch_size=4, seed=seed, evaluate="end",
                     progress=False).fit()
    once = at_end.epoch == [2] and len(at_end.train_loss) == 1 and not at_end.test_loss
    checks.append(Check('history: evaluate="end" records epoch 2 only', 0.0 if once else 1.0, 0.0, once,
                        "" if once else f"epochs {at_end.epoch}", kind="final", subject="epochs"))
    return checks


def training_loop_checks(seed=0):
    """(checks, table rows)."""
    checks, rows = [], []
    for name, part in (("sampling with replacement, 3 steps per epoch, in lockstep", replacement_checks),
                       ('history, evaluate="epoch" over two fit calls and "end"', history_checks)):
        found = part(seed)
        for check in found:
            check.name = f"trainer: {check.name}"
        checks += found
        rows.append([name, f"{sum(c.passed for c in found)}/{len(found)}", "pass" if all(c.passed for c in found)
                     else "FAIL"])
    return checks, rows


TRAINING_LOOP_HEADERS = ["Trainer", "checks passed", "result"]

"""The matrix's sequence rows: Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D and the 1-D
poolings, one option each, against Keras in float64. Each row is a small seeded network on random
sequences (or token ids): the one-batch checks (forward per layer, loss, every gradient, sampled
central differences), a short lockstep run, the final loss and accuracy of both sides, and, on
scratchnet alone, the same run with the option turned off, whose final loss must differ by at least
OPTION_EFFECT_MIN (else the row does not exercise the option). The option-off network is drawn from
the same seed; its shapes may differ (use_bias drops b, return_sequences changes the next layer),
which is why the effect is read on the final loss rather than the weights."""
import numpy as np

import reference_keras
import scratchnet
from scratchnet.layers import (GRU, LSTM, Affine, AveragePooling1D, Bidirectional, Conv1D, Embedding, Flatten,
                               GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, SimpleRNN)
from scratchnet.losses import SoftmaxCrossEntropy
from scratchnet.optimizers import SGD
from scratchnet.training import batch_indices

from ..core.check import Check, scalar_check
from ..core.lockstep import LockstepPlan, Trajectory, stopped_check, trajectory_checks, weight_drift
from ..core.one_batch import twin_checks
from ..core.tolerances import OPTION_EFFECT_MIN, tolerance

STEPS, FEATURES, UNITS, CLASSES, VOCABULARY = 5, 3, 4, 3, 7  # odd sizes: no axis can stand for another
SAMPLES, BATCH, EPOCHS = 16, 8, 1  # 2 lockstep steps (an eager Keras step of these rows costs ~0.5 s)
PLAN = LockstepPlan(epochs=EPOCHS, batch_size=BATCH, seed=0)  # the row's batches: see _lockstep
SEQUENCE_HEADERS = ["layer", "option (off:)", "forward", "gradient", "trajectory", "final", "option effect", "result"]


def _recurrent(cls, **options):
    """A builder: (rng, input_dim, first) -> the layer, Keras's default initial weights."""
    def build(rng, input_dim, first):
        shape = {"input_shape": (STEPS, input_dim)} if first else {}
        return cls.initialize(input_dim, UNITS, rng, np.float64, **options, **shape)
    return build


def _bidirectional(merge_mode, **options):
    def build(rng, input_dim, first):
        forward = LSTM.initialize(input_dim, UNITS, rng, np.float64, **options)
        backward = LSTM.initialize(input_dim, UNITS, rng, np.float64, go_backwards=True, **options)
        return Bidirectional(forward, backward, merge_mode,
                             **({"input_shape": (STEPS, input_dim)} if first else {}))
    return build


def _conv(**options):
    def build(rng, input_dim, first):
        W = rng.normal(size=(3, input_dim, UNITS)) / np.sqrt(3 * input_dim)
        return Conv1D(W, rng.normal(size=UNITS) * 0.1, **options,
                      **({"input_shape": (STEPS, input_dim)} if first else {}))
    return build


def _dense_per_step(rng, input_dim, first):
    """A Dense applied to every time step of (N, T, input_dim) (Keras's Dense on the last axis)."""
    return Affine(rng.normal(size=(input_dim, UNITS)) / np.sqrt(input_dim), rng.normal(size=UNITS) * 0.1)


def _pool(cls, *args, **kwargs):
    return lambda rng, input_dim, first: cls(*args, **kwargs)


# (layer, option shown, builders with the option on, builders with it off, token ids in?)
ROWS = [
    ("SimpleRNN", "go_backwards", [_recurrent(SimpleRNN, go_backwards=True)], [_recurrent(SimpleRNN)], False),
    ("LSTM", "return_sequences", [_recurrent(LSTM, return_sequences=True)], [_recurrent(LSTM)], False),
    ("LSTM", "unit_forget_bias=False", [_recurrent(LSTM, unit_forget_bias=False)], [_recurrent(LSTM)], False),
    ("LSTM", "use_bias=False", [_recurrent(LSTM, use_bias=False)], [_recurrent(LSTM)], False),
    ("LSTM", "dropout=0.3, recurrent_dropout=0.2 (0)", [_recurrent(LSTM, dropout=0.3, recurrent_dropout=0.2, seed=3)],
     [_recurrent(LSTM)], False),
    ("GRU", "reset_after=False", [_recurrent(GRU, reset_after=False)], [_recurrent(GRU)], False),
    ("GRU", "go_backwards", [_recurrent(GRU, go_backwards=True)], [_recurrent(GRU)], False),
    ("Embedding -> GRU", "return_sequences into LSTM", [_recurrent(GRU, return_sequences=True), _recurrent(LSTM)],
     [_recurrent(GRU)], True),
    ("Bidirectional(LSTM)", "merge_mode=sum (concat)", [_bidirectional("sum")], [_bidirectional("concat")], False),
    ("Conv1D", "padding=same (valid)", [_conv(padding="same"), _pool(GlobalMaxPooling1D)],
     [_conv(), _pool(GlobalMaxPooling1D)], False),
    ("Conv1D", "strides=2 (1)", [_conv(strides=2, padding="same"), _pool(GlobalAveragePooling1D)],
     [_conv(padding="same"), _pool(GlobalAveragePooling1D)], False),
    ("LSTM -> Dense", "return_sequences: the Dense on every step (on the last)",
     [_recurrent(LSTM, return_sequences=True), _dense_per_step], [_recurrent(LSTM), _dense_per_step], False),
    ("MaxPooling1D", "pool 2, padding=same (AveragePooling1D)", [_conv(padding="same"),
                                                                 _pool(MaxPooling1D, 2, padding="same")],
     [_conv(padding="same"), _pool(AveragePooling1D, 2, padding="same")], False),
    # the other merge modes, the backward layer's sequence turned back in time, GRU's dropout masks
    ("Bidirectional(LSTM)", "merge_mode=ave (mul)", [_bidirectional("ave")], [_bidirectional("mul")], False),
    ("Bidirectional(LSTM)", "return_sequences, merge_mode=mul (concat)",
     [_bidirectional("mul", return_sequences=True)], [_bidirectional("concat", return_sequences=True)], False),
    ("GRU", "dropout=0.3, recurrent_dropout=0.2 (0)", [_recurrent(GRU, dropout=0.3, recurrent_dropout=0.2, seed=3)],
     [_recurrent(GRU)], False),
    # dropout on a recurrent layer that is not the first: its input gradient passes the masks
    # (one per gate block with implementation 1, one shared with implementation 2)
    ("LSTM -> LSTM", "dropout=0.3 on the second (0)",
     [_recurrent(LSTM, return_sequences=True), _recurrent(LSTM, dropout=0.3, seed=3)],
     [_recurrent(LSTM, return_sequences=True), _recurrent(LSTM)], False),
    ("GRU -> GRU", "dropout=0.3, implementation=2 on the second (0)",
     [_recurrent(GRU, return_sequences=True), _recurrent(GRU, dropout=0.3, implementation=2, seed=3)],
     [_recurrent(GRU, return_sequences=True), _recurrent(GRU)], False),
]


def _model(builders, ids, seed):
    """The row's network: (Embedding of VOCABULARY ids,) the builders' layers, Flatten where
    sequences remain, Affine to CLASSES; seeded, float64."""
    rng = np.random.default_rng(seed)
    layers, features, shape = [], FEATURES, (STEPS, FEATURES)
    if ids:
        layers.append(Embedding.initialize(VOCABULARY, FEATURES, rng, np.float64, input_shape=(STEPS,)))
    for build in builders:
        layer = build(rng, features, not layers)
        layers.append(layer)
        shape = layer.output_shape(shape)
        features = shape[-1]
    if len(shape) == 2:
        layers.append(Flatten())
        shape = (shape[0] * shape[1],)
    layers.append(Affine(rng.normal(size=(shape[0], CLASSES)) / np.sqrt(shape[0]), rng.normal(size=CLASSES) * 0.1))
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=np.float64)


def _data(ids, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCABULARY, (SAMPLES, STEPS)) if ids else rng.normal(size=(SAMPLES, STEPS, FEATURES))
    return x, rng.integers(0, CLASSES, SAMPLES)


def _optimizer():
    return SGD(0.3, momentum=0.9, float32_hyperparams=True)


def _lockstep(model, keras_model, x, t):
    """Both sides trained on the same batches (each epoch a seeded permutation): scratchnet's
    backprop and optimizer beside Keras's train_step, run eagerly (a row's two steps cost less
    than compiling them); the losses and the weight drift at every step."""
    optimizer = _optimizer()
    keras_optimizer = reference_keras.keras_optimizer(optimizer, keras_model)
    traj = Trajectory()
    for b in _batches(len(x)):
        traj.keras_loss.append(reference_keras.train_step(keras_model, keras_optimizer, x[b], t[b], compiled=False))
        traj.scratchnet_loss.append(model.backprop(x[b], t[b]))
        optimizer.update(model.params, model.grads)
        traj.drift_steps.append(len(traj.scratchnet_loss))
        traj.weight_drift.append(weight_drift(model, keras_model))
    return traj


def _train_alone(model, x, t):
    """The same training on scratchnet alone; the final loss."""
    optimizer = _optimizer()
    for b in _batches(len(x)):
        model.backprop(x[b], t[b])
        optimizer.update(model.params, model.grads)
    return model.evaluate(x, t)[0]


def _batches(n_rows):
    """Every step's rows: each epoch a permutation drawn from one generator seeded with PLAN.seed."""
    rng = np.random.default_rng(PLAN.seed)
    for _ in range(PLAN.epochs):
        yield from batch_indices(n_rows, PLAN.batch_size, rng)


def _worst(checks, kind):
    values = [c.value for c in checks if c.kind == kind]
    return f"{max(values):.2g}" if values else "-"


def sequence_row(number, row, seed):
    """The checks of one row (named "sequences #N ...") and its table line."""
    layer, option, on, off, ids = row
    x, t = _data(ids, seed)
    model = _model(on, ids, seed)
    keras_model = reference_keras.to_keras(model, dense_gradients=True)
    checks, _ = twin_checks(model, keras_model, x[:BATCH], t[:BATCH], numerical_samples=3, seed=seed)
    try:
        traj = _lockstep(model, keras_model, x, t)
        checks += trajectory_checks(traj, "float64")
        (loss, accuracy) = model.evaluate(x, t)
        keras_loss, keras_accuracy = reference_keras.evaluate(keras_model, x, t)
        checks += [scalar_check("final loss (evaluate)", loss, keras_loss, tolerance("float64", "final_loss"),
                                kind="final", subject="loss"),
                   scalar_check("final accuracy (evaluate)", accuracy, keras_accuracy, tolerance("float64", "accuracy"),
                                relative=False, kind="final", subject="accuracy")]
        effect = abs(_train_alone(_model(off, ids, seed), x, t) - loss) / abs(loss)
        checks.append(Check(f"option {option} changes the run (relative final-loss change, must be >= tolerance)",
                            effect, OPTION_EFFECT_MIN, bool(effect >= OPTION_EFFECT_MIN), kind="option_effect",
                            subject=option))
    except (ValueError, TypeError, FloatingPointError) as err:
        checks.append(stopped_check(err, "float64"))
        effect = None
    for check in checks:
        check.name = f"sequences #{number} {layer}, {option}: {check.name}"
    passed = all(c.passed for c in checks)
    cells = [layer, option, _worst(checks, "forward"), _worst(checks, "gradient"), _worst(checks, "trajectory"),
             _worst(checks, "final"), "-" if effect is None else f"{effect:.2g}", "pass" if passed else "FAIL"]
    return checks, cells


def sequence_checks(seed=0):
    """(checks, table rows) over ROWS."""
    checks, table = [], []
    for number, row in enumerate(ROWS, start=1):
        found, cells = sequence_row(number, row, seed + 500 + number)
        checks += found
        table.append(cells)
    return checks, table

"""`python -m comparisons matrix`: everything scratchnet offers, against Keras, in float64.

1. Combinations: every optimizer variant (SGD plain/momentum/Nesterov, Adagrad, RMSprop
   plain/centered/momentum, Adam, Adam with amsgrad, AdamW) with every loss variant (softmax
   cross-entropy on labels and on one-hot rows, each with both reductions; sigmoid binary
   cross-entropy; MSE), one row each. Every row also gets an activation, L2 on or off, weight
   decay on or off and one clip option (none, clipnorm, clipvalue, global_clipnorm), chosen
   greedily so that every pair of levels of any two of these six factors meets in some row (a
   covering design: 60 rows instead of the full product's 3,840). Each row is a small network on
   random data: the one-batch checks of `twin_checks` at the initial weights, a 12-step lockstep
   run (`run_lockstep`), and the final loss and accuracy of both sides; plus, on scratchnet alone,
   the same run without each of the row's options, which must end elsewhere (else the row does
   not exercise that option).
2. Initializers (run first, as are the next sections): a large draw from each scratchnet initializer
   against Keras's (initializer_checks).
3. Functions: scratchnet.functions against Keras's ops (function_checks).
4. Optimizer options: every default against Keras's, and values that must be refused or accepted
   beside Keras's verdicts (validation_checks).
5. Round trips of a model through save/load, astype and Keras (roundtrip_checks).
"""
import itertools
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

import reference_keras
import scratchnet
from scratchnet import Trainer
from scratchnet.gradcheck import relative_error
from scratchnet.layers import ACTIVATIONS
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from .checks import Check, scalar_check, trajectory_checks
from .function_checks import FUNCTION_HEADERS, function_checks
from .initializer_checks import INITIALIZER_HEADERS, initializer_checks
from .lockstep import run_lockstep
from .roundtrip_checks import ROUNDTRIP_HEADERS, roundtrip_checks
from .runner import Result
from .scenarios import Settings, build_optimizer
from .tolerances import OPTION_EFFECT_MIN, tolerance
from .twin import twin_checks
from .validation_checks import VALIDATION_HEADERS, optimizer_option_checks

SIZES = (6, 5, 4, 3)  # two hidden layers: each activation is applied twice
SAMPLES, BATCH, EPOCHS = 40, 10, 3  # 4 steps an epoch, 12 in all
L2 = float(np.float32(1e-3))  # float32-representable: Keras rounds the L2 factor through float32
WEIGHT_DECAY = 0.05

# name -> (optimizer, learning rate, options). The learning rates keep every run finite and
# moving; Adam's amsgrad uses beta_2 0.9 so that v falls below its running maximum within 12 steps.
OPTIMIZER_VARIANTS = {
    "sgd": ("sgd", 0.1, {}),
    "sgd momentum": ("sgd", 0.05, {"momentum": 0.9}),
    "sgd nesterov": ("sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
    "adagrad": ("adagrad", 0.1, {}),
    "rmsprop": ("rmsprop", 0.01, {}),
    "rmsprop centered": ("rmsprop", 0.01, {"centered": True}),
    "rmsprop momentum": ("rmsprop", 0.005, {"momentum": 0.5}),
    "adam": ("adam", 0.02, {}),
    "adam amsgrad": ("adam", 0.02, {"amsgrad": True, "beta_2": 0.9}),
    "adamw": ("adamw", 0.02, {}),
}
# What distinguishes a variant, removed to see that it matters (plain variants have nothing).
_VARIANT_ABLATION = {
    "sgd momentum": ("momentum", {"momentum": 0.0}),
    "sgd nesterov": ("nesterov", {"nesterov": False}),
    "rmsprop centered": ("centered", {"centered": False}),
    "rmsprop momentum": ("momentum", {"momentum": 0.0}),
    "adam amsgrad": ("amsgrad", {"amsgrad": False}),
    "adamw": ("AdamW's weight decay", {"optimizer": "adam", "weight_decay": None}),
}
# name -> (loss, reduction, target kind)
LOSS_VARIANTS = {
    "softmax CE, labels, mean": (SoftmaxCrossEntropy, "mean", "labels"),
    "softmax CE, labels, sum": (SoftmaxCrossEntropy, "sum", "labels"),
    "softmax CE, one-hot, mean": (SoftmaxCrossEntropy, "mean", "one_hot"),
    "softmax CE, one-hot, sum": (SoftmaxCrossEntropy, "sum", "one_hot"),
    "sigmoid BCE": (SigmoidBinaryCrossEntropy, "mean", "binary"),
    "MSE": (MeanSquaredError, "mean", "real"),
}
CLIPS = ("none", "clipnorm", "clipvalue", "global_clipnorm")
FACTORS = ("optimizer", "loss", "activation", "l2", "weight_decay", "clip")


@dataclass
class Row:
    optimizer: str
    loss: str
    activation: str
    l2: bool
    weight_decay: bool
    clip: str

    def levels(self):
        return dict(zip(FACTORS, (self.optimizer, self.loss, self.activation, self.l2, self.weight_decay, self.clip)))


def _pairs(levels):
    return {(a, levels[a], b, levels[b]) for a, b in itertools.combinations(FACTORS, 2)}


def covering_rows():
    """One row per (optimizer variant, loss variant); the other four factors chosen greedily to
    cover the most pairs not yet covered (ties: the first candidate), deterministic."""
    covered, rows = set(), []
    others = list(itertools.product(ACTIVATIONS, (False, True), (False, True), CLIPS))
    for optimizer, loss in itertools.product(OPTIMIZER_VARIANTS, LOSS_VARIANTS):
        best = max(others, key=lambda c: len(_pairs(Row(optimizer, loss, *c).levels()) - covered))
        row = Row(optimizer, loss, *best)
        covered |= _pairs(row.levels())
        rows.append(row)
    return rows


def required_pairs():
    """Every pair of levels of two factors."""
    values = {"optimizer": list(OPTIMIZER_VARIANTS), "loss": list(LOSS_VARIANTS), "activation": list(ACTIVATIONS),
              "l2": [False, True], "weight_decay": [False, True], "clip": list(CLIPS)}
    return {(a, x, b, y) for a, b in itertools.combinations(FACTORS, 2) for x in values[a] for y in values[b]}


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


def _roundtrip_cases(seed):
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
    if row.optimizer in _VARIANT_ABLATION:
        label, change = _VARIANT_ABLATION[row.optimizer]
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
    Trainer(model, build_optimizer(settings), x, t, epochs=settings.epochs, batch_size=settings.batch_size,
            seed=settings.seed, evaluate=None, progress=False).fit()
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
                            effect, OPTION_EFFECT_MIN, bool(effect >= OPTION_EFFECT_MIN)))
    return checks


def run_row(row, seed):
    """The checks of one combination."""
    x, t = row_data(row, seed)
    model = build_row_model(row, seed)
    keras_model = reference_keras.to_keras(model)
    settings = row_settings(row, model, x, t, seed)
    checks, diagnosis = twin_checks(model, keras_model, x[:BATCH], t[:BATCH], numerical_samples=3, seed=seed)
    optimizer = build_optimizer(settings)
    try:
        traj = run_lockstep(model, keras_model, optimizer, reference_keras.keras_optimizer(optimizer, keras_model),
                            x, t, settings, progress=False)
        checks.extend(trajectory_checks(traj, "float64"))
    except (ValueError, TypeError, FloatingPointError) as err:
        checks.append(Check("trajectory (lockstep training)", float("inf"), 0.0, False, f"training stopped: {err}"))
        return checks, settings, diagnosis
    (loss, accuracy), (keras_loss, keras_accuracy) = model.evaluate(x, t), reference_keras.evaluate(keras_model, x, t)
    checks += [scalar_check("final loss (evaluate)", loss, keras_loss, tolerance("float64", "final_loss")),
               scalar_check("final accuracy (evaluate)", accuracy, keras_accuracy, tolerance("float64", "accuracy"),
                            relative=False)]
    checks.extend(option_checks(row, settings, seed, x, t, model.get_weights()))
    return checks, settings, diagnosis


# -- the whole matrix ---------------------------------------------------------------------------
@dataclass
class MatrixSettings:
    scenario: str = "matrix"
    dtype: str = "float64"
    sizes: tuple = SIZES
    samples: int = SAMPLES
    batch_size: int = BATCH
    epochs: int = EPOCHS
    seed: int = 0

    def as_dict(self):
        return {**asdict(self), "sizes": list(self.sizes)}


@dataclass
class MatrixResult(Result):
    """A Result (checks, sections, diagnosis; passed/failed) with the compact table of the
    combinations, one row each, and the wall time."""
    rows: list = field(default_factory=list)
    seconds: float = 0.0


ROW_HEADERS = ["#", "optimizer", "loss", "activation", "L2", "options", "forward", "gradient", "trajectory",
               "final", "min option effect", "result"]


def _worst(checks, *words):
    values = [c.value for c in checks if all(word in c.name for word in words)]
    return f"{max(values):.2g}" if values else "-"


def _options_text(settings):
    shown = {k: v for k, v in settings.optimizer_options.items() if k not in ("momentum", "nesterov", "centered",
                                                                               "amsgrad", "beta_2")}
    return ", ".join(f"{k}={v:g}" for k, v in shown.items()) or "-"


def run(seed=0, rows=None, fail_fast=False):
    """The whole matrix (or the given rows): a MatrixResult. fail_fast stops at the first failing
    section or row (the verdict is the same, the report partial)."""
    start = time.perf_counter()
    result = MatrixResult(MatrixSettings(seed=seed))
    for title, (checks, table), headers in (
            ("Initializers: scratchnet's draw against Keras's (1000 x 300 values each)", initializer_checks(seed),
             INITIALIZER_HEADERS),
            ("scratchnet.functions against Keras", function_checks(seed), FUNCTION_HEADERS),
            ("Optimizer options: defaults, and values refused or accepted, scratchnet and Keras",
             optimizer_option_checks(), VALIDATION_HEADERS),
            ("Round trips: save/load, astype, to_keras/from_keras, set_weights, evaluate in chunks",
             roundtrip_checks(_roundtrip_cases(seed)), ROUNDTRIP_HEADERS)):
        result.checks.extend(checks)
        result.sections.append({"title": title, "headers": headers, "rows": table})
        if fail_fast and not result.passed:
            return result
    for number, row in enumerate(rows if rows is not None else covering_rows(), start=1):
        checks, settings, diagnosis = run_row(row, seed + number)
        for check in checks:
            check.name = f"#{number} {check.name}"
        result.checks.extend(checks)
        result.diagnosis.extend(f"#{number}: {line}" for line in diagnosis)
        effects = [c.value for c in checks if " option " in c.name]
        result.rows.append([number, row.optimizer, row.loss, row.activation, "on" if row.l2 else "off",
                            _options_text(settings), _worst(checks, "forward"), _worst(checks, "Keras autodiff"),
                            _worst(checks, "trajectory"), _worst(checks, "final"),
                            f"{min(effects):.2g}" if effects else "-",
                            "pass" if all(c.passed for c in checks) else "FAIL"])
        if fail_fast and not result.passed:
            break
    result.seconds = time.perf_counter() - start
    return result

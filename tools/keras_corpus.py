"""The Keras-model corpus (tests/corpus/keras_models) against `reference_keras.from_keras`.

For every model of the corpus: build it in float64 with seeded weights, convert it with
`from_keras`, and
  * when it converts: compare the scratchnet model with the Keras model itself on one batch (every
    Keras layer's output against the scratchnet layer it became, in training mode too where
    Dropout/BatchNormalization make a difference; the loss; every trainable weight's gradient) at
    the float64 tolerances of comparisons/tolerances.py (1e-12), then train both 20 steps in
    lockstep (comparisons.core.lockstep.run_lockstep: same batches, the model's own optimizer where
    scratchnet has it) and check the trajectory;
  * when it is refused: name every layer, option and loss that blocks it. `from_keras` stops at
    the first refusal, so each layer is converted on its own (a one-layer Sequential of a copy of
    it), and an option found blocking is switched to its default in the copy before trying again.

    python tools/keras_corpus.py                        # every model; Markdown report to stdout
    python tools/keras_corpus.py --report PATH --json PATH --split held-out --models NAME ...

`corpus_rows(names=None, split=None)` returns the rows (dicts, JSON-able) and `markdown(rows)`
renders them; nothing here changes scratchnet or reference_keras.
"""
import argparse
import collections
import importlib.util
import json
import re
import sys
import time
import traceback
from pathlib import Path

import numpy as np

import reference_keras as rk
from comparisons.core.check import Check, compare, scalar_check
from comparisons.core.lockstep import LockstepPlan, run_lockstep, trajectory_checks
from comparisons.core.one_batch import zero_on_both_sides
from comparisons.core.tolerances import tolerance
from reference_keras import keras, tf
from scratchnet import optimizers as sn_optimizers
from scratchnet.losses import SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

REGISTRY = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "keras_models" / "models.py"
DTYPE = "float64"
SEED = 0
CHECK_ROWS = 8  # the batch of the one-batch checks
BATCH_SIZE = 8  # lockstep: 20 steps of 8 rows, one epoch over 160 rows
LOCKSTEP_STEPS = 20


def load_registry(path=REGISTRY):
    """The corpus module (tests/corpus/keras_models/models.py), imported from its file."""
    spec = importlib.util.spec_from_file_location("keras_model_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(entry, seed=SEED):
    keras.utils.set_random_seed(seed)
    with rk.floatx(DTYPE):
        return entry.build()


# -- the compiled loss ------------------------------------------------------------------------------
_LOSS_NAMES = {"mse": "MeanSquaredError", "mean_squared_error": "MeanSquaredError",
               "mae": "MeanAbsoluteError", "mean_absolute_error": "MeanAbsoluteError",
               "binary_crossentropy": "BinaryCrossentropy", "categorical_crossentropy": "CategoricalCrossentropy",
               "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy", "huber": "Huber",
               "huber_loss": "Huber"}
_OPTION_DEFAULTS = {"from_logits": False, "label_smoothing": 0.0, "delta": 1.0, "axis": -1,
                    "ignore_class": None, "reduction": "sum_over_batch_size"}


def loss_kind(loss):
    """(canonical class name, {non-default option: value}) of a compiled loss: a name, a Keras
    function, a Keras Loss object (LossFunctionWrapper unwrapped); (None, {}) when uncompiled."""
    if loss is None:
        return None, {}
    if isinstance(loss, str):
        return _LOSS_NAMES.get(loss, loss), {}
    if type(loss).__name__ in ("LossFunctionWrapper", "CompiledLossFunction"):  # a name or function, wrapped
        config = loss.get_config()
        name = getattr(loss.fn, "__name__", type(loss).__name__)
        options = {key: value for key, value in config.items() if key in _OPTION_DEFAULTS
                   and value != _OPTION_DEFAULTS[key]}
        return _LOSS_NAMES.get(name, name), options
    if isinstance(loss, keras.losses.Loss):
        config = loss.get_config()
        options = {key: value for key, value in config.items() if key in _OPTION_DEFAULTS
                   and value != _OPTION_DEFAULTS[key]}
        return type(loss).__name__, options
    name = getattr(loss, "__name__", type(loss).__name__)
    return _LOSS_NAMES.get(name, name), {}


def describe_loss(loss):
    kind, options = loss_kind(loss)
    if kind is None:
        return "none (uncompiled)"
    return kind + ("(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")" if options else "")


class CompiledLossFunction(keras.losses.Loss):
    """What `compile` makes of a loss given as a name or a function (Keras's own wrapper is not
    public): the function's per-sample values reduced as Keras's losses reduce them."""

    def __init__(self, fn, name=None, dtype=DTYPE):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self.fn = fn

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


def keras_loss_object(loss):
    """A Keras Loss object in float64 computing what `compile(loss=...)` computes."""
    if isinstance(loss, keras.losses.Loss):
        return loss
    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    return CompiledLossFunction(function)


# -- data -----------------------------------------------------------------------------------------
def _leaf_layers(layers):
    for layer in layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.Sequential):
            yield from _leaf_layers(layer.layers)
        else:
            yield layer


def make_data(km, loss_name, rows, seed=SEED):
    """Seeded inputs (token ids for a model starting with Embedding, else N(0, 1) floats) and
    targets of the form the loss takes: integer labels, one-hot rows, 0/1 or real values."""
    rng = np.random.default_rng(seed)
    in_shape = tuple(km.inputs[0].shape[1:])
    first = next(_leaf_layers(km.layers))
    if isinstance(first, keras.layers.Embedding):
        x = rng.integers(0, first.input_dim, size=(rows, *in_shape))
    else:
        x = rng.normal(size=(rows, *in_shape)).astype(DTYPE)
    out_shape = tuple(km.output_shape[1:])
    if loss_name == "SparseCategoricalCrossentropy":
        t = rng.integers(0, out_shape[-1], size=(rows, *out_shape[:-1]))
    elif loss_name == "CategoricalCrossentropy":
        t = np.eye(out_shape[-1], dtype=DTYPE)[rng.integers(0, out_shape[-1], size=(rows, *out_shape[:-1]))]
    elif loss_name == "BinaryCrossentropy":
        t = (rng.random((rows, *out_shape)) < 0.5).astype(DTYPE)
    else:
        t = rng.normal(size=(rows, *out_shape)).astype(DTYPE)
    return x, t


# -- refusals: every layer, option and loss that blocks a model ---------------------------------------
_REPAIRS = {  # family pattern -> (family name, config change that removes the blocker)
    r"has use_bias=False": ("{cls}(use_bias=False)", {"use_bias": True}),
    r"sets (\w+), which": ("{cls} {0}", lambda m: {m.group(1): None}),
    r"has kernel_regularizer (\w+)": ("kernel_regularizer {0}", {"kernel_regularizer": None}),
    r"dilation_rate=": ("{cls} dilation_rate/groups", {"dilation_rate": 1, "groups": 1}),
    r"noise_shape=": ("Dropout noise_shape", {"noise_shape": None}),
    r"has mask_zero=True": ("Embedding mask_zero (masks)", {"mask_zero": False}),
    r"has keepdims=True": ("{cls} keepdims", {"keepdims": False}),
    r"center=False, scale=False, renorm": ("BatchNormalization center/scale/renorm",
                                           {"center": True, "scale": True, "renorm": False}),
    r"max_value, negative_slope or threshold": ("ReLU(max_value/negative_slope/threshold)",
                                                {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}),
}


def _activation_label(activation):
    if isinstance(activation, keras.layers.Layer):
        return f"activation given as a {type(activation).__name__} layer"
    name = getattr(activation, "__name__", repr(activation))
    try:
        builtin = keras.activations.get(name)
    except (ValueError, TypeError):
        builtin = None
    if builtin is activation:
        return f"activation {name!r}"
    public = next((f"tf.nn.{attr}" for attr in dir(tf.nn) if getattr(tf.nn, attr) is activation), None)
    return f"activation given as a function ({public or getattr(activation, '__module__', '') + '.' + name})"


def _builtin_activation(activation):
    name = getattr(activation, "__name__", None)
    try:
        return name is not None and keras.activations.get(name) is activation
    except (ValueError, TypeError):
        return False


def _probe(layer, probe_loss, config=None, activation=None):
    """from_keras on a one-layer Sequential holding a copy of `layer` built from `config` (with
    `activation`, if given, set on the copy), or `layer` itself when no config is given; returns
    the exception or None."""
    probed = layer
    if config is not None:
        probed = type(layer).from_config(config)
        if activation is not None:
            probed.activation = activation
    given = layer.input[0] if isinstance(layer.input, (list, tuple)) else layer.input  # (input, mask) after masking
    probe = keras.Sequential([keras.Input(tuple(given.shape[1:]), dtype=given.dtype), probed])
    try:
        rk.from_keras(probe, loss=probe_loss)
    except (rk.UnsupportedLayerError, ValueError, TypeError) as error:
        return error
    return None


def layer_blockers(layer, probe_loss="mean_squared_error"):
    """[(family, layer name)] of everything in `layer` that from_keras refuses."""
    if isinstance(layer, keras.Sequential):
        inner = [sub for sub in layer.layers if not isinstance(sub, keras.layers.InputLayer)]
        found = []  # from_keras flattens a nested Sequential: only its layers can block
        for i, sub in enumerate(inner):
            found += layer_blockers(sub, probe_loss if i == len(inner) - 1 else "mean_squared_error")
        return found
    cls = type(layer).__name__
    config = layer.get_config()
    activation = getattr(layer, "activation", None) if "activation" in config else None
    if activation is not None and not _builtin_activation(activation):
        config["activation"] = "linear"  # a function or a layer: set back on the copy as the object itself
    else:
        activation = None
    found = []
    with rk.floatx(DTYPE):
        for _ in range(8):
            try:
                error = _probe(layer, probe_loss, config, activation)
            except Exception:  # no copy can be made (a Lambda's function): the layer itself, first refusal only
                config = None
                try:
                    error = _probe(layer, probe_loss)
                except Exception as failure:
                    found.append((f"{cls} (could not be probed: {type(failure).__name__})", layer.name))
                    break
            if error is None:
                break
            family, change = _classify(cls, str(error), getattr(layer, "activation", None))
            if family is None:  # an artefact of probing the layer alone (not a blocker in the model)
                break
            found.append((family, layer.name))
            if config is None or not change:
                break
            if change == "activation" and activation is not None:
                activation = keras.activations.linear
            elif change == "activation":
                config["activation"] = "linear"
            else:
                config.update(change)
    return found


def _classify(cls, message, activation):
    """(family, repair) for a refusal message: repair is a config change, "activation", or None."""
    if "has no scratchnet equivalent" in message:
        return f"layer {cls}", None
    if "uses activation" in message:
        return _activation_label(activation), "activation"
    if "applies softmax before the output" in message:
        return "softmax before the output", "activation" if cls != "Activation" else None
    if "needs at least one Affine layer" in message:  # a parameterless layer alone: nothing refused
        return None, None
    if "inputs only" in message:
        return ("Dense on an N-D input (no Flatten before it)", None) if "becomes Affine" in message else (None, None)
    for pattern, (family, change) in _REPAIRS.items():
        match = re.search(pattern, message)
        if match:
            return family.format(*match.groups(), cls=cls), change(match) if callable(change) else change
    if "data_format" in message:
        return f"{cls} channels_first", None
    if "normalises axis" in message:
        return "BatchNormalization axis other than the last", None
    return f"{cls}: {message.split(';')[0][:100]}", None


def metric_blockers(refusal):
    """[(family, "compile")] of the compiled metrics a from_keras refusal message names."""
    return [(f"metric {name}", "compile") for name in re.findall(r"the compiled (?:weighted )?metric '([^']+)'",
                                                                   refusal)]


def model_blockers(km, refusal=""):
    """[(family, where)] of every blocker of the model: its loss, its metrics (from from_keras's
    refusal message), then each layer's."""
    found = metric_blockers(refusal)
    kind, options = loss_kind(getattr(km, "loss", None))
    loss = getattr(km, "loss", None)
    mapped = rk.scratchnet_loss(loss) if loss is not None and not callable_only(loss) else None
    if loss is not None and mapped is None:
        option_text = f"({', '.join(options)})" if options and kind in _LOSS_NAMES.values() else ""
        found.append((f"loss {kind}{option_text}", "compile"))
    probe_loss = type(mapped).__name__ if mapped is not None else "mean_squared_error"
    probe_loss = {"SoftmaxCrossEntropy": "softmax_cross_entropy",
                  "SigmoidBinaryCrossEntropy": "sigmoid_binary_cross_entropy"}.get(probe_loss, "mean_squared_error")
    top = [layer for layer in km.layers if not isinstance(layer, keras.layers.InputLayer)]
    for i, layer in enumerate(top):
        found += layer_blockers(layer, probe_loss if i == len(top) - 1 else "mean_squared_error")
    return found


def callable_only(loss):
    """A bare function given to compile (rk.scratchnet_loss maps names and Loss objects only)."""
    return callable(loss) and not isinstance(loss, (str, keras.losses.Loss))


# -- agreement of a converted model ------------------------------------------------------------------
def _expansion(layer):
    """How many scratchnet layers from_keras makes of a Keras layer (a Dense's or a
    convolution's activation other than linear is a layer of its own)."""
    if isinstance(layer, keras.Sequential):
        return sum(_expansion(sub) for sub in layer.layers if not isinstance(sub, keras.layers.InputLayer))
    if isinstance(layer, keras.layers.TimeDistributed):
        layer = layer.layer
    if not isinstance(layer, _SPLIT_ACTIVATION):  # a recurrent layer's activation is inside it
        return 1
    return 1 if getattr(layer, "activation", None) in (None, keras.activations.linear) else 2


# The layers whose activation from_keras makes a layer of its own.
_SPLIT_ACTIVATION = (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D)


def _output_activation(sn_model, logits):
    if isinstance(sn_model.loss_layer, SoftmaxCrossEntropy):
        shifted = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)
    if isinstance(sn_model.loss_layer, SigmoidBinaryCrossEntropy):
        return 1.0 / (1.0 + np.exp(-logits))
    return logits


def _forward_checks(km, sn_model, x, training, suffix=""):
    """One check per Keras layer: its output against the output of the last scratchnet layer it
    became (through the loss's output activation where from_keras folded it into the loss)."""
    tol, n = tolerance(DTYPE, "forward"), x.shape[0]
    with rk.state_preserved(km):
        theirs = rk.forward_trace(km, x, training=training)
    with sn_model.frozen_state():
        ours = list(sn_model.forward_trace(x, training=training).values())
    top = [layer for layer in km.layers if not isinstance(layer, keras.layers.InputLayer)]
    ends = np.cumsum([_expansion(layer) for layer in top]) - 1
    total = int(ends[-1]) + 1
    if len(ours) not in (total, total - 1):  # no layer-by-layer correspondence: the outputs only
        last = ours[-1] if len(ours) == total else _output_activation(sn_model, ours[-1])
        return [compare(f"forward output{suffix} (layers do not correspond one to one)", last,
                        theirs[top[-1].name], tol, n)]
    folded = len(ours) == total - 1
    checks = []
    for layer, end in zip(top, ends):
        if folded and end == total - 1:
            value = _output_activation(sn_model, ours[-1])
        else:
            value = ours[end]
        checks.append(compare(f"forward {layer.name}{suffix}", value, theirs[layer.name], tol, n))
    return checks


def _gradient_checks(km, sn_model, keras_loss, x, t):
    tol, n = tolerance(DTYPE, "gradient"), x.shape[0]
    with rk.state_preserved(km):
        keras_value, keras_grads = rk.loss_and_gradients(km, keras_loss, x, t)
    with sn_model.frozen_state():
        value = sn_model.loss(x, t)
    with sn_model.frozen_state():
        grads = sn_model.gradient(x, t)
    checks = [scalar_check("loss", value, keras_value, tolerance(DTYPE, "loss"))]
    if len(grads) != len(keras_grads):
        checks.append(Check("trainable tensors", float("inf"), 0.0, False,
                            f"scratchnet trains {len(grads)} tensors, Keras {len(keras_grads)}"))
        return checks
    scale = max((float(np.max(np.abs(g), initial=0.0)) for g in keras_grads.values()), default=0.0)
    for (name, ours), (path, theirs) in zip(grads.items(), keras_grads.items()):
        check = compare(f"gradient {name} ({path})", ours, theirs, tol, n)
        if not check.passed and np.isfinite(check.value):
            check = zero_on_both_sides(check, ours, theirs, scale) or check
        checks.append(check)
    return checks


def scratchnet_optimizer(keras_optimizer):
    """(scratchnet optimizer with the compiled optimizer's hyperparameters and Keras's float32
    roundings, note) or (Adam(1e-3) as a stand-in, why) when scratchnet has none."""
    if keras_optimizer is None:
        return sn_optimizers.Adam(1e-3, float32_hyperparams=True), "stand-in Adam(1e-3): uncompiled"
    config = keras_optimizer.get_config()
    cls = sn_optimizers.OPTIMIZERS.get(type(keras_optimizer).__name__.lower())
    problems = []
    if cls is None:
        problems.append(f"{type(keras_optimizer).__name__} has no scratchnet equivalent")
    if isinstance(config.get("learning_rate"), dict):
        problems.append("a learning-rate schedule")
    for key in ("use_ema", "loss_scale_factor", "gradient_accumulation_steps"):
        if config.get(key):
            problems.append(f"{key}={config[key]!r}")
    if problems:
        return sn_optimizers.Adam(1e-3, float32_hyperparams=True), "stand-in Adam(1e-3): " + ", ".join(problems)
    options = {key: config[key] for key in cls.options() if key in config}
    return cls(float(config["learning_rate"]), float32_hyperparams=True, **options), type(keras_optimizer).__name__


def _lockstep_checks(km, sn_model, keras_loss, x, t):
    sn_opt, note = scratchnet_optimizer(getattr(km, "optimizer", None))
    km.scratchnet_loss = keras_loss  # the loss reference_keras.train_steps trains with
    keras_opt = rk.keras_optimizer(sn_opt, km)
    plan = LockstepPlan(epochs=1, batch_size=BATCH_SIZE, seed=SEED)
    trajectory = run_lockstep(sn_model, km, sn_opt, keras_opt, x, t, plan, progress=False)
    if len(trajectory.scratchnet_loss) != LOCKSTEP_STEPS:
        raise RuntimeError(f"lockstep took {len(trajectory.scratchnet_loss)} steps, not {LOCKSTEP_STEPS}")
    return trajectory_checks(trajectory, DTYPE, sn_opt), note


def _l2_factors(km):
    factors = []
    for layer in _leaf_layers(km.layers):
        regularizer = getattr(layer, "kernel_regularizer", None)
        if regularizer is not None and hasattr(regularizer, "l2"):
            factors.append(float(regularizer.l2))
    return factors


def disagreement_cause(km, sn_model, keras_loss, checks, optimizer_note=""):
    """The cause of a disagreement in plain words, from what the checks and the model show."""
    failed = [c for c in checks if not c.passed]
    frozen = [layer.name for layer in _leaf_layers(km.layers) if not layer.trainable and layer.weights]
    trainable = sum(1 for w in km.trainable_weights)
    if frozen:
        return (f"trainable=False ignored: layers {', '.join(frozen)} are frozen in Keras; scratchnet trains "
                f"{len(sn_model.params)} tensors where Keras trains {trainable}")
    inexact = [f for f in _l2_factors(km) if f != float(np.float32(f))]
    if inexact:
        return (f"L2 factor {inexact[0]!r}: Keras applies float32({inexact[0]!r}) = {float(np.float32(inexact[0]))!r} "
                f"even in float64, from_keras passes the exact factor")
    kind, options = loss_kind(keras_loss) if getattr(km, "loss", None) is not None else (None, {})
    last = list(_leaf_layers(km.layers))[-1]
    last_activation = getattr(getattr(last, "activation", None), "__name__", "")
    if kind in ("SparseCategoricalCrossentropy", "CategoricalCrossentropy", "BinaryCrossentropy"):
        if not options.get("from_logits") and last_activation not in ("softmax", "sigmoid"):
            return ("the loss takes probabilities (from_logits=False) but the model ends in "
                    f"{last_activation or type(last).__name__} outputs; from_keras pairs it with a loss on logits")
        if options.get("from_logits") and last_activation in ("softmax", "sigmoid"):
            return (f"from_logits=True on a {last_activation} output: from_keras folds the {last_activation} into "
                    f"its loss, Keras applies its loss to the {last_activation}'s output")
    first = failed[0]
    if [c.name for c in failed] == ["trajectory weights (max drift)"] and any(
            name in optimizer_note for name in ("Adam", "RMSprop", "Adagrad")):
        return (f"round-off amplified by {optimizer_note.split(':')[0]}: "
                f"forward, loss and gradients agree at round-off; "
                f"the optimizer divides each gradient entry by its own running magnitude, "
                f"so entries near its epsilon turn a ~1e-17 gradient difference into a weight difference of "
                f"{first.value:.2g} relative ({first.diagnosis})")
    return f"first failing check: {first.name}: {first.value:.3g} > {first.tolerance:g} {first.diagnosis}".strip()


# -- one row per model ------------------------------------------------------------------------------
def corpus_row(entry):
    row = {"name": entry.name, "split": entry.split, "sequence": entry.sequence,
           "source": f"{entry.source.repo}/{entry.source.path}", "scaled": entry.scaled}
    start = time.perf_counter()
    km = build(entry)
    loss = getattr(km, "loss", None)
    row["loss"] = describe_loss(loss)
    row["optimizer"] = type(km.optimizer).__name__ if getattr(km, "optimizer", None) is not None else None
    try:
        sn_model = rk.from_keras(km)
    except Exception as error:  # every refusal, whatever its type, is what the row records
        row["status"] = "refused"
        row["first_refusal"] = f"{type(error).__name__}: {error}"
        blockers = model_blockers(km, str(error))
        row["blockers"] = [{"family": family, "where": where} for family, where in blockers]
        if not blockers:
            row["blockers"] = [{"family": f"whole model: {str(error)[:100]}", "where": "from_keras"}]
        row["seconds"] = round(time.perf_counter() - start, 2)
        return row
    row["status"] = "converted"
    row["scratchnet_loss"] = type(sn_model.loss_layer).__name__ if sn_model.loss_layer is not None else None
    row["notes"] = []
    if loss is None:
        output = _output_activation_name(km)
        chosen, keras_loss, loss_name = {
            "softmax": ("softmax_cross_entropy", keras.losses.SparseCategoricalCrossentropy(dtype=DTYPE),
                        "SparseCategoricalCrossentropy"),
            "sigmoid": ("sigmoid_binary_cross_entropy", keras.losses.BinaryCrossentropy(dtype=DTYPE),
                        "BinaryCrossentropy")}.get(output, ("mean_squared_error",
                                                            keras.losses.MeanSquaredError(dtype=DTYPE),
                                                            "MeanSquaredError"))
        row["guessed_loss"] = row["scratchnet_loss"]
        row["notes"].append(f"uncompiled: from_keras guessed the loss {row['scratchnet_loss']}; checked with "
                            f"{chosen} given on both sides")
        if isinstance(sn_model.loss_layer, SoftmaxCrossEntropy) and output != "softmax":
            units = km.output_shape[-1]
            row["notes"].append(f"the guessed softmax cross-entropy sits on a {output or 'linear'} output of {units} "
                                f"unit{'s' if units != 1 else ''}"
                                + (": loss 0 and gradient 0 whatever the input" if units == 1 else ""))
        sn_model = rk.from_keras(km, loss=chosen)
    else:
        keras_loss = keras_loss_object(loss)
        loss_name = loss_kind(keras_loss)[0]
    x, t = make_data(km, loss_name, BATCH_SIZE * LOCKSTEP_STEPS)
    xb, tb = x[:CHECK_ROWS], t[:CHECK_ROWS]
    checks = []
    try:
        modes = any(getattr(layer, "training_aware", False) for layer in sn_model.layers)
        checks += _forward_checks(km, sn_model, xb, training=modes)
        if modes:
            checks += _forward_checks(km, sn_model, xb, training=False, suffix=" (inference mode)")
        checks += _gradient_checks(km, sn_model, keras_loss, xb, tb)
        lockstep, note = _lockstep_checks(km, sn_model, keras_loss, x, t)
        checks += lockstep
        row["lockstep_optimizer"] = note
    except Exception as error:
        checks.append(Check("ran", float("inf"), 0.0, False, f"{type(error).__name__}: {error}"))
        row["traceback"] = traceback.format_exc(limit=4)
    row["checks"] = [c.as_dict() for c in checks]
    row["agrees"] = all(c.passed for c in checks)
    worst = collections.defaultdict(float)
    for c in checks:
        kind = c.name.split()[0]
        worst[kind] = max(worst[kind], c.value)
    row["worst"] = dict(worst)
    if not row["agrees"]:
        row["cause"] = disagreement_cause(km, sn_model, keras_loss, checks, row.get("lockstep_optimizer", ""))
        if _sparse_gradient_suspect(km, checks, row.get("lockstep_optimizer", "")):
            row["cause"] = _sparse_gradient_cause(entry, None if loss is not None else chosen, keras_loss, x, t)
    row["seconds"] = round(time.perf_counter() - start, 2)
    return row


_ADAPTIVE = ("Adam", "Nadam", "RMSprop", "Adagrad")


def _sparse_gradient_suspect(km, checks, optimizer_note):
    """Only the trajectory fails, the model starts with Embedding and trains with an adaptive optimizer."""
    failed = {c.name.split()[0] for c in checks if not c.passed}
    return failed == {"trajectory"} and isinstance(next(_leaf_layers(km.layers)), keras.layers.Embedding) and any(
        name in optimizer_note for name in _ADAPTIVE)


def _sparse_gradient_cause(entry, given_loss, keras_loss, x, t):
    """The lockstep run again on fresh models, with Keras handing the optimizer the Embedding's
    gradient dense (reference_keras._steps.dense_gradients): the cause, measured."""
    km = build(entry)
    sn_model = rk.from_keras(km, loss=given_loss)  # the loss the first run used (given where uncompiled)
    km.scratchnet_dense_gradients = True
    checks, note = _lockstep_checks(km, sn_model, keras_loss, x, t)
    verdict = "agree" if all(c.passed for c in checks) else "still differ"
    return (f"Keras's sparse Embedding gradient: Keras hands {note.split(':')[0]} the Embedding's gradient as "
            f"IndexedSlices (rows per occurrence of an id), which scratchnet applies by Keras's rules "
            f"(scratchnet.slices), yet only the trajectory differs; forward, loss and gradients agree, and with "
            f"the gradient handed to both sides dense the 20 steps {verdict} "
            f"(worst {max(c.value for c in checks):.1e})")


def _output_activation_name(km):
    """'softmax', 'sigmoid', ... of the model's last layer (its activation, or an Activation layer)."""
    last = list(_leaf_layers(km.layers))[-1]
    activation = getattr(last, "activation", None)
    return getattr(activation, "__name__", None) if activation is not keras.activations.linear else None


def corpus_rows(names=None, split=None, progress=None):
    """One row per corpus model (all, or those named, or one split), in registry order."""
    registry = load_registry()
    rows = []
    for name, entry in registry.MODELS.items():
        if (names and name not in names) or (split and entry.split != split):
            continue
        row = corpus_row(entry)
        rows.append(row)
        if progress:
            progress(row)
    return rows


# -- the report -------------------------------------------------------------------------------------
def _rate(part, whole):
    return f"{part}/{whole} ({100 * part / whole:.0f} %)" if whole else "0/0"


def families(rows):
    """{family: sorted model names it blocks}, most models first."""
    blocked = collections.defaultdict(set)
    for row in rows:
        for blocker in row.get("blockers", []):
            blocked[blocker["family"]].add(row["name"])
    return dict(sorted(((f, sorted(n)) for f, n in blocked.items()), key=lambda item: (-len(item[1]), item[0])))


def markdown(rows, title="Keras-model corpus against reference_keras.from_keras (float64)"):
    lines = [f"# {title}", ""]
    groups = [("all", rows)]
    for split in ("development", "held-out"):
        groups.append((split, [r for r in rows if r["split"] == split]))
    lines += ["| models | count | convert | converted and agree at 1e-12 (one batch + 20-step lockstep) |",
              "| --- | --- | --- | --- |"]
    for sequence in (False, True):
        for label, group in groups:
            group = [r for r in group if r["sequence"] is sequence]
            converted = [r for r in group if r["status"] == "converted"]
            agree = [r for r in converted if r.get("agrees")]
            kind = "sequence (issue 23)" if sequence else "non-sequence"
            lines.append(f"| {kind}, {label} | {len(group)} | {_rate(len(converted), len(group))} | "
                         f"{_rate(len(agree), len(converted))} |")
    lines += ["", "## Refusal families", "",
              "Every layer, option and loss that blocks a refused model "
              "(each layer converted on its own, "
              "options switched off one at a time). A model counts once per family.", "",
              "| family | models blocked | of them blocked by this family alone | models |",
              "| --- | --- | --- | --- |"]
    for family, names in families(rows).items():
        alone = [n for n in names if all(b["family"] == family for r in rows if r["name"] == n
                                         for b in r["blockers"])]
        lines.append(f"| {family} | {len(names)} | {len(alone)} | {', '.join(names)} |")
    lines += ["", "## Converted models that disagree with Keras", ""]
    bad = [r for r in rows if r["status"] == "converted" and not r.get("agrees")]
    lines += [f"- **{r['name']}** ({r['loss']}): {r.get('cause', '')}" for r in bad] or ["none"]
    lines += ["", "## Converted without a loss of their own (uncompiled): the loss from_keras guessed", ""]
    lines += [f"- {r['name']}: {'; '.join(r['notes'][1:]) or r['notes'][0]}" for r in rows
              if r.get("guessed_loss")] or ["none"]
    stand_ins = collections.Counter(r["lockstep_optimizer"].split(": ", 1)[1] for r in rows
                                    if r.get("lockstep_optimizer", "").startswith("stand-in"))
    own = sum(1 for r in rows if r.get("lockstep_optimizer") and not r["lockstep_optimizer"].startswith("stand-in"))
    lines += ["", "## Lockstep optimizers", "",
              f"{own} converted models trained with their own optimizer (scratchnet's, with Keras's float32 "
              f"roundings); the others with a stand-in Adam(1e-3), because scratchnet lacks theirs:", ""]
    lines += [f"- {why}: {count}" for why, count in stand_ins.most_common()] or ["- none"]
    lines += ["", "## Every model", "",
              "| model | split | seq | loss | status | worst forward / loss / gradient / trajectory "
              "| blockers or cause |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if r["status"] == "converted":
            w = r.get("worst", {})
            worst = " / ".join(f"{w[k]:.1e}" if k in w else "-" for k in ("forward", "loss", "gradient", "trajectory"))
            detail = ("agrees" if r.get("agrees") else r.get("cause", "")) + (
                "; " + "; ".join(r["notes"]) if r.get("notes") else "")
            status = "converted"
        else:
            worst = ""
            detail = "; ".join(sorted({b["family"] for b in r["blockers"]}))
            status = "refused"
        lines.append(f"| {r['name']} | {r['split']} | {'yes' if r['sequence'] else ''} | {r['loss']} | {status} | "
                     f"{worst} | {detail} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", help="only these models")
    parser.add_argument("--split", choices=["development", "held-out"])
    parser.add_argument("--report", help="write the Markdown report here (default: stdout)")
    parser.add_argument("--json", help="write the rows as JSON here")
    args = parser.parse_args(argv)

    def progress(row):
        state = row["status"] if row["status"] == "refused" else ("agrees" if row.get("agrees") else "DISAGREES")
        print(f"{row['name']:45s} {state:10s} {row['seconds']:6.1f} s", file=sys.stderr, flush=True)

    rows = corpus_rows(args.models, args.split, progress)
    text = markdown(rows)
    if args.report:
        Path(args.report).write_text(text)
    else:
        print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

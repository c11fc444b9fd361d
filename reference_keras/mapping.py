"""The Keras loss and optimizer that follow the same equations as a scratchnet one.

Both are created in an explicit float type: a Keras loss converts predictions to its own dtype
(floatx at creation by default) and an optimizer's learning-rate variable is created in floatx, so
a float32 one silently rounds a float64 run. `train_step` and `loss_and_gradients` refuse such a
mismatch.
"""
import numpy as np

from scratchnet import initializers as sn_initializers
from scratchnet import losses as sn_losses
from scratchnet import optimizers as sn_optimizers
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from ._environment import keras
from .dtype import dtype_name, floatx, model_dtype

_TARGETS = ("sparse", "one_hot", None)
KERAS_REDUCTION = {"mean": "sum_over_batch_size", "sum": "sum"}  # scratchnet reduction -> Keras's


@keras.saving.register_keras_serializable(package="reference_keras")
class SoftmaxCrossEntropyLoss(keras.losses.Loss):
    """Keras's categorical cross-entropy for whichever target form arrives, like scratchnet's
    SoftmaxCrossEntropy: y_true of the same rank as y_pred (one-hot rows) goes to
    `keras.losses.categorical_crossentropy`; one rank lower (integer labels), or a column (N, 1)
    of labels for a wider output, to `keras.losses.sparse_categorical_crossentropy` (which
    squeezes the column). Ranks and shapes are static, so under `tf.function` this is decided
    once per trace. Reduction as Keras's own classes: the batch mean."""

    def __init__(self, from_logits=True, name="softmax_cross_entropy",
                 reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        if len(y_true.shape) == len(y_pred.shape) and not (y_true.shape[-1] == 1 and y_pred.shape[-1] != 1):
            return keras.losses.categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=self.from_logits)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits}


def loss_instance(loss_layer):
    """A scratchnet loss instance from an instance (as is) or a class (its defaults); anything else,
    or a loss with no Keras counterpart, is refused."""
    loss = loss_layer() if isinstance(loss_layer, type) and issubclass(loss_layer, sn_losses.Loss) else loss_layer
    if type(loss) not in sn_losses.LOSSES.values():
        name = loss.__name__ if isinstance(loss, type) else type(loss).__name__
        raise ValueError(f"reference_keras: no Keras loss is known to match {name}; supported: "
                         f"{', '.join(cls.__name__ for cls in sn_losses.LOSSES.values())}")
    return loss


# scratchnet loss class -> the Keras class computing it, and the options both share.
_KERAS_LOSS = {sn_losses.CategoricalCrossentropy: (keras.losses.CategoricalCrossentropy, ("label_smoothing",)),
               sn_losses.SparseCategoricalCrossentropy: (keras.losses.SparseCategoricalCrossentropy, ()),
               sn_losses.BinaryCrossentropy: (keras.losses.BinaryCrossentropy, ("label_smoothing",)),
               sn_losses.MeanAbsoluteError: (keras.losses.MeanAbsoluteError, ()),
               sn_losses.Huber: (keras.losses.Huber, ("delta",)),
               MeanSquaredError: (keras.losses.MeanSquaredError, ())}


def keras_loss(loss_layer, targets=None, from_logits=None, dtype=None):
    """The Keras loss computing what `loss_layer` (a scratchnet loss instance or class) computes.

    SoftmaxCrossEntropy -> SparseCategoricalCrossentropy (targets="sparse": integer labels) or
    CategoricalCrossentropy (targets="one_hot"), or with targets=None a `SoftmaxCrossEntropyLoss`
    accepting either; SigmoidBinaryCrossEntropy -> BinaryCrossentropy; the Keras-named losses
    (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError,
    MeanAbsoluteError, Huber) -> Keras's class of the same name with the same options.
    `from_logits` None keeps the loss's own (True for the two fused losses); False gives the
    probability form of a cross-entropy, for models ending in Activation("softmax"/"sigmoid")
    (see `to_keras(softmax_output=True)`). `dtype` is the float type the loss computes in: the
    model's ('float32'/'float64'); None means `keras.config.floatx()` now. An instance's
    `reduction` carries over: scratchnet's "mean" is Keras's default "sum_over_batch_size", "sum"
    (SoftmaxCrossEntropy's course convention) is Keras's reduction="sum".
    """
    loss = loss_instance(loss_layer)
    cls, reduction = type(loss), KERAS_REDUCTION[loss.reduction]
    if targets not in _TARGETS:
        raise ValueError(f"keras_loss: targets must be one of {_TARGETS}, got {targets!r}")
    dtype = dtype_name(dtype if dtype is not None else keras.config.floatx())
    if from_logits is not None and loss.from_logits is None and not from_logits:
        raise ValueError(f"keras_loss: {cls.__name__} works on the output itself; from_logits=False "
                         f"(a probability output) has no meaning for it")
    from_logits = bool(loss.from_logits if from_logits is None else from_logits)
    if cls is SoftmaxCrossEntropy:
        if targets == "sparse":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction=reduction,
                                                              dtype=dtype)
        if targets == "one_hot":
            return keras.losses.CategoricalCrossentropy(from_logits=from_logits, reduction=reduction, dtype=dtype)
        return SoftmaxCrossEntropyLoss(from_logits=from_logits, reduction=reduction, dtype=dtype)
    if targets == "sparse" and cls is not sn_losses.SparseCategoricalCrossentropy:
        raise ValueError(f"keras_loss: {cls.__name__} takes targets shaped like the output, not labels")
    if cls is SigmoidBinaryCrossEntropy:
        return keras.losses.BinaryCrossentropy(from_logits=from_logits, reduction=reduction, dtype=dtype)
    keras_class, options = _KERAS_LOSS[cls]
    settings = {key: getattr(loss, key) for key in options}
    if loss.from_logits is not None:
        settings["from_logits"] = from_logits
    return keras_class(reduction=reduction, dtype=dtype, **settings)


# The Keras loss classes that compute a scratchnet loss, with the options that come over.
SCRATCHNET_LOSS_OF = {keras.losses.SparseCategoricalCrossentropy: sn_losses.SparseCategoricalCrossentropy,
                      keras.losses.CategoricalCrossentropy: sn_losses.CategoricalCrossentropy,
                      SoftmaxCrossEntropyLoss: SoftmaxCrossEntropy,
                      keras.losses.BinaryCrossentropy: sn_losses.BinaryCrossentropy,
                      keras.losses.MeanSquaredError: MeanSquaredError,
                      keras.losses.MeanAbsoluteError: sn_losses.MeanAbsoluteError,
                      keras.losses.Huber: sn_losses.Huber}
_SCRATCHNET_LOSS_NAMED = {"sparse_categorical_crossentropy": sn_losses.SparseCategoricalCrossentropy,
                          "categorical_crossentropy": sn_losses.CategoricalCrossentropy,
                          "binary_crossentropy": sn_losses.BinaryCrossentropy,
                          "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
                          "mean_absolute_error": sn_losses.MeanAbsoluteError, "mae": sn_losses.MeanAbsoluteError,
                          "huber": sn_losses.Huber}
# Keras's loss functions, given to compile as functions, by their names above.
_KERAS_LOSS_FUNCTIONS = {getattr(keras.losses, name): name for name in _SCRATCHNET_LOSS_NAMED
                         if callable(getattr(keras.losses, name, None))}
_OPTIONS_OF = {sn_losses.CategoricalCrossentropy: ("from_logits", "label_smoothing"),
               sn_losses.SparseCategoricalCrossentropy: ("from_logits",),
               sn_losses.BinaryCrossentropy: ("from_logits", "label_smoothing"),
               sn_losses.Huber: ("delta",)}
# What a Keras loss's config may hold that scratchnet has no use for (they change nothing here).
_HARMLESS = {"name", "reduction", "dtype", "fn", "axis", "ignore_class"}


def unsupported_loss_reason(keras_loss_or_name):
    """Why `scratchnet_loss` finds no scratchnet loss for a Keras loss (a phrase), or None."""
    if isinstance(keras_loss_or_name, str):
        if keras_loss_or_name in _SCRATCHNET_LOSS_NAMED:
            return None
        return f"has no scratchnet equivalent (known names: {', '.join(sorted(_SCRATCHNET_LOSS_NAMED))})"
    if _function_name(keras_loss_or_name):
        return None
    cls = SCRATCHNET_LOSS_OF.get(type(keras_loss_or_name))
    if cls is None:
        return (f"has no scratchnet equivalent (supported: "
                f"{', '.join(sorted({k.__name__ for k in SCRATCHNET_LOSS_OF}))})")
    config = _settings(keras_loss_or_name)
    reasons = []
    if config.get("reduction") not in REDUCTION_OF:
        reasons.append(f"reduction={config.get('reduction')!r} (scratchnet has "
                       f"{' and '.join(repr(r) for r in sorted(REDUCTION_OF))})")
    if config.get("axis", -1) not in (-1, None):
        reasons.append(f"axis={config['axis']} (scratchnet reduces the last axis)")
    if config.get("ignore_class") is not None:
        reasons.append(f"ignore_class={config['ignore_class']}")
    unknown = sorted(set(config) - _HARMLESS - set(_OPTIONS_OF.get(cls, ())) - {"from_logits"})
    if unknown:
        reasons.append(f"the options {', '.join(unknown)}")
    return f"sets {', '.join(reasons)}, which scratchnet's {cls.__name__} does not take" if reasons else None


REDUCTION_OF = {"sum_over_batch_size": "mean", "mean": "mean", "sum": "sum"}  # Keras reduction -> scratchnet's


def _settings(keras_loss_object):
    """A Keras loss's settings: its config, with the keyword arguments its function is called with
    (Keras's Huber.get_config() leaves `delta` out; the wrapper keeps it in `_fn_kwargs`)."""
    return {**getattr(keras_loss_object, "_fn_kwargs", {}), **keras_loss_object.get_config()}


def _function_name(loss):
    """The name of one of Keras's loss functions (keras.losses.mean_squared_error, ...), else None."""
    if isinstance(loss, keras.losses.Loss) or not callable(loss):
        return None
    return _KERAS_LOSS_FUNCTIONS.get(loss)


def scratchnet_loss(keras_loss_or_name):
    """The scratchnet loss (a fresh instance, options and reduction included) computing what a
    Keras loss object, a loss name or one of Keras's loss functions computes (Keras's class of
    the same name; BinaryCrossentropy(from_logits=True) without smoothing is
    SigmoidBinaryCrossEntropy, SoftmaxCrossEntropyLoss is SoftmaxCrossEntropy); None when there is
    none (`unsupported_loss_reason` says why: another reduction, ignore_class, an unknown loss)."""
    if unsupported_loss_reason(keras_loss_or_name) is not None:
        return None
    if isinstance(keras_loss_or_name, str) or _function_name(keras_loss_or_name):
        return _SCRATCHNET_LOSS_NAMED[_function_name(keras_loss_or_name) or keras_loss_or_name]()
    cls = SCRATCHNET_LOSS_OF[type(keras_loss_or_name)]
    config = _settings(keras_loss_or_name)
    options = {key: config[key] for key in _OPTIONS_OF.get(cls, ()) if key in config}
    reduction = REDUCTION_OF[config.get("reduction")]
    if cls is sn_losses.BinaryCrossentropy and options.get("from_logits") and not options.get("label_smoothing"):
        return SigmoidBinaryCrossEntropy(reduction)  # the same loss, the twin of which Keras's is
    return cls(**options, reduction=reduction)


def count_correct(keras_loss_object, y, t, sample_weight=None):
    """(correct predictions, predictions made) for outputs `y` of a model trained with
    `keras_loss_object`, counted by Keras's own accuracy metrics (what scratchnet's
    `Loss.count_correct` is checked against): the binary cross-entropies, and any loss on a
    one-unit output: `keras.metrics.binary_accuracy` per output unit, with threshold 0 on logits
    (0.5 on probabilities), so a target counts only where it equals the thresholded prediction (a
    soft target such as 0.5 never does); integer labels, (N,) or a column (N, 1):
    `sparse_categorical_accuracy`; anything shaped like the output (one-hot rows, MSE targets):
    `categorical_accuracy` (argmax against argmax). With `sample_weight` both numbers are sums
    weighted per sample, so their ratio is Keras's weighted accuracy."""
    t, y = np.asarray(t), np.asarray(y)
    binary = SCRATCHNET_LOSS_OF.get(type(keras_loss_object)) in (SigmoidBinaryCrossEntropy,
                                                                 sn_losses.BinaryCrossentropy)
    if binary or y.shape[-1] == 1:
        from_logits = keras_loss_object.get_config().get("from_logits", False)
        hits = keras.metrics.binary_accuracy(t, y, threshold=0.0 if from_logits else 0.5)
    elif t.ndim == y.ndim - 1 or (t.shape[-1] == 1 and y.shape[-1] != 1):  # labels (per position), or a column
        hits = keras.metrics.sparse_categorical_accuracy(t, y)
    else:
        hits = keras.metrics.categorical_accuracy(t, y)
    hits = np.asarray(hits).reshape(y.shape[0], -1)
    if sample_weight is None:
        return int(np.sum(hits)), hits.size
    w = np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
    return float(np.sum(hits * w)), float(np.sum(w) * hits.shape[1])


def keras_optimizer(sn_optimizer, model):
    """A fresh Keras optimizer with `sn_optimizer`'s hyperparameters (its `config()`, whose names
    are Keras's) for `model`: what it will train, i.e. a Keras model, its scratchnet twin, or the
    parameters themselves ({name: array}). The learning-rate variable takes their dtype; a float32
    one would round a float64 run.

    For agreement beyond ~1e-7 in float64 the scratchnet side needs `float32_hyperparams=True`:
    Keras rounds some hyperparameters through float32 (see scratchnet.optimizers). A scratchnet
    optimizer that has already taken steps is refused: its state has no Keras counterpart here.
    """
    kind = type(sn_optimizer)
    cls = getattr(keras.optimizers, kind.__name__, None)
    if kind not in sn_optimizers.OPTIMIZERS.values() or cls is None:
        raise ValueError(f"keras_optimizer: no Keras optimizer is known to match {kind.__name__}; "
                         f"supported: {', '.join(c.__name__ for c in sn_optimizers.OPTIMIZERS.values())}")
    if sn_optimizer.iterations or sn_optimizer.state:
        raise ValueError(f"keras_optimizer: this {kind.__name__} has already taken "
                         f"{sn_optimizer.iterations} steps; map a fresh one so both start from the same state")
    # Python floats, bools and None (an option left off) only: keras.optimizers.SGD(learning_rate=1)
    # raises on an int.
    kwargs = {key: value if value is None or isinstance(value, bool) else float(value)
              for key, value in sn_optimizer.config().items()}
    with floatx(_dtype_of(model)):
        return cls(**kwargs)


def _dtype_of(model):
    """'float32'/'float64' of what an optimizer will train: a Keras model (see model_dtype), a
    scratchnet model, or a dict of parameter arrays sharing one dtype."""
    if isinstance(model, keras.Model):
        return model_dtype(model)
    if isinstance(model, dict) and model:
        dtypes = {dtype_name(getattr(value, "dtype", None)) for value in model.values()}
        if len(dtypes) == 1:
            return dtypes.pop()
        raise TypeError(f"keras_optimizer: the parameters mix dtypes {sorted(dtypes)}")
    if not hasattr(model, "dtype") or not hasattr(model, "params"):
        raise TypeError(f"keras_optimizer: expected the model to train (Keras or scratchnet) or its parameters "
                        f"({{name: array}}), got {type(model).__name__}")
    return dtype_name(model.dtype)


# scratchnet initializer class -> (the Keras initializer class of the same name, and the scale and
# mode of its VarianceScaling, written out here for the untruncated variant).
_KERAS_VARIANCE_SCALING = {sn_initializers.GlorotNormal: (keras.initializers.GlorotNormal, 1.0, "fan_avg"),
                           sn_initializers.HeNormal: (keras.initializers.HeNormal, 2.0, "fan_in"),
                           sn_initializers.LeCunNormal: (keras.initializers.LecunNormal, 1.0, "fan_in")}


def keras_initializer(sn_initializer, seed=None):
    """The Keras initializer that draws from the same distribution as scratchnet's
    `sn_initializer` (an instance), seeded with `seed`: Gaussian(std) -> RandomNormal(0, std),
    GlorotUniform/GlorotNormal/HeNormal/LeCunNormal -> Keras's class of the same name (the
    untruncated variant, e.g. the textbook's HeNormal(truncated=False), -> VarianceScaling with
    distribution "untruncated_normal"), Zeros -> Zeros, Orthogonal(gain) -> Orthogonal(gain),
    Uniform(a, b) -> RandomUniform(a, b). The draws differ (different random
    generators); the distributions are what `comparisons matrix` compares."""
    kind = type(sn_initializer)
    if kind is sn_initializers.Gaussian:
        return keras.initializers.RandomNormal(0.0, sn_initializer.std, seed=seed)
    if kind is sn_initializers.GlorotUniform:
        return keras.initializers.GlorotUniform(seed=seed)
    if kind is sn_initializers.Zeros:
        return keras.initializers.Zeros()
    if kind is sn_initializers.Orthogonal:
        return keras.initializers.Orthogonal(gain=sn_initializer.gain, seed=seed)
    if kind is sn_initializers.Uniform:
        return keras.initializers.RandomUniform(sn_initializer.minval, sn_initializer.maxval, seed=seed)
    if kind in _KERAS_VARIANCE_SCALING:
        cls, scale, mode = _KERAS_VARIANCE_SCALING[kind]
        if sn_initializer.truncated:
            return cls(seed=seed)
        return keras.initializers.VarianceScaling(scale, mode, "untruncated_normal", seed=seed)
    raise ValueError(f"keras_initializer: no Keras initializer is known to match {kind.__name__}")

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
    `keras.losses.categorical_crossentropy`, one rank lower (integer labels) to
    `keras.losses.sparse_categorical_crossentropy`. The rank is static, so under `tf.function`
    this is decided once per trace. Reduction as Keras's own classes: the batch mean."""

    def __init__(self, from_logits=True, name="softmax_cross_entropy",
                 reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        if len(y_true.shape) == len(y_pred.shape):
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


def keras_loss(loss_layer, targets=None, from_logits=True, dtype=None):
    """The Keras loss computing what `loss_layer` (a scratchnet loss instance or class) computes.

    SoftmaxCrossEntropy -> SparseCategoricalCrossentropy (targets="sparse": integer labels) or
    CategoricalCrossentropy (targets="one_hot"), or with targets=None a `SoftmaxCrossEntropyLoss`
    accepting either; SigmoidBinaryCrossEntropy -> BinaryCrossentropy; MeanSquaredError ->
    MeanSquaredError. `from_logits=False` gives the probability form of the two cross-entropies,
    for models ending in Activation("softmax"/"sigmoid") (see `to_keras(softmax_output=True)`).
    `dtype` is the float type the loss computes in: the model's ('float32'/'float64'); None means
    `keras.config.floatx()` now. An instance's `reduction` carries over: scratchnet's "mean" is
    Keras's default "sum_over_batch_size", "sum" (SoftmaxCrossEntropy's course convention) is
    Keras's reduction="sum".
    """
    loss = loss_instance(loss_layer)
    cls, reduction = type(loss), KERAS_REDUCTION[loss.reduction]
    if targets not in _TARGETS:
        raise ValueError(f"keras_loss: targets must be one of {_TARGETS}, got {targets!r}")
    dtype = dtype_name(dtype if dtype is not None else keras.config.floatx())
    from_logits = bool(from_logits)
    if cls is SoftmaxCrossEntropy:
        if targets == "sparse":
            return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits, reduction=reduction,
                                                              dtype=dtype)
        if targets == "one_hot":
            return keras.losses.CategoricalCrossentropy(from_logits=from_logits, reduction=reduction, dtype=dtype)
        return SoftmaxCrossEntropyLoss(from_logits=from_logits, reduction=reduction, dtype=dtype)
    if targets == "sparse":
        raise ValueError(f"keras_loss: {cls.__name__} takes targets shaped like the output, not labels")
    if cls is SigmoidBinaryCrossEntropy:
        return keras.losses.BinaryCrossentropy(from_logits=from_logits, reduction=reduction, dtype=dtype)
    if not from_logits:
        raise ValueError("keras_loss: MeanSquaredError works on the output itself; from_logits=False "
                         "(a probability output) has no meaning for it")
    return keras.losses.MeanSquaredError(reduction=reduction, dtype=dtype)


# The Keras loss classes that compute a scratchnet loss (and the names `compile` accepts).
SCRATCHNET_LOSS_OF = {keras.losses.SparseCategoricalCrossentropy: SoftmaxCrossEntropy,
                      keras.losses.CategoricalCrossentropy: SoftmaxCrossEntropy,
                      SoftmaxCrossEntropyLoss: SoftmaxCrossEntropy,
                      keras.losses.BinaryCrossentropy: SigmoidBinaryCrossEntropy,
                      keras.losses.MeanSquaredError: MeanSquaredError}
_SCRATCHNET_LOSS_NAMED = {"sparse_categorical_crossentropy": SoftmaxCrossEntropy,
                          "categorical_crossentropy": SoftmaxCrossEntropy,
                          "binary_crossentropy": SigmoidBinaryCrossEntropy,
                          "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError}


def scratchnet_loss(keras_loss_or_name):
    """The scratchnet loss (a fresh instance, reduction included) computing what a Keras loss object
    or a loss name computes; None when there is none (label smoothing, other reductions, ...)."""
    if isinstance(keras_loss_or_name, str):
        cls = _SCRATCHNET_LOSS_NAMED.get(keras_loss_or_name)
        return cls() if cls else None
    cls = SCRATCHNET_LOSS_OF.get(type(keras_loss_or_name))
    if cls is None:
        return None
    config = keras_loss_or_name.get_config()
    reduction = {keras_name: name for name, keras_name in KERAS_REDUCTION.items()}.get(config.get("reduction"))
    if config.get("label_smoothing") or reduction is None:
        return None
    return cls(reduction)


def count_correct(keras_loss_object, y, t):
    """(correct predictions, predictions made) for outputs `y` of a model trained with
    `keras_loss_object`, counted by Keras's own accuracy metrics (what scratchnet's
    `Loss.count_correct` is checked against):
    binary cross-entropy: `keras.metrics.binary_accuracy` per output unit, with threshold 0 on
    logits (0.5 on probabilities), so a target counts only where it equals the thresholded
    prediction (a soft target such as 0.5 never does); integer labels:
    `sparse_categorical_accuracy`; anything shaped like the output (one-hot rows, MSE targets):
    `categorical_accuracy` (argmax against argmax)."""
    t = np.asarray(t)
    if SCRATCHNET_LOSS_OF.get(type(keras_loss_object)) is SigmoidBinaryCrossEntropy:
        from_logits = keras_loss_object.get_config().get("from_logits", False)
        hits = keras.metrics.binary_accuracy(t, y, threshold=0.0 if from_logits else 0.5)
    elif t.ndim == 1:
        hits = keras.metrics.sparse_categorical_accuracy(t, y)
    else:
        hits = keras.metrics.categorical_accuracy(t, y)
    hits = np.asarray(hits)
    return int(np.sum(hits)), hits.size


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

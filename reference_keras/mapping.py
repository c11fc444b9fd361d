"""The Keras loss and optimizer that follow the same equations as a scratchnet one.

Both are created in an explicit float type: a Keras loss converts predictions to its own dtype
(floatx at creation by default) and an optimizer's learning-rate variable is created in floatx, so
a float32 one silently rounds a float64 run. `train_step` and `loss_and_gradients` refuse such a
mismatch.
"""
from scratchnet import optimizers as sn_optimizers
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from ._environment import keras
from .dtype import dtype_name, floatx

_TARGETS = ("sparse", "one_hot", None)
KERAS_REDUCTION = {"mean": "sum_over_batch_size", "sum": "sum"}  # scratchnet reduction -> Keras's


def reduction_of(loss_layer):
    """'mean' or 'sum': a scratchnet loss's reduction (a class, or a loss without the attribute,
    averages, which is Keras's default)."""
    reduction = "mean" if isinstance(loss_layer, type) else getattr(loss_layer, "reduction", "mean")
    if reduction not in KERAS_REDUCTION:
        raise ValueError(f"reference_keras: no Keras reduction is known to match {reduction!r}")
    return reduction


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


def loss_class(loss_layer):
    """The scratchnet loss class of an instance or class; anything else is refused."""
    cls = loss_layer if isinstance(loss_layer, type) else type(loss_layer)
    if cls not in (SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError):
        raise ValueError(f"reference_keras: no Keras loss is known to match {cls.__name__}; supported: "
                         f"SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError")
    return cls


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
    cls = loss_class(loss_layer)
    reduction = KERAS_REDUCTION[reduction_of(loss_layer)]
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


def _hyperparameters(opt):
    """(Keras class, keyword arguments as Python floats/bools) for a scratchnet optimizer.
    Floats, never ints: keras.optimizers.SGD(learning_rate=1) raises."""
    lr = {"learning_rate": float(opt.learning_rate)}
    kind = type(opt)
    if kind is sn_optimizers.SGD:
        return keras.optimizers.SGD, {**lr, "momentum": float(opt.momentum), "nesterov": bool(opt.nesterov)}
    if kind is sn_optimizers.Adagrad:
        return keras.optimizers.Adagrad, {**lr, "initial_accumulator_value": float(opt.initial_accumulator_value),
                                          "epsilon": float(opt.epsilon)}
    if kind is sn_optimizers.RMSprop:
        return keras.optimizers.RMSprop, {**lr, "rho": float(opt.rho), "momentum": float(opt.momentum),
                                          "epsilon": float(opt.epsilon), "centered": bool(opt.centered)}
    if kind is sn_optimizers.Adam:
        return keras.optimizers.Adam, {**lr, "beta_1": float(opt.beta_1), "beta_2": float(opt.beta_2),
                                       "epsilon": float(opt.epsilon), "amsgrad": False}
    raise ValueError(f"keras_optimizer: no Keras optimizer is known to match {kind.__name__}; "
                     f"supported: SGD, Adagrad, RMSprop, Adam")


def keras_optimizer(sn_optimizer, dtype=None):
    """A fresh Keras optimizer with `sn_optimizer`'s hyperparameters.

    `dtype` ('float32'/'float64', default `keras.config.floatx()` now) is the dtype of the
    learning-rate variable; it must be the model's, or a float64 run trains with
    float32(learning_rate) (`train_step` checks). For agreement beyond ~1e-7 in float64 the
    scratchnet side needs `float32_hyperparams=True`: Keras rounds some hyperparameters through
    float32 (see scratchnet.optimizers). A scratchnet optimizer that has already taken steps is
    refused: its state has no Keras counterpart here.
    """
    cls, kwargs = _hyperparameters(sn_optimizer)
    if sn_optimizer.iterations or sn_optimizer.state:
        raise ValueError(f"keras_optimizer: this {type(sn_optimizer).__name__} has already taken "
                         f"{sn_optimizer.iterations} steps; map a fresh one so both start from the same state")
    with floatx(dtype if dtype is not None else keras.config.floatx()):
        return cls(**kwargs)

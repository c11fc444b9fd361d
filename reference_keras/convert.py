"""scratchnet Sequential <-> keras.Sequential, layer for layer and weight for weight.

to_keras maps Affine -> Dense (kernel_regularizer=L2(l2) when l2 is set, use_bias=False for an
Affine without bias), each activation to its own Activation layer (or Keras's ReLU, LeakyReLU,
ELU layer where it has settings), and Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
GlobalMaxPooling2D, Flatten, Dropout,
BatchNormalization, Reshape, Rescaling, Normalization, Resizing, Embedding, SimpleRNN, LSTM, GRU,
Bidirectional, Conv1D and the 1-D poolings to the Keras layers of the same names and settings (a
model starting with Embedding gets an int32 Input), so the Keras model's layer outputs line up
1:1 with scratchnet's (forward_trace). Weights are copied exactly, moving statistics included
(`keras_model.scratchnet_weight_names` names them W1, b1, gamma1, ..., moving_mean1, ... in
get_weights order); a frozen layer (`trainable = False`) is frozen in Keras too; a Dropout's Keras
twin gets the same seed and the same seed-generator counter, so both draw the same masks from then
on (scratchnet.layers.dropout), and so does a recurrent layer with dropout
(scratchnet.layers.recurrent). The loss travels as a Keras loss object attached to the model
(`keras_model.scratchnet_loss`, with `keras_model.scratchnet_dtype`); a model without a loss
gets None.

from_keras takes a built keras.Sequential (nested Sequentials are flattened into it) and its
compiled loss with the loss's options (from_logits, label_smoothing, delta, reduction); an
uncompiled model comes over without a loss: it predicts, and training asks for one. A layer,
option or loss it cannot take is refused with UnsupportedLayerError, which lists every one of
them, not only the first.

Keras's casts. Where Keras turns a Python float into a tensor with `ops.cast` (Rescaling's scale
and offset, ReLU's max_value and threshold, and from Keras 3.14 on the L2 regularizer's factor),
the number goes through float32 first, so a float64 Keras model computes with float32(value);
`keras_cast` gives the number Keras computes with, and from_keras hands that to scratchnet, so
that both compute the same. Keras before 3.14 applies the L2 factor itself:
`keras_l2_rounds_through_float32()` (reference_keras._environment) measures which, once, and
`keras_l2_factor(l2, dtype)` is `keras_cast` with that answer, the factor the installed Keras
applies (the one place that decides it). to_keras passes such settings as arrays of the model's
dtype, which Keras casts exactly, except the L2 factor: `Affine.l2` goes to keras.regularizers.L2
unchanged (for agreement beyond ~1e-9 in the penalty's share of the loss and gradient on every
Keras, give scratchnet a float32-representable factor, e.g. l2=float(np.float32(1e-4)), or use
exact_l2=True). Within `twin_l2_equation(...)` the twin follows the L2 equation chosen there
instead: keras_l2_factor answers for it, and where it is not the installed Keras's, each Dense
gets ExactL2 of that factor.

The softmax quirk (softmax_output=True): Keras's softmax and sigmoid activations tag their output
tensor with the logits they came from (`_keras_logits`), and the cross-entropies then compute
from those logits even when `from_logits=False`; inside `tf.function` an output whose op is
Softmax/Sigmoid is recognised the same way. So loss_and_gradients/train_step on a
softmax_output model compute exactly scratchnet's fused loss (logits [60, 0, 0], label 1: 60.0).
The same loss applied to the probabilities as plain numbers (e.g. `model.predict(x)`) clips them
to [1e-7, 1 - 1e-7] first, as scratchnet.functions.cross_entropy_error does: 16.118 = -log(1e-7).
A scratchnet model ending in Softmax (Sigmoid) with a categorical (binary) cross-entropy does the
same (Sequential.reads_logits), so such a model and its twin agree layer for layer.
"""
import collections
import functools
import inspect
import json

import numpy as np

import scratchnet
from scratchnet.layers import (ACTIVATIONS, ELU, GELU, GRU, LSTM, ACTIVATION_LAYERS, Affine, AveragePooling1D,
                               AveragePooling2D, BatchNormalization, Bidirectional, Conv1D, Conv2D, Dropout, Embedding,
                               Flatten, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                               GlobalMaxPooling2D, Identity, LeakyReLU, MaxPooling1D,
                               MaxPooling2D, Normalization, ReLU, Rescaling, Reshape, Resizing, SimpleRNN, Softmax,
                               ZeroPadding2D, activation)
from scratchnet.losses import LOSSES, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from ._environment import (keras, keras_casts_python_floats_through_float32, keras_l2_rounds_through_float32, tf,
                           twin_l2_equation_overridden)
from . import _steps
from .dtype import dtype_name, floatx
from .mapping import keras_loss, loss_instance, scratchnet_loss, unsupported_loss_reason


class UnsupportedLayerError(ValueError):
    """A layer (or an option, or a loss) with no exact counterpart in the other library."""


# -- Keras's casts of Python floats --------------------------------------------------------------
def keras_cast(value, dtype, rounds_through_float32=None):
    """The number(s) Keras computes with where it casts the Python float (or list of floats)
    `value` to a `dtype` tensor: float32(value) in float32, and in float64 too when this Keras
    rounds Python floats through float32 (`rounds_through_float32`, the detected behaviour; None:
    measured once on the installed Keras); NumPy arrays and scalars keep their own dtype's value.
    A float, or an array for an array-like `value`."""
    if value is None:
        return None
    if rounds_through_float32 is None:
        rounds_through_float32 = keras_casts_python_floats_through_float32()
    python = isinstance(value, (int, float, list, tuple)) and not isinstance(value, bool)
    through = np.float32 if python and (rounds_through_float32 or dtype_name(dtype) == "float32") else None
    array = np.asarray(np.asarray(value, dtype=through) if through else value).astype(dtype_name(dtype))
    return float(array) if array.ndim == 0 else array


def keras_l2_factor(l2, dtype="float64"):
    """The factor keras.regularizers.L2(l2) multiplies sum(W**2) by for weights of `dtype`:
    float32(l2) for float32 weights, and for float64 weights where this Keras casts the factor
    through float32 (Keras 3.14 on; `keras_l2_rounds_through_float32`, detected once), else l2."""
    return keras_cast(float(l2), dtype, rounds_through_float32=keras_l2_rounds_through_float32())


def twin_l2_factors(model):
    """{layer name: [its l2, the factor the twin applies (keras_l2_factor)]} for each layer of the
    scratchnet `model` with an L2 penalty; the two differ where float32 does not hold l2 exactly
    and the twin follows Keras 3.14's equation (float32(l2), which a report records)."""
    return {layer.name: [float(layer.l2), keras_l2_factor(layer.l2, model.dtype)] for layer in model.layers
            if getattr(layer, "l2", 0.0)}


# -- to Keras ------------------------------------------------------------------------------------
def _keras_l2(layer, dtype):
    """The kernel regularizer of a layer with an L2 factor (Dense, Conv2D), or None."""
    regularizer = keras.regularizers.L2(layer.l2) if layer.l2 else None
    if layer.l2 and twin_l2_equation_overridden():  # the other Keras's equation, by twin_l2_equation's order
        regularizer = ExactL2(keras_l2_factor(layer.l2, dtype))
    return regularizer


def _keras_dense(layer, dtype):
    return keras.layers.Dense(layer.shape[1], use_bias=layer.use_bias, kernel_regularizer=_keras_l2(layer, dtype),
                              name=layer.name, dtype=dtype)


@keras.saving.register_keras_serializable(package="reference_keras")
def gelu_tanh(x):
    """keras.activations.gelu(x, approximate=True) as a named function (what to_keras gives an
    Activation layer for scratchnet's GELU(approximate=True))."""
    return keras.activations.gelu(x, approximate=True)


def _keras_activation(layer, dtype):
    """Activation(name) for an activation without settings; Keras's ReLU, LeakyReLU or ELU layer
    for one with settings (numbers as `dtype` arrays: Keras casts them exactly)."""
    kind = type(layer)
    if kind is ReLU and not layer.plain:
        number = (lambda v: None if v is None else np.asarray(v, dtype=dtype))  # noqa: E731
        return keras.layers.ReLU(max_value=number(layer.max_value), negative_slope=number(layer.negative_slope),
                                 threshold=number(layer.threshold), name=layer.name, dtype=dtype)
    if kind is LeakyReLU:
        return keras.layers.LeakyReLU(negative_slope=layer.negative_slope, name=layer.name, dtype=dtype)
    if kind is ELU and layer.alpha != 1.0:
        return keras.layers.ELU(alpha=layer.alpha, name=layer.name, dtype=dtype)
    function = gelu_tanh if kind is GELU and layer.approximate else _KERAS_NAME[kind]
    return keras.layers.Activation(function, name=layer.name, dtype=dtype)


# Each activation layer class -> its Keras activation name (the first of its names; ReLU's with
# settings are built apart).
_KERAS_NAME = {}
for _name, _cls in scratchnet.layers.ACTIVATION_NAMES.items():
    if isinstance(_cls, type):
        _KERAS_NAME.setdefault(_cls, _name)


def _keras_conv2d(layer, dtype):
    return keras.layers.Conv2D(layer.filters, layer.kernel_size, strides=layer.strides, padding=layer.padding,
                               dilation_rate=layer.dilation_rate, use_bias=layer.use_bias,
                               kernel_regularizer=_keras_l2(layer, dtype), name=layer.name, dtype=dtype)


def _keras_pooling(keras_class):
    def build(layer, dtype):
        return keras_class(layer.pool_size, strides=layer.strides, padding=layer.padding, name=layer.name, dtype=dtype)
    return build


def _keras_flatten(layer, dtype):
    return keras.layers.Flatten(name=layer.name, dtype=dtype)


def _keras_dropout(layer, dtype):
    if not layer.inverted:
        raise UnsupportedLayerError(f"to_keras: layer {layer.name!r} (Dropout) is the book's non-inverted dropout "
                                    f"(inverted=False); Keras's Dropout is inverted")
    dropout = keras.layers.Dropout(layer.rate, seed=layer.seed, name=layer.name, dtype=dtype)
    if layer.rate > 0:  # Keras makes no seed generator for rate 0 (it draws nothing)
        dropout.seed_generator.state.assign(np.array([layer.seed, layer.counter], dtype=np.int64))
    return dropout


def keras_book_dropout(layer, dtype):
    """The book's non-inverted Dropout (scratchnet `Dropout(inverted=False)`) from Keras's own
    layers: Keras's Dropout (inverted: x * mask / (1 - rate) in training, x at inference) followed
    by Rescaling(1 - rate) (the scale given as a `dtype` array: a Python float would pass through
    float32) gives x * mask and x * (1 - rate), the book's two modes, exactly (the mask is the
    one the same seed and counter give scratchnet's Dropout). A block named like the layer, its
    Dropout named `<name>_keras_dropout`."""
    inverted = Dropout(layer.rate, seed=layer.seed, name=f"{layer.name}_keras_dropout")
    inverted.counter = layer.counter
    scale = np.asarray(1.0 - layer.rate, dtype=dtype)
    return keras.Sequential([_keras_dropout(inverted, dtype),
                             keras.layers.Rescaling(scale, name=f"{layer.name}_rescaling", dtype=dtype)],
                            name=layer.name)


def _keras_batch_normalization(layer, dtype):
    return keras.layers.BatchNormalization(momentum=layer.momentum, epsilon=layer.epsilon, name=layer.name,
                                           dtype=dtype)


def _keras_reshape(layer, dtype):
    return keras.layers.Reshape(layer.target_shape, name=layer.name, dtype=dtype)


def _keras_rescaling(layer, dtype):
    return keras.layers.Rescaling(layer.scale.astype(dtype), layer.offset.astype(dtype), name=layer.name, dtype=dtype)


def _keras_normalization(layer, dtype, input_shape):
    """Keras's Normalization with the layer's statistics: `axis` the sample axes the statistics
    vary along (None for one mean), mean and variance shaped by those axes."""
    if layer.epsilon != float(keras.config.epsilon()):
        raise UnsupportedLayerError(f"to_keras: layer {layer.name!r} (Normalization) has epsilon {layer.epsilon:g}; "
                                    f"Keras's is keras.config.epsilon() = {keras.config.epsilon():g}")
    rank = layer.mean.ndim if input_shape is None else len(input_shape)
    mean = layer.mean.reshape((1,) * (rank - layer.mean.ndim) + layer.mean.shape)
    kept = tuple(i for i, size in enumerate(mean.shape) if size > 1)
    if not kept:
        return keras.layers.Normalization(axis=None, mean=float(layer.mean.ravel()[0]),
                                          variance=float(layer.variance.ravel()[0]), name=layer.name, dtype=dtype)
    shape = tuple(mean.shape[i] for i in kept)
    return keras.layers.Normalization(axis=tuple(i + 1 for i in kept), mean=layer.mean.reshape(shape),
                                      variance=layer.variance.reshape(shape), name=layer.name, dtype=dtype)


def _keras_resizing(layer, dtype):
    return keras.layers.Resizing(layer.height, layer.width, interpolation=layer.interpolation, name=layer.name,
                                 dtype=dtype)


def _keras_embedding(layer, dtype):
    return keras.layers.Embedding(layer.input_dim, layer.output_dim, name=layer.name, dtype=dtype)


def _keras_recurrent(layer, dtype):
    """Keras's SimpleRNN/LSTM/GRU with the layer's options; a layer with dropout gets its seed and
    its seed generator's counter, so both draw the same masks from then on."""
    options = {key: value for key, value in layer.config().items()
               if key not in ("kind", "units", "input_dim", "input_shape")}
    recurrent = getattr(keras.layers, type(layer).__name__)(layer.units, **options, name=layer.name, dtype=dtype)
    if layer.training_aware:
        recurrent.cell.seed_generator.state.assign(np.array([layer.seed, layer.counter], dtype=np.int64))
    return recurrent


def _keras_bidirectional(layer, dtype):
    """Keras's Bidirectional of the two sub-layers (Keras rebuilds the forward one from its
    config, so its seed-generator counter is set again afterwards)."""
    forward, backward = layer.forward_layer, layer.backward_layer
    backward_keras = _keras_recurrent(backward, dtype)
    wrapper = keras.layers.Bidirectional(_keras_recurrent(forward, dtype), backward_layer=backward_keras,
                                         merge_mode=layer.merge_mode, name=layer.name, dtype=dtype)
    if forward.training_aware:
        wrapper.forward_layer.cell.seed_generator.state.assign(np.array([forward.seed, forward.counter], np.int64))
    return wrapper


def _keras_conv1d(layer, dtype):
    return keras.layers.Conv1D(layer.filters, layer.kernel_size, strides=layer.strides, padding=layer.padding,
                               name=layer.name, dtype=dtype)


def _keras_global_pooling(keras_class):
    def build(layer, dtype):
        return keras_class(name=layer.name, dtype=dtype)
    return build


# scratchnet layer class -> the function building its Keras layer (weights are copied afterwards).
TO_KERAS = {Affine: _keras_dense, **{cls: _keras_activation for cls in ACTIVATION_LAYERS},
            Conv2D: _keras_conv2d, MaxPooling2D: _keras_pooling(keras.layers.MaxPooling2D),
            AveragePooling2D: _keras_pooling(keras.layers.AveragePooling2D), Flatten: _keras_flatten,
            Dropout: _keras_dropout, BatchNormalization: _keras_batch_normalization, Reshape: _keras_reshape,
            Rescaling: _keras_rescaling, Normalization: _keras_normalization, Resizing: _keras_resizing,
            Embedding: _keras_embedding, SimpleRNN: _keras_recurrent, LSTM: _keras_recurrent, GRU: _keras_recurrent,
            Bidirectional: _keras_bidirectional, Conv1D: _keras_conv1d,
            MaxPooling1D: _keras_pooling(keras.layers.MaxPooling1D),
            AveragePooling1D: _keras_pooling(keras.layers.AveragePooling1D),
            GlobalAveragePooling1D: _keras_global_pooling(keras.layers.GlobalAveragePooling1D),
            GlobalMaxPooling1D: _keras_global_pooling(keras.layers.GlobalMaxPooling1D),
            GlobalAveragePooling2D: _keras_global_pooling(keras.layers.GlobalAveragePooling2D),
            GlobalMaxPooling2D: _keras_global_pooling(keras.layers.GlobalMaxPooling2D),
            ZeroPadding2D: lambda layer, dtype: keras.layers.ZeroPadding2D(layer.padding, name=layer.name, dtype=dtype)}
_NEEDS_INPUT_SHAPE = (Normalization,)  # builders that take the layer's per-sample input shape too


@keras.saving.register_keras_serializable(package="reference_keras")
class ExactL2(keras.regularizers.Regularizer):
    """l2 * sum(W**2) with the factor converted straight to the weight's dtype. Keras's own L2
    casts the Python float through float32 first from Keras 3.14 on (see the module docstring),
    which is Keras's behaviour to mirror for a Keras user's model, but not the exact penalty a
    NumPy model states."""

    def __init__(self, l2):
        self.l2 = float(l2)

    def __call__(self, x):
        factor = np.asarray(self.l2, dtype=dtype_name(x.dtype))
        return keras.ops.multiply(factor, keras.ops.sum(keras.ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


def _keras_builder(layer, book_dropout, what):
    """The function building `layer`'s Keras twin: its TO_KERAS entry, or keras_book_dropout for a
    non-inverted Dropout when `book_dropout`; UnsupportedLayerError (naming `what`) for a layer
    with no entry."""
    if type(layer) not in TO_KERAS:
        raise UnsupportedLayerError(f"{what} has no exact Keras equivalent; "
                                    f"supported: {', '.join(cls.__name__ for cls in TO_KERAS)}")
    if book_dropout and isinstance(layer, Dropout) and not layer.inverted:
        return keras_book_dropout
    return TO_KERAS[type(layer)]


_REUSED = collections.OrderedDict()  # (config, input shape, dtype) -> a built Keras layer, for reuse=True
REUSED_KEPT = 64


def _build(build, layer, dtype, input_shape):
    keras_layer_ = build(layer, dtype, input_shape) if type(layer) in _NEEDS_INPUT_SHAPE else build(layer, dtype)
    keras_layer_.trainable = layer.trainable
    return keras_layer_


def keras_layer(layer, dtype=None, reuse=False):
    """The built Keras layer computing what the scratchnet `layer` computes, with copies of its
    weights (moving statistics included), in `dtype` (default: the layer's parameters' dtype;
    float64 for a parameterless one); a non-inverted Dropout gets `keras_book_dropout`.

    reuse=True: the Keras layer built before in this process for the same configuration, input
    shape and dtype (the last REUSED_KEPT of them), given this layer's weights: building a Keras
    layer costs more than a check's call of it. For a caller done with the previous one (the
    same object comes back); a layer that draws masks (Dropout, recurrent dropout) is built each time."""
    build = _keras_builder(layer, True, f"keras_layer: {type(layer).__name__}")
    weights = [layer.params[key] if key in layer.params else layer.state[key] for key in layer.weight_keys]
    dtype = dtype_name(dtype if dtype is not None else (weights[0].dtype if weights else "float64"))
    config = layer.config()
    if reuse and "seed" not in config:  # a layer drawing masks is built each time: its seed generator moves
        key = (json.dumps(config, sort_keys=True), tuple(layer.input_shape or ()), dtype, layer.trainable)
        if key in _REUSED:
            _REUSED.move_to_end(key)
            if weights:
                with floatx(dtype):
                    _REUSED[key].set_weights(weights)
            return _REUSED[key]
        _REUSED[key] = keras_layer(layer, dtype)
        while len(_REUSED) > REUSED_KEPT:
            _REUSED.popitem(last=False)
        return _REUSED[key]
    with floatx(dtype):
        keras_layer_ = _build(build, layer, dtype, layer.input_shape)
        if weights:
            keras_layer_.build(_build_shape(layer))
            keras_layer_.set_weights(weights)
    return keras_layer_


def _build_shape(layer):
    """The batch shape to build a lone layer for: its input shape, or any number of time steps
    (ids for an Embedding, (T, input_dim) steps for a recurrent layer)."""
    if layer.input_shape:
        return (None, *layer.input_shape)
    return (None, None) if layer.takes_integers else (None, None, layer.input_dim)


def _input_shapes(model):
    """Each layer's per-sample input shape (None where unknown)."""
    shapes, shape = [], model.input_shape
    for layer in model.layers:
        shapes.append(shape)
        shape = tuple(layer.output_shape(shape)) if shape is not None else None
    return shapes


def to_keras(model, softmax_output=False, exact_l2=False, book_dropout=False, dense_gradients=None):
    """The keras.Sequential computing the same function as scratchnet `model`, in its dtype,
    with identical weights and the matching Keras loss as `.scratchnet_loss`.

    exact_l2=True gives each Dense with an L2 factor the penalty `ExactL2` (the factor in the
    model's dtype) instead of Keras's `L2` (the factor rounded through float32).

    book_dropout=True maps a non-inverted Dropout (the book's, `inverted=False`) to Keras's
    Dropout followed by Rescaling(1 - rate) (`keras_book_dropout`); by default it is refused.

    dense_gradients=True makes train_step/train_steps hand the optimizer an Embedding's gradient
    dense instead of Keras's IndexedSlices (see _steps.dense_gradients and scratchnet.slices:
    Adam, RMSprop, Adagrad and the clipping options differ when an id repeats in a batch). By
    default (None) it follows the model: dense exactly when an Embedding has
    sparse_gradient=False, so that the twin's optimizer sees what scratchnet's Trainer hands its
    own (the rows, or their sum).

    softmax_output=False: the model's own output and loss (a loss taking logits gets
    from_logits=True). softmax_output=True: the loss's output activation (softmax for the
    categorical cross-entropies, sigmoid for the binary ones; the loss must take logits) is
    appended as one more Activation layer and the loss takes probabilities (from_logits=False);
    see the module docstring for what Keras then computes.
    """
    if not isinstance(model, scratchnet.Sequential):
        raise TypeError(f"to_keras: expected a scratchnet.Sequential, got {type(model).__name__}")
    builders = [_keras_builder(layer, book_dropout, f"to_keras: layer {layer.name!r} ({type(layer).__name__})")
                for layer in model.layers]  # refuse before building anything
    if model.input_shape is None:
        raise ValueError("to_keras: the model's input shape is unknown (its first layer fixes none); "
                         "build the first layer with input_shape=..., e.g. Conv2D(W, b, input_shape=(28, 28, 1))")
    loss = None if model.loss_layer is None else loss_instance(model.loss_layer)  # a model without loss predicts
    if softmax_output and (loss is None or loss.output_activation is None or not loss.from_logits):
        raise ValueError(f"to_keras: softmax_output=True needs a cross-entropy loss; "
                         f"{type(loss).__name__ if loss else 'a model without a loss'} has no output "
                         f"activation to append (or takes probabilities already)")
    dtype = dtype_name(model.dtype)
    with floatx(dtype):
        layers = [keras.Input(model.input_shape, dtype="int32" if model.takes_integers else dtype)]
        layers += [_build(build, layer, dtype, shape)
                   for build, layer, shape in zip(builders, model.layers, _input_shapes(model))]
        if softmax_output:
            name = loss.output_activation
            layers.append(keras.layers.Activation(name, name=f"output_{name}", dtype=dtype))
        keras_model = keras.Sequential(layers, name="from_scratchnet")
        keras_model.set_weights(model.get_weights())
        if exact_l2:
            for layer in model.layers:
                if getattr(layer, "l2", 0.0):
                    keras_model.get_layer(layer.name).kernel.regularizer = ExactL2(layer.l2)
        keras_model.scratchnet_loss = (None if loss is None else
                                       keras_loss(loss, None, from_logits=False if softmax_output else None,
                                                  dtype=dtype))
        keras_model.scratchnet_dtype = dtype
        keras_model.scratchnet_weight_names = list(model.weights)
        if dense_gradients is None:
            dense_gradients = any(not layer.sparse_gradient for layer in model.layers if isinstance(layer, Embedding))
        if dense_gradients:
            keras_model.scratchnet_dense_gradients = True
    return keras_model


# -- from Keras --------------------------------------------------------------------------------
def _unsupported(layer, why):
    return UnsupportedLayerError(f"layer {layer.name!r} ({type(layer).__name__}) {why}")


def _option(*names):
    """An activation's keyword options: {keras keyword: scratchnet setting}."""
    return dict(names)


# A Keras or TensorFlow activation function -> (scratchnet builder taking the settings, the
# function's keyword options as {its keyword: the builder's}, their defaults for this function).
def _activation_functions():
    relu = (lambda **kw: ReLU(**kw), _option(("max_value", "max_value"), ("negative_slope", "negative_slope"),
                                               ("threshold", "threshold")), {})
    table = {keras.activations.relu: relu, keras.ops.relu: (ReLU, {}, {}), tf.nn.relu: (ReLU, {}, {}),
             keras.activations.relu6: (lambda: ReLU(max_value=6.0), {}, {}),
             keras.ops.relu6: (lambda: ReLU(max_value=6.0), {}, {}), tf.nn.relu6: (lambda: ReLU(max_value=6.0), {}, {}),
             keras.activations.leaky_relu: (LeakyReLU, _option(("negative_slope", "negative_slope")),
                                            {"negative_slope": 0.2}),
             keras.ops.leaky_relu: (LeakyReLU, _option(("negative_slope", "negative_slope")), {"negative_slope": 0.2}),
             tf.nn.leaky_relu: (LeakyReLU, _option(("alpha", "negative_slope")), {"negative_slope": 0.2}),
             keras.activations.elu: (ELU, _option(("alpha", "alpha")), {}),
             keras.ops.elu: (ELU, _option(("alpha", "alpha")), {}), tf.nn.elu: (ELU, {}, {}),
             keras.activations.gelu: (GELU, _option(("approximate", "approximate")), {"approximate": False}),
             keras.ops.gelu: (GELU, _option(("approximate", "approximate")), {"approximate": True}),
             tf.nn.gelu: (GELU, _option(("approximate", "approximate")), {"approximate": False}),
             gelu_tanh: (lambda: GELU(approximate=True), {}, {})}
    names = {"selu": (keras.activations.selu, keras.ops.selu, tf.nn.selu),
             "silu": (keras.activations.silu, keras.ops.silu, tf.nn.silu, tf.nn.swish),
             "softplus": (keras.activations.softplus, keras.ops.softplus, tf.nn.softplus, tf.math.softplus),
             "softsign": (keras.activations.softsign, keras.ops.softsign, tf.nn.softsign),
             "hard_sigmoid": (keras.activations.hard_sigmoid, keras.ops.hard_sigmoid),
             "exponential": (keras.activations.exponential, keras.ops.exp, tf.math.exp, tf.exp),
             "sigmoid": (keras.activations.sigmoid, keras.ops.sigmoid, tf.nn.sigmoid, tf.math.sigmoid, tf.sigmoid),
             "tanh": (keras.activations.tanh, keras.ops.tanh, tf.nn.tanh, tf.math.tanh, tf.tanh),
             "linear": (keras.activations.linear,),
             "softmax": (keras.activations.softmax, keras.ops.softmax, tf.nn.softmax, tf.math.softmax)}
    for name, functions in names.items():
        for function in functions:
            table[function] = (functools.partial(activation, name), {}, {})
    return table


_ACTIVATION_FUNCTIONS = _activation_functions()


def _activation_entry(function, dtype):
    """The scratchnet layer computing the activation `function` (a Keras or TensorFlow function,
    or a functools.partial of one setting its options), or the reason there is none. A ReLU's
    max_value and threshold come over as Keras computes with them (`keras_cast`)."""
    if isinstance(function, keras.layers.Layer):  # activation=keras.layers.LeakyReLU(0.2): the layer itself
        convert = FROM_KERAS.get(type(function)) if type(function) in _ACTIVATION_LAYER_CLASSES else None
        if convert is None:
            return None, (f"uses a {type(function).__name__} layer as its activation; scratchnet takes the activation "
                          f"layers {', '.join(cls.__name__ for cls in _ACTIVATION_LAYER_CLASSES)} there")
        try:
            return convert(function)[0], None
        except UnsupportedLayerError as err:
            return None, f"has an activation layer scratchnet refuses: {err}"
    options = {}
    if isinstance(function, functools.partial) and not function.args:
        function, options = function.func, dict(function.keywords)
    spec = _ACTIVATION_FUNCTIONS.get(function)
    name = getattr(function, "__name__", repr(function))
    if spec is None:
        return None, (f"uses the activation {name!r}, which scratchnet does not know (supported: "
                      f"{', '.join(sorted(scratchnet.layers.ACTIVATION_NAMES))}, given by name or as the Keras or "
                      f"TensorFlow function)")
    build, keywords, defaults = spec
    unknown = [key for key in options if key not in keywords]
    if unknown:
        return None, f"calls the activation {name!r} with {', '.join(unknown)}, which scratchnet's has not"
    settings = {**defaults, **{keywords[key]: value for key, value in options.items()}}
    if "max_value" in settings or "threshold" in settings:
        threshold = settings.get("threshold", 0.0) or 0.0
        rounded = keras_cast(float(threshold), dtype)
        if settings.get("negative_slope") and threshold and rounded != threshold:
            return None, (f"sets threshold={threshold} with negative_slope: Keras compares with float32({threshold}) "
                          f"but shifts by {threshold} itself, which scratchnet's ReLU cannot mirror")
        settings["threshold"] = rounded
        settings["max_value"] = keras_cast(None if settings.get("max_value") is None else float(settings["max_value"]),
                                           dtype)
    try:
        return build(**settings), None
    except (TypeError, ValueError) as err:
        return None, f"has an activation scratchnet refuses: {err}"


def _activation_layers(layer, function):
    """[the activation's scratchnet layer] (Identity for linear: an Activation layer stays a layer,
    so the two models line up layer for layer); UnsupportedLayerError otherwise."""
    entry, why = _activation_entry(function, layer.compute_dtype)
    if why:
        raise _unsupported(layer, why)
    return [entry]


def _l2_factor(layer, reasons):
    """The L2 factor Keras applies to the layer's kernel (`keras_l2_factor` of its Python float),
    0.0 for none; a reason appended to `reasons` for any other regularizer."""
    regularizer = layer.kernel_regularizer
    if regularizer is None:
        return 0.0
    if type(regularizer) is keras.regularizers.L2 or (type(regularizer) is keras.regularizers.L1L2
                                                      and not regularizer.l1):
        return keras_l2_factor(regularizer.l2, layer.variable_dtype)
    reasons.append(f"has kernel_regularizer {type(regularizer).__name__} (only L2 has a scratchnet equivalent)")
    return 0.0


def _option_reasons(layer, options, what="scratchnet's layer"):
    """Why the built layer's options cannot come over: one line per option scratchnet has no
    equivalent for (an empty list when every option can)."""
    if not layer.built:
        return ["is not built; build the model (e.g. with keras.Input) first"]
    reasons = [f"sets {option}, which {what} does not have" for option in options
               if getattr(layer, option, None) is not None]
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        reasons.append("is LoRA-enabled or quantized")
    if layer.compute_dtype != layer.variable_dtype:
        reasons.append(f"computes in {layer.compute_dtype} but stores {layer.variable_dtype} (mixed precision)")
    if layer.variable_dtype not in scratchnet.DTYPES:
        reasons.append(f"stores {layer.variable_dtype} weights; scratchnet computes in float32 or float64 (build the "
                       f"Keras model with dtype='float32' or 'float64')")
    return reasons


def _refuse(layer, reasons):
    if reasons:
        raise _unsupported(layer, "; ".join(reasons))


def _from_dense(layer):
    """[Affine, its activation unless linear] for a Dense layer; every option scratchnet lacks refused."""
    reasons = _option_reasons(layer, ("bias_regularizer", "activity_regularizer", "kernel_constraint",
                                      "bias_constraint"), "scratchnet's Affine")
    l2 = _l2_factor(layer, reasons) if layer.built else 0.0
    entry, why = _activation_entry(layer.activation, layer.compute_dtype)
    reasons += [why] if why else []
    _refuse(layer, reasons)
    weights = [np.array(w) for w in layer.get_weights()]
    affine = Affine(weights[0], weights[1] if layer.use_bias else None, l2=l2)
    return [affine] + ([] if isinstance(entry, Identity) else [entry])


def _channels_last(layer, reasons):
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        reasons.append(f"uses data_format={layer.data_format!r}; scratchnet is channels_last (N, H, W, C)")


def _from_convolution(scratchnet_class):
    """Conv2D or Conv1D: [the layer, its activation unless linear]."""
    def convert(layer):
        name = scratchnet_class.__name__
        full = scratchnet_class is Conv2D  # dilation, no bias and an L2 kernel regularizer: Conv2D only
        reasons = _option_reasons(layer, ("bias_regularizer", "activity_regularizer", "kernel_constraint",
                                          "bias_constraint") + (() if full else ("kernel_regularizer",)),
                                  f"scratchnet's {name}")
        l2 = _l2_factor(layer, reasons) if full and layer.built else 0.0
        _channels_last(layer, reasons)
        dilated = set(layer.dilation_rate) != {1}
        if (dilated and not full) or layer.groups != 1 or layer.padding == "causal":
            reasons.append(f"has dilation_rate={layer.dilation_rate}, groups={layer.groups} or padding="
                           f"{layer.padding!r}; scratchnet's {name} has "
                           + ("no groups (valid and same padding only)" if full else
                              "none of these (valid and same padding only)"))
        if not layer.use_bias and not full:
            reasons.append(f"has use_bias=False; scratchnet's {name} always has a bias")
        entry, why = _activation_entry(layer.activation, layer.compute_dtype)
        reasons += [why] if why else []
        _refuse(layer, reasons)
        weights = [np.array(w) for w in layer.get_weights()]
        bias = weights[1] if layer.use_bias else None
        options = {"dilation_rate": tuple(layer.dilation_rate), "l2": l2} if full else {}
        conv = scratchnet_class(weights[0], bias, strides=tuple(layer.strides), padding=layer.padding, **options)
        return [conv] + ([] if isinstance(entry, Identity) else [entry])
    return convert


def _from_global_pooling(scratchnet_class):
    def convert(layer):
        reasons = []
        _channels_last(layer, reasons)
        if layer.keepdims:
            reasons.append("has keepdims=True; scratchnet's global poolings output (N, C)")
        _refuse(layer, reasons)
        return [scratchnet_class()]
    return convert


def _from_pooling(scratchnet_class):
    def convert(layer):
        reasons = []
        _channels_last(layer, reasons)
        _refuse(layer, reasons)
        return [scratchnet_class(tuple(layer.pool_size), tuple(layer.strides), layer.padding)]
    return convert


def _from_flatten(layer):
    reasons = []
    _channels_last(layer, reasons)
    _refuse(layer, reasons)
    return [Flatten()]


def _from_dropout(layer):
    """Dropout with the Keras layer's seed and its seed generator's counter (rate 0 draws nothing)."""
    if layer.noise_shape is not None:
        raise _unsupported(layer, f"has noise_shape={layer.noise_shape}; scratchnet's Dropout draws one mask "
                                  f"entry per input entry")
    if layer.rate == 0:
        return [Dropout(0.0, seed=layer.seed if layer.seed is not None else 0)]
    seed, counter = (int(v) for v in layer.seed_generator.state.numpy())
    dropout = Dropout(float(layer.rate), seed=seed)
    dropout.counter = counter
    return [dropout]


def _from_batch_normalization(layer):
    reasons = _option_reasons(layer, ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"))
    for option in ("renorm", "synchronized"):
        if getattr(layer, option, False):
            reasons.append(f"sets {option}, which scratchnet's BatchNormalization does not have")
    for option in ("center", "scale"):
        if not getattr(layer, option):
            reasons.append(f"has {option}=False; scratchnet's BatchNormalization has gamma and beta")
    try:
        rank = len(layer.input.shape)
    except (AttributeError, ValueError):
        rank = None
    if layer.axis != -1 and layer.axis != (rank or 0) - 1:
        reasons.append(f"normalises axis {layer.axis}; scratchnet's BatchNormalization normalises the last axis")
    _refuse(layer, reasons)
    gamma, beta, moving_mean, moving_variance = (np.array(w) for w in layer.get_weights())
    return [BatchNormalization(gamma, beta, moving_mean, moving_variance, momentum=float(layer.momentum),
                               epsilon=float(layer.epsilon))]


def _from_embedding(layer):
    reasons = _option_reasons(layer, ("embeddings_regularizer", "activity_regularizer", "embeddings_constraint"))
    if layer.mask_zero:
        reasons.append("has mask_zero=True; scratchnet's layers take no masks (every time step counts)")
    _refuse(layer, reasons)
    return [Embedding(np.array(layer.get_weights()[0]))]  # sparse_gradient: the rows, as Keras's optimizers get


def _from_time_distributed(layer):
    """TimeDistributed(Dense) is Dense on the last axis: an Affine, which takes (N, T, n_in)."""
    if type(layer.layer) is not keras.layers.Dense:
        raise _unsupported(layer, f"wraps {type(layer.layer).__name__}; scratchnet has TimeDistributed(Dense) only "
                                  f"(as an Affine on the last axis)")
    return _from_dense(layer.layer)


# The activations a recurrent layer computes (scratchnet.layers.recurrent), by their layer's class.
_RECURRENT_ACTIVATIONS = {cls: name for name, cls in ACTIVATIONS.items()}


def _recurrent_activation_name(layer, function, what, reasons):
    """The name of the recurrent layer's `what` (a Keras or TensorFlow function), or None with a
    reason appended to `reasons` when scratchnet's recurrent layers do not compute it."""
    entry, _ = _activation_entry(function, layer.compute_dtype)
    name = _RECURRENT_ACTIVATIONS.get(type(entry)) if entry is not None and not entry.settings() else None
    if name is None:
        reasons.append(f"has {what} {getattr(function, '__name__', function)!r}; supported: "
                       f"{', '.join(_RECURRENT_ACTIVATIONS.values())}")
    return name


def _from_recurrent(scratchnet_class):
    """SimpleRNN/LSTM/GRU with the Keras layer's weights, options, seed and seed-generator counter."""
    def convert(layer):
        reasons = _option_reasons(layer, ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                                          "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                                          "bias_constraint"))
        cell = layer.cell
        for flag, why in (("return_state", "outputs several arrays (the output and the final states), which a "
                                           "Sequential model cannot pass on"),
                          ("stateful", "carries its state from one batch to the next; scratchnet's recurrent "
                                       "layers start every sequence at zero")):
            if getattr(layer, flag):
                reasons.append(f"has {flag}=True: it {why}")
        for rate in ("dropout", "recurrent_dropout"):
            if getattr(cell, rate) >= 1.0:
                reasons.append(f"has {rate}={getattr(cell, rate)}; scratchnet takes rates in [0, 1)")
        options = {"activation": _recurrent_activation_name(layer, cell.activation, "activation", reasons),
                   "return_sequences": layer.return_sequences, "go_backwards": layer.go_backwards,
                   "dropout": float(cell.dropout), "recurrent_dropout": float(cell.recurrent_dropout)}
        if scratchnet_class is not SimpleRNN:
            options["recurrent_activation"] = _recurrent_activation_name(layer, cell.recurrent_activation,
                                                                         "recurrent_activation", reasons)
            options["implementation"] = int(cell.implementation)
        _refuse(layer, reasons)
        if scratchnet_class is LSTM:
            options["unit_forget_bias"] = bool(cell.unit_forget_bias)
        if scratchnet_class is GRU:
            options["reset_after"] = bool(cell.reset_after)
        counter = 0
        if cell.dropout or cell.recurrent_dropout:
            options["seed"], counter = (int(v) for v in cell.seed_generator.state.numpy())
        weights = [np.array(w) for w in layer.get_weights()]
        converted = scratchnet_class(*weights, **options)
        converted.counter = counter
        return [converted]
    return convert


_RECURRENT_OF = {keras.layers.SimpleRNN: SimpleRNN, keras.layers.LSTM: LSTM, keras.layers.GRU: GRU}


def _from_bidirectional(layer):
    forward, backward = layer.forward_layer, layer.backward_layer
    reasons = []
    if layer.merge_mode is None:
        reasons.append("has merge_mode=None: it outputs two arrays, which a Sequential model cannot pass on")
    if type(forward) not in _RECURRENT_OF or type(backward) is not type(forward):
        reasons.append(f"wraps {type(forward).__name__} and {type(backward).__name__}; scratchnet's "
                       f"Bidirectional takes two SimpleRNN, LSTM or GRU layers of one kind")
    _refuse(layer, reasons)
    convert = _from_recurrent(_RECURRENT_OF[type(forward)])
    return [Bidirectional(convert(forward)[0], convert(backward)[0], layer.merge_mode)]


def _from_activation(layer):
    return _activation_layers(layer, layer.activation)


def _from_relu(layer):
    config = layer.get_config()
    options = {key: config.get(key) for key in ("max_value", "negative_slope", "threshold")}
    return _activation_layers(layer, functools.partial(keras.activations.relu, **options))


def _from_leaky_relu(layer):
    return [LeakyReLU(float(layer.negative_slope))]


def _from_elu(layer):
    return [ELU(float(layer.alpha))]


def _from_softmax(layer):
    if layer.axis not in (-1, [-1], (-1,)):
        raise _unsupported(layer, f"normalises axis {layer.axis}; scratchnet's Softmax normalises the last axis")
    return [Softmax()]


def _from_reshape(layer):
    return [Reshape(tuple(layer.target_shape))]


def _from_rescaling(layer):
    """Rescaling with the scale and offset Keras computes with (`keras_cast`)."""
    dtype = layer.compute_dtype
    return [Rescaling(keras_cast(_plain(layer.scale), dtype), keras_cast(_plain(layer.offset), dtype))]


def _plain(value):
    """A Keras setting as a Python number, list or NumPy array (a tensor becomes an array)."""
    return np.array(value) if hasattr(value, "numpy") else value


def _from_normalization(layer):
    """Normalization with the statistics the (adapted or given) Keras layer normalises by."""
    reasons = []
    if layer.invert:
        reasons.append("has invert=True; scratchnet's Normalization normalises")
    if getattr(layer, "mean", None) is None:
        reasons.append("has no statistics yet (not built or adapted)")
    _refuse(layer, reasons)
    mean, variance = np.array(layer.mean), np.array(layer.variance)
    mean, variance = mean.reshape(mean.shape[1:]), variance.reshape(variance.shape[1:])  # the batch axis
    while mean.ndim and mean.shape[0] == 1:  # leading axes of size 1 broadcast anyway
        mean, variance = mean[0], variance[0]
    return [Normalization(mean, variance, epsilon=float(keras.config.epsilon()))]


def _from_resizing(layer):
    reasons = []
    _channels_last(layer, reasons)
    if layer.interpolation != "nearest":
        reasons.append(f"uses interpolation={layer.interpolation!r}: TensorFlow resizes that way in float32 whatever "
                       f"the image dtype, so no float64 model matches it; scratchnet's Resizing is 'nearest' only, "
                       f"which is exact")
    for option in ("crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias"):
        if getattr(layer, option, False):
            reasons.append(f"sets {option}, which scratchnet's Resizing does not have")
    _refuse(layer, reasons)
    return [Resizing(int(layer.height), int(layer.width), "nearest")]


def _from_zero_padding(layer):
    reasons = []
    _channels_last(layer, reasons)
    _refuse(layer, reasons)
    return [ZeroPadding2D(tuple(tuple(int(v) for v in pair) for pair in layer.padding))]


# Keras layer class -> the function giving its scratchnet layers.
FROM_KERAS = {keras.layers.Dense: _from_dense, keras.layers.Activation: _from_activation,
              keras.layers.ReLU: _from_relu, keras.layers.LeakyReLU: _from_leaky_relu, keras.layers.ELU: _from_elu,
              keras.layers.Softmax: _from_softmax, keras.layers.Conv2D: _from_convolution(Conv2D),
              keras.layers.MaxPooling2D: _from_pooling(MaxPooling2D),
              keras.layers.AveragePooling2D: _from_pooling(AveragePooling2D), keras.layers.Flatten: _from_flatten,
              keras.layers.Dropout: _from_dropout, keras.layers.BatchNormalization: _from_batch_normalization,
              keras.layers.Reshape: _from_reshape, keras.layers.Rescaling: _from_rescaling,
              keras.layers.Normalization: _from_normalization, keras.layers.Resizing: _from_resizing,
              keras.layers.Embedding: _from_embedding, keras.layers.SimpleRNN: _from_recurrent(SimpleRNN),
              keras.layers.LSTM: _from_recurrent(LSTM), keras.layers.GRU: _from_recurrent(GRU),
              keras.layers.TimeDistributed: _from_time_distributed, keras.layers.Bidirectional: _from_bidirectional,
              keras.layers.Conv1D: _from_convolution(Conv1D), keras.layers.MaxPooling1D: _from_pooling(MaxPooling1D),
              keras.layers.AveragePooling1D: _from_pooling(AveragePooling1D),
              keras.layers.GlobalAveragePooling1D: _from_global_pooling(GlobalAveragePooling1D),
              keras.layers.GlobalMaxPooling1D: _from_global_pooling(GlobalMaxPooling1D),
              keras.layers.GlobalAveragePooling2D: _from_global_pooling(GlobalAveragePooling2D),
              keras.layers.GlobalMaxPooling2D: _from_global_pooling(GlobalMaxPooling2D),
              keras.layers.ZeroPadding2D: _from_zero_padding}


# Keras's activation layers, which Keras also takes as a Dense's or a convolution's activation.
_ACTIVATION_LAYER_CLASSES = (keras.layers.Activation, keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.ELU,
                             keras.layers.Softmax)


def _infer_loss(keras_model):
    """(the scratchnet loss matching the model's attached (to_keras) or compiled loss, options and
    reduction included, or None for an uncompiled model; the reason the loss cannot come over, or None)."""
    known = getattr(keras_model, "scratchnet_loss", None) or getattr(keras_model, "loss", None)
    if known is None:
        return None, None
    loss = scratchnet_loss(known)
    if loss is None:
        return None, f"the model's loss {_loss_name(known)} {unsupported_loss_reason(known)}; pass loss="
    return loss, None


def _loss_name(loss):
    return repr(loss) if isinstance(loss, str) else type(loss).__name__ if not callable(loss) or hasattr(
        loss, "get_config") else getattr(loss, "__name__", repr(loss))


def _compiled_metrics(keras_model, reasons):
    """The scratchnet metrics of a compiled model's metrics and weighted_metrics, named as Keras's
    evaluate names them; a reason appended to `reasons` for each one scratchnet lacks."""
    if not getattr(keras_model, "compiled", False):
        return []
    config = keras_model.get_compile_config() or {}
    metrics, names = [], {}
    for weighted, key in ((False, "metrics"), (True, "weighted_metrics")):
        for spec in config.get(key) or []:
            metric = _metric(spec, weighted)
            if metric is None:
                reasons.append(f"the compiled {key[:-1].replace('_', ' ')} {_spec_name(spec)!r} has no scratchnet "
                               f"equivalent (scratchnet.metrics has {', '.join(sorted(scratchnet.metrics.METRICS))})")
                continue
            name = metric.name
            if name in names:  # Keras's rule for repeated names
                name = f"weighted_{name}" if weighted and f"weighted_{name}" not in names else f"{name}_{names[name]}"
            names[metric.name] = names.get(metric.name, 0) + 1
            names.setdefault(name, 1)
            metric.name = name
            metrics.append(metric)
    return metrics


def _spec_name(spec):
    if isinstance(spec, dict):
        return spec.get("config") if spec.get("class_name") == "function" else spec.get("class_name")
    return spec if isinstance(spec, str) else getattr(spec, "__name__", repr(spec))


def _metric(spec, weighted):
    """A scratchnet metric from one entry of Keras's compile config (a name, a function's or a
    metric object's serialization), or None."""
    if isinstance(spec, dict) and spec.get("class_name") != "function":
        cls = scratchnet.metrics.KERAS_CLASSES.get(spec.get("class_name"))
        inner = spec.get("config") if isinstance(spec.get("config"), dict) else {}
        unknown = {key for key, value in inner.items() if value is not None} - {"name", "dtype", *getattr(
            cls, "options", ())}
        if cls is None or unknown:  # top_k, class_id, ...: a setting scratchnet's metric has not
            return None
        settings = {key: inner[key] for key in cls.options if key in inner}
        try:
            return cls(**settings, name=inner.get("name"), weighted=weighted)
        except ValueError:  # e.g. several thresholds
            return None
    name = spec.get("config") if isinstance(spec, dict) else spec if isinstance(spec, str) else getattr(
        spec, "__name__", None)
    cls = scratchnet.metrics.METRICS.get(name) or scratchnet.metrics.KERAS_CLASSES.get(name)
    if cls is None:
        return None
    return cls(name=name, weighted=weighted)  # Keras reports a metric given by name by that name ("mae")


def _given_loss(loss):
    """A fresh scratchnet loss from a name in LOSSES, a class or an instance (same options)."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"from_keras: unknown loss {loss!r}; known: {sorted(LOSSES)}")
        return LOSSES[loss]()
    return scratchnet.losses.loss_from_config(loss_instance(loss).config())


_FUSED = {"softmax": SoftmaxCrossEntropy, "sigmoid": SigmoidBinaryCrossEntropy}  # output activation -> fused loss


def _layers_of(keras_model):
    """The model's layers with nested Sequentials flattened into them (InputLayers left out)."""
    for layer in keras_model.layers:
        if isinstance(layer, keras.Sequential):
            yield from _layers_of(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            yield layer


def from_keras(keras_model, loss=None):
    """The scratchnet.Sequential computing the same function as `keras_model` (a built
    keras.Sequential of the layers in FROM_KERAS, nested Sequentials included), with its
    weights, frozen where Keras's layers are frozen, in its dtype.

    A Dense or Conv2D layer with an activation becomes the layer plus that activation's layer
    (the activation given by name, as a Keras or TensorFlow function, or a functools.partial of
    one). `loss` is a scratchnet loss (instance, class or name in scratchnet.losses.LOSSES; a
    fresh instance with the same options is made); by default it is the model's `scratchnet_loss`
    (set by to_keras) or compiled loss with its options and reduction, and None for an uncompiled
    model (it predicts; training asks for a loss). A compiled model's accuracy metrics (and
    weighted_metrics) come over as the scratchnet model's `metrics` (Sequential.evaluate_metrics).

    A final softmax with SoftmaxCrossEntropy (sigmoid with SigmoidBinaryCrossEntropy), the
    twin's fused losses (also the cross-entropy a model made by to_keras(softmax_output=True)
    carries), is folded into the loss, so the scratchnet model ends in logits; with Keras's
    cross-entropies the activation stays a layer and the model reads its logits as Keras does (the
    module docstring), so that predict gives Keras's probabilities. TimeDistributed(Dense) becomes
    an Affine (which acts on the last axis). Layers and options without an exact equivalent
    (dilated or grouped convolutions, channels_first data, Dropout with noise_shape, an Embedding
    with mask_zero, a stateful RNN or one with return_state, ...) raise UnsupportedLayerError
    naming every one of them. The model's input shape goes to the first scratchnet layer (Conv2D,
    Flatten, recurrent layers, ... take input_shape=; an Affine's comes from its kernel).
    """
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"from_keras: expected a keras.Sequential, got {type(keras_model).__name__}")
    reasons = []
    if loss is not None:
        loss = _given_loss(loss)
    else:
        loss, why = _infer_loss(keras_model)
        reasons += [why] if why else []
    metrics = _compiled_metrics(keras_model, reasons)
    layers = []
    for layer in _layers_of(keras_model):
        convert = FROM_KERAS.get(type(layer))
        if convert is None:
            reasons.append(f"layer {layer.name!r} ({type(layer).__name__}) has no scratchnet equivalent")
            continue
        try:
            converted = convert(layer)
        except UnsupportedLayerError as err:
            reasons.append(str(err))
            continue
        for entry in converted:
            entry.trainable = bool(layer.trainable)
        layers += converted
    if reasons:
        supported = ", ".join(cls.__name__ for cls in FROM_KERAS)
        raise UnsupportedLayerError(f"from_keras: {len(reasons)} thing(s) have no exact scratchnet equivalent:\n  - "
                                    + "\n  - ".join(reasons) + f"\n(layers supported: {supported})")
    attached = getattr(keras_model, "scratchnet_loss", None) is not None and loss is not None
    if layers and loss is not None and loss.output_activation and \
            type(layers[-1]) is type(activation(loss.output_activation)):
        if attached and not getattr(loss, "label_smoothing", 0.0):  # to_keras(softmax_output=True)'s twin
            loss = _FUSED[loss.output_activation](loss.reduction)
        if type(loss) in _FUSED.values():
            layers.pop()  # the fused loss's own output activation: scratchnet fuses it into the loss
    try:
        input_shape = tuple(keras_model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):  # not built with an Input
        input_shape = None
    if input_shape is not None and layers:
        _give_input_shape(layers[0], input_shape[1:])
    dtypes = {value.dtype for layer in layers for value in (*layer.params.values(), *layer.state.values())}
    if len(dtypes) > 1:
        raise TypeError(f"from_keras: the model mixes weight dtypes {sorted(map(str, dtypes))}")
    dtype = dtype_name(dtypes.pop()) if dtypes else None
    if _steps.dense_gradients(keras_model):  # to_keras(dense_gradients=True)'s twin
        for layer in layers:
            if isinstance(layer, Embedding):
                layer.sparse_gradient = False
    model = scratchnet.Sequential(layers, loss, dtype=dtype)
    model.metrics = metrics
    return model


def _give_input_shape(layer, shape):
    """Put the Keras model's per-sample input shape on scratchnet's first layer (an Affine's own
    comes from its kernel, and Sequential checks that the two agree)."""
    if "input_shape" in inspect.signature(type(layer)).parameters or isinstance(layer, (SimpleRNN, LSTM, GRU)):
        layer.input_shape = tuple(None if n is None else int(n) for n in shape)
    elif len(shape) != 1:
        raise ValueError(f"from_keras: the model's input shape is {(None, *shape)} but its first layer becomes "
                         f"{type(layer).__name__}, which takes (N, features) inputs only (add a Flatten first)")

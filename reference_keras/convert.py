"""scratchnet Sequential <-> keras.Sequential, layer for layer and weight for weight.

to_keras maps Affine -> Dense (kernel_regularizer=L2(l2) when l2 is set), each activation to its
own Activation layer, and Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout and
BatchNormalization to the Keras layers of the same names and settings, so the Keras model's
layer outputs line up 1:1 with scratchnet's (forward_trace). Weights are copied exactly, moving
statistics included (`keras_model.scratchnet_weight_names` names them W1, b1, gamma1, ...,
moving_mean1, ... in get_weights order); a Dropout's Keras twin gets the same seed and the same
seed-generator counter, so both draw the same masks from then on (scratchnet.layers.dropout).
The loss travels as a Keras loss object attached to the model (`keras_model.scratchnet_loss`,
with `keras_model.scratchnet_dtype`).

L2: Keras 3.14 on computes `cast(l2, dtype) * sum(W**2)`, and casting a Python float goes
through float32, so its penalty uses float32(l2) even in a float64 model; older Keras applies l2
itself (`_environment.keras_l2_rounds_through_float32` measures which). to_keras passes
`Affine.l2` unchanged; for agreement beyond ~1e-9 in the penalty's share of the loss and gradient
on every Keras, give scratchnet a float32-representable factor, e.g. l2=float(np.float32(1e-4)),
or use exact_l2=True. from_keras keeps the declared factor (`regularizer.l2`), so a round trip
gives back the same model; `keras_l2_factor(l2)` is the one the installed Keras applies.

The softmax quirk (softmax_output=True): Keras's softmax and sigmoid activations tag their output
tensor with the logits they came from (`_keras_logits`), and the cross-entropies then compute
from those logits even when `from_logits=False`; inside `tf.function` an output whose op is
Softmax/Sigmoid is recognised the same way. So loss_and_gradients/train_step on a
softmax_output model compute exactly scratchnet's fused loss (logits [60, 0, 0], label 1: 60.0).
The same loss applied to the probabilities as plain numbers (e.g. `model.predict(x)`) clips them
to [1e-7, 1 - 1e-7] first, as scratchnet.functions.cross_entropy_error does: 16.118 = -log(1e-7).
"""
import inspect

import numpy as np

import scratchnet
from scratchnet.layers import (ACTIVATIONS, Affine, AveragePooling2D, BatchNormalization, Conv2D, Dropout, Flatten,
                               MaxPooling2D)
from scratchnet.losses import LOSSES, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

from ._environment import keras
from .dtype import dtype_name, floatx
from .mapping import keras_loss, loss_instance, scratchnet_loss


class UnsupportedLayerError(ValueError):
    """A layer with no exact counterpart in the other library."""


_ACTIVATION_OF = {cls: name for name, cls in ACTIVATIONS.items()}  # ReLU -> "relu", ...
_OUTPUT_ACTIVATION = {SoftmaxCrossEntropy: "softmax", SigmoidBinaryCrossEntropy: "sigmoid"}


def _keras_dense(layer, dtype):
    regularizer = keras.regularizers.L2(layer.l2) if layer.l2 else None
    return keras.layers.Dense(layer.shape[1], use_bias=True, kernel_regularizer=regularizer, name=layer.name,
                              dtype=dtype)


def _keras_activation(layer, dtype):
    return keras.layers.Activation(_ACTIVATION_OF[type(layer)], name=layer.name, dtype=dtype)


def _keras_conv2d(layer, dtype):
    return keras.layers.Conv2D(layer.filters, layer.kernel_size, strides=layer.strides, padding=layer.padding,
                               name=layer.name, dtype=dtype)


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
                             keras.layers.Rescaling(scale, name=f"{layer.name}_rescaling", dtype=dtype)], name=layer.name)


def _keras_batch_normalization(layer, dtype):
    return keras.layers.BatchNormalization(momentum=layer.momentum, epsilon=layer.epsilon, name=layer.name,
                                           dtype=dtype)


# scratchnet layer class -> the function building its Keras layer (weights are copied afterwards).
TO_KERAS = {Affine: _keras_dense, **{cls: _keras_activation for cls in _ACTIVATION_OF},
            Conv2D: _keras_conv2d, MaxPooling2D: _keras_pooling(keras.layers.MaxPooling2D),
            AveragePooling2D: _keras_pooling(keras.layers.AveragePooling2D), Flatten: _keras_flatten,
            Dropout: _keras_dropout, BatchNormalization: _keras_batch_normalization}


@keras.saving.register_keras_serializable(package="reference_keras")
class ExactL2(keras.regularizers.Regularizer):
    """l2 * sum(W**2) with the factor converted straight to the weight's dtype. Keras's own L2
    casts the Python float through float32 first (see the module docstring), which is Keras's
    behaviour to mirror for a Keras user's model, but not the exact penalty a NumPy model states."""

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


def keras_layer(layer, dtype=None):
    """The built Keras layer computing what the scratchnet `layer` computes, with copies of its
    weights (moving statistics included), in `dtype` (default: the layer's parameters' dtype;
    float64 for a parameterless one); a non-inverted Dropout gets `keras_book_dropout`."""
    build = _keras_builder(layer, True, f"keras_layer: {type(layer).__name__}")
    weights = [layer.params[key] if key in layer.params else layer.state[key] for key in layer.weight_keys]
    dtype = dtype_name(dtype if dtype is not None else (weights[0].dtype if weights else "float64"))
    with floatx(dtype):
        keras_layer_ = build(layer, dtype)
        if weights:
            keras_layer_.build((None, *layer.input_shape))
            keras_layer_.set_weights(weights)
    return keras_layer_


def to_keras(model, softmax_output=False, exact_l2=False, book_dropout=False):
    """The keras.Sequential computing the same function as scratchnet `model`, in its dtype,
    with identical weights and the matching Keras loss as `.scratchnet_loss`.

    exact_l2=True gives each Dense with an L2 factor the penalty `ExactL2` (the factor in the
    model's dtype) instead of Keras's `L2` (the factor rounded through float32).

    book_dropout=True maps a non-inverted Dropout (the book's, `inverted=False`) to Keras's
    Dropout followed by Rescaling(1 - rate) (`keras_book_dropout`); by default it is refused.

    softmax_output=False: the model outputs logits and the loss takes logits (from_logits=True).
    softmax_output=True: the loss's output activation (softmax for SoftmaxCrossEntropy, sigmoid
    for SigmoidBinaryCrossEntropy) is appended as one more Activation layer and the loss takes
    probabilities (from_logits=False); see the module docstring for what Keras then computes.
    """
    if not isinstance(model, scratchnet.Sequential):
        raise TypeError(f"to_keras: expected a scratchnet.Sequential, got {type(model).__name__}")
    builders = [_keras_builder(layer, book_dropout, f"to_keras: layer {layer.name!r} ({type(layer).__name__})")
                for layer in model.layers]  # refuse before building anything
    if model.input_shape is None:
        raise ValueError("to_keras: the model's input shape is unknown (its first layer fixes none); "
                         "build the first layer with input_shape=..., e.g. Conv2D(W, b, input_shape=(28, 28, 1))")
    loss = None if model.loss_layer is None else loss_instance(model.loss_layer)  # a model without loss predicts
    if softmax_output and type(loss) not in _OUTPUT_ACTIVATION:
        raise ValueError(f"to_keras: softmax_output=True needs a cross-entropy loss; "
                         f"{type(loss).__name__ if loss else 'a model without a loss'} has no output "
                         f"activation to append")
    dtype = dtype_name(model.dtype)
    with floatx(dtype):
        layers = [keras.Input(model.input_shape, dtype=dtype)]
        layers += [build(layer, dtype) for build, layer in zip(builders, model.layers)]
        if softmax_output:
            name = _OUTPUT_ACTIVATION[type(loss)]
            layers.append(keras.layers.Activation(name, name=f"output_{name}", dtype=dtype))
        keras_model = keras.Sequential(layers, name="from_scratchnet")
        keras_model.set_weights(model.get_weights())
        if exact_l2:
            for layer in model.layers:
                if getattr(layer, "l2", 0.0):
                    keras_model.get_layer(layer.name).kernel.regularizer = ExactL2(layer.l2)
        keras_model.scratchnet_loss = (None if loss is None else
                                       keras_loss(loss, None, from_logits=not softmax_output, dtype=dtype))
        keras_model.scratchnet_dtype = dtype
        keras_model.scratchnet_weight_names = list(model.weights)
    return keras_model


# -- from Keras --------------------------------------------------------------------------------
_KERAS_ACTIVATIONS = {keras.activations.relu: "relu", keras.activations.sigmoid: "sigmoid",
                      keras.activations.tanh: "tanh", keras.activations.linear: "linear",
                      keras.activations.softmax: "softmax"}


def _unsupported(layer, why):
    return UnsupportedLayerError(f"from_keras: layer {layer.name!r} ({type(layer).__name__}) {why}")


def _activation(layer):
    name = _KERAS_ACTIVATIONS.get(layer.activation)
    if name is None:
        raise _unsupported(layer, f"uses activation {getattr(layer.activation, '__name__', layer.activation)!r}; "
                                  f"supported: {', '.join(_KERAS_ACTIVATIONS.values())}")
    return name


def _l2_factor(layer):
    regularizer = layer.kernel_regularizer
    if regularizer is None:
        return 0.0
    if type(regularizer) is keras.regularizers.L2:
        return float(regularizer.l2)
    if type(regularizer) is keras.regularizers.L1L2 and not regularizer.l1:
        return float(regularizer.l2)
    raise _unsupported(layer, f"has kernel_regularizer {type(regularizer).__name__}; "
                              f"only L2 has a scratchnet equivalent")


def _refuse_options(layer, options, what="scratchnet's layer"):
    """Refuse a built layer's options that scratchnet has no equivalent for."""
    if not layer.built:
        raise _unsupported(layer, "is not built; build the model (e.g. with keras.Input) first")
    if hasattr(layer, "use_bias") and not layer.use_bias:
        raise _unsupported(layer, f"has use_bias=False; {what} always has a bias")
    for option in options:
        if getattr(layer, option, None) is not None:
            raise _unsupported(layer, f"sets {option}, which scratchnet does not have")
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        raise _unsupported(layer, "is LoRA-enabled or quantized")
    if layer.compute_dtype != layer.variable_dtype:
        raise _unsupported(layer, f"computes in {layer.compute_dtype} but stores {layer.variable_dtype} "
                                  f"(mixed precision)")
    if layer.variable_dtype not in ("float32", "float64"):
        raise _unsupported(layer, f"stores {layer.variable_dtype} weights; scratchnet computes in float32 or "
                                  f"float64 (build the Keras model with dtype='float32' or 'float64')")


def _with_activation(layer, converted):
    name = _activation(layer)
    return [converted] if name == "linear" else [converted, name]


def _from_dense(layer):
    """[Affine, activation name unless linear] for a Dense layer, refusing every option scratchnet lacks."""
    _refuse_options(layer, ("bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"),
                    "scratchnet's Affine")
    kernel, bias = layer.get_weights()
    return _with_activation(layer, Affine(np.array(kernel), np.array(bias), l2=_l2_factor(layer)))


def _channels_last(layer):
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise _unsupported(layer, f"uses data_format={layer.data_format!r}; scratchnet is channels_last (N, H, W, C)")


def _from_conv2d(layer):
    """[Conv2D, activation name unless linear]."""
    _refuse_options(layer, ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                            "bias_constraint"), "scratchnet's Conv2D")
    _channels_last(layer)
    if tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
        raise _unsupported(layer, f"has dilation_rate={layer.dilation_rate} or groups={layer.groups}; "
                                  f"scratchnet's Conv2D has neither")
    kernel, bias = layer.get_weights()
    return _with_activation(layer, Conv2D(np.array(kernel), np.array(bias), strides=tuple(layer.strides),
                                          padding=layer.padding))


def _from_pooling(scratchnet_class):
    def convert(layer):
        _channels_last(layer)
        return [scratchnet_class(tuple(layer.pool_size), tuple(layer.strides), layer.padding)]
    return convert


def _from_flatten(layer):
    _channels_last(layer)
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
    _refuse_options(layer, ("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"))
    if (not (layer.center and layer.scale) or getattr(layer, "renorm", False)  # renorm: Keras 3.14 on
            or getattr(layer, "synchronized", False)):
        raise _unsupported(layer, "has center=False, scale=False, renorm or synchronized set; scratchnet's "
                                  "BatchNormalization has gamma and beta and none of these")
    try:
        rank = len(layer.input.shape)
    except (AttributeError, ValueError):
        rank = None
    if layer.axis != -1 and layer.axis != (rank or 0) - 1:
        raise _unsupported(layer, f"normalises axis {layer.axis}; scratchnet's BatchNormalization normalises "
                                  f"the last axis")
    gamma, beta, moving_mean, moving_variance = (np.array(w) for w in layer.get_weights())
    return [BatchNormalization(gamma, beta, moving_mean, moving_variance, momentum=float(layer.momentum),
                               epsilon=float(layer.epsilon))]


def _from_activation(layer):
    return [_activation(layer)]


def _from_relu(layer):
    config = layer.get_config()
    if config.get("max_value") is None and not config.get("negative_slope") and not config.get("threshold"):
        return ["relu"]
    raise _unsupported(layer, "has max_value, negative_slope or threshold set; only the plain ReLU is supported")


# Keras layer class -> the function giving its scratchnet entries (layers, or activation names).
FROM_KERAS = {keras.layers.Dense: _from_dense, keras.layers.Activation: _from_activation,
              keras.layers.ReLU: _from_relu, keras.layers.Conv2D: _from_conv2d,
              keras.layers.MaxPooling2D: _from_pooling(MaxPooling2D),
              keras.layers.AveragePooling2D: _from_pooling(AveragePooling2D), keras.layers.Flatten: _from_flatten,
              keras.layers.Dropout: _from_dropout, keras.layers.BatchNormalization: _from_batch_normalization}


def _infer_loss(keras_model):
    """The scratchnet loss matching the model's attached (to_keras) or compiled loss, reduction
    included; SoftmaxCrossEntropy() when it has neither."""
    known = getattr(keras_model, "scratchnet_loss", None) or getattr(keras_model, "loss", None)
    if known is None:
        return SoftmaxCrossEntropy()
    loss = scratchnet_loss(known)
    if loss is None:
        raise ValueError(f"from_keras: the model's loss {known!r} has no scratchnet equivalent; pass loss=")
    return loss


def _given_loss(loss):
    """A fresh scratchnet loss from a name in LOSSES, a class or an instance (same reduction)."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"from_keras: unknown loss {loss!r}; known: {sorted(LOSSES)}")
        return LOSSES[loss]()
    loss = loss_instance(loss)
    return type(loss)(loss.reduction)


def from_keras(keras_model, loss=None):
    """The scratchnet.Sequential computing the same function as `keras_model` (a built
    keras.Sequential of the layers in FROM_KERAS), with its weights, in its dtype.

    A Dense layer with an activation becomes Affine + that activation layer. `loss` is a
    scratchnet loss (instance, class or name in scratchnet.losses.LOSSES; a fresh instance with
    the same reduction is made); by default it is inferred from the model's `scratchnet_loss`
    (set by to_keras) or compiled loss, reduction included, else SoftmaxCrossEntropy.

    A final softmax (with SoftmaxCrossEntropy) or sigmoid (with SigmoidBinaryCrossEntropy) is the
    loss's own output activation and is folded into it, so the scratchnet model ends in logits;
    a softmax anywhere else is refused. Layers without an exact equivalent (LSTM, dilated or
    grouped convolutions, channels_first data, Dropout with noise_shape, ...) raise
    UnsupportedLayerError. The model's input shape goes to the first scratchnet layer (Conv2D,
    Flatten, ... take input_shape=; an Affine's comes from its kernel).
    """
    if not isinstance(keras_model, keras.Sequential):
        raise TypeError(f"from_keras: expected a keras.Sequential, got {type(keras_model).__name__}")
    loss = _given_loss(loss) if loss is not None else _infer_loss(keras_model)
    entries = []  # (Affine or activation name, the Keras layer it came from), in order
    for layer in keras_model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        convert = FROM_KERAS.get(type(layer))
        if convert is None:
            raise _unsupported(layer, f"has no scratchnet equivalent; supported: "
                                      f"{', '.join(cls.__name__ for cls in FROM_KERAS)}")
        entries += [(entry, layer) for entry in convert(layer)]
    try:
        input_shape = tuple(keras_model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):  # not built with an Input
        input_shape = None
    if entries and entries[-1][0] == _OUTPUT_ACTIVATION.get(type(loss)):
        entries.pop()  # the loss's own output activation: scratchnet fuses it into the loss
    for entry, layer in entries:
        if entry == "softmax":
            raise _unsupported(layer, "applies softmax before the output, or with a loss other than "
                                      "SoftmaxCrossEntropy; scratchnet has softmax only inside "
                                      "SoftmaxCrossEntropy")
    layers = [ACTIVATIONS[entry]() if isinstance(entry, str) else entry for entry, _ in entries]
    if input_shape is not None and layers:
        _give_input_shape(layers[0], input_shape[1:])
    dtypes = {value.dtype for layer in layers for value in (*layer.params.values(), *layer.state.values())}
    if len(dtypes) > 1:
        raise TypeError(f"from_keras: the model mixes weight dtypes {sorted(map(str, dtypes))}")
    dtype = dtype_name(dtypes.pop()) if dtypes else None
    return scratchnet.Sequential(layers, loss, dtype=dtype)


def _give_input_shape(layer, shape):
    """Put the Keras model's per-sample input shape on scratchnet's first layer (an Affine's own
    comes from its kernel, and Sequential checks that the two agree)."""
    if "input_shape" in inspect.signature(type(layer)).parameters:  # Conv2D, Flatten, pooling, Dropout, BN
        layer.input_shape = tuple(None if n is None else int(n) for n in shape)
    elif len(shape) != 1:
        raise ValueError(f"from_keras: the model's input shape is {(None, *shape)} but its first layer becomes "
                         f"{type(layer).__name__}, which takes (N, features) inputs only (add a Flatten first)")

"""scratchnet Sequential <-> keras.Sequential, layer for layer and weight for weight.

to_keras maps Affine -> Dense (kernel_regularizer=L2(l2) when l2 is set), each activation to its
own Activation layer, and Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Dropout,
BatchNormalization, Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Conv1D and the 1-D poolings to the Keras
layers of the same names and
settings (a model starting with Embedding gets an int32 Input), so the Keras model's
layer outputs line up 1:1 with scratchnet's (forward_trace). Weights are copied exactly, moving
statistics included (`keras_model.scratchnet_weight_names` names them W1, b1, gamma1, ...,
moving_mean1, ... in get_weights order); a Dropout's Keras twin gets the same seed and the same
seed-generator counter, so both draw the same masks from then on (scratchnet.layers.dropout),
and so does a recurrent layer with dropout (scratchnet.layers.recurrent).
The loss travels as a Keras loss object attached to the model (`keras_model.scratchnet_loss`,
with `keras_model.scratchnet_dtype`).

L2: Keras's L2 regularizer computes `cast(l2, dtype) * sum(W**2)`, and casting a Python float
goes through float32, so Keras's penalty uses float32(l2) even in a float64 model. to_keras
passes `Affine.l2` unchanged; for agreement beyond ~1e-9 in the penalty's share of the loss and
gradient, give scratchnet a float32-representable factor, e.g. l2=float(np.float32(1e-4)).

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
from scratchnet.layers import (ACTIVATIONS, GRU, LSTM, Affine, AveragePooling1D, AveragePooling2D, BatchNormalization,
                               Bidirectional, Conv1D, Conv2D, Dropout, Embedding, Flatten, GlobalAveragePooling1D,
                               GlobalMaxPooling1D, MaxPooling1D, MaxPooling2D, SimpleRNN)
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
TO_KERAS = {Affine: _keras_dense, **{cls: _keras_activation for cls in _ACTIVATION_OF},
            Conv2D: _keras_conv2d, MaxPooling2D: _keras_pooling(keras.layers.MaxPooling2D),
            AveragePooling2D: _keras_pooling(keras.layers.AveragePooling2D), Flatten: _keras_flatten,
            Dropout: _keras_dropout, BatchNormalization: _keras_batch_normalization,
            Embedding: _keras_embedding, SimpleRNN: _keras_recurrent, LSTM: _keras_recurrent, GRU: _keras_recurrent,
            Bidirectional: _keras_bidirectional, Conv1D: _keras_conv1d,
            MaxPooling1D: _keras_pooling(keras.layers.MaxPooling1D),
            AveragePooling1D: _keras_pooling(keras.layers.AveragePooling1D),
            GlobalAveragePooling1D: _keras_global_pooling(keras.layers.GlobalAveragePooling1D),
            GlobalMaxPooling1D: _keras_global_pooling(keras.layers.GlobalMaxPooling1D)}


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
            keras_layer_.build(_build_shape(layer))
            keras_layer_.set_weights(weights)
    return keras_layer_


def _build_shape(layer):
    """The batch shape to build a lone layer for: its input shape, or any number of time steps
    (ids for an Embedding, (T, input_dim) steps for a recurrent layer)."""
    if layer.input_shape:
        return (None, *layer.input_shape)
    return (None, None) if layer.takes_integers else (None, None, layer.input_dim)


def to_keras(model, softmax_output=False, exact_l2=False, book_dropout=False, dense_gradients=False):
    """The keras.Sequential computing the same function as scratchnet `model`, in its dtype,
    with identical weights and the matching Keras loss as `.scratchnet_loss`.

    exact_l2=True gives each Dense with an L2 factor the penalty `ExactL2` (the factor in the
    model's dtype) instead of Keras's `L2` (the factor rounded through float32).

    book_dropout=True maps a non-inverted Dropout (the book's, `inverted=False`) to Keras's
    Dropout followed by Rescaling(1 - rate) (`keras_book_dropout`); by default it is refused.

    dense_gradients=True makes train_step/train_steps hand the optimizer an Embedding's gradient
    dense, as scratchnet computes it, instead of Keras's IndexedSlices (see
    autodiff.dense_gradients: Adam, RMSprop and Adagrad differ when an id repeats in a batch).

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
        layers = [keras.Input(model.input_shape, dtype="int32" if model.takes_integers else dtype)]
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
        if dense_gradients:
            keras_model.scratchnet_dense_gradients = True
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


def _refuse_options(layer, options, what="scratchnet's layer", bias_optional=False):
    """Refuse a built layer's options that scratchnet has no equivalent for."""
    if not layer.built:
        raise _unsupported(layer, "is not built; build the model (e.g. with keras.Input) first")
    if hasattr(layer, "use_bias") and not layer.use_bias and not bias_optional:
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


def _from_convolution(scratchnet_class):
    """Conv2D or Conv1D: [the layer, activation name unless linear]."""
    def convert(layer):
        name = scratchnet_class.__name__
        _refuse_options(layer, ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                "bias_constraint"), f"scratchnet's {name}")
        _channels_last(layer)
        if set(layer.dilation_rate) != {1} or layer.groups != 1 or layer.padding == "causal":
            raise _unsupported(layer, f"has dilation_rate={layer.dilation_rate}, groups={layer.groups} or padding="
                                      f"{layer.padding!r}; scratchnet's {name} has none of these (valid and same "
                                      f"padding only)")
        kernel, bias = layer.get_weights()
        return _with_activation(layer, scratchnet_class(np.array(kernel), np.array(bias), strides=tuple(layer.strides),
                                                        padding=layer.padding))
    return convert


def _from_global_pooling(scratchnet_class):
    def convert(layer):
        _channels_last(layer)
        if layer.keepdims:
            raise _unsupported(layer, "has keepdims=True; scratchnet's global poolings output (N, C)")
        return [scratchnet_class()]
    return convert


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
    if not (layer.center and layer.scale) or layer.renorm or getattr(layer, "synchronized", False):
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


def _from_embedding(layer):
    _refuse_options(layer, ("embeddings_regularizer", "activity_regularizer", "embeddings_constraint"))
    if layer.mask_zero:
        raise _unsupported(layer, "has mask_zero=True; scratchnet's layers take no masks (every time step counts)")
    return [Embedding(np.array(layer.get_weights()[0]))]


def _from_time_distributed(layer):
    """TimeDistributed(Dense) is Dense on the last axis: an Affine, which takes (N, T, n_in)."""
    if type(layer.layer) is not keras.layers.Dense:
        raise _unsupported(layer, f"wraps {type(layer.layer).__name__}; scratchnet has TimeDistributed(Dense) only "
                                  f"(as an Affine on the last axis)")
    return _from_dense(layer.layer)


def _recurrent_activation_name(layer, function, what):
    name = _KERAS_ACTIVATIONS.get(function)
    if name is None or name == "softmax":
        raise _unsupported(layer, f"has {what} {getattr(function, '__name__', function)!r}; supported: "
                                  f"{', '.join(n for n in _KERAS_ACTIVATIONS.values() if n != 'softmax')}")
    return name


def _from_recurrent(scratchnet_class):
    """SimpleRNN/LSTM/GRU with the Keras layer's weights, options, seed and seed-generator counter."""
    def convert(layer):
        _refuse_options(layer, ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                                "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                                "bias_constraint"), bias_optional=True)
        cell = layer.cell
        for flag, why in (("return_state", "outputs several arrays (the output and the final states), which a "
                                           "Sequential model cannot pass on"),
                          ("stateful", "carries its state from one batch to the next; scratchnet's recurrent "
                                       "layers start every sequence at zero")):
            if getattr(layer, flag):
                raise _unsupported(layer, f"has {flag}=True: it {why}")
        for rate in ("dropout", "recurrent_dropout"):
            if getattr(cell, rate) >= 1.0:
                raise _unsupported(layer, f"has {rate}={getattr(cell, rate)}; scratchnet takes rates in [0, 1)")
        options = {"activation": _recurrent_activation_name(layer, cell.activation, "activation"),
                   "return_sequences": layer.return_sequences, "go_backwards": layer.go_backwards,
                   "dropout": float(cell.dropout), "recurrent_dropout": float(cell.recurrent_dropout)}
        if scratchnet_class is not SimpleRNN:
            options["recurrent_activation"] = _recurrent_activation_name(layer, cell.recurrent_activation,
                                                                         "recurrent_activation")
            options["implementation"] = int(cell.implementation)
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
    if layer.merge_mode is None:
        raise _unsupported(layer, "has merge_mode=None: it outputs two arrays, which a Sequential model cannot pass on")
    if type(forward) not in _RECURRENT_OF or type(backward) is not type(forward):
        raise _unsupported(layer, f"wraps {type(forward).__name__} and {type(backward).__name__}; scratchnet's "
                                  f"Bidirectional takes two SimpleRNN, LSTM or GRU layers of one kind")
    convert = _from_recurrent(_RECURRENT_OF[type(forward)])
    return [Bidirectional(convert(forward)[0], convert(backward)[0], layer.merge_mode)]


def _from_activation(layer):
    return [_activation(layer)]


def _from_relu(layer):
    config = layer.get_config()
    if config.get("max_value") is None and not config.get("negative_slope") and not config.get("threshold"):
        return ["relu"]
    raise _unsupported(layer, "has max_value, negative_slope or threshold set; only the plain ReLU is supported")


# Keras layer class -> the function giving its scratchnet entries (layers, or activation names).
FROM_KERAS = {keras.layers.Dense: _from_dense, keras.layers.Activation: _from_activation,
              keras.layers.ReLU: _from_relu, keras.layers.Conv2D: _from_convolution(Conv2D),
              keras.layers.MaxPooling2D: _from_pooling(MaxPooling2D),
              keras.layers.AveragePooling2D: _from_pooling(AveragePooling2D), keras.layers.Flatten: _from_flatten,
              keras.layers.Dropout: _from_dropout, keras.layers.BatchNormalization: _from_batch_normalization,
              keras.layers.Embedding: _from_embedding, keras.layers.SimpleRNN: _from_recurrent(SimpleRNN),
              keras.layers.LSTM: _from_recurrent(LSTM), keras.layers.GRU: _from_recurrent(GRU),
              keras.layers.TimeDistributed: _from_time_distributed, keras.layers.Bidirectional: _from_bidirectional,
              keras.layers.Conv1D: _from_convolution(Conv1D), keras.layers.MaxPooling1D: _from_pooling(MaxPooling1D),
              keras.layers.AveragePooling1D: _from_pooling(AveragePooling1D),
              keras.layers.GlobalAveragePooling1D: _from_global_pooling(GlobalAveragePooling1D),
              keras.layers.GlobalMaxPooling1D: _from_global_pooling(GlobalMaxPooling1D)}


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
    a softmax anywhere else is refused. TimeDistributed(Dense) becomes an Affine (which acts on
    the last axis). Layers without an exact equivalent (dilated or grouped convolutions,
    channels_first data, Dropout with noise_shape, an Embedding with mask_zero, a stateful RNN
    or one with return_state, ...) raise
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
    if "input_shape" in inspect.signature(type(layer)).parameters or isinstance(layer, (SimpleRNN, LSTM, GRU)):
        layer.input_shape = tuple(None if n is None else int(n) for n in shape)
    elif len(shape) != 1:
        raise ValueError(f"from_keras: the model's input shape is {(None, *shape)} but its first layer becomes "
                         f"{type(layer).__name__}, which takes (N, features) inputs only (add a Flatten first)")

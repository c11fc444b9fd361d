"""The matrix's layer rows: every image and MLP layer kind, option, activation, loss and metric
scratchnet offers with a Keras twin, each in a tiny float64 model against `reference_keras.to_keras`
of it, and a section of the layers' and losses' defaults against Keras's.

A row is a small model built from seeded weights (`build(on=True)`) and a batch: the one-batch
checks (every layer's output in training and inference mode, the loss, every gradient by Keras's
autodiff and by central differences, the input's gradient, and every layer's output gradient as
`backward_trace` gives them), the loss and gradients with per-sample weights where the
row has them, `evaluate`'s loss and accuracy (the loss's metric), a 4-step lockstep run (batches
of 4 and 2, twice) for the rows whose layers keep state across steps (Dropout's mask counter,
BatchNormalization's moving statistics) and, on scratchnet alone, the same model with the row's option switched off
(`build(on=False)`), whose loss, gradients or output must move by at least OPTION_EFFECT_MIN (else
the row does not exercise its option). Images are odd-sized and not square (7 x 5), so that a
height computed from a width, or a stride applied to the wrong axis, shows.
"""
import inspect
from dataclasses import dataclass

import numpy as np

import reference_keras
from reference_keras import keras
from scratchnet import layers as L
from scratchnet import losses, metrics
from scratchnet.gradcheck import relative_error
from scratchnet.model import Sequential
from scratchnet.optimizers import SGD

from ..core.check import Check, compare, scalar_check
from ..core.lockstep import LockstepPlan, run_lockstep, stopped_check, trajectory_checks
from ..core.one_batch import twin_checks
from ..core.tolerances import OPTION_EFFECT_MIN, tolerance

IMAGE = (7, 5, 2)  # odd, not square, two channels
FEATURES, CLASSES, SAMPLES = 4, 3, 6  # MLP rows: 4 features in, 3 outputs, 6 samples
POSITIONS = 5  # the per-position rows: Dense on (N, 5, 4) sequences, a loss at every position
L2 = float(np.float32(0.01))  # float32-representable: Keras rounds the L2 factor through float32


@dataclass
class LayerRow:
    """One row: `build(on)` gives the model with (on=True) or without its option; `targets` the
    kind of target its loss takes ("labels", "labels_column", "one_hot", "binary", "real");
    `image` whether it takes images; `lockstep` whether it also trains 3 steps beside Keras;
    `sample_weight` whether the loss is also checked with per-sample weights."""
    family: str
    name: str
    option: str
    build: object
    targets: str = "labels"
    image: bool = False
    lockstep: bool = False
    sample_weight: bool = False
    sequence: bool = False


def _rng(seed):
    return np.random.default_rng(seed)


def _dense(rng, n_in, n_out, bias=True, **options):
    W = rng.normal(size=(n_in, n_out)) / np.sqrt(n_in)
    return L.Affine(W, rng.normal(size=n_out) * 0.1 if bias else None, **options)


def _conv(rng, c_in, c_out, k=(3, 2), **options):
    W = rng.normal(size=(*k, c_in, c_out)) / np.sqrt(k[0] * k[1] * c_in)
    return L.Conv2D(W, rng.normal(size=c_out) * 0.1, **options)


def _with_head(rng, layers, flat_size, loss, n_out=CLASSES, output=None):
    """`layers`, then (for images) Flatten, a Dense to n_out outputs and an optional output layer."""
    head = [_dense(rng, flat_size, n_out)] + ([output] if output is not None else [])
    return Sequential([*layers, *head], loss)


def _flat_size(layers, input_shape):
    shape = input_shape
    for layer in layers:
        shape = layer.output_shape(shape)
    return int(np.prod(shape))


def image_model(seed, body, loss=None, n_out=CLASSES):
    """Conv-style rows: `body(rng)` (the first layer fixes the input shape), Flatten, Dense."""
    rng = _rng(seed)
    layers = body(rng)
    layers.append(L.Flatten())
    return _with_head(rng, layers, _flat_size(layers, IMAGE), loss or losses.SoftmaxCrossEntropy(), n_out)


def mlp_model(seed, middle, loss=None, output=None, n_out=CLASSES, hidden=5, first_bias=True, first_options=None):
    """MLP rows: Dense(4 -> 5), `middle` (layers on 5 features), Dense(5 -> n_out), `output`."""
    rng = _rng(seed)
    first = _dense(rng, FEATURES, hidden, bias=first_bias, **(first_options or {}))
    first._declare_input_shape((FEATURES,))
    return _with_head(rng, [first, *middle], hidden, loss or losses.SoftmaxCrossEntropy(), n_out, output)


def sequence_model(seed, loss):
    """Per-position rows: Dense(4 -> 5) on every position of (N, 5, 4) sequences, Tanh, Dense(5 -> 3)."""
    rng = _rng(seed)
    first = _dense(rng, FEATURES, 5)
    first._declare_input_shape((POSITIONS, FEATURES))
    return _with_head(rng, [first, L.Tanh()], 5, loss)


def _declared(layer, shape):
    layer._declare_input_shape(shape)
    return layer


# -- the rows ------------------------------------------------------------------------------------
def _conv_rows():
    def conv(**options):
        return lambda on, seed: image_model(seed, lambda rng: [_declared(_conv(rng, 2, 3, **(options if on else {})),
                                                                         IMAGE)])
    rows = [LayerRow("convolution", "Conv2D 3x2 kernel, strides (2, 1), valid", "strides", conv(strides=(2, 1)),
                     image=True),
            LayerRow("convolution", "Conv2D 3x2 kernel, strides 2, same", "padding same",
                     lambda on, seed: image_model(seed, lambda rng: [_declared(
                         _conv(rng, 2, 3, strides=2, padding="same" if on else "valid"), IMAGE)]), image=True),
            LayerRow("convolution", "Conv2D 3x2 kernel, same, then ReLU", "ReLU after it",
                     lambda on, seed: image_model(seed, lambda rng: [_declared(_conv(rng, 2, 3, padding="same"),
                                                                               IMAGE)] + ([L.ReLU()] if on else [])),
                     image=True),
            LayerRow("convolution", "Conv2D 3x2 kernel, dilation (2, 2), valid", "dilation",
                     conv(dilation_rate=(2, 2)), image=True)]

    def wide(second):
        """A 1x1 Conv2D to 6 channels, then `second(rng)`: more than 4 input channels, where im2col
        copies window by window instead of cell by cell (another code path, forward and backward)."""
        return lambda on, seed: image_model(seed, lambda rng: [_declared(_conv(rng, 2, 6, k=(1, 1)), IMAGE),
                                                               second(rng, on)])
    rows += [LayerRow("convolution", "Conv2D 6 -> 3 channels, 3x2 kernel, strides (2, 1), same", "padding same",
                      wide(lambda rng, on: _conv(rng, 6, 3, strides=(2, 1), padding="same" if on else "valid")),
                      image=True),
             LayerRow("convolution", "Conv2D 6 -> 3 channels, 3x2 kernel, dilation (2, 1), valid", "dilation",
                      wide(lambda rng, on: _conv(rng, 6, 3, **({"dilation_rate": (2, 1)} if on else {}))), image=True),
             LayerRow("convolution", "Conv2D 6 -> 3 channels, 1x3 kernel, strides (1, 3) on 7x8 (two columns in no "
                      "window)", "strides (1, 3) (off: 1)", lambda on, seed: image_model(seed, lambda rng: [
                          _declared(_conv(rng, 2, 6, k=(1, 1)), IMAGE), L.ZeroPadding2D(((0, 0), (2, 1))),
                          _conv(rng, 6, 3, k=(1, 3), strides=(1, 3) if on else 1)]), image=True),
             LayerRow("convolution", "Conv2D 6 -> 3 channels, 1x1 kernel (windows tile the image), L2 0.01", "L2",
                      wide(lambda rng, on: _conv(rng, 6, 3, k=(1, 1), **({"l2": L2} if on else {}))), image=True)]
    return rows


def _pooling_rows():
    def pooled(kind, on_options, off_options):
        def build(on, seed):
            def body(rng):
                return [_declared(_conv(rng, 2, 2, k=(1, 1)), IMAGE), kind(**(on_options if on else off_options))]
            return image_model(seed, body)
        return build
    return [LayerRow("pooling", "MaxPooling2D 2x2, strides (2, 1), valid", "strides (2, 1)",
                     pooled(L.MaxPooling2D, {"pool_size": (2, 2), "strides": (2, 1)}, {"pool_size": (2, 2)}),
                     image=True),
            LayerRow("pooling", "MaxPooling2D 3x2, same", "padding same",
                     pooled(L.MaxPooling2D, {"pool_size": (3, 2), "padding": "same"}, {"pool_size": (3, 2)}),
                     image=True),
            LayerRow("pooling", "AveragePooling2D 3x2, strides (1, 2), valid", "strides (1, 2)",
                     pooled(L.AveragePooling2D, {"pool_size": (3, 2), "strides": (1, 2)}, {"pool_size": (3, 2)}),
                     image=True),
            LayerRow("pooling", "AveragePooling2D 2x2, strides 2, same", "padding same",
                     pooled(L.AveragePooling2D, {"pool_size": 2, "strides": 2, "padding": "same"},
                            {"pool_size": 2, "strides": 2}), image=True),
            LayerRow("pooling", "MaxPooling2D 2x1 (windows side by side, one column wide)", "max (off: average)",
                     lambda on, seed: pooled(L.MaxPooling2D if on else L.AveragePooling2D, {"pool_size": (2, 1)},
                                             {"pool_size": (2, 1)})(True, seed), image=True),
            LayerRow("pooling", "AveragePooling2D 3x3, strides 2, same (padding above and left)", "padding same",
                     pooled(L.AveragePooling2D, {"pool_size": 3, "strides": 2, "padding": "same"},
                            {"pool_size": 3, "strides": 2}), image=True),
            LayerRow("pooling", "MaxPooling2D 3x3, strides 2, same (padding above and left)", "padding same",
                     pooled(L.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"},
                            {"pool_size": 3, "strides": 2}), image=True),
            *(LayerRow("pooling", f"{kind.__name__} after a 1x1 Conv2D", "the global pooling (off: Flatten)",
                       lambda on, seed, kind=kind: image_model(seed, lambda rng: [
                           _declared(_conv(rng, 2, 3, k=(1, 1)), IMAGE), *([kind()] if on else [])]), image=True)
              for kind in (L.GlobalAveragePooling2D, L.GlobalMaxPooling2D)),
            LayerRow("reshaping", "ZeroPadding2D ((1, 0), (2, 1)) before a 3x2 Conv2D", "the zero padding",
                     lambda on, seed: image_model(seed, lambda rng: [
                         *([_declared(L.ZeroPadding2D(((1, 0), (2, 1))), IMAGE)] if on else []),
                         _declared(_conv(rng, 2, 3), (8, 8, 2) if on else IMAGE)]), image=True)]


def _batch_norm(rng, features, frozen=False, **options):
    layer = L.BatchNormalization(1.0 + 0.3 * rng.normal(size=features), 0.2 * rng.normal(size=features),
                                 moving_mean=0.5 * rng.normal(size=features),
                                 moving_variance=1.0 + rng.random(features), **options)
    if frozen:
        layer.trainable = False
    return layer


def _normalization_rows():
    def bn_image(on, seed):
        return image_model(seed, lambda rng: [_declared(_conv(rng, 2, 2), IMAGE)]
                           + ([_batch_norm(rng, 2, momentum=0.5)] if on else []))
    return [LayerRow("batch normalization", "Dense, BatchNormalization (training, moving statistics)", "the layer",
                     lambda on, seed: mlp_model(seed, [_batch_norm(_rng(seed + 1), 5, momentum=0.5)] if on else [],
                                                first_bias=False), lockstep=True),
            LayerRow("batch normalization", "BatchNormalization epsilon 0.5", "epsilon",
                     lambda on, seed: mlp_model(seed, [_batch_norm(_rng(seed + 1), 5,
                                                                   **({"epsilon": 0.5} if on else {}))])),
            LayerRow("batch normalization", "BatchNormalization frozen (trainable=False)", "trainable=False",
                     lambda on, seed: mlp_model(seed, [_batch_norm(_rng(seed + 1), 5, frozen=on)]), lockstep=True),
            LayerRow("batch normalization", "Conv2D, BatchNormalization over channels", "the layer", bn_image,
                     image=True, lockstep=True)]


def _dropout_rows():
    return [LayerRow("dropout", "Dropout 0.4 (Keras's masks)", "the layer",
                     lambda on, seed: mlp_model(seed, [L.Dropout(0.4, seed=seed + 7)] if on else []), lockstep=True),
            LayerRow("dropout", "Conv2D, Dropout 0.3 on images", "the layer",
                     lambda on, seed: image_model(seed, lambda rng: [_declared(_conv(rng, 2, 2), IMAGE)]
                                                  + ([L.Dropout(0.3, seed=seed + 3)] if on else [])),
                     image=True, lockstep=True)]


def _dense_rows():
    return [LayerRow("dense", "Dense use_bias=False", "no bias",
                     lambda on, seed: mlp_model(seed, [L.Tanh()], first_bias=not on)),
            LayerRow("dense", "Dense L2 0.01", "L2",
                     lambda on, seed: mlp_model(seed, [L.Tanh()], first_options={"l2": L2} if on else {}))]


def _preprocessing_rows():
    def image_body(first):
        def build(on, seed):
            return image_model(seed, lambda rng: ([_declared(first(rng), IMAGE)] if on else [])
                               + [_declared(_conv(rng, 2, 2, k=(2, 2)), None if on else IMAGE)])
        return build

    def reshaped(on, seed):
        def body(rng):
            conv = _declared(_conv(rng, 2, 2, k=(2, 2)), IMAGE)  # (6, 4, 2) out
            return [conv, L.Reshape((4, 6, 2) if on else (6, 4, 2)), _conv(rng, 2, 2, k=(2, 1))]
        return image_model(seed, body)
    return [LayerRow("preprocessing", "Rescaling(1/2, offset -0.25)", "the layer",
                     image_body(lambda rng: L.Rescaling(0.5, offset=-0.25)), image=True),
            LayerRow("preprocessing", "Normalization (per-channel mean, variance)", "the layer",
                     image_body(lambda rng: L.Normalization(rng.normal(size=2), 1.0 + rng.random(2))), image=True),
            LayerRow("preprocessing", "Resizing 7x5 -> 4x6, nearest", "the layer",
                     image_body(lambda rng: L.Resizing(4, 6)), image=True),
            LayerRow("reshaping", "Reshape between convolutions", "a different target shape", reshaped, image=True)]


# activation layer -> (options it is built with, the same layer's default options)
_ACTIVATION_OPTIONS = {L.ReLU: ({"max_value": 0.6, "negative_slope": 0.1, "threshold": 0.2}, {}),
                       L.LeakyReLU: ({"negative_slope": 0.1}, None), L.ELU: ({"alpha": 0.5}, None),
                       L.GELU: ({"approximate": True}, {})}


def _activation_rows():
    rows = []
    for cls in L.ACTIVATION_LAYERS:
        if cls in (L.Softmax, L.Identity):
            continue  # Softmax: an output layer (the loss rows); Identity: the "off" of every other row
        options, off = _ACTIVATION_OPTIONS.get(cls, ({}, None))

        def build(on, seed, cls=cls, options=options, off=off):
            layer = cls(**options) if on else (cls(**off) if off is not None else L.Identity())
            return mlp_model(seed, [layer], loss=losses.MeanSquaredError())
        label = f"{cls.__name__}({', '.join(f'{k}={v}' for k, v in options.items())})"
        rows.append(LayerRow("activation", label, "its options" if off is not None else "the activation", build,
                             targets="real"))
        if off is not None:  # the same layer at its defaults, against the identity
            rows.append(LayerRow("activation", f"{cls.__name__}()", "the activation",
                                 lambda on, seed, cls=cls: mlp_model(seed, [cls() if on else L.Identity()],
                                                                     loss=losses.MeanSquaredError()),
                                 targets="real"))
    # ReLU's other paths: a negative slope alone (Keras's leaky_relu, its slope in float32) and a
    # cap alone (ReLU6: Keras's relu6 passes no gradient at 6), each against the plain ReLU
    for options in ({"negative_slope": 0.1}, {"max_value": 0.6}, {"max_value": 6.0}):
        rows.append(LayerRow("activation", f"ReLU({', '.join(f'{k}={v}' for k, v in options.items())})",
                             "its option (off: ReLU())",
                             lambda on, seed, options=options: mlp_model(
                                 seed, [L.ReLU(**options) if on else L.ReLU()],
                                 loss=losses.MeanSquaredError()) if options.get("max_value") != 6.0 else
                             _relu6_model(on, seed), targets="real"))
    # Softmax before a loss that does not read its logits: the softmax's own backward pass
    rows.append(LayerRow("activation", "Softmax, then MeanSquaredError", "the softmax",
                         lambda on, seed: mlp_model(seed, [L.Tanh()], loss=losses.MeanSquaredError(),
                                                    output=L.Softmax() if on else None), targets="real"))
    # alpha above 1 as well as below (ELU computes alpha = 1 apart), against alpha = 1
    rows.append(LayerRow("activation", "ELU(alpha=1.5)", "alpha (off: 1)",
                         lambda on, seed: mlp_model(seed, [L.ELU(alpha=1.5 if on else 1.0)],
                                                    loss=losses.MeanSquaredError()), targets="real"))
    return rows


def _relu6_model(on, seed):
    """ReLU(max_value=6) on pre-activations scaled so that some exceed 6."""
    model = mlp_model(seed, [L.ReLU(max_value=6.0) if on else L.ReLU()], loss=losses.MeanSquaredError())
    first = model.layers[0]
    first.params["W"][...] *= 8.0
    return model


def _loss_rows():
    def loss_row(name, loss_on, loss_off, targets, output=None, output_off=None, n_out=CLASSES, weighted=False):
        def build(on, seed):
            return mlp_model(seed, [L.Tanh()], loss=loss_on() if on else loss_off(), n_out=n_out,
                             output=output() if output and on else (output_off() if output_off else None))
        return LayerRow("loss", name, "its option", build, targets=targets, sample_weight=weighted)
    softmax, sigmoid = L.Softmax, L.Sigmoid
    return [
        loss_row("softmax CE, labels, sample_weight", losses.SoftmaxCrossEntropy,
                 lambda: losses.SoftmaxCrossEntropy("sum"), "labels",
                 weighted=True),
        loss_row("SparseCategoricalCrossentropy(from_logits=True), (N, 1) labels",
                 lambda: losses.SparseCategoricalCrossentropy(from_logits=True), losses.SparseCategoricalCrossentropy,
                 "labels_column", weighted=True),
        loss_row("Softmax, SparseCategoricalCrossentropy (probabilities)", losses.SparseCategoricalCrossentropy,
                 lambda: losses.SparseCategoricalCrossentropy(from_logits=True), "labels", output=softmax,
                 output_off=L.Tanh),
        # probabilities that are no softmax's or sigmoid's (whose logits Keras reads instead): the
        # probability paths themselves, rows not summing to 1 included
        loss_row("Softplus, CategoricalCrossentropy (rows not summing to 1), reduction sum",
                 lambda: losses.CategoricalCrossentropy(reduction="sum"),
                 lambda: losses.CategoricalCrossentropy(from_logits=True, reduction="sum"), "one_hot",
                 output=L.Softplus, output_off=L.Softplus, weighted=True),
        loss_row("Softplus, SparseCategoricalCrossentropy (rows not summing to 1)",
                 losses.SparseCategoricalCrossentropy, lambda: losses.SparseCategoricalCrossentropy(from_logits=True),
                 "labels", output=L.Softplus, output_off=L.Softplus),
        loss_row("HardSigmoid, BinaryCrossentropy (probabilities, not a sigmoid's)", losses.BinaryCrossentropy,
                 lambda: losses.BinaryCrossentropy(from_logits=True), "binary", output=L.HardSigmoid,
                 output_off=L.HardSigmoid, weighted=True),
        loss_row("CategoricalCrossentropy(label_smoothing=0.2, from_logits=True)",
                 lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2),
                 lambda: losses.CategoricalCrossentropy(from_logits=True), "one_hot", weighted=True),
        loss_row("Softmax, CategoricalCrossentropy(label_smoothing=0.1)",
                 lambda: losses.CategoricalCrossentropy(label_smoothing=0.1), losses.CategoricalCrossentropy,
                 "one_hot", output=softmax, output_off=softmax),
        loss_row("Sigmoid, BinaryCrossentropy (probabilities)", losses.BinaryCrossentropy,
                 lambda: losses.BinaryCrossentropy(from_logits=True), "binary", output=sigmoid, output_off=L.Tanh,
                 n_out=1, weighted=True),
        loss_row("BinaryCrossentropy(from_logits=True, label_smoothing=0.2)",
                 lambda: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
                 lambda: losses.BinaryCrossentropy(from_logits=True), "binary", weighted=True),
        loss_row("sigmoid BCE, (N, 1) targets", losses.SigmoidBinaryCrossEntropy, losses.MeanSquaredError, "binary",
                 n_out=1),
        loss_row("MeanAbsoluteError, sample_weight", losses.MeanAbsoluteError, losses.MeanSquaredError, "real",
                 weighted=True),
        loss_row("Huber(delta=0.3)", lambda: losses.Huber(delta=0.3), losses.Huber, "real", weighted=True),
        loss_row("MSE, reduction sum", lambda: losses.MeanSquaredError("sum"), losses.MeanSquaredError, "real"),
        # a loss at every position of a sequence output (N, 5, 3): Keras reduces the positions as
        # samples, and its accuracy counts each position
        LayerRow("loss", "Dense per position, SparseCategoricalCrossentropy on (N, 5) labels",
                 "reduction sum (off: mean)", lambda on, seed: sequence_model(
                     seed, losses.SparseCategoricalCrossentropy(from_logits=True, reduction="sum" if on else "mean")),
                 targets="position_labels", sequence=True),
        LayerRow("loss", "Dense per position, CategoricalCrossentropy on (N, 5, 3) rows",
                 "label_smoothing 0.2", lambda on, seed: sequence_model(
                     seed, losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2 if on else 0.0)),
                 targets="position_one_hot", sequence=True),
    ]


def layer_rows():
    """Every row, family by family."""
    return [*_conv_rows(), *_pooling_rows(), *_normalization_rows(), *_dropout_rows(), *_dense_rows(),
            *_preprocessing_rows(), *_activation_rows(), *_loss_rows()]


# -- one row ---------------------------------------------------------------------------------------
def row_batch(row, model, seed):
    """(x, t, per-sample weights) for the row's model."""
    rng = _rng(seed + 1000)
    x = rng.normal(size=(SAMPLES, *IMAGE)) if row.image else \
        rng.normal(size=(SAMPLES, POSITIONS, FEATURES)) if row.sequence else rng.normal(size=(SAMPLES, FEATURES))
    n_out = _out_width(model)  # the last Dense's (an output activation keeps the width)
    labels = np.arange(SAMPLES) % n_out
    rng.shuffle(labels)
    positions = rng.integers(0, n_out, size=(SAMPLES, POSITIONS))
    targets = {"labels": labels, "labels_column": labels[:, None], "one_hot": np.eye(n_out)[labels],
               "position_labels": positions, "position_one_hot": np.eye(n_out)[positions],
               "binary": (rng.random((SAMPLES, n_out)) < 0.5).astype(np.float64),
               "real": rng.normal(size=(SAMPLES, n_out))}
    return x, targets[row.targets], 0.25 + rng.random(SAMPLES) * 2.0


def _out_width(model):
    affines = [layer for layer in model.layers if isinstance(layer, L.Affine)]
    return affines[-1].params["W"].shape[1]


def _effect(on, off, x, t):
    """How far the model without the option ends from the one with it: the largest relative
    difference of the loss, the inference output and every gradient of the same shape."""
    effects = [relative_error(on.loss(x, t), off.loss(x, t))]
    y_on, y_off = on.predict(x), off.predict(x)
    if y_on.shape == y_off.shape:
        effects.append(relative_error(y_on, y_off))
    g_on, g_off = on.gradient(x, t), off.gradient(x, t)
    effects += [relative_error(g_on[k], g_off[k]) for k in g_on if k in g_off and g_on[k].shape == g_off[k].shape]
    if set(g_on) != set(g_off):
        effects.append(1.0)  # a parameter more or less: the option changes what trains
    return max(effects)


def _weighted_checks(model, keras_model, x, t, w):
    ours_loss, ours_grads = model.loss(x, t, sample_weight=w), model.gradient(x, t, sample_weight=w)
    with reference_keras.state_preserved(keras_model):
        theirs_loss, theirs_grads = reference_keras.loss_and_gradients(keras_model, None, x, t, sample_weight=w)
    checks = [scalar_check("loss (sample_weight)", ours_loss, theirs_loss, tolerance("float64", "loss"), kind="loss")]
    effect = relative_error(ours_loss, model.loss(x, t))
    checks.append(Check("option sample_weight changes the loss (relative change, must be >= tolerance)", effect,
                        OPTION_EFFECT_MIN, bool(effect >= OPTION_EFFECT_MIN), kind="option_effect",
                        subject="sample_weight"))
    checks += [compare(f"gradient {key} (sample_weight)", ours_grads[key], theirs_grads[key],
                       tolerance("float64", "gradient"), x.shape[0], kind="gradient", subject=key)
               for key in ours_grads]
    (loss, accuracy), (k_loss, k_accuracy) = (model.evaluate(x, t, sample_weight=w),
                                              reference_keras.evaluate(keras_model, x, t, sample_weight=w))
    checks += [scalar_check("evaluate loss (sample_weight)", loss, k_loss, tolerance("float64", "final_loss"),
                            kind="final", subject="loss"),
               scalar_check("evaluate accuracy (sample_weight)", accuracy, k_accuracy, tolerance("float64", "accuracy"),
                            relative=False, kind="final", subject="accuracy")]
    # the accuracy weighted too, as Keras's weighted_metrics: round-off apart (weighted sums)
    accuracy = model.evaluate(x, t, sample_weight=w, weighted_accuracy=True)[1]
    k_accuracy = reference_keras.evaluate(keras_model, x, t, sample_weight=w, weighted_accuracy=True)[1]
    checks.append(scalar_check("evaluate weighted accuracy (sample_weight)", accuracy, k_accuracy,
                               tolerance("float64", "final_loss"), kind="final", subject="accuracy"))
    return checks


# target kind -> (scratchnet metric, the Keras metric class Keras's compile resolves "accuracy" to)
_METRICS_OF = {"labels": (metrics.SparseCategoricalAccuracy, "SparseCategoricalAccuracy"),
               "labels_column": (metrics.SparseCategoricalAccuracy, "SparseCategoricalAccuracy"),
               "one_hot": (metrics.CategoricalAccuracy, "CategoricalAccuracy"),
               "binary": (metrics.BinaryAccuracy, "BinaryAccuracy")}


def metric_checks(row, model, x, t, w):
    """scratchnet.metrics on the model's output against Keras's metric classes: the row's metric
    and "accuracy" (resolved by the shapes), plain and weighted (BinaryAccuracy also at a
    threshold of 0.7)."""
    if row.targets not in _METRICS_OF:
        return []
    ours_cls, keras_name = _METRICS_OF[row.targets]
    y = model.predict(x)
    variants = [(ours_cls, {})]
    if not (row.targets == "binary" and y.shape[-1] > 1):  # several 0-1 columns: "accuracy" is Keras's choice
        variants.append((metrics.Accuracy, {}))
    if ours_cls is metrics.BinaryAccuracy:
        variants.append((ours_cls, {"threshold": 0.7}))
    checks = []
    for cls, options in variants:
        for weights in (None, w):
            metric = cls(**options, weighted=weights is not None)
            hits, entries = metric.count(y, t, weights)
            keras_metric = getattr(keras.metrics, keras_name)(**options, dtype="float64")
            keras_metric.update_state(t, y, sample_weight=weights)
            label = f"metric {metric!r}{f' {options}' if options else ''}"
            # Keras averages per-sample means (weighted or not) in its own order: round-off apart
            checks.append(scalar_check(label, hits / entries, float(keras_metric.result()),
                                       tolerance("float64", "final_loss"), kind="final", subject=metric.name))
    return checks


def _trace_checks(model, x, t):
    """Sequential.backward_trace of a fresh model (every layer's output gradient, what a failing
    check's diagnosis walks) against Keras's, on the same batch."""
    keras_model = reference_keras.to_keras(model)
    ours, _ = model.backward_trace(x, t)
    with reference_keras.state_preserved(keras_model):
        theirs, _ = reference_keras.backward_trace(keras_model, x, t)
    return [compare(f"dL/d(output of {name}) (backward_trace)", ours[name], theirs[name],
                    tolerance("float64", "gradient"), x.shape[0], kind="gradient", subject=name) for name in ours]


def run_layer_row(row, seed):
    """The checks of one row (their names unprefixed) and the row's option effect."""
    model = row.build(True, seed)
    x, t, w = row_batch(row, model, seed)
    keras_model = reference_keras.to_keras(model)
    checks, _ = twin_checks(model, keras_model, x, t, numerical_samples=2, seed=seed, input_gradient=True)
    if row.sample_weight:
        checks += _weighted_checks(model, keras_model, x, t, w)
    checks += metric_checks(row, model, x, t, w)
    if row.lockstep:
        optimizer = SGD(learning_rate=0.1)
        # batches of 4 and 2, twice: the kept buffers of the training loop meet a batch of another size
        plan = LockstepPlan(epochs=2, batch_size=4, seed=seed)
        try:
            traj = run_lockstep(model, keras_model, optimizer, reference_keras.keras_optimizer(optimizer, keras_model),
                                x, t, plan, progress=False)
            checks += trajectory_checks(traj, "float64")
        except (ValueError, TypeError, FloatingPointError) as err:
            checks.append(stopped_check(err, "float64"))
    (loss, accuracy), (k_loss, k_accuracy) = model.evaluate(x, t), reference_keras.evaluate(keras_model, x, t)
    checks += [scalar_check("evaluate loss", loss, k_loss, tolerance("float64", "final_loss"), kind="final",
                            subject="loss"),
               scalar_check("evaluate accuracy", accuracy, k_accuracy, tolerance("float64", "accuracy"),
                            relative=False, kind="final", subject="accuracy")]
    checks += _trace_checks(row.build(True, seed), x, t)
    effect = _effect(row.build(True, seed), row.build(False, seed), x, t)
    checks.append(Check(f"option {row.option} changes the result (relative change, must be >= tolerance)", effect,
                        OPTION_EFFECT_MIN, bool(effect >= OPTION_EFFECT_MIN), kind="option_effect",
                        subject=row.option))
    return checks, effect


def layer_row_checks(seed=0, fail_fast=False):
    """(checks named "<family>: <row>: ...", table rows)."""
    all_checks, table = [], []
    for number, row in enumerate(layer_rows()):
        checks, effect = run_layer_row(row, seed + 500 + number)
        for check in checks:
            check.name = f"{row.family}: {row.name}: {check.name}"
        all_checks += checks
        worst = {kind: max((c.value for c in checks if c.kind == kind), default=None)
                 for kind in ("forward", "gradient", "trajectory", "final")}
        table.append([row.family, row.name, *("-" if v is None else f"{v:.2g}" for v in worst.values()),
                      f"{effect:.2g}", "pass" if all(c.passed for c in checks) else "FAIL"])
        if fail_fast and not all(c.passed for c in checks):
            break
    return all_checks, table


LAYER_ROW_HEADERS = ["family", "row", "forward", "gradient", "trajectory", "final", "option effect", "result"]


# -- defaults --------------------------------------------------------------------------------------
# scratchnet class -> Keras class (or function) whose keyword defaults it must share.
_DEFAULT_TWINS = [(L.Conv2D, keras.layers.Conv2D), (L.MaxPooling2D, keras.layers.MaxPooling2D),
                  (L.AveragePooling2D, keras.layers.AveragePooling2D),
                  (L.BatchNormalization, keras.layers.BatchNormalization), (L.Dropout, keras.layers.Dropout),
                  (L.ReLU, keras.layers.ReLU), (L.LeakyReLU, keras.layers.LeakyReLU), (L.ELU, keras.layers.ELU),
                  (L.GELU, keras.activations.gelu), (L.Rescaling, keras.layers.Rescaling),
                  (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy),
                  (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy),
                  (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy), (losses.Huber, keras.losses.Huber),
                  (metrics.BinaryAccuracy, keras.metrics.BinaryAccuracy)]
# Defaults scratchnet chose apart from Keras, and why (left out of the comparison).
_OWN_DEFAULTS = {("Dropout", "seed"): "scratchnet draws a seed when none is given, so that masks can be replayed"}


def _defaults(function):
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


def _same(a, b):
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (tuple, list)):
        return all(_same(a, v) for v in b)
    if isinstance(b, (int, float)) and not isinstance(b, bool) and isinstance(a, (tuple, list)):
        return _same(b, a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    return a == b


def default_checks():
    """(checks, table rows): each shared keyword's default, scratchnet against Keras, and
    Normalization's epsilon against Keras's backend epsilon (which its layer uses)."""
    checks, rows = [], []
    for ours, theirs in _DEFAULT_TWINS:
        mine, keras_defaults = _defaults(ours.__init__), _defaults(getattr(theirs, "__init__", theirs)
                                                                    if isinstance(theirs, type) else theirs)
        shared = [k for k in mine if k in keras_defaults and k not in ("name", "input_shape", "dtype", "reduction")
                  and (ours.__name__, k) not in _OWN_DEFAULTS]
        differing = {k: (mine[k], keras_defaults[k]) for k in shared if not _same(mine[k], keras_defaults[k])}
        passed = not differing
        checks.append(Check(f"defaults {ours.__name__} ({', '.join(shared) or 'none shared'}) are Keras's",
                            0.0 if passed else 1.0, 0.0, passed,
                            "" if passed else f"scratchnet vs Keras: {differing}", kind="default",
                            subject=ours.__name__))
        rows.append([ours.__name__, ", ".join(f"{k}={mine[k]!r}" for k in shared) or "-",
                     "pass" if passed else "FAIL"])
    epsilon, ours = keras.config.epsilon(), _defaults(L.Normalization.__init__)["epsilon"]
    passed = ours == epsilon
    checks.append(Check("defaults Normalization epsilon is Keras's backend epsilon", abs(ours - epsilon),
                        0.0, passed, "" if passed else f"{ours} vs {epsilon}", kind="default",
                        subject="Normalization"))
    rows.append(["Normalization", f"epsilon={ours!r}", "pass" if passed else "FAIL"])
    return checks, rows


DEFAULT_HEADERS = ["scratchnet class", "defaults shared with Keras", "result"]

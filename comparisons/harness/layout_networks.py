"""Networks in the book's style with a `layers` dict (TwoLayerNet, MultiLayerNet(Extend),
SimpleConvNet) seen in Keras's layouts, and their Keras twins.

`LayoutNetwork` gives comparisons.core.one_batch.twin_checks the interface of a scratchnet model whose
inputs, activations, gradients and parameters are in Keras's layouts: it takes NHWC images and
hands the learner's network NCHW ones, returns every layer's output and output gradient in NHWC,
and exposes the parameters and their gradients as Keras holds them (filters as Conv2D kernels,
the first Affine after a convolution with its rows permuted for Keras's Flatten; see
book_layout.py). Training-mode passes hand each of the learner's Dropout layers the
uniforms Keras's Dropout draws (the same on every pass, as the twin's seed generators are put
back after every Keras call), and every pass puts its BatchNormalization running statistics back
afterwards (as reference_keras.state_preserved does for Keras's moving statistics).

`keras_twin` builds the Keras model computing what the network should: scratchnet layers in
Keras's layouts (Conv2D, ReLU, MaxPooling2D, a Flatten before an Affine that flattens images,
Dense, BatchNormalization with the learner's momentum and epsilon, the book's Dropout as Keras's
Dropout followed by Rescaling(1 - ratio)) turned into Keras layers by reference_keras.to_keras.
"""
import contextlib
import functools

import numpy as np

import reference_keras
import scratchnet
from scratchnet import layers as sn_layers
from scratchnet.losses import SoftmaxCrossEntropy

from . import book_layout as bl
from .adapters import BookNetwork, loss_layer_of
from .book_layers import SEED_OFFSET, running_statistic
from .recognize import MIRRORS, NotMappable, working_copy

TRAINING_AWARE = ("dropout", "batchnorm")
LARGEST_SEARCHED_IMAGE = 64  # the image sizes tried to find what a conv net's first Affine expects


class _LayerView:
    """What twin_checks reads of a layer: its name and whether it has modes."""

    def __init__(self, name, kind):
        self.name, self.training_aware = name, kind in TRAINING_AWARE


class LayoutNetwork(BookNetwork):
    def __init__(self, net, dtype, structure, x_book, seed):
        super().__init__(net, dtype)
        self.structure = structure
        self.layers = [_LayerView(name, kind) for name, kind, _, _ in structure]
        self.widened = set()
        self.dropout_seeds = {name: seed + SEED_OFFSET + i for i, (name, kind, _, _) in enumerate(structure)
                              if kind == "dropout"}
        with self._pass():
            self.inputs = self._trace(x_book, training=True, keep_inputs=True)
        self.params = {key: self.to_keras(key, value) for key, value in net.params.items()}

    # -- layouts ----------------------------------------------------------------------------------
    def _conversions(self):
        """{params key: (to Keras, from Keras)} for the keys whose layouts differ."""
        out = {}
        for name, kind, _, keys in self.structure:
            if kind == "convolution":
                out[keys["W"]] = (bl.kernel_to_keras, bl.kernel_from_keras)
            elif kind == "affine" and self.inputs[name].ndim == 4:
                chw = self.inputs[name].shape[1:]
                out[keys["W"]] = (lambda W, chw=chw: bl.affine_rows_to_keras(W, chw),
                                  lambda W, chw=chw: bl.affine_rows_from_keras(W, chw))
        return out

    def to_keras(self, key, value):
        convert = self._conversions().get(key)
        return np.array(convert[0](value) if convert else value, copy=True)

    # -- the learner's passes ------------------------------------------------------------------------
    def _drive_dropouts(self):
        """Each Dropout layer's training forward draws Keras's uniforms for its input (an instance
        attribute shadows the method while a pass runs, as the learner's network calls
        layer.forward); returns the layers so driven."""
        driven = []
        for name, kind, adapter, _ in self.structure:
            if kind != "dropout" or "forward" in vars(adapter.layer):  # not a layer already driven (nested passes)
                continue
            layer, method = adapter.layer, adapter.layer.forward
            keras_side = sn_layers.Dropout(bl.dropout_ratio(layer)[1], seed=self.dropout_seeds[name], inverted=False)

            @functools.wraps(method)  # keeps the signature (train_flg) visible
            def forward(x, *args, method=method, keras_side=keras_side, **kwargs):
                with bl.driven_uniforms(keras_side.uniforms(np.shape(x), np.asarray(x).dtype)):
                    return method(x, *args, **kwargs)
            layer.forward = forward
            driven.append(layer)
        return driven

    @contextlib.contextmanager
    def _pass(self):
        """A pass of the learner's network with Keras's Dropout masks, after which the
        BatchNormalization layers' running statistics are put back."""
        layers = [adapter.layer for _, kind, adapter, _ in self.structure if kind == "batchnorm"]
        saved = [{key: None if getattr(layer, key, None) is None else np.array(getattr(layer, key), copy=True)
                  for key in ("running_mean", "running_var")} for layer in layers]
        driven = self._drive_dropouts()
        try:
            yield
        finally:
            for layer in driven:
                del layer.forward
            for layer, values in zip(layers, saved):
                for key, value in values.items():
                    setattr(layer, key, value)

    def frozen_state(self):
        return self._pass()

    def _trace(self, x, training, keep_inputs=False):
        outputs = {}
        for name, kind, adapter, _ in self.structure:
            if keep_inputs:
                outputs[name] = np.array(x, copy=True)
            forward = adapter.layer.forward
            x = bl.call_in_mode(forward, x, training) if kind in TRAINING_AWARE else forward(x)
            if not keep_inputs:
                out = np.array(bl.to_nhwc(x), copy=True)  # a later layer may write into it
                if self.dtype == np.float32 and out.dtype == np.float64:
                    self.widened.add(name)
                    out = out.astype(np.float32)
                outputs[name] = out
        return outputs

    def notes(self):
        """The layouts and conventions the comparison translated, in plain words."""
        lines = []
        for name, kind, adapter, keys in self.structure:
            layer = adapter.layer
            if kind == "convolution":
                lines.append(f"{name}: NCHW images and (FN, C, FH, FW) filters; compared in Keras's NHWC with the "
                             f"kernel {keys['W']}.transpose(2, 3, 1, 0) (pad {getattr(layer, 'pad', 0)}, stride "
                             f"{getattr(layer, 'stride', 1)})")
            elif kind == "affine" and self.inputs[name].ndim == 4:
                c, h, w = self.inputs[name].shape[1:]
                lines.append(f"{name} flattens NCHW ({c}, {h}, {w}) in (c, h, w) order, Keras's Flatten of NHWC in "
                             f"(h, w, c): compared after a Flatten with the rows of {keys['W']} permuted "
                             f"(reshape ({c}, {h}, {w}, -1), transpose (1, 2, 0, 3))")
            elif kind == "dropout":
                ratio = bl.dropout_ratio(layer)[1]
                lines.append(f"{name}: the book's non-inverted Dropout (ratio {ratio:g}), compared with Keras's "
                             f"Dropout followed by Rescaling({1 - ratio:g}) and handed Keras's mask; Keras's own "
                             f"layer gives {1 / (1 - ratio):.6g} times its output in both modes")
            elif kind == "batchnorm":
                epsilon = bl.infer_epsilon(layer, self.inputs[name], self.dtype)[0]
                lines.append(f"{name}: compared with Keras's BatchNormalization(momentum={float(layer.momentum):g}, "
                             f"epsilon={epsilon:g}) and its running statistics (zeros where not yet started; "
                             f"Keras's defaults: momentum 0.99, epsilon 1e-3, moving variance ones)")
        if self.widened:
            lines.append(f"{', '.join(sorted(self.widened))}: float64 outputs for {self.dtype} data (running "
                         f"statistics started with np.zeros(D), as the book's): compared after rounding")
        return lines

    def forward_trace(self, x, training=False):
        with self._pass():
            return self._trace(bl.to_nchw(x), training)

    def _loss(self, x_book, t):
        return float(bl.call_in_mode(self.net.loss, x_book, True, t) if bl.takes_train_flag(self.net.loss)
                     else self.net.loss(x_book, t))

    def loss(self, x, t):
        with self._pass():
            return self._loss(bl.to_nchw(x), t)

    def gradient(self, x, t):
        with self._pass():
            grads = super().gradient(bl.to_nchw(x), t)
        return {key: self.to_keras(key, value) for key, value in grads.items()}

    def backward_trace(self, x, t):
        with self._pass():
            self._loss(bl.to_nchw(x), t)
            dout = loss_layer_of(self.net)[1].backward(1.0)
            trace = {}
            for name, _, adapter, _ in reversed(self.structure):
                trace[name] = np.array(bl.to_nhwc(dout), copy=True)
                dout = adapter.layer.backward(dout)
        return {name: trace[name] for name, *_ in self.structure}, self.gradient(x, t)


def book_input_shape(net, structure, dtype):
    """The per-sample input shape a network takes: (n_in,) for an Affine first, (C, H, W) for a
    Convolution first (the smallest square image its first Affine accepts)."""
    name, kind, adapter, _ = structure[0]
    if kind == "affine":
        return (np.shape(adapter.layer.W)[0],)
    if kind != "convolution":
        raise NotMappable(f"its first layer {name!r} is a {kind}; a network starting with an Affine or a "
                          f"Convolution is checked")
    _, c, fh, fw = np.shape(adapter.layer.W)
    probes = working_copy([(kind_, adapter_.layer) for _, kind_, adapter_, _ in structure])  # no state moves
    for size in range(max(fh, fw), LARGEST_SEARCHED_IMAGE + 1):
        x = np.zeros((1, c, size, size), dtype=dtype)
        try:
            with np.errstate(all="ignore"):
                for kind_, layer in probes:
                    x = bl.call_in_mode(layer.forward, x, False) if kind_ in TRAINING_AWARE else layer.forward(x)
            return (c, size, size)
        except Exception:  # noqa: BLE001  (a size the network does not accept raises somewhere)
            continue
    raise NotMappable(f"no square image from {max(fh, fw)} to {LARGEST_SEARCHED_IMAGE} pixels fits its layers "
                      f"(Convolution filters {np.shape(adapter.layer.W)}); check it with x given")


def keras_twin(model, l2):
    """The Keras model of a LayoutNetwork, with ExactL2(lambda / 2) on every Dense."""
    layers, names = [], []
    first = True
    for name, kind, adapter, keys in model.structure:
        layer, inputs = adapter.layer, model.inputs[name]
        if kind == "convolution":
            layers.append(_conv2d(name, layer, model, keys, inputs, first))
            names += [keys["W"], keys["b"]]
        elif kind == "pooling":
            if getattr(layer, "pad", 0):
                raise NotMappable(f"layer {name!r} (Pooling): pad {layer.pad}: the book's Pooling leaves pad out of "
                                  f"its output size, so only pad 0 is consistent")
            layers.append(sn_layers.MaxPooling2D((layer.pool_h, layer.pool_w), strides=layer.stride or 1, name=name))
        elif kind == "affine":
            if inputs.ndim > 2:
                layers.append(sn_layers.Flatten(name=f"{name}_flatten"))
            layers.append(sn_layers.Affine(*(model.params[keys[k]] for k in ("W", "b")), l2=l2, name=name))
            names += [keys["W"], keys["b"]]
        elif kind == "batchnorm":
            layers.append(_batchnorm(name, layer, model, keys, inputs))
            names += [keys["gamma"], keys["beta"], f"moving_mean ({name})", f"moving_variance ({name})"]
        elif kind == "dropout":
            layers.append(sn_layers.Dropout(bl.dropout_ratio(layer)[1], seed=model.dropout_seeds[name], inverted=False,
                                            name=name))
        else:
            layers.append(MIRRORS[kind](name=name))
        first = False
    wanted = [layer.name for layer in layers]
    mirror = scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=model.dtype)
    for layer, name in zip(mirror.layers, wanted):  # the Sequential numbers its layers; keep the learner's names
        layer.name = name
    keras_model = reference_keras.to_keras(mirror, exact_l2=True, book_dropout=True)
    keras_model.scratchnet_weight_names = names
    return keras_model


def _conv2d(name, layer, model, keys, inputs, first):
    W = model.params[keys["W"]]
    stride, pad = getattr(layer, "stride", 1) or 1, getattr(layer, "pad", 0)
    padding = bl.keras_padding(pad, W.shape[:2], stride)
    if padding is None:
        raise NotMappable(f"layer {name!r} (Convolution): pad {pad} with stride {stride} and {W.shape[0]}x{W.shape[1]} "
                          f"filters is neither Keras's 'valid' (pad 0) nor its 'same' (stride 1, pad (F - 1) / 2)")
    shape = bl.to_nhwc(inputs).shape[1:] if first else None
    return sn_layers.Conv2D(W, model.params[keys["b"]], strides=stride, padding=padding, input_shape=shape, name=name)


def _batchnorm(name, layer, model, keys, inputs):
    if inputs.ndim != 2:
        raise NotMappable(f"layer {name!r} (BatchNormalization) on images {inputs.shape}: the book's normalises each "
                          f"(c, h, w) position, Keras's each channel")
    d = inputs.shape[1]
    running = [running_statistic(layer, key, d, model.dtype) for key in ("running_mean", "running_var")]
    epsilon, _ = bl.infer_epsilon(layer, inputs, model.dtype)
    return sn_layers.BatchNormalization(model.params[keys["gamma"]], model.params[keys["beta"]], *running,
                                        momentum=float(layer.momentum), epsilon=epsilon, name=name)

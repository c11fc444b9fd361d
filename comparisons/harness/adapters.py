"""Adapters: one interface over a learner's book-style objects and scratchnet's, for the checks.

LayerAdapter reads and writes a layer's weights and gradients whether they are attributes (the
book's W, b, dW, db) or scratchnet's params/grads dicts. BookNetwork shows a network in the
book's style (params, loss, gradient, an ordered `layers` dict) through the interface of
scratchnet.Sequential that the one-batch checks use (comparisons.core.one_batch.ModelLike).
network_structure and plain_mlp_structure read what a network is made of; set_network_dtype
converts it. Adapters build on recognize.py, never the other way.
"""
import numpy as np

from scratchnet import layers as sn_layers

from .recognize import BOOK_LAYOUT_KINDS, MIRRORS, NotMappable, kind_of, working_copy


class LayerAdapter:
    """One interface over a book-style layer (attributes W, b, dW, db, or lowercase w, dw), a
    layer of the book's second-volume style (`params = [W, b]`, `grads = [dW, db]`, written in
    place) and a scratchnet layer (params and grads dicts)."""

    def __init__(self, layer):
        self.layer = layer
        self.keys = ("gamma", "beta") if hasattr(layer, "gamma") else ("W", "b")
        params = getattr(layer, "params", None)
        if isinstance(layer, sn_layers.Layer):
            self.mode, self.names = "dict", {}
        elif self.keys == ("W", "b") and not hasattr(layer, "W") and isinstance(params, (list, tuple)) \
                and len(params) == 2 and all(isinstance(p, np.ndarray) for p in params):
            self.mode, self.names = "list", {"W": 0, "b": 1}
        else:
            names = {key: next((n for n in (key, key.lower()) if hasattr(layer, n)), None) for key in self.keys}
            self.mode = "attributes" if names[self.keys[0]] else "dict"
            self.names = names
        self.book_style = self.mode != "dict"

    def weights(self):
        if self.mode == "list":
            return {key: self.layer.params[i] for key, i in self.names.items()}
        if self.mode == "attributes":
            return {key: getattr(self.layer, name) for key, name in self.names.items() if name}
        params = getattr(self.layer, "params", None)
        return {key: params[key] for key in ("W", "b")} if isinstance(params, dict) and "W" in params else {}

    def set_weight(self, key, value):
        if self.mode == "list":
            i = self.names[key]
            self.layer.params[i] = value
            grads = getattr(self.layer, "grads", None)
            if isinstance(grads, list) and len(grads) > i and isinstance(grads[i], np.ndarray):
                grads[i] = np.zeros_like(value)  # backward writes grads[i][...] = dW: in the weights' dtype
        elif self.mode == "attributes":
            setattr(self.layer, self.names[key] or key, value)
        else:
            self.layer.params[key] = value

    def weight_gradients(self):
        """{"W": dW, "b": db} as the layer left them after backward (None where missing)."""
        if self.mode == "list":
            grads = getattr(self.layer, "grads", None) or []
            return {key: grads[i] if i < len(grads) else None for key, i in self.names.items()}
        if self.mode == "attributes":
            return {key: getattr(self.layer, f"d{name or key}", None) for key, name in self.names.items()}
        grads = getattr(self.layer, "grads", None) or {}
        return {key: grads.get(key) for key in ("W", "b")}

    def as_dtype(self, dtype):
        """A working copy of the layer whose weights are in `dtype`."""
        if isinstance(self.layer, sn_layers.Layer):
            return LayerAdapter(self.layer.astype(dtype) if self.layer.params else working_copy(self.layer))
        twin = LayerAdapter(working_copy(self.layer))
        for key, value in twin.weights().items():
            twin.set_weight(key, np.asarray(value).astype(dtype))
        return twin

    def mirror(self, kind):
        """The scratchnet layer computing what this layer should compute (copies of its weights)."""
        if kind == "affine":
            weights = self.weights()
            return sn_layers.Affine(np.array(weights["W"]), np.array(weights["b"]))
        return MIRRORS[kind]()


# -- networks ------------------------------------------------------------------------------------
# The constructor arguments a network class is built with (those its signature names): small
# and all different; a SimpleConvNet on 2-channel 10x10 images (3 filters 3x3: conv 8x8, pool
# 4x4); a MultiLayerNetExtend with its BatchNormalization and Dropout layers on.
BOOK_NETWORK_SIZES = {"input_size": 6, "hidden_size": 5, "hidden_size_list": [5, 4], "output_size": 3,
                      "input_dim": (2, 10, 10),
                      "conv_param": {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1},
                      "use_dropout": True, "dropout_ration": 0.3, "dropout_ratio": 0.3, "use_batchnorm": True}
BOOK_WEIGHT_DECAY = 0.5  # passed to a constructor's weight_decay_lambda: exercises the L2 code


def layers_of(net):
    """A network's layers as an ordered {name: layer}: its `layers` dict, or its `layers` list
    (the book's DeepConvNet) named "layers[0]", "layers[1]", ...; None without either."""
    layers = getattr(net, "layers", None)
    if isinstance(layers, dict):
        return layers
    if isinstance(layers, (list, tuple)) and layers and all(hasattr(layer, "forward") for layer in layers):
        return {f"layers[{i}]": layer for i, layer in enumerate(layers)}
    return None


def loss_layer_of(net):
    for name in ("lastLayer", "last_layer", "lastlayer", "loss_layer", "lossLayer"):
        if hasattr(net, name):
            return name, getattr(net, name)
    return None, None


class BookNetwork:
    """A network in the book's style seen through the interface of scratchnet.Sequential that
    comparisons.core.one_batch.twin_checks uses (dtype, params, forward_trace, loss, gradient,
    backward_trace), plus `weight_decay` (lambda) for the diagnosis and `loss_calls` (how many
    times the last gradient() evaluated the loss: many means a numerical gradient)."""

    def __init__(self, net, dtype):
        self.net, self.dtype = net, np.dtype(dtype)
        self.params = net.params
        self.weight_decay = float(getattr(net, "weight_decay_lambda", 0.0) or 0.0)
        self.layers = dict(layers_of(net) or {})
        self.loss_calls = 0
        self.missing_gradients = []

    def forward_trace(self, x):
        outputs = {}
        for name, layer in self.layers.items():
            x = layer.forward(x)
            outputs[name] = np.array(x, copy=True)  # a later layer may write into it
        return outputs

    def loss(self, x, t):
        return float(self.net.loss(x, t))

    def gradient(self, x, t):
        calls = [0]
        method, own = self.net.loss, self.net.__dict__.get("loss")

        def counting_loss(*args, **kwargs):
            calls[0] += 1
            return method(*args, **kwargs)

        self.net.loss = counting_loss  # shadows the method while gradient() runs
        try:
            grads = self.net.gradient(x, t)
        finally:
            if own is None:
                del self.net.loss
            else:
                self.net.loss = own
        self.loss_calls = calls[0]
        self.missing_gradients = [key for key in self.params if key not in grads]
        return {key: np.array(grads[key], copy=True) if key in grads else np.zeros_like(value)
                for key, value in self.params.items()}

    def backward_trace(self, x, t):
        self.net.loss(x, t)
        dout = loss_layer_of(self.net)[1].backward(1.0)
        trace = {}
        for name in reversed(list(self.layers)):
            trace[name] = np.array(dout, copy=True)
            dout = self.layers[name].backward(dout)
        return {name: trace[name] for name in self.layers}, self.gradient(x, t)


def network_structure(net):
    """[(layer name, kind, LayerAdapter, {"W": params key, "b": params key} or {})] for a network
    with a `layers` dict, and the list of warnings about it (a layer not sharing its arrays
    with params); NotMappable for a layer or loss the checker has no Keras twin for."""
    structure, warnings, used = [], [], set()
    params = net.params
    for name, layer in layers_of(net).items():
        kind, why = kind_of(layer)
        if kind not in ("affine", *MIRRORS, *BOOK_LAYOUT_KINDS):
            raise NotMappable(f"layer {name!r} ({type(layer).__name__}): {why or f'a {kind} inside a network'}")
        adapter, keys = LayerAdapter(layer), {}
        for key, value in adapter.weights().items():
            shared = next((k for k, v in params.items() if v is value and k not in used), None)
            if shared is None:
                shared = next((k for k in params if k.startswith(key) and k not in used), None)
                warnings.append(f"layer {name!r}'s {key} is not the array params[{shared!r}] (not shared): an "
                                f"optimizer updating params in place never reaches the layer")
            if shared is None:
                raise NotMappable(f"layer {name!r}'s {key} matches no entry of params")
            keys[key] = shared
            used.add(shared)
        structure.append((name, kind, adapter, keys))
    loss_layer = loss_layer_of(net)[1]
    if loss_layer is None or kind_of(loss_layer)[0] != "softmax_loss":
        raise NotMappable("its loss layer (lastLayer or last_layer) is missing or not a SoftmaxWithLoss")
    return structure, warnings


def plain_mlp_structure(net):
    """[(W key, b key)] for params W1, b1, ..., Wk, bk that chain as an MLP; NotMappable if not."""
    params, pairs = net.params, []
    for i in range(1, len(params) // 2 + 1):
        pair = (f"W{i}", f"b{i}")
        if not all(key in params for key in pair):
            break
        pairs.append(pair)
    if not pairs or len(pairs) * 2 != len(params) or any(
            params[w].ndim != 2 or params[b].shape != params[w].shape[1:] for w, b in pairs) or any(
            params[w1].shape[1] != params[w2].shape[0] for (w1, _), (w2, _) in zip(pairs, pairs[1:])):
        raise NotMappable("it has no `layers` dict, and its params are not an MLP's W1, b1, ..., Wk, bk")
    return pairs


def set_network_dtype(net, structure, dtype):
    """Convert a network's parameters to `dtype`, rebinding each layer's attribute to the new
    array so that params and layers stay shared."""
    for key in list(net.params):
        net.params[key] = np.asarray(net.params[key]).astype(dtype)
    for _, _, adapter, keys in structure:
        for key, param_key in keys.items():
            adapter.set_weight(key, net.params[param_key])

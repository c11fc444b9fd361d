"""The Sequential model: a list of layers and one loss layer, in one float dtype.

Parameters are exposed in `params` (and gradients in `grads`) keyed W1, b1, W2, b2, ... in
layer order; the arrays are the layers' own, so an optimizer updating `params` in place trains
the layers. `get_weights()` lists them in Keras's order [W1, b1, W2, b2, ...].
"""
import json

import numpy as np

from . import initializers
from ._checks import as_float_dtype, check_array
from .layers import ACTIVATIONS, Affine
from .losses import LOSSES, SigmoidBinaryCrossEntropy

_EVAL_CHUNK = 10_000  # rows per forward pass when evaluating a whole data set: bounds memory


class Sequential:
    def __init__(self, layers, loss, dtype=None):
        self.layers = list(layers)
        self.loss_layer = loss
        affines = [layer for layer in self.layers if isinstance(layer, Affine)]
        if not affines:
            raise ValueError("Sequential: needs at least one Affine layer")
        self.dtype = as_float_dtype(dtype if dtype is not None else affines[0].params["W"].dtype)
        self._name_layers()
        self.params, self.grads = {}, {}
        self._slots = []  # (model key, layer, layer key): where each entry of params/grads lives
        for i, layer in enumerate(affines, start=1):
            for key in ("W", "b"):
                if layer.params[key].dtype != self.dtype:
                    raise TypeError(f"Sequential: {layer.name}.{key} is {layer.params[key].dtype}, "
                                    f"the model is {self.dtype}; every layer must share one dtype")
                self._slots.append((f"{key}{i}", layer, key))
                self.params[f"{key}{i}"] = layer.params[key]
                self.grads[f"{key}{i}"] = layer.grads[key]
        for prev, nxt in zip(affines, affines[1:]):
            if prev.shape[1] != nxt.shape[0]:
                raise ValueError(f"Sequential: {prev.name} outputs {prev.shape[1]} units but "
                                 f"{nxt.name} expects {nxt.shape[0]} inputs")
        self.input_size, self.output_size = affines[0].shape[0], affines[-1].shape[1]

    def _name_layers(self):
        counts = {}
        for layer in self.layers:
            kind = type(layer).__name__
            counts[kind] = counts.get(kind, 0) + 1
            layer.name = f"{kind}{counts[kind]}"

    def __repr__(self):
        body = ", ".join(f"{layer.name}{getattr(layer, 'shape', '')}" for layer in self.layers)
        return f"Sequential([{body}], loss={type(self.loss_layer).__name__}, dtype={self.dtype})"

    # -- forward and backward -------------------------------------------------------------
    def predict(self, x):
        """The last layer's output (logits for the cross-entropy losses), before the loss."""
        check_array(x, "Sequential.predict input", ndim=2, shape=(None, self.input_size), dtype=self.dtype)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Batch-mean loss plus the layers' L2 penalties (as Keras adds regularization losses)."""
        value = self.loss_layer.forward(self.predict(x), t)
        return value + self._penalty()

    def _penalty(self):
        return sum(layer.penalty() for layer in self.layers if isinstance(layer, Affine))

    def backprop(self, x, t):
        """Forward and backward pass; fills `self.grads` in place (no copies) and returns the loss.
        This is the training hot path; `gradient` is the copying, user-facing version."""
        value = self.loss(x, t)
        dout = self.loss_layer.backward(1.0)
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            if i == 0 and isinstance(layer, Affine):
                layer.backward(dout, need_dx=False)
            else:
                dout = layer.backward(dout)
        for name, layer, key in self._slots:  # a layer may have rebound its grads (textbook style)
            self.grads[name] = layer.grads[key]
        return value

    def gradient(self, x, t):
        """dLoss/dparam for every parameter, keyed like `params` (fresh arrays)."""
        self.backprop(x, t)
        return {key: grad.copy() for key, grad in self.grads.items()}

    # -- evaluation -----------------------------------------------------------------------
    def _correct(self, y, t):
        if isinstance(self.loss_layer, SigmoidBinaryCrossEntropy):
            return int(np.sum((y > 0) == (t > 0.5)))  # a logit > 0 means probability > 0.5
        labels = t if t.ndim == 1 else np.argmax(t, axis=1)
        if labels.shape != (y.shape[0],):
            raise ValueError(f"Sequential.accuracy: expected {y.shape[0]} labels or one-hot rows, got {t.shape}")
        return int(np.sum(np.argmax(y, axis=1) == labels))

    def evaluate(self, x, t, batch_size=_EVAL_CHUNK):
        """(mean loss per sample, accuracy) over a whole data set, in chunks to bound memory.
        The loss is the per-sample mean even for a sum-reduced loss layer, so numbers compare."""
        if len(t) != len(x):  # chunking would otherwise silently drop or misalign targets
            raise ValueError(f"Sequential.evaluate: {len(x)} inputs but {len(t)} targets")
        total_loss, correct = 0.0, 0
        summed = getattr(self.loss_layer, "reduction", "mean") == "sum"
        for start in range(0, x.shape[0], batch_size):
            xb, tb = x[start:start + batch_size], t[start:start + batch_size]
            y = self.predict(xb)
            total_loss += self.loss_layer.forward(y, tb) * (1 if summed else xb.shape[0])
            correct += self._correct(y, tb)
        penalty = self._penalty()
        units = t.size if isinstance(self.loss_layer, SigmoidBinaryCrossEntropy) else x.shape[0]
        return total_loss / x.shape[0] + penalty, correct / units

    def accuracy(self, x, t):
        """Fraction of rows whose argmax matches the label (per unit for sigmoid outputs)."""
        return self.evaluate(x, t)[1]

    # -- weights --------------------------------------------------------------------------
    def get_weights(self):
        return [param.copy() for param in self.params.values()]

    def set_weights(self, weights):
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(f"Sequential.set_weights: expected {len(self.params)} arrays "
                             f"({', '.join(self.params)}), got {len(weights)}")
        weights = [np.asarray(new) for new in weights]
        for (key, param), new in zip(self.params.items(), weights):  # check all before copying any
            if new.shape != param.shape:
                raise ValueError(f"Sequential.set_weights: {key} expected shape {param.shape}, got {new.shape}")
        for param, new in zip(self.params.values(), weights):
            np.copyto(param, new, casting="same_kind")  # in place: layers and optimizers keep their arrays

    def config(self):
        """A JSON-able description of the architecture, stored beside the weights by `save`."""
        layers = [{"kind": type(layer).__name__, **({"shape": list(layer.shape), "l2": layer.l2}
                                                     if isinstance(layer, Affine) else {})}
                  for layer in self.layers]
        loss = {"loss": type(self.loss_layer).__name__}
        if getattr(self.loss_layer, "reduction", "mean") != "mean":
            loss["reduction"] = self.loss_layer.reduction
        return {"layers": layers, **loss, "dtype": str(self.dtype)}

    def save(self, path):
        """Write weights and architecture to `path` (".npz" is appended when missing, as NumPy does)."""
        np.savez(_npz_path(path), __config__=np.array(json.dumps(self.config())), **self.params)

    def load(self, path):
        """Load weights saved by `save` into this model; the architecture must match."""
        with np.load(_npz_path(path), allow_pickle=False) as data:
            stored = json.loads(str(data["__config__"]))
            if {k: v for k, v in stored.items() if k != "dtype"} != {k: v for k, v in self.config().items() if k != "dtype"}:
                raise ValueError(f"Sequential.load: {path} holds a different architecture: {stored}")
            self.set_weights([data[key] for key in self.params])


def _npz_path(path):
    path = str(path)
    return path if path.endswith(".npz") else path + ".npz"


def load_model(path):
    """Rebuild a model from a file written by `Sequential.save`."""
    with np.load(_npz_path(path), allow_pickle=False) as data:
        stored = json.loads(str(data["__config__"]))
        weights = {key: data[key] for key in data.files if key != "__config__"}
    dtype = as_float_dtype(stored["dtype"])
    by_kind = {cls.__name__: cls for cls in ACTIVATIONS.values()}
    layers, n_affine = [], 0
    for spec in stored["layers"]:
        if spec["kind"] == "Affine":
            n_affine += 1
            layers.append(Affine(weights[f"W{n_affine}"].astype(dtype), weights[f"b{n_affine}"].astype(dtype),
                                 l2=spec["l2"]))
        else:
            layers.append(by_kind[spec["kind"]]())
    loss_class = {cls.__name__: cls for cls in LOSSES.values()}[stored["loss"]]
    loss = loss_class(stored["reduction"]) if "reduction" in stored else loss_class()
    return Sequential(layers, loss, dtype=dtype)


def mlp(sizes, activation="relu", loss="softmax_cross_entropy", weight_init="he_normal",
        seed=0, dtype=np.float64, l2=0.0):
    """A multilayer perceptron: Affine layers of `sizes` (e.g. [784, 64, 10]) with `activation`
    between them, zero biases, and `weight_init` (a name or an initializer) drawn from
    numpy.random.default_rng(seed). `loss` is a name from LOSSES or a loss layer instance."""
    dtype = as_float_dtype(dtype)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least input and output sizes, got {sizes}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"mlp: unknown activation {activation!r}; known: {sorted(ACTIVATIONS)}")
    if isinstance(loss, str) and loss not in LOSSES:
        raise ValueError(f"mlp: unknown loss {loss!r}; known: {sorted(LOSSES)}")
    rng = np.random.default_rng(seed)
    init = initializers.get(weight_init)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(ACTIVATIONS[activation]())
        layers.append(Affine(init((n_in, n_out), rng, dtype), np.zeros(n_out, dtype=dtype), l2=l2))
    return Sequential(layers, LOSSES[loss]() if isinstance(loss, str) else loss, dtype=dtype)

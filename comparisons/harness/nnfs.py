"""The nnfs contract in `check` (Sentdex & Kukiela, "Neural Networks from Scratch in Python"): its
classes presented as the book's, beside the book's adapters.

The contract: `Layer_Dense(n_inputs, n_neurons, ...)` keeps `weights` (n_inputs, n_neurons) and
`biases` (1, n_neurons); `forward(inputs)` stores `self.output` and returns None; `backward(dvalues)`
stores `self.dinputs`, `self.dweights`, `self.dbiases`. `Activation_ReLU`, `Activation_Softmax`
the same way; `Layer_Dropout(rate)` drops with probability rate (it keeps `self.rate = 1 - rate`
and draws `np.random.binomial(1, self.rate, shape) / self.rate`); the combined
`Activation_Softmax_Loss_CategoricalCrossentropy` returns the mean loss from `forward(inputs,
y_true)` and `backward(dvalues, y_true)` takes the softmax outputs; optimizers
`Optimizer_SGD/Adagrad/RMSprop/Adam(learning_rate, decay, epsilon, ...)` run
`pre_update_params()`, `update_params(layer)` on a layer's weights/dweights and biases/dbiases,
`post_update_params()`.

How it is checked: a small class here (the book's contract) builds the learner's object in the
learner's process, sets its weights itself (nnfs draws 0.01 * randn; the checks set weights as
they do for the book), calls forward/backward and reads output/dinputs/dweights/dbiases; an
optimizer is handed one of the file's own Layer_Dense objects holding the parameter and its
gradient. Then the book's checks run (layers.py, book_layers.py, optimizers.py). nnfs.init()
(called at import by the book's code) makes np.dot return float32 in the learner's process: such a
file is checked at the float32 tier, with a note.
"""
import inspect

import numpy as np

from .common import optimizer_class
from .recognize import NotMappable, plain_name

# nnfs's class names (lower case, no "_") -> the book's kind
LAYER_KINDS = {"layerdense": "affine", "activationrelu": "relu", "activationsoftmax": "softmax",
               "activationsoftmaxlosscategoricalcrossentropy": "softmax_loss", "layerdropout": "dropout"}
OPTIMIZERS = {"optimizersgd": ("SGD", {"lr": 1.0}), "optimizeradagrad": ("AdaGrad", {"lr": 1.0, "eps": 1e-7}),
              "optimizerrmsprop": ("RMSprop", {"lr": 0.001, "decay_rate": 0.9, "eps": 1e-7}),
              "optimizeradam": ("Adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7})}
NNFS_ARGUMENTS = {"lr": "learning_rate", "decay_rate": "rho", "eps": "epsilon", "beta1": "beta_1", "beta2": "beta_2"}
FLOAT32_NOTE = ("nnfs.init() makes np.dot return float32 in the learner's process (it computes in float64 and "
                "rounds): its outputs are float32 whatever the input, so it is checked at the float32 tier")


UNMAPPED = {"losscategoricalcrossentropy": "nnfs's loss on probabilities (forward returns the per-sample losses, "
                                          "calculate() their mean): not mapped to Keras yet; the combined "
                                          "Activation_Softmax_Loss_CategoricalCrossentropy is checked"}


def is_nnfs(obj):
    """Whether a class (or instance) is one of nnfs's, by its name and methods."""
    cls = obj if isinstance(obj, type) else type(obj)
    plain = plain_name(cls.__name__)
    if plain in OPTIMIZERS:
        return callable(getattr(cls, "update_params", None))
    return plain in {**LAYER_KINDS, **UNMAPPED} and callable(getattr(cls, "forward", None))


def _layer_holder(siblings):
    for cls in siblings:
        if plain_name(cls.__name__) == "layerdense":
            return cls
    return None


def present(obj, siblings=()):
    """(kind, the book-style class standing for the nnfs class, notes). `siblings`: the classes
    of the same file (an optimizer needs its Layer_Dense to hold a parameter)."""
    cls = obj if isinstance(obj, type) else type(obj)
    plain = plain_name(cls.__name__)
    if plain in OPTIMIZERS:
        holder = _layer_holder(siblings)
        if holder is None:
            raise NotMappable("an nnfs optimizer (update_params(layer)) without a Layer_Dense in its file to hold the "
                              "parameters: check it together with its Layer_Dense")
        return "optimizer", _optimizer(cls, holder, *OPTIMIZERS[plain]), []
    if plain in UNMAPPED:
        raise NotMappable(UNMAPPED[plain])
    kind = LAYER_KINDS[plain]
    return kind, _LAYER_MAKERS[kind](cls), ["nnfs contract: forward stores self.output (returns None), backward "
                                            "stores self.dinputs (and dweights, dbiases); read from there"]


def _output(inst):
    out = getattr(inst, "output", None)
    return out


def _dense(cls):
    class Affine:
        def __init__(self, W, b):
            n_in, n_out = np.shape(W)
            self.inner = cls(n_in, n_out)
            self.inner.weights, self.inner.biases = W, np.reshape(b, (1, -1))
            self.W, self.b, self.dW, self.db = W, b, None, None

        def forward(self, x):
            self.inner.weights, self.inner.biases = self.W, np.reshape(self.b, (1, -1))
            self.inner.forward(x)
            return _output(self.inner)

    if callable(getattr(cls, "backward", None)):
        def backward(self, dout):
            self.inner.backward(dout)
            self.dW = getattr(self.inner, "dweights", None)
            db = getattr(self.inner, "dbiases", None)
            self.db = None if db is None else np.reshape(db, (-1,))
            return getattr(self.inner, "dinputs", None)
        Affine.backward = backward
    return Affine


def _activation(cls):
    class Activation:
        def __init__(self):
            self.inner = cls()

        def forward(self, x):
            self.inner.forward(x)
            return _output(self.inner)

    if callable(getattr(cls, "backward", None)):
        def backward(self, dout):
            self.inner.backward(dout)
            return getattr(self.inner, "dinputs", None)
        Activation.backward = backward
    return Activation


def _softmax_loss(cls):
    class SoftmaxWithLoss:
        def __init__(self):
            self.inner, self.t = cls(), None

        def forward(self, x, t):
            self.t = np.asarray(t)
            return self.inner.forward(x, self.t)

        def backward(self, dout=1):
            self.inner.backward(_output(self.inner), self.t)
            return np.asarray(getattr(self.inner, "dinputs", None)) * dout
    return SoftmaxWithLoss


def _dropout(cls):
    class Dropout:
        def __init__(self, dropout_ratio=0.5):
            self.dropout_ratio, self.inner = dropout_ratio, cls(dropout_ratio)

        def forward(self, x, train_flg=True):
            if not train_flg:  # nnfs's Layer_Dropout has no inference mode: its users leave it out of predict
                return x.copy()
            self.inner.forward(x)
            return _output(self.inner)

        def backward(self, dout):
            self.inner.backward(dout)
            return getattr(self.inner, "dinputs", None)
    return Dropout


_LAYER_MAKERS = {"affine": _dense, "relu": _activation, "softmax": _activation, "softmax_loss": _softmax_loss,
                 "dropout": _dropout}


def _optimizer(cls, holder, book_name, defaults):
    accepted = set(inspect.signature(cls).parameters)

    def update(self, params, grads):
        if self.inner is None:  # built at the first step, from the hyperparameters as the check left them
            self.inner = cls(**{NNFS_ARGUMENTS[k]: getattr(self, k) for k in defaults
                                if NNFS_ARGUMENTS[k] in accepted})
        keys = list(params)
        self.inner.pre_update_params()
        for w_key, b_key in zip(keys[::2], keys[1::2]):  # W1, b1: one of the file's Layer_Dense holds each pair
            layer = self.holders.get(w_key)
            if layer is None:
                layer = self.holders[w_key] = holder(*np.shape(params[w_key]))
            layer.weights, layer.biases = params[w_key].copy(), params[b_key].reshape(1, -1).copy()
            layer.dweights, layer.dbiases = grads[w_key], grads[b_key].reshape(1, -1)
            self.inner.update_params(layer)
            params[w_key][...] = layer.weights
            params[b_key][...] = np.reshape(layer.biases, params[b_key].shape)
        self.inner.post_update_params()

    return optimizer_class(book_name, defaults, update, lambda: {"inner": None, "holders": {}})


def _float32_values(a):
    a = np.asarray(a, dtype=np.float64)
    return bool(np.array_equal(a, a.astype(np.float32).astype(np.float64)))


def float32_only(kind, presented, seed=0):
    """Whether the learner's code computes in float32 whatever its input (nnfs.init()'s np.dot):
    a trial forward (and backward) of the presented layer on float64 inputs and weights whose
    results come out as float32 values (whatever their dtype)."""
    rng = np.random.default_rng(seed)
    try:
        if kind == "affine":
            layer = presented(rng.normal(size=(3, 2)), np.zeros(2))
            return _float32_values(layer.forward(rng.normal(size=(4, 3))))
        if kind in ("relu", "softmax") and callable(getattr(presented, "backward", None)):
            layer = presented()
            layer.forward(rng.normal(size=(4, 3)))
            return _float32_values(layer.backward(rng.normal(size=(4, 3))))
    except Exception:  # noqa: BLE001  (the check itself reports what the learner's code raises)
        return False
    return False

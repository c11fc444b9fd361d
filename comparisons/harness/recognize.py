"""The deep-learning-from-scratch book's contract, found in a learner's objects: what kind of
thing a class is (by the book's names and methods) and how to build one with the book's
constructor signature (adapters.py then gives the checks one interface over book-style and
scratchnet objects).

- Layers: `forward(x)` and `backward(dout)` returning dx; parameters as attributes `W`, `b` and
  their gradients `dW`, `db` after backward (scratchnet's: the `params` / `grads` dicts).
  SoftmaxWithLoss: `forward(x, t)` with one-hot or label targets, `backward(dout=1)`.
  Convolution(W, b, stride, pad) and Pooling(pool_h, pool_w, stride, pad) on NCHW images;
  Dropout(dropout_ratio) and BatchNormalization(gamma, beta, momentum, ...) with
  `forward(x, train_flg)` (dgamma, dbeta after backward); book_layout.py translates.
- Networks: `params` (W1, b1, ...), `loss(x, t)`, `gradient(x, t)`, and where present an ordered
  `layers` dict and `lastLayer` (ch05) or `last_layer` (ch06/07); `weight_decay_lambda` for the
  penalty 0.5 * lambda * sum(W**2) over the weights.
- Optimizers: `update(params, grads)` in place (see book_optimizers.py).
"""
import contextlib
import copy
import difflib
import inspect

import numpy as np

import scratchnet
from scratchnet import layers as sn_layers
from scratchnet import losses as sn_losses
from scratchnet import optimizers as sn_optimizers


class NotMappable(Exception):
    """A recognised object the checker cannot map to Keras; the message says why."""


def has_methods(cls, *methods):
    """Whether `cls` (a class or an instance) has every one of `methods`, callable."""
    return all(callable(getattr(cls, method, None)) for method in methods)


def plain_name(name):
    """A name as the recognisers compare it: lower case, without underscores."""
    return name.lower().replace("_", "")


# The book's class names (lower case, no underscores) -> kind.
BOOK_KINDS = {"affine": "affine", "relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax",
              "softmaxwithloss": "softmax_loss", "softmaxcrossentropy": "softmax_loss",
              "convolution": "convolution", "pooling": "pooling", "dropout": "dropout",
              "batchnormalization": "batchnorm"}
BOOK_OPTIMIZERS = {name: name for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")}
# A class is named like the book's (Affine) or ends with it (MyAffine, BookRelu), unless what comes
# before it makes it another function (LeakyRelu, HardTanh, LogSigmoid, AveragePooling).
NOT_THE_BOOKS = ("leaky", "p", "hard", "log", "clipped", "shifted", "scaled", "average", "avg", "global", "spatial",
                 "alpha", "gaussian")
SCRATCHNET_KINDS = {sn_layers.Affine: "affine", sn_layers.ReLU: "relu", sn_layers.Sigmoid: "sigmoid",
                    sn_layers.Tanh: "tanh", sn_layers.Identity: "identity",
                    sn_losses.SoftmaxCrossEntropy: "softmax_loss", sn_losses.Loss: "loss",
                    sn_optimizers.Optimizer: "optimizer", scratchnet.Sequential: "network"}
# kind -> the scratchnet layer class computing the same function (the bridge to reference_keras).
MIRRORS = {"relu": sn_layers.ReLU, "sigmoid": sn_layers.Sigmoid, "tanh": sn_layers.Tanh, "softmax": sn_layers.Softmax,
           "identity": sn_layers.Identity}
# The book's layers whose layouts and conventions book_layout.py translates.
BOOK_LAYOUT_KINDS = ("convolution", "pooling", "dropout", "batchnorm")


# kind -> (method, how many arguments it takes besides self, as the book writes it)
SIGNATURES = {"affine": ("__init__", 2, "Affine(W, b)"), "softmax_loss": ("forward", 2, "forward(x, t)"),
              **{kind: ("forward", 1, "forward(x)") for kind in ("relu", "sigmoid", "tanh", "softmax")},
              "convolution": ("__init__", 4, "Convolution(W, b, stride, pad)"),
              "pooling": ("__init__", 3, "Pooling(pool_h, pool_w, stride)"),
              "dropout": ("forward", 2, "forward(x, train_flg)"),
              "batchnorm": ("__init__", 2, "BatchNormalization(gamma, beta)")}


def _takes(function, n):
    """Whether `function` (as found on the class, self included) accepts n arguments after self."""
    try:
        inspect.signature(function).bind(*([None] * (n + 1)))
        return True
    except (TypeError, ValueError):
        return False


def _signature_text(function):
    try:
        return str(inspect.signature(function)).replace("(self, ", "(").replace("(self)", "()")
    except (TypeError, ValueError):
        return "(...)"


def book_name(name, table):
    """The entry of `table` (book names, lower case) that a class name stands for, or None."""
    plain = plain_name(name)
    for book in sorted(table, key=len, reverse=True):
        if plain == book or (plain.endswith(book) and plain[:-len(book)] not in NOT_THE_BOOKS):
            return table[book]
    return None


CONTRACT_METHODS = ("forward", "backward", "update", "loss", "gradient")


def _methods(cls):
    """The names of the class's callables (from dir: nothing is asked of a sandboxed class's process)."""
    try:
        return [name for name in dir(cls) if not name.startswith("__") and callable(getattr(cls, name, None))]
    except Exception:  # noqa: BLE001  (a learner's class may answer anything)
        return []


def misspelt_methods(cls):
    """{the contract's method name: the learner's method that is probably it misspelt} (`foward`,
    `backword`, `Forward`): methods the class lacks, with a close name that it has."""
    own = [name for name in _methods(cls) if not name.startswith("_")]
    found = {}
    for method in CONTRACT_METHODS:
        if method in own:
            continue
        close = difflib.get_close_matches(method, [n.lower() for n in own], n=1, cutoff=0.75)
        if close:
            found[method] = next(n for n in own if n.lower() == close[0])
    return found


def could_hide_a_bug(obj):
    """Whether a class the checker did not check looks like something it would check (a method of
    the contract, a misspelt one, or one of the book's names) and is not an abstract base class:
    a bug in it would hide behind "not checked"."""
    cls = obj if isinstance(obj, type) else type(obj)
    if inspect.isabstract(cls) or cls.__dict__.get("_sandbox_abstract"):  # (a class of the sandbox says so)
        return False
    has_contract = any(m in _methods(cls) for m in CONTRACT_METHODS)
    named = book_name(cls.__name__, {**BOOK_KINDS, **BOOK_OPTIMIZERS}) is not None
    return has_contract or named or bool(misspelt_methods(cls))


def kind_of(obj):
    """(kind, None) for an object or class the checker recognises, else (None, why not)."""
    cls = obj if isinstance(obj, type) else type(obj)
    for base, kind in SCRATCHNET_KINDS.items():
        if issubclass(cls, base):
            return kind, None

    def has(*methods):
        return has_methods(cls, *methods)

    typos = misspelt_methods(cls) if not (has("forward", "backward") or has("update") or has("loss", "gradient")) \
        else {}
    wanted = [m for m in ("forward", "backward") if m in typos] if (has("forward") or has("backward") or any(
        m in typos for m in ("forward", "backward"))) else [m for m in ("update",) if m in typos]
    if wanted:
        return None, "; ".join(f"it has `{typos[m]}`: did you mean `{m}`? (the checker calls `{m}`)"
                               for m in wanted)

    forward_only = has("forward") and not has("backward") and book_name(cls.__name__, BOOK_KINDS) in (
        "affine", "relu", "sigmoid", "tanh", "softmax", "convolution", "pooling")  # forward only (chapter-7 exercises)
    if has("forward", "backward") or forward_only:
        kind = book_name(cls.__name__, BOOK_KINDS)
        if kind:
            method, n, book = SIGNATURES[kind]
            if not _takes(getattr(cls, method), n):
                return None, f"named like the book's layer, but it cannot be called as {book}"
            return kind, None
        return None, ("a layer (forward/backward) whose name is not one the checker maps to Keras (Affine, "
                      "Relu/ReLU, Sigmoid, Tanh, SoftmaxWithLoss/SoftmaxCrossEntropy, Convolution, Pooling, Dropout, "
                      "BatchNormalization)")
    if has("update"):
        if book_name(cls.__name__, BOOK_OPTIMIZERS):
            if not _takes(getattr(cls, "update"), 2):  # update(layers), update(model): another library's contract
                shown = _signature_text(getattr(cls, "update"))
                return None, (f"an optimizer named like the book's, but its update{shown} is not the book's "
                              f"update(params, grads): another contract, which the checker does not map")
            return "optimizer", None
        return None, "an optimizer (update) whose name is not one of the book's (SGD, Momentum, Nesterov, " \
                     "AdaGrad, RMSprop, Adam)"
    if has("loss", "gradient"):
        return "network", None
    return None, "not a layer (forward/backward), a network (params, loss, gradient) or an optimizer (update)"


@contextlib.contextmanager
def seeded_global_rng(seed):
    """NumPy's global RNG seeded for a block (the book's constructors draw from it), and put back
    as it was afterwards."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


# The values the book's constructors usually take, for a parameter without a default that the
# check itself does not set (an optimizer's `lr` without a default, a Dropout's ratio): the check
# reads the hyperparameters back from the object it built.
BOOK_USUAL_ARGUMENTS = {"lr": 0.01, "learning_rate": 0.01, "momentum": 0.9, "decay_rate": 0.99, "rho": 0.99,
                        "beta1": 0.9, "beta2": 0.999, "beta_1": 0.9, "beta_2": 0.999, "dropout_ratio": 0.5,
                        "dropout_ration": 0.5, "dropout_rate": 0.5, "ratio": 0.5, "rate": 0.5}


def construct(cls, values, seed):
    """cls(**values) for the constructor parameters named in `values` (the rest keep their
    defaults; one without a default gets the book's usual value, BOOK_USUAL_ARGUMENTS, said in
    the returned object's `_check_assumed`); NotMappable when a required parameter has no value
    here or the constructor raises."""
    kwargs, assumed = {}, []
    for name, p in inspect.signature(cls).parameters.items():
        if name in values:
            kwargs[name] = values[name]
        elif p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            if name not in BOOK_USUAL_ARGUMENTS:
                raise NotMappable(f"cannot build {cls.__name__}: its constructor needs {name!r}, which the checker "
                                  f"has no value for (it knows the book's usual {', '.join(BOOK_USUAL_ARGUMENTS)}); "
                                  f"give {name!r} a default, or check an instance: check({cls.__name__}(...))")
            kwargs[name] = BOOK_USUAL_ARGUMENTS[name]
            assumed.append(name)
    try:
        with seeded_global_rng(seed):
            return cls(**kwargs)
    except Exception as err:  # noqa: BLE001  (a learner's constructor may raise anything)
        shown = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        raise NotMappable(f"cannot build {cls.__name__}({shown}): {type(err).__name__}: {err}; "
                          f"check an instance instead: check({cls.__name__}(...))") from err


def working_copy(obj):
    """A deep copy to run the checks on (arrays shared inside the object stay shared in the
    copy), so the caller's object keeps its state; the object itself if it cannot be copied."""
    try:
        return copy.deepcopy(obj)
    except Exception:  # noqa: BLE001  (a learner's object may hold anything)
        return obj

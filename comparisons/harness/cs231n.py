"""CS231n's contract in `check`: the assignments' function files (cs231n/layers.py, optim.py),
checked against Keras under their own contract, beside the book's class adapters.

The contract (Stanford CS231n, assignments 1-2, 2016-2026 starter code):
- layers are function pairs: `affine_forward(x, w, b) -> (out, cache)` with x (N, d_1, ..., d_k)
  flattened to rows, `affine_backward(dout, cache) -> (dx, dw, db)`; `relu_forward(x)`,
  `relu_backward(dout, cache)`; `conv_forward_naive(x, w, b, conv_param)` on NCHW images, w (F, C,
  HH, WW), conv_param {"stride", "pad"}, `conv_backward_naive(dout, cache) -> (dx, dw, db)`;
  `max_pool_forward_naive(x, pool_param)` with {"pool_height", "pool_width", "stride"};
  `batchnorm_forward(x, gamma, beta, bn_param)` with bn_param {"mode": "train" | "test", "eps"
  (1e-5), "momentum" (0.9), "running_mean", "running_var"} (the function writes the running
  statistics back into bn_param), `batchnorm_backward` and `batchnorm_backward_alt -> (dx, dgamma,
  dbeta)`; `dropout_forward(x, dropout_param)` with {"p", "mode"} (inverted dropout);
- losses are single functions: `softmax_loss(x, y) -> (loss, dx)` and `svm_loss(x, y) -> (loss,
  dx)` on scores (N, C) and integer labels (N,), both averaged over N; svm_loss is the multiclass
  (Weston-Watkins) hinge with margin 1, sum over j != y of max(0, s_j - s_y + 1);
- optimizers are update rules `rule(w, dw, config) -> (next_w, config)`: `sgd`
  ("learning_rate" 1e-2), `sgd_momentum` (+ "momentum" 0.9, state "velocity"), `rmsprop`
  ("decay_rate" 0.99, "epsilon" 1e-8, state "cache"), `adam` ("beta1" 0.9, "beta2" 0.999, "epsilon"
  1e-8, state "m", "v", "t"); one config dict per parameter, as the course's Solver keeps them.

How it is checked: each family is presented as a layer, loss layer or optimizer of the book's
contract (a small class here that calls the learner's functions, keeps the cache and the
gradients), and that class goes through the same checks as the book's (layers.py,
book_layers.py, optimizers.py): Keras's autodiff for layers and the softmax loss, Keras's
optimizers or the book_optimizers equations, and for svm_loss TensorFlow's autodiff of the hinge
written out (Keras's CategoricalHinge is another function: the max over j, not the sum). A
family whose forward returns None (the starter code's `pass` still there) fails as "not
implemented yet".

Dropout's p: the 2017+ starter code says p is the probability of KEEPING a unit, the 2016 one the
probability of DROPPING it. The docstring of dropout_forward decides (the assignment's own words);
without one, a trial run (how many units a p of 0.25 keeps) does, and a note says which. Where the
docstring and the code disagree the check follows the docstring, so the mistake is reported.
"""
import contextlib
import inspect
import re
from dataclasses import dataclass

import numpy as np

import reference_keras

from ..core.check import Check, compare
from ..core.tolerances import tolerance
from ._child import current_uniforms, driven_uniforms
from .common import INF, LearnerFailure, call, failure, optimizer_class
from .recognize import NotMappable, plain_name


class NotImplementedYet(Exception):
    """A learner's function returned None where the contract returns an array."""


@dataclass(frozen=True)
class Family:
    """Functions of one CS231n family: the kind of check, the forward (or the only) function,
    the backward functions (each checked), and how the family is presented to the checks."""
    kind: str
    forward: str
    backward: tuple = ()


FAMILIES = (
    Family("affine", "affine_forward", ("affine_backward",)),
    Family("relu", "relu_forward", ("relu_backward",)),
    Family("softmax_loss", "softmax_loss"),
    Family("svm_loss", "svm_loss"),
    Family("convolution", "conv_forward_naive", ("conv_backward_naive",)),
    Family("pooling", "max_pool_forward_naive", ("max_pool_backward_naive",)),
    Family("batchnorm", "batchnorm_forward", ("batchnorm_backward", "batchnorm_backward_alt")),
    Family("dropout", "dropout_forward", ("dropout_backward",)),
    Family("optimizer", "sgd"),
    Family("optimizer", "sgd_momentum"),
    Family("optimizer", "rmsprop"),
    Family("optimizer", "adam"),
)
# Families of the course that have no Keras twin here yet: named "not checked" with why.
UNMAPPED = {"layernorm_forward": "layer normalization", "spatial_batchnorm_forward": "spatial batch normalization",
            "spatial_groupnorm_forward": "spatial group normalization",
            "affine_relu_forward": "the affine-ReLU sandwich (layer_utils)",
            "conv_relu_forward": "the conv-ReLU sandwich (layer_utils)",
            "conv_relu_pool_forward": "the conv-ReLU-pool sandwich (layer_utils)",
            "conv_forward_fast": "the fast convolution (fast_layers)"}
# Their starter signatures, for one trial call: a forward that still returns None is "not implemented yet".
UNMAPPED_PROBES = {
    "layernorm_forward": lambda: (np.arange(20.0).reshape(4, 5) % 7, np.ones(5), np.zeros(5), {}),
    "spatial_batchnorm_forward": lambda: (np.arange(120.0).reshape(2, 3, 4, 5) % 7, np.ones(3), np.zeros(3),
                                          {"mode": "train"}),
    "spatial_groupnorm_forward": lambda: (np.arange(72.0).reshape(2, 4, 3, 3) % 7, np.ones((1, 4, 1, 1)),
                                          np.zeros((1, 4, 1, 1)), 2, {}),
}
KIND_WORDS = {"svm_loss": "multiclass SVM loss (CS231n)",
              "cs231n_unmapped": "CS231n function family, no Keras twin yet: called once"}
OPTIMIZER_CLASS = {"sgd": "SGD", "sgd_momentum": "Momentum", "rmsprop": "RMSprop", "adam": "Adam"}
# The course's defaults, as the rule functions set them (config.setdefault): the book's attribute names.
OPTIMIZER_DEFAULTS = {"sgd": {"lr": 1e-2}, "sgd_momentum": {"lr": 1e-2, "momentum": 0.9},
                      "rmsprop": {"lr": 1e-2, "decay_rate": 0.99, "eps": 1e-8},
                      "adam": {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}
CONFIG_KEYS = {"lr": "learning_rate", "momentum": "momentum", "decay_rate": "decay_rate", "eps": "epsilon",
               "beta1": "beta1", "beta2": "beta2"}
BATCHNORM_EPS = 1e-5  # CS231n's default, handed over in bn_param
SOFTMAX_NOTE = ("CS231n's softmax_loss takes integer labels: one-hot targets were handed over as labels (argmax)")


def families(functions):
    """[(label, Family or None, {contract name: function}, defining file)] for the CS231n function
    families among `functions` ([(function, defining file)]); the label joins the learner's names
    (`affine_forward/affine_backward`). An unmapped family has Family None."""
    by_name = {}
    for function, file in functions:
        by_name.setdefault(plain_name(getattr(function, "__name__", "")), (function, file))
    found = []
    for family in FAMILIES:
        if plain_name(family.forward) not in by_name:
            continue
        named = {family.forward: by_name[plain_name(family.forward)]}
        named.update({b: by_name[plain_name(b)] for b in family.backward if plain_name(b) in by_name})
        if not _follows_contract(family, named[family.forward][0]):
            continue
        label = "/".join(function.__name__ for function, _ in named.values())
        found.append((label, family, {key: function for key, (function, _) in named.items()},
                      named[family.forward][1]))
    for forward, words in UNMAPPED.items():
        if plain_name(forward) in by_name:
            stem = forward.removesuffix("_forward")
            names = [name for name in (forward, f"{stem}_backward") if plain_name(name) in by_name]
            found.append(("/".join(by_name[plain_name(n)][0].__name__ for n in names), None,
                          {n: by_name[plain_name(n)][0] for n in names}, by_name[plain_name(forward)][1]))
    return found


def _follows_contract(family, function):
    """Whether a function named like CS231n's takes its arguments (an update rule: w, dw, config)
    and (a loss) returns (loss, dx): the book's common/functions.py has a softmax_loss(X, t) that
    returns the loss alone, which is not this contract."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if family.kind == "optimizer":
        return len(parameters) == 3
    if family.kind in ("softmax_loss", "svm_loss"):
        if len(parameters) != 2:
            return False
        try:
            with np.errstate(all="ignore"):
                value = function(np.array([[0.5, -0.25, 1.0], [0.0, 2.0, -1.0]]), np.array([0, 2]))
        except Exception:  # noqa: BLE001  (the check reports what it raises)
            return True
        return value is None or (isinstance(value, tuple) and len(value) == 2)
    return True


def _returns_none(function, arguments):
    """Whether a trial call of a family's forward on its starter signature returns None (or a
    tuple whose output is None): the starter code's TODO still in place."""
    if function is None or arguments is None:
        return False
    try:
        with np.errstate(all="ignore"):
            value = function(*arguments())
    except Exception:  # noqa: BLE001  (no verdict from a trial call that raises: the family is not checked)
        return False
    return value is None or (isinstance(value, tuple) and len(value) > 0 and value[0] is None)


def unmapped_reason(label):
    stem = label.split("/")[0]
    return (f"{UNMAPPED.get(stem, stem)}: a CS231n function family the checker has no Keras twin for yet (checked: "
            f"affine, relu, softmax_loss, svm_loss, conv/max_pool naive, batchnorm, dropout, sgd, sgd_momentum, "
            f"rmsprop, adam)")


# -- the learner's returns -----------------------------------------------------------------------
def _first(value, function, what):
    """The first item of a (value, cache) pair (or the value itself); NotImplementedYet for None."""
    item = value[0] if isinstance(value, tuple) else value
    if item is None:
        raise NotImplementedYet(f"{function} returned None for {what}: not implemented yet (the starter code's "
                                f"`pass` is still there?)")
    return item


def _unpack(value, function, names):
    if value is None or not isinstance(value, tuple) or len(value) != len(names):
        if value is None or (isinstance(value, tuple) and all(v is None for v in value)):
            raise NotImplementedYet(f"{function} returned None: not implemented yet (the starter code's `pass` is "
                                    f"still there?)")
        raise TypeError(f"{function} returned {type(value).__name__}, not the contract's ({', '.join(names)})")
    missing = [name for name, v in zip(names, value) if v is None]
    if missing:
        raise NotImplementedYet(f"{function} returned None for {', '.join(missing)}: not implemented yet")
    return value


def _output(layer, out, function):
    """A CS231n forward's `(out, cache)`: the cache kept on the layer for its backward, out returned."""
    layer.cache = out[1] if isinstance(out, tuple) and len(out) == 2 else None
    return _first(out, function, "out")


def _with_backward(cls, backward, param_grads):
    """`cls` with a backward that calls the learner's `backward(dout, cache)`: it returns dx alone
    (`param_grads` empty) or `(dx, *grads)`; `param_grads` maps each grad's name in the contract to
    the book-style attribute that keeps it (CS231n's `dw` is the book's `dW`)."""
    if not backward:
        return cls

    def backward_(self, dout):
        value = backward(dout, self.cache)
        if not param_grads:
            if value is None:
                raise NotImplementedYet(f"{backward.__name__} returned None for dx: not implemented yet")
            return value
        dx, *grads = _unpack(value, backward.__name__, ("dx", *param_grads))
        for attribute, grad in zip(param_grads.values(), grads):
            setattr(self, attribute, grad)
        return dx
    cls.backward = backward_
    return cls


# -- the families as book-style classes --------------------------------------------------------------
def _affine(fns, backward):
    forward = fns["affine_forward"]

    class Affine:
        def __init__(self, W, b):
            self.W, self.b, self.cache, self.dW, self.db = W, b, None, None, None

        def forward(self, x):
            out = forward(x, self.W, self.b)
            return _output(self, out, forward.__name__)

    return _with_backward(Affine, backward, {"dw": "dW", "db": "db"})


def _relu(fns, backward):
    forward = fns["relu_forward"]

    class Relu:
        def forward(self, x):
            out = forward(x)
            return _output(self, out, forward.__name__)

    return _with_backward(Relu, backward, {})


def _loss(fns, name):
    function = fns[name]

    class SoftmaxWithLoss:
        def forward(self, x, t):
            labels = np.asarray(t)
            labels = labels.argmax(axis=1) if labels.ndim == 2 else labels.astype(int)
            loss, self.dx = _unpack(function(x, labels), function.__name__, ("loss", "dx"))
            return loss

        def backward(self, dout=1):
            return np.asarray(self.dx) * dout

    return SoftmaxWithLoss


def _convolution(fns, backward):
    forward = fns["conv_forward_naive"]

    class Convolution:
        def __init__(self, W, b, stride=1, pad=0):
            self.W, self.b, self.stride, self.pad = W, b, stride, pad
            self.cache = self.dW = self.db = None

        def forward(self, x):
            out = forward(x, self.W, self.b, {"stride": self.stride, "pad": self.pad})
            return _output(self, out, forward.__name__)

    return _with_backward(Convolution, backward, {"dw": "dW", "db": "db"})


def _pooling(fns, backward):
    forward = fns["max_pool_forward_naive"]

    class Pooling:
        def __init__(self, pool_h, pool_w, stride=1, pad=0):
            self.pool_h, self.pool_w, self.stride, self.pad = pool_h, pool_w, stride, pad
            self.cache = None

        def forward(self, x):
            out = forward(x, {"pool_height": self.pool_h, "pool_width": self.pool_w, "stride": self.stride})
            return _output(self, out, forward.__name__)

    return _with_backward(Pooling, backward, {})


def _batchnorm(fns, backward):
    forward = fns["batchnorm_forward"]

    class BatchNormalization:
        def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
            self.gamma, self.beta, self.momentum, self.eps = gamma, beta, momentum, BATCHNORM_EPS
            self.bn_param = {"eps": BATCHNORM_EPS, "momentum": momentum}
            if running_mean is not None:
                self.bn_param.update(running_mean=running_mean, running_var=running_var)
            self.cache = self.dgamma = self.dbeta = None

        running_mean = property(lambda self: self.bn_param.get("running_mean"))
        running_var = property(lambda self: self.bn_param.get("running_var"))

        def forward(self, x, train_flg=True):
            self.bn_param["mode"] = "train" if train_flg else "test"
            self.bn_param["momentum"], self.bn_param["eps"] = self.momentum, self.eps
            out = forward(x, self.gamma, self.beta, self.bn_param)
            return _output(self, out, forward.__name__)

    return _with_backward(BatchNormalization, backward, {"dgamma": "dgamma", "dbeta": "dbeta"})


P_LINE = re.compile(r"^\s*-?\s*p\s*:(.*)$", re.MULTILINE)  # the docstring's "- p: Dropout parameter. We keep ..."
P_IS = re.compile(r"\bp\s+is\s+the\s+probability\s+(?:of|to)\W*(keep|drop)", re.IGNORECASE)
KEEP_OR_DROP = re.compile(r"\b(keep|drop)(?:s|ping|ing)?\b(?=[^.]*probability\s+p\b)", re.IGNORECASE)


def dropout_convention(forward):
    """("keep" | "drop", how it was decided): what p means for this dropout_forward."""
    doc = getattr(forward, "__doc__", None) or ""
    line = P_LINE.search(doc)
    said = KEEP_OR_DROP.search(line.group(1)) if line else None
    said = said or P_IS.search(doc)
    if said:
        return said.group(1).lower(), "its docstring says so"
    u = np.random.default_rng(7).random((8, 125))
    try:
        with driven_uniforms(u):
            out = forward(np.ones((8, 125)), {"p": 0.25, "mode": "train"})
        kept = float(np.mean(np.asarray(_first(out, "dropout_forward", "out")) != 0))
    except Exception:  # noqa: BLE001  (the check itself reports what the learner's code raises)
        return "keep", "the 2017+ starter code's meaning (no docstring says, and a trial run raised)"
    return ("keep" if abs(kept - 0.25) < abs(kept - 0.75) else "drop"), \
        f"a trial run with p = 0.25 kept {kept:.0%} of the units (no docstring says)"


def _dropout(fns, backward, convention):
    forward = fns["dropout_forward"]

    class Dropout:
        def __init__(self, dropout_ratio=0.5):
            self.dropout_ratio, self.cache = dropout_ratio, None

        def forward(self, x, train_flg=True):
            p = 1.0 - self.dropout_ratio if convention == "keep" else self.dropout_ratio
            u = current_uniforms()
            # keep-probability code keeps a unit where rand < p: handing it 1 - u keeps the units Keras keeps
            with driven_uniforms(1.0 - u) if (u is not None and convention == "keep") else contextlib.nullcontext():
                out = forward(x, {"p": p, "mode": "train" if train_flg else "test"})
            return _output(self, out, forward.__name__)

    return _with_backward(Dropout, backward, {})


def _optimizer(fns, name):
    rule = fns[name]
    defaults = OPTIMIZER_DEFAULTS[name]

    def update(self, params, grads):
        for key in params:
            config = self.configs.get(key)
            if config is None:
                config = {CONFIG_KEYS[h]: getattr(self, h) for h in defaults}
            next_w, config = _unpack(rule(params[key], grads[key], config), rule.__name__, ("next_w", "config"))
            self.configs[key] = config
            params[key][...] = next_w

    signature_defaults = ", ".join(f"{key}={value!r}" for key, value in defaults.items())
    return optimizer_class(OPTIMIZER_CLASS[name], defaults, update, lambda: {"configs": {}},
                           f"CS231n's {name}(w, dw, config) as update(params, grads); ({signature_defaults})")


def present(family, fns, result):
    """The book-style class standing for a family (one per backward function), and its notes."""
    backs = [fns.get(b) for b in family.backward if b in fns] or [None]
    kind = family.kind
    if kind == "affine":
        return [_affine(fns, b) for b in backs]
    if kind == "relu":
        return [_relu(fns, b) for b in backs]
    if kind in ("softmax_loss", "svm_loss"):
        return [_loss(fns, family.forward)]
    if kind == "convolution":
        result.notes.append("CS231n's conv_param {'stride', 'pad'} and NCHW images, w (F, C, HH, WW): the book's "
                            "layout, translated to Keras's NHWC as for the book's Convolution")
        return [_convolution(fns, b) for b in backs]
    if kind == "pooling":
        return [_pooling(fns, b) for b in backs]
    if kind == "batchnorm":
        result.notes.append(f"bn_param: eps {BATCHNORM_EPS:g} (CS231n's default) and the check's momentum handed "
                            f"over; running statistics read back from bn_param")
        return [_batchnorm(fns, b) for b in backs]
    if kind == "dropout":
        convention, how = dropout_convention(fns["dropout_forward"])
        meaning = "KEEP" if convention == "keep" else "DROP"
        result.notes.append(f"dropout_param['p'] is the probability to {meaning} a unit ({how}; the 2017+ starter code "
                            f"keeps with probability p, the 2016 one drops): p = "
                            f"{'1 - ratio' if convention == 'keep' else 'ratio'} for a dropout ratio")
        return [_dropout(fns, b, convention) for b in backs]
    if kind == "optimizer":
        name = family.forward
        defaults = ", ".join(f"{CONFIG_KEYS[k]}={v:g}" for k, v in OPTIMIZER_DEFAULTS[name].items())
        result.notes.append(f"{name}(w, dw, config) -> (next_w, config), one config per parameter, with the course's "
                            f"defaults ({defaults})")
        return [_optimizer(fns, name)]
    raise NotMappable(f"no CS231n presentation for {kind}")


# -- svm_loss ---------------------------------------------------------------------------------------
def check_svm_loss(obj, result, draws, x, t):
    """CS231n's multiclass SVM loss against TensorFlow's autodiff of the same hinge (margin 1,
    mean over N): the loss and dx, on moderate scores (no margin exactly 0)."""
    layer = obj() if isinstance(obj, type) else obj
    dtype = draws.dtype
    n, c = 6, 5
    scores = draws.normal((n, c)) if x is None else x
    labels = draws.rng.integers(0, c, n) if t is None else np.asarray(t)
    loss_ref, dx_ref = reference_keras.multiclass_hinge_vjp(scores, labels)
    try:
        value = float(call("forward", layer.forward, scores.copy(), labels.copy()))
        dx = call("backward", layer.backward, 1.0)
    except LearnerFailure as err:
        result.checks.append(failure(err, None, tolerance(dtype, "loss")))
        return
    result.checks.append(compare("loss", np.array([value]), np.array([loss_ref]), tolerance(dtype, "loss"), n,
                                 candidates={"the correct class's own margin (1 per sample) is counted in the sum: "
                                             "sum over j != y only": np.array([loss_ref + 1.0]),
                                             "summed over the batch, not averaged (divide by N)":
                                                 np.array([loss_ref * n])},
                                 kind="loss"))
    if dx is None:
        result.checks.append(Check("dx", INF, tolerance(dtype, "gradient"), False, "svm_loss returned None for dx",
                                   kind="gradient", subject="x"))
        return
    result.checks.append(compare("dx", np.asarray(dx), dx_ref, tolerance(dtype, "gradient"), n,
                                 candidates={"dx not divided by N (the loss is a mean over the batch)": dx_ref * n},
                                 kind="gradient", subject="x"))
    result.notes.append("Keras has no multiclass (Weston-Watkins) hinge (its CategoricalHinge takes the max over "
                        "j != y, not the sum): the reference is TensorFlow's autodiff of mean_i sum_{j != y_i} "
                        "max(0, s_ij - s_iy_i + 1)")


CHECKERS = {"svm_loss": check_svm_loss}
GRADIENT_NAMES = ("dx", "dgamma", "dbeta", "dW", "db")


def check_family(label, family, fns, check, result_class, dtype="float64", seed=0):
    """A CheckResult for one family, its label as its name: the family presented as a book-style
    class (present) and checked as one (`check`, core.check, with the kind given; `result_class`
    core.CheckResult: handed in, since core imports this module); batchnorm's two backward
    functions each get their checks, the second's named after it."""
    CheckResult = result_class  # noqa: N806  (the class, under its own name)
    dtype = np.dtype(dtype).name
    if family is None:
        result = CheckResult(label, "cs231n_unmapped", dtype)
        forward = label.split("/")[0]
        if _returns_none(fns.get(forward), UNMAPPED_PROBES.get(forward)):
            result.checks.append(Check("forward (a trial call)", INF, 0.0, False,
                                       f"{forward} returned None: not implemented yet (the starter code's `pass` is "
                                       f"still there?)", kind="error", subject=forward))
            result.diagnosis.append(f"forward (a trial call): {result.checks[-1].diagnosis}")
            result.notes.append(f"only called once: {unmapped_reason(label)}")
            return result
        result.kind = None
        result.not_checked = unmapped_reason(label)
        result.could_hide = True
        return result
    kind = family.kind
    result = CheckResult(label, kind, dtype)
    try:
        classes = present(family, fns, result)
    except NotMappable as err:
        result.not_checked = str(err)
        result.could_hide = True
        return result
    backward_names = [b for b in family.backward if b in fns]
    for i, cls in enumerate(classes):
        one = check(cls, dtype=dtype, seed=seed, kind=kind)
        if one.not_checked:
            result.not_checked = one.not_checked
            result.could_hide = True
            return result
        prefix = f"[{backward_names[i]}] " if i > 0 else ""
        for c in one.checks:
            if i > 0 and not c.name.startswith(GRADIENT_NAMES):
                continue  # the forward is the same: only the other backward's gradients are new
            c.name = prefix + c.name
            result.checks.append(c)
        result.diagnosis += [prefix + line for line in one.diagnosis if prefix + line not in result.diagnosis
                             and (i == 0 or line.startswith(GRADIENT_NAMES))]
        result.warnings += [prefix + line for line in one.warnings if prefix + line not in result.warnings]
        result.notes += [line for line in one.notes if line not in result.notes]
    if family.kind == "softmax_loss":
        result.notes.append(SOFTMAX_NOTE)
    return result

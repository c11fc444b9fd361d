"""Optimizers implementing Keras 3's update equations, options and defaults.

Each keeps its own state array per parameter (keyed by the parameter's name) and updates the
parameter arrays in place, so the layers that share them see the new values.

One `update(params, grads)` is Keras's `optimizer.apply(grads, variables)`, in Keras's order:
  1. clip the gradients (at most one of `clipnorm`, `clipvalue`, `global_clipnorm`), in the
     gradient's dtype, into fresh arrays (the caller's gradients are never modified):
       clipnorm c, per tensor:  g * c / max(||g||, c)      (tf.clip_by_norm)
       global_clipnorm c:       g * (c * min(1/n, 1/c) + (n - n)),  n = sqrt(sum_i sum(g_i**2))
                                (Keras's own expression: c * (1/c) is not always 1, e.g.
                                1 - 2**-53 for c = 49, and an inf/NaN norm gives NaN)
       clipvalue v:             clip(g, -v, v)
  2. decoupled weight decay (`weight_decay`, every optimizer): w -= (w * weight_decay) * lr,
     applied to the weights *before* the update step, from the gradient computed before it;
  3. the optimizer's own update step with the clipped gradient.

Keras 3 (checked in keras 3.15.1's optimizers) passes some Python-float hyperparameters through
`ops.cast(value, variable.dtype)`, and on the TensorFlow backend casting a Python float first makes
a float32 tensor, so even a float64 Keras run uses float64(float32(0.9)) for these:
  * every optimizer: weight_decay;
  * SGD: momentum (both in v = momentum*v - lr*g and in the Nesterov step);
  * Adagrad: initial_accumulator_value (the Constant initializer casts it);
  * Adam and AdamW: beta_1 and beta_2 inside the bias corrections beta_1**t, beta_2**t.
Everything else reaches Keras's arithmetic as a Python float converted straight to the variable's
dtype, i.e. exactly: Adam's 1 - beta_1 and 1 - beta_2, RMSprop's rho, 1 - rho and momentum, every
epsilon and the three clipping thresholds. (The learning rate is a variable created in
`keras.config.floatx()`, exact when the Keras optimizer is built under float64.)
`float32_hyperparams=True` rounds in exactly those places, which is what lets float64 runs agree
with Keras to round-off instead of float32's precision (tests/reference_keras/test_reference_keras.py
and test_optimizer_options.py measure both). The operation order follows Keras's update_step
too (e.g. lr*g / sqrt(acc + epsilon), m*alpha / (sqrt(v) + epsilon)).

An Embedding's gradient reaches Keras's optimizers as rows, one per occurrence of an id (TensorFlow's
IndexedSlices), and Keras's sparse arithmetic squares those rows one by one: `update(params,
grads, slices={name: RowSlices})` applies those parameters' updates the same way (the rules are in
scratchnet.slices; the Trainer passes a model's `gradient_slices()`). Without `slices` every
gradient is dense.

One difference remains that scratchnet does not imitate: TensorFlow's `pow` is not correctly
rounded (NumPy's is), so Adam's beta_2**t is one ulp off from step 23 on; see the README.
"""
import difflib
import functools
import inspect
from numbers import Real

import numpy as np

from ._buffers import BufferOwner
from ._signals import held_signals
from .slices import RowSlices

# Names other libraries (and the deep-learning-from-scratch book) use for Keras's arguments.
_OTHER_NAMES = {"lr": "learning_rate", "decay_rate": "rho", "beta1": "beta_1", "beta2": "beta_2",
                "eps": "epsilon", "initial_accumulator": "initial_accumulator_value"}


def _float32_rounded(value):
    return float(np.float32(value))


def _number(owner, name, value, low=None, high=None, low_open=False, high_open=False, allow_none=False):
    """`value` as a float after checking it is a real number (not a bool) in the given range;
    otherwise a ValueError naming the optimizer and the argument."""
    if value is None and allow_none:
        return None
    ok = isinstance(value, Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if low is not None and high is not None:
            wanted = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            wanted = f"a number {'>' if low_open else '>='} {low:g}"
        else:
            wanted = "a finite number"
        raise ValueError(f"{owner}: {name} must be {wanted}{' or None' if allow_none else ''}, got {value!r}")
    return float(value)


def _flag(owner, name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{owner}: {name} must be True or False, got {value!r}")
    return bool(value)


def clip_by_norm(grad, clipnorm):
    """tf.clip_by_norm(grad, clipnorm): grad * c / max(||grad||_2, c), in grad's dtype."""
    c = grad.dtype.type(clipnorm)
    norm = np.sqrt(np.sum(grad * grad))
    return (grad * c) / np.maximum(norm, c)


def global_norm_scale(grads, clipnorm):
    """Keras's clip_by_global_norm factor over a list of arrays: c * min(1/n, 1/c) + (n - n),
    n = sqrt(sum_i sum(g_i**2))."""
    real = grads[0].dtype.type
    norm = np.sqrt(np.sum(np.stack([np.sum(g * g) for g in grads])))
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero norm gives 1/0 = inf, then min picks 1/c
        return real(clipnorm) * np.minimum(real(1.0) / norm, real(1.0 / clipnorm)) + (norm - norm)


def clip_by_global_norm(grads, clipnorm):
    """Keras's clip_by_global_norm over a list of arrays: each times global_norm_scale."""
    scale = global_norm_scale(grads, clipnorm)
    return [g * scale for g in grads]


def _refusing_unknown_arguments(cls, init):
    """Wrap `init` so an unknown keyword (SGD(lr=0.1)) says which argument was meant."""
    parameters = inspect.signature(init).parameters.values()
    known = [p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    if any(p.kind is p.VAR_KEYWORD for p in parameters):  # **options: the shared ones of Optimizer
        known += [name for name in inspect.signature(Optimizer.__init__).parameters if name not in ("self", *known)]

    @functools.wraps(init)
    def checked(self, *args, **kwargs):
        for name in kwargs:
            if name not in known:
                guess = _OTHER_NAMES.get(name) if _OTHER_NAMES.get(name) in known else None
                guess = guess or next(iter(difflib.get_close_matches(name, known, n=1)), None)
                hint = f"; did you mean {guess!r}?" if guess else ""
                raise TypeError(f"{cls.__name__}: unknown argument {name!r}{hint} "
                                f"(its arguments: {', '.join(known)})")
        init(self, *args, **kwargs)
    return checked


class Optimizer(BufferOwner):
    """The options every optimizer shares, named and defaulted as Keras's: `weight_decay`
    (decoupled, see the module docstring), `clipnorm`, `clipvalue`, `global_clipnorm` (at most
    one), and `float32_hyperparams` (round what Keras rounds through float32)."""

    reuse_buffers = True  # an update's temporaries never leave it: kept per parameter, reused every step

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _refusing_unknown_arguments(cls, cls.__dict__["__init__"])

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 float32_hyperparams=False):
        owner = type(self).__name__
        self.learning_rate = _number(owner, "learning_rate", learning_rate, low=0.0, low_open=True)
        self.weight_decay = _number(owner, "weight_decay", weight_decay, low=0.0, allow_none=True)
        self.clipnorm = _number(owner, "clipnorm", clipnorm, low=0.0, low_open=True, allow_none=True)
        self.clipvalue = _number(owner, "clipvalue", clipvalue, low=0.0, low_open=True, allow_none=True)
        self.global_clipnorm = _number(owner, "global_clipnorm", global_clipnorm, low=0.0, low_open=True,
                                       allow_none=True)
        given = {name: value for name, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                                 ("global_clipnorm", global_clipnorm)) if value is not None}
        if len(given) > 1:
            raise ValueError(f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set, got "
                             + ", ".join(f"{name}={value!r}" for name, value in given.items()))
        self.float32_hyperparams = _flag(owner, "float32_hyperparams", float32_hyperparams)
        self.iterations = 0
        self.state = {}
        self._arrays = None  # the parameter arrays this optimizer updates, by name, once it has begun

    @classmethod
    def options(cls):
        """{name: default} of the hyperparameters besides the learning rate, read from the
        constructors (the class's own, then the shared ones of `Optimizer`): the CLI's flags and
        the Keras twin's arguments come from here."""
        skip = ("self", "learning_rate", "float32_hyperparams")
        found = {}
        for klass in (cls, Optimizer):
            for name, p in inspect.signature(klass.__init__).parameters.items():
                if name not in skip and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    found.setdefault(name, p.default)
        return found

    def config(self):
        """The hyperparameters by Keras's argument names (the same names as the constructor's)."""
        return {"learning_rate": self.learning_rate, **{name: getattr(self, name) for name in self.options()}}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.config().items())})"

    def _h(self, value):
        """A hyperparameter that Keras passes through ops.cast, as Keras sees it (see the module
        docstring): float32-rounded when float32_hyperparams is set."""
        return _float32_rounded(value) if self.float32_hyperparams else float(value)

    def _slot(self, slot, key, param, fill=0.0):
        """Per-parameter state: one array for each (slot, parameter name), never shared."""
        arr = self.state.get((slot, key))
        if arr is None or arr.shape != param.shape or arr.dtype != param.dtype:
            arr = np.full_like(param, fill)
            self.state[(slot, key)] = arr
        return arr

    def clip_gradients(self, grads):
        """The gradients (a dict) clipped as the clip option says, as fresh arrays; `grads`
        itself when no clip option is set."""
        if self.clipnorm is not None:
            return {key: clip_by_norm(grad, self.clipnorm) for key, grad in grads.items()}
        if self.global_clipnorm is not None:
            return dict(zip(grads, clip_by_global_norm(list(grads.values()), self.global_clipnorm)))
        if self.clipvalue is not None:
            return {key: np.clip(grad, -self.clipvalue, self.clipvalue) for key, grad in grads.items()}
        return grads

    def clip_slices(self, grads, slices):
        """(gradients, squares) as Keras's optimizers have them when the parameters of `slices`
        get their gradient as rows (scratchnet.slices): the dense gradients, clipped as the clip
        option says (for those parameters, from their clipped rows), and {name: the sum of the
        squared rows} for the parameters whose square the update must take row by row (all of
        `slices` except under global_clipnorm, whose scaling makes the gradient dense)."""
        if self.global_clipnorm is not None:
            arrays = [slices[key].values if key in slices else grad for key, grad in grads.items()]
            scale = global_norm_scale(arrays, self.global_clipnorm)
            return {key: (slices[key].dense() if key in slices else grad) * scale for key, grad in grads.items()}, {}
        if self.clipnorm is not None:
            slices = {key: rows.with_values(clip_by_norm(rows.values, self.clipnorm)) for key, rows in slices.items()}
        elif self.clipvalue is not None:
            slices = {key: rows.with_values(np.clip(rows.values, -self.clipvalue, self.clipvalue))
                      for key, rows in slices.items()}
        clipped = self.clip_gradients({key: grad for key, grad in grads.items() if key not in slices})
        unclipped = self.clipnorm is None and self.clipvalue is None  # the dense form is the layer's own sum
        dense = {key: grads[key] if unclipped else slices[key].dense() for key in slices}
        return {key: clipped[key] if key in clipped else dense[key] for key in grads}, \
            {key: rows.squares() for key, rows in slices.items()}

    def _check_slices(self, params, slices):
        owner = type(self).__name__
        for key, rows in slices.items():
            if key not in params:
                raise KeyError(f"{owner}: slices for {key!r}, which is not a parameter (params: {sorted(params)})")
            if not isinstance(rows, RowSlices):
                raise TypeError(f"{owner}: slices[{key!r}] must be a scratchnet.slices.RowSlices, got "
                                f"{type(rows).__name__}")
            if tuple(rows.shape) != params[key].shape or rows.dtype != params[key].dtype:
                raise ValueError(f"{owner}: slices for {key!r} are rows of {tuple(rows.shape)} {rows.dtype}, "
                                 f"parameter has {params[key].shape} {params[key].dtype}")

    def _check(self, params, grads):
        """Everything an update needs, checked before any parameter is touched, so that a bad
        gradient for the last parameter cannot leave the first ones a step ahead."""
        owner = type(self).__name__
        if params.keys() != grads.keys():
            raise KeyError(f"{owner}: params and grads have different keys: {sorted(params)} vs {sorted(grads)}")
        for key, param in params.items():
            grad = grads[key]
            if type(param) is not np.ndarray or type(grad) is not np.ndarray:
                wrong = param if type(param) is not np.ndarray else grad
                raise TypeError(f"{owner}: {'parameter' if wrong is param else 'gradient'} {key!r} must be a numpy "
                                f"array, got {type(wrong).__name__}")
            if grad.shape != param.shape or grad.dtype != param.dtype:
                raise ValueError(f"{owner}: gradient for {key!r} has shape {grad.shape} "
                                 f"{grad.dtype}, parameter has {param.shape} {param.dtype}")
            if not param.flags.writeable:
                raise ValueError(f"{owner}: parameter {key!r} is a read-only array; nothing was updated")
        if self._arrays is not None and (self._arrays.keys() != params.keys() or any(
                self._arrays[key] is not param for key, param in params.items())):
            raise ValueError(f"{owner}: these are not the parameter arrays this optimizer has been updating "
                             f"({', '.join(self._arrays)}; its moments and its {self.iterations} steps belong to "
                             f"them): use one optimizer per model, as Keras does")

    def update(self, params, grads, slices=None):
        """Update every array in `params` in place from the matching entry of `grads`: clip,
        weight decay, then the update step (Keras's order; see the module docstring). `slices`
        ({name: RowSlices}, e.g. model.gradient_slices()) gives those parameters' gradients as
        the rows Keras's optimizers take from an Embedding (scratchnet.slices); `grads` still
        holds their dense sums. Every argument is checked first: on an error nothing has
        changed. SIGINT and SIGTERM arriving during the update are held until every parameter
        and the iteration count have moved."""
        self._check(params, grads)
        squares = {}
        if slices:
            self._check_slices(params, slices)
            grads, squares = self.clip_slices(grads, slices)
        else:
            grads = self.clip_gradients(grads)
        with held_signals():  # Ctrl-C or SIGTERM cannot leave W1 a step ahead of W2, nor iterations behind
            if self._arrays is None:  # from now on _check holds every update to these very arrays
                self._arrays = dict(params)
            if self.weight_decay is not None:
                decay = self._h(self.weight_decay)
                for param in params.values():
                    param -= param * decay * self.learning_rate  # (w * wd) * lr, as Keras
            for key, param in params.items():
                if key in squares:
                    self._update_one(key, param, grads[key], square=squares[key])
                else:  # (subclasses written before slices take three arguments)
                    self._update_one(key, param, grads[key])
            self.iterations += 1

    def _update_one(self, key, param, grad, square=None):
        """Update `param` from `grad`; `square`, when given, stands for grad**2 (the summed
        squares of the rows of a sliced gradient)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Keras 3 SGD: without momentum w -= lr*g; with momentum v = momentum*v - lr*g, then
    w += v (classical) or w += momentum*v - lr*g (Nesterov). The textbook's Momentum class is
    the same classical form; defaults: learning_rate=0.01, momentum=0.0. Takes the shared
    options of `Optimizer` (weight_decay, clipnorm, clipvalue, global_clipnorm) by keyword."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **options):
        super().__init__(learning_rate, **options)
        self.momentum = _number("SGD", "momentum", momentum, 0.0, 1.0)
        self.nesterov = _flag("SGD", "nesterov", nesterov)

    def _update_one(self, key, param, grad, square=None):
        del square  # linear in the gradient: the rows' sum is all it needs
        step = np.multiply(grad, self.learning_rate, out=self._buffer(("step", key), param.shape, param.dtype))
        if not self.momentum:
            param -= step
            return
        momentum = self._h(self.momentum)
        v = self._slot("velocity", key, param)
        v *= momentum
        v -= step
        if self.nesterov:
            ahead = np.multiply(v, momentum, out=self._buffer(("ahead", key), param.shape, param.dtype))
            ahead -= step
            param += ahead  # momentum * v - lr * g
        else:
            param += v


class Adagrad(Optimizer):
    """Keras 3 Adagrad: acc += g**2; w -= lr * g / sqrt(acc + epsilon), with defaults
    learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7. The textbook starts the
    accumulator at 0, puts 1e-7 outside the sqrt and uses lr 0.01:
    Adagrad(0.01, initial_accumulator_value=0.0) is the closest."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **options):
        super().__init__(learning_rate, **options)
        self.initial_accumulator_value = _number("Adagrad", "initial_accumulator_value",
                                                 initial_accumulator_value, low=0.0)
        self.epsilon = _number("Adagrad", "epsilon", epsilon, low=0.0, low_open=True)

    def _update_one(self, key, param, grad, square=None):
        acc = self._slot("accumulator", key, param, self._h(self.initial_accumulator_value))
        acc += grad * grad if square is None else square
        param -= self.learning_rate * grad / np.sqrt(acc + self.epsilon)


class RMSprop(Optimizer):
    """Keras 3 RMSprop: v = rho*v + (1-rho)*g**2; w -= lr * g / sqrt(v + epsilon) (centered
    subtracts the squared running mean of g; momentum accumulates the increments). Defaults
    learning_rate=0.001, rho=0.9, epsilon=1e-7; the textbook's are lr 0.01, decay 0.99 and
    1e-7 outside the sqrt: RMSprop(0.01, rho=0.99)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **options):
        super().__init__(learning_rate, **options)
        self.rho = _number("RMSprop", "rho", rho, 0.0, 1.0)
        self.momentum = _number("RMSprop", "momentum", momentum, 0.0, 1.0)
        self.epsilon = _number("RMSprop", "epsilon", epsilon, low=0.0, low_open=True)
        self.centered = _flag("RMSprop", "centered", centered)

    def _update_one(self, key, param, grad, square=None):
        rho = self.rho
        v = self._slot("velocity", key, param)
        v *= rho
        v += (1 - rho) * (grad * grad if square is None else square)
        if self.centered:
            mean_grad = self._slot("average_gradient", key, param)
            mean_grad *= rho
            mean_grad += (1 - rho) * grad
            denominator = v - mean_grad * mean_grad + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = self.learning_rate * grad / np.sqrt(denominator)
        if self.momentum > 0:
            m = self._slot("momentum", key, param)
            m *= self.momentum
            m += increment
            param -= m
        else:
            param -= increment


_CACHE_SLICE_BYTES = 1 << 17  # Adam's slice of each of its six arrays: together well inside a core's L2 cache


class Adam(Optimizer):
    """Keras 3 Adam: m += (g - m)(1 - beta_1); v += (g**2 - v)(1 - beta_2);
    w -= alpha*m / (sqrt(v) + epsilon) with alpha = lr*sqrt(1 - beta_2**t)/(1 - beta_1**t).
    Defaults learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7 (the paper and the
    textbook use 1e-8); the bias correction is folded into alpha, as in Keras.
    amsgrad=True keeps the running maximum v_hat = max(v_hat, v) and divides by sqrt(v_hat)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **options):
        super().__init__(learning_rate, **options)
        owner = type(self).__name__
        self.beta_1 = _number(owner, "beta_1", beta_1, 0.0, 1.0, high_open=True)
        self.beta_2 = _number(owner, "beta_2", beta_2, 0.0, 1.0, high_open=True)
        self.epsilon = _number(owner, "epsilon", epsilon, low=0.0, low_open=True)
        self.amsgrad = _flag(owner, "amsgrad", amsgrad)

    def _alpha(self, dtype):
        """lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), computed in the parameter's dtype as Keras
        does (in float32 this rounding is what keeps the two sides' float32 runs together)."""
        real = dtype.type
        t = real(self.iterations + 1)
        beta_1_power = real(self._h(self.beta_1)) ** t
        beta_2_power = real(self._h(self.beta_2)) ** t
        return real(self.learning_rate) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)

    def _update_one(self, key, param, grad, square=None):
        m = self._slot("m", key, param)
        v = self._slot("v", key, param)
        a = self._buffer(("a", key), param.shape, param.dtype)  # room for the temporaries, reused
        b = self._buffer(("b", key), param.shape, param.dtype)
        arrays = [param, grad, m, v, a, b, *([self._slot("v_hat", key, param)] if self.amsgrad else [])]
        alpha = self._alpha(param.dtype)
        if square is not None or not all(array.flags.c_contiguous for array in arrays):  # (a sliced one: whole)
            return self._adam_pass(alpha, *arrays[:6], arrays[6] if self.amsgrad else None, square)
        # Slice by slice: the update's eight passes then run over slices that stay in the cache
        # instead of over the whole arrays in memory; every element gets the same operations, so
        # the result is the same to the bit.
        flat, step = [array.reshape(-1) for array in arrays], max(1, _CACHE_SLICE_BYTES // param.itemsize)
        for start in range(0, param.size, step):
            self._adam_pass(alpha, *(array[start:start + step] for array in flat))

    def _adam_pass(self, alpha, param, grad, m, v, a, b, v_hat=None, square=None):
        m += np.multiply(np.subtract(grad, m, out=a), 1 - self.beta_1, out=a)  # m += (g - m)(1 - beta_1)
        if square is None:
            np.multiply(grad, grad, out=a)
        else:  # a sliced gradient: the summed squares of its rows (scratchnet.slices)
            np.copyto(a, square)
        v += np.multiply(np.subtract(a, v, out=a), 1 - self.beta_2, out=a)  # v += (g**2 - v)(1 - beta_2)
        if v_hat is not None:
            np.maximum(v_hat, v, out=v_hat)
            v = v_hat
        np.add(np.sqrt(v, out=b), self.epsilon, out=b)
        param -= np.divide(np.multiply(m, alpha, out=a), b, out=a)  # alpha*m / (sqrt(v) + eps)


class AdamW(Adam):
    """Keras 3 AdamW: Adam with decoupled weight decay on by default (weight_decay=0.004);
    weight_decay=None is refused, as Keras does."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **options):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number >= 0 (AdamW is Adam with weight decay), got None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **options)


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW}

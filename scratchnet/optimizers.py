"""Optimizers implementing Keras 3's update equations and defaults.

Each keeps its own state array per parameter (keyed by the parameter's name) and updates the
parameter arrays in place, so the layers that share them see the new values.

Keras 3 (checked in keras 3.15.1's optimizers) passes some Python-float hyperparameters through
`ops.cast(value, variable.dtype)`, and on the TensorFlow backend casting a Python float first makes
a float32 tensor, so even a float64 Keras run uses float64(float32(0.9)) for these:
  * SGD: momentum (both in v = momentum*v - lr*g and in the Nesterov step);
  * Adagrad: initial_accumulator_value (the Constant initializer casts it);
  * Adam: beta_1 and beta_2 inside the bias corrections beta_1**t, beta_2**t.
Everything else reaches Keras's arithmetic as a Python float converted straight to the variable's
dtype, i.e. exactly: Adam's 1 - beta_1 and 1 - beta_2, RMSprop's rho, 1 - rho and momentum, and
every epsilon. (The learning rate is a variable created in `keras.config.floatx()`, exact when the
Keras optimizer is built under float64.) `float32_hyperparams=True` rounds in exactly those three
places, which is what lets float64 runs agree with Keras to round-off instead of float32's
precision (tests/test_reference_keras.py measures both); it changes nothing for RMSprop. The
operation order follows Keras's update_step too (e.g. lr*g / sqrt(acc + epsilon),
m*alpha / (sqrt(v) + epsilon)).
"""
import difflib
import functools
import inspect

import numpy as np

# Names other libraries (and the deep-learning-from-scratch book) use for Keras's arguments.
_OTHER_NAMES = {"lr": "learning_rate", "decay_rate": "rho", "beta1": "beta_1", "beta2": "beta_2",
                "eps": "epsilon", "initial_accumulator": "initial_accumulator_value"}


def _float32_rounded(value):
    return float(np.float32(value))


def _refusing_unknown_arguments(cls, init):
    """Wrap `init` so an unknown keyword (SGD(lr=0.1)) says which argument was meant."""
    known = [name for name in inspect.signature(init).parameters if name != "self"]

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


class Optimizer:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _refusing_unknown_arguments(cls, cls.__dict__["__init__"])

    def __init__(self, learning_rate, float32_hyperparams=False):
        if not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
            raise ValueError(f"{type(self).__name__}: learning_rate must be a positive number, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.float32_hyperparams = float32_hyperparams
        self.iterations = 0
        self.state = {}

    @classmethod
    def options(cls):
        """{name: default} of the hyperparameters besides the learning rate, read from the
        constructor: the CLI's flags and the Keras twin's arguments come from here."""
        skip = ("self", "learning_rate", "float32_hyperparams")
        return {name: p.default for name, p in inspect.signature(cls.__init__).parameters.items() if name not in skip}

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

    def update(self, params, grads):
        """Update every array in `params` in place from the matching entry of `grads`."""
        if params.keys() != grads.keys():
            raise KeyError(f"{type(self).__name__}: params and grads have different keys: "
                           f"{sorted(params)} vs {sorted(grads)}")
        for key, param in params.items():
            grad = grads[key]
            if grad.shape != param.shape or grad.dtype != param.dtype:
                raise ValueError(f"{type(self).__name__}: gradient for {key!r} has shape {grad.shape} "
                                 f"{grad.dtype}, parameter has {param.shape} {param.dtype}")
            self._update_one(key, param, grad)
        self.iterations += 1

    def _update_one(self, key, param, grad):
        raise NotImplementedError


class SGD(Optimizer):
    """Keras 3 SGD: without momentum w -= lr*g; with momentum v = momentum*v - lr*g, then
    w += v (classical) or w += momentum*v - lr*g (Nesterov). The textbook's Momentum class is
    the same classical form; defaults: learning_rate=0.01, momentum=0.0."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, float32_hyperparams=False):
        super().__init__(learning_rate, float32_hyperparams)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"SGD: momentum must be in [0, 1], got {momentum}")
        self.momentum, self.nesterov = momentum, nesterov

    def _update_one(self, key, param, grad):
        lr = self.learning_rate
        if not self.momentum:
            step = self._slot("step", key, param)  # reused buffer: no 1.5 MB allocation per step
            np.multiply(grad, lr, out=step)
            param -= step
            return
        momentum = self._h(self.momentum)
        v = self._slot("velocity", key, param)
        v *= momentum
        v -= lr * grad
        if self.nesterov:
            param += momentum * v - lr * grad
        else:
            param += v


class Adagrad(Optimizer):
    """Keras 3 Adagrad: acc += g**2; w -= lr * g / sqrt(acc + epsilon), with defaults
    learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7. The textbook starts the
    accumulator at 0, puts 1e-7 outside the sqrt and uses lr 0.01:
    Adagrad(0.01, initial_accumulator_value=0.0) is the closest."""

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 float32_hyperparams=False):
        super().__init__(learning_rate, float32_hyperparams)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def _update_one(self, key, param, grad):
        acc = self._slot("accumulator", key, param, self._h(self.initial_accumulator_value))
        acc += grad * grad
        param -= self.learning_rate * grad / np.sqrt(acc + self.epsilon)


class RMSprop(Optimizer):
    """Keras 3 RMSprop: v = rho*v + (1-rho)*g**2; w -= lr * g / sqrt(v + epsilon) (centered
    subtracts the squared running mean of g; momentum accumulates the increments). Defaults
    learning_rate=0.001, rho=0.9, epsilon=1e-7; the textbook's are lr 0.01, decay 0.99 and
    1e-7 outside the sqrt: RMSprop(0.01, rho=0.99)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 float32_hyperparams=False):
        super().__init__(learning_rate, float32_hyperparams)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def _update_one(self, key, param, grad):
        rho = self.rho
        v = self._slot("velocity", key, param)
        v *= rho
        v += (1 - rho) * (grad * grad)
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


class Adam(Optimizer):
    """Keras 3 Adam: m += (g - m)(1 - beta_1); v += (g**2 - v)(1 - beta_2);
    w -= alpha*m / (sqrt(v) + epsilon) with alpha = lr*sqrt(1 - beta_2**t)/(1 - beta_1**t).
    Defaults learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7 (the paper and the
    textbook use 1e-8); the bias correction is folded into alpha, as in Keras."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 float32_hyperparams=False):
        super().__init__(learning_rate, float32_hyperparams)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def _alpha(self, dtype):
        """lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), computed in the parameter's dtype as Keras
        does (in float32 this rounding is what keeps the two sides' float32 runs together)."""
        real = dtype.type
        t = real(self.iterations + 1)
        beta_1_power = real(self._h(self.beta_1)) ** t
        beta_2_power = real(self._h(self.beta_2)) ** t
        return real(self.learning_rate) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)

    def _update_one(self, key, param, grad):
        m = self._slot("m", key, param)
        v = self._slot("v", key, param)
        m += (grad - m) * (1 - self.beta_1)
        v += (grad * grad - v) * (1 - self.beta_2)
        param -= (m * self._alpha(param.dtype)) / (np.sqrt(v) + self.epsilon)


OPTIMIZERS = {"sgd": SGD, "adagrad": Adagrad, "rmsprop": RMSprop, "adam": Adam}

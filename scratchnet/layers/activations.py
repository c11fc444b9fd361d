"""Element-wise activations (and Softmax over the last axis), Keras's definitions: shape and
dtype are preserved, and each backward reads what its forward kept.

Each activation computes what TensorFlow's kernel for it computes, in the same order, so a float64
model agrees with Keras to a few ulps, at the kinks too (the gradient Keras's autodiff gives at
exactly a kink is the one chosen here: ReLU's at 0 is 0, HardSigmoid's at -3 and 3 is 0, ...).
Where TensorFlow fixes a number in float32 whatever the model's dtype, so does the layer here:
LeakyReLU's slope (TensorFlow's LeakyRelu op takes it as a float32 attribute). A result that would
be subnormal may come out as 0 from TensorFlow (its kernels flush subnormals); here it stays.

`ACTIVATION_NAMES` maps every Keras activation name scratchnet has to a function building its
layer ("relu6" is ReLU(max_value=6), "leaky_relu" LeakyReLU(0.2) as keras.activations.leaky_relu,
"swish" is "silu"); `ACTIVATIONS`, the four activations without settings the comparisons vary
over (relu, sigmoid, tanh, linear), maps names to classes.
"""
import math

import numpy as np

from .._checks import check_array, check_float, check_forward_done
from ..functions import sigmoid
from .base import Layer


class _Activation(Layer):
    shape_preserving = True
    defaults = {}  # setting -> default value (Keras's); config() lists the settings that differ

    def _check_backward(self, dout, kept, dtype=None):
        check_forward_done(self.name, kept)
        check_array(dout, f"{self.name} backward", shape=kept.shape, dtype=dtype or kept.dtype)

    def settings(self):
        """The settings that differ from Keras's defaults, by name."""
        return {key: getattr(self, key) for key, default in self.defaults.items() if getattr(self, key) != default}

    def config(self):
        return {"kind": type(self).__name__, **self.settings()}

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(**{key: config[key] for key in cls.defaults if key in config})

    def __repr__(self):
        return f"{self.name}({', '.join(f'{key}={value!r}' for key, value in self.settings().items())})"


def _number(value, what, where, minimum=None, allow_none=False):
    """A real setting as a Python float (None passes where allowed), refusing bools, strings,
    NaN and values below `minimum`."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise TypeError(f"{where}: {what} must be a finite number{' or None' if allow_none else ''}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{where}: {what} must be >= {minimum}, got {value}")
    return float(value)


class _Pointwise(_Activation):
    """An activation y = f(x) applied entry by entry: forward keeps x and y, and `gradient(dout,
    x, y)` is dL/dx. Overflow gives inf as in TensorFlow, without NumPy's warnings."""

    def __init__(self, name=None):
        super().__init__(name)
        self.x = self.out = None

    def forward(self, x):
        check_float(x, self.name)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            out = self.function(x)
        self.x, self.out = x, out
        return out

    def backward(self, dout):
        self._check_backward(dout, self.out)
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return self.gradient(dout, self.x, self.out)


class ReLU(_Pointwise):
    """max(0, x); with settings, Keras's ReLU layer (keras.activations.relu):

        x >= max_value:              max_value        (max_value None: no cap)
        threshold <= x < max_value:  x                (x > threshold, strictly, as Keras)
        x < threshold:               negative_slope * (x - threshold)

    computed in Keras's order, so the gradient at each kink is Keras's: 0 at 0 for the plain
    ReLU; with max_value m the gradient passes on (0, m] (Keras clips with minimum/maximum), but
    for m = 6 Keras uses TensorFlow's relu6, whose gradient passes on (0, 6) only. With only
    negative_slope set Keras runs TensorFlow's LeakyRelu, whose slope is a float32 number: so
    does this layer (LeakyReLU). Keras refuses negative settings; so does this layer."""

    defaults = {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, name=None):
        super().__init__(name)
        self.max_value = _number(max_value, "max_value", self.name, 0.0, allow_none=True)
        self.negative_slope = _number(negative_slope, "negative_slope", self.name, 0.0)
        self.threshold = _number(threshold, "threshold", self.name, 0.0)
        self.plain = self.max_value is None and not self.negative_slope and not self.threshold
        self.leaky = self.max_value is None and not self.threshold and bool(self.negative_slope)
        self.positive = self.dtype = None

    def forward(self, x):
        if not self.plain:
            return super().forward(x)
        check_float(x, self.name)
        self.positive = np.greater(x, 0, out=self._buffer("positive", x.shape, np.bool_))
        self.dtype = x.dtype
        # Against a row of zeros rather than the scalar 0: the same values, but NumPy's vectorised
        # loop rather than its slower loop for a scalar operand (the speed benchmark measures it).
        return np.maximum(x, self._zeros(x.shape[1:], x.dtype), out=self._buffer("out", x.shape, x.dtype))

    def backward(self, dout):
        if not self.plain:
            return super().backward(dout)
        self._check_backward(dout, self.positive, self.dtype)
        return np.multiply(dout, self.positive, out=self._buffer("dx", dout.shape, self.dtype))

    def _slope(self, dtype):
        """The slope as Keras applies it: float32 on the LeakyRelu path, exact otherwise."""
        return dtype.type(np.float32(self.negative_slope) if self.leaky else self.negative_slope)

    def function(self, x):
        zero, slope = x.dtype.type(0), self._slope(x.dtype)
        if self.leaky:
            return np.where(x > zero, x, x * slope)
        if self.threshold:
            out = np.where(x > x.dtype.type(self.threshold), x, zero)
        else:
            out = np.maximum(x, zero)
        if self.max_value is not None:
            out = np.minimum(out, x.dtype.type(self.max_value))
        if self.negative_slope:
            out = out - slope * np.maximum(x.dtype.type(self.threshold) - x, zero)
        return out

    def _positive_part_passes(self, x):
        """Where the gradient reaches x through the positive part (Keras's masks, see the class)."""
        dtype = x.dtype.type
        passes = x > dtype(self.threshold) if self.threshold else x > 0
        if self.max_value is not None:
            cap = dtype(self.max_value)
            passes &= (x < cap) if (self.max_value == 6.0 and not self.threshold) else (x <= cap)
        return passes

    def gradient(self, dout, x, y):
        slope = self._slope(x.dtype)
        if self.leaky:
            return np.where(x > 0, dout, dout * slope)
        dx = dout * self._positive_part_passes(x)
        if self.negative_slope:
            dx = dx + (dout * slope) * (x < x.dtype.type(self.threshold))
        return dx

    def switches(self):
        if self.plain:
            return self.positive
        x = self.x
        pieces = (x > self.threshold).astype(np.int8)
        if self.max_value is not None:
            pieces += x >= self.max_value
        return pieces


class LeakyReLU(_Pointwise):
    """x for x > 0, else negative_slope * x: Keras's LeakyReLU (default slope 0.3;
    keras.activations.leaky_relu's is 0.2). The slope is rounded to float32, as TensorFlow's
    LeakyRelu op takes it, so in a float64 model negative inputs are multiplied by
    float64(float32(negative_slope)): 0.3 becomes 0.30000001192092896."""

    defaults = {"negative_slope": 0.3}

    def __init__(self, negative_slope=0.3, name=None):
        super().__init__(name)
        self.negative_slope = _number(negative_slope, "negative_slope", self.name, 0.0)

    def function(self, x):
        return np.where(x > 0, x, x * x.dtype.type(np.float32(self.negative_slope)))

    def gradient(self, dout, x, y):
        return np.where(x > 0, dout, dout * x.dtype.type(np.float32(self.negative_slope)))

    def switches(self):
        return None if self.x is None else self.x > 0


class ELU(_Pointwise):
    """x for x > 0, else alpha * (exp(x) - 1) (TensorFlow's Elu: exp(x) - 1, not expm1). The
    gradient is TensorFlow's EluGrad, from the output: (y + 1) * dout where y < 0. With alpha != 1
    Keras multiplies Elu's negative outputs by alpha, so at exactly 0 the gradient is alpha there
    and 1 for alpha = 1, as here."""

    defaults = {"alpha": 1.0}

    def __init__(self, alpha=1.0, name=None):
        super().__init__(name)
        self.alpha = _number(alpha, "alpha", self.name)

    @staticmethod
    def _elu(x):
        return np.where(x < 0, np.exp(x) - 1, x)

    def function(self, x):
        res = self._elu(x)
        return res if self.alpha == 1.0 else np.where(x > 0, res, x.dtype.type(self.alpha) * res)

    def gradient(self, dout, x, y):
        res = y if self.alpha == 1.0 else self._elu(x)
        if self.alpha != 1.0:
            dout = np.where(x > 0, dout, x.dtype.type(self.alpha) * dout)
        return np.where(res < 0, (res + 1) * dout, dout)


class SELU(_Pointwise):
    """scale * x for x > 0, else scale * alpha * (exp(x) - 1), with TensorFlow's constants
    scale = 1.0507009873554804934193349852946 and scale * alpha = 1.7580993408473768599402175208123;
    gradient from the output, as TensorFlow's SeluGrad."""

    SCALE = 1.0507009873554804934193349852946
    SCALE_ALPHA = 1.7580993408473768599402175208123

    def function(self, x):
        t = x.dtype.type
        return np.where(x < 0, t(self.SCALE_ALPHA) * (np.exp(x) - 1), t(self.SCALE) * x)

    def gradient(self, dout, x, y):
        t = x.dtype.type
        return np.where(y < 0, dout * (y + t(self.SCALE_ALPHA)), dout * t(self.SCALE))


_erfc = np.frompyfunc(math.erfc, 1, 1)  # NumPy has no erfc: the C library's, entry by entry


class GELU(_Pointwise):
    """x * P(X <= x) for X ~ N(0, 1) as tf.nn.gelu computes it: 0.5 * x * erfc(-x * c) with
    c = 1/sqrt(2), or with approximate=True the tanh form
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + a * x**3))) with a = 0.044715. Keras's "gelu" is the
    first. TensorFlow casts c and a from Python floats (tf.cast, which goes through float32), so
    they are float32 numbers in a float64 model too: c = 0.7071067690849304, a = 0.04471499845385551.
    The erfc form calls the C library's erfc per entry (NumPy has none), so it is slower than the
    other activations."""

    defaults = {"approximate": False}
    ROOT_HALF = float(np.float32(0.7071067811865476))  # tf.nn.gelu: cast(0.7071067811865476, dtype)
    ROOT_TWO_OVER_PI = 0.7978845608028654  # multiplied as a Python float: exact
    COEFF = float(np.float32(0.044715))  # tf.nn.gelu: cast(0.044715, dtype)

    def __init__(self, approximate=False, name=None):
        super().__init__(name)
        if not isinstance(approximate, (bool, np.bool_)):
            raise TypeError(f"{self.name}: approximate must be True or False, got {approximate!r}")
        self.approximate = bool(approximate)

    def _inner(self, x):
        t = x.dtype.type
        if self.approximate:
            return np.tanh(t(self.ROOT_TWO_OVER_PI) * (x + t(self.COEFF) * np.power(x, t(3))))
        return _erfc(-x * t(self.ROOT_HALF)).astype(x.dtype)

    def function(self, x):
        inner = self._inner(x)
        half_x = x.dtype.type(0.5) * x
        return half_x * (1 + inner) if self.approximate else half_x * inner

    def gradient(self, dout, x, y):
        t = x.dtype.type
        inner, half_x = self._inner(x), t(0.5) * x
        if self.approximate:
            du = (dout * half_x) * (1 - inner * inner) * t(self.ROOT_TWO_OVER_PI)
            return dout * (1 + inner) * t(0.5) + du + (du * t(self.COEFF)) * t(3) * np.power(x, t(2))
        z = -x * t(self.ROOT_HALF)
        derfc = (dout * half_x) * t(-2 / np.sqrt(np.pi)) * np.exp(-np.square(z))
        return dout * inner * t(0.5) + derfc * t(-self.ROOT_HALF)


class SiLU(_Pointwise):
    """x * sigmoid(x) (Keras's "silu", alias "swish"); the gradient is TensorFlow's custom one,
    dout * s * (1 + x * (1 - s)) with s = sigmoid(x)."""

    def function(self, x):
        return x * sigmoid(x)

    def gradient(self, dout, x, y):
        s = sigmoid(x)
        return dout * (s * (1 + x * (1 - s)))


class Softplus(_Pointwise):
    """log(1 + exp(x)), as TensorFlow's kernel: x itself above -T and exp(x) below T, with
    T = log(machine epsilon) + 2 of the dtype (where the two agree with the exact value to the last
    bit), log1p(exp(x)) between; gradient dout / (exp(-x) + 1)."""

    def function(self, x):
        threshold = np.log(np.finfo(x.dtype).eps) + x.dtype.type(2)
        e = np.exp(x)
        return np.where(x > -threshold, x, np.where(x < threshold, e, np.log1p(e)))

    def gradient(self, dout, x, y):
        return dout / (np.exp(-x) + 1)


class Softsign(_Pointwise):
    """x / (|x| + 1); gradient dout / (|x| + 1)**2."""

    def function(self, x):
        return x / (np.abs(x) + 1)

    def gradient(self, dout, x, y):
        return dout / np.square(np.abs(x) + 1)


class HardSigmoid(_Pointwise):
    """Keras 3's hard_sigmoid: relu6(x + 3) / 6 (0 up to x = -3, 1 from x = 3, x/6 + 1/2 between;
    Keras 2's was 0.2 x + 0.5). The gradient is dout / 6 strictly between the kinks, 0 at them
    (TensorFlow's Relu6 gradient)."""

    def _relu6(self, x):
        return np.minimum(np.maximum(x + x.dtype.type(3), 0), 6)

    def function(self, x):
        return self._relu6(x) / x.dtype.type(6)

    def gradient(self, dout, x, y):
        r = self._relu6(x)
        return (dout / x.dtype.type(6)) * ((r > 0) & (r < 6))

    def switches(self):
        return None if self.x is None else np.digitize(self.x + self.x.dtype.type(3), [0, 6])


class Exponential(_Pointwise):
    """exp(x) (inf above about 709.78 in float64, 88.72 in float32, as Keras); gradient dout * y."""

    def function(self, x):
        return np.exp(x)

    def gradient(self, dout, x, y):
        return dout * y


class Softmax(_Pointwise):
    """exp(x - max) / sum over the last axis (TensorFlow's kernel: times the reciprocal of the
    sum); gradient (dout - sum(dout * y)) * y. A model whose loss is a categorical cross-entropy
    and whose last layer is Softmax computes the loss from the logits, as Keras does (see
    scratchnet.losses)."""

    def function(self, x):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e * (1 / e.sum(axis=-1, keepdims=True))

    def gradient(self, dout, x, y):
        return (dout - np.sum(dout * y, axis=-1, keepdims=True)) * y


class _OutputActivation(_Activation):
    """An activation whose derivative is a function of its output y, so forward keeps only y."""

    def __init__(self, name=None):
        super().__init__(name)
        self.out = None

    def forward(self, x):
        check_float(x, self.name)
        self.out = self.function(x)
        return self.out

    def backward(self, dout):
        self._check_backward(dout, self.out)
        return self.chain(dout, self.out, self._buffer("dx", dout.shape, dout.dtype),
                          self._buffer("dy_dx", dout.shape, dout.dtype))


class Sigmoid(_OutputActivation):
    """1 / (1 + exp(-x)), finite at any x; dy/dx = y (1 - y)."""

    function = staticmethod(sigmoid)

    @staticmethod
    def chain(dout, y, dx, scratch):
        """dout * y * (1 - y), written into dx (scratch: room for 1 - y)."""
        np.multiply(dout, y, out=dx)
        return np.multiply(dx, np.subtract(1.0, y, out=scratch), out=dx)


class Tanh(_OutputActivation):
    """tanh(x); dy/dx = 1 - y**2."""

    def function(self, x):
        return np.tanh(x, out=self._buffer("out", x.shape, x.dtype))

    @staticmethod
    def chain(dout, y, dx, scratch):
        """dout * (1 - y * y), written into dx (scratch: room for 1 - y * y)."""
        np.multiply(y, y, out=scratch)
        return np.multiply(dout, np.subtract(1.0, scratch, out=scratch), out=dx)


class Identity(_Activation):
    """Passes x through; useful as an explicit linear output layer."""

    def __init__(self, name=None):
        super().__init__(name)
        self.x = None  # kept only so backward can check dout's shape and dtype

    def forward(self, x):
        check_float(x, self.name)
        self.x = x
        return x

    def backward(self, dout):
        self._check_backward(dout, self.x)
        return dout


# The four activations without settings that `mlp`, the CLI and the comparisons vary over.
ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Identity}

# Every Keras activation name scratchnet computes -> a function building its layer.
ACTIVATION_NAMES = {**ACTIVATIONS, "softmax": Softmax, "elu": ELU, "selu": SELU, "gelu": GELU, "silu": SiLU,
                    "swish": SiLU, "softplus": Softplus, "softsign": Softsign, "hard_sigmoid": HardSigmoid,
                    "exponential": Exponential, "relu6": lambda: ReLU(max_value=6.0),
                    "leaky_relu": lambda: LeakyReLU(0.2)}

ACTIVATION_LAYERS = (ReLU, LeakyReLU, ELU, SELU, GELU, SiLU, Softplus, Softsign, HardSigmoid, Exponential, Softmax,
                     Sigmoid, Tanh, Identity)


def activation(name):
    """A fresh activation layer for a Keras activation name (see ACTIVATION_NAMES)."""
    if name not in ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(ACTIVATION_NAMES))}")
    return ACTIVATION_NAMES[name]()

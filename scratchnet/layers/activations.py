"""Element-wise activations: shape and dtype are preserved, and each backward reads what its
forward kept (ReLU its mask, Sigmoid and Tanh their output)."""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from ..functions import sigmoid
from .base import Layer


class _Activation(Layer):
    shape_preserving = True

    def _check_backward(self, dout, kept, dtype=None):
        check_forward_done(self.name, kept)
        check_array(dout, f"{self.name} backward", shape=kept.shape, dtype=dtype or kept.dtype)

    def __repr__(self):
        return f"{self.name}()"


class ReLU(_Activation):
    """max(0, x). The gradient at exactly 0 is 0, as in TensorFlow."""

    def __init__(self, name=None):
        super().__init__(name)
        self.positive = None
        self.dtype = None

    def forward(self, x):
        check_float(x, self.name)
        self.positive = np.greater(x, 0, out=self._buffer("positive", x.shape, np.bool_))
        self.dtype = x.dtype
        # Against a row of zeros rather than the scalar 0: the same values, but NumPy's vectorised
        # loop rather than its slower loop for a scalar operand (the speed benchmark measures it).
        return np.maximum(x, self._zeros(x.shape[1:], x.dtype), out=self._buffer("out", x.shape, x.dtype))

    def backward(self, dout):
        self._check_backward(dout, self.positive, self.dtype)
        return np.multiply(dout, self.positive, out=self._buffer("dx", dout.shape, self.dtype))

    def switches(self):
        return self.positive


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


# Keras's activation names -> layer classes: `mlp(activation=...)`, the CLI's choices and the
# Keras twin all read this table.
ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Identity}

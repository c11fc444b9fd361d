"""Layers with the textbook contract: `forward(x)` keeps only what `backward(dout)` needs, and
`backward(dout)` returns dL/dx without ever modifying `dout`.

Affine's W has shape (n_in, n_out), exactly Keras's Dense kernel, so weights move between the
two libraries without a transpose. The loss layers live in `scratchnet.losses` and are
re-exported here.
"""
import numpy as np

from ._checks import FLOAT_DTYPES, check_array
from .functions import sigmoid
from .losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy  # noqa: F401


class Affine:
    """out = x @ W + b, with optional L2 weight penalty l2 * sum(W**2) (Keras's definition;
    the textbook's weight decay is 0.5 * lambda * sum(W**2), i.e. l2 = lambda / 2)."""

    def __init__(self, W, b, l2=0.0, name="Affine"):
        self.name = name
        check_array(W, f"{name}: W", ndim=2)
        check_array(b, f"{name}: b", shape=(W.shape[1],))
        if W.dtype not in FLOAT_DTYPES or b.dtype != W.dtype:
            raise TypeError(f"{name}: W and b must share a float32/float64 dtype, got {W.dtype} and {b.dtype}")
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.l2 = float(l2)
        self.x = None

    @property
    def shape(self):
        return self.params["W"].shape

    def forward(self, x):
        W = self.params["W"]
        check_array(x, self.name, ndim=2, shape=(None, W.shape[0]), dtype=W.dtype)
        self.x = x
        out = x @ W
        out += self.params["b"]
        return out

    def backward(self, dout, need_dx=True):
        """Fill self.grads in place and return dL/dx (skipped with need_dx=False, which the model
        uses for its first layer: nobody needs the gradient of the input images)."""
        W = self.params["W"]
        if self.x is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        check_array(dout, f"{self.name} backward", shape=(self.x.shape[0], W.shape[1]), dtype=W.dtype)
        np.matmul(self.x.T, dout, out=self.grads["W"])
        if self.l2:
            self.grads["W"] += (2.0 * self.l2) * W
        np.sum(dout, axis=0, out=self.grads["b"])
        return dout @ W.T if need_dx else None

    def penalty(self):
        if not self.l2:
            return 0.0
        W = self.params["W"]
        return self.l2 * float(np.vdot(W, W))


class _Activation:
    """Base for element-wise activations: shape and dtype are preserved."""

    name = "Activation"

    def _check_forward(self, x):
        check_array(x, self.name)
        if x.dtype not in FLOAT_DTYPES:
            raise TypeError(f"{self.name}: expected a float32 or float64 input, got {x.dtype}")

    def _check_backward(self, dout, kept, dtype=None):
        if kept is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        check_array(dout, f"{self.name} backward", shape=kept.shape, dtype=dtype or kept.dtype)


class ReLU(_Activation):
    """max(0, x). The gradient at exactly 0 is 0, as in TensorFlow."""

    def __init__(self, name="ReLU"):
        self.name = name
        self.positive = None
        self.dtype = None

    def forward(self, x):
        self._check_forward(x)
        self.positive, self.dtype = x > 0, x.dtype
        return np.maximum(x, 0)

    def backward(self, dout):
        self._check_backward(dout, self.positive, self.dtype)
        return dout * self.positive


class Sigmoid(_Activation):
    def __init__(self, name="Sigmoid"):
        self.name = name
        self.out = None

    def forward(self, x):
        self._check_forward(x)
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        self._check_backward(dout, self.out)
        return dout * self.out * (1.0 - self.out)


class Tanh(_Activation):
    def __init__(self, name="Tanh"):
        self.name = name
        self.out = None

    def forward(self, x):
        self._check_forward(x)
        self.out = np.tanh(x)
        return self.out

    def backward(self, dout):
        self._check_backward(dout, self.out)
        return dout * (1.0 - self.out * self.out)


class Identity(_Activation):
    """Passes x through; useful as an explicit linear output layer."""

    def __init__(self, name="Identity"):
        self.name = name
        self.x = None  # kept only so backward can check dout's shape and dtype

    def forward(self, x):
        self._check_forward(x)
        self.x = x
        return x

    def backward(self, dout):
        self._check_backward(dout, self.x)
        return dout


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "linear": Identity}

"""Affine: the fully connected layer, Keras's Dense without its activation.

W has shape (n_in, n_out), exactly Keras's Dense kernel, so weights move between the two
libraries without a transpose. Like Dense, it acts on the last axis: an (N, T, n_in) sequence
becomes (N, T, n_out), each time step through the same W and b (what Keras's Dense does on 3-D
input, and TimeDistributed(Dense) too), and the gradients sum over the batch and the time steps.
"""
import numpy as np

from .._checks import check_array, check_forward_done
from .base import Layer, declared_shape, same_dtype


class Affine(Layer):
    """out = x @ W + b, with an optional L2 weight penalty l2 * sum(W**2) (Keras's definition;
    the book's weight decay 0.5 * lambda * sum(W**2) is l2 = lambda / 2). b=None is Keras's
    Dense(use_bias=False): out = x @ W, and the layer's only weight is W (the usual layer before
    a BatchNormalization, whose beta makes a bias redundant)."""

    param_keys = ("W", "b")
    input_gradient_optional = True

    def __init__(self, W, b, l2=0.0, input_shape=None, name="Affine"):
        super().__init__(name)
        check_array(W, f"{name}: W", ndim=2)
        if 0 in W.shape:
            raise ValueError(f"{name}: W must have at least one input and one unit, got shape {W.shape}")
        if b is None:
            self.param_keys = self.weight_keys = ("W",)
            same_dtype({"W": W}, name)
        else:
            check_array(b, f"{name}: b", shape=(W.shape[1],))
            same_dtype({"W": W, "b": b}, name)
        self.params = {key: value for key, value in (("W", W), ("b", b)) if value is not None}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self.l2 = float(l2)
        self.x = None
        self._declared = None
        self.input_shape = input_shape  # only needed for a first layer taking (N, T, n_in) sequences

    @property
    def use_bias(self):
        return "b" in self.params

    @property
    def shape(self):
        return self.params["W"].shape

    @property
    def input_shape(self):
        """The declared per-sample input shape, else (n_in,): an (N, n_in) batch."""
        return self._declared or self.params["W"].shape[:1]

    @input_shape.setter
    def input_shape(self, shape):
        self._declared = None
        declared = declared_shape(shape, self.name)
        # (n_in,) is the kernel's own: only a sequence's (T, ..., n_in) is a declaration
        self._declared = None if declared == self.shape[:1] else declared
        if self._declared is not None and self._declared[-1] != self.shape[0]:
            raise ValueError(f"{self.name}: input_shape {self._declared} does not fit: it expects {self.shape[0]} "
                             f"inputs on the last axis")

    @property
    def declared_input_shape(self):
        return self._declared

    def output_shape(self, input_shape):
        if input_shape is not None and (not input_shape or input_shape[-1] not in (None, self.shape[0])):
            raise ValueError(f"expects {self.shape[0]} inputs" + (" on the last axis" if len(input_shape) > 1 else ""))
        return (*input_shape[:-1], self.shape[1])

    def forward(self, x):
        W = self.params["W"]
        ndim = getattr(x, "ndim", 2)  # (N, n_in), or (N, ..., n_in): the last axis
        check_array(x, self.name, ndim=max(ndim, 2), shape=(None, W.shape[0]) if ndim <= 2 else
                    (*x.shape[:-1], W.shape[0]), dtype=W.dtype)
        self.x = x
        out = np.matmul(x, W, out=self._buffer("out", (*x.shape[:-1], W.shape[1]), W.dtype))
        if "b" in self.params:
            out += self.params["b"]
        return out

    def backward(self, dout, need_dx=True):
        """Fill self.grads in place and return dL/dx (skipped with need_dx=False, which the model
        uses for its first layer: nobody needs the gradient of the input images)."""
        W = self.params["W"]
        check_forward_done(self.name, self.x)
        check_array(dout, f"{self.name} backward", shape=(*self.x.shape[:-1], W.shape[1]), dtype=W.dtype)
        x2, dout2 = self.x.reshape(-1, W.shape[0]), dout.reshape(-1, W.shape[1])  # every time step is a row
        np.matmul(x2.T, dout2, out=self.grads["W"])
        if self.l2:
            self.grads["W"] += (2.0 * self.l2) * W
        if "b" in self.grads:
            dout2.sum(axis=0, out=self.grads["b"])
        return np.matmul(dout, W.T, out=self._buffer("dx", self.x.shape, W.dtype)) if need_dx else None

    def penalty(self):
        """The layer's share of the loss: l2 * sum(W**2)."""
        if not self.l2:
            return 0.0
        W = self.params["W"]
        return self.l2 * float(np.vdot(W, W))

    def config(self):
        declared = {"input_shape": list(self._declared)} if self._declared else {}
        return {"kind": "Affine", "shape": list(self.shape), "l2": self.l2,
                **({} if self.use_bias else {"use_bias": False}), **declared}

    @classmethod
    def weight_keys_of(cls, config):
        return cls.weight_keys if config.get("use_bias", True) else ("W",)

    @classmethod
    def from_config(cls, config, params):
        return cls(params["W"], params["b"] if config.get("use_bias", True) else None, l2=config.get("l2", 0.0),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        l2 = f", l2={self.l2:g}" if self.l2 else ""
        bias = "" if self.use_bias else ", no bias"
        return f"{self.name}({self.shape[0]} -> {self.shape[1]}{l2}{bias})"

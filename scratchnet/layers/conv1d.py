"""Keras's 1-D convolution and pooling over (N, T, C) sequences (channels last): Conv1D,
MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D and GlobalMaxPooling1D.

Conv1D and the two window poolings are the 2-D layers on a one-row image: (N, T, C) is read as
(N, 1, T, C) and a window of k steps as a 1 x k window, so the geometry ("valid"/"same"
padding, strides, TensorFlow's placement of the odd padding step at the end), the tie rule of
max pooling (the first maximum in time) and the "same" average (over the steps on the
sequence) are the 2-D layers' (see conv.py, pooling.py). Conv1D's W is Keras's kernel
(k, C_in, C_out); the 2-D layer sees it as the view W[np.newaxis], so an update of W in place is
what the convolution uses.

The global poolings reduce the time axis: (N, T, C) -> (N, C). GlobalMaxPooling1D's gradient
follows TensorFlow's reduce_max: each channel's gradient is shared equally by the steps that tie
for its maximum (unlike MaxPooling1D, whose window sends it to one step).
"""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from .base import Layer, declared_shape, same_dtype
from .conv import Conv2D
from .pooling import AveragePooling2D, MaxPooling2D


def _steps(value, what, where):
    """An int window size or stride (Keras also takes a 1-tuple)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {what} must be a positive integer, got {value!r}")
    return int(value)


def _as_image_shape(input_shape, where):
    if input_shape is None or len(input_shape) != 2:
        raise ValueError("expects sequences (N, T, C)")
    return (1, *input_shape)


class _OneRow(Layer):
    """A 2-D layer, `self.image`, run on (N, T, C) read as (N, 1, T, C)."""

    image = None

    @property
    def strides(self):
        return self.image.strides[1]

    @property
    def padding(self):
        return self.image.padding

    def output_shape(self, input_shape):
        return self.image.output_shape(_as_image_shape(input_shape, self.name))[1:]

    def forward(self, x):
        check_array(x, f"{self.name} input (N, T, C)", ndim=3)
        return self.image.forward(x[:, np.newaxis])[:, 0]

    def _image_backward(self, dout, **options):
        check_array(dout, f"{self.name} backward", ndim=3)
        dx = self.image.backward(dout[:, np.newaxis], **options)
        return None if dx is None else dx[:, 0]


class Conv1D(_OneRow):
    param_keys = ("W", "b")
    input_gradient_optional = True

    def __init__(self, W, b, strides=1, padding="valid", input_shape=None, name="Conv1D"):
        super().__init__(name)
        check_array(W, f"{name}: W (k, C_in, C_out)", ndim=3)
        check_array(b, f"{name}: b", shape=(W.shape[2],))
        same_dtype({"W": W, "b": b}, name)
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.image = Conv2D(W[np.newaxis], b, strides=(1, _steps(strides, "strides", name)), padding=padding,
                            name=name)
        self._declare_input_shape(input_shape)

    @property
    def kernel_size(self):
        return self.params["W"].shape[0]

    @property
    def filters(self):
        return self.params["W"].shape[2]

    @property
    def input_dim(self):
        return self.params["W"].shape[1]

    def forward(self, x):
        self.image.params["W"] = self.params["W"][np.newaxis]  # the current kernel, as a view
        return super().forward(x)

    def backward(self, dout, need_dx=True):
        dx = self._image_backward(dout, need_dx=need_dx)
        self.grads["W"][...] = self.image.grads["W"][0]
        self.grads["b"][...] = self.image.grads["b"]
        return dx

    def config(self):
        return self._config(kernel=list(self.params["W"].shape), strides=self.strides, padding=self.padding)

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["W"], weights["b"], strides=config.get("strides", 1), padding=config.get("padding", "valid"),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        k, c_in, c_out = self.params["W"].shape
        strides = f", strides={self.strides}" if self.strides != 1 else ""
        return f"{self.name}({k}, {c_in} -> {c_out}{strides}, padding={self.padding!r})"


class _Pooling1D(_OneRow):
    image_class = None

    def __init__(self, pool_size=2, strides=None, padding="valid", input_shape=None, name=None):
        name = name or type(self).__name__
        super().__init__(name)
        pool = _steps(pool_size, "pool_size", name)
        step = pool if strides is None else _steps(strides, "strides", name)
        self.image = self.image_class((1, pool), (1, step), padding, name=name)
        self._declare_input_shape(input_shape)

    @property
    def pool_size(self):
        return self.image.pool_size[1]

    def backward(self, dout):
        return self._image_backward(dout)

    def switches(self):
        return self.image.switches()

    def config(self):
        return self._config(pool_size=self.pool_size, strides=self.strides, padding=self.padding)

    @classmethod
    def from_config(cls, config, weights):
        del weights
        return cls(config["pool_size"], config["strides"], config.get("padding", "valid"),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        strides = "" if self.strides == self.pool_size else f", strides={self.strides}"
        return f"{self.name}({self.pool_size}{strides}, padding={self.padding!r})"


class MaxPooling1D(_Pooling1D):
    image_class = MaxPooling2D


class AveragePooling1D(_Pooling1D):
    image_class = AveragePooling2D


class _GlobalPooling1D(Layer):
    def __init__(self, input_shape=None, name=None):
        super().__init__(name)
        self.input_shape = declared_shape(input_shape, self.name)
        if self.input_shape is not None:
            self.output_shape(self.input_shape)
        self.x = None

    def output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError("expects sequences (N, T, C)")
        return input_shape[1:]

    def _check(self, x):
        check_float(x, self.name)
        if x.ndim != 3 or x.shape[1] == 0:
            raise ValueError(f"{self.name}: expected sequences (N, T, C) with T >= 1, got shape {x.shape}")
        self.x = x

    def _check_backward(self, dout):
        check_forward_done(self.name, self.x)
        n, _, channels = self.x.shape
        check_array(dout, f"{self.name} backward", shape=(n, channels), dtype=self.x.dtype)

    def config(self):
        return self._config()

    @classmethod
    def from_config(cls, config, weights):
        del weights
        return cls(input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}()"


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the time axis."""

    def forward(self, x):
        self._check(x)
        return x.mean(axis=1)

    def backward(self, dout):
        self._check_backward(dout)
        return np.broadcast_to((dout / self.x.shape[1])[:, np.newaxis], self.x.shape).copy()


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the time axis; tied maxima share the gradient equally (reduce_max's)."""

    def forward(self, x):
        self._check(x)
        self.out = x.max(axis=1)
        return self.out

    def backward(self, dout):
        self._check_backward(dout)
        hits = self.x == self.out[:, np.newaxis]
        return (hits / hits.sum(axis=1, keepdims=True)).astype(dout.dtype) * dout[:, np.newaxis]

    def switches(self):
        return None if self.x is None else self.x == self.out[:, np.newaxis]

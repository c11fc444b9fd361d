"""Keras's preprocessing layers that sit inside models: Rescaling, Normalization, Resizing.

None has trainable weights. Their settings (scale and offset; mean and variance) are numbers or
arrays that broadcast against one sample, kept in float64 and converted to the input's dtype
when applied, as Keras casts them to the layer's compute dtype. They are exact in the values
given: where Keras rounds a Python float through float32 first (Rescaling's scale and offset),
`reference_keras.from_keras` passes the rounded value, so that both compute the same.

- Rescaling(scale, offset): y = x * scale + offset; dL/dx = dout * scale.
- Normalization(mean, variance): y = (x - mean) / max(sqrt(variance), epsilon) with Keras's
  epsilon 1e-7 (`keras.config.epsilon()`); dL/dx = dout / max(sqrt(variance), epsilon). The
  statistics are those an adapted Keras layer holds (or were given to it).
- Resizing(height, width, interpolation="nearest"): images (N, H, W, C) resized by TensorFlow's
  nearest-neighbour rule with half-pixel centres: output row i reads input row
  min(floor((i + 0.5) * H / height), H - 1), the product computed in float32 as TensorFlow does;
  the gradient adds each output entry's dout into the input entry it read. The bilinear and other
  interpolations have no exact counterpart here: TensorFlow computes them in float32 whatever the
  image dtype, so they are refused.
"""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from .base import Layer


def _broadcast_setting(value, what, where):
    """A setting as a float64 array (a 0-d one for a number), refusing NaN, inf and non-numbers."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {what} must be a number or an array of numbers, got {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: {what} must be finite, got {value!r}")
    return array


def _fits(setting, input_shape, what, where):
    """Refuse a setting that does not broadcast against one sample of `input_shape` without
    enlarging it (None entries: unknown, accepted)."""
    if setting.ndim > len(input_shape) or any(
            size not in (1, n) and n is not None
            for size, n in zip(setting.shape[::-1], input_shape[::-1])):
        raise ValueError(f"cannot apply {what} of shape {setting.shape} to samples of shape {tuple(input_shape)}")


def _as_list(array):
    return array.item() if array.ndim == 0 else array.tolist()


class Rescaling(Layer):
    shape_preserving = True

    def __init__(self, scale, offset=0.0, input_shape=None, name="Rescaling"):
        super().__init__(name)
        self.scale = _broadcast_setting(scale, "scale", name)
        self.offset = _broadcast_setting(offset, "offset", name)
        self._declare_input_shape(input_shape)
        self.dtype = self.x_shape = None

    def output_shape(self, input_shape):
        for what, setting in (("scale", self.scale), ("offset", self.offset)):
            _fits(setting, input_shape, what, self.name)
        return input_shape

    def forward(self, x):
        check_float(x, self.name)
        self.output_shape(x.shape[1:])
        self.dtype, self.x_shape = x.dtype, x.shape
        return x * self.scale.astype(x.dtype) + self.offset.astype(x.dtype)

    def backward(self, dout):
        check_forward_done(self.name, self.x_shape)
        check_array(dout, f"{self.name} backward", shape=self.x_shape, dtype=self.dtype)
        return dout * self.scale.astype(self.dtype)

    def config(self):
        return self._config(scale=_as_list(self.scale), offset=_as_list(self.offset))

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(config["scale"], config.get("offset", 0.0), input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}(scale={_as_list(self.scale)!r}, offset={_as_list(self.offset)!r})"


class Normalization(Layer):
    shape_preserving = True
    EPSILON = 1e-7  # keras.config.epsilon()

    def __init__(self, mean, variance, epsilon=EPSILON, input_shape=None, name="Normalization"):
        super().__init__(name)
        self.mean = _broadcast_setting(mean, "mean", name)
        self.variance = _broadcast_setting(variance, "variance", name)
        if self.mean.shape != self.variance.shape:
            raise ValueError(f"{name}: mean and variance must have one shape, got {self.mean.shape} and "
                             f"{self.variance.shape}")
        if np.any(self.variance < 0):
            raise ValueError(f"{name}: variance must be >= 0, got {variance!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating)) or not epsilon > 0:
            raise ValueError(f"{name}: epsilon must be a positive number, got {epsilon!r}")
        self.epsilon = float(epsilon)
        self._declare_input_shape(input_shape)
        self.dtype = self.denominator = None

    def output_shape(self, input_shape):
        _fits(self.mean, input_shape, "mean and variance", self.name)
        return input_shape

    def forward(self, x):
        check_float(x, self.name)
        self.output_shape(x.shape[1:])
        t = x.dtype.type
        self.denominator = np.maximum(np.sqrt(self.variance.astype(x.dtype)), t(self.epsilon))
        self.dtype = x.dtype
        return (x - self.mean.astype(x.dtype)) / self.denominator

    def backward(self, dout):
        check_forward_done(self.name, self.denominator)
        check_array(dout, f"{self.name} backward", dtype=self.dtype)
        return dout / self.denominator

    def config(self):
        return self._config(mean=_as_list(self.mean), variance=_as_list(self.variance),
                            **({} if self.epsilon == self.EPSILON else {"epsilon": self.epsilon}))

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(config["mean"], config["variance"], config.get("epsilon", cls.EPSILON),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}(mean shape {self.mean.shape})"


def nearest_indices(n_in, n_out):
    """The input index each of `n_out` outputs reads along an axis of `n_in`: TensorFlow's
    ResizeNearestNeighbor with half-pixel centres, in its float32 arithmetic."""
    scale = np.float32(n_in) / np.float32(n_out)
    index = np.floor((np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale).astype(np.int64)
    return np.minimum(index, n_in - 1)


class Resizing(Layer):
    INTERPOLATIONS = ("nearest",)

    def __init__(self, height, width, interpolation="nearest", input_shape=None, name="Resizing"):
        super().__init__(name)
        for what, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
        if interpolation not in self.INTERPOLATIONS:
            raise ValueError(f"{name}: interpolation {interpolation!r} is not supported; only 'nearest' is exact "
                             f"(TensorFlow computes the others in float32 whatever the image dtype)")
        self.height, self.width, self.interpolation = int(height), int(width), interpolation
        self._declare_input_shape(input_shape)
        self.x_shape = self.dtype = self.rows = self.cols = None

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError("expects images of shape (N, height, width, channels)")
        return (self.height, self.width, input_shape[2])

    def forward(self, x):
        check_float(x, self.name)
        if x.ndim != 4:
            raise ValueError(f"{self.name}: expected images of shape (N, height, width, channels), got {x.shape}")
        self.rows, self.cols = nearest_indices(x.shape[1], self.height), nearest_indices(x.shape[2], self.width)
        self.x_shape, self.dtype = x.shape, x.dtype
        return x[:, self.rows][:, :, self.cols]

    def backward(self, dout):
        check_forward_done(self.name, self.x_shape)
        n, h, w, c = self.x_shape
        check_array(dout, f"{self.name} backward", shape=(n, self.height, self.width, c), dtype=self.dtype)
        by_column = np.zeros((n, self.height, w, c), self.dtype)
        np.add.at(by_column, (slice(None), slice(None), self.cols), dout)
        dx = np.zeros(self.x_shape, self.dtype)
        np.add.at(dx, (slice(None), self.rows), by_column)
        return dx

    def config(self):
        return self._config(height=self.height, width=self.width, interpolation=self.interpolation)

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(config["height"], config["width"], config.get("interpolation", "nearest"),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}({self.height}, {self.width}, {self.interpolation})"

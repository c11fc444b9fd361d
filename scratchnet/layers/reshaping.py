"""Reshape: Keras's Reshape layer, a per-sample reshape in C order (the batch axis stays); and
ZeroPadding2D, Keras's zero border around images (channels last).

`target_shape` is the shape of one sample's output; one of its entries may be -1, the size that
makes the element counts agree (Keras's rule). The gradient is dout reshaped back.
"""
import math

import numpy as np

from .._checks import check_array, check_float, check_forward_done
from .base import Layer


def _target(target_shape, where):
    try:
        shape = tuple(int(n) for n in target_shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: target_shape must be a tuple of ints (without the batch axis), "
                        f"got {target_shape!r}") from None
    if not shape or any(n == 0 or n < -1 for n in shape) or shape.count(-1) > 1:
        raise ValueError(f"{where}: target_shape must be positive sizes with at most one -1 (the size left "
                         f"to fill), got {target_shape!r}")
    return shape


class Reshape(Layer):
    def __init__(self, target_shape, input_shape=None, name="Reshape"):
        super().__init__(name)
        self.target_shape = _target(target_shape, name)
        self._declare_input_shape(input_shape)
        self.x_shape = self.dtype = None

    def output_shape(self, input_shape):
        """The per-sample output shape; -1 resolved when the input's size is known."""
        if None in input_shape:
            return tuple(None if n == -1 else n for n in self.target_shape)
        size, known = math.prod(input_shape), math.prod(n for n in self.target_shape if n != -1)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"cannot reshape {size} values per sample to {self.target_shape} "
                                 f"({size} is not a multiple of {known})")
            return tuple(size // known if n == -1 else n for n in self.target_shape)
        if size != known:
            raise ValueError(f"cannot reshape {size} values per sample to {self.target_shape} ({known} values)")
        return self.target_shape

    def forward(self, x):
        check_float(x, self.name)
        if x.ndim < 1:
            raise ValueError(f"{self.name}: expected an array with a batch axis, got shape {x.shape}")
        try:
            shape = self.output_shape(x.shape[1:])
        except ValueError as err:
            raise ValueError(f"{self.name}: input of shape {x.shape}: {err}") from None
        self.x_shape, self.dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], *shape)

    def backward(self, dout):
        check_forward_done(self.name, self.x_shape)
        out = (self.x_shape[0], *self.output_shape(self.x_shape[1:]))
        check_array(dout, f"{self.name} backward", shape=out, dtype=self.dtype)
        return dout.reshape(self.x_shape)

    def config(self):
        return self._config(target_shape=list(self.target_shape))

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(tuple(config["target_shape"]), input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}({self.target_shape})"



def _padding_pairs(padding, where):
    """((top, bottom), (left, right)) from Keras's int, (rows, columns) or ((top, bottom), (left, right))."""
    def amount(value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{where}: padding must be ints >= 0 (an int, (rows, columns) or "
                             f"((top, bottom), (left, right))), got {padding!r}")
        return int(value)

    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return (amount(padding),) * 2, (amount(padding),) * 2
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, (tuple, list)) and len(p) == 2 for p in padding):
            return tuple(amount(v) for v in padding[0]), tuple(amount(v) for v in padding[1])
        if not any(isinstance(p, (tuple, list)) for p in padding):
            return (amount(padding[0]),) * 2, (amount(padding[1]),) * 2
    raise ValueError(f"{where}: padding must be an int, (rows, columns) or ((top, bottom), (left, right)), "
                     f"got {padding!r}")


class ZeroPadding2D(Layer):
    """Keras's ZeroPadding2D (channels last): rows of zeros above and below, columns left and
    right of each image; the gradient is dout with the padding cut off."""

    def __init__(self, padding=(1, 1), input_shape=None, name="ZeroPadding2D"):
        super().__init__(name)
        self.padding = _padding_pairs(padding, name)
        self._declare_input_shape(input_shape)
        self.x_shape = self.dtype = None

    def output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError("expects images (N, H, W, C) (channels last)")
        (top, bottom), (left, right) = self.padding
        h, w, c = input_shape
        return (None if h is None else h + top + bottom, None if w is None else w + left + right, c)

    def forward(self, x):
        check_float(x, self.name)
        if x.ndim != 4:
            raise ValueError(f"{self.name}: expected images of shape (N, H, W, C) (channels last), got {x.shape}")
        self.x_shape, self.dtype = x.shape, x.dtype
        return np.pad(x, ((0, 0), *self.padding, (0, 0)))

    def backward(self, dout):
        check_forward_done(self.name, self.x_shape)
        n, h, w, c = self.x_shape
        (top, bottom), (left, right) = self.padding
        check_array(dout, f"{self.name} backward", shape=(n, h + top + bottom, w + left + right, c), dtype=self.dtype)
        return dout[:, top:top + h, left:left + w].copy()

    def config(self):
        return self._config(padding=[list(pair) for pair in self.padding])

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(tuple(tuple(p) for p in config["padding"]), input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}({self.padding})"

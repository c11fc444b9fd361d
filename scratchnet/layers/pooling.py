"""MaxPooling2D, AveragePooling2D (channels last, as Keras's) and Flatten.

Window geometry is TensorFlow's (see _windows.py); strides default to the pool size, as in Keras
(the book's Pooling defaults to stride 1). Each loop runs over the cells of a window (4 for
2x2), vectorised over every window, sample and channel at once.

Max pooling, equal maxima: TensorFlow's CPU kernel, which Keras runs, sends each window's
gradient to ONE cell, the first maximum in row-major window order (top row first, left to right),
and a cell that is the chosen maximum of several overlapping windows receives the sum of their
gradients. MaxPooling2D does exactly that: the running maximum is replaced only by a strictly
greater value, so the earliest cell wins a tie. "same" padding counts as -inf, so a padded cell
is never the maximum.

Average pooling with "same" padding divides each window's sum by the number of its cells that
lie on the image, not by the window size (a 2x2 window hanging over the corner of a 3x3 image
averages its one real cell), as TensorFlow does; the gradient is dout / count to each real cell.
"""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from ._windows import Geometry, check_image_shape, check_images, pair, padding_name
from .base import Layer, declared_shape


class _Pooling2D(Layer):
    def __init__(self, pool_size, strides, padding, input_shape, name):
        super().__init__(name)
        self.pool_size = pair(pool_size, "pool_size", self.name)
        self.strides = self.pool_size if strides is None else pair(strides, "strides", self.name)
        self.padding = padding_name(padding, self.name)
        self._declare_input_shape(input_shape)
        self.geometry = self.dtype = None

    def _window_geometry(self, height, width, where=None):
        return Geometry(height, width, self.pool_size, self.strides, self.padding, where, what="pool window")

    def output_shape(self, input_shape):
        check_image_shape(input_shape)
        return self._window_geometry(input_shape[0], input_shape[1]).output_shape(input_shape[2])

    def _geometry(self, x):
        check_images(x, self.name)
        return self._window_geometry(x.shape[1], x.shape[2], self.name)

    def _check_backward(self, dout, kept):
        check_forward_done(self.name, kept)
        g = self.geometry
        check_array(dout, f"{self.name} backward", shape=(self.n, g.out_h, g.out_w, self.channels), dtype=self.dtype)

    def config(self):
        return self._config(pool_size=list(self.pool_size), strides=list(self.strides), padding=self.padding)

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(tuple(config["pool_size"]), tuple(config["strides"]), config.get("padding", "valid"),
                   input_shape=config.get("input_shape"))

    def __repr__(self):
        strides = "" if self.strides == self.pool_size else f", strides={self.strides}"
        return f"{self.name}({self.pool_size[0]}x{self.pool_size[1]}{strides}, {self.padding})"


class MaxPooling2D(_Pooling2D):
    """The maximum of each window; the gradient goes to the first maximum (see the module docstring)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", input_shape=None, name="MaxPooling2D"):
        super().__init__(pool_size, strides, padding, input_shape, name)
        self.chosen = None  # per window cell (row-major), where that cell is the window's chosen maximum

    def forward(self, x):
        g = self._geometry(x)
        xp = g.pad(x, -np.inf)
        cells = [g.cell(xp, i, j) for i, j in g.offsets()]
        best = cells[0].copy()
        for cell in cells[1:]:
            np.maximum(best, cell, out=best)
        # The first cell (row-major) equal to the maximum takes the gradient: TF's tie rule. Once
        # a window's maximum is claimed, no later cell of it is chosen; the last cell is chosen
        # exactly where no earlier one was (some cell holds the maximum).
        chosen, unclaimed = [], np.ones(best.shape, dtype=bool)
        for cell in cells[:-1]:
            first = np.equal(cell, best)
            first &= unclaimed
            unclaimed ^= first
            chosen.append(first)
        chosen.append(unclaimed)
        self.geometry, self.chosen, self.dtype = g, chosen, x.dtype
        self.n, self.channels = x.shape[0], x.shape[3]
        return best

    def backward(self, dout):
        self._check_backward(dout, self.chosen)
        g = self.geometry
        dxp = g.padded_zeros(self.n, self.channels, self.dtype)
        overlapping = g.overlapping  # then a cell chosen by several windows receives the sum of their gradients
        for chosen, (i, j) in zip(self.chosen, g.offsets()):
            cell = g.cell(dxp, i, j)
            if overlapping:
                cell += dout * chosen
            else:
                np.multiply(dout, chosen, out=cell)
        return g.crop(dxp)

    def switches(self):
        return None if self.chosen is None else np.stack(self.chosen)


class AveragePooling2D(_Pooling2D):
    """The mean of each window's cells that lie on the image (see the module docstring).
    pool_size has no default, as in Keras."""

    def __init__(self, pool_size, strides=None, padding="valid", input_shape=None, name="AveragePooling2D"):
        super().__init__(pool_size, strides, padding, input_shape, name)
        self.count = None

    def _count(self, g, dtype):
        """(out_h, out_w, 1): how many cells of each window lie on the image."""
        on_image = g.pad(np.ones((1, g.height, g.width, 1), dtype=dtype))
        return sum(g.cell(on_image, i, j) for i, j in g.offsets())[0]

    def forward(self, x):
        g = self._geometry(x)
        xp = g.pad(x)
        total = None
        for i, j in g.offsets():
            total = g.cell(xp, i, j).copy() if total is None else total + g.cell(xp, i, j)
        self.count = self._count(g, x.dtype)
        self.geometry, self.dtype, self.n, self.channels = g, x.dtype, x.shape[0], x.shape[3]
        return total / self.count

    def backward(self, dout):
        self._check_backward(dout, self.count)
        g = self.geometry
        share = dout / self.count
        dxp = g.padded_zeros(self.n, self.channels, self.dtype)
        for i, j in g.offsets():
            g.cell(dxp, i, j)[...] += share
        return g.crop(dxp)


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...) in C order: for NHWC images the feature index is
    h*W*C + w*C + c, Keras's Flatten order. (The book's Affine flattens NCHW, (c, h, w) order:
    the first Affine's rows after a convolution differ by that permutation.)"""

    def __init__(self, input_shape=None, name="Flatten"):
        super().__init__(name)
        self.input_shape = declared_shape(input_shape, name)
        self.x_shape = self.dtype = None

    def output_shape(self, input_shape):
        return (None,) if None in input_shape else (int(np.prod(input_shape)),)

    def forward(self, x):
        check_float(x, self.name)
        if x.ndim < 1:
            raise ValueError(f"{self.name}: expected an array with a batch axis, got shape {x.shape}")
        self.x_shape, self.dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        check_forward_done(self.name, self.x_shape)
        n = self.x_shape[0]
        check_array(dout, f"{self.name} backward", shape=(n, int(np.prod(self.x_shape[1:]))), dtype=self.dtype)
        return dout.reshape(self.x_shape)

    def config(self):
        return self._config()

    @classmethod
    def from_config(cls, config, weights):
        del weights
        return cls(input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}()"

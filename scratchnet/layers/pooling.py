"""MaxPooling2D, AveragePooling2D (channels last, as Keras's) and Flatten.

Window geometry is TensorFlow's (see _windows.py); strides default to the pool size, as in Keras
(the book's Pooling defaults to stride 1). Each loop runs over the cells of a window (4 for
2x2), vectorised over every window, sample and channel at once; no padded copy of the input is
made (a cell hanging over the border covers only the windows where it lies on the image). When
the windows lie side by side (strides equal to the pool size, no padding: the usual 2x2 pooling)
they are the blocks of one view of the input, and the backward pass writes every pixel in one
operation.

Max pooling, equal maxima: TensorFlow's CPU kernel, which Keras runs, sends each window's
gradient to ONE cell, the first maximum in row-major window order (top row first, left to right),
and a cell that is the chosen maximum of several overlapping windows receives the sum of their
gradients. MaxPooling2D does exactly that: of the cells equal to their window's maximum it keeps
the earliest. "same" padding counts as -inf, so a padded cell is never the maximum.

Average pooling with "same" padding divides each window's sum by the number of its cells that
lie on the image, not by the window size (a 2x2 window hanging over the corner of a 3x3 image
averages its one real cell), as TensorFlow does; the gradient is dout / count to each real cell.
"""
import numpy as np

from .._checks import check_array, check_float, check_forward_done
from ._windows import Geometry, cached_geometry, check_image_shape, check_images, fill_outside, pair, padding_name
from .base import Layer, declared_shape


class _Pooling2D(Layer):
    def __init__(self, pool_size, strides, padding, input_shape, name):
        super().__init__(name)
        self.pool_size = pair(pool_size, "pool_size", self.name)
        self.strides = self.pool_size if strides is None else pair(strides, "strides", self.name)
        self.padding = padding_name(padding, self.name)
        self._declare_input_shape(input_shape)
        self.geometry = self.dtype = None

    def output_shape(self, input_shape):
        check_image_shape(input_shape)
        geometry = Geometry(input_shape[0], input_shape[1], self.pool_size, self.strides, self.padding,
                            what="pool window")
        return geometry.output_shape(input_shape[2])

    def _geometry(self, x):
        check_images(x, self.name)
        return cached_geometry(self, x.shape[1], x.shape[2], self.pool_size, self.strides, self.padding,
                               what="pool window")

    def _check_backward(self, dout, kept):
        check_forward_done(self.name, kept)
        g = self.geometry
        check_array(dout, f"{self.name} backward", shape=(self.n, g.out_h, g.out_w, self.channels), dtype=self.dtype)

    def _spread(self, g, add):
        """dx (N, H, W, C) from zeros, add(cell, target) adding each window cell's gradient onto
        `target`, the pixels of that cell of every window; cells in the padding are dropped."""
        dx = self._buffer("dx", (self.n, g.height, g.width, self.channels), self.dtype)
        dx.fill(0)
        for cell in g.cells:
            if not cell.empty:
                add(cell, dx[:, cell.image[0], cell.image[1]])
        return dx

    def _spread_blocks(self, g, values):
        """dx for windows side by side: every pixel in a window written by one call,
        values(blocks of dx), the pixels in no window zeroed."""
        dx = self._buffer("dx", (self.n, g.height, g.width, self.channels), self.dtype)
        if not g.tiling:
            g.zero_outside_blocks(dx)
        values(g.blocks(dx))
        return dx

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


def _grid_last(a):
    """(N, C, oh, ow) view of an (N, oh, ow, C) array: the grid axes last, for fill_outside."""
    return a.transpose(0, 3, 1, 2)


class MaxPooling2D(_Pooling2D):
    """The maximum of each window; the gradient goes to the first maximum (see the module docstring)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", input_shape=None, name="MaxPooling2D"):
        super().__init__(pool_size, strides, padding, input_shape, name)
        # True at each window's chosen cell: laid out like the blocks (N, oh, kh, ow, kw, C) when
        # the windows lie side by side (g.blocked), else (kh*kw, N, oh, ow, C), cell by cell
        self.chosen = None

    def forward(self, x):
        g = self._geometry(x)
        n, c = x.shape[0], x.shape[3]
        best = self._buffer("out", (n, g.out_h, g.out_w, c), x.dtype)
        chosen = self._forward_blocks(x, g, best) if g.blocked else self._forward_cells(x, g, best)
        self.geometry, self.chosen, self.dtype = g, chosen, x.dtype
        self.n, self.channels = n, c
        return best

    def _forward_blocks(self, x, g, best):
        """Windows side by side: the maximum over each block's rows (runs of whole image rows),
        then over its columns; every cell equal to its window's maximum is marked in one pass,
        and only where some window has equal maxima are the later ones unmarked."""
        blocks = g.blocks(x)
        (kh, kw), (n, oh, _, ow, _, c) = g.window, blocks.shape
        rows = blocks[:, :, 0]
        if kh > 1:
            rows = np.maximum(rows, blocks[:, :, 1], out=self._buffer("row_max", (n, oh, ow, kw, c), x.dtype))
            for i in range(2, kh):
                np.maximum(rows, blocks[:, :, i], out=rows)
        if kw > 1:
            np.maximum(rows[..., 0, :], rows[..., 1, :], out=best)
            for j in range(2, kw):
                np.maximum(best, rows[..., j, :], out=best)
        else:
            best[...] = rows[..., 0, :]
        chosen = np.equal(blocks, best[:, :, None, :, None, :], out=self._buffer("chosen", blocks.shape, np.bool_))
        if np.count_nonzero(chosen) != best.size:  # equal maxima in some window: keep the first
            claimed = self._buffer("claimed", best.shape, np.bool_)
            cells = [chosen[:, :, i, :, j] for i, j in g.offsets()]
            np.copyto(claimed, cells[0])
            for cell in cells[1:]:
                np.greater(cell, claimed, out=cell)  # marked, and no earlier cell of the window was
                np.logical_or(claimed, cell, out=claimed)
        return chosen

    def _forward_cells(self, x, g, best):
        """Any geometry: a running maximum over the window cells, then a mask per cell."""
        cells = g.cells
        start = next((cell for cell in cells if cell.full), None)  # a window cell on the image for every window
        if start is None:
            best.fill(-np.inf)  # the padding's value; every window has a cell on the image
        else:
            best[...] = x[:, start.image[0], start.image[1]]
        for cell in cells:
            if cell is not start and not cell.empty:
                part = best[:, cell.out[0], cell.out[1]]
                np.maximum(part, x[:, cell.image[0], cell.image[1]], out=part)
        # The first cell (row-major) equal to the maximum takes the gradient: TF's tie rule. Once
        # a window's maximum is claimed, no later cell of it is chosen; the last cell is chosen
        # exactly where no earlier one was (some cell holds the maximum). A cell in the padding
        # is never chosen.
        chosen = self._buffer("chosen", (len(cells), *best.shape), np.bool_)
        unclaimed = chosen[-1]
        for k, cell in enumerate(cells[:-1]):
            first = chosen[k]
            if not cell.full:
                fill_outside(_grid_last(first), cell.out, False)
            if not cell.empty:
                part = first[:, cell.out[0], cell.out[1]]
                np.equal(x[:, cell.image[0], cell.image[1]], best[:, cell.out[0], cell.out[1]], out=part)
            if k == 0:
                np.logical_not(first, out=unclaimed)
            else:
                first &= unclaimed
                unclaimed ^= first
        if len(cells) == 1:
            unclaimed.fill(True)
        return chosen

    def backward(self, dout):
        self._check_backward(dout, self.chosen)
        g = self.geometry
        if g.blocked:  # every pixel in a window in one call: its window's gradient where chosen, else 0
            return self._spread_blocks(g, lambda blocks: np.multiply(dout[:, :, None, :, None, :], self.chosen,
                                                                     out=blocks))
        product = self._buffer("product", dout.shape, self.dtype) if g.overlapping else None

        def add(cell, target):
            chosen = self.chosen[cell.i * g.window[1] + cell.j]
            if not g.overlapping:  # disjoint windows: each pixel gets at most one window's gradient
                np.multiply(dout[:, cell.out[0], cell.out[1]], chosen[:, cell.out[0], cell.out[1]], out=target)
            else:  # a pixel chosen by several windows receives the sum of their gradients
                part = product[:, cell.out[0], cell.out[1]]
                np.multiply(dout[:, cell.out[0], cell.out[1]], chosen[:, cell.out[0], cell.out[1]], out=part)
                target += part
        return self._spread(g, add)

    def switches(self):
        """(kh*kw, N, oh, ow, C): per window cell (row-major), where it is the chosen maximum."""
        if self.chosen is None or self.chosen.ndim == 5:
            return self.chosen
        n, oh, kh, ow, kw, c = self.chosen.shape
        return self.chosen.transpose(2, 4, 0, 1, 3, 5).reshape(kh * kw, n, oh, ow, c)


class AveragePooling2D(_Pooling2D):
    """The mean of each window's cells that lie on the image (see the module docstring).
    pool_size has no default, as in Keras."""

    def __init__(self, pool_size, strides=None, padding="valid", input_shape=None, name="AveragePooling2D"):
        super().__init__(pool_size, strides, padding, input_shape, name)
        self.count = None

    @staticmethod
    def _count(g, dtype):
        """How many cells of each window lie on the image: a number without padding, else an
        (out_h, out_w, 1) array."""
        if not g.padded:
            return dtype.type(g.window[0] * g.window[1])
        count = np.zeros((g.out_h, g.out_w, 1), dtype)
        for cell in g.cells:
            count[cell.out[0], cell.out[1]] += 1
        return count

    def forward(self, x):
        g = self._geometry(x)
        n, c = x.shape[0], x.shape[3]
        total = self._buffer("out", (n, g.out_h, g.out_w, c), x.dtype)
        # summed in row-major cell order from the first cell (or from 0 where it is in the padding)
        first = g.cells[0]
        if first.full:
            total[...] = x[:, first.image[0], first.image[1]]
        else:
            total.fill(0)
        for cell in g.cells[1 if first.full else 0:]:
            if not cell.empty:
                total[:, cell.out[0], cell.out[1]] += x[:, cell.image[0], cell.image[1]]
        self.count = self._count(g, x.dtype)
        total /= self.count
        self.geometry, self.dtype, self.n, self.channels = g, x.dtype, n, c
        return total

    def backward(self, dout):
        self._check_backward(dout, self.count)
        g = self.geometry
        share = np.divide(dout, self.count, out=self._buffer("share", dout.shape, self.dtype))
        if g.blocked:  # each pixel in a window: its window's share
            return self._spread_blocks(g, lambda blocks: np.copyto(blocks, share[:, :, None, :, None, :]))

        def add(cell, target):
            target += share[:, cell.out[0], cell.out[1]]
        return self._spread(g, add)


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


class _GlobalPooling2D(Layer):
    """A reduction over the image axes: (N, H, W, C) -> (N, C), as Keras's global poolings
    (keepdims=False, channels last)."""

    def __init__(self, input_shape=None, name=None):
        super().__init__(name)
        self._declare_input_shape(input_shape)
        self.x = None

    def output_shape(self, input_shape):
        check_image_shape(input_shape)
        return input_shape[2:]

    def _check(self, x):
        check_images(x, self.name)
        if x.shape[1] == 0 or x.shape[2] == 0:
            raise ValueError(f"{self.name}: expected images with H, W >= 1, got shape {x.shape}")
        self.x = x

    def _check_backward(self, dout):
        check_forward_done(self.name, self.x)
        check_array(dout, f"{self.name} backward", shape=(self.x.shape[0], self.x.shape[3]), dtype=self.x.dtype)

    def config(self):
        return self._config()

    @classmethod
    def from_config(cls, config, weights):
        del weights  # no weights
        return cls(input_shape=config.get("input_shape"))

    def __repr__(self):
        return f"{self.name}()"


class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over H and W; each pixel gets dout / (H * W)."""

    def __init__(self, input_shape=None, name="GlobalAveragePooling2D"):
        super().__init__(input_shape, name)

    def forward(self, x):
        self._check(x)
        return x.mean(axis=(1, 2))

    def backward(self, dout):
        self._check_backward(dout)
        _, h, w, _ = self.x.shape
        return np.broadcast_to((dout / (h * w))[:, None, None, :], self.x.shape).copy()


class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over H and W; pixels tied for a channel's maximum share its gradient equally
    (TensorFlow's reduce_max gradient, unlike MaxPooling2D's one chosen cell)."""

    def __init__(self, input_shape=None, name="GlobalMaxPooling2D"):
        super().__init__(input_shape, name)

    def forward(self, x):
        self._check(x)
        self.out = x.max(axis=(1, 2))
        return self.out

    def backward(self, dout):
        self._check_backward(dout)
        hits = self.x == self.out[:, None, None, :]
        return (hits / hits.sum(axis=(1, 2), keepdims=True)).astype(dout.dtype) * dout[:, None, None, :]

    def switches(self):
        return None if self.x is None else self.x == self.out[:, None, None, :]

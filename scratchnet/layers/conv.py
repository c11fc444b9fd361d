"""Conv2D: Keras's 2-D convolution (channels last), by im2col and one matrix product.

x is (N, H, W, C_in) and W is (kh, kw, C_in, C_out), exactly Keras's Conv2D kernel, so weights
move between the two libraries without a transpose (the book's Convolution uses NCHW and
(FN, C, FH, FW): W_keras = W_book.transpose(2, 3, 1, 0)). Like Keras (and the book) it is a
cross-correlation: the kernel is not flipped.

    y[n, i, j, o] = b[o] + sum over p, q, c of  xpad[n, i*sh + p, j*sw + q, c] * W[p, q, c, o]

im2col lays every window out as one row of a (N*oh*ow, kh*kw*C_in) matrix, in the order
(p, q, c) that W.reshape(kh*kw*C_in, C_out) has, so the forward pass is `cols @ W2 + b`, the
kernel gradient `cols.T @ dout2` and the bias gradient the column sums of dout2. The input
gradient `dout2 @ W2.T` is a gradient per window cell; col2im adds every window's cells back
onto the (padded) image, overlapping windows adding up, and crops the padding. Padding and
output sizes are TensorFlow's (see _windows.py): "same" puts the odd padding row/column at the
bottom/right.
"""
import numpy as np

from .._checks import check_array, check_forward_done
from ._windows import Geometry, check_image_shape, check_images, pair, padding_name
from .base import Layer, declared_shape, same_dtype


class Conv2D(Layer):
    param_keys = ("W", "b")
    input_gradient_optional = True

    def __init__(self, W, b, strides=1, padding="valid", input_shape=None, name="Conv2D"):
        super().__init__(name)
        check_array(W, f"{name}: W (kh, kw, C_in, C_out)", ndim=4)
        check_array(b, f"{name}: b", shape=(W.shape[3],))
        same_dtype({"W": W, "b": b}, name)
        if 0 in W.shape:
            raise ValueError(f"{name}: W must have no zero-sized axis, got shape {W.shape}")
        self.strides = pair(strides, "strides", name)
        self.padding = padding_name(padding, name)
        shape = declared_shape(input_shape, name)
        if shape is not None:
            try:
                check_image_shape(shape, W.shape[2])
                Geometry(shape[0], shape[1], W.shape[:2], self.strides, self.padding)
            except ValueError as err:
                raise ValueError(f"{name}: input_shape {shape} does not fit: it {err}") from None
        self.input_shape = shape
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros(W.shape, W.dtype), "b": np.zeros(b.shape, b.dtype)}
        self.cols = self.geometry = None

    @property
    def kernel_size(self):
        return self.params["W"].shape[:2]

    @property
    def filters(self):
        return self.params["W"].shape[3]

    def output_shape(self, input_shape):
        c_in = self.params["W"].shape[2]
        check_image_shape(input_shape, c_in)
        geometry = Geometry(input_shape[0], input_shape[1], self.kernel_size, self.strides, self.padding)
        return geometry.output_shape(self.filters)

    def forward(self, x):
        W = self.params["W"]
        kh, kw, c_in, c_out = W.shape
        check_images(x, self.name, c_in, W.dtype)
        geometry = Geometry(x.shape[1], x.shape[2], (kh, kw), self.strides, self.padding, self.name)
        cols = im2col(geometry.pad(x), geometry)
        out = cols @ W.reshape(-1, c_out)
        out += self.params["b"]
        self.cols, self.geometry = cols, geometry
        return out.reshape(x.shape[0], geometry.out_h, geometry.out_w, c_out)

    def backward(self, dout, need_dx=True):
        """Fill self.grads and return dL/dx (skipped with need_dx=False: the model's first layer)."""
        W = self.params["W"]
        kh, kw, c_in, c_out = W.shape
        check_forward_done(self.name, self.cols)
        g = self.geometry
        n = self.cols.shape[0] // (g.out_h * g.out_w)
        check_array(dout, f"{self.name} backward", shape=(n, g.out_h, g.out_w, c_out), dtype=W.dtype)
        dout2 = dout.reshape(-1, c_out)
        self.grads["W"][...] = (self.cols.T @ dout2).reshape(W.shape)
        # The column sums by a matrix product: several times faster than np.sum over a tall
        # matrix with few columns, and as exact (a float64 sum either way agrees to ~1e-16).
        np.matmul(np.ones(dout2.shape[0], dout2.dtype), dout2, out=self.grads["b"])
        if not need_dx:
            return None
        dcols = (dout2 @ W.reshape(-1, c_out).T).reshape(n, g.out_h, g.out_w, kh, kw, c_in)
        dxp = g.padded_zeros(n, c_in, W.dtype)
        for i, j in g.offsets():  # col2im: each window cell back where it came from; overlaps add
            g.cell(dxp, i, j)[...] += dcols[:, :, :, i, j, :]
        return g.crop(dxp)

    def config(self):
        return self._config(kernel=list(self.params["W"].shape), strides=list(self.strides), padding=self.padding)

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["W"], weights["b"], strides=tuple(config.get("strides", (1, 1))),
                   padding=config.get("padding", "valid"), input_shape=config.get("input_shape"))

    def __repr__(self):
        kh, kw, c_in, c_out = self.params["W"].shape
        strides = "" if self.strides == (1, 1) else f", strides={self.strides}"
        return f"{self.name}({kh}x{kw}, {c_in} -> {c_out}{strides}, {self.padding})"


def im2col(xp, geometry):
    """The (N*oh*ow, kh*kw*C) matrix of every window of the padded images `xp`, one window per
    row in (p, q, c) order. With few channels it is filled one window cell at a time into a
    (kh*kw*C, N*oh*ow) buffer and returned transposed (a view: matrix products read it as is),
    which copies long contiguous runs; with many channels one strided copy of all windows is
    faster (each window cell is then a contiguous run of C values)."""
    n, _, _, c = xp.shape
    kh, kw = geometry.window
    if c > 4:
        return geometry.windows(xp).reshape(-1, kh * kw * c)
    buffer = np.empty((kh, kw, c, n, geometry.out_h, geometry.out_w), dtype=xp.dtype)
    channels_first = xp.transpose(3, 0, 1, 2)
    for i, j in geometry.offsets():
        rows, columns = geometry.slices(i, j)
        buffer[i, j] = channels_first[:, :, rows, columns]
    return buffer.reshape(kh * kw * c, -1).T

"""Conv2D: Keras's 2-D convolution (channels last), by im2col and one matrix product.

x is (N, H, W, C_in) and W is (kh, kw, C_in, C_out), exactly Keras's Conv2D kernel, so weights
move between the two libraries without a transpose (the book's Convolution uses NCHW and
(FN, C, FH, FW): W_keras = W_book.transpose(2, 3, 1, 0)). Like Keras (and the book) it is a
cross-correlation: the kernel is not flipped.

    y[n, i, j, o] = b[o] + sum over p, q, c of  xpad[n, i*sh + p, j*sw + q, c] * W[p, q, c, o]

im2col lays every window out as one row of a (N*oh*ow, kh*kw*C_in) matrix, in the order
(p, q, c) that W.reshape(kh*kw*C_in, C_out) has, plus a last column of ones, so the forward pass
is one product `cols @ [W2; b]` and one product `cols.T @ dout2` gives the kernel gradient and,
in its last row, the bias gradient (the column sums of dout2). The input gradient
`dout2 @ W2.T` is a gradient per window cell; col2im adds every window's cells back onto the
(padded) image, overlapping windows adding up, and crops the padding. Padding and
output sizes are TensorFlow's (see _windows.py): "same" puts the odd padding row/column at the
bottom/right.
"""
import numpy as np

from .._checks import check_array, check_forward_done
from ._windows import Geometry, check_image_shape, check_images, pair, padding_name
from .base import Layer, same_dtype


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
        self.params = {"W": W, "b": b}
        self._declare_input_shape(input_shape)
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
        out = cols @ np.concatenate([W.reshape(-1, c_out), self.params["b"][np.newaxis]])
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
        kernel_and_bias = self.cols.T @ dout2  # the ones column sums dout2: the bias gradient
        self.grads["W"][...] = kernel_and_bias[:-1].reshape(W.shape)
        self.grads["b"][...] = kernel_and_bias[-1]
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
    """The (N*oh*ow, kh*kw*C + 1) matrix of every window of the padded images `xp`, one window per
    row in (p, q, c) order, then a 1 (for the bias). With few channels it is filled one window
    cell at a time into a (kh*kw*C + 1, N*oh*ow) buffer and returned transposed (a view: matrix
    products read it as is), which copies long contiguous runs; with many channels all windows
    are copied at once (each window cell is then a contiguous run of C values)."""
    n, _, _, c = xp.shape
    kh, kw = geometry.window
    size = kh * kw * c
    rows_out = n * geometry.out_h * geometry.out_w
    if c > 4:
        cols = np.empty((rows_out, size + 1), dtype=xp.dtype)
        cols[:, :size].reshape(n, geometry.out_h, geometry.out_w, kh, kw, c)[...] = geometry.windows(xp)
        cols[:, size] = 1
        return cols
    buffer = np.empty((size + 1, rows_out), dtype=xp.dtype)
    cells = buffer[:size].reshape(kh, kw, c, n, geometry.out_h, geometry.out_w)
    channels_first = xp.transpose(3, 0, 1, 2)
    for i, j in geometry.offsets():
        rows, columns = geometry.slices(i, j)
        cells[i, j] = channels_first[:, :, rows, columns]
    buffer[size] = 1
    return buffer.T

"""Conv2D: Keras's 2-D convolution (channels last), by im2col and one matrix product.

x is (N, H, W, C_in) and W is (kh, kw, C_in, C_out), exactly Keras's Conv2D kernel, so weights
move between the two libraries without a transpose (the book's Convolution uses NCHW and
(FN, C, FH, FW): W_keras = W_book.transpose(2, 3, 1, 0)). Like Keras (and the book) it is a
cross-correlation: the kernel is not flipped.

    y[n, i, j, o] = b[o] + sum over p, q, c of  xpad[n, i*sh + p*dh, j*sw + q*dw, c] * W[p, q, c, o]

with the dilation rate (dh, dw) spacing a window's cells apart (Keras's dilation_rate; 1 by
default); b=None is Keras's use_bias=False (W the only weight), and l2 adds Keras's
kernel_regularizer=L2(l2), l2 * sum(W**2), to the loss (`penalty`) and 2 * l2 * W to W's gradient.

im2col lays every window out as one row of a (N*oh*ow, kh*kw*C_in) matrix, in the order
(p, q, c) that W.reshape(kh*kw*C_in, C_out) has, plus a last column of ones, so the forward pass
is one product `cols @ [W2; b]` and one product `cols.T @ dout2` gives the kernel gradient and,
in its last row, the bias gradient (the column sums of dout2). The input gradient
`dout2 @ W2.T` is a gradient per window cell; col2im adds every window's cells back onto the
image, overlapping windows adding up. Padding and output sizes are TensorFlow's (see
_windows.py): "same" puts the odd padding row/column at the bottom/right. The padding is never
built: im2col writes 0 for a window cell in it, col2im drops that cell's gradient. Inside the
training loop (`reusing_buffers`) the im2col matrix, the output and the gradients are arrays the
layer keeps, so a step allocates none of them.
"""
import numpy as np

from .._checks import check_array, check_forward_done
from ._windows import Geometry, cached_geometry, check_image_shape, check_images, fill_outside, pair, padding_name
from .base import Layer, same_dtype


class Conv2D(Layer):
    param_keys = ("W", "b")
    input_gradient_optional = True

    def __init__(self, W, b, strides=1, padding="valid", input_shape=None, name="Conv2D", dilation_rate=1, l2=0.0):
        super().__init__(name)
        check_array(W, f"{name}: W (kh, kw, C_in, C_out)", ndim=4)
        if b is None:  # Keras's use_bias=False: W is the layer's only weight
            self.param_keys = self.weight_keys = ("W",)
        else:
            check_array(b, f"{name}: b", shape=(W.shape[3],))
        same_dtype({"W": W, **({} if b is None else {"b": b})}, name)
        if 0 in W.shape:
            raise ValueError(f"{name}: W must have no zero-sized axis, got shape {W.shape}")
        if isinstance(l2, bool) or not isinstance(l2, (int, float, np.integer, np.floating)) or not l2 >= 0:
            raise ValueError(f"{name}: l2 must be a number >= 0, got {l2!r}")
        self.strides = pair(strides, "strides", name)
        self.dilation_rate = pair(dilation_rate, "dilation_rate", name)
        if self.dilation_rate != (1, 1) and self.strides != (1, 1):
            raise ValueError(f"{name}: strides {self.strides} with dilation_rate {self.dilation_rate}: "
                             f"TensorFlow (and Keras) take one of the two above 1, not both")
        self.padding = padding_name(padding, name)
        self.l2 = float(l2)
        self.params = {"W": W} if b is None else {"W": W, "b": b}
        self._declare_input_shape(input_shape)
        self.grads = {key: np.zeros(value.shape, value.dtype) for key, value in self.params.items()}
        self.cols = self.geometry = self.n = None

    @property
    def use_bias(self):
        return "b" in self.params

    @property
    def kernel_size(self):
        return self.params["W"].shape[:2]

    @property
    def filters(self):
        return self.params["W"].shape[3]

    def output_shape(self, input_shape):
        c_in = self.params["W"].shape[2]
        check_image_shape(input_shape, c_in)
        geometry = Geometry(input_shape[0], input_shape[1], self.kernel_size, self.strides, self.padding,
                            dilation=self.dilation_rate)
        return geometry.output_shape(self.filters)

    def forward(self, x):
        W = self.params["W"]
        kh, kw, c_in, c_out = W.shape
        check_images(x, self.name, c_in, W.dtype)
        g = cached_geometry(self, x.shape[1], x.shape[2], (kh, kw), self.strides, self.padding,
                            dilation=self.dilation_rate)
        n, size = x.shape[0], kh * kw * c_in
        rows = n * g.out_h * g.out_w
        cols = im2col(x, g, self._buffer("cols", _cols_shape(rows, size + 1, c_in), W.dtype))
        kernel = self._buffer("kernel", (size + 1, c_out), W.dtype)  # [W2; b]: the ones column adds b
        kernel[:size] = W.reshape(size, c_out)
        kernel[size] = self.params["b"] if self.use_bias else 0
        out = np.matmul(cols, kernel, out=self._buffer("out", (rows, c_out), W.dtype))
        self.cols, self.geometry, self.n = cols, g, n
        return out.reshape(n, g.out_h, g.out_w, c_out)

    def backward(self, dout, need_dx=True):
        """Fill self.grads and return dL/dx (skipped with need_dx=False: the model's first layer)."""
        W = self.params["W"]
        kh, kw, c_in, c_out = W.shape
        check_forward_done(self.name, self.cols)
        g, n, size = self.geometry, self.n, kh * kw * c_in
        check_array(dout, f"{self.name} backward", shape=(n, g.out_h, g.out_w, c_out), dtype=W.dtype)
        dout2 = dout.reshape(-1, c_out)
        # one product: the kernel gradient, and in its last row (the ones column) the bias gradient
        kernel_and_bias = np.matmul(self.cols.T, dout2, out=self._buffer("kernel_grad", (size + 1, c_out), W.dtype))
        self.grads["W"][...] = kernel_and_bias[:size].reshape(W.shape)
        if self.use_bias:
            self.grads["b"][...] = kernel_and_bias[size]
        if self.l2:
            self.grads["W"] += (2.0 * self.l2) * W
        if not need_dx:
            return None
        dx = self._buffer("dx", (n, g.height, g.width, c_in), W.dtype)
        W2 = W.reshape(size, c_out)
        if _channels_first(c_in):  # the gradient per window cell as (kh*kw*C_in, rows): cell-major, like cols
            dcols = np.matmul(W2, dout2.T, out=self._buffer("dcols", (size, n * g.out_h * g.out_w), W.dtype))
            return col2im(dcols.reshape(kh, kw, c_in, n, g.out_h, g.out_w), g, dx)
        dcols = np.matmul(dout2, W2.T, out=self._buffer("dcols", (n * g.out_h * g.out_w, size), W.dtype))
        cells = dcols.reshape(n, g.out_h, g.out_w, kh, kw, c_in).transpose(3, 4, 5, 0, 1, 2)
        return col2im(cells, g, dx)

    def penalty(self):
        """The layer's share of the loss: l2 * sum(W**2) (Keras's kernel_regularizer=L2(l2))."""
        W = self.params["W"]
        return self.l2 * float(np.vdot(W, W)) if self.l2 else 0.0

    def config(self):
        options = {**({"dilation_rate": list(self.dilation_rate)} if self.dilation_rate != (1, 1) else {}),
                   **({"l2": self.l2} if self.l2 else {}), **({} if self.use_bias else {"use_bias": False})}
        return self._config(kernel=list(self.params["W"].shape), strides=list(self.strides), padding=self.padding,
                            **options)

    @classmethod
    def weight_keys_of(cls, config):
        return cls.weight_keys if config.get("use_bias", True) else ("W",)

    @classmethod
    def from_config(cls, config, weights):
        return cls(weights["W"], weights["b"] if config.get("use_bias", True) else None,
                   strides=tuple(config.get("strides", (1, 1))), padding=config.get("padding", "valid"),
                   input_shape=config.get("input_shape"), dilation_rate=tuple(config.get("dilation_rate", (1, 1))),
                   l2=config.get("l2", 0.0))

    def __repr__(self):
        kh, kw, c_in, c_out = self.params["W"].shape
        strides = "" if self.strides == (1, 1) else f", strides={self.strides}"
        dilation = "" if self.dilation_rate == (1, 1) else f", dilation_rate={self.dilation_rate}"
        extras = (f", l2={self.l2:g}" if self.l2 else "") + ("" if self.use_bias else ", no bias")
        return f"{self.name}({kh}x{kw}, {c_in} -> {c_out}{strides}{dilation}, {self.padding}{extras})"


def _channels_first(channels):
    """Whether im2col builds its matrix cell by cell, transposed: with few channels a window
    cell is a run of so few values that copying one cell of every window at a time (a long
    strided run per cell) is several times faster than copying window by window."""
    return channels <= 4


def _cols_shape(rows, width, channels):
    """The shape of the array im2col fills: (width, rows) when it works cell by cell (the
    matrix is then its transpose, a view), else (rows, width)."""
    return (width, rows) if _channels_first(channels) else (rows, width)


def im2col(x, geometry, buffer):
    """The (N*oh*ow, kh*kw*C + 1) matrix of every window of the images `x` (N, H, W, C), one
    window per row in (p, q, c) order, then a 1 (for the bias), written into `buffer` (shape
    `_cols_shape`). Cells in the padding are 0; no padded copy of x is made. With few channels
    it is filled one window cell at a time into a (kh*kw*C + 1, N*oh*ow) buffer and returned
    transposed (a view: matrix products read it as is); with many channels every window is
    copied at once (each window row is then a contiguous run of kw*C values) when there is no
    padding, cell by cell otherwise."""
    n, _, _, c = x.shape
    kh, kw = geometry.window
    oh, ow = geometry.out_h, geometry.out_w
    if _channels_first(c):
        buffer[-1] = 1
        cells = buffer[:-1].reshape(kh, kw, c, n, oh, ow)
        _copy_cells(x.transpose(3, 0, 1, 2), geometry, lambda cell: cells[cell.i, cell.j])
        return buffer.T
    buffer[:, -1] = 1
    windows = buffer[:, :-1].reshape(n, oh, ow, kh, kw, c)
    if not geometry.padded:
        windows[...] = geometry.windows(x)
    else:  # (N, C, oh, ow) views of each cell, so that the grid axes come last
        _copy_cells(x.transpose(0, 3, 1, 2), geometry,
                    lambda cell: windows[:, :, :, cell.i, cell.j].transpose(0, 3, 1, 2))
    return buffer


def _copy_cells(images, geometry, destination):
    """Copy cell (i, j) of every window of `images` (..., H, W) into destination(cell) (...,
    oh, ow), with 0 where the cell lies in the padding."""
    for cell in geometry.cells:
        dest = destination(cell)
        if not cell.full:
            fill_outside(dest, cell.out, 0)
        if not cell.empty:
            dest[..., cell.out[0], cell.out[1]] = images[..., cell.image[0], cell.image[1]]


def col2im(cells, geometry, dx):
    """The adjoint of im2col: every window cell's gradient `cells` (kh, kw, C, N, oh, ow) added
    back onto the pixel it came from in `dx` (N, H, W, C), overlapping windows adding up; cells
    in the padding are dropped. Returns dx."""
    image = dx.transpose(3, 0, 1, 2)
    if geometry.tiling:  # every pixel is one cell of one window: assign, nothing to add to
        for cell in geometry.cells:
            image[..., cell.image[0], cell.image[1]] = cells[cell.i, cell.j]
        return dx
    dx.fill(0)
    for cell in geometry.cells:
        if not cell.empty:
            image[..., cell.image[0], cell.image[1]] += cells[cell.i, cell.j][..., cell.out[0], cell.out[1]]
    return dx

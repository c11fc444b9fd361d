"""Sliding-window geometry shared by Conv2D and the pooling layers (channels last, (N, H, W, C)).

Output sizes and padding follow TensorFlow, which Keras runs:
- "valid": out = (n - k) // s + 1, no padding; a window larger than the input is refused.
- "same": out = ceil(n / s), total padding = max((out - 1) * s + k - n, 0), split
  before = total // 2 (top/left), after = total - before (bottom/right gets the odd one).
(With a dilation d, k is the window's extent (k - 1) * d + 1.)

Every loop over windows runs over the kh * kw cells of a window, never over pixels or samples:
cell (i, j) of every window is one strided slice of the image. Padding is never built: where a
cell hangs over the border, it covers only the outputs whose cell lies on the image (`Cell`),
and the layers treat the rest as the padding value (0 for a convolution, -inf for max pooling,
absent for average pooling). `dilation` spaces a window's cells apart, as TensorFlow's
dilation_rate does.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._checks import FLOAT_DTYPES, check_array
from .base import shape_text

PADDINGS = ("valid", "same")


def pair(value, what, where):
    """(a, b) from an int or a pair of positive ints (Keras's kernel_size / strides / pool_size)."""
    values = (value, value) if isinstance(value, (int, np.integer)) else value
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1
                                   for v in values):
        raise ValueError(f"{where}: {what} must be a positive int or a pair of positive ints, got {value!r}")
    return int(values[0]), int(values[1])


def padding_name(padding, where):
    name = padding.lower() if isinstance(padding, str) else padding
    if name not in PADDINGS:
        raise ValueError(f"{where}: padding must be 'valid' or 'same', got {padding!r}")
    return name


def axis_geometry(n, k, s, padding, d=1):
    """(output size, padding before, padding after) along one axis for a window of k cells
    spaced d apart (extent (k - 1) * d + 1); output 0 when the extent exceeds n, valid."""
    extent = (k - 1) * d + 1
    if padding == "valid":
        return max((n - extent) // s + 1, 0), 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + extent - n, 0)
    return out, total // 2, total - total // 2


def _cell_span(out, n, stride, offset):
    """(first, stop) of the outputs o in [0, out) whose cell o * stride + offset lies in [0, n)."""
    first = -(offset // stride) if offset < 0 else 0  # ceil(-offset / stride)
    last = min(out - 1, (n - 1 - offset) // stride) if offset <= n - 1 else -1
    return min(first, out), max(last + 1, min(first, out))


class Cell:
    """Cell (i, j) of every window: `out` the (rows, columns) slices of the output grid whose
    cell (i, j) lies on the image (all of it unless padding is involved), `image` the slices of
    the unpadded input those cells are, `full` whether `out` is the whole grid, `empty` whether
    it is nothing (a cell that lies in the padding for every window)."""

    __slots__ = ("i", "j", "out", "image", "full", "empty")

    def __init__(self, i, j, out, image, full, empty):
        self.i, self.j, self.out, self.image, self.full, self.empty = i, j, out, image, full, empty


class Geometry:
    """Where the windows of one layer lie on an (H, W) input: output size, padding, and each
    window cell's place on the input (`cells`). Padding is never materialised: a cell that
    hangs over the border covers only the outputs whose cell is on the image (`Cell.out`)."""

    def __init__(self, height, width, window, strides, padding, where=None, what="kernel", dilation=(1, 1)):
        """height/width None (unknown, for shape inference) give an unknown output size."""
        (kh, kw), (sh, sw), (dh, dw) = window, strides, dilation
        extent_h, extent_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        if padding == "valid" and ((height is not None and extent_h > height)
                                   or (width is not None and extent_w > width)):
            subject = f"{where} has" if where else "has"
            raise ValueError(f"{subject} a {kh}x{kw} {what} larger than its {height}x{width} input "
                             f"(padding 'valid'): use a smaller {what} or padding 'same'")
        if what == "pool window" and padding == "same" and ((height is not None and extent_h > height)
                                                             or (width is not None and extent_w > width)):
            # every window would cover the whole image and its padding (kh*kw cells of work each):
            # a global pooling, at the cost of a window as large as asked
            subject = f"{where} has" if where else "has"
            raise ValueError(f"{subject} a {kh}x{kw} {what} larger than its {height}x{width} input "
                             f"(padding 'same'): at most {height}x{width}; a global pooling layer pools the "
                             f"whole image")
        self.out_h, self.top, self.bottom = axis_geometry(height, kh, sh, padding, dh) if height else (None, 0, 0)
        self.out_w, self.left, self.right = axis_geometry(width, kw, sw, padding, dw) if width else (None, 0, 0)
        self.height, self.width, self.window, self.strides = height, width, (kh, kw), (sh, sw)
        self.dilation = (dh, dw)
        self._cells = None

    @property
    def padded(self):
        return bool(self.top or self.bottom or self.left or self.right)

    def offsets(self):
        """Every (i, j) of a window, row-major (i outer, j inner): TF's order for max-pool ties."""
        kh, kw = self.window
        return [(i, j) for i in range(kh) for j in range(kw)]

    @property
    def cells(self):
        """One Cell per window offset, in `offsets()` order (computed once per geometry)."""
        if self._cells is None:
            (sh, sw), (dh, dw) = self.strides, self.dilation
            cells = []
            for i, j in self.offsets():
                row0, col0 = i * dh - self.top, j * dw - self.left  # the input row/column of output 0's cell
                r0, r1 = _cell_span(self.out_h, self.height, sh, row0)
                c0, c1 = _cell_span(self.out_w, self.width, sw, col0)
                out = (slice(r0, r1), slice(c0, c1))
                image = (slice(r0 * sh + row0, (r1 - 1) * sh + row0 + 1, sh),
                         slice(c0 * sw + col0, (c1 - 1) * sw + col0 + 1, sw))
                full = (r0, r1, c0, c1) == (0, self.out_h, 0, self.out_w)
                cells.append(Cell(i, j, out, image, full, r1 == r0 or c1 == c0))
            self._cells = cells
        return self._cells

    @property
    def overlapping(self):
        """Whether windows share cells: a stride smaller than the window's extent along either
        axis (neighbours along that axis then share rows and all of their columns)."""
        (kh, kw), (dh, dw) = self.window, self.dilation
        return self.strides[0] < (kh - 1) * dh + 1 or self.strides[1] < (kw - 1) * dw + 1

    @property
    def blocked(self):
        """Whether the windows lie side by side: strides equal to the window and no padding (a
        few rows or columns at the bottom/right may lie in no window). Then every window is a
        block of one view of the input (`blocks`)."""
        return self.dilation == (1, 1) and self.strides == self.window and not self.padded

    @property
    def tiling(self):
        """Whether the windows cover every input pixel exactly once (blocked, no pixel left
        over): then a backward pass can assign each cell's gradient instead of adding it into
        zeros."""
        kh, kw = self.window
        return self.blocked and self.out_h * kh == self.height and self.out_w * kw == self.width

    def blocks(self, x):
        """For a blocked geometry, the view (N, out_h, kh, out_w, kw, C) of the pixels of x
        that lie in a window: [n, a, i, b, j, c] is cell (i, j) of window (a, b). Writable
        when x is."""
        n, _, _, c = x.shape
        s_n, s_h, s_w, s_c = x.strides
        kh, kw = self.window
        return as_strided(x, (n, self.out_h, kh, self.out_w, kw, c), (s_n, s_h * kh, s_h, s_w * kw, s_w, s_c),
                          writeable=x.flags.writeable)

    def zero_outside_blocks(self, dx):
        """Zero the rows and columns of dx (N, H, W, C) that lie in no window (blocked only)."""
        kh, kw = self.window
        dx[:, self.out_h * kh:] = 0
        dx[:, :, self.out_w * kw:] = 0

    def windows(self, x):
        """A read-only view (N, out_h, out_w, kh, kw, C) of every window of the unpadded `x`
        (no padding only)."""
        assert not self.padded
        n, _, _, c = x.shape
        s_n, s_h, s_w, s_c = x.strides
        (kh, kw), (sh, sw), (dh, dw) = self.window, self.strides, self.dilation
        return as_strided(x, (n, self.out_h, self.out_w, kh, kw, c),
                          (s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c), writeable=False)

    def output_shape(self, channels):
        return self.out_h, self.out_w, channels


def cached_geometry(owner, height, width, window, strides, padding, what="kernel", dilation=(1, 1)):
    """The Geometry of `owner`'s windows on an (height, width) input, kept on the owner and
    rebuilt only when the input size or the settings change (a training step reuses it)."""
    key = (height, width, window, strides, padding, dilation)
    cached = owner.__dict__.get("_geometry_cache")
    if cached is None or cached[0] != key:
        geometry = Geometry(height, width, window, strides, padding, owner.name, what, dilation)
        cached = owner._geometry_cache = (key, geometry)
    return cached[1]


def fill_outside(array, block, value):
    """Set `value` everywhere in `array` outside the (rows, columns) `block` of its last two
    axes: at most four strips, never the block itself."""
    (r0, r1), (c0, c1) = (block[0].start, block[0].stop), (block[1].start, block[1].stop)
    array[..., :r0, :] = value
    array[..., r1:, :] = value
    array[..., r0:r1, :c0] = value
    array[..., r0:r1, c1:] = value


def check_images(x, where, channels=None, dtype=None):
    """x must be a float (N, H, W, C) array (channels last), with C == channels when given."""
    check_array(x, where)
    if x.ndim != 4 or (channels is not None and x.shape[3] != channels):
        c = "C" if channels is None else channels
        raise ValueError(f"{where}: expected images of shape (N, H, W, {c}) (channels last), got {x.shape}")
    if x.dtype not in FLOAT_DTYPES or (dtype is not None and x.dtype != dtype):
        want = np.dtype(dtype) if dtype is not None else "float32 or float64"
        raise TypeError(f"{where}: expected dtype {want}, got {x.dtype}")
    return x


def check_image_shape(input_shape, channels=None):
    """For output_shape: a per-sample shape must be (H, W, C), with C == channels when given."""
    if len(input_shape) != 3 or (channels is not None and input_shape[2] not in (None, channels)):
        raise ValueError(f"expects images {shape_text(('H', 'W', channels or 'C'))} (channels last)")

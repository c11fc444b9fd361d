"""Sliding-window geometry shared by Conv2D and the pooling layers (channels last, (N, H, W, C)).

Output sizes and padding follow TensorFlow, which Keras runs:
- "valid": out = (n - k) // s + 1, no padding; a window larger than the input is refused.
- "same": out = ceil(n / s), total padding = max((out - 1) * s + k - n, 0), split
  before = total // 2 (top/left), after = total - before (bottom/right gets the odd one).

Every loop here runs over the kh * kw offsets of a window, never over pixels or samples: the
view of all windows' (i, j) cells is one strided slice of the padded image.
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


def axis_geometry(n, k, s, padding):
    """(output size, padding before, padding after) along one axis; output 0 when k > n, valid."""
    if padding == "valid":
        return max((n - k) // s + 1, 0), 0, 0
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2, total - total // 2


class Geometry:
    """Where the windows of one layer lie on an (H, W) input: output size and padding."""

    def __init__(self, height, width, window, strides, padding, where=None, what="kernel"):
        """height/width None (unknown, for shape inference) give an unknown output size."""
        (kh, kw), (sh, sw) = window, strides
        if padding == "valid" and ((height is not None and kh > height) or (width is not None and kw > width)):
            subject = f"{where} has" if where else "has"
            raise ValueError(f"{subject} a {kh}x{kw} {what} larger than its {height}x{width} input "
                             f"(padding 'valid'): use a smaller {what} or padding 'same'")
        self.out_h, self.top, self.bottom = axis_geometry(height, kh, sh, padding) if height else (None, 0, 0)
        self.out_w, self.left, self.right = axis_geometry(width, kw, sw, padding) if width else (None, 0, 0)
        self.height, self.width, self.window, self.strides = height, width, (kh, kw), (sh, sw)

    @property
    def padded(self):
        return self.top or self.bottom or self.left or self.right

    def pad(self, x, value=0.0):
        """x with the padding rows/columns filled with `value` (x itself when there are none)."""
        if not self.padded:
            return x
        widths = ((0, 0), (self.top, self.bottom), (self.left, self.right), (0, 0))
        return np.pad(x, widths, constant_values=value)

    def crop(self, xp):
        """The inverse of pad on a gradient: the input's own rows and columns."""
        if not self.padded:
            return xp
        return xp[:, self.top:self.top + self.height, self.left:self.left + self.width, :]

    def offsets(self):
        """Every (i, j) of a window, row-major (i outer, j inner): TF's order for max-pool ties."""
        kh, kw = self.window
        return [(i, j) for i in range(kh) for j in range(kw)]

    def slices(self, i, j):
        """(rows, columns) of a padded image holding cell (i, j) of every window."""
        sh, sw = self.strides
        return slice(i, i + sh * (self.out_h - 1) + 1, sh), slice(j, j + sw * (self.out_w - 1) + 1, sw)

    def cell(self, xp, i, j):
        """A view of cell (i, j) of every window of the padded `xp`: shape (N, out_h, out_w, C)."""
        rows, columns = self.slices(i, j)
        return xp[:, rows, columns, :]

    @property
    def overlapping(self):
        """Whether windows share cells (a stride smaller than the window along some axis)."""
        return self.strides[0] < self.window[0] or self.strides[1] < self.window[1]

    def windows(self, xp):
        """A read-only view (N, out_h, out_w, kh, kw, C) of every window of the padded `xp`."""
        n, _, _, c = xp.shape
        s_n, s_h, s_w, s_c = xp.strides
        (kh, kw), (sh, sw) = self.window, self.strides
        return as_strided(xp, (n, self.out_h, self.out_w, kh, kw, c),
                          (s_n, s_h * sh, s_w * sw, s_h, s_w, s_c), writeable=False)

    def padded_zeros(self, n, channels, dtype):
        return np.zeros((n, self.height + self.top + self.bottom, self.width + self.left + self.right, channels),
                        dtype=dtype)

    def output_shape(self, channels):
        return self.out_h, self.out_w, channels


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

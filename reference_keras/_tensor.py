"""NumPy arrays handed to TensorFlow as tensors of their own, with one copy.

`tf.convert_to_tensor` copies an array into memory TensorFlow allocates. `as_tensor` lets NumPy
make the copy (gathering rows on the way, if asked), into a buffer aligned as TensorFlow's
kernels require (64 bytes), and hands that buffer to TensorFlow through DLPack without a second
copy; the tensor keeps the buffer alive. Like `convert_to_tensor`, the tensor does not change
when the array is changed afterwards. `dense_gradient` goes the other way, for a gradient.
"""
import math

import numpy as np

from ._environment import tf

ALIGNMENT = 64  # bytes: TensorFlow's CPU allocator alignment, which its kernels may assume


def as_tensor(array, rows=None):
    """A tf tensor holding a copy of `array` (a numeric or bool dtype), or of `array[rows]` for an
    integer index array `rows` (whose indices the caller has checked)."""
    array = np.asarray(array)
    shape = array.shape if rows is None else (*np.shape(rows), *array.shape[1:])
    nbytes = math.prod(shape) * array.itemsize
    buffer = np.empty(nbytes + ALIGNMENT, dtype=np.uint8)
    start = -buffer.ctypes.data % ALIGNMENT
    copy = buffer[start:start + nbytes].view(array.dtype).reshape(shape)
    if rows is None:
        np.copyto(copy, array)
    else:
        np.take(array, rows, axis=0, out=copy, mode="clip")  # "clip": no checking, no buffering
    return tf.experimental.dlpack.from_dlpack(copy.__dlpack__())


def dense_gradient(gradient):
    """A gradient as a NumPy array: an Embedding's IndexedSlices (the rows its ids touched) as
    their dense equivalent, zero rows elsewhere."""
    return np.array(tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient)

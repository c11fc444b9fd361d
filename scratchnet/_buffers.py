"""Arrays kept between training steps, so the hot path allocates nothing per step.

A layer, loss or optimizer asks `self._buffer(name, shape, dtype)` for the array to write a
result into. With `reuse_buffers` off (the default, and every public one-off call) that is a
fresh array, so whatever a call returns stays the caller's. The training loop switches it on
for its steps (`Sequential.reusing_buffers()`): then each name is one array, kept and
overwritten on the next pass while the shape and dtype stay the same. The arithmetic is the
same either way (the same NumPy operations, only writing through `out=`), so the results are
identical to the last bit.
"""
import numpy as np


class BufferOwner:
    reuse_buffers = False  # True only inside Sequential.reusing_buffers() (the Trainer's steps)

    def _buffer(self, name, shape, dtype):
        """The array to write the result `name` into: fresh, or this owner's kept one when
        `reuse_buffers` is on (reallocated when the shape or dtype changes)."""
        if not self.reuse_buffers:
            return np.empty(shape, dtype)
        buffers = self.__dict__.setdefault("_buffers", {})
        array = buffers.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = buffers[name] = np.empty(shape, dtype)
        return array

    def _zeros(self, shape, dtype):
        """A read-only array of zeros, kept (it is never written, so it is safe to share)."""
        zeros = self.__dict__.get("_zeros_array")
        if zeros is None or zeros.shape != shape or zeros.dtype != dtype:
            zeros = self._zeros_array = np.zeros(shape, dtype)
            zeros.flags.writeable = False
        return zeros

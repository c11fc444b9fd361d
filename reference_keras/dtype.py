"""Keras's global float type, set for a block and restored afterwards.

Keras fixes a layer's (and a loss's, and an optimizer learning-rate variable's) dtype when the
object is created, so the float type must be chosen before building anything. For layers there
is a second trap: a layer created without an explicit dtype takes the global default dtype
policy, which Keras creates from `floatx()` the first time it is needed and then caches
(keras.src.dtype_policies.dtype_policy.dtype_policy()). After that, `set_floatx` alone no longer
changes the dtype of new layers. `floatx` therefore sets both floatx and the default dtype
policy, and restores both (the policy to "not yet created" if it was) afterwards. Like the
settings themselves it is process-wide, not thread-local.
"""
import contextlib

import numpy as np

from scratchnet import DTYPES

from ._environment import keras

# Where Keras 3 keeps the cached default dtype policy (private; present in every supported Keras, 3.8 on).
from keras.src.backend.common import global_state  # noqa: E402  (after the environment set-up)

SUPPORTED = DTYPES  # scratchnet's float types; reference_keras supports the same


def dtype_name(dtype):
    """'float32' or 'float64' from anything numpy or Keras calls a dtype; anything else is refused."""
    # np.dtype(None) would be float64: a missing dtype must not pass silently. A tf.DType
    # converts through its as_numpy_dtype.
    try:
        name = None if dtype is None else np.dtype(getattr(dtype, "as_numpy_dtype", dtype)).name
    except TypeError:
        name = None
    if name not in SUPPORTED:
        raise TypeError(f"reference_keras supports float32 and float64, got {dtype!r}")
    return name


@contextlib.contextmanager
def floatx(dtype):
    """Run a block with `keras.config.floatx() == dtype` and the default dtype policy `dtype`, so
    that layers, losses and optimizers created in it without an explicit dtype use `dtype`. The
    previous settings come back afterwards, also when the block raises. Yields the dtype's name
    ('float32' or 'float64')."""
    name = dtype_name(dtype)
    previous_floatx = keras.config.floatx()
    previous_policy = global_state.get_global_attribute("dtype_policy", None)
    keras.config.set_floatx(name)
    keras.config.set_dtype_policy(name)
    try:
        yield name
    finally:
        keras.config.set_floatx(previous_floatx)
        global_state.set_global_attribute("dtype_policy", previous_policy)


def model_dtype(keras_model):
    """'float32' or 'float64': the `scratchnet_dtype` set by to_keras, else the weights' dtype."""
    dtype = getattr(keras_model, "scratchnet_dtype", None)
    if dtype is None:
        weights = keras_model.weights
        if not weights:
            raise ValueError("reference_keras: the Keras model has no weights yet; build it first")
        dtype = weights[0].dtype
    return dtype_name(dtype)

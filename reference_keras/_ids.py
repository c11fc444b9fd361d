"""Integer token ids as a Keras model's input (a model starting with Embedding).

Such a model's Input is an integer tensor (to_keras makes it int32, what Keras's Embedding casts
other ids to), or a float one followed by an Embedding, which casts the values back to int32.
Either way the batch must hold integers: `ids` checks them and converts them to the Input's
dtype, refusing a value that dtype cannot hold exactly. The model's dtype (see model_dtype) stays
the float dtype of its weights.
"""
import numpy as np

from ._environment import keras


def takes_integers(keras_model):
    """Whether the model's input is integer ids: an integer Input, or an Embedding first."""
    try:
        if np.dtype(keras_model.inputs[0].dtype).kind in "iu":
            return True
    except (AttributeError, IndexError, TypeError, ValueError):  # not built with an Input
        pass
    layers = [layer for layer in keras_model.layers if not isinstance(layer, keras.layers.InputLayer)]
    return bool(layers) and isinstance(layers[0], keras.layers.Embedding)


def ids(keras_model, x, rank):
    """`x` (integer ids, `rank`-D) in the dtype of the model's Input; a clear error otherwise."""
    x = np.asarray(x)
    if x.ndim != rank or x.dtype.kind not in "iu":
        raise TypeError(f"reference_keras: the model takes integer ids; expected a {rank}-D integer input, "
                        f"got {x.ndim}-D {x.dtype}")
    try:
        dtype = np.dtype(keras_model.inputs[0].dtype)
    except (AttributeError, IndexError, TypeError, ValueError):
        dtype = np.dtype(np.int32)
    if x.size:
        low, high = int(x.min()), int(x.max())
        if dtype.kind in "iu":
            smallest, largest = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
        else:  # a float Input holds integers exactly up to 2**(mantissa bits + 1)
            largest = 2 ** (np.finfo(dtype).nmant + 1)
            smallest = -largest
        if low < smallest or high > largest:
            raise ValueError(f"reference_keras: ids from {low} to {high} do not fit the model's {dtype} input")
    return x.astype(dtype, copy=False)

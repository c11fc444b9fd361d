"""The layer contract every scratchnet layer follows (the deep-learning-from-scratch book's):

- `forward(x)` returns the output and keeps only what `backward` needs;
- `backward(dout)` returns dL/dx, fills `grads` in place, and never modifies `dout`;
- `params` and `grads` are dicts keyed in Keras's get_weights() order (Affine: W, b), shared
  with the model and the optimizer, so an in-place update of `params` trains the layer;
- `config()` is a JSON-able description (no arrays) and `from_config(config, params)` rebuilds
  the layer from it, which is what saving, loading and `astype` use.
"""
from .._checks import FLOAT_DTYPES, as_float_dtype


class Layer:
    def __init__(self, name=None):
        self.name = name or type(self).__name__
        self.params, self.grads = {}, {}

    param_keys = ()  # the keys of `params`, in Keras's get_weights() order
    input_shape = None  # the per-sample input shape the layer requires, when it fixes one

    def config(self):
        return {"kind": type(self).__name__}

    @classmethod
    def from_config(cls, config, params):
        """A fresh layer from `config()` and parameter arrays keyed like `params`."""
        del config, params  # a parameterless layer has no settings to restore
        return cls()

    def astype(self, dtype):
        """A fresh layer of the same kind whose parameters are copies in float `dtype`."""
        dtype = as_float_dtype(dtype)
        return type(self).from_config(self.config(), {key: value.astype(dtype) for key, value in self.params.items()})

    def __repr__(self):
        shapes = ", ".join(f"{key}{tuple(value.shape)}" for key, value in self.params.items())
        return f"{self.name}({shapes})"


def same_dtype(params, where):
    """The one float dtype shared by a layer's parameters, refusing a mix."""
    dtypes = [value.dtype for value in params.values()]
    if len(set(dtypes)) != 1 or dtypes[0] not in FLOAT_DTYPES:
        raise TypeError(f"{where}: {' and '.join(params)} must share a float32/float64 dtype, "
                        f"got {' and '.join(map(str, dtypes))}")
    return dtypes[0]

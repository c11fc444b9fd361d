"""The layer contract every scratchnet layer follows (the deep-learning-from-scratch book's):

- `forward(x)` returns the output and keeps only what `backward` needs; a layer that behaves
  differently in training (Dropout, BatchNormalization: `training_aware = True`) takes
  `forward(x, training=False)`, inference by default as Keras's `call(x, training=None)`;
- `backward(dout)` returns dL/dx, fills `grads` in place, and never modifies `dout`;
- `params` and `grads` are dicts of the *trainable* arrays keyed in Keras's get_weights() order
  (Affine, Conv2D: W, b; BatchNormalization: gamma, beta), shared with the model and the
  optimizer, so an in-place update of `params` trains the layer;
- `state` holds the non-trainable weights (BatchNormalization's moving_mean, moving_variance):
  saved, loaded and listed by get_weights after the trainable ones, as Keras lists them, but
  never given to the optimizer. `weight_keys` = `param_keys + state_keys` is Keras's order
  (an instance may have fewer: Affine without a bias has W only; `weight_keys_of(config)` says
  which from a config);
- `trainable` (True unless set to False, as Keras's `layer.trainable = False`) freezes the
  layer: the model then keeps its params with the non-trainable weights, takes no gradient for
  them and gives them to no optimizer, and adds no L2 penalty for them (Keras regularizes
  trainable weights only); a frozen BatchNormalization normalises with its moving statistics
  in training too and leaves them alone, as Keras's;
- `config()` is a JSON-able description (no arrays) and `from_config(config, weights)` rebuilds
  the layer from it and arrays keyed by `weight_keys`, which is what saving, loading and
  `astype` use;
- the input is a float array, except for a layer with `takes_integers` (Embedding: integer ids),
  which only a model's first layer can be; a layer's weights fix the model's float dtype;
- `output_shape(input_shape)` is the per-sample output shape for a per-sample input shape
  (None entries: unknown), raising ValueError (naming what the layer expects) for an input it
  cannot take: the model checks a stack of layers with it when it is built;
- results are written into `self._buffer(name, shape, dtype)` (see scratchnet/_buffers.py):
  fresh arrays for a caller, arrays kept and reused between the training loop's steps.
"""
from .._buffers import BufferOwner
from .._checks import FLOAT_DTYPES, as_float_dtype


class Layer(BufferOwner):
    def __init__(self, name=None):
        self.name = name or type(self).__name__
        self.params, self.grads, self.state = {}, {}, {}

    param_keys = ()  # the keys of `params`, in Keras's get_weights() order
    state_keys = ()  # the keys of `state` (non-trainable weights), listed after the params
    weight_keys = ()  # param_keys + state_keys, set for every subclass below
    input_shape = None  # the per-sample input shape the layer requires, when it fixes one
    training_aware = False  # forward takes `training=`; True where training and inference differ
    shape_preserving = False  # output shape == input shape (elementwise layers, Dropout, BN)
    input_gradient_optional = False  # backward takes need_dx=False (the model's first layer)
    state_frozen = False  # set by Sequential.frozen_state(): training passes leave `state` alone
    trainable = True  # False freezes the layer (set it on the instance, as Keras's layer.trainable)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.weight_keys = tuple(cls.param_keys) + tuple(cls.state_keys)

    takes_integers = False  # the input is integer ids (Embedding): only a model's first layer

    @property
    def declared_input_shape(self):
        """The input shape this layer was told to take (Sequential refuses any other), or None;
        Affine derives `input_shape` from its kernel without declaring one."""
        return self.input_shape

    def output_shape(self, input_shape):
        return input_shape

    def _declare_input_shape(self, input_shape):
        """Set `input_shape` from the optional constructor argument, refusing one that
        `output_shape` says this layer cannot take (call it once the layer's settings are set)."""
        self.input_shape = declared_shape(input_shape, self.name)
        if self.input_shape is not None:
            try:
                self.output_shape(self.input_shape)
            except ValueError as err:
                raise ValueError(f"{self.name}: input_shape {self.input_shape} does not fit: it {err}") from None

    def switches(self):
        """What a tiny change of the input could flip since the last forward (ReLU's on/off
        mask, max pooling's chosen cell), or None: a difference quotient across a flip is not a
        derivative, so numerical gradient checks skip such nudges."""
        return None

    def config(self):
        return {"kind": type(self).__name__}

    def _config(self, **settings):
        """config() for a layer whose input shape is declared, not derived from its weights: its
        kind, its settings, and input_shape when one was given."""
        config = {"kind": type(self).__name__, **settings}
        if self.input_shape is not None:
            config["input_shape"] = list(self.input_shape)
        return config

    @classmethod
    def weight_keys_of(cls, config):
        """The weight keys of the layer `config` describes (the class's, unless an option drops one)."""
        del config
        return cls.weight_keys

    @classmethod
    def from_config(cls, config, weights):
        """A fresh layer from `config()` and arrays keyed like `weight_keys`."""
        del config, weights  # a parameterless layer has no settings to restore
        return cls()

    def astype(self, dtype):
        """A fresh layer of the same kind whose weights are copies in float `dtype`."""
        dtype = as_float_dtype(dtype)
        weights = {**self.params, **self.state}
        twin = type(self).from_config(self.config(), {key: value.astype(dtype) for key, value in weights.items()})
        twin.trainable = self.trainable
        return twin

    def __repr__(self):
        shapes = ", ".join(f"{key}{tuple(value.shape)}" for key, value in {**self.params, **self.state}.items())
        return f"{self.name}({shapes})"


def same_dtype(params, where):
    """The one float dtype shared by a layer's parameters, refusing a mix."""
    dtypes = [value.dtype for value in params.values()]
    if len(set(dtypes)) != 1 or dtypes[0] not in FLOAT_DTYPES:
        raise TypeError(f"{where}: {' and '.join(params)} must share a float32/float64 dtype, "
                        f"got {' and '.join(map(str, dtypes))}")
    return dtypes[0]


def declared_shape(input_shape, where):
    """A layer's optional `input_shape` argument as a tuple of positive ints (None stays None)."""
    if input_shape is None:
        return None
    try:
        shape = tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: input_shape must be a tuple of ints (without the batch axis), "
                        f"got {input_shape!r}") from None
    if not shape or any(n < 1 for n in shape):
        raise ValueError(f"{where}: input_shape must be positive sizes without the batch axis, got {input_shape!r}")
    return shape


def shape_text(shape):
    """(N, 28, 28, 1) for a per-sample shape (28, 28, 1); unknown sizes print as ?."""
    return "(N, " + ", ".join("?" if n is None else str(n) for n in shape) + ")"

"""Bidirectional: Keras's Bidirectional wrapper around two recurrent layers of one kind.

The forward layer and the backward layer (the same kind, settings and return_sequences, with
opposite go_backwards) read the same input; with return_sequences the backward layer's outputs
are flipped back to the input's time order; then the two are merged along the last axis:
"concat" (Keras's default: forward's units first), "sum", "ave" ((y + y_back) / 2) or "mul".
merge_mode=None outputs two arrays, which a Sequential model cannot pass on, and is refused.

Weights: the forward layer's, then the backward layer's (Keras's get_weights order), keyed
Wx, Wh, b and Wx_back, Wh_back, b_back; they are the sub-layers' own arrays, so an optimizer
updating `params` trains both. Each sub-layer keeps its own dropout seed and mask counter.
"""
import numpy as np

from .._checks import check_array, check_forward_done
from .base import Layer, declared_shape
from .recurrent import RECURRENT_LAYERS

MERGE_MODES = ("concat", "sum", "ave", "mul")
_BACK = "_back"
_KINDS = {layer.__name__: layer for layer in RECURRENT_LAYERS}


class Bidirectional(Layer):
    input_gradient_optional = True

    def __init__(self, forward_layer, backward_layer, merge_mode="concat", input_shape=None, name="Bidirectional"):
        super().__init__(name)
        if type(forward_layer) not in RECURRENT_LAYERS or type(backward_layer) is not type(forward_layer):
            raise TypeError(f"{name}: expected two recurrent layers of one kind (SimpleRNN, LSTM or GRU), got "
                            f"{type(forward_layer).__name__} and {type(backward_layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"{name}: merge_mode must be one of {', '.join(MERGE_MODES)}, got {merge_mode!r}"
                             + (" (None outputs two arrays, which a Sequential model cannot pass on)"
                                if merge_mode is None else ""))
        if forward_layer.go_backwards == backward_layer.go_backwards:
            raise ValueError(f"{name}: the forward and backward layers must have opposite go_backwards, both have "
                             f"{forward_layer.go_backwards}")
        if forward_layer.return_sequences != backward_layer.return_sequences:
            raise ValueError(f"{name}: the forward and backward layers must agree on return_sequences")
        if forward_layer.input_dim != backward_layer.input_dim:
            raise ValueError(f"{name}: the forward layer takes {forward_layer.input_dim} features, the backward "
                             f"layer {backward_layer.input_dim}")
        if merge_mode != "concat" and forward_layer.units != backward_layer.units:
            raise ValueError(f"{name}: merge_mode {merge_mode!r} needs equal units, got {forward_layer.units} and "
                             f"{backward_layer.units}")
        self.forward_layer, self.backward_layer, self.merge_mode = forward_layer, backward_layer, merge_mode
        self.params = {**forward_layer.params, **{key + _BACK: value for key, value in backward_layer.params.items()}}
        self.grads = {**forward_layer.grads, **{key + _BACK: value for key, value in backward_layer.grads.items()}}
        self.param_keys = self.weight_keys = tuple(self.params)
        self.training_aware = forward_layer.training_aware or backward_layer.training_aware
        self.input_shape = declared_shape(input_shape, name)
        if self.input_shape is not None:
            self.output_shape(self.input_shape)
        self.outputs = None

    @property
    def return_sequences(self):
        return self.forward_layer.return_sequences

    @property
    def state_frozen(self):
        return self.forward_layer.state_frozen

    @state_frozen.setter
    def state_frozen(self, frozen):  # Sequential.frozen_state() reaches the sub-layers through here
        self.forward_layer.state_frozen = self.backward_layer.state_frozen = frozen

    @property
    def input_dim(self):
        return self.forward_layer.input_dim

    @property
    def units(self):
        return self.forward_layer.units + (self.backward_layer.units if self.merge_mode == "concat" else 0)

    def output_shape(self, input_shape):
        shape = self.forward_layer.output_shape(input_shape)
        self.backward_layer.output_shape(input_shape)
        return (*shape[:-1], self.units)

    def forward(self, x, training=False):
        run = (lambda layer: layer.forward(x, training=training)) if self.training_aware else \
            (lambda layer: layer.forward(x))
        y, y_back = run(self.forward_layer), run(self.backward_layer)
        if self.return_sequences:
            y_back = y_back[:, ::-1]
        self.outputs = (y, y_back)
        if self.merge_mode == "concat":
            return np.concatenate([y, y_back], axis=-1)
        if self.merge_mode == "sum":
            return y + y_back
        if self.merge_mode == "ave":
            return (y + y_back) / 2
        return y * y_back

    def backward(self, dout, need_dx=True):
        check_forward_done(self.name, self.outputs)
        y, y_back = self.outputs
        check_array(dout, f"{self.name} backward", shape=(*y.shape[:-1], self.units), dtype=y.dtype)
        if self.merge_mode == "concat":
            dy, dy_back = dout[..., :y.shape[-1]], dout[..., y.shape[-1]:]
        elif self.merge_mode == "sum":
            dy = dy_back = dout
        elif self.merge_mode == "ave":
            dy = dy_back = dout / 2
        else:
            dy, dy_back = dout * y_back, dout * y
        if self.return_sequences:
            dy_back = dy_back[:, ::-1]
        dx = self.forward_layer.backward(np.ascontiguousarray(dy), need_dx=need_dx)
        dx_back = self.backward_layer.backward(np.ascontiguousarray(dy_back), need_dx=need_dx)
        return dx + dx_back if need_dx else None

    def config(self):
        return self._config(merge_mode=self.merge_mode, forward=self.forward_layer.config(),
                            backward=self.backward_layer.config())

    @classmethod
    def weight_keys_of(cls, config):
        forward, backward = config["forward"], config["backward"]
        return (*_KINDS[forward["kind"]].weight_keys_of(forward),
                *(key + _BACK for key in _KINDS[backward["kind"]].weight_keys_of(backward)))

    @classmethod
    def from_config(cls, config, weights):
        forward_kind, backward_kind = _KINDS[config["forward"]["kind"]], _KINDS[config["backward"]["kind"]]
        forward = forward_kind.from_config(config["forward"], {key: weights[key] for key in
                                                               forward_kind.weight_keys_of(config["forward"])})
        backward = backward_kind.from_config(config["backward"], {key: weights[key + _BACK] for key in
                                                                  backward_kind.weight_keys_of(config["backward"])})
        return cls(forward, backward, config.get("merge_mode", "concat"), input_shape=config.get("input_shape"))

    def astype(self, dtype):
        """A copy at the same point of both sub-layers' mask streams."""
        twin = super().astype(dtype)
        for mine, copied in ((self.forward_layer, twin.forward_layer), (self.backward_layer, twin.backward_layer)):
            copied.counter = mine.counter
        return twin

    def __repr__(self):
        return f"{self.name}({self.forward_layer!r}, {self.backward_layer!r}, merge_mode={self.merge_mode!r})"

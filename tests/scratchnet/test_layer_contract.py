"""The layer contract (scratchnet/layers/base.py), checked the same way for every kind in
scratchnet.layers.LAYERS, in tinygrad's `helper_test_op` style: one helper checks a layer on one
input (output shape and dtype, forward against the Keras layer computing the same function,
backward and every parameter gradient against Keras's autodiff with the same upstream gradient,
`dout` left unchanged, the `config()` round trip, `astype`), and each case is one row of CASES.
A new layer kind is covered by adding its row; a kind without a row fails
test_every_layer_kind_has_a_row.
"""
import json

import numpy as np
import pytest

import reference_keras as rk
from comparisons.core.tolerances import tolerance
from scratchnet.gradcheck import relative_error
from scratchnet.layers import (ELU, GELU, GRU, LAYERS, LSTM, SELU, Affine, AveragePooling1D, AveragePooling2D,
                               BatchNormalization, Bidirectional, Conv1D, Conv2D, Dropout, Embedding, Exponential,
                               Flatten, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                               GlobalMaxPooling2D, ZeroPadding2D, HardSigmoid, Identity, LeakyReLU,
                               MaxPooling1D, MaxPooling2D, Normalization, ReLU, Rescaling, Reshape, Resizing, Sigmoid,
                               SiLU, SimpleRNN, Softmax, Softplus, Softsign, Tanh)


def _normal(rng, shape, dtype, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(dtype)


def _with_zeros(rng, shape, dtype):
    """Values across the activations' range, every fifth one exactly 0 (ReLU's kink)."""
    x = _normal(rng, shape, dtype, 2.0)
    x.flat[::5] = 0.0
    return x


def _with_kinks(*kinks):
    """An input factory: values across [-8, 8] with every kink in `kinks` present exactly."""
    def make(rng, dtype):
        x = _normal(rng, (5, 6), dtype, 4.0)
        x.flat[:len(kinks)] = kinks
        return x
    return make


# (case, layer factory (rng, dtype) -> layer, input factory (rng, dtype) -> x, modes: training=...)
CASES = [
    ("Affine", lambda r, dt: Affine(_normal(r, (4, 3), dt), _normal(r, (3,), dt)),
     lambda r, dt: _normal(r, (5, 4), dt), (False,)),
    ("Affine square, batch = width", lambda r, dt: Affine(_normal(r, (4, 4), dt), _normal(r, (4,), dt)),
     lambda r, dt: _normal(r, (4, 4), dt), (False,)),
    ("ReLU", lambda r, dt: ReLU(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Affine without bias", lambda r, dt: Affine(_normal(r, (4, 3), dt), None),
     lambda r, dt: _normal(r, (5, 4), dt), (False,)),
    ("ReLU max_value 6 (relu6)", lambda r, dt: ReLU(max_value=6.0), _with_kinks(0.0, 6.0), (False,)),
    ("ReLU negative_slope, threshold, max_value", lambda r, dt: ReLU(max_value=5.0, negative_slope=0.25, threshold=0.5),
     _with_kinks(0.5, 5.0), (False,)),
    ("LeakyReLU", lambda r, dt: LeakyReLU(0.2), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("ELU", lambda r, dt: ELU(0.7), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("SELU", lambda r, dt: SELU(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("GELU", lambda r, dt: GELU(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("GELU tanh form", lambda r, dt: GELU(approximate=True), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("SiLU", lambda r, dt: SiLU(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Softplus", lambda r, dt: Softplus(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Softsign", lambda r, dt: Softsign(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("HardSigmoid", lambda r, dt: HardSigmoid(), _with_kinks(-3.0, 3.0), (False,)),
    ("Exponential", lambda r, dt: Exponential(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Softmax", lambda r, dt: Softmax(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Sigmoid", lambda r, dt: Sigmoid(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Sigmoid saturated", lambda r, dt: Sigmoid(), lambda r, dt: np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]], dt),
     (False,)),
    ("Tanh", lambda r, dt: Tanh(), lambda r, dt: _with_zeros(r, (5, 6), dt), (False,)),
    ("Identity", lambda r, dt: Identity(), lambda r, dt: _normal(r, (5, 6), dt), (False,)),
    ("Conv2D", lambda r, dt: Conv2D(_normal(r, (3, 3, 2, 4), dt, 0.3), _normal(r, (4,), dt), input_shape=(7, 6, 2)),
     lambda r, dt: _normal(r, (3, 7, 6, 2), dt), (False,)),
    ("Conv2D strided, same", lambda r, dt: Conv2D(_normal(r, (3, 2, 2, 3), dt, 0.3), _normal(r, (3,), dt), strides=2,
                                                  padding="same", input_shape=(7, 6, 2)),
     lambda r, dt: _normal(r, (2, 7, 6, 2), dt), (False,)),
    ("MaxPooling2D", lambda r, dt: MaxPooling2D(2), lambda r, dt: _normal(r, (3, 6, 6, 2), dt), (False,)),
    ("MaxPooling2D 3x3 stride 2, same", lambda r, dt: MaxPooling2D(3, strides=2, padding="same"),
     lambda r, dt: _normal(r, (2, 7, 5, 3), dt), (False,)),
    ("AveragePooling2D", lambda r, dt: AveragePooling2D(2), lambda r, dt: _normal(r, (3, 6, 4, 2), dt), (False,)),
    ("Flatten", lambda r, dt: Flatten(), lambda r, dt: _normal(r, (3, 4, 5, 2), dt), (False,)),
    ("Reshape", lambda r, dt: Reshape((3, -1)), lambda r, dt: _normal(r, (5, 6), dt), (False,)),
    ("Rescaling", lambda r, dt: Rescaling(1 / 255, offset=-0.5), lambda r, dt: _normal(r, (5, 6), dt, 100.0), (False,)),
    ("Normalization", lambda r, dt: Normalization(_normal(r, (4,), dt), 0.5 + r.random(4), input_shape=(4,)),
     lambda r, dt: _normal(r, (5, 4), dt, 3.0), (False,)),
    ("Resizing nearest", lambda r, dt: Resizing(5, 3), lambda r, dt: _normal(r, (2, 4, 7, 2), dt), (False,)),
    ("Dropout", lambda r, dt: Dropout(0.3, seed=3), lambda r, dt: _normal(r, (6, 5), dt), (False, True)),
    ("BatchNormalization", lambda r, dt: BatchNormalization(1.0 + _normal(r, (5,), dt, 0.2), _normal(r, (5,), dt, 0.5),
                                                            input_shape=(5,)),
     lambda r, dt: _normal(r, (6, 5), dt, 3.0), (False, True)),
    ("Embedding (ids repeat)", lambda r, dt: Embedding(_normal(r, (7, 3), dt)), lambda r, dt: r.integers(0, 7, (4, 5)),
     (False,)),
    ("SimpleRNN", lambda r, dt: SimpleRNN.initialize(3, 4, r, dt), lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("SimpleRNN relu, sequences", lambda r, dt: SimpleRNN.initialize(3, 4, r, dt, activation="relu",
                                                                     return_sequences=True),
     lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("LSTM", lambda r, dt: LSTM.initialize(3, 4, r, dt), lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("LSTM backwards, no bias, sequences", lambda r, dt: LSTM.initialize(3, 4, r, dt, use_bias=False, go_backwards=True,
                                                                         return_sequences=True),
     lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("LSTM with both dropouts", lambda r, dt: LSTM.initialize(3, 4, r, dt, dropout=0.3, recurrent_dropout=0.2,
                                                              seed=5),
     lambda r, dt: _normal(r, (3, 5, 3), dt), (False, True)),
    ("GRU", lambda r, dt: GRU.initialize(3, 4, r, dt), lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("GRU reset_after=False", lambda r, dt: GRU.initialize(3, 4, r, dt, reset_after=False),
     lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("Bidirectional GRU, sum", lambda r, dt: Bidirectional(GRU.initialize(3, 4, r, dt),
                                                           GRU.initialize(3, 4, r, dt, go_backwards=True), "sum"),
     lambda r, dt: _normal(r, (3, 5, 3), dt), (False,)),
    ("Conv1D", lambda r, dt: Conv1D(_normal(r, (3, 2, 4), dt, 0.3), _normal(r, (4,), dt), input_shape=(7, 2)),
     lambda r, dt: _normal(r, (3, 7, 2), dt), (False,)),
    ("Conv1D strided, same", lambda r, dt: Conv1D(_normal(r, (2, 2, 3), dt, 0.3), _normal(r, (3,), dt), strides=2,
                                                  padding="same", input_shape=(7, 2)),
     lambda r, dt: _normal(r, (2, 7, 2), dt), (False,)),
    ("MaxPooling1D", lambda r, dt: MaxPooling1D(2), lambda r, dt: _normal(r, (3, 6, 2), dt), (False,)),
    ("AveragePooling1D 3 stride 2, same", lambda r, dt: AveragePooling1D(3, strides=2, padding="same"),
     lambda r, dt: _normal(r, (2, 7, 3), dt), (False,)),
    ("GlobalAveragePooling1D", lambda r, dt: GlobalAveragePooling1D(), lambda r, dt: _normal(r, (3, 5, 2), dt),
     (False,)),
    ("GlobalMaxPooling1D", lambda r, dt: GlobalMaxPooling1D(), lambda r, dt: _normal(r, (3, 5, 2), dt), (False,)),
    ("GlobalAveragePooling2D", lambda r, dt: GlobalAveragePooling2D(), lambda r, dt: _normal(r, (3, 5, 4, 2), dt),
     (False,)),
    ("GlobalMaxPooling2D", lambda r, dt: GlobalMaxPooling2D(), lambda r, dt: _normal(r, (3, 4, 5, 2), dt), (False,)),
    ("ZeroPadding2D ((1, 0), (2, 3))", lambda r, dt: ZeroPadding2D(((1, 0), (2, 3))),
     lambda r, dt: _normal(r, (2, 3, 4, 2), dt), (False,)),
    ("Conv2D dilated, no bias", lambda r, dt: Conv2D(_normal(r, (2, 3, 2, 3), dt, 0.3), None, padding="same",
                                                     dilation_rate=(2, 1), input_shape=(5, 6, 2)),
     lambda r, dt: _normal(r, (2, 5, 6, 2), dt), (False,)),
]


def assert_layer_contract(make_layer, make_x, dtype, training=False, seed=0):
    """One layer on one input against Keras: shape, dtype, forward, backward (dx and every
    parameter gradient), dout untouched, the config round trip and astype."""
    rng = np.random.default_rng(seed)
    layer, x = make_layer(rng, dtype), make_x(rng, dtype)
    keras_layer = rk.keras_layer(layer, dtype)
    call = (lambda layer_, x_: layer_.forward(x_, training=training)) if layer.training_aware else \
        (lambda layer_, x_: layer_.forward(x_))
    y = call(layer, x.copy())
    assert y.shape == (x.shape[0], *layer.output_shape(x.shape[1:])) and y.dtype == np.dtype(dtype)
    dout = _normal(rng, y.shape, dtype)
    keras_y, keras_dx, keras_grads = rk.layer_vjp(keras_layer, x, dout, training=training)
    assert relative_error(y, keras_y) <= tolerance(dtype, "forward"), "forward"
    dout_given = dout.copy()
    if layer.takes_integers:  # integer ids (Embedding) have no gradient, on either side
        assert layer.backward(dout_given, need_dx=False) is None and keras_dx is None
    else:
        dx = layer.backward(dout_given)
        assert dx.shape == x.shape and dx.dtype == np.dtype(dtype)
        assert relative_error(dx, keras_dx) <= tolerance(dtype, "gradient"), "dx"
    assert np.array_equal(dout_given, dout), "backward wrote into dout"
    assert list(layer.grads) == list(layer.param_keys) and len(keras_grads) == len(layer.param_keys)
    for key, theirs in zip(layer.param_keys, keras_grads):
        ours = layer.grads[key]
        assert ours.shape == layer.params[key].shape and ours.dtype == np.dtype(dtype), key
        assert relative_error(ours, theirs) <= tolerance(dtype, "gradient"), key

    # config(): JSON-able, and with the weights it rebuilds the same layer
    config = json.loads(json.dumps(layer.config()))
    weights = {key: value.copy() for key, value in {**layer.params, **layer.state}.items()}
    clone = type(layer).from_config(config, weights)
    assert clone.config() == layer.config() and list(clone.weight_keys) == list(layer.weight_keys)
    inference = (lambda layer_, x_: layer_.forward(x_, training=False)) if layer.training_aware else call
    assert np.array_equal(inference(clone, x.copy()), inference(layer, x.copy()))

    # astype: the same layer in the other float type
    other = "float32" if np.dtype(dtype) == np.float64 else "float64"
    twin = layer.astype(other)
    assert type(twin) is type(layer) and all(value.dtype == np.dtype(other)
                                             for value in {**twin.params, **twin.state}.values())
    out = inference(twin, x if layer.takes_integers else x.astype(other))
    assert out.dtype == np.dtype(other)
    assert relative_error(out, inference(layer, x.copy())) <= tolerance("float32", "forward")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case,make_layer,make_x,modes", CASES, ids=[case[0] for case in CASES])
def test_layer_contract(case, make_layer, make_x, modes, dtype):
    for training in modes:
        assert_layer_contract(make_layer, make_x, dtype, training=training)


def test_every_layer_kind_has_a_row():
    covered = {type(make_layer(np.random.default_rng(0), "float64")).__name__ for _, make_layer, _, _ in CASES}
    assert set(LAYERS) <= covered, f"no row in CASES for {sorted(set(LAYERS) - covered)}"

"""Sequence layers (Embedding, SimpleRNN, LSTM, GRU, Bidirectional, Affine on sequences, Conv1D and
the 1-D poolings) on scratchnet's side alone: backprop
through time against central differences, the Embedding gradient, Keras's initial weights,
config/save/load/astype round trips, integer inputs in Sequential, and clear errors."""
import numpy as np
import pytest

import scratchnet
from scratchnet.gradcheck import relative_error
from scratchnet.layers import (GRU, LSTM, Affine, AveragePooling1D, Bidirectional, Conv1D, Embedding, Flatten,
                               GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, SimpleRNN)
from scratchnet.losses import MeanSquaredError, SoftmaxCrossEntropy

RECURRENT = {"SimpleRNN": (SimpleRNN, {}), "SimpleRNN relu sequences": (SimpleRNN, {"activation": "relu",
                                                                                      "return_sequences": True}),
             "LSTM": (LSTM, {}), "LSTM backwards, no bias": (LSTM, {"go_backwards": True, "use_bias": False}),
             "GRU": (GRU, {}), "GRU reset_after=False backwards": (GRU, {"reset_after": False, "go_backwards": True}),
             "GRU sigmoid/linear sequences": (GRU, {"activation": "sigmoid", "recurrent_activation": "linear",
                                                    "return_sequences": True})}


def _central_differences(f, array, h=1e-6):
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        keep = array[i]
        array[i] = keep + h
        plus = f()
        array[i] = keep - h
        minus = f()
        array[i] = keep
        grad[i] = (plus - minus) / (2 * h)
    return grad


def assert_backprop_matches_central_differences(layer, x, rng):
    """dL/d(every parameter) and dL/dx of L = sum(out * weights) by backward, against float64
    central differences (h = 1e-6: within ~1e-8 relative of the derivative); returns the grads."""
    weights = rng.normal(size=layer.forward(x).shape)
    loss = lambda: float(np.sum(layer.forward(x) * weights))  # noqa: E731
    loss()
    dx = layer.backward(weights)
    grads = {key: value.copy() for key, value in layer.grads.items()}
    for key, value in layer.params.items():
        assert relative_error(grads[key], _central_differences(loss, value)) < 1e-7, key
    assert relative_error(dx, _central_differences(loss, x)) < 1e-7
    return grads


def _redrawn(layer, rng):
    for value in layer.params.values():
        value[...] = rng.normal(size=value.shape) * 0.6
    return layer


@pytest.mark.parametrize("case", RECURRENT)
def test_backprop_through_time_matches_central_differences(case):
    cls, options = RECURRENT[case]
    rng = np.random.default_rng(0)
    layer = _redrawn(cls.initialize(3, 4, rng, np.float64, **options), rng)
    assert_backprop_matches_central_differences(layer, rng.normal(size=(2, 5, 3)), rng)


def _bidirectional(cls, merge_mode, return_sequences, rng, dtype=np.float64, input_shape=None, **options):
    forward = cls.initialize(3, 4, rng, dtype, return_sequences=return_sequences, **options)
    backward = cls.initialize(3, 4, rng, dtype, return_sequences=return_sequences, go_backwards=True, **options)
    return Bidirectional(forward, backward, merge_mode, input_shape=input_shape)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "ave", "mul"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_backprop_matches_central_differences(merge_mode, return_sequences):
    rng = np.random.default_rng(1)
    layer = _redrawn(_bidirectional(GRU, merge_mode, return_sequences, rng, reset_after=False), rng)
    grads = assert_backprop_matches_central_differences(layer, rng.normal(size=(2, 4, 3)), rng)
    assert list(grads) == ["Wx", "Wh", "b", "Wx_back", "Wh_back", "b_back"]


def test_bidirectional_round_trips_and_refuses_what_keras_refuses(tmp_path):
    rng = np.random.default_rng(2)
    layer = _bidirectional(LSTM, "concat", True, rng, input_shape=(5, 3), dropout=0.2, seed=3)
    model = scratchnet.Sequential([layer, Flatten(), Affine(np.ones((5 * 8, 2)), np.zeros(2))], SoftmaxCrossEntropy())
    x = rng.normal(size=(2, 5, 3))
    model.backprop(x, np.array([0, 1]))
    assert list(model.params)[:6] == ["Wx1", "Wh1", "b1", "Wx_back1", "Wh_back1", "b_back1"]
    model.save(tmp_path / "bi")
    loaded = scratchnet.load_model(tmp_path / "bi")
    assert loaded.config() == model.config() and repr(loaded) == repr(model)
    copy = model.astype(np.float64)
    assert (copy.layers[0].forward_layer.counter, copy.layers[0].backward_layer.counter) == (1, 1)
    with model.frozen_state():
        model.loss(x, np.array([0, 1]))
        assert layer.forward_layer.counter == layer.backward_layer.counter == 1
    forward = SimpleRNN.initialize(3, 2, rng)
    with pytest.raises(ValueError, match="opposite go_backwards"):
        Bidirectional(forward, SimpleRNN.initialize(3, 2, rng))
    with pytest.raises(ValueError, match="None outputs two arrays"):
        Bidirectional(forward, SimpleRNN.initialize(3, 2, rng, go_backwards=True), None)
    with pytest.raises(TypeError, match="two recurrent layers of one kind"):
        Bidirectional(forward, GRU.initialize(3, 2, rng, go_backwards=True))


ONE_D = {"Conv1D valid": lambda rng: Conv1D(rng.normal(size=(3, 2, 4)), rng.normal(size=4)),
         "Conv1D same strides 2": lambda rng: Conv1D(rng.normal(size=(2, 2, 3)), rng.normal(size=3), 2, "same"),
         "MaxPooling1D": lambda rng: MaxPooling1D(2),
         "AveragePooling1D same strides 1": lambda rng: AveragePooling1D(3, 1, "same"),
         "GlobalAveragePooling1D": lambda rng: GlobalAveragePooling1D(),
         "GlobalMaxPooling1D": lambda rng: GlobalMaxPooling1D()}


@pytest.mark.parametrize("case", ONE_D)
def test_1d_layers_backprop_matches_central_differences(case):
    rng = np.random.default_rng(6)
    layer = ONE_D[case](rng)
    assert_backprop_matches_central_differences(layer, rng.normal(size=(2, 7, 2)), rng)  # no ties within h
    assert type(layer).from_config(layer.config(), layer.params).config() == layer.config()


def test_1d_layers_are_the_2d_layers_on_one_row():
    rng = np.random.default_rng(7)
    conv = Conv1D(rng.normal(size=(3, 2, 4)), np.zeros(4), padding="same", input_shape=(6, 2))
    model = scratchnet.Sequential([conv, MaxPooling1D(2), GlobalMaxPooling1D(), Affine(np.ones((4, 2)), np.zeros(2))],
                                  SoftmaxCrossEntropy())
    assert model.input_shape == (6, 2) and conv.output_shape((6, 2)) == (6, 4)
    conv.params["W"] *= 2  # in place: the convolution uses it
    x = rng.normal(size=(1, 6, 2))
    np.testing.assert_allclose(conv.forward(x), conv.image.forward(x[:, np.newaxis])[:, 0], rtol=1e-15)
    with pytest.raises(ValueError, match=r"MaxPooling1D1 expects sequences \(N, T, C\)"):
        scratchnet.Sequential([Affine(np.ones((2, 3)), np.zeros(3)), MaxPooling1D(2)])
    with pytest.raises(ValueError, match="pool_size must be a positive integer"):
        MaxPooling1D(0)
    ties = np.array([[[1.0], [3.0], [3.0]]])
    layer = GlobalMaxPooling1D()
    layer.forward(ties)
    np.testing.assert_array_equal(layer.backward(np.array([[1.0]])), [[[0.0], [0.5], [0.5]]])


def test_embedding_gradient_sums_each_ids_rows_and_has_no_input_gradient():
    W = np.arange(12.0).reshape(6, 2)
    layer = Embedding(W)
    ids = np.array([[1, 4, 1], [0, 1, 5]])
    np.testing.assert_array_equal(layer.forward(ids), W[ids])
    dout = np.random.default_rng(1).normal(size=(2, 3, 2))
    assert layer.backward(dout, need_dx=False) is None
    expected = np.zeros_like(W)
    np.add.at(expected, ids, dout)
    np.testing.assert_allclose(layer.grads["W"], expected, rtol=1e-15)
    assert not layer.grads["W"][[2, 3]].any()  # ids not in the batch: zero rows
    with pytest.raises(TypeError, match="integer ids, which have no gradient"):
        layer.backward(dout)
    with pytest.raises(TypeError, match="integer ids"):
        layer.forward(ids.astype(np.float64))
    with pytest.raises(ValueError, match=r"\[0, 6\).*from -1 to 4"):
        layer.forward(ids - 1)


def test_initialize_draws_keras_default_weights():
    rng = np.random.default_rng(2)
    lstm = LSTM.initialize(3, 5, rng, np.float64)
    Wh = lstm.params["Wh"]
    np.testing.assert_allclose(Wh @ Wh.T, np.eye(5), atol=1e-14)  # orthogonal (u, 4u): orthonormal rows
    assert np.abs(lstm.params["Wx"]).max() <= np.sqrt(6 / (3 + 20))  # Glorot-uniform limit
    np.testing.assert_array_equal(lstm.params["b"], np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    assert not LSTM.initialize(3, 5, rng, unit_forget_bias=False).params["b"].any()
    assert GRU.initialize(3, 5, rng).params["b"].shape == (2, 15)
    assert GRU.initialize(3, 5, rng, reset_after=False).params["b"].shape == (15,)
    assert "b" not in SimpleRNN.initialize(3, 5, rng, use_bias=False).params
    embedding = Embedding.initialize(50, 8, rng, np.float32)
    assert embedding.params["W"].dtype == np.float32 and np.abs(embedding.params["W"]).max() <= 0.05


def _sequence_model(dtype=np.float64):
    rng = np.random.default_rng(3)
    layers = [Embedding.initialize(10, 4, rng, dtype, input_shape=(6,)),
              LSTM.initialize(4, 5, rng, dtype, return_sequences=True, dropout=0.2, recurrent_dropout=0.3, seed=9),
              GRU.initialize(5, 3, rng, dtype, reset_after=False, go_backwards=True, use_bias=False,
                             return_sequences=True),
              Affine(rng.normal(size=(3, 2)).astype(dtype), np.zeros(2, dtype)), Flatten(),
              Affine(rng.normal(size=(12, 3)).astype(dtype), np.zeros(3, dtype))]
    return scratchnet.Sequential(layers, SoftmaxCrossEntropy(), dtype=dtype)


def test_save_load_config_and_astype_round_trip(tmp_path):
    model = _sequence_model()
    ids, t = np.random.default_rng(4).integers(0, 10, (5, 6)), np.arange(5) % 3
    model.backprop(ids, t)
    assert list(model.params) == ["W1", "Wx1", "Wh1", "b1", "Wx2", "Wh2", "W2", "b2", "W3", "b3"]
    model.save(tmp_path / "sequence")
    loaded = scratchnet.load_model(tmp_path / "sequence")
    assert loaded.config() == model.config() and repr(loaded) == repr(model)
    np.testing.assert_array_equal(loaded.predict(ids), scratchnet.load_model(tmp_path / "sequence").predict(ids))
    assert loaded.layers[1].counter == 8 and model.layers[1].counter == 8  # one inference call: 4 + 4 masks drawn
    copy = model.astype(np.float32)
    assert copy.layers[1].counter == model.layers[1].counter and copy.dtype == np.float32
    assert relative_error(copy.predict(ids), model.predict(ids)) < 1e-5
    other = _sequence_model()
    other.load(tmp_path / "sequence")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_affine_acts_on_the_last_axis_of_a_sequence():
    rng = np.random.default_rng(5)
    layer = Affine(rng.normal(size=(3, 2)), rng.normal(size=2), input_shape=(4, 3))
    x, dout = rng.normal(size=(5, 4, 3)), rng.normal(size=(5, 4, 2))
    np.testing.assert_allclose(layer.forward(x), np.einsum("ntd,dk->ntk", x, layer.params["W"]) + layer.params["b"],
                               rtol=1e-14)
    np.testing.assert_allclose(layer.backward(dout), dout @ layer.params["W"].T, rtol=1e-14)
    np.testing.assert_allclose(layer.grads["W"], np.einsum("ntd,ntk->dk", x, dout), rtol=1e-13)
    np.testing.assert_allclose(layer.grads["b"], dout.sum(axis=(0, 1)), rtol=1e-13)
    model = scratchnet.Sequential([layer, Flatten(), Affine(np.ones((8, 2)), np.zeros(2))], MeanSquaredError())
    assert model.input_shape == (4, 3) and model.config()["layers"][0]["input_shape"] == [4, 3]
    with pytest.raises(ValueError, match="input_shape \\(4, 2\\) does not fit: it expects 3 inputs"):
        Affine(np.ones((3, 2)), np.zeros(2), input_shape=(4, 2))


BAD = {
    "return_state": (lambda: LSTM.initialize(2, 3, np.random.default_rng(0), return_state=True),
                     ValueError, "return_state=True .* Sequential"),
    "unknown activation": (lambda: GRU.initialize(2, 3, np.random.default_rng(0), activation="hard_sigmoid"),
                           ValueError, "unknown activation 'hard_sigmoid'"),
    "dropout 1": (lambda: SimpleRNN.initialize(2, 3, np.random.default_rng(0), dropout=1.0),
                  ValueError, r"dropout must be a number in \[0, 1\)"),
    "Wh not (u, 4u)": (lambda: LSTM(np.ones((2, 12)), np.ones((3, 9)), np.zeros(12)), ValueError,
                       r"Wh must be \(units, 4 \* units\)"),
    "GRU bias of the other reset_after": (lambda: GRU(np.ones((2, 9)), np.ones((3, 9)), np.zeros(9)), ValueError,
                                          r"b: expected shape \(2, 9\)"),
    "mixed dtypes": (lambda: SimpleRNN(np.ones((2, 3)), np.ones((3, 3), np.float32), None), TypeError,
                     "must share a float32/float64 dtype"),
    "Embedding not first": (lambda: scratchnet.Sequential([Affine(np.ones((2, 2)), np.zeros(2)),
                                                           Embedding(np.ones((3, 2)))]), ValueError,
                            "Embedding1 takes integer ids, so it can only be the first layer"),
    "a 2-D input to a recurrent layer": (lambda: scratchnet.Sequential([
        Affine(np.ones((2, 3)), np.zeros(3)), LSTM.initialize(3, 2, np.random.default_rng(0), np.float64)]), ValueError,
        r"Affine1 outputs 3 units but LSTM1 expects sequences \(N, T, 3\)"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_settings_are_refused_clearly(case):
    build, error, message = BAD[case]
    with pytest.raises(error, match=message):
        build()


def test_bad_inputs_are_refused_naming_the_layer():
    layer = GRU.initialize(3, 2, np.random.default_rng(0), np.float64)
    with pytest.raises(ValueError, match=r"GRU input \(N, T, 3\): expected shape \(N, N, 3\), got \(2, 4, 5\)"):
        layer.forward(np.ones((2, 4, 5)))
    with pytest.raises(TypeError, match="expected dtype float64, got float32"):
        layer.forward(np.ones((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match="at least one time step"):
        layer.forward(np.ones((2, 0, 3)))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((2, 2)))
    layer.forward(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match=r"GRU backward: expected shape \(2, 2\)"):
        layer.backward(np.ones((2, 4, 2)))


def test_numerical_gradients_nudge_weights_whatever_their_memory_order():
    """A Fortran-ordered weight (a transposed QR factor, as Orthogonal once returned) is nudged in
    place: its central differences match backprop, not zeros from a nudged copy."""
    from scratchnet.gradcheck import sampled_numerical_gradient
    rng = np.random.default_rng(3)
    drawn = LSTM.initialize(3, 4, rng, np.float64)
    assert drawn.params["Wh"].flags.c_contiguous  # Orthogonal gives C order
    layer = LSTM(drawn.params["Wx"], np.asfortranarray(drawn.params["Wh"]), drawn.params["b"])
    assert not layer.params["Wh"].flags.c_contiguous
    model = scratchnet.Sequential([layer, Affine(rng.normal(size=(4, 2)), np.zeros(2))], SoftmaxCrossEntropy())
    x, t = rng.normal(size=(5, 6, 3)), rng.integers(0, 2, 5)
    grads = model.gradient(x, t)
    idx, values, _ = sampled_numerical_gradient(model, x, t, 6, keys=["Wh1"])["Wh1"]
    np.testing.assert_allclose(values, grads["Wh1"].reshape(-1)[idx], rtol=1e-6, atol=1e-10)

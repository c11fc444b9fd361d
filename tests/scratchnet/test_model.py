"""The Sequential model: the course networks with given weights, whole-model gradient checks,
the weights/save/load API, float32 end to end, evaluation, and the weight initializers."""
import numpy as np
import pytest

import scratchnet
from scratchnet import functions, initializers
from scratchnet.gradcheck import gradient_check
from scratchnet.layers import Affine, Identity, ReLU, Sigmoid
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

# seed 001 exercise 2-4 / seed 000's weights
W1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]
B1 = [0.1, 0.2, 0.3]
W2 = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]
B2 = [0.1, 0.2]
W3 = [[0.1, 0.3], [0.2, 0.4]]
B3 = [0.1, 0.2]


def course_affines():
    return [Affine(np.array(w), np.array(b)) for w, b in ((W1, B1), (W2, B2), (W3, B3))]


# -- course networks ---------------------------------------------------------------------------

def test_mlp_3layer_course_example():
    a1, a2, a3 = course_affines()
    model = scratchnet.Sequential([a1, ReLU(), a2, ReLU(), a3, ReLU()], SoftmaxCrossEntropy())
    x = np.array([[1.0, 0.5], [-0.3, -0.2], [0.0, 0.8], [0.3, -0.4]])
    y = model.predict(x)
    assert y.shape == (4, 2) and y.dtype == np.float64
    # seed 001 prints these; every one is an exact short decimal (e.g. row 1: hidden
    # [0.3, 0.7, 1.1] -> [0.6, 1.33] -> [0.06 + 0.266 + 0.1, 0.18 + 0.532 + 0.2]), so only float64
    # round-off separates the two.
    expected = [[0.426, 0.912], [0.1608, 0.3334], [0.3528, 0.752], [0.2016, 0.4226]]
    np.testing.assert_allclose(y, expected, rtol=1e-14, atol=0)
    # hand-derived float64 reference
    h = np.maximum(x @ np.array(W1) + B1, 0)
    h = np.maximum(h @ np.array(W2) + B2, 0)
    np.testing.assert_allclose(y, np.maximum(h @ np.array(W3) + B3, 0), rtol=1e-15, atol=0)
    # exercise 2-5: with softmax on the last layer every row sums to 1
    p = functions.softmax(y)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(p, np.exp(y) / np.exp(y).sum(axis=1, keepdims=True), rtol=1e-15)


def test_three_layer_sigmoid_network_course_example():
    a1, a2, a3 = course_affines()
    model = scratchnet.Sequential([a1, Sigmoid(), a2, Sigmoid(), a3, Identity()], MeanSquaredError())
    x = np.array([[1.0, 0.5]])
    # intermediate values, layer by layer (the course calls the pre-activations A, the outputs Z)
    A1 = model.layers[0].forward(x)
    Z1 = model.layers[1].forward(A1)
    A2 = model.layers[2].forward(Z1)
    Z2 = model.layers[3].forward(A2)
    sig = lambda a: 1.0 / (1.0 + np.exp(-a))  # noqa: E731
    hand_A1 = 1.0 * np.array(W1[0]) + 0.5 * np.array(W1[1]) + B1
    hand_A2 = sig(hand_A1) @ np.array(W2) + B2
    hand_Y = sig(hand_A2) @ np.array(W3) + B3
    for got, hand, printed in ((A1, hand_A1, [0.3, 0.7, 1.1]),
                               (Z1, sig(hand_A1), [0.57444252, 0.66818777, 0.75026011]),
                               (A2, hand_A2, [0.51615984, 1.21402696]),
                               (Z2, sig(hand_A2), [0.62624937, 0.7710107])):
        np.testing.assert_allclose(got[0], hand, rtol=1e-14, atol=0)
        np.testing.assert_allclose(got[0], printed, rtol=0, atol=5e-9)
    y = model.predict(x)
    assert y.shape == (1, 2) and y.dtype == np.float64
    np.testing.assert_allclose(y[0], hand_Y, rtol=1e-14, atol=0)
    np.testing.assert_allclose(y[0], [0.31682708, 0.69627909], rtol=0, atol=5e-9)
    p = functions.softmax(y[0])
    np.testing.assert_allclose(p, [0.40625907, 0.59374093], rtol=0, atol=5e-9)
    np.testing.assert_allclose(p, np.exp(hand_Y) / np.exp(hand_Y).sum(), rtol=1e-14)


# -- whole-model gradient check ------------------------------------------------------------------

def _targets(loss, rng, n, k):
    if loss == "softmax_cross_entropy":
        return rng.integers(0, k, size=n)
    if loss == "sigmoid_binary_cross_entropy":
        return rng.integers(0, 2, size=(n, k)).astype(np.float64)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "mean_squared_error"])
@pytest.mark.parametrize("sizes, l2", [([4, 5, 3], 0.0), ([3, 6, 4, 2], 0.01)])
def test_gradient_check_every_activation_and_loss(activation, loss, sizes, l2):
    rng = np.random.default_rng(len(sizes))
    model = scratchnet.mlp(sizes, activation=activation, loss=loss, seed=11, l2=l2,
                           weight_init="he_normal", dtype=np.float64)
    for key in model.params:
        if key.startswith("b"):  # non-zero biases so their gradient is exercised too
            model.params[key][...] = rng.normal(scale=0.5, size=model.params[key].shape)
    x = rng.normal(size=(6, sizes[0]))
    t = _targets(loss, rng, 6, sizes[-1])
    report = gradient_check(model, x, t)
    assert set(report) == set(model.params)
    for key, err in report.items():
        assert err < 1e-7, (key, err)


def test_gradient_check_detects_a_wrong_gradient():
    # the check itself is not vacuous: a backward that forgets the bias gradient is caught
    model = scratchnet.mlp([3, 4, 2], seed=0, weight_init="he_normal", dtype=np.float64)
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    last = model.layers[-1]
    original = last.backward

    def forgetful_backward(dout, need_dx=True):
        dx = original(dout, need_dx)
        last.grads["b"].fill(0.0)
        return dx

    last.backward = forgetful_backward
    report = gradient_check(model, x, t)
    assert report["b2"] > 0.5
    assert report["W1"] < 1e-7


# -- weights ---------------------------------------------------------------------------------

def _model(seed=0, dtype=np.float64, **kw):
    return scratchnet.mlp([3, 4, 2], seed=seed, dtype=dtype, **{"weight_init": "he_normal", **kw})


def test_params_are_the_layers_arrays_in_keras_order():
    model = _model()
    affines = [layer for layer in model.layers if isinstance(layer, Affine)]
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    assert list(model.grads) == ["W1", "b1", "W2", "b2"]
    assert model.params["W1"] is affines[0].params["W"] and model.params["b2"] is affines[1].params["b"]
    assert model.grads["W2"] is affines[1].grads["W"]
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(3, 4), (4,), (4, 2), (2,)]
    for w, key in zip(weights, ["W1", "b1", "W2", "b2"]):
        np.testing.assert_array_equal(w, model.params[key])
        assert w is not model.params[key]  # copies


def test_set_weights_copies_in_place():
    model = _model()
    before = {key: arr for key, arr in model.params.items()}
    layer_W1 = model.layers[0].params["W"]
    new = [np.full((3, 4), 1.5), np.arange(4.0), np.ones((4, 2)), np.array([-1.0, 2.0])]
    model.set_weights(new)
    for key, arr in model.params.items():
        assert arr is before[key]
    assert model.layers[0].params["W"] is layer_W1
    for got, want in zip(model.get_weights(), new):
        np.testing.assert_array_equal(got, want)
    new[0][0, 0] = 99.0  # the model holds copies, not the caller's arrays
    assert model.params["W1"][0, 0] == 1.5


def test_save_and_load_round_trip_bit_for_bit(tmp_path):
    source = _model(seed=1, l2=0.25)
    path = tmp_path / "model.npz"
    source.save(path)
    target = _model(seed=2, l2=0.25)
    target_arrays = dict(target.params)
    target.load(path)
    for key in source.params:
        assert target.params[key] is target_arrays[key]
        np.testing.assert_array_equal(target.params[key], source.params[key])
        assert target.params[key].tobytes() == source.params[key].tobytes()

    rebuilt = scratchnet.load_model(path)
    assert rebuilt.config() == source.config()
    assert rebuilt.dtype == source.dtype
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in source.layers]
    assert type(rebuilt.loss_layer) is type(source.loss_layer)
    for a, b in zip(rebuilt.get_weights(), source.get_weights()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    x = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(rebuilt.predict(x), source.predict(x))
    t = np.array([0, 1, 1, 0, 1])
    assert rebuilt.loss(x, t) == source.loss(x, t)  # the L2 penalty came back too


@pytest.mark.parametrize("activation, loss", [("sigmoid", "mean_squared_error"),
                                              ("tanh", "sigmoid_binary_cross_entropy")])
def test_load_model_rebuilds_float32_and_other_layers(tmp_path, activation, loss):
    source = scratchnet.mlp([2, 3, 3, 1], activation=activation, loss=loss, seed=5, dtype=np.float32,
                            weight_init="he_normal")
    source.save(tmp_path / "m.npz")
    rebuilt = scratchnet.load_model(tmp_path / "m.npz")
    assert rebuilt.dtype == np.float32
    assert [type(layer).__name__ for layer in rebuilt.layers] == [type(layer).__name__ for layer in source.layers]
    for a, b in zip(rebuilt.get_weights(), source.get_weights()):
        assert a.dtype == np.float32 and a.tobytes() == b.tobytes()


# -- float32 end to end ------------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "linear"])
@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "mean_squared_error"])
def test_float32_end_to_end(activation, loss):
    rng = np.random.default_rng(0)
    model = scratchnet.mlp([3, 5, 2], activation=activation, loss=loss, seed=0, dtype=np.float32,
                           l2=0.01, weight_init="he_normal")
    assert model.dtype == np.float32
    x = rng.normal(size=(4, 3)).astype(np.float32)
    t = _targets(loss, rng, 4, 2)
    if t.dtype == np.float64:
        t = t.astype(np.float32)
    y = model.predict(x)
    assert y.dtype == np.float32 and y.shape == (4, 2)
    grads = model.gradient(x, t)
    for key, g in grads.items():
        assert g.dtype == np.float32, key
    for layer in model.layers + [model.loss_layer]:  # every kept array: no silent float64 upcast
        for arr in vars(layer).values():
            if isinstance(arr, np.ndarray) and arr.dtype.kind == "f":
                assert arr.dtype == np.float32, (layer.name, arr.dtype)
    assert model.loss_layer.backward().dtype == np.float32
    # float32 agrees with the same model in float64 to float32 precision
    model64 = scratchnet.mlp([3, 5, 2], activation=activation, loss=loss, seed=0, l2=0.01,
                             weight_init="he_normal", dtype=np.float64)
    grads64 = model64.gradient(x.astype(np.float64), t.astype(np.float64) if t.dtype.kind == "f" else t)
    for key in grads:
        np.testing.assert_allclose(grads[key], grads64[key], rtol=1e-4, atol=1e-5)


# -- gradient, loss, accuracy, evaluate ----------------------------------------------------------

def test_gradient_returns_fresh_copies():
    model = _model()
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    first = model.gradient(x, t)
    for key in first:
        assert first[key] is not model.grads[key]
        np.testing.assert_array_equal(first[key], model.grads[key])
    saved = {key: g.copy() for key, g in first.items()}
    model.gradient(x[:2] * 3.0, 1 - t[:2])
    for key in first:
        np.testing.assert_array_equal(first[key], saved[key])
    assert not np.array_equal(model.grads["W1"], saved["W1"])


def test_backprop_fills_grads_in_place_and_returns_the_loss():
    model = _model()
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    ids = {key: id(g) for key, g in model.grads.items()}
    value = model.backprop(x, t)
    assert value == model.loss(x, t)
    assert {key: id(g) for key, g in model.grads.items()} == ids


def test_loss_includes_l2_penalty():
    model = _model(l2=0.5)
    x, t = np.ones((2, 3)), np.array([0, 1])
    data_loss = model.loss_layer.forward(model.predict(x), t)
    penalty = 0.5 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    assert model.loss(x, t) == pytest.approx(data_loss + penalty, rel=1e-14)


def test_accuracy_with_labels_and_one_hot():
    model = _model(seed=3)
    x = np.random.default_rng(1).normal(size=(10, 3))
    predicted = np.argmax(model.predict(x), axis=1)
    labels = predicted.copy()
    labels[:3] = 1 - labels[:3]  # three wrong on purpose
    assert model.accuracy(x, labels) == 0.7
    assert model.accuracy(x, np.eye(2)[labels]) == 0.7
    assert model.accuracy(x, predicted) == 1.0


def test_accuracy_of_sigmoid_outputs_is_per_unit():
    model = scratchnet.mlp([3, 4, 2], loss="sigmoid_binary_cross_entropy", seed=0,
                           weight_init="he_normal", dtype=np.float64)
    x = np.random.default_rng(2).normal(size=(5, 3))
    t = (model.predict(x) > 0).astype(np.float64)
    t[0, 0] = 1 - t[0, 0]
    assert model.accuracy(x, t) == 9 / 10


@pytest.mark.parametrize("loss", ["softmax_cross_entropy", "sigmoid_binary_cross_entropy", "mean_squared_error"])
def test_evaluate_in_chunks_matches_one_pass(loss):
    rng = np.random.default_rng(4)
    model = scratchnet.mlp([3, 6, 2], loss=loss, seed=4, l2=0.01, weight_init="he_normal", dtype=np.float64)
    x = rng.normal(size=(30, 3))
    t = _targets(loss, rng, 30, 2)
    full_loss, full_acc = model.evaluate(x, t)
    chunked_loss, chunked_acc = model.evaluate(x, t, batch_size=7)  # 4 chunks of 7 and one of 2
    assert chunked_acc == full_acc
    # the chunks are re-weighted by their row counts: only summation order differs
    assert chunked_loss == pytest.approx(full_loss, rel=1e-13)
    assert full_loss == pytest.approx(model.loss(x, t), rel=1e-14)


# -- construction -----------------------------------------------------------------------------

def test_mlp_default_seed_is_zero():
    options = dict(activation="tanh", loss="mean_squared_error", weight_init="glorot_uniform", dtype=np.float64,
                   l2=0.0)
    default, zero = scratchnet.mlp([4, 5, 3], **options), scratchnet.mlp([4, 5, 3], seed=0, **options)
    for key in default.params:
        np.testing.assert_array_equal(default.params[key], zero.params[key])
    assert not np.array_equal(default.params["W1"], scratchnet.mlp([4, 5, 3], seed=1, **options).params["W1"])


def test_mlp_structure_and_seed():
    model = scratchnet.mlp([4, 8, 6, 3], activation="tanh", loss="mean_squared_error", seed=9,
                           weight_init="he_normal", dtype=np.float64)
    assert [type(layer).__name__ for layer in model.layers] == ["Affine", "Tanh", "Affine", "Tanh", "Affine"]
    assert [layer.name for layer in model.layers] == ["Affine1", "Tanh1", "Affine2", "Tanh2", "Affine3"]
    assert isinstance(model.loss_layer, MeanSquaredError)
    assert (model.input_size, model.output_size) == (4, 3)
    for key in ("b1", "b2", "b3"):
        np.testing.assert_array_equal(model.params[key], 0.0)
    again = scratchnet.mlp([4, 8, 6, 3], activation="tanh", loss="mean_squared_error", seed=9,
                           weight_init="he_normal", dtype=np.float64)
    other = scratchnet.mlp([4, 8, 6, 3], activation="tanh", loss="mean_squared_error", seed=10,
                           weight_init="he_normal", dtype=np.float64)
    for key in model.params:
        np.testing.assert_array_equal(model.params[key], again.params[key])
    assert not np.array_equal(model.params["W1"], other.params["W1"])
    assert repr(model) == ("Sequential([Affine1(4 -> 8), Tanh1(), Affine2(8 -> 6), Tanh2(), Affine3(6 -> 3)], "
                           "loss=MeanSquaredError(reduction='mean'), dtype=float64)")


def test_sequential_with_sigmoid_loss_layer_type():
    model = scratchnet.mlp([2, 2], loss="sigmoid_binary_cross_entropy", weight_init="he_normal",
                           dtype=np.float64)
    assert isinstance(model.loss_layer, SigmoidBinaryCrossEntropy)
    assert [type(layer) for layer in model.layers] == [Affine]


# -- initializers -------------------------------------------------------------------------------

SHAPE = (500, 320)   # fan_in 500, fan_out 320, fan_avg 410; 160,000 draws
N_DRAWS = SHAPE[0] * SHAPE[1]
TRUNC = 0.87962566103423978
# The sample std of n draws has a relative standard error of about 1/sqrt(2n) = 0.18% (a little
# more for the light-tailed truncated normal): 2% is over 10 standard errors.
STD_RTOL = 0.02

VARIANCE_CASES = {
    # name: (initializer, target std, bound on |w| or None)
    "glorot_uniform": (initializers.GlorotUniform(), np.sqrt(2 / 820), np.sqrt(6 / 820)),
    "glorot_normal": (initializers.GlorotNormal(), np.sqrt(1 / 410), 2 * np.sqrt(1 / 410) / TRUNC),
    "he_normal": (initializers.HeNormal(), np.sqrt(2 / 500), 2 * np.sqrt(2 / 500) / TRUNC),
    "lecun_normal": (initializers.LeCunNormal(), np.sqrt(1 / 500), 2 * np.sqrt(1 / 500) / TRUNC),
    "he_normal_plain": (initializers.HeNormal(truncated=False), np.sqrt(2 / 500), None),
    "gaussian": (initializers.Gaussian(0.1), 0.1, None),
}


@pytest.mark.parametrize("name", VARIANCE_CASES)
def test_initializer_statistics(name):
    init, std, bound = VARIANCE_CASES[name]
    w = init(SHAPE, np.random.default_rng(123), np.float64)
    assert w.shape == SHAPE and w.dtype == np.float64
    np.testing.assert_allclose(w.std(), std, rtol=STD_RTOL)
    assert abs(w.mean()) < 5 * std / np.sqrt(N_DRAWS)  # 5 standard errors of the mean
    if bound is not None:
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.99 * bound  # the bound is reached, not a tighter one
    elif name == "he_normal_plain":
        # an untruncated normal exceeds the truncation point 2/0.8796 std about 2.3% of the time
        assert np.mean(np.abs(w) > 2 * std / TRUNC) == pytest.approx(0.023, abs=0.003)


@pytest.mark.parametrize("name", sorted(initializers.INITIALIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initializer_shape_dtype_and_seed(name, dtype):
    init = initializers.get(name)
    a = init((5, 7), np.random.default_rng(0), dtype)
    b = init((5, 7), np.random.default_rng(0), dtype)
    assert a.shape == (5, 7) and a.dtype == dtype
    np.testing.assert_array_equal(a, b)
    c = init((5, 7), np.random.default_rng(1), dtype)
    if name == "zeros":
        np.testing.assert_array_equal(a, 0.0)
    else:
        assert not np.array_equal(a, c)


def test_initializer_get_and_aliases():
    assert isinstance(initializers.get("he_normal"), initializers.HeNormal)
    custom = initializers.Gaussian(0.5)
    assert initializers.get(custom) is custom
    assert initializers.Xavier is initializers.GlorotNormal
    assert initializers.HeNormal().distribution == "truncated_normal"
    assert initializers.HeNormal(truncated=False).distribution == "normal"
    assert initializers.GlorotUniform(truncated=False).distribution == "uniform"


def test_truncated_normal_never_exceeds_two_std():
    w = initializers.truncated_normal(np.random.default_rng(0), (300, 300), 0.5)
    assert w.shape == (300, 300)
    assert np.abs(w).max() <= 1.0
    np.testing.assert_allclose(w.std(), 0.5 * TRUNC, rtol=STD_RTOL)


def test_mlp_uses_the_named_initializer():
    model = scratchnet.mlp([400, 300, 2], weight_init="gaussian", seed=0, dtype=np.float64)
    np.testing.assert_allclose(model.params["W1"].std(), 0.1, rtol=STD_RTOL)
    he = scratchnet.mlp([400, 300, 2], seed=0, weight_init="he_normal", dtype=np.float64)
    np.testing.assert_allclose(he.params["W1"].std(), np.sqrt(2 / 400), rtol=STD_RTOL)


def test_mlp_defaults_are_keras_dense_defaults():
    # float32 like datasets.load and Keras's floatx; Glorot-uniform kernels and zero biases like Dense
    model = scratchnet.mlp([400, 300, 2], seed=0)
    assert model.dtype == np.float32 and all(p.dtype == np.float32 for p in model.params.values())
    limit = np.sqrt(6 / (400 + 300))
    W1 = model.params["W1"]
    assert np.abs(W1).max() <= limit and np.abs(W1).max() > 0.99 * limit
    np.testing.assert_allclose(W1.std(), limit / np.sqrt(3), rtol=STD_RTOL)  # the std of U(-a, a) is a/sqrt(3)
    assert not model.params["b1"].any() and not model.params["b2"].any()


def test_save_without_suffix_loads_with_the_same_name(tmp_path):
    # np.savez appends ".npz"; save, load and load_model all accept the name without it.
    source = _model(seed=1)
    source.save(tmp_path / "weights")
    assert (tmp_path / "weights.npz").exists()
    target = _model(seed=2)
    target.load(tmp_path / "weights")
    assert all(np.array_equal(a, b) for a, b in zip(target.get_weights(), source.get_weights()))
    rebuilt = scratchnet.load_model(str(tmp_path / "weights"))
    assert all(np.array_equal(a, b) for a, b in zip(rebuilt.get_weights(), source.get_weights()))


def test_sum_reduction_survives_save_and_load(tmp_path):
    layers = [Affine(np.full((2, 3), 0.5), np.zeros(3))]
    model = scratchnet.Sequential(layers, SoftmaxCrossEntropy(reduction="sum"))
    model.save(tmp_path / "sum.npz")
    rebuilt = scratchnet.load_model(tmp_path / "sum.npz")
    assert rebuilt.loss_layer.reduction == "sum"
    mean_model = scratchnet.Sequential([Affine(np.full((2, 3), 0.5), np.zeros(3))], SoftmaxCrossEntropy())
    with pytest.raises(ValueError, match="different architecture"):
        mean_model.load(tmp_path / "sum.npz")


def test_evaluate_reports_the_per_sample_mean_for_a_sum_reduced_loss():
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    x, t = rng.normal(size=(25, 3)), rng.integers(0, 4, 25)
    summed = scratchnet.Sequential([Affine(W.copy(), b.copy())], SoftmaxCrossEntropy(reduction="sum"))
    mean = scratchnet.Sequential([Affine(W.copy(), b.copy())], SoftmaxCrossEntropy())
    assert summed.loss(x, t) == pytest.approx(25 * mean.loss(x, t), rel=1e-14)
    for chunk in (7, 25):
        assert summed.evaluate(x, t, batch_size=chunk)[0] == pytest.approx(mean.loss(x, t), rel=1e-14)


# -- the model's verbs, shared with its Keras twin ----------------------------------------------
def _batch(seed=0, n=9):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)), rng.integers(0, 3, n)


def test_forward_trace_gives_every_layer_output_by_name():
    model = scratchnet.mlp([4, 6, 5, 3], "tanh", seed=3, weight_init="he_normal", dtype=np.float64)
    x, _ = _batch()
    trace = model.forward_trace(x)
    assert list(trace) == [layer.name for layer in model.layers] == \
        ["Affine1", "Tanh1", "Affine2", "Tanh2", "Affine3"]
    assert np.array_equal(trace["Affine3"], model.predict(x))
    assert np.array_equal(trace["Tanh1"], np.tanh(trace["Affine1"]))


def test_backward_trace_is_backprop_with_the_upstream_gradients_kept():
    model = scratchnet.mlp([4, 6, 3], seed=3, l2=1e-3, weight_init="he_normal", dtype=np.float64)
    x, t = _batch()
    upstream, grads = model.backward_trace(x, t)
    assert list(upstream) == ["Affine1", "ReLU1", "Affine2"]
    expected = model.gradient(x, t)
    assert all(np.array_equal(grads[key], expected[key]) for key in expected)
    model.loss(x, t)
    assert np.array_equal(upstream["Affine2"], model.loss_layer.backward(1.0))
    assert np.array_equal(upstream["ReLU1"], upstream["Affine2"] @ model.params["W2"].T)
    assert np.array_equal(upstream["Affine1"], upstream["ReLU1"] * (model.forward_trace(x)["Affine1"] > 0))


@pytest.mark.parametrize("loss", [SoftmaxCrossEntropy("sum"), SigmoidBinaryCrossEntropy(), MeanSquaredError("sum")])
def test_astype_copies_layers_weights_and_loss_into_another_dtype(loss):
    model = scratchnet.Sequential([Affine(np.full((4, 3), 0.25), np.arange(3.0), l2=0.5), Sigmoid(),
                                   Affine(np.full((3, 2), -0.5), np.zeros(2))], loss)
    single = model.astype(np.float32)
    assert single.dtype == np.float32 and all(w.dtype == np.float32 for w in single.get_weights())
    assert repr(single) == repr(model).replace("float64", "float32")
    assert single.loss_layer is not model.loss_layer and single.loss_layer.reduction == loss.reduction
    assert all(np.array_equal(a, b.astype(np.float32)) for a, b in zip(single.get_weights(), model.get_weights()))
    single.params["W1"][0, 0] = 9.0  # a copy: the original keeps its weights
    assert model.params["W1"][0, 0] == 0.25
    back = single.astype("float64")
    assert back.dtype == np.float64 and back.params["W2"][0, 0] == -0.5
    with pytest.raises(TypeError, match="float16"):
        model.astype(np.float16)


def test_a_model_without_a_loss_predicts_and_explains_what_it_cannot_do():
    model = scratchnet.Sequential([Affine(np.eye(2), np.zeros(2)), ReLU()])
    x = np.array([[1.0, -2.0]])
    assert np.array_equal(model.predict(x), [[1.0, 0.0]])
    assert model.astype(np.float32).loss_layer is None
    for call in (lambda: model.loss(x, np.array([0])), lambda: model.evaluate(x, np.array([0]))):
        with pytest.raises(ValueError, match="this model has no loss"):
            call()


@pytest.mark.parametrize("cls", list(scratchnet.losses.LOSSES.values()))
def test_every_loss_has_the_same_interface_and_sum_is_n_times_mean(cls):
    rng = np.random.default_rng(2)
    x = rng.random(size=(6, 3)) + 0.1  # probabilities for the probability losses, fine for every other
    labels = rng.integers(0, 3, 6)
    t = labels if cls is scratchnet.losses.SparseCategoricalCrossentropy else np.eye(3)[labels]
    mean, summed = cls(), cls(reduction="sum")
    assert (mean.reduction, summed.reduction) == ("mean", "sum")
    assert summed.forward(x, t) == pytest.approx(6 * mean.forward(x, t), rel=1e-14)
    np.testing.assert_allclose(summed.backward(), 6 * mean.backward(), rtol=1e-14)
    assert scratchnet.losses.loss_from_config(summed.config()).reduction == "sum"
    correct, units = mean.count_correct(x, t)
    binary = cls in (SigmoidBinaryCrossEntropy, scratchnet.losses.BinaryCrossentropy)
    assert 0 <= correct <= units == (t.size if binary else 6)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        cls(reduction="none")


@pytest.mark.parametrize("t", [np.zeros(4, dtype=np.int64), np.zeros((5, 3, 2))])
def test_count_correct_refuses_targets_that_do_not_match_the_rows(t):
    y = np.zeros((5, 3))
    for loss in (SoftmaxCrossEntropy(), MeanSquaredError()):
        with pytest.raises(ValueError, match=r"expected 5 labels or one-hot rows, got \("):
            loss.count_correct(y, t)

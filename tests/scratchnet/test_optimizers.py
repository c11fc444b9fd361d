"""Optimizers against Keras 3's published update equations, worked out by hand.

Every case starts from w0 = [1.0, -2.0, 0.5] and applies three different gradients
    g1 = [0.1, -0.2, 0.3],  g2 = [-0.05, 0.4, 0.0],  g3 = [0.2, 0.1, -0.3]
(a zero entry in g2 checks that the state still decays). The expected weights after each step
are literals, produced by evaluating the equations written beside them one scalar at a time in
plain Python floats, independently of scratchnet. Tolerance: rtol 1e-14, a few float64 ulps for
the handful of operations per step (the literals and the implementation may round in a
different order).
"""
import numpy as np
import pytest

from scratchnet import optimizers
from scratchnet.optimizers import SGD, Adagrad, Adam, RMSprop

W0 = [1.0, -2.0, 0.5]
GRADS = [[0.1, -0.2, 0.3], [-0.05, 0.4, 0.0], [0.2, 0.1, -0.3]]
RTOL = 1e-14

CASES = {
    # SGD, default lr 0.01, no momentum: w -= 0.01 g
    #   element 0: 1 - 0.001 = 0.999; 0.999 + 0.0005 = 0.9995; 0.9995 - 0.002 = 0.9975
    "sgd-default": (lambda: SGD(), [
        [0.999, -1.998, 0.497],
        [0.9994999999999999, -2.002, 0.497],
        [0.9974999999999999, -2.0029999999999997, 0.5],
    ]),
    # SGD lr 0.1, momentum 0.9: v = 0.9 v - 0.1 g; w += v
    #   element 0: v1 = -0.01, w1 = 0.99; v2 = -0.009 + 0.005 = -0.004, w2 = 0.986;
    #              v3 = -0.0036 - 0.02 = -0.0236, w3 = 0.9624
    "sgd-momentum": (lambda: SGD(0.1, momentum=0.9), [
        [0.99, -1.98, 0.47],
        [0.986, -2.002, 0.44299999999999995],
        [0.9624, -2.0317999999999996, 0.44869999999999993],
    ]),
    # SGD lr 0.1, momentum 0.9, Nesterov: v = 0.9 v - 0.1 g; w += 0.9 v - 0.1 g
    #   element 0: v1 = -0.01, w1 = 1 - 0.009 - 0.01 = 0.981;
    #              v2 = -0.004, w2 = 0.981 - 0.0036 + 0.005 = 0.9824;
    #              v3 = -0.0236, w3 = 0.9824 - 0.02124 - 0.02 = 0.94116
    "sgd-nesterov": (lambda: SGD(0.1, momentum=0.9, nesterov=True), [
        [0.981, -1.962, 0.443],
        [0.9823999999999999, -2.0218, 0.4187],
        [0.9411599999999999, -2.05862, 0.45383],
    ]),
    # Adagrad defaults (lr 0.001, acc0 0.1, eps 1e-7): acc += g^2; w -= lr g / sqrt(acc + eps)
    #   element 0: acc1 = 0.11, w1 = 1 - 1e-4 / sqrt(0.1100001) = 1 - 3.0151121e-4
    #   element 2 in step 2: g = 0, so w is unchanged (0.4993117529795059 twice)
    "adagrad": (lambda: Adagrad(), [
        [0.9996984887924728, -1.999465477707076, 0.4993117529795059],
        [0.999847559924719, -2.0001957743287, 0.4993117529795059],
        [0.9993354125729045, -2.000375379601758, 0.4998786995877793],
    ]),
    # RMSprop defaults (lr 0.001, rho 0.9, eps 1e-7): v = 0.9 v + 0.1 g^2; w -= lr g / sqrt(v + eps)
    #   element 0: v1 = 0.001, w1 = 1 - 1e-4 / sqrt(0.0010001) = 1 - 3.1621196e-3
    "rmsprop": (lambda: RMSprop(), [
        [0.9968378804418571, -1.9968377618675612, 0.4968377399078944],
        [0.9983122359023882, -1.9996948974361022, 0.4968377399078944],
        [0.995493684591004, -2.0004273438905242, 0.4991882351669826],
    ]),
    # RMSprop with momentum 0.9: inc = lr g / sqrt(v + eps); m = 0.9 m + inc; w -= m
    #   step 1 equals plain RMSprop (m starts at 0); element 0, step 2:
    #   m2 = 0.9 * 3.1621196e-3 + inc2 with inc2 = 0.001 * -0.05 / sqrt(0.9*0.001 + 0.1*0.0025 + 1e-7)
    "rmsprop-momentum": (lambda: RMSprop(momentum=0.9), [
        [0.9968378804418571, -1.9968377618675612, 0.4968377399078944],
        [0.9954663283000595, -1.9968488831169073, 0.4939917058249994],
        [0.9914133800610575, -1.997591338695741, 0.4937807704094821],
    ]),
    # centered RMSprop: mg = 0.9 mg + 0.1 g; w -= lr g / sqrt(v - mg^2 + eps)
    #   element 0: v1 = 0.001, mg1 = 0.01, w1 = 1 - 1e-4 / sqrt(0.0009001) = 1 - 3.3331482e-3
    "rmsprop-centered": (lambda: RMSprop(centered=True), [
        [0.9966668518364212, -1.9966667129619984, 0.4966666872426078],
        [0.9981515710513454, -1.9995597923055262, 0.4966666872426078],
        [0.9951628790431606, -2.00031033537919, 0.4990195300015704],
    ]),
    # Adam defaults (lr 0.001, b1 0.9, b2 0.999, eps 1e-7), t = 1, 2, 3:
    #   alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
    #   w -= alpha m / (sqrt(v) + eps)
    #   element 0, step 1: alpha = 3.16227766e-4, m = 0.01, v = 1e-5,
    #   w1 = 1 - 3.16227766e-4 * 0.01 / (3.16227766e-3 + 1e-7) = 1 - 9.9996838e-4
    "adam": (lambda: Adam(), [
        [0.9990000316217766, -1.9990000158111383, 0.49900001054081444],
        [0.9987337021180671, -1.9993661167491907, 0.4983299593531717],
        [0.9980755996024363, -1.9997817650791938, 0.49841582642728394],
    ]),
}


@pytest.mark.parametrize("name", CASES)
def test_first_three_updates_match_keras_equations(name):
    factory, expected = CASES[name]
    opt = factory()
    w = np.array(W0)
    params = {"w": w}
    for step, (g, want) in enumerate(zip(GRADS, expected), start=1):
        grad = np.array(g)
        opt.update(params, {"w": grad})
        assert params["w"] is w  # updated in place
        assert w.shape == (3,) and w.dtype == np.float64
        np.testing.assert_allclose(w, want, rtol=RTOL, atol=0, err_msg=f"step {step}")
        np.testing.assert_array_equal(grad, g)  # the gradient is not modified
        assert opt.iterations == step


def test_defaults_are_keras_defaults():
    sgd = SGD()
    assert (sgd.learning_rate, sgd.momentum, sgd.nesterov) == (0.01, 0.0, False)
    ada = Adagrad()
    assert (ada.learning_rate, ada.initial_accumulator_value, ada.epsilon) == (0.001, 0.1, 1e-7)
    rms = RMSprop()
    assert (rms.learning_rate, rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.001, 0.9, 0.0, 1e-7, False)
    adam = Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (0.001, 0.9, 0.999, 1e-7)
    for opt in (sgd, ada, rms, adam):
        assert opt.float32_hyperparams is False


def test_float32_hyperparams_rounds_momentum_like_keras():
    # Keras casts momentum 0.9 to float32 first: m = float(np.float32(0.9)) = 0.8999999761581421.
    assert float(np.float32(0.9)) == 0.8999999761581421
    # SGD lr 0.1: step 1 does not involve m (v starts at 0): v1 = -0.1 g1, w1 = w0 + v1.
    # step 2, element 0: v2 = m * -0.01 + 0.005 = -0.003999999761581421, w2 = 0.99 + v2
    expected = [[0.99, -1.98, 0.47],
                [0.9860000002384186, -2.002000000476837, 0.4430000007152557]]
    opt = SGD(0.1, momentum=0.9, float32_hyperparams=True)
    w = np.array(W0)
    for g, want in zip(GRADS, expected):
        opt.update({"w": w}, {"w": np.array(g)})
        np.testing.assert_allclose(w, want, rtol=RTOL, atol=0)
    # and it is a real difference: the exact 0.9 gives 0.986 at step 2
    assert w[0] != CASES["sgd-momentum"][1][1][0]


def _all_optimizers():
    return [SGD(0.1), SGD(0.1, momentum=0.9), SGD(0.1, momentum=0.9, nesterov=True), Adagrad(0.1),
            RMSprop(0.1), RMSprop(0.1, momentum=0.5, centered=True), Adam(0.1)]


@pytest.mark.parametrize("index", range(7))
def test_state_is_per_parameter(index):
    # Two parameters with different gradients, updated together, end exactly where each would
    # end on its own: no state is shared between them.
    together = _all_optimizers()[index]
    alone_a, alone_b = _all_optimizers()[index], _all_optimizers()[index]
    a, b = np.array([1.0, 2.0]), np.array([[0.5], [-0.5]])
    a_alone, b_alone = a.copy(), b.copy()
    rng = np.random.default_rng(index)
    for _ in range(3):
        ga, gb = rng.normal(size=2), rng.normal(size=(2, 1))
        together.update({"a": a, "b": b}, {"a": ga, "b": gb})
        alone_a.update({"a": a_alone}, {"a": ga})
        alone_b.update({"b": b_alone}, {"b": gb})
    np.testing.assert_array_equal(a, a_alone)
    np.testing.assert_array_equal(b, b_alone)
    slots_a = [arr for (slot, key), arr in together.state.items() if key == "a"]
    slots_b = [arr for (slot, key), arr in together.state.items() if key == "b"]
    assert len(slots_a) == len(slots_b)
    assert all(x is not y for x in slots_a for y in slots_b)


def test_same_gradient_different_history_gives_different_state():
    opt = Adam()
    params = {"p": np.zeros(2), "q": np.zeros(2)}
    opt.update(params, {"p": np.array([1.0, 1.0]), "q": np.array([-3.0, 0.0])})
    opt.update(params, {"p": np.array([0.5, 0.5]), "q": np.array([0.5, 0.5])})
    assert not np.array_equal(opt.state[("m", "p")], opt.state[("m", "q")])
    assert not np.array_equal(params["p"], params["q"])


@pytest.mark.parametrize("index", range(7))
def test_float32_parameters_stay_float32(index):
    opt32, opt64 = _all_optimizers()[index], _all_optimizers()[index]
    w32 = np.array(W0, dtype=np.float32)
    w64 = np.array(W0)
    for g in GRADS:
        opt32.update({"w": w32}, {"w": np.array(g, dtype=np.float32)})
        opt64.update({"w": w64}, {"w": np.array(g)})
        assert w32.dtype == np.float32
        assert all(arr.dtype == np.float32 for arr in opt32.state.values())
    np.testing.assert_allclose(w32, w64, rtol=1e-5, atol=1e-6)  # float32 round-off


# -- argument errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [SGD, Adagrad, RMSprop, Adam])
@pytest.mark.parametrize("lr", [0, -0.1, "0.1", float("nan"), float("inf"), True, None])
def test_learning_rate_must_be_a_finite_positive_number(cls, lr):
    with pytest.raises(ValueError, match=f"{cls.__name__}: learning_rate must be a number > 0, got"):
        cls(lr)


@pytest.mark.parametrize("lr", [np.float32(0.1), np.float64(0.1), np.int64(1), 1])
def test_numpy_scalars_are_learning_rates(lr):
    assert SGD(lr).learning_rate == float(lr)


def test_momentum_out_of_range():
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 1.5"):
        SGD(0.1, momentum=1.5)


def test_mismatched_keys_and_shapes():
    opt = SGD()
    with pytest.raises(KeyError, match="different keys"):
        opt.update({"w": np.zeros(2)}, {"v": np.zeros(2)})
    with pytest.raises(ValueError, match=r"gradient for 'w' has shape \(3,\)"):
        opt.update({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(ValueError, match="float32"):
        opt.update({"w": np.zeros(2)}, {"w": np.zeros(2, np.float32)})


@pytest.mark.parametrize("cls", list(optimizers.OPTIMIZERS.values()))
def test_config_reports_every_constructor_hyperparameter(cls):
    opt = cls(0.5)
    config = opt.config()
    assert list(config) == ["learning_rate", *cls.options()]
    assert config["learning_rate"] == 0.5
    assert {key: config[key] for key in cls.options()} == cls.options()  # the defaults, unchanged
    rebuilt = cls(**config)
    assert rebuilt.config() == config and repr(rebuilt) == repr(opt)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_by_cache_slices_is_bit_identical_to_whole_arrays(monkeypatch, dtype, amsgrad):
    # Adam updates large arrays slice by slice (for the cache); a slice size that divides nothing
    # evenly, and arrays of every layout (a Fortran-ordered one takes the whole-array path), give
    # exactly the weights and slots of one pass over the whole arrays.
    def train(slice_bytes):
        monkeypatch.setattr(optimizers, "_CACHE_SLICE_BYTES", slice_bytes)
        rng = np.random.default_rng(3)
        params = {"W": rng.standard_normal((97, 53)).astype(dtype), "b": rng.standard_normal(53).astype(dtype),
                  "F": np.asfortranarray(rng.standard_normal((31, 7)).astype(dtype))}
        opt = optimizers.Adam(0.01, amsgrad=amsgrad)
        for _ in range(5):
            opt.update(params, {k: rng.standard_normal(p.shape).astype(dtype) for k, p in params.items()})
        return params, opt.state

    (whole, whole_state), (sliced, sliced_state) = train(1 << 62), train(1000)
    for key in whole:
        np.testing.assert_array_equal(sliced[key], whole[key], strict=True)
    for key in whole_state:
        np.testing.assert_array_equal(sliced_state[key], whole_state[key], strict=True)

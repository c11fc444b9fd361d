"""Every activation against real Keras, one line per case (tinygrad's helper_test_op style): one
helper checks the output's shape and dtype, the forward values and the gradient (Keras's
autodiff through the Keras layer), in float64 at the tolerance table's 1e-12 and in float32 at
its float32 numbers. Inputs pin the edge cases: 0 and -0, each kink (ReLU at 0, relu6 at 6, the
cap and the threshold, hard_sigmoid at -3 and 3), +-1000, overflow to inf and the largest finite
float. TensorFlow flushes subnormal results to 0 and NumPy keeps them, so values below the
dtype's smallest normal number count as 0 on both sides."""
import functools
import math

import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.tolerances import tolerance
from reference_keras import keras, tf
from scratchnet.gradcheck import relative_error
from scratchnet.layers import (ELU, GELU, SELU, Exponential, HardSigmoid, Identity, LeakyReLU, ReLU, SiLU, Sigmoid,
                               Softmax, Softplus, Softsign, Tanh)
from scratchnet.losses import MeanSquaredError

BIG = np.finfo(np.float64).max
AROUND = [-2.5, -1.0, -0.3, -0.0, 0.0, 0.4, 1.0, 3.0]
HUGE = [-1000.0, -40.0, 40.0, 1000.0]


# scratchnet's GELU is tf.nn.gelu's erfc form (TensorFlow 2.19 on); older TensorFlow's erf form parts
# from it by more than round-off for negative inputs (reference_keras.tensorflow_gelu_form).
GELU_ERFC = pytest.mark.skipif(rk.tensorflow_gelu_form() != "erfc", reason=(
    f"this TensorFlow's exact gelu is the {rk.tensorflow_gelu_form()} form, not the erfc form scratchnet's GELU "
    f"computes (TensorFlow >= 2.19)"))


def _case_id(case):
    return (case.values if hasattr(case, "values") else case)[0]  # a pytest.param or a plain tuple


def act(name):
    return lambda dtype: keras.layers.Activation(name, dtype=dtype)


def layer(cls, **settings):
    return lambda dtype: cls(**settings, dtype=dtype)


# (case, scratchnet layer, Keras layer for a dtype, inputs): one line per case.
CASES = [
    ("relu", ReLU, act("relu"), [*AROUND, *HUGE, 1e-300, BIG]),
    ("relu6 kinks", lambda: ReLU(max_value=6.0), act("relu6"), [-1.0, 0.0, 5.5, 6.0, 6.5, 1000.0]),
    ("ReLU(max_value=6) is relu6", lambda: ReLU(max_value=6.0), layer(keras.layers.ReLU, max_value=6.0),
     [-1.0, 0.0, 5.5, 6.0, 6.5]),
    ("ReLU cap 2.5: gradient passes at the cap", lambda: ReLU(max_value=2.5), layer(keras.layers.ReLU, max_value=2.5),
     [-1.0, 0.0, 1.0, 2.5, 3.0]),
    ("ReLU threshold 1.5", lambda: ReLU(threshold=1.5), layer(keras.layers.ReLU, threshold=1.5),
     [-3.0, 0.0, 1.0, 1.5, 1.75, 1000.0]),
    ("ReLU slope, cap, threshold", lambda: ReLU(max_value=4.5, negative_slope=0.25, threshold=1.5),
     layer(keras.layers.ReLU, max_value=4.5, negative_slope=0.25, threshold=1.5),
     [-1000.0, -1.0, 0.0, 1.5, 2.0, 4.5, 5.0, 1000.0]),
    ("ReLU slope and cap 6", lambda: ReLU(max_value=6.0, negative_slope=0.125),
     layer(keras.layers.ReLU, max_value=6.0, negative_slope=0.125), [-2.0, 0.0, 3.0, 6.0, 7.0]),
    ("ReLU slope alone runs LeakyRelu (float32 slope)", lambda: ReLU(negative_slope=0.1),
     layer(keras.layers.ReLU, negative_slope=0.1), [-1000.0, -1.0, -0.0, 0.0, 2.0]),
    ("LeakyReLU 0.3 (float32 slope)", LeakyReLU, layer(keras.layers.LeakyReLU), [*AROUND, *HUGE]),
    ("leaky_relu by name: 0.2", scratchnet.layers.ACTIVATION_NAMES["leaky_relu"], act("leaky_relu"), AROUND),
    ("elu", ELU, act("elu"), [*AROUND, -1e-8, *HUGE]),
    ("ELU alpha 0.7: gradient alpha at 0", lambda: ELU(0.7), layer(keras.layers.ELU, alpha=0.7),
     [*AROUND, -1e-8, *HUGE]),
    ("selu", SELU, act("selu"), [*AROUND, -1e-8, *HUGE]),
    pytest.param("gelu (erfc form)", GELU, act("gelu"), [*AROUND, -10.0, 10.0, *HUGE], marks=GELU_ERFC),
    ("gelu tanh form", lambda: GELU(approximate=True), lambda dtype: keras.layers.Activation(rk.gelu_tanh, dtype=dtype),
     [*AROUND, -10.0, 10.0, *HUGE]),
    ("silu", SiLU, act("silu"), [*AROUND, *HUGE]),
    ("swish is silu", SiLU, act("swish"), AROUND),
    ("softplus around", Softplus, act("softplus"), [*AROUND, -20.0, 20.0]),
    ("softplus switch points and extremes", Softplus, act("softplus"), [-1000.0, -40.0, -34.0, 34.0, 40.0, 1000.0]),
    ("softsign", Softsign, act("softsign"), [*AROUND, *HUGE, -BIG, BIG]),
    ("hard_sigmoid kinks", HardSigmoid, act("hard_sigmoid"), [-1000.0, -3.5, -3.0, -2.5, 0.0, 2.5, 3.0, 3.5, 1000.0]),
    ("exponential", Exponential, act("exponential"), [*AROUND, -40.0, 40.0]),
    ("exponential overflow", Exponential, act("exponential"), [700.0, 709.0, 710.0, 1000.0, BIG]),
    ("exponential underflow", Exponential, act("exponential"), [-700.0, -745.0, -1000.0, -BIG]),
    ("softmax rows", Softmax, act("softmax"), [[0.0, 0.0, 0.0], [1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]]),
    ("sigmoid", Sigmoid, act("sigmoid"), [*AROUND, *HUGE]),
    ("tanh", Tanh, act("tanh"), [*AROUND, *HUGE]),
    ("linear", Identity, act("linear"), AROUND),
]


def _flushed(a):
    """Subnormals as 0 (TensorFlow flushes them), in float64 for comparing."""
    a = np.asarray(a, dtype=np.float64)
    tiny = np.finfo(np.float64).tiny
    return np.where(np.abs(a) < tiny, 0.0, a)


def check_op(ours, theirs, tol, what):
    """Shape, dtype, the non-finite entries exactly, the finite ones to `tol` (the project's
    relative error: the largest difference over the largest entry)."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, f"{what}: {ours.shape} {ours.dtype} vs " \
                                                                         f"Keras {theirs.shape} {theirs.dtype}"
    a, b = _flushed(ours), _flushed(theirs)
    finite = np.isfinite(b)
    np.testing.assert_array_equal(a[~finite], b[~finite], err_msg=f"{what}: non-finite entries")
    error = relative_error(a[finite], b[finite])
    assert error <= tol, f"{what}: relative error {error:.3g} > {tol:g}\nours  {a}\nKeras {b}"


def helper_test_activation(make_ours, make_keras, inputs, dtype):
    x = np.array(inputs, dtype=np.float64)
    if dtype == "float32":
        x = x[np.abs(x) <= np.finfo(np.float32).max]  # the largest float64s are inf in float32
    x = np.atleast_2d(x).astype(dtype)
    dout = np.random.default_rng(len(inputs)).normal(size=x.shape).astype(dtype)
    ours = make_ours()
    y, dx = ours.forward(x), ours.backward(dout)
    y_keras, dx_keras, _ = rk.layer_vjp(make_keras(dtype), x, dout)
    check_op(y, y_keras, tolerance(dtype, "forward"), "forward")
    check_op(dx, dx_keras, tolerance(dtype, "gradient"), "gradient")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case,ours,theirs,inputs", CASES, ids=[_case_id(case) for case in CASES])
def test_activation_matches_keras(case, ours, theirs, inputs, dtype):
    helper_test_activation(ours, theirs, inputs, dtype)


@pytest.mark.parametrize("name", ["relu", "relu6", "leaky_relu", "elu", "selu", pytest.param("gelu", marks=GELU_ERFC),
                                  "silu", "swish", "softplus",
                                  "softsign", "hard_sigmoid", "exponential", "sigmoid", "tanh", "softmax", "linear"])
def test_dense_activation_by_name_and_its_twin_agree_with_keras(name, assert_twin):
    """Dense(activation=name) from Keras: from_keras splits it into Affine and the activation,
    and that model agrees with the original Keras model (forward, loss, every gradient) and with
    its own twin (assert_twin: every layer, numerical gradients, the input gradient)."""
    rng = np.random.default_rng(abs(hash(name)) % 1000)
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation=name),
                                        keras.layers.Dense(3, activation=name)])
    model = rk.from_keras(keras_model, loss=MeanSquaredError())
    x, t = rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    assert_matches_original(keras_model, model, x, t, rk.keras_loss(MeanSquaredError(), dtype="float64"))
    assert_twin(model, x, t)


def assert_matches_original(keras_model, model, x, t, keras_loss, tol=1e-12, sample_weight=None):
    """The scratchnet model against the Keras model it came from: output, loss and every
    trainable weight's gradient (in get_weights order) at `tol`."""
    theirs = list(rk.forward_trace(keras_model, x).values())[-1]
    assert relative_error(model.predict(x), theirs) <= tol
    loss, grads = rk.loss_and_gradients(keras_model, keras_loss, x, t, sample_weight=sample_weight)
    ours = model.gradient(x, t, sample_weight=sample_weight)
    assert abs(model.loss(x, t, sample_weight=sample_weight) - loss) <= tol * abs(loss)
    assert len(ours) == len(grads)
    for (key, g), (path, k) in zip(ours.items(), grads.items()):
        assert relative_error(g, k) <= tol, f"gradient {key} vs Keras {path}"


FUNCTIONS = [  # (case, the function a Keras user passes, the scratchnet layer it becomes)
    ("tf.nn.relu", tf.nn.relu, ReLU), ("keras.activations.relu", keras.activations.relu, ReLU),
    ("tf.nn.relu6", tf.nn.relu6, lambda: ReLU(max_value=6.0)),
    ("tf.nn.leaky_relu (alpha 0.2)", tf.nn.leaky_relu, lambda: LeakyReLU(0.2)),
    ("partial(tf.nn.leaky_relu, alpha=0.1)", functools.partial(tf.nn.leaky_relu, alpha=0.1), lambda: LeakyReLU(0.1)),
    ("tf.nn.elu", tf.nn.elu, ELU), ("tf.nn.selu", tf.nn.selu, SELU),
    pytest.param("tf.nn.gelu (erfc form)", tf.nn.gelu, GELU, marks=GELU_ERFC),
    ("partial(keras gelu, approximate=True)", functools.partial(keras.activations.gelu, approximate=True),
     lambda: GELU(approximate=True)),
    ("keras.ops.gelu (tanh form by default)", keras.ops.gelu, lambda: GELU(approximate=True)),
    ("tf.nn.silu", tf.nn.silu, SiLU), ("tf.nn.swish", tf.nn.swish, SiLU),
    ("tf.math.softplus", tf.math.softplus, Softplus),
    ("tf.nn.softsign", tf.nn.softsign, Softsign), ("tf.math.exp", tf.math.exp, Exponential),
    ("tf.nn.sigmoid", tf.nn.sigmoid, Sigmoid), ("tf.math.tanh", tf.math.tanh, Tanh),
    ("tf.nn.softmax", tf.nn.softmax, Softmax),
    ("keras.activations.hard_sigmoid", keras.activations.hard_sigmoid, HardSigmoid),
]


@pytest.mark.parametrize("case,function,expected", FUNCTIONS, ids=[_case_id(f) for f in FUNCTIONS])
def test_activations_given_as_functions_come_over(case, function, expected):
    rng = np.random.default_rng(0)
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=function),
                                        keras.layers.Activation(function)])
    model = rk.from_keras(keras_model, loss=MeanSquaredError())
    want = repr(expected())
    assert [repr(layer).split("(", 1)[1] for layer in model.layers[1:]] == [want.split("(", 1)[1]] * 2
    assert [type(layer) for layer in model.layers[1:]] == [type(expected())] * 2
    x, t = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    assert_matches_original(keras_model, model, x, t, rk.keras_loss(MeanSquaredError(), dtype="float64"))


def test_an_unknown_activation_function_is_refused_by_name():
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=lambda x: x * 2.0,
                                                                              name="doubled")])
    with pytest.raises(rk.UnsupportedLayerError, match="'doubled' \\(Dense\\) uses the activation '<lambda>'"):
        rk.from_keras(keras_model)


def test_keras_rounds_relu_settings_and_leaky_slopes_through_float32():
    """Sentinels for the Keras (and TensorFlow) behaviour the layers mirror: ReLU's max_value and
    threshold are cast from Python floats through float32 (from_keras passes the rounded number),
    LeakyRelu takes its slope as a float32 attribute (LeakyReLU rounds it itself)."""
    x = np.array([[-1.0, 0.1, 0.2]])
    capped = np.array(keras.layers.ReLU(max_value=0.1, dtype="float64")(x))
    assert capped[0, 2] == float(np.float32(0.1)) != 0.1
    leaky = np.array(keras.layers.LeakyReLU(0.3, dtype="float64")(x))
    assert leaky[0, 0] == -float(np.float32(0.3))
    assert LeakyReLU(0.3).forward(x)[0, 0] == leaky[0, 0]
    with rk.floatx("float64"):
        keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.ReLU(max_value=0.1)])
    model = rk.from_keras(keras_model, loss=MeanSquaredError())
    assert model.layers[1].max_value == rk.keras_cast(0.1, "float64") == float(np.float32(0.1))
    assert rk.keras_cast(0.1, "float64", rounds_through_float32=False) == 0.1
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert_matches_original(keras_model, model, x, t, rk.keras_loss(MeanSquaredError(), dtype="float64"))
    slope_and_threshold = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3),
                                            keras.layers.ReLU(negative_slope=0.5, threshold=0.1, name="odd")])
    with pytest.raises(rk.UnsupportedLayerError, match="'odd'.*float32\\(0.1\\)"):
        rk.from_keras(slope_and_threshold)


def test_the_gelu_form_is_detected_from_tensorflow_itself():
    """tensorflow_gelu_form names the equation tf.nn.gelu computes: at x = -4 (float64) the erfc form
    equals scratchnet's GELU to round-off, the erf form parts from it by its cancellation."""
    x = np.array([-4.0, -1.0, 0.5])
    theirs = tf.nn.gelu(tf.constant(x), approximate=False).numpy()
    ours = GELU().forward(x)
    erf_form = 0.5 * x * (1 + np.array([math.erf(v / np.sqrt(2)) for v in x]))
    if rk.tensorflow_gelu_form() == "erfc":
        np.testing.assert_allclose(theirs, ours, rtol=1e-15, atol=0)
    else:
        np.testing.assert_allclose(theirs, erf_form, rtol=1e-12, atol=0)
    assert rk.tensorflow_gelu_form() in ("erfc", "erf")

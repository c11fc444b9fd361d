"""Perceptron gates, the activation/loss functions, the computational-graph nodes and the
numerical-gradient helpers, checked against the course texts' printed numbers (../shared/seeds)
and against closed forms evaluated in float64.

Tolerances: a value printed by a course text with 8 decimals is compared at atol 5e-9 (half a
unit in the last printed place); a value recomputed from its closed form in float64 is compared
at rtol 1e-15 or exactly.
"""
import warnings

import numpy as np
import pytest

from scratchnet import functions, gates, gradcheck, graph

# -- gates (seed 001 exercise 1, seed 000) ---------------------------------------------------

TRUTH_TABLE = [
    # x1, x2, AND, NAND, OR, XOR
    (1, 1, 1, 0, 1, 0),
    (1, 0, 0, 1, 1, 1),
    (0, 1, 0, 1, 1, 1),
    (0, 0, 0, 1, 0, 0),
]


@pytest.mark.parametrize("x1, x2, and_, nand, or_, xor", TRUTH_TABLE)
def test_gate_truth_tables(x1, x2, and_, nand, or_, xor):
    outputs = (gates.AND(x1, x2), gates.NAND(x1, x2), gates.OR(x1, x2), gates.XOR(x1, x2))
    assert all(type(out) is int for out in outputs)
    assert outputs == (and_, nand, or_, xor)


def test_perceptron_fires_strictly_above_theta():
    # 0.5*1 + 0.25*2 == 1.0 exactly in binary floating point: on the boundary it does not fire.
    p = gates.Perceptron(0.5, 0.25, 1.0)
    assert p.forward(1, 2) == 0
    assert p(1, 2) == 0  # __call__ is forward
    assert gates.Perceptron(0.5, 0.25, 0.999)(1, 2) == 1
    assert gates.Perceptron(0.5, 0.25, 1.0)(1, 2.001) == 1
    assert gates.Perceptron(0.5, 0.25, 1.0)(0, 0) == 0


# -- activation functions (seed 001 exercises 2-1, 2-2) --------------------------------------

COURSE_X = np.array([-1.0, 0.0, 0.5, 2.0])


def test_step_function():
    out = functions.step_function(np.array([-1.0, 0.0, 1e-300, 2.0]))
    assert out.shape == (4,) and out.dtype == np.int64
    np.testing.assert_array_equal(out, [0, 0, 1, 1])  # strictly > 0


def test_sigmoid_course_values():
    out = functions.sigmoid(COURSE_X)
    assert out.shape == (4,) and out.dtype == np.float64
    np.testing.assert_allclose(out, 1.0 / (1.0 + np.exp(-COURSE_X)), rtol=1e-15, atol=0)
    # seed 001 prints [0.26894142 0.5 0.62245933 0.88079708]
    np.testing.assert_allclose(out, [0.26894142, 0.5, 0.62245933, 0.88079708], rtol=0, atol=5e-9)
    assert out[1] == 0.5


def test_sigmoid_of_integers_is_float64():
    out = functions.sigmoid(np.array([0, 1]))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, [0.5, 1.0 / (1.0 + np.exp(-1.0))], rtol=1e-15, atol=0)


def test_sigmoid_keeps_float32():
    x = np.array([-80.0, -1.0, 0.0, 1.0, 100.0, -100.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = functions.sigmoid(x)
    assert out.dtype == np.float32 and out.shape == (6,)
    # float32 round-off is ~6e-8 relative; exp(-80) ~ 1.8e-35 is still a normal float32.
    np.testing.assert_allclose(out[:5], 1.0 / (1.0 + np.exp(-x[:5].astype(np.float64))), rtol=1e-6, atol=0)
    # exp(-100) ~ 3.7e-44 is a float32 subnormal (few significant bits): only its range is pinned.
    assert 0.0 < out[5] < 1e-43


def test_sigmoid_extremes_are_finite_and_warning_free():
    x = np.array([-1000.0, -400.0, 400.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = functions.sigmoid(x)
    assert out.shape == (4,) and out.dtype == np.float64
    assert np.all(np.isfinite(out))
    assert out[2] == 1.0 and out[3] == 1.0
    # sigmoid(-400) = e/(1+e) with e = exp(-400) ~ 1.9e-174: representable, so it must not be 0.
    assert out[1] > 0
    np.testing.assert_allclose(out[1], np.exp(-400.0), rtol=1e-12, atol=0)
    # exp(-1000) ~ 5e-435 is below the smallest float64 subnormal: 0 is the correctly rounded value.
    assert out[0] == 0.0


def test_relu_course_values():
    out = functions.relu(COURSE_X)
    assert out.shape == (4,) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.5, 2.0])
    assert functions.relu(COURSE_X.astype(np.float32)).dtype == np.float32


def test_tanh_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = functions.tanh(np.array([-1000.0, 0.0, 1000.0]))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [-1.0, 0.0, 1.0])


def test_identity_returns_its_input():
    x = np.array([1.0, -2.0])
    assert functions.identity(x) is x


def test_softmax_closed_form_and_rows_sum_to_one():
    x = np.array([[0.3, 2.9, 4.0], [-1.0, 0.0, 1.0]])
    out = functions.softmax(x)
    assert out.shape == (2, 3) and out.dtype == np.float64
    expected = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-15)
    # a 1-D input is one sample
    np.testing.assert_array_equal(functions.softmax(x[0]), out[0])


@pytest.mark.parametrize("shift", [1000.0, -1000.0, 1e6])
def test_softmax_of_huge_logits_equals_shifted(shift):
    base = np.array([0.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = functions.softmax(base + shift)
    assert np.all(np.isfinite(out))
    # x - max(x) is exact for these values, so the result is bit-for-bit softmax([0, 1, 2]).
    np.testing.assert_array_equal(out, functions.softmax(base))


def test_log_softmax_matches_log_of_softmax_and_stays_finite():
    x = np.array([[1.0, 0.5, -2.0], [3.0, 3.0, 3.0]])
    out = functions.log_softmax(x)
    assert out.shape == (2, 3) and out.dtype == np.float64
    np.testing.assert_allclose(out, np.log(functions.softmax(x)), rtol=1e-14, atol=0)
    np.testing.assert_allclose(out[1], -np.log(3.0), rtol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        extreme = functions.log_softmax(np.array([0.0, -1000.0]))
    np.testing.assert_array_equal(extreme, [0.0, -1000.0])  # softmax would give log(0) = -inf


def _log_softmax_by_hand(row):
    """log(exp(x_i) / sum_j exp(x_j)) one row at a time in plain Python floats, shifted by the row's max."""
    import math
    top = max(row)
    return [v - top - math.log(math.fsum(math.exp(u - top) for u in row)) for v in row]


LOG_SOFTMAX = [  # (case, input): every row's and column's maximum in a different place, huge positive logits
    ("column maxima differ", [[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]]),
    ("large positive logits", [[1000.0, 999.0, 0.0], [-5.0, 800.0, 799.5]]),
    ("one sample", [3.0, -1.0, 0.25]),
]


@pytest.mark.parametrize("case,x", LOG_SOFTMAX, ids=[c[0] for c in LOG_SOFTMAX])
def test_log_softmax_is_taken_per_row_and_shifted_by_the_max(case, x):
    x = np.array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unshifted or wrongly shifted exp overflows
        out = functions.log_softmax(x)
    expected = np.array([_log_softmax_by_hand(row) for row in np.atleast_2d(x)]).reshape(x.shape)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=1e-15, atol=1e-15)


# -- loss functions ---------------------------------------------------------------------------

def test_cross_entropy_error_of_zero_probability_is_clipped_like_keras():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one_hot = functions.cross_entropy_error(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
        label = functions.cross_entropy_error(np.array([[0.0, 1.0]]), np.array([0]))
    assert isinstance(one_hot, float)
    assert -np.log(1e-7) == 16.11809565095832
    assert one_hot == pytest.approx(16.11809565095832, rel=1e-15)
    assert label == one_hot


def test_cross_entropy_error_batch_mean():
    y = np.array([[0.25, 0.75], [0.5, 0.5]])
    expected = -(np.log(0.75) + np.log(0.5)) / 2
    assert functions.cross_entropy_error(y, np.array([1, 0])) == pytest.approx(expected, rel=1e-15)
    assert functions.cross_entropy_error(y, np.array([[0, 1], [1, 0]])) == pytest.approx(expected, rel=1e-15)


def test_cross_entropy_error_single_sample():
    y = np.array([0.1, 0.9])
    assert functions.cross_entropy_error(y, np.array([0, 1])) == pytest.approx(-np.log(0.9), rel=1e-15)
    assert functions.cross_entropy_error(y, 1) == pytest.approx(-np.log(0.9), rel=1e-15)
    assert functions.cross_entropy_error(y, 0) == pytest.approx(-np.log(0.1), rel=1e-15)


def test_cross_entropy_error_normalises_rows_like_keras():
    # Keras divides by the row sum before clipping: [1, 3] is read as [0.25, 0.75].
    assert functions.cross_entropy_error(np.array([[1.0, 3.0]]), np.array([1])) == \
        pytest.approx(-np.log(0.75), rel=1e-15)


def test_mean_squared_error_is_the_mean_over_every_element():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    value = functions.mean_squared_error(y, np.zeros((2, 2)))
    assert isinstance(value, float)
    assert value == 7.5  # (1 + 4 + 9 + 16) / 4, not the textbook's 0.5 * sum = 15
    assert functions.mean_squared_error(y, y) == 0.0


# -- computational-graph nodes (seed 001 exercise 3-1) --------------------------------------

def test_add_multiply_graph_course_example():
    a, b, c = 2, 3, 4
    add, mul = graph.Add(), graph.Multiply()
    s = add.forward(a, b)
    out = mul.forward(s, c)
    assert out == 20
    ds, dc = mul.backward(1)
    da, db = add.backward(ds)
    assert (da, db, dc) == (4, 4, 5)


def test_multiply_node_on_arrays():
    x, y = np.array([1.0, -2.0]), np.array([3.0, 0.5])
    mul = graph.Multiply()
    np.testing.assert_array_equal(mul.forward(x, y), [3.0, -1.0])
    dx, dy = mul.backward(np.array([2.0, 10.0]))
    np.testing.assert_array_equal(dx, [6.0, 5.0])
    np.testing.assert_array_equal(dy, [2.0, -20.0])


def test_add_node_backward_returns_independent_copies():
    dout = np.array([1.0, 2.0])
    dx, dy = graph.Add().backward(dout)
    np.testing.assert_array_equal(dx, dout)
    np.testing.assert_array_equal(dy, dout)
    dx[0] = 99.0
    assert dy[0] == 1.0 and dout[0] == 1.0


# -- numerical gradient and gradient descent (seed 002) --------------------------------------

def square_sum(x):
    return x[0] ** 2 + x[1] ** 2


@pytest.mark.parametrize("point, expected", [((3.0, 4.0), (6.0, 8.0)),
                                             ((0.0, 2.0), (0.0, 4.0)),
                                             ((3.0, 0.0), (6.0, 0.0))])
def test_numerical_gradient_of_square_sum(point, expected):
    x = np.array(point)
    before = x.copy()
    grad = gradcheck.numerical_gradient(square_sum, x)
    assert grad.shape == (2,) and grad.dtype == np.float64
    # Central differences are exact for a quadratic; what is left is round-off in f, about
    # ulp(f) / h = 25 * 2.2e-16 / 1e-4 ~ 6e-11.
    np.testing.assert_allclose(grad, expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(x, before)  # every nudge was undone


def test_numerical_gradient_keeps_float32():
    grad = gradcheck.numerical_gradient(lambda x: float(np.sum(x * x)), np.array([1.0, -2.0], dtype=np.float32),
                                        h=1e-2)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, [2.0, -4.0], rtol=1e-4)


def test_gradient_descent_converges_to_the_minimum():
    x, history = gradcheck.gradient_descent(square_sum, init_x=[-3.0, 4.0], lr=0.1, step_num=100)
    assert x.shape == (2,) and x.dtype == np.float64
    assert history.shape == (100, 2)
    np.testing.assert_array_equal(history[0], [-3.0, 4.0])
    # Each step is x -= 0.1 * 2x, i.e. x *= 0.8: after 100 steps |x| = 0.8**100 * 5 ~ 1.0e-9.
    assert np.linalg.norm(x) < 1e-8
    np.testing.assert_allclose(x, 0.8 ** 100 * np.array([-3.0, 4.0]), rtol=1e-9)
    np.testing.assert_allclose(history[1], [-2.4, 3.2], rtol=1e-12)


def test_gradient_descent_course_printout():
    # seed 002 prints [6.11110793e-10 8.14814391e-10] for init [3, 4], lr 0.1, 100 steps.
    x, _ = gradcheck.gradient_descent(square_sum, np.array([3.0, 4.0]), lr=0.1, step_num=100)
    np.testing.assert_allclose(x, [6.11110793e-10, 8.14814391e-10], rtol=1e-8)


def test_gradient_descent_does_not_modify_init_x():
    init = np.array([-3.0, 4.0])
    gradcheck.gradient_descent(square_sum, init, lr=0.1, step_num=3)
    np.testing.assert_array_equal(init, [-3.0, 4.0])


def test_gradient_descent_too_large_learning_rate_diverges():
    # x -= 10 * 2x multiplies x by -19 per step: the textbook's demonstration of divergence.
    x, history = gradcheck.gradient_descent(square_sum, [-3.0, 4.0], lr=10.0, step_num=100)
    assert np.all(np.isfinite(x))
    assert np.abs(x).max() > 1e12
    np.testing.assert_allclose(history[1], [57.0, -76.0], rtol=1e-9)
    # Once |x| >> 1/h, h is lost in x + h and the numerical gradient collapses to 0, so x freezes
    # at the value the textbook prints: [-2.58983747e+13 -1.29524862e+12].
    np.testing.assert_allclose(x, [-2.58983747e+13, -1.29524862e+12], rtol=1e-8)


def test_gradient_descent_too_small_learning_rate_barely_moves():
    x, _ = gradcheck.gradient_descent(square_sum, [-3.0, 4.0], lr=1e-10, step_num=100)
    # x *= (1 - 2e-10) per step: it moves by 2e-8 relative, no more.
    assert np.all(np.abs(x) < [3.0, 4.0])
    np.testing.assert_allclose(x, np.array([-3.0, 4.0]) * (1 - 2e-10) ** 100, rtol=1e-13)
    np.testing.assert_allclose(x, [-3.0, 4.0], rtol=3e-8)


def test_relative_error():
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    # max|a - b| / max(max|a|, max|b|) = 0.5 / 4
    assert gradcheck.relative_error([4.0, 1.0], [4.0, 1.5]) == 0.125
    assert gradcheck.relative_error([1.0], [-1.0]) == 2.0

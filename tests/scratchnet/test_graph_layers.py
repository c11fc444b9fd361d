"""Layers and loss layers: the course texts' printed values, backward against central
differences (float64, within the tolerance table's numerical_gradient bound, as measured by
`gradcheck.relative_error`), pinned edge cases (kinks, saturation, huge logits) and the
"backward never modifies dout" contract."""
import warnings

import numpy as np
import pytest

from comparisons.core.tolerances import tolerance
from scratchnet import functions
from scratchnet.gradcheck import numerical_gradient, relative_error
from scratchnet.layers import Affine, Identity, ReLU, Sigmoid, Tanh
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy

GRAD_TOL = tolerance("float64", "numerical_gradient")  # central differences at H, see the table
H = 1e-5

W_COURSE = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
B_COURSE = np.array([0.1, 0.2, 0.3])


# -- course values (seed 001 exercises 2-3, 3-2 .. 3-5) --------------------------------------

def test_single_layer_course_example():
    # seed 001's SingleLayer: ReLU(x @ W + b) for x = [1.0, 0.5] prints [0.3 0.7 1.1].
    x = np.array([[1.0, 0.5]])
    out = ReLU().forward(Affine(W_COURSE.copy(), B_COURSE.copy()).forward(x))
    assert out.shape == (1, 3) and out.dtype == np.float64
    hand = np.maximum(1.0 * W_COURSE[0] + 0.5 * W_COURSE[1] + B_COURSE, 0.0)
    np.testing.assert_allclose(out[0], hand, rtol=1e-15, atol=0)
    np.testing.assert_allclose(out[0], [0.3, 0.7, 1.1], rtol=1e-15, atol=0)


def test_affine_course_example_forward_and_backward():
    # seed 001 exercise 3-4's inputs; the outputs below are derived by hand.
    x = np.array([[1.0, 0.5], [-0.4, 0.1]])
    layer = Affine(W_COURSE.copy(), B_COURSE.copy())
    out = layer.forward(x)
    assert out.shape == (2, 3) and out.dtype == np.float64
    # row 2: -0.4*[0.1, 0.3, 0.5] + 0.1*[0.2, 0.4, 0.6] + [0.1, 0.2, 0.3]
    np.testing.assert_allclose(out, [[0.3, 0.7, 1.1], [0.08, 0.12, 0.16]], rtol=1e-14, atol=0)
    dx = layer.backward(np.ones((2, 3)))
    assert dx.shape == (2, 2) and layer.grads["W"].shape == (2, 3) and layer.grads["b"].shape == (3,)
    np.testing.assert_allclose(dx, [[0.9, 1.2], [0.9, 1.2]], rtol=1e-15)     # row sums of W
    np.testing.assert_allclose(layer.grads["W"], [[0.6] * 3, [0.6] * 3], rtol=1e-15)  # column sums of x
    np.testing.assert_array_equal(layer.grads["b"], [2.0, 2.0, 2.0])        # batch size
    assert layer.backward(np.ones((2, 3)), need_dx=False) is None


NODE_X = np.array([-0.5, 0.0, 1.0, 2.0])


def test_relu_node_course_example():
    layer = ReLU()
    out = layer.forward(NODE_X)
    assert out.shape == (4,) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0, 2.0])
    dx = layer.backward(np.ones(4))
    assert dx.shape == (4,) and dx.dtype == np.float64
    np.testing.assert_array_equal(dx, [0.0, 0.0, 1.0, 1.0])


def test_sigmoid_node_course_example():
    layer = Sigmoid()
    out = layer.forward(NODE_X)
    assert out.shape == (4,) and out.dtype == np.float64
    closed = 1.0 / (1.0 + np.exp(-NODE_X))
    np.testing.assert_allclose(out, closed, rtol=1e-15, atol=0)
    np.testing.assert_allclose(out, [0.37754067, 0.5, 0.73105858, 0.88079708], rtol=0, atol=5e-9)
    dx = layer.backward(np.ones(4))
    np.testing.assert_allclose(dx, closed * (1.0 - closed), rtol=1e-15, atol=0)
    np.testing.assert_allclose(dx, [0.23500371, 0.25, 0.19661193, 0.10499359], rtol=0, atol=5e-9)


def test_softmax_cross_entropy_course_example():
    x = np.array([[1.0, 0.5], [-0.4, 0.1]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    layer = SoftmaxCrossEntropy()
    loss = layer.forward(x, t)
    assert isinstance(loss, float)
    y = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert loss == pytest.approx(-np.sum(t * np.log(y)) / 2, rel=1e-15)
    assert loss == pytest.approx(0.47407698418010663, rel=1e-15)  # printed by seed 001
    dx = layer.backward()
    assert dx.shape == (2, 2) and dx.dtype == np.float64
    # scratchnet follows Keras's batch mean, so its backward is (y - t) / N ...
    np.testing.assert_allclose(dx, (y - t) / 2, rtol=1e-15, atol=1e-17)
    # ... and N times it is the course's printed y - t.
    np.testing.assert_allclose(dx * 2, [[-0.37754067, 0.37754067], [0.37754067, -0.37754067]],
                               rtol=0, atol=5e-9)
    # same numbers from integer labels
    by_label = SoftmaxCrossEntropy()
    assert by_label.forward(x, np.array([0, 1])) == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(by_label.backward(), dx, rtol=1e-15, atol=1e-17)


# -- backward against numerical gradients -----------------------------------------------------

AFFINE_SHAPES = [(0, 1, 1, 1), (1, 3, 4, 5), (2, 7, 2, 3), (3, 5, 6, 1)]  # (seed, N, n_in, n_out)


@pytest.mark.parametrize("seed, n, n_in, n_out", AFFINE_SHAPES)
@pytest.mark.parametrize("l2", [0.0, 0.03])
def test_affine_backward_matches_numerical_gradient(seed, n, n_in, n_out, l2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_in))
    layer = Affine(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), l2=l2)
    dout = rng.normal(size=(n, n_out))

    def f(_):
        return float(np.sum(layer.forward(x) * dout)) + layer.penalty()

    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape and dx.dtype == np.float64
    analytic = {"x": dx, "W": layer.grads["W"].copy(), "b": layer.grads["b"].copy()}
    for name, arr in (("x", x), ("W", layer.params["W"]), ("b", layer.params["b"])):
        assert relative_error(analytic[name], numerical_gradient(f, arr, H)) < GRAD_TOL, name


def _away_from_zero(rng, shape):
    """Values in +-[0.1, 2]: ReLU's kink at 0 is more than h away."""
    return rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


ACTIVATION_CASES = [(cls, seed, shape) for cls in (ReLU, Sigmoid, Tanh, Identity)
                    for seed, shape in ((0, (1, 1)), (1, (3, 4)), (2, (6, 2)), (3, (5,)))]


@pytest.mark.parametrize("cls, seed, shape", ACTIVATION_CASES,
                         ids=[f"{c.__name__}-{s}-{sh}" for c, s, sh in ACTIVATION_CASES])
def test_activation_backward_matches_numerical_gradient(cls, seed, shape):
    rng = np.random.default_rng(seed)
    x = _away_from_zero(rng, shape) * 2.0
    dout = rng.normal(size=shape)
    layer = cls()
    out = layer.forward(x)
    assert out.shape == shape and out.dtype == np.float64
    dx = layer.backward(dout)
    assert dx.shape == shape and dx.dtype == np.float64
    numeric = numerical_gradient(lambda _: float(np.sum(layer.forward(x) * dout)), x, H)
    assert relative_error(dx, numeric) < GRAD_TOL


def _loss_case(kind, rng, n, k):
    x = rng.normal(scale=2.0, size=(n, k))
    labels = rng.integers(0, k, size=n)
    if kind == "softmax-labels":
        return SoftmaxCrossEntropy(), x, labels
    if kind == "softmax-one-hot":
        return SoftmaxCrossEntropy(), x, np.eye(k)[labels]
    if kind == "softmax-soft-targets":
        return SoftmaxCrossEntropy(), x, functions.softmax(rng.normal(size=(n, k)))
    if kind == "sigmoid-binary":
        return SigmoidBinaryCrossEntropy(), x, rng.integers(0, 2, size=(n, k)).astype(np.float64)
    if kind == "sigmoid-soft":
        return SigmoidBinaryCrossEntropy(), x, rng.uniform(size=(n, k))
    if kind == "mse":
        return MeanSquaredError(), x, rng.normal(size=(n, k))
    raise AssertionError(kind)


LOSS_KINDS = ["softmax-labels", "softmax-one-hot", "softmax-soft-targets", "sigmoid-binary",
              "sigmoid-soft", "mse"]


LOSS_GRAD_CASES = [(kind, seed, n, k) for kind in LOSS_KINDS
                   for seed, n, k in ((0, 1, 2), (1, 4, 3), (2, 9, 5), (3, 3, 1))
                   if not (kind.startswith("softmax") and k == 1)]  # softmax of one class is constant


@pytest.mark.parametrize("kind, seed, n, k", LOSS_GRAD_CASES)
def test_loss_backward_matches_numerical_gradient(kind, seed, n, k):
    rng = np.random.default_rng(seed)
    layer, x, t = _loss_case(kind, rng, n, k)
    dout = float(rng.uniform(0.5, 2.0))  # the upstream gradient of a scalar loss is a scalar
    loss = layer.forward(x, t)
    assert isinstance(loss, float) and np.isfinite(loss)
    dx = layer.backward(dout)
    assert dx.shape == x.shape and dx.dtype == np.float64
    numeric = numerical_gradient(lambda _: dout * layer.forward(x, t), x, H)
    assert relative_error(dx, numeric) < GRAD_TOL
    # backward is linear in dout, with dout=1.0 the default
    layer.forward(x, t)
    np.testing.assert_allclose(layer.backward() * dout, dx, rtol=1e-15, atol=1e-18)


@pytest.mark.parametrize("kind", LOSS_KINDS)
def test_loss_values_match_hand_formulas(kind):
    rng = np.random.default_rng(7)
    layer, x, t = _loss_case(kind, rng, 4, 3)
    loss = layer.forward(x, t)
    if kind == "softmax-labels":
        expected = -np.mean(np.log(functions.softmax(x)[np.arange(4), t]))
    elif kind.startswith("softmax"):
        expected = -np.mean(np.sum(t * np.log(functions.softmax(x)), axis=1))
    elif kind.startswith("sigmoid"):
        p = 1.0 / (1.0 + np.exp(-x))
        expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    else:
        expected = np.mean((x - t) ** 2)
    assert loss == pytest.approx(expected, rel=1e-13)


# -- edge cases ------------------------------------------------------------------------------

def test_relu_at_exactly_zero_has_zero_gradient():
    # The derivative is undefined at the kink; TensorFlow (and scratchnet) use 0.
    layer = ReLU()
    out = layer.forward(np.array([[0.0, -0.0, 1e-300, -1e-300]]))
    np.testing.assert_array_equal(out, [[0.0, 0.0, 1e-300, 0.0]])
    np.testing.assert_array_equal(layer.backward(np.full((1, 4), 3.0)), [[0.0, 0.0, 3.0, 0.0]])


@pytest.mark.parametrize("cls", [Sigmoid, Tanh])
def test_saturating_activations_at_extremes(cls):
    x = np.array([[-1000.0, -400.0, 400.0, 1000.0]])
    layer = cls()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(x))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    if cls is Sigmoid:
        np.testing.assert_array_equal(out[0, [0, 2, 3]], [0.0, 1.0, 1.0])
        np.testing.assert_allclose(out[0, 1], np.exp(-400.0), rtol=1e-12)
        # out * (1 - out) = exp(-400) at -400: tiny but not flushed to 0
        np.testing.assert_allclose(dx[0, 1], np.exp(-400.0), rtol=1e-12)
        np.testing.assert_array_equal(dx[0, [0, 2, 3]], 0.0)
    else:
        np.testing.assert_array_equal(out, [[-1.0, -1.0, 1.0, 1.0]])
        np.testing.assert_array_equal(dx, 0.0)


@pytest.mark.parametrize("targets", [np.array([1]), np.array([[0.0, 1.0, 0.0]])], ids=["label", "one-hot"])
def test_softmax_cross_entropy_on_huge_logits(targets):
    layer = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = layer.forward(np.array([[1000.0, 0.0, 0.0]]), targets)
        dx = layer.backward()
    # log softmax = x - 1000 - log(1 + 2 exp(-1000)) = [0, -1000, -1000] exactly
    assert loss == 1000.0
    np.testing.assert_array_equal(dx, [[1.0, -1.0, 0.0]])


def test_sigmoid_binary_cross_entropy_on_huge_logits():
    layer = SigmoidBinaryCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = layer.forward(np.array([[1000.0, -1000.0]]), np.array([[0.0, 1.0]]))
        dx = layer.backward()
    assert loss == 1000.0  # both units are 1000 nats wrong
    np.testing.assert_array_equal(dx, [[0.5, -0.5]])  # (sigmoid(x) - t) / 2 units


# -- float32 is kept ----------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [ReLU, Sigmoid, Tanh, Identity])
def test_activations_keep_float32(cls):
    x = np.array([[-1.5, 0.25, 3.0]], dtype=np.float32)
    layer = cls()
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    ref = cls()
    np.testing.assert_allclose(out, ref.forward(x.astype(np.float64)), rtol=1e-6)
    # 1 - tanh(3)**2 = 0.0099 cancels: float32's absolute round-off ~6e-8 of the O(1) terms stays
    np.testing.assert_allclose(dx, ref.backward(np.ones((1, 3))), rtol=1e-6, atol=1e-7)


def test_affine_keeps_float32():
    rng = np.random.default_rng(0)
    layer = Affine(rng.normal(size=(3, 2)).astype(np.float32), np.zeros(2, np.float32))
    out = layer.forward(rng.normal(size=(4, 3)).astype(np.float32))
    dx = layer.backward(np.ones((4, 2), np.float32))
    assert out.dtype == dx.dtype == layer.grads["W"].dtype == layer.grads["b"].dtype == np.float32


@pytest.mark.parametrize("kind", LOSS_KINDS)
def test_loss_layers_keep_float32(kind):
    layer, x, t = _loss_case(kind, np.random.default_rng(3), 4, 3)
    x = x.astype(np.float32)
    if t.dtype == np.float64:
        t = t.astype(np.float32)
    loss = layer.forward(x, t)
    dx = layer.backward()
    assert isinstance(loss, float)
    assert dx.dtype == np.float32 and dx.shape == x.shape


# -- backward never modifies its argument ------------------------------------------------------

LAYER_FACTORIES = {
    "Affine": lambda: Affine(np.arange(6.0).reshape(2, 3) / 10, np.array([0.1, -0.2, 0.3]), l2=0.1),
    "ReLU": ReLU, "Sigmoid": Sigmoid, "Tanh": Tanh, "Identity": Identity,
}


@pytest.mark.parametrize("name", LAYER_FACTORIES)
def test_backward_does_not_modify_dout_or_forward_input(name):
    layer = LAYER_FACTORIES[name]()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 2))
    x_copy = x.copy()
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dout_copy = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_copy)
    np.testing.assert_array_equal(x, x_copy)
    # a second backward with the same dout gives the same answer: no state was consumed
    np.testing.assert_array_equal(layer.backward(dout), dx)


@pytest.mark.parametrize("kind", LOSS_KINDS)
def test_loss_backward_is_repeatable_and_leaves_inputs_alone(kind):
    layer, x, t = _loss_case(kind, np.random.default_rng(5), 4, 3)
    x_copy, t_copy = x.copy(), t.copy()
    layer.forward(x, t)
    first = layer.backward(1.5)
    first_copy = first.copy()
    second = layer.backward(1.5)
    np.testing.assert_array_equal(second, first_copy)
    np.testing.assert_array_equal(first, first_copy)  # the first result was not reused in place
    np.testing.assert_array_equal(x, x_copy)
    np.testing.assert_array_equal(t, t_copy)


@pytest.mark.parametrize("targets", [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])])
def test_softmax_cross_entropy_sum_reduction_is_the_course_convention(targets):
    # reduction="sum": the course's loss (sum over the batch) and its backward y - t exactly.
    x = np.array([[1.0, 0.5], [-0.4, 0.1]])
    layer = SoftmaxCrossEntropy(reduction="sum")
    assert layer.forward(x, targets) == pytest.approx(2 * 0.47407698418010663, rel=1e-15)
    dx = layer.backward()
    np.testing.assert_allclose(dx, [[-0.37754067, 0.37754067], [0.37754067, -0.37754067]], rtol=0, atol=5e-9)
    mean = SoftmaxCrossEntropy()
    mean.forward(x, targets)
    np.testing.assert_allclose(dx, 2 * mean.backward(), rtol=1e-15)


def test_softmax_cross_entropy_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        SoftmaxCrossEntropy(reduction="none")


@pytest.mark.parametrize("cls", [SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError])
def test_loss_backward_before_forward(cls):
    with pytest.raises(RuntimeError, match=f"{cls.__name__}: backward called before forward"):
        cls().backward()

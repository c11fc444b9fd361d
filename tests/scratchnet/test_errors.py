"""Wrong inputs fail loudly: each test pins the exception type and the key phrase of its
message (the layer's name and the expected and actual shape or dtype where there is one),
because NumPy would otherwise broadcast a wrong shape or upcast a dtype without a word."""
import re

import numpy as np
import pytest

import scratchnet
from scratchnet import functions, initializers
from scratchnet.gradcheck import numerical_gradient
from scratchnet.layers import Affine, Identity, ReLU, Sigmoid, Tanh
from scratchnet.losses import MeanSquaredError, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from scratchnet.optimizers import SGD


def _model(**kw):
    return scratchnet.mlp([3, 4, 2], seed=0, **{"weight_init": "he_normal", "dtype": np.float64, **kw})


# -- inputs to layers and predict -----------------------------------------------------------------

def test_affine_wrong_input_shape_names_layer_and_shapes():
    model = _model()
    with pytest.raises(ValueError) as info:
        model.layers[0].forward(np.ones((5, 2)))
    message = str(info.value)
    assert "Affine1" in message and "(N, 3)" in message and "(5, 2)" in message
    with pytest.raises(ValueError, match=re.escape("Affine2: expected shape (N, 4), got (5, 3)")):
        model.layers[2].forward(np.ones((5, 3)))


def test_predict_wrong_input_shape_names_expected_and_actual():
    with pytest.raises(ValueError, match=re.escape("expected shape (N, 3), got (5, 2)")):
        _model().predict(np.ones((5, 2)))


def test_predict_wrong_dtype_names_both_dtypes():
    with pytest.raises(TypeError, match="expected dtype float64, got float32"):
        _model().predict(np.ones((5, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="expected dtype float32, got float64"):
        _model(dtype=np.float32).predict(np.ones((5, 3)))
    with pytest.raises(TypeError, match="Affine1: expected dtype float64, got float32"):
        _model().layers[0].forward(np.ones((5, 3), dtype=np.float32))


def test_predict_one_dimensional_input():
    with pytest.raises(ValueError, match=re.escape("expected a 2-D array of shape (N, 3), got shape (3,)")):
        _model().predict(np.ones(3))


def test_predict_non_array_input():
    with pytest.raises(TypeError, match="expected a numpy array, got list"):
        _model().predict([[1.0, 2.0, 3.0]])


@pytest.mark.parametrize("cls", [ReLU, Sigmoid, Tanh, Identity])
def test_activation_rejects_integer_input(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}: expected a float32 or float64 input, got int64"):
        cls().forward(np.array([1, 2], dtype=np.int64))


# -- targets ---------------------------------------------------------------------------------------

def test_labels_out_of_range():
    model, x = _model(), np.ones((3, 3))
    with pytest.raises(ValueError, match=re.escape("labels out of range: expected integers in [0, 2)")):
        model.loss(x, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="out of range.*min -1"):
        model.loss(x, np.array([0, -1, 1]))


def test_labels_with_the_wrong_length():
    with pytest.raises(ValueError, match=re.escape("expected 3 labels to match the batch, got shape (4,)")):
        _model().loss(np.ones((3, 3)), np.array([0, 1, 1, 0]))


def test_one_hot_with_the_wrong_shape():
    message = "expected targets of shape (3,) as labels or (3, 2) one-hot, got (3, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        _model().loss(np.ones((3, 3)), np.eye(3))
    # an integer column (3, 1) is read as labels, as Keras reads it; a float one is refused
    assert _model().loss(np.ones((3, 3)), np.zeros((3, 1), dtype=np.int64)) == \
        _model().loss(np.ones((3, 3)), np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match=re.escape("targets shaped (3, 1) are read as a column of class labels")):
        _model().loss(np.ones((3, 3)), np.zeros((3, 1)))


def test_float_one_dimensional_labels():
    with pytest.raises(TypeError, match="1-D targets must be integer class labels, got dtype float64"):
        _model().loss(np.ones((3, 3)), np.array([0.0, 1.0, 1.0]))


def test_cross_entropy_error_checks_labels_too():
    with pytest.raises(ValueError, match="cross_entropy_error: labels out of range"):
        functions.cross_entropy_error(np.array([[0.5, 0.5]]), np.array([2]))


@pytest.mark.parametrize("cls", [MeanSquaredError, SigmoidBinaryCrossEntropy])
def test_elementwise_loss_targets_must_match_exactly(cls):
    # (N, 1) against (N,) would broadcast to (N, N) in NumPy; Keras reads (N,) as the column (N, 1)
    # for a one-unit output, and so does scratchnet. (1, N) is refused.
    y, t = np.linspace(-1, 1, 4).reshape(4, 1), np.array([0.0, 1.0, 1.0, 0.0])
    assert cls().forward(y, t) == cls().forward(y, t.reshape(4, 1))
    with pytest.raises(ValueError, match=re.escape(f"{cls.__name__} targets: expected shape (4, 1), got (4, 2)")):
        cls().forward(np.zeros((4, 1)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=re.escape("expected shape (4, 1), got (1, 4)")):
        cls().forward(np.zeros((4, 1)), np.zeros((1, 4)))


def test_mean_squared_error_function_does_not_broadcast():
    with pytest.raises(ValueError, match=re.escape("same shape, got (4, 1) and (4,)")):
        functions.mean_squared_error(np.zeros((4, 1)), np.zeros(4))


def test_loss_logits_must_be_float():
    with pytest.raises(TypeError, match="SoftmaxCrossEntropy: expected a float32 or float64 input, got int64"):
        SoftmaxCrossEntropy().forward(np.ones((2, 2), dtype=np.int64), np.array([0, 1]))


# -- backward --------------------------------------------------------------------------------------

def test_affine_backward_wrong_dout_shape():
    layer = _model().layers[0]
    layer.forward(np.ones((5, 3)))
    with pytest.raises(ValueError, match=re.escape("Affine1 backward: expected shape (5, 4), got (4, 5)")):
        layer.backward(np.ones((4, 5)))


@pytest.mark.parametrize("cls", [ReLU, Sigmoid, Tanh, Identity])
def test_activation_backward_wrong_dout_shape_and_dtype(cls):
    layer = cls()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape(f"{cls.__name__} backward: expected shape (2, 3), got (3, 2)")):
        layer.backward(np.ones((3, 2)))
    with pytest.raises(TypeError, match="expected dtype float64, got float32"):
        layer.backward(np.ones((2, 3), dtype=np.float32))


@pytest.mark.parametrize("cls", [ReLU, Sigmoid, Tanh, Identity])
def test_activation_backward_before_forward(cls):
    with pytest.raises(RuntimeError, match=f"{cls.__name__}: backward called before forward"):
        cls().backward(np.ones(2))


def test_affine_backward_before_forward():
    layer = Affine(np.zeros((3, 4)), np.zeros(4), name="Affine7")
    with pytest.raises(RuntimeError, match="Affine7: backward called before forward"):
        layer.backward(np.ones((2, 4)))


def test_evaluate_with_mismatched_rows():
    model, (x, t) = _model(), _xt(14)
    # with 7-row chunks a 15th label would otherwise be ignored without a word
    with pytest.raises(ValueError, match="14 inputs but 15 targets"):
        model.evaluate(x, np.zeros(15, dtype=np.int64), batch_size=7)
    with pytest.raises(ValueError, match="14 inputs but 13 targets"):
        model.accuracy(x, t[:13])


# -- weights and architecture --------------------------------------------------------------------

def test_set_weights_wrong_count():
    with pytest.raises(ValueError, match=re.escape("expected 4 arrays (W1, b1, W2, b2), got 3")):
        _model().set_weights(_model().get_weights()[:3])


def test_set_weights_wrong_shape_names_the_parameter():
    weights = _model().get_weights()
    weights[2] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=re.escape("W2 expected shape (4, 2), got (2, 4)")):
        _model().set_weights(weights)


def test_set_weights_failure_changes_nothing():
    # every shape is checked before any array is copied: W1 and b1 are not half-updated
    model = _model()
    before = model.get_weights()
    weights = [np.ones((3, 4)), np.ones(4), np.ones((9, 9)), np.ones(2)]
    with pytest.raises(ValueError, match="W2"):
        model.set_weights(weights)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_mismatched_consecutive_affine_sizes():
    layers = [Affine(np.zeros((3, 4)), np.zeros(4)), ReLU(), Affine(np.zeros((5, 2)), np.zeros(2))]
    with pytest.raises(ValueError, match="Affine1 outputs 4 units but Affine2 expects 5 inputs"):
        scratchnet.Sequential(layers, SoftmaxCrossEntropy())


def test_mixed_dtypes_in_one_model():
    layers = [Affine(np.zeros((3, 4)), np.zeros(4)), ReLU(),
              Affine(np.zeros((4, 2), np.float32), np.zeros(2, np.float32))]
    with pytest.raises(TypeError, match="Affine2.W is float32, the model is float64"):
        scratchnet.Sequential(layers, SoftmaxCrossEntropy())


def test_sequential_needs_an_affine_layer():
    with pytest.raises(ValueError, match="needs at least one Affine layer"):
        scratchnet.Sequential([ReLU()], SoftmaxCrossEntropy())


def test_affine_constructor_checks():
    with pytest.raises(ValueError, match=re.escape("Affine: b: expected shape (3,), got (2,)")):
        Affine(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(TypeError, match="W and b must share a float32/float64 dtype, got int64 and int64"):
        Affine(np.zeros((2, 3), dtype=np.int64), np.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="got float64 and float32"):
        Affine(np.zeros((2, 3)), np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match="expected a 2-D array"):
        Affine(np.zeros(3), np.zeros(3))


def test_load_of_a_different_architecture(tmp_path):
    path = tmp_path / "small.npz"
    _model().save(path)
    with pytest.raises(ValueError, match="holds a different architecture"):
        scratchnet.mlp([3, 5, 2], weight_init="he_normal", dtype=np.float64).load(path)
    with pytest.raises(ValueError, match="holds a different architecture"):
        scratchnet.mlp([3, 4, 2], activation="tanh", weight_init="he_normal", dtype=np.float64).load(path)
    with pytest.raises(ValueError, match="holds a different architecture"):
        scratchnet.mlp([3, 4, 2], loss="mean_squared_error", weight_init="he_normal",
                       dtype=np.float64).load(path)


# -- names, dtypes and arguments -----------------------------------------------------------------

def test_unknown_names():
    with pytest.raises(ValueError, match="unknown activation 'mish'"):
        scratchnet.mlp([2, 3, 2], activation="mish", weight_init="he_normal", dtype=np.float64)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        scratchnet.mlp([2, 3, 2], loss="hinge", weight_init="he_normal", dtype=np.float64)
    with pytest.raises(ValueError, match="unknown initializer 'xavier_typo'"):
        initializers.get("xavier_typo")
    with pytest.raises(ValueError, match="unknown initializer 'nope'"):
        scratchnet.mlp([2, 3, 2], weight_init="nope", dtype=np.float64)


def test_mlp_needs_two_sizes_and_a_float_dtype():
    with pytest.raises(ValueError, match="sizes needs at least input and output sizes"):
        scratchnet.mlp([4], weight_init="he_normal", dtype=np.float64)
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int32"):
        scratchnet.mlp([2, 2], dtype=np.int32, weight_init="he_normal")
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got float16"):
        initializers.Zeros()((2, 2), np.random.default_rng(0), np.float16)


def test_initializers_need_a_2d_shape():
    with pytest.raises(ValueError, match=re.escape("expect a 2-D (n_in, n_out) shape, got (3,)")):
        initializers.HeNormal()((3,), np.random.default_rng(0))


def test_numerical_gradient_on_an_int_array():
    with pytest.raises(TypeError, match="x must be a float numpy array, got ndarray int64"):
        numerical_gradient(lambda x: float(np.sum(x)), np.array([1, 2], dtype=np.int64))
    with pytest.raises(TypeError, match="x must be a float numpy array, got list"):
        numerical_gradient(lambda x: 0.0, [1.0, 2.0])


# -- trainer ------------------------------------------------------------------------------------

def _xt(n=6):
    return np.ones((n, 3)), np.zeros(n, dtype=np.int64)


def test_trainer_argument_errors():
    model = _model()
    x, t = _xt()
    with pytest.raises(ValueError, match="6 training inputs but 5 targets"):
        scratchnet.Trainer(model, SGD(), x, t[:5])
    with pytest.raises(ValueError, match="give both x_test and t_test, or neither"):
        scratchnet.Trainer(model, SGD(), x, t, x_test=x)
    with pytest.raises(ValueError, match="evaluate must be 'epoch', 'end' or None, got 'always'"):
        scratchnet.Trainer(model, SGD(), x, t, evaluate="always")
    with pytest.raises(ValueError, match="sampling must be 'shuffle' or 'replacement', got 'bootstrap'"):
        scratchnet.Trainer(model, SGD(), x, t, sampling="bootstrap", progress=False).fit()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        scratchnet.Trainer(model, SGD(), x, t, batch_size=0, progress=False).fit()

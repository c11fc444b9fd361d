"""Every loss against Keras's class of the same name, one line per case (tinygrad's helper_test_op
style): one helper checks the loss value and its gradient with respect to the output (Keras's
autodiff), with and without sample weights, in float64 at 1e-12 and in float32 at the float32
tolerances. Cases pin Keras's clipping of probabilities at 1e-7 (a probability of exactly 0 or
1), rows not summing to 1, label smoothing, the Huber kink at |e| = delta, |e| = 0 for the MAE,
label columns and (N,) targets for a one-unit output. Then whole models: the softmax quirk,
sample weights in the loss, gradient and evaluate, and the single-unit softmax warning."""
import warnings

import numpy as np
import pytest

import reference_keras as rk
import scratchnet
from comparisons.core.tolerances import tolerance
from reference_keras import keras, tf
from scratchnet.gradcheck import relative_error
from scratchnet.layers import Affine, ReLU, Sigmoid, Softmax, Tanh
from scratchnet.losses import (BinaryCrossentropy, CategoricalCrossentropy, Huber, MeanAbsoluteError, MeanSquaredError,
                               SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy, SparseCategoricalCrossentropy)

PROBABILITIES = [[0.7, 0.2, 0.1], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [1e-9, 0.3, 0.7]]
UNNORMALISED = [[0.2, 0.2, 0.1], [2.0, 1.0, 1.0], [0.3, 0.0, 0.6], [1e-9, 1e-8, 3.0]]
ONE_HOT = [[1, 0, 0], [1, 0, 0], [0, 0, 1], [0, 0, 1]]
SOFT = [[0.6, 0.3, 0.1], [0.0, 0.5, 0.5], [0.2, 0.2, 0.6], [1.0, 0.0, 0.0]]
LABELS = [0, 1, 2, 2]
LOGITS = [[2.0, -1.0, 0.5], [60.0, 0.0, 0.0], [-3.0, 3.0, 0.0], [0.0, 0.0, 0.0]]
UNITS = [[0.9, 0.0, 1.0], [0.2, 1.0, 0.0], [0.5, 1e-9, 1.0 - 1e-9]]
BINARY = [[1, 0, 1], [0, 1, 1], [0.5, 0, 1]]
REAL = [[0.5, -1.0, 2.0], [0.0, 0.3, -0.7], [4.0, 1.0, -2.0]]
NEAR = [[0.5, -0.7, 3.0], [0.0, 1.3, -0.4], [1.0, 1.0, -1.0]]  # |e| = 1 and 0.3 (Huber's kinks), e = 0
K = keras.losses

# (case, scratchnet loss, Keras loss for a dtype, outputs, targets): one line per case.
CASES = [
    ("categorical on probabilities, clipped at 0 and 1", CategoricalCrossentropy,
     lambda d: K.CategoricalCrossentropy(dtype=d), PROBABILITIES, ONE_HOT),
    ("categorical: rows divided by their sums", CategoricalCrossentropy, lambda d: K.CategoricalCrossentropy(dtype=d),
     UNNORMALISED, SOFT),
    ("categorical, label smoothing 0.1", lambda: CategoricalCrossentropy(label_smoothing=0.1),
     lambda d: K.CategoricalCrossentropy(label_smoothing=0.1, dtype=d), PROBABILITIES, ONE_HOT),
    ("categorical on logits, smoothing 0.2, sum", lambda: CategoricalCrossentropy(True, 0.2, reduction="sum"),
     lambda d: K.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, reduction="sum", dtype=d),
     LOGITS, SOFT),
    ("sparse on probabilities: clipped, renormalised", SparseCategoricalCrossentropy,
     lambda d: K.SparseCategoricalCrossentropy(dtype=d), UNNORMALISED, LABELS),
    ("sparse on probabilities, a label column", SparseCategoricalCrossentropy,
     lambda d: K.SparseCategoricalCrossentropy(dtype=d), PROBABILITIES, [[label] for label in LABELS]),
    ("sparse on logits", lambda: SparseCategoricalCrossentropy(from_logits=True),
     lambda d: K.SparseCategoricalCrossentropy(from_logits=True, dtype=d), LOGITS, LABELS),
    ("binary on probabilities, clipped at 0 and 1", BinaryCrossentropy, lambda d: K.BinaryCrossentropy(dtype=d),
     UNITS, BINARY),
    ("binary, label smoothing 0.2, sum", lambda: BinaryCrossentropy(label_smoothing=0.2, reduction="sum"),
     lambda d: K.BinaryCrossentropy(label_smoothing=0.2, reduction="sum", dtype=d), UNITS, BINARY),
    ("binary on logits, smoothing 0.1", lambda: BinaryCrossentropy(True, 0.1),
     lambda d: K.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, dtype=d), REAL, BINARY),
    ("binary, (N,) targets for one unit", BinaryCrossentropy, lambda d: K.BinaryCrossentropy(dtype=d),
     [[0.2], [0.9], [0.5]], [0, 1, 1]),
    ("sigmoid binary cross-entropy", SigmoidBinaryCrossEntropy,
     lambda d: K.BinaryCrossentropy(from_logits=True, dtype=d), REAL, BINARY),
    ("softmax cross-entropy, labels", SoftmaxCrossEntropy,
     lambda d: K.SparseCategoricalCrossentropy(from_logits=True, dtype=d), LOGITS, LABELS),
    ("mean absolute error, e = 0 included", MeanAbsoluteError, lambda d: K.MeanAbsoluteError(dtype=d), NEAR, REAL),
    ("huber, delta 1 (kink at |e| = 1)", Huber, lambda d: K.Huber(dtype=d), NEAR, REAL),
    ("huber, delta 0.3, sum", lambda: Huber(0.3, reduction="sum"), lambda d: K.Huber(0.3, reduction="sum", dtype=d),
     NEAR, REAL),
    ("mean squared error, (N,) targets for one unit", MeanSquaredError, lambda d: K.MeanSquaredError(dtype=d),
     [[0.5], [-1.0], [2.0]], [0.0, 1.0, 2.5]),
]
WEIGHTS = {3: [0.5, 2.0, 0.0], 4: [1.0, 0.25, 3.0, 0.5]}  # by batch size


def keras_value_and_gradient(loss, y, t, sample_weight):
    y = tf.convert_to_tensor(y)
    with tf.GradientTape() as tape:
        tape.watch(y)
        value = loss(t, y, sample_weight=sample_weight)
    return float(value), np.array(tape.gradient(value, y))


def helper_test_loss(make_ours, make_keras, outputs, targets, dtype, weighted):
    y, t = np.array(outputs, dtype=dtype), np.array(targets)
    t = t.astype(dtype) if t.dtype.kind == "f" else t
    w = np.array(WEIGHTS[len(y)], dtype=dtype) if weighted else None
    ours = make_ours()
    value = ours.forward(y, t, sample_weight=w)
    dy = ours.backward()
    keras_value, keras_dy = keras_value_and_gradient(make_keras(dtype), y, t, w)
    assert dy.shape == y.shape and dy.dtype == y.dtype == keras_dy.dtype
    assert abs(value - keras_value) <= tolerance(dtype, "loss") * abs(keras_value), (value, keras_value)
    assert relative_error(dy, keras_dy) <= tolerance(dtype, "gradient"), (dy, keras_dy)


@pytest.mark.parametrize("weighted", [False, True], ids=["", "weighted"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case,ours,theirs,outputs,targets", CASES, ids=[case[0] for case in CASES])
def test_loss_matches_keras(case, ours, theirs, outputs, targets, dtype, weighted):
    helper_test_loss(ours, theirs, outputs, targets, dtype, weighted)


@pytest.mark.parametrize("loss", [CategoricalCrossentropy(label_smoothing=0.1), SparseCategoricalCrossentropy(),
                                  BinaryCrossentropy(label_smoothing=0.05), MeanAbsoluteError(), Huber(0.5),
                                  CategoricalCrossentropy(from_logits=True, reduction="sum")], ids=repr)
def test_loss_round_trips_through_keras_with_its_options(loss):
    keras_loss = rk.keras_loss(loss, dtype="float64")
    back = rk.scratchnet_loss(keras_loss)
    assert type(back) is type(loss) and back.config() == loss.config()
    assert scratchnet.losses.loss_from_config(loss.config()).config() == loss.config()


# -- whole models ---------------------------------------------------------------------------------
def _model(last, loss, dtype="float64", units=3, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Affine(rng.normal(size=(4, 5)).astype(dtype), rng.normal(size=5).astype(dtype)), Tanh(),
              Affine(rng.normal(size=(5, units)).astype(dtype) * 2, rng.normal(size=units).astype(dtype))]
    return scratchnet.Sequential(layers + ([last] if last else []), loss, dtype=dtype)


QUIRK = {  # (case, last layer, loss, targets for 6 samples): the loss reads the logits where Keras does
    "softmax + categorical on probabilities": (Softmax, CategoricalCrossentropy(label_smoothing=0.1), "one_hot"),
    "softmax + sparse on probabilities": (Softmax, SparseCategoricalCrossentropy(), "labels"),
    "sigmoid + binary on probabilities": (Sigmoid, BinaryCrossentropy(), "binary"),
    "sigmoid + categorical: Keras reads any tagged logits": (Sigmoid, CategoricalCrossentropy(), "one_hot"),
    "softmax + binary": (Softmax, BinaryCrossentropy(), "binary"),
    "tanh + categorical: no quirk, clipped": (Tanh, CategoricalCrossentropy(), "one_hot"),
    "softmax + mean squared error: no quirk": (Softmax, MeanSquaredError(), "one_hot"),
}


def _targets(kind, rng, n=6, k=3):
    labels = rng.integers(0, k, n)
    return {"labels": labels, "one_hot": np.eye(k)[labels], "binary": (rng.random((n, k)) < 0.5).astype(float)}[kind]


@pytest.mark.parametrize("case", QUIRK)
def test_the_softmax_quirk_as_keras(case, assert_twin):
    last, loss, kind = QUIRK[case]
    model = _model(last(), loss)
    reads = "no quirk" not in case
    assert model.reads_logits() is reads
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 4)) * 3
    assert_twin(model, x, _targets(kind, rng))


def test_the_quirk_reads_60_where_the_probabilities_would_give_16():
    """Logits [60, 0, 0], label 1: from the logits the loss is 60, from the clipped probabilities
    16.118 = -log(1e-7); a Softmax layer before SparseCategoricalCrossentropy reads the logits,
    as Keras does, and gives no gradient to the probabilities."""
    model = scratchnet.Sequential([Affine(np.array([[60.0, 0.0, 0.0]]), np.zeros(3)), Softmax()],
                                  SparseCategoricalCrossentropy())
    x, t = np.ones((1, 1)), np.array([1])
    assert model.loss(x, t) == 60.0
    on_probabilities = SparseCategoricalCrossentropy().forward(model.predict(x), t)  # clipped and renormalised
    assert on_probabilities == pytest.approx(np.log(1 + 1e-7) - np.log(1e-7), rel=1e-12)  # 16.118...
    keras_loss = rk.keras_loss(SparseCategoricalCrossentropy(), dtype="float64")
    assert on_probabilities == pytest.approx(rk.loss_vjp(keras_loss, model.predict(x), t)[0], rel=1e-12)
    trace, _ = model.backward_trace(x, t)
    assert not np.any(trace["Softmax1"])
    keras_trace, _ = rk.backward_trace(rk.to_keras(model), x, t)
    np.testing.assert_array_equal(keras_trace["Softmax1"], trace["Softmax1"])
    assert rk.loss_and_gradients(rk.to_keras(model), None, x, t)[0] == 60.0


def test_a_loss_on_logits_after_its_own_activation_warns_as_keras_and_reads_the_logits():
    with pytest.warns(UserWarning, match="reads the logits under Softmax1"):
        model = _model(Softmax(), SoftmaxCrossEntropy())
    assert model.reads_logits()


def test_a_single_unit_softmax_warns():
    model = _model(None, SoftmaxCrossEntropy(), units=1)
    x = np.random.default_rng(0).normal(size=(5, 4))
    with pytest.warns(UserWarning, match="one unit, so its softmax is 1 and the loss 0"):
        assert model.loss(x, np.zeros(5, dtype=int)) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model(None, SoftmaxCrossEntropy(), units=2).loss(x, np.zeros(5, dtype=int))


SAMPLE_WEIGHTED = {  # (last layer, loss, targets)
    "softmax cross-entropy, labels": (None, SoftmaxCrossEntropy(), "labels"),
    "sparse on a softmax": (Softmax(), SparseCategoricalCrossentropy(), "labels"),
    "binary on logits": (None, SigmoidBinaryCrossEntropy(), "binary"),
    "huber": (None, Huber(0.5), "one_hot"),
}


@pytest.mark.parametrize("case", SAMPLE_WEIGHTED)
def test_sample_weight_in_loss_gradient_and_evaluate_matches_keras(case):
    last, loss, kind = SAMPLE_WEIGHTED[case]
    model = _model(last, loss, seed=3)
    rng = np.random.default_rng(2)
    x, t, w = rng.normal(size=(6, 4)), _targets(kind, rng), np.array([0.5, 2.0, 0.0, 1.0, 3.0, 0.25])
    keras_model = rk.to_keras(model)
    loss_value, grads = rk.loss_and_gradients(keras_model, None, x, t, sample_weight=w)
    assert abs(model.loss(x, t, sample_weight=w) - loss_value) <= 1e-12 * abs(loss_value)
    for key, grad in model.gradient(x, t, sample_weight=w).items():
        assert relative_error(grad, grads[key]) <= 1e-12, key
    assert model.loss(x, t, sample_weight=np.ones(6)) == pytest.approx(model.loss(x, t), rel=1e-15)
    # Keras's own evaluate: the weighted loss; its metrics unweighted, its weighted_metrics weighted
    # ("accuracy" would be categorical for several sigmoid units; scratchnet's is Keras's binary
    # accuracy per unit, on logits at 0)
    metric = (lambda: keras.metrics.BinaryAccuracy(threshold=0.0)) if kind == "binary" else (lambda: "accuracy")
    with rk.floatx("float64"):
        keras_model.compile(loss=keras_model.scratchnet_loss, metrics=[metric()], weighted_metrics=[metric()],
                            jit_compile=False)
        results = keras_model.evaluate(x, t, sample_weight=w, batch_size=4, verbose=0, return_dict=True)
    keras_loss = results["loss"]
    keras_accuracy, keras_weighted = (value for key, value in results.items() if key != "loss")
    for weighted, keras_value in ((False, keras_accuracy), (True, keras_weighted)):
        ours = model.evaluate(x, t, sample_weight=w, batch_size=4, weighted_accuracy=weighted)
        theirs = rk.evaluate(keras_model, x, t, sample_weight=w, weighted_accuracy=weighted)
        assert ours[0] == pytest.approx(theirs[0], rel=1e-12) == pytest.approx(keras_loss, rel=1e-12)
        assert ours[1] == pytest.approx(theirs[1], rel=1e-12)
        assert ours[1] == pytest.approx(keras_value, rel=1e-6)  # Keras's metrics sum in float32
    assert model.evaluate(x, t, sample_weight=w)[1] == model.evaluate(x, t)[1]


def test_bad_sample_weights_are_refused_by_name():
    model = _model(None, SoftmaxCrossEntropy())
    x, t = np.zeros((3, 4)), np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: sample_weight must have one weight per sample, "
                                         r"shape \(3,\) or \(3, 1\), got \(2,\)"):
        model.loss(x, t, sample_weight=np.ones(2))
    with pytest.raises(ValueError, match="finite real numbers"):
        model.loss(x, t, sample_weight=np.array([1.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match=r"Trainer: sample_weight must have one weight per training sample"):
        scratchnet.Trainer(model, scratchnet.optimizers.SGD(0.1), x, t, sample_weight=np.ones(4))


def test_weighted_accuracy_is_keras_metric_on_its_own_golden():
    """keras/src/metrics/accuracy_metrics_test.py, SparseCategoricalAccuracyTest.test_weighted:
    y_true [[2], [1]], y_pred [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight [0.7, 0.3] -> 0.3."""
    y, t, w = np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0]]), np.array([[2], [1]]), np.array([0.7, 0.3])
    correct, total = SparseCategoricalCrossentropy().count_correct(y, t, w)
    assert correct / total == pytest.approx(0.3, rel=1e-15)
    keras_loss = rk.keras_loss(SparseCategoricalCrossentropy(), dtype="float64")
    assert rk.count_correct(keras_loss, y, t, w) == (correct, total)


def test_relu_model_with_every_regression_loss_agrees(assert_twin):
    rng = np.random.default_rng(5)
    x, t = rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    for loss in (MeanAbsoluteError(), Huber(), Huber(0.25, reduction="sum")):
        model = scratchnet.Sequential([Affine(rng.normal(size=(4, 6)), rng.normal(size=6)), ReLU(),
                                       Affine(rng.normal(size=(6, 3)), rng.normal(size=3))], loss)
        assert_twin(model, x, t)

"""scratchnet.metrics against Keras's metric classes in float64 (1e-12): the mean errors, the
binary cross-entropy metric, top-k accuracy and the confusion counts, over two batches with and
without sample weights; from_keras brings them over from compile(metrics=...)."""
import numpy as np
import pytest

import reference_keras as rk
from reference_keras import keras
from scratchnet import metrics as sn_metrics

# (id, Keras metric factory, scratchnet metric factory (weighted), outputs: "real", "probability", "logit", "scores")
CASES = [
    ("mae", lambda: keras.metrics.MeanAbsoluteError(dtype="float64"), sn_metrics.MeanAbsoluteError, "real"),
    ("mse", lambda: keras.metrics.MeanSquaredError(dtype="float64"), sn_metrics.MeanSquaredError, "real"),
    ("rmse", lambda: keras.metrics.RootMeanSquaredError(dtype="float64"), sn_metrics.RootMeanSquaredError, "real"),
    ("bce probabilities", lambda: keras.metrics.BinaryCrossentropy(dtype="float64"), sn_metrics.BinaryCrossentropy,
     "probability"),
    ("bce logits smoothed", lambda: keras.metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.2,
                                                                      dtype="float64"),
     lambda **kw: sn_metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, **kw), "logit"),
    # TensorFlow's in_top_k takes float32 only: a float32 metric, its weighted mean rounded (1e-6 below)
    ("top 2", lambda: keras.metrics.TopKCategoricalAccuracy(k=2),
     lambda **kw: sn_metrics.TopKCategoricalAccuracy(k=2, **kw), "scores"),
    ("true positives", lambda: keras.metrics.TruePositives(dtype="float64"), sn_metrics.TruePositives, "probability"),
    ("false positives", lambda: keras.metrics.FalsePositives(dtype="float64"), sn_metrics.FalsePositives,
     "probability"),
    ("true negatives", lambda: keras.metrics.TrueNegatives(dtype="float64"), sn_metrics.TrueNegatives, "probability"),
    ("false negatives 0.3", lambda: keras.metrics.FalseNegatives(thresholds=0.3, dtype="float64"),
     lambda **kw: sn_metrics.FalseNegatives(thresholds=0.3, **kw), "probability"),
    ("precision", lambda: keras.metrics.Precision(dtype="float64"), sn_metrics.Precision, "probability"),
    ("recall", lambda: keras.metrics.Recall(dtype="float64"), sn_metrics.Recall, "probability"),
]


def _batch(kind, rng, n=9):
    if kind == "real":
        return rng.normal(size=(n, 3)), rng.normal(size=(n, 3))
    if kind == "scores":  # ties included: in_top_k counts a tie at the boundary as in
        y = rng.integers(0, 3, size=(n, 4)).astype(np.float64)
        return y, np.eye(4)[rng.integers(0, 4, n)]
    t = (rng.random((n, 2)) < 0.5).astype(np.float64)
    y = rng.random((n, 2)) if kind == "probability" else rng.normal(size=(n, 2)) * 3
    if kind == "probability":
        y[0, 0], y[1, 1] = 0.0, 1.0  # clipped to [1e-7, 1 - 1e-7]
    return y, t


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_metric_matches_keras_over_two_batches(case, weighted):
    _, keras_metric, ours_factory, kind = case
    rng = np.random.default_rng(22)
    theirs, ours = keras_metric(), ours_factory(weighted=weighted)
    hits = entries = 0.0
    for _ in range(2):
        y, t = _batch(kind, rng)
        w = rng.random(y.shape[0]) * 2 if weighted else None
        theirs.update_state(t, y.astype(theirs.dtype), sample_weight=w)  # integer scores: exact in float32
        h, e = ours.count(y, t, w)
        hits, entries = hits + h, entries + e
    expected = float(theirs.result())
    # Keras's confusion counts keep float32 accumulators whatever the metric's dtype; in_top_k is float32
    rel = 1e-6 if "float32" in (theirs.dtype, *(v.dtype for v in theirs.variables)) else 1e-12
    assert ours.result(hits, entries) == pytest.approx(expected, rel=rel, abs=1e-300)


def test_metric_settings_are_checked_and_survive_a_config_round_trip():
    with pytest.raises(ValueError, match="top_k_categorical_accuracy: k must be a positive integer, got 0"):
        sn_metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="precision: thresholds must be one number"):
        sn_metrics.Precision(thresholds=[0.2, 0.7])
    with pytest.raises(ValueError, match=r"mean_absolute_error: expected targets shaped like the output \(4, 2\)"):
        sn_metrics.MeanAbsoluteError().count(np.zeros((4, 2)), np.zeros((4, 3)))
    for metric in (sn_metrics.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, name="bce"),
                   sn_metrics.TopKCategoricalAccuracy(k=3), sn_metrics.Recall(thresholds=0.2, weighted=True)):
        again = sn_metrics.metric_from_config(metric.config())
        assert repr(again) == repr(metric) and again.settings() == metric.settings()


def test_a_compiled_models_metrics_come_over_with_their_settings_and_values():
    """The metrics of the corpus's regression and imbalanced-classification models (compile
    metrics=["mae", "RootMeanSquaredError", Precision(...), ...]): named as Keras's evaluate names
    them and equal to its values (Keras sums its metrics in float32, hence 1e-6)."""
    rng = np.random.default_rng(3)
    with rk.floatx("float64"):
        keras.utils.set_random_seed(3)
        keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="sigmoid")])
        keras_model.compile(loss="binary_crossentropy", jit_compile=False, metrics=[
            "mae", "mse", "RootMeanSquaredError", keras.metrics.BinaryCrossentropy(name="cross entropy"),
            keras.metrics.TruePositives(name="tp"), keras.metrics.FalseNegatives(name="fn"),
            keras.metrics.Precision(name="precision"), keras.metrics.Recall(thresholds=0.4, name="recall")])
    model = rk.from_keras(keras_model)
    assert [m.name for m in model.metrics] == ["mae", "mse", "RootMeanSquaredError", "cross entropy", "tp", "fn",
                                               "precision", "recall"]
    assert model.metrics[-1].thresholds == 0.4
    x, t = rng.normal(size=(30, 4)), (rng.random((30, 2)) < 0.5).astype(np.float64)
    with rk.floatx("float64"):
        keras_results = keras_model.evaluate(x, t, batch_size=7, verbose=0, return_dict=True)
    ours = model.evaluate_metrics(x, t, batch_size=7)
    for name, value in ours.items():
        assert value == pytest.approx(keras_results[name], rel=1e-6), name
    with rk.floatx("float64"):
        keras_model.compile(loss="mse", metrics=[keras.metrics.Precision(top_k=2), keras.metrics.AUC()])
    with pytest.raises(rk.UnsupportedLayerError) as error:
        rk.from_keras(keras_model)
    assert "the compiled metric 'Precision' has no scratchnet equivalent" in str(error.value)
    assert "the compiled metric 'AUC' has no scratchnet equivalent" in str(error.value)

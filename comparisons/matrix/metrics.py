"""Every metric of scratchnet.metrics against Keras's metric class of the same name, in float64:
each on the outputs it is meant for (probabilities, logits, scores with ties, labels as a vector
and as a column, a one-unit output with a target vector, real values), at its default options and
at others (thresholds, k, from_logits, label smoothing), plain and weighted by per-sample weights,
counted over two batches of unequal size as `Sequential.evaluate_metrics` counts a data set in
chunks (Keras's update_state on the same batches). Then every metric through its config and back,
and `Sequential.evaluate_metrics` of a tiny model with all of them against Keras's metrics of its
Keras twin's outputs.

The inputs hold the edge cases where an implementation can differ and still pass on random data:
scores tied at the top-k boundary (tf.math.in_top_k counts them in), probabilities of exactly 0 and
1 (clipped to [1e-7, 1 - 1e-7]), outputs equal to a threshold (not above it, so negative), and a
threshold above every output (Precision 0, as Keras's divide_no_nan). BinaryAccuracy's threshold
0.7 meets an output of exactly 0.7: Keras compares against the threshold rounded to float32."""
import numpy as np

import reference_keras
from reference_keras import keras
from scratchnet import layers as L
from scratchnet import losses
from scratchnet import metrics as M
from scratchnet.model import Sequential

from ..core.check import Check, scalar_check
from ..core.tolerances import tolerance

N, SPLIT = 9, 5  # samples, counted as two batches: rows [0, 5) and [5, 9)


def _inputs(seed):
    rng = np.random.default_rng(seed)
    probabilities = rng.random((N, 3))
    probabilities[0] = [0.0, 1.0, 0.5]  # clipped by the cross-entropy; 0.5 is not above the 0.5 threshold
    probabilities[1] = [0.7, 0.3, 1.0]  # at the 0.7 and 0.3 thresholds exactly
    binary = (rng.random((N, 3)) < 0.5).astype(np.float64)
    logits = rng.normal(size=(N, 3)) * 3.0
    scores = rng.integers(0, 4, size=(N, 5)) / 4.0  # many ties, at the top-k boundary too
    scores[0] = [0.5, 0.5, 0.5, 0.25, 0.0]  # the target's score tied with two higher-ranked ones
    labels = rng.permutation(np.arange(N) % 5)
    labels[0] = 2
    single = rng.random((N, 1))  # a one-unit output, its targets a vector of 0/1
    single_targets = (rng.random(N) < 0.5).astype(np.float64)
    real, real_targets = rng.normal(size=(N, 3)), rng.normal(size=(N, 3))
    weights = 0.25 + rng.random(N) * 2.0
    return {"probabilities": (probabilities, binary), "logits": (logits, binary),
            "scores, one-hot": (scores, np.eye(5)[labels]), "scores, labels": (scores, labels),
            "scores, label column": (scores, labels[:, None]), "one unit, target vector": (single, single_targets),
            "real": (real, real_targets)}, weights


# (scratchnet metric class, options, Keras metric class name, input kind)
CASES = [
    (M.BinaryAccuracy, {}, "BinaryAccuracy", "probabilities"),
    (M.BinaryAccuracy, {"threshold": 0.7}, "BinaryAccuracy", "probabilities"),
    (M.BinaryAccuracy, {}, "BinaryAccuracy", "one unit, target vector"),
    (M.CategoricalAccuracy, {}, "CategoricalAccuracy", "scores, one-hot"),
    (M.SparseCategoricalAccuracy, {}, "SparseCategoricalAccuracy", "scores, labels"),
    (M.SparseCategoricalAccuracy, {}, "SparseCategoricalAccuracy", "scores, label column"),
    (M.Accuracy, {}, "BinaryAccuracy", "one unit, target vector"),  # "accuracy" resolved by the shapes
    (M.Accuracy, {}, "SparseCategoricalAccuracy", "scores, labels"),
    (M.Accuracy, {}, "SparseCategoricalAccuracy", "scores, label column"),
    (M.Accuracy, {}, "CategoricalAccuracy", "scores, one-hot"),
    (M.MeanAbsoluteError, {}, "MeanAbsoluteError", "real"),
    (M.MeanSquaredError, {}, "MeanSquaredError", "real"),
    (M.RootMeanSquaredError, {}, "RootMeanSquaredError", "real"),
    (M.MeanAbsoluteError, {}, "MeanAbsoluteError", "one unit, target vector"),
    (M.BinaryCrossentropy, {}, "BinaryCrossentropy", "probabilities"),
    (M.BinaryCrossentropy, {"label_smoothing": 0.2}, "BinaryCrossentropy", "probabilities"),
    (M.BinaryCrossentropy, {"from_logits": True}, "BinaryCrossentropy", "logits"),
    (M.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.3}, "BinaryCrossentropy", "logits"),
    (M.TopKCategoricalAccuracy, {}, "TopKCategoricalAccuracy", "scores, one-hot"),
    (M.TopKCategoricalAccuracy, {"k": 2}, "TopKCategoricalAccuracy", "scores, one-hot"),
    (M.TopKCategoricalAccuracy, {"k": 1}, "TopKCategoricalAccuracy", "scores, one-hot"),
    (M.TruePositives, {}, "TruePositives", "probabilities"),
    (M.FalsePositives, {"thresholds": 0.3}, "FalsePositives", "probabilities"),
    (M.TrueNegatives, {"thresholds": 0.7}, "TrueNegatives", "probabilities"),
    (M.FalseNegatives, {}, "FalseNegatives", "probabilities"),
    (M.Precision, {}, "Precision", "probabilities"),
    (M.Precision, {"thresholds": 0.3}, "Precision", "probabilities"),
    (M.Precision, {"thresholds": 1.0}, "Precision", "probabilities"),  # nothing above it: 0
    (M.Recall, {}, "Recall", "probabilities"),
    (M.Recall, {"thresholds": 0.7}, "Recall", "probabilities"),
]


def _ours(metric, y, t, w):
    """The metric counted over the two batches, as evaluate_metrics counts chunks."""
    hits = entries = 0.0
    for rows in (slice(0, SPLIT), slice(SPLIT, N)):
        h, e = metric.count(y[rows], t[rows], None if w is None else w[rows])
        hits, entries = hits + h, entries + e
    return metric.result(hits, entries)


def _keras(name, options, y, t, w):
    if name == "TopKCategoricalAccuracy":
        y = y.astype(np.float32)  # tf.math.in_top_k takes float32 only; the scores (quarters) are exact in it
    with reference_keras.floatx("float64"):
        metric = getattr(keras.metrics, name)(**options, dtype="float64")
        for rows in (slice(0, SPLIT), slice(SPLIT, N)):
            metric.update_state(t[rows], y[rows], sample_weight=None if w is None else w[rows])
        return float(metric.result())


def _label(cls, options, kind):
    shown = ", ".join(f"{k}={v}" for k, v in options.items())
    return f"{cls.__name__}({shown}) on {kind}"


def metric_case_checks(seed=0):
    """(checks, table rows): each case plain and weighted against Keras, and through its config."""
    inputs, weights = _inputs(seed)
    checks, rows = [], []
    tol = tolerance("float64", "final_loss")
    for cls, options, keras_name, kind in CASES:
        y, t = inputs[kind]
        label = _label(cls, options, kind)
        values = []
        for w in (None, weights):
            metric = cls(**options, weighted=w is not None)
            ours, theirs = _ours(metric, y, t, w), _keras(keras_name, options, y, t, w)
            values.append((ours, theirs))
            checks.append(scalar_check(f"metric {label}{' weighted' if w is not None else ''}", ours, theirs, tol,
                                       kind="metric", subject=cls.__name__))
            back = M.metric_from_config(metric.config())
            same = type(back) is cls and back.config() == metric.config() and _ours(back, y, t, w) == ours
            checks.append(Check(f"metric {label}{' weighted' if w is not None else ''}: config round trip",
                                0.0 if same else 1.0, 0.0, same, "" if same else f"{metric.config()} -> "
                                f"{back.config()}", kind="metric", subject=cls.__name__))
        worst = max(abs(a - b) / max(abs(b), 1e-300) for a, b in values)
        rows.append([label, f"{values[0][0]:.6g}", f"{values[1][0]:.6g}", f"{worst:.2g}",
                     "pass" if all(c.passed for c in checks[-4:]) else "FAIL"])
    return checks, rows


def evaluate_metrics_checks(seed=0):
    """(checks, table rows): Sequential.evaluate_metrics (chunks of 4 rows, weighted and not) of a
    model with a sigmoid output and every binary metric, against Keras's metrics on its twin's output."""
    rng = np.random.default_rng(seed + 7)
    W1, W2 = rng.normal(size=(4, 5)), rng.normal(size=(5, 3))
    model = Sequential([L.Affine(W1, rng.normal(size=5) * 0.1), L.Tanh(), L.Affine(W2, rng.normal(size=3) * 0.1),
                        L.Sigmoid()], losses.BinaryCrossentropy())
    x, t = rng.normal(size=(N, 4)), (rng.random((N, 3)) < 0.5).astype(np.float64)
    w = 0.25 + rng.random(N) * 2.0
    chosen = [M.BinaryAccuracy(), M.BinaryCrossentropy(weighted=True), M.MeanSquaredError(),
              M.Precision(weighted=True), M.Recall(thresholds=0.3), M.TruePositives(weighted=True),
              M.RootMeanSquaredError(weighted=True)]
    model.metrics = chosen
    keras_model = reference_keras.to_keras(model)
    y_keras = np.asarray(keras_model(keras.ops.convert_to_tensor(x), training=False))
    checks, rows = [], []
    ours = model.evaluate_metrics(x, t, sample_weight=w, batch_size=4)
    for metric in chosen:
        keras_name = type(metric).__name__
        options = metric.settings()
        with reference_keras.floatx("float64"):
            theirs_metric = getattr(keras.metrics, keras_name)(**options, dtype="float64")
            theirs_metric.update_state(t, y_keras, sample_weight=w if metric.weighted else None)
            theirs = float(theirs_metric.result())
        checks.append(scalar_check(f"evaluate_metrics {metric!r}", ours[metric.name], theirs,
                                   tolerance("float64", "final_loss"), kind="metric", subject=keras_name))
        rows.append([f"evaluate_metrics: {metric!r}", f"{ours[metric.name]:.6g}", "-", f"{checks[-1].value:.2g}",
                     "pass" if checks[-1].passed else "FAIL"])
    return checks, rows


def metric_checks(seed=0):
    """The cases, then evaluate_metrics."""
    checks, rows = metric_case_checks(seed)
    more, more_rows = evaluate_metrics_checks(seed)
    return checks + more, rows + more_rows


METRIC_HEADERS = ["metric (inputs)", "value", "weighted value", "worst relative error vs Keras", "result"]

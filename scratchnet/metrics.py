"""Accuracy metrics by Keras's names, as a model compiled with `metrics=[...]` reports them
(`Sequential.metrics`, `Sequential.evaluate_metrics`; reference_keras.from_keras brings a Keras
model's compiled metrics over).

Each metric counts (hits, entries) for outputs `y` and targets `t`; with `weighted` (a metric
Keras was given as `weighted_metrics`) each sample counts with its sample weight, as Keras's
weighted mean does. "accuracy" resolves by the shapes, as Keras's compile does: a one-unit
output is binary accuracy (threshold 0.5), labels ((N,) or a column (N, 1) for a wider output)
are sparse categorical accuracy, anything else categorical accuracy (argmax against argmax).
Keras sums its metrics in float32; these count in float64.

Beyond accuracy, Keras's other common compiled metrics: the mean errors (MeanAbsoluteError,
MeanSquaredError: each sample's mean over its units, averaged over the samples;
RootMeanSquaredError: the square root of the mean over every entry), BinaryCrossentropy (each
sample's binary cross-entropy, on probabilities clipped to [1e-7, 1 - 1e-7] as Keras's, or on
logits), TopKCategoricalAccuracy (the target's class among the k highest scores; tied scores at
the boundary count as in, as tf.math.in_top_k), and the confusion counts at a threshold
(TruePositives, FalsePositives, TrueNegatives, FalseNegatives: sums, not means; Precision and
Recall: their ratio, 0 when nothing is counted, as Keras's divide_no_nan). `KERAS_CLASSES` maps
Keras's class names to them and `options` names the Keras settings each one takes.
"""
import numpy as np

from ._checks import label_column


class Metric:
    def __init__(self, name=None, weighted=False):
        self.name = name or self.keras_name
        self.weighted = bool(weighted)

    def count(self, y, t, sample_weight=None):
        """(hits, entries) of this batch, each row weighted by `sample_weight` when the metric is
        weighted and weights are given."""
        hits = self.hits(np.asarray(y), np.asarray(t))
        if sample_weight is None or not self.weighted:
            return float(np.sum(hits)), float(hits.size)
        w = np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        return float(np.sum(hits * w)), float(np.sum(w) * hits.shape[1])

    options = ()  # the Keras settings (config keys) this metric takes, besides name and dtype

    def result(self, hits, entries):
        """The metric's value from the summed counts of `count`: their ratio (a mean)."""
        return hits / entries if entries else 0.0

    def _weights(self, sample_weight, n):
        """One weight per sample (N, 1) when the metric is weighted and weights are given, else None."""
        if sample_weight is None or not self.weighted:
            return None
        w = np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        if w.shape[0] != n:
            raise ValueError(f"{self.name}: {n} predictions but {w.shape[0]} sample weights")
        return w

    def settings(self):
        return {key: getattr(self, key) for key in self.options}

    def config(self):
        return {"metric": self.keras_name, **({"name": self.name} if self.name != self.keras_name else {}),
                **({"weighted": True} if self.weighted else {}), **self.settings()}

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r}{', weighted' if self.weighted else ''})"


class BinaryAccuracy(Metric):
    keras_name = "binary_accuracy"
    options = ("threshold",)

    def __init__(self, threshold=0.5, name=None, weighted=False):
        super().__init__(name, weighted)
        self.threshold = float(threshold)

    def hits(self, y, t):
        t = t.reshape(y.shape) if t.size == y.size else t
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected targets shaped like the output {y.shape}, got {t.shape}")
        # Keras makes the threshold a float32 tensor (convert_to_tensor of a Python float), so a
        # float64 output equal to a threshold like 0.7 lies above it there: compare as Keras does
        return (t == (y > np.float32(self.threshold))).reshape(y.shape[0], -1)

    def settings(self):
        return {"threshold": self.threshold} if self.threshold != 0.5 else {}


class CategoricalAccuracy(Metric):
    keras_name = "categorical_accuracy"

    def hits(self, y, t):
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected one-hot rows shaped like the output {y.shape}, got {t.shape}")
        return (np.argmax(y, axis=-1) == np.argmax(t, axis=-1))[:, None]


class SparseCategoricalAccuracy(Metric):
    keras_name = "sparse_categorical_accuracy"

    def hits(self, y, t):
        labels = t[:, 0] if label_column(t, y.shape[1]) else t
        if labels.shape != (y.shape[0],):
            raise ValueError(f"{self.name}: expected {y.shape[0]} labels, got targets of shape {t.shape}")
        return (np.argmax(y, axis=-1) == labels)[:, None]


class Accuracy(Metric):
    """Keras's "accuracy": binary, sparse or categorical accuracy by the shapes (module docstring)."""

    keras_name = "accuracy"

    def hits(self, y, t):
        if y.shape[-1] == 1:
            return BinaryAccuracy().hits(y, t)
        if t.ndim < y.ndim or (t.shape[-1] == 1 and y.shape[-1] > 1):
            return SparseCategoricalAccuracy().hits(y, t)
        return CategoricalAccuracy().hits(y, t)


def _float_targets(y, t, where):
    """Targets shaped like the output (a (N,) vector for a one-unit output expanded), as floats."""
    t = np.asarray(t, dtype=np.float64)
    t = t.reshape(y.shape) if t.size == y.size and t.shape != y.shape else t
    if t.shape != y.shape:
        raise ValueError(f"{where}: expected targets shaped like the output {y.shape}, got {t.shape}")
    return t


class MeanAbsoluteError(Metric):
    keras_name = "mean_absolute_error"

    def hits(self, y, t):
        return np.mean(np.abs(y - _float_targets(y, t, self.name)), axis=-1).reshape(y.shape[0], -1)


class MeanSquaredError(Metric):
    keras_name = "mean_squared_error"

    def hits(self, y, t):
        return np.mean(np.square(y - _float_targets(y, t, self.name)), axis=-1).reshape(y.shape[0], -1)


class RootMeanSquaredError(Metric):
    """sqrt(mean of every squared error), each entry weighted by its sample's weight."""

    keras_name = "root_mean_squared_error"

    def hits(self, y, t):
        return np.square(y - _float_targets(y, t, self.name)).reshape(y.shape[0], -1)

    def result(self, hits, entries):
        return float(np.sqrt(hits / entries)) if entries else 0.0


class BinaryCrossentropy(Metric):
    keras_name = "binary_crossentropy"
    options = ("from_logits", "label_smoothing")

    def __init__(self, from_logits=False, label_smoothing=0.0, name=None, weighted=False):
        super().__init__(name, weighted)
        self.from_logits, self.label_smoothing = bool(from_logits), float(label_smoothing)
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(f"{self.name}: label_smoothing must be in [0, 1], got {label_smoothing!r}")

    def hits(self, y, t):
        t = _float_targets(y, t, self.name)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        if self.from_logits:  # TensorFlow's sigmoid_cross_entropy_with_logits
            values = np.maximum(y, 0) - y * t + np.log1p(np.exp(-np.abs(y)))
        else:
            p = np.clip(y, EPSILON, 1.0 - EPSILON)
            values = -(t * np.log(p) + (1.0 - t) * np.log(1.0 - p))
        return np.mean(values, axis=-1).reshape(y.shape[0], -1)


class TopKCategoricalAccuracy(Metric):
    keras_name = "top_k_categorical_accuracy"
    options = ("k",)

    def __init__(self, k=5, name=None, weighted=False):
        super().__init__(name, weighted)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"{self.name}: k must be a positive integer, got {k!r}")
        self.k = int(k)

    def hits(self, y, t):
        if t.shape != y.shape:
            raise ValueError(f"{self.name}: expected one-hot rows shaped like the output {y.shape}, got {t.shape}")
        target = y[np.arange(y.shape[0]), np.argmax(t, axis=-1)]
        return (np.sum(y > target[:, None], axis=-1) < self.k)[:, None]


class _Confusion(Metric):
    """Counts of one cell of the confusion matrix at `thresholds` (predictions above it are
    positive), over every output entry; weighted by the sample weights when weighted."""

    options = ("thresholds",)
    counted = None  # (target positive, predicted positive) of the cell counted

    def __init__(self, thresholds=None, name=None, weighted=False):
        super().__init__(name, weighted)
        value = 0.5 if thresholds is None else thresholds
        if isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"{self.name}: thresholds must be one number (scratchnet counts at one threshold), "
                             f"got {thresholds!r}")
        self.thresholds = float(value)

    def settings(self):
        return {"thresholds": self.thresholds} if self.thresholds != 0.5 else {}

    def _cells(self, y, t):
        """(target positive, predicted positive) boolean arrays (N, K)."""
        t = _float_targets(y, t, self.name)
        return (t > 0.5).reshape(y.shape[0], -1), (y > self.thresholds).reshape(y.shape[0], -1)

    def _sums(self, selected, among, sample_weight):
        w = self._weights(sample_weight, selected.shape[0])
        if w is None:
            return float(np.sum(selected)), float(np.sum(among))
        return float(np.sum(selected * w)), float(np.sum(among * w))

    def count(self, y, t, sample_weight=None):
        positive, predicted = self._cells(np.asarray(y), np.asarray(t))
        want_positive, want_predicted = self.counted
        cell = (positive == want_positive) & (predicted == want_predicted)
        return self._sums(cell, np.ones_like(cell), sample_weight)

    def result(self, hits, entries):
        return hits


class TruePositives(_Confusion):
    keras_name, counted = "true_positives", (True, True)


class FalsePositives(_Confusion):
    keras_name, counted = "false_positives", (False, True)


class TrueNegatives(_Confusion):
    keras_name, counted = "true_negatives", (False, False)


class FalseNegatives(_Confusion):
    keras_name, counted = "false_negatives", (True, False)


class Precision(_Confusion):
    """true positives / predicted positives."""

    keras_name = "precision"

    def count(self, y, t, sample_weight=None):
        positive, predicted = self._cells(np.asarray(y), np.asarray(t))
        return self._sums(positive & predicted, predicted, sample_weight)

    def result(self, hits, entries):
        return hits / entries if entries else 0.0


class Recall(Precision):
    """true positives / target positives."""

    keras_name = "recall"

    def count(self, y, t, sample_weight=None):
        positive, predicted = self._cells(np.asarray(y), np.asarray(t))
        return self._sums(positive & predicted, positive, sample_weight)


EPSILON = 1e-7  # keras.config.epsilon(): where Keras clips probabilities

METRICS = {cls.keras_name: cls for cls in (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                                           MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError,
                                           BinaryCrossentropy, TopKCategoricalAccuracy, TruePositives,
                                           FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall)}
METRICS.update(acc=Accuracy, mae=MeanAbsoluteError, mse=MeanSquaredError)
# Keras's metric class names -> the metric computing the same (keras.metrics.Accuracy, exact
# equality of prediction and target, is not the "accuracy" a compile string resolves by shapes).
KERAS_CLASSES = {cls.__name__: cls for cls in set(METRICS.values()) if cls is not Accuracy}


def get(metric):
    """A metric from a name in METRICS or an instance (returned as is)."""
    if isinstance(metric, Metric):
        return metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}")
    return METRICS[metric]()


def metric_from_config(config):
    """The metric `Metric.config()` describes."""
    cls = get(config["metric"]).__class__
    options = {key: config[key] for key in cls.options if key in config}
    return cls(**options, name=config.get("name"), weighted=config.get("weighted", False))
